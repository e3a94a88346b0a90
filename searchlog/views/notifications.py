"""The notifications page and the privacy-settings check."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from searchlog import reminders, selectors

PAGE_SIZE = 25


@login_required
def notifications(request: HttpRequest) -> HttpResponse:
    page = Paginator(reminders.notifications_for(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [(n, reminders.notice_title(n), reminders.notice_link(n)) for n in page.object_list]
    # Seeing the list is reading it; the unread ones stay marked for this one view.
    reminders.notifications_mark_read(user=request.user)
    return render(request, "searchlog/notifications.html", {"page": page, "rows": rows, "query": ""})


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
