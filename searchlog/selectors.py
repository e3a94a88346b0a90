"""Every read a role may make of search records: the only place that scopes by role."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q, QuerySet

from searchlog import clock
from searchlog.errors import RecordNotFound
from searchlog.models import SearchRecord, User


def _with_people(records: QuerySet[SearchRecord]) -> QuerySet[SearchRecord]:
    return records.select_related("practitioner", "team")


def records_of(user: User) -> QuerySet[SearchRecord]:
    """The records the user made themselves ("My records")."""
    return _with_people(SearchRecord.objects.filter(practitioner=user))


def records_visible_to(user: User) -> QuerySet[SearchRecord]:
    """Every record the user may read: their own, their managed teams', or all for an auditor."""
    if not user.is_authenticated or not user.is_active:
        return SearchRecord.objects.none()
    if user.is_auditor:
        return _with_people(SearchRecord.objects.all())
    if user.is_manager:
        return _with_people(
            SearchRecord.objects.filter(Q(practitioner=user) | Q(team__in=user.managed_teams.all()))
        )
    return records_of(user)


def record_visible_to(user: User, reference: str) -> SearchRecord:
    """One record by reference within the user's scope, else RecordNotFound."""
    try:
        return records_visible_to(user).get(reference=reference)
    except SearchRecord.DoesNotExist:
        raise RecordNotFound(reference) from None


def record_of(user: User, reference: str) -> SearchRecord:
    """One of the user's own records by reference, else RecordNotFound."""
    try:
        return records_of(user).get(reference=reference)
    except SearchRecord.DoesNotExist:
        raise RecordNotFound(reference) from None


def repeat_search_count(*, team_id: int, subject_reference: str, exclude_pk: int | None = None,
                        at: datetime | None = None) -> int:
    """How many records the team holds about this subject within the repeat-search window."""
    at = at or clock.now()
    since = at - timedelta(days=settings.SEARCHLOG_REPEAT_SEARCH_DAYS)
    records = SearchRecord.objects.filter(
        team_id=team_id, subject_reference__iexact=subject_reference.strip(), searched_at__gte=since,
        searched_at__lte=at,
    )
    if exclude_pk is not None:
        records = records.exclude(pk=exclude_pk)
    return records.count()
