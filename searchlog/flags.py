"""Which warning flags a record carries: each flag is one database condition, defined once here.

`with_flags` annotates a queryset with a boolean per flag (so a list costs one query and can be
filtered by flag); `flags_for` reads those annotations off a record; `flagged_record` reads one record with its flags.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from functools import lru_cache

from django.conf import settings
from django.db import connection
from django.db.models import (
    BooleanField,
    Case,
    Count,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Trunc
from django.utils import timezone

from searchlog import clock
from searchlog.models import (
    CONSENT_OBTAINED,
    AccountUsed,
    ConsentStatus,
    ContentVisibility,
    Interaction,
    SearchRecord,
    Status,
    User,
)
from searchlog.working_days import deadline_after

FLAG_LABELS = {
    "emergency": "Emergency",
    "no_consent": "No consent",
    "consent_refused": "Consent refused",
    "personal_account": "Personal account or device",
    "interaction": "Interaction",
    "restricted_content": "Restricted content",
    "confidential_information": "Confidential information",
    "late_record": "Late record",
    "repeat_searching": "Repeat searching",
    "reviewer_involved": "Reviewer involved",
    "overdue": "Overdue",
    "outside_approval": "Outside its approval",
}


def overdue_before(now: datetime) -> datetime:
    """Records submitted before this moment are past the review deadline now (in working days)."""
    # Deadlines fall at local midnight, so the answer is the same all day: work it out once per day.
    return _overdue_before_day(timezone.localtime(now).date(), settings.SEARCHLOG_REVIEW_DEADLINE_WORKING_DAYS)


@lru_cache(maxsize=64)
def _overdue_before_day(today: date, days: int) -> datetime:
    now = timezone.make_aware(datetime.combine(today, datetime.min.time()))
    day = today
    # Walk back to the latest submission day whose deadline has passed; deadlines never go backwards.
    while deadline_after(timezone.make_aware(datetime.combine(day, datetime.min.time())), days) > now:
        day -= timedelta(days=1)
    return timezone.make_aware(datetime.combine(day + timedelta(days=1), datetime.min.time()))


def _conditions(overdue_from: datetime) -> dict[str, Q]:
    return {
        "emergency": Q(is_emergency=True),
        "no_consent": ~Q(consent_status="") & ~Q(consent_status__in=CONSENT_OBTAINED),
        "consent_refused": Q(consent_status=ConsentStatus.REFUSED),
        "personal_account": Q(account_used__in=[AccountUsed.PERSONAL_ACCOUNT, AccountUsed.PERSONAL_DEVICE]),
        "interaction": Q(interaction=Interaction.INTERACTED),
        "restricted_content": Q(content_visibility__in=[ContentVisibility.RESTRICTED, ContentVisibility.BOTH]),
        "confidential_information": Q(confidential_information=True),
        # late_after: the end of the next working day after the search (workflow keeps it; working_days).
        "late_record": Q(late_after__isnull=False, created_at__gt=F("late_after")),
        "repeat_searching": Q(subject_search_count__gte=settings.SEARCHLOG_REPEAT_SEARCH_COUNT),
        "reviewer_involved": Q(reviewer_involved=True),
        "overdue": Q(status=Status.SUBMITTED, submitted_at__lt=overdue_from),
        # Made under a prior approval but not within it: before its decision, after its expiry or cancellation,
        # or beyond the number of viewings approved (records under it counted in the order they were made).
        "outside_approval": Q(approval__isnull=False) & (
            Q(approval__expires_at__isnull=True) | Q(searched_at__lt=Trunc("approval__decided_at", "minute"))
            | Q(searched_at__gt=F("approval__expires_at")) | Q(approval__cancelled_at__lt=F("searched_at"))
            | Q(approval_use_number__gt=F("approval__viewings"))
        ),
    }


def with_flags(records: QuerySet[SearchRecord], now: datetime | None = None, *,
               across_teams: bool = False) -> QuerySet[SearchRecord]:
    """Annotate each record with `flag_<name>` booleans and `subject_search_count`, in the same query.

    `across_teams`: count searches about the person by every team (information governance's view), not only the
    record's own team.
    """
    return _annotated(records, overdue_before(now or clock.now()), across_teams)


def with_flags_for(user: User, records: QuerySet[SearchRecord]) -> QuerySet[SearchRecord]:
    """with_flags as the reader sees them: information governance counts repeat searching across all teams."""
    return with_flags(records, across_teams=_across_teams(user))


def _across_teams(user: User | None) -> bool:
    return bool(getattr(user, "is_auditor", False))


def _annotated(records: QuerySet[SearchRecord], overdue_from: datetime,
               across_teams: bool = False) -> QuerySet[SearchRecord]:
    window = timedelta(days=settings.SEARCHLOG_REPEAT_SEARCH_DAYS)
    # Searches by the team about the same person (normalised reference) in the window up to this search (this
    # one included).
    same_team = {} if across_teams else {"team_id": OuterRef("team_id")}
    same_subject = (
        SearchRecord.objects.filter(
            **same_team,
            subject_key=OuterRef("subject_key"),
            searched_at__lte=OuterRef("searched_at"),
            searched_at__gte=OuterRef("searched_at") - window,
        )
        .order_by()
        .values("subject_key")
        .annotate(n=Count("pk"))
        .values("n")
    )
    # This record's place among the records made under its approval (1 for the first).
    under_same_approval = (
        SearchRecord.objects.filter(approval_id=OuterRef("approval_id"), pk__lte=OuterRef("pk"))
        .order_by().values("approval_id").annotate(n=Count("pk")).values("n")
    )
    records = records.annotate(
        subject_search_count=Coalesce(Subquery(same_subject, output_field=IntegerField()), 0),
        approval_use_number=Case(
            When(approval__isnull=True, then=Value(0)),
            default=Coalesce(Subquery(under_same_approval, output_field=IntegerField()), 0),
        ),
    )
    return records.annotate(**{
        f"flag_{name}": ExpressionWrapper(condition, output_field=BooleanField())
        for name, condition in _conditions(overdue_from).items()
    })


def flagged_record(pk: int, *, related: tuple[str, ...] = (), now: datetime | None = None,
                   reader: User | None = None) -> SearchRecord:
    """One record with its flags (and the related rows named, for select_related), read from the database now.

    The caller has checked the record is one it may read. Building the flag annotations is most of the cost of
    reading one record, so the annotated query is built once per review-deadline boundary and settings, then
    only filtered by pk: the same conditions, the same single query.
    """
    return _flagged_records(overdue_before(now or clock.now()), related, _across_teams(reader),
                            *_settings_key()).filter(pk=pk).get()


def flags_read(record: SearchRecord, now: datetime | None = None, *, reader: User | None = None) -> SearchRecord:
    """Set the record's flag annotations (and subject_search_count) as the database works them out now.

    For a record the caller already holds as saved (the workflow's): one query of the flag conditions alone,
    compiled once per review-deadline boundary and settings, with the record's id bound to it.
    """
    sql, params = _flags_sql(overdue_before(now or clock.now()), _across_teams(reader), *_settings_key())
    with connection.cursor() as cursor:
        cursor.execute(sql, [record.pk if param == _ANY_RECORD else param for param in params])
        row = cursor.fetchone()
    if row is None:
        raise SearchRecord.DoesNotExist(f"No record {record.pk}")
    record.subject_search_count = row[0]
    for name, value in zip(FLAG_LABELS, row[1:], strict=True):
        setattr(record, f"flag_{name}", bool(value))
    return record


# No record has this id: the flags query is compiled for it once, and each read binds the record's own id instead.
_ANY_RECORD = -1


@lru_cache(maxsize=32)
def _flags_sql(overdue_from: datetime, across_teams: bool, *settings_key: object) -> tuple[str, tuple[object, ...]]:
    columns = ["subject_search_count", *(f"flag_{name}" for name in FLAG_LABELS)]
    query = (_flagged_records(overdue_from, (), across_teams, *settings_key).filter(pk=_ANY_RECORD)
             .values_list(*columns).query)
    sql, params = query.sql_with_params()
    if _ANY_RECORD not in params:
        raise AssertionError("the record's id must be a parameter of the flags query")
    return sql, tuple(params)


def _settings_key() -> tuple[object, ...]:
    # What the built conditions read from settings (so a changed setting, in tests, builds them again).
    return (settings.SEARCHLOG_REPEAT_SEARCH_COUNT, settings.SEARCHLOG_REPEAT_SEARCH_DAYS)


@lru_cache(maxsize=32)
def _flagged_records(overdue_from: datetime, related: tuple[str, ...], across_teams: bool,
                     *_settings: object) -> QuerySet[SearchRecord]:
    # Never evaluated itself (that would cache rows): every use filters a clone.
    records = SearchRecord.objects.all()
    return _annotated(records.select_related(*related) if related else records, overdue_from, across_teams)


def with_flag(records: QuerySet[SearchRecord], flag: str) -> QuerySet[SearchRecord]:
    """Only the records carrying `flag` (the queryset must come from with_flags)."""
    if flag not in FLAG_LABELS:
        raise ValueError(f"Unknown flag {flag!r}")
    return records.filter(**{f"flag_{flag}": True})


def flags_for(record: SearchRecord) -> list[str]:
    """The record's flags, in the order of FLAG_LABELS (the record must come from with_flags)."""
    return [name for name in FLAG_LABELS if getattr(record, f"flag_{name}")]


def ig_reasons(flags: Iterable[str]) -> list[str]:
    """Which of these flags make a record need information governance's sign-off (SEARCHLOG_IG_REVIEW_FLAGS)."""
    wanted = set(settings.SEARCHLOG_IG_REVIEW_FLAGS)
    unknown = wanted - set(FLAG_LABELS)
    if unknown:
        raise ValueError(f"SEARCHLOG_IG_REVIEW_FLAGS names unknown flags: {', '.join(sorted(unknown))}")
    present = set(flags)
    return [name for name in FLAG_LABELS if name in wanted and name in present]


def flags_of(record: SearchRecord) -> list[str]:
    """The flags one record carries now, read from the database (one query)."""
    return flags_for(flags_read(SearchRecord(pk=record.pk)))
