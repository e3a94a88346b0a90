"""Values every page needs: the organisation's name and the navigation for the user's roles."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse

from searchlog import reminders, selectors, sessions


def _navigation(request: HttpRequest) -> list[dict[str, object]]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return []
    items: list[tuple[str, str, int | None]] = []
    if not user.is_auditor:
        items += [
            ("Record a search", reverse("record-new"), None),
            ("Quick emergency record", reverse("record-quick"), None),
            ("My records", reverse("my-records"), None),
            ("Requests", reverse("approval-list"), None),
        ]
    if user.is_manager or user.is_auditor:
        items.append(("Review queue", reverse("review-queue"), selectors.review_queue_count(user)))
        items.append(("Decide", reverse("decide-queue"), selectors.decide_queue_count(user) or None))
    if user.is_manager:
        items.append(("Team records", reverse("all-records"), None))
    if user.is_manager or user.is_auditor:
        items.append(("Insights", reverse("insights"), None))
    if user.is_auditor:
        items += [
            ("All records", reverse("all-records"), None),
            ("Escalations", reverse("escalations"), selectors.open_escalation_count(user)),
            ("Breaches", reverse("breaches"), None),
            ("Quality samples", reverse("quality-samples"), None),
            ("Subject access", reverse("subject-access"), None),
            ("Audit trail", reverse("audit-trail"), None),
        ]
    items.append(("Notifications", reverse("notifications"), reminders.unread_count(user) or None))
    items.append(("Export", reverse("exports"), None))
    # The item whose address is the longest start of this page's address is the current one.
    # "My records" lives at /records/, the start of every record's address: it matches only itself.
    path = request.path
    mine = reverse("my-records")
    matching = [href for _, href, _ in items if path == href or (href != mine and path.startswith(href))]
    current = max(matching, key=len, default=None)
    return [
        {"text": text, "href": href, "active": href == current, "count": count} for text, href, count in items
    ]


def service(request: HttpRequest) -> dict[str, object]:
    return {
        "organisation_name": settings.SEARCHLOG_ORGANISATION_NAME,
        "service_name": "Online search log",
        "navigation": _navigation(request),
        "repeat_days": settings.SEARCHLOG_REPEAT_SEARCH_DAYS,
        "min_answer_length": settings.SEARCHLOG_MIN_ANSWER_LENGTH,
        # Evaluated here, so the nonce is in this response's Content-Security-Policy header (django-csp adds it
        # only once asked for).
        "csp_nonce": str(request.csp_nonce) if hasattr(request, "csp_nonce") else "",
        **_session_warning(request),
    }


def _session_warning(request: HttpRequest) -> dict[str, object]:
    """When to warn a signed-in user that the session ends in 2 minutes (shown by a small script; see base.html)."""
    session = getattr(request, "session", None)
    if session is None or "_auth_user_id" not in session:
        return {}
    return {"session_warning_seconds": sessions.seconds_until_warning(session),
            "session_idle_minutes": round(sessions.idle_seconds() / 60)}
