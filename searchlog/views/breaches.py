"""The breach register pages, for information governance: a list, and one entry to read and update."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from searchlog import breaches, selectors
from searchlog.errors import NotPermitted, RecordInvalid, RecordNotFound
from searchlog.forms import BreachForm

PAGE_SIZE = 25


@login_required
def breach_list(request: HttpRequest) -> HttpResponse:
    if not request.user.is_auditor:
        raise Http404("No such page")
    page = Paginator(selectors.breaches_for(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [(breach, *breaches.ico_clock(breach)) for breach in page.object_list]
    return render(request, "searchlog/breaches.html", {"page": page, "rows": rows, "query": ""})


@login_required
@require_http_methods(["GET", "POST"])
def breach_detail(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        breach = selectors.breach_for(request.user, pk)
    except RecordNotFound:
        raise Http404("No such breach") from None
    form = BreachForm(request.POST or None, initial=BreachForm.initial_from(breach))
    if request.method == "POST" and form.is_valid():
        try:
            breaches.breach_update(breach=breach, actor=request.user, data=form.cleaned_data)
        except RecordInvalid as error:
            form.add_domain_errors(error)
        except NotPermitted as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"Breach register entry {breach.pk} updated.")
            return redirect("breach-detail", pk=breach.pk)
    clock_text, overdue = breaches.ico_clock(breach)
    return render(request, "searchlog/breach_detail.html", {
        "breach": breach, "form": form, "clock_text": clock_text, "overdue": overdue,
    })
