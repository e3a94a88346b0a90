"""Which warning flags a record carries: each flag is one database condition, defined once here.

`with_flags` annotates a queryset with a boolean per flag (so a list costs one query and can be
filtered by flag); `flags_for` reads those annotations off a record.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings
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
    days = settings.SEARCHLOG_REVIEW_DEADLINE_WORKING_DAYS
    day = timezone.localtime(now).date()
    # Walk back to the latest submission day whose deadline has passed; deadlines never go backwards.
    while deadline_after(timezone.make_aware(datetime.combine(day, datetime.min.time())), days) > now:
        day -= timedelta(days=1)
    return timezone.make_aware(datetime.combine(day + timedelta(days=1), datetime.min.time()))


def _conditions(now: datetime) -> dict[str, Q]:
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
        "overdue": Q(status=Status.SUBMITTED, submitted_at__lt=overdue_before(now)),
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
        for name, condition in _conditions(now or clock.now()).items()
    })


def with_flags_for(user: User, records: QuerySet[SearchRecord]) -> QuerySet[SearchRecord]:
    """with_flags as the reader sees them: information governance counts repeat searching across all teams."""
    return with_flags(records, across_teams=bool(getattr(user, "is_auditor", False)))


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
    return flags_for(with_flags(SearchRecord.objects.filter(pk=record.pk)).get())
