"""Values every page needs: the organisation's name and the navigation for the user's roles."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse


def _navigation(request: HttpRequest) -> list[dict[str, object]]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return []
    items = []
    if not user.is_auditor:
        items += [
            ("Record a search", reverse("record-new")),
            ("Quick emergency record", reverse("record-quick")),
            ("My records", reverse("my-records")),
        ]
    items.append(("API", reverse("api-docs")))
    # The item whose address is the longest start of this page's address is the current one.
    path = request.path
    matching = [href for _, href in items if path.startswith(href)]
    current = max(matching, key=len, default=None)
    return [{"text": text, "href": href, "active": href == current, "count": None} for text, href in items]


def service(request: HttpRequest) -> dict[str, object]:
    return {
        "organisation_name": settings.SEARCHLOG_ORGANISATION_NAME,
        "service_name": "Online search log",
        "navigation": _navigation(request),
        "repeat_days": settings.SEARCHLOG_REPEAT_SEARCH_DAYS,
    }
