"""Template filters for plain British dates and the record's tags."""

from __future__ import annotations

from django import template

from searchlog import formatting
from searchlog.flags import FLAG_LABELS
from searchlog.presenters import STATUS_COLOURS
from searchlog.presenters import anchor_for as _anchor_for
from searchlog.presenters import revision_rows as _revision_rows
from searchlog.presenters import status_tags as _status_tags

register = template.Library()


FLAG_COLOURS = {
    "emergency": "red",
    "no_consent": "orange",
    "consent_refused": "red",
    "personal_account": "purple",
    "interaction": "pink",
    "restricted_content": "yellow",
    "confidential_information": "purple",
    "late_record": "grey",
    "repeat_searching": "orange",
    "reviewer_involved": "purple",
    "overdue": "red",
    "outside_approval": "red",
}
APPROVAL_COLOURS = {
    "requested": "blue",
    "approved": "green",
    "refused": "red",
    "cancelled": "grey",
    "expired": "grey",
    "used": "turquoise",
}

register.filter("when", formatting.when)
register.filter("day", formatting.day)


@register.filter
def status_colour(status: str) -> str:
    return STATUS_COLOURS.get(status, "grey")


@register.filter
def flag_label(flag: str) -> str:
    return FLAG_LABELS.get(flag, flag)


@register.filter
def flag_colour(flag: str) -> str:
    return FLAG_COLOURS.get(flag, "grey")


@register.filter
def anchor_for(field: str) -> str:
    return _anchor_for(field)


@register.filter
def revision_rows(revision: object) -> list[tuple[str, str]]:
    return _revision_rows(revision.answers)  # type: ignore[attr-defined]


@register.filter
def status_tags(record: object) -> list[tuple[str, str]]:
    return _status_tags(record)  # type: ignore[arg-type]


@register.filter
def approval_colour(status: str) -> str:
    return APPROVAL_COLOURS.get(status, "grey")
