"""Plain British dates and times, in Europe/London: "24 November 2026 at 9:40pm"."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone


def plain_time(value: datetime) -> str:
    if value.hour == 12 and value.minute == 0:
        return "midday"
    if value.hour == 0 and value.minute == 0:
        return "midnight"
    hour = value.hour % 12 or 12
    suffix = "am" if value.hour < 12 else "pm"
    return f"{hour}{suffix}" if value.minute == 0 else f"{hour}:{value.minute:02d}{suffix}"


def when(value: datetime | None) -> str:
    """24 November 2026 at 9:40pm, in Europe/London."""
    if not value:
        return ""
    local = timezone.localtime(value)
    return f"{local.day} {local:%B %Y} at {plain_time(local)}"


def day(value: datetime | None) -> str:
    """24 November 2026, in Europe/London."""
    if not value:
        return ""
    local = timezone.localtime(value)
    return f"{local.day} {local:%B %Y}"
