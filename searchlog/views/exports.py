"""The export page and its downloads: thin doors onto searchlog.exports."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from searchlog import clock, exports
from searchlog.errors import RecordInvalid, RecordNotFound
from searchlog.export_forms import SearchExportForm, SupervisionPackForm

PACK_PREFIX_ID = "id_pack_%s"


def _page(request: HttpRequest, *, searches_form: SearchExportForm | None = None,
          pack_form: SupervisionPackForm | None = None, status: int = 200) -> HttpResponse:
    user = request.user
    today = timezone.localtime(clock.now()).date()
    searches_form = searches_form or SearchExportForm(user=user, initial={"format": "csv", "justified": "any"})
    pack_form = pack_form or SupervisionPackForm(
        user=user, auto_id=PACK_PREFIX_ID,
        initial={"practitioner": "" if user.is_auditor else user.username, **SupervisionPackForm.initial_period(today)},
    )
    return render(request, "searchlog/export.html", {
        "searches_form": searches_form, "pack_form": pack_form,
        "has_errors": searches_form.errors or pack_form.errors,
    }, status=status)


def _with_defaults(request: HttpRequest) -> QueryDict:
    data = request.GET.copy()
    data.setdefault("justified", "any")
    return data


@login_required
@require_GET
def export_page(request: HttpRequest) -> HttpResponse:
    """The export page; with a file type chosen, check the choices and go to the download."""
    if "format" not in request.GET:
        return _page(request)
    form = SearchExportForm(_with_defaults(request), user=request.user)
    if not form.is_valid():
        return _page(request, searches_form=form)
    address = reverse(f"export-searches-{form.cleaned_data['format']}")
    query = urlencode(form.query())
    return redirect(f"{address}?{query}" if query else address)


@login_required
@require_GET
def searches_download(request: HttpRequest, file_type: str) -> HttpResponseBase:
    data = _with_defaults(request)
    data["format"] = file_type
    form = SearchExportForm(data, user=request.user)
    if form.is_valid():
        make = exports.searches_csv if file_type == "csv" else exports.searches_xlsx
        try:
            return exports.as_response(make(user=request.user, filters=form.filters(), request=request))
        except RecordInvalid as error:
            form.add_domain_errors(error)
    return _page(request, searches_form=form, status=400)


@login_required
@require_GET
def supervision_pack_download(request: HttpRequest) -> HttpResponseBase:
    form = SupervisionPackForm(request.GET, user=request.user, auto_id=PACK_PREFIX_ID)
    if form.is_valid():
        try:
            export = exports.supervision_pack(
                user=request.user, practitioner=form.cleaned_data["practitioner"],
                date_from=form.cleaned_data["from"], date_to=form.cleaned_data["to"], request=request,
            )
        except RecordNotFound:
            raise Http404("No such practitioner") from None
        except RecordInvalid as error:
            form.add_domain_errors(error)
        else:
            return exports.as_response(export)
    return _page(request, pack_form=form, status=400)
