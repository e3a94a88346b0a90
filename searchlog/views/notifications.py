"""The notifications page and the privacy-settings check."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from searchlog import reminders, selectors

PAGE_SIZE = 25


@login_required
def notifications(request: HttpRequest) -> HttpResponse:
    # Seeing the list is not reading every notice: each stays new until its reader marks it (or all) read.
    page = Paginator(reminders.notifications_for(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [(n, reminders.notice_title(n), reminders.notice_link(n)) for n in page.object_list]
    return render(request, "searchlog/notifications.html",
                  {"page": page, "rows": rows, "query": "", "any_unread": reminders.unread_count(request.user) > 0})


def _back_to_the_list(request: HttpRequest) -> HttpResponse:
    page = request.POST.get("page", "")
    url = reverse("notifications")
    return redirect(f"{url}?page={page}" if page.isdigit() and page != "1" else url)


@login_required
@require_POST
def notification_read(request: HttpRequest, pk: int) -> HttpResponse:
    if not reminders.notification_mark_read(user=request.user, pk=pk):
        raise Http404("No such notification")
    messages.success(request, "Notification marked as read.")
    return _back_to_the_list(request)


@login_required
@require_POST
def notifications_read_all(request: HttpRequest) -> HttpResponse:
    count = reminders.notifications_mark_read(user=request.user)
    messages.success(request, f"{count} notification{'' if count == 1 else 's'} marked as read." if count
                     else "There were no unread notifications.")
    return _back_to_the_list(request)


@login_required
@require_http_methods(["GET", "POST"])
def privacy_check(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        reminders.privacy_check_confirm(user=request.user)
        messages.success(request, "Thank you. Your privacy check is recorded.")
        return redirect("privacy-check")
    history = request.user.privacy_checks.all()[:10]
    return render(request, "searchlog/privacy_check.html", {
        "history": history,
        "policy_url": settings.SEARCHLOG_POLICY_URL,
        "check_days": settings.SEARCHLOG_PRIVACY_CHECK_DAYS,
        "overdue": selectors.privacy_checks_overdue_for(request.user),
        "oversees": request.user.is_manager or request.user.is_auditor,
    })
