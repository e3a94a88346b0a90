"""Every read a role may make of search records: the only place that scopes by role."""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, QuerySet
from django.db.models.expressions import RawSQL

from searchlog import clock
from searchlog.errors import RecordNotFound
from searchlog.models import (
    Addendum,
    Approval,
    ApprovalStatus,
    Breach,
    Escalation,
    QualitySample,
    QualitySampleItem,
    Role,
    SearchRecord,
    Status,
    Team,
    Transition,
    User,
    subject_key,
)

# The people and team a record is shown with (pages, API): read in the record's own query.
RECORD_PEOPLE = ("practitioner", "team", "reviewed_by", "ig_reviewed_by")
# Lists and exports show the prior approval a record was made under, and who decided it.
RECORD_LISTED_WITH = (*RECORD_PEOPLE, "approval", "approval__decided_by")
# The record page shows the approval's whole story.
RECORD_PAGE_WITH = (*RECORD_LISTED_WITH, "approval__requested_by", "approval__cancelled_by")


def _with_people(records: QuerySet[SearchRecord]) -> QuerySet[SearchRecord]:
    return records.select_related(*RECORD_LISTED_WITH)


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


def people_visible_to(user: User) -> QuerySet[User]:
    """The people whose supervision pack the user may make: themselves; a manager's teams; anyone for an auditor."""
    people = User.objects.select_related("team").order_by("first_name", "last_name", "username")
    if not user.is_authenticated or not user.is_active:
        return people.none()
    if user.is_auditor:
        return people
    if user.is_manager:
        return people.filter(Q(pk=user.pk) | Q(team__in=user.managed_teams.all()))
    return people.filter(pk=user.pk)


def teams_visible_to(user: User) -> QuerySet[Team]:
    """The teams the user may filter an export by: all for an auditor; managed and own teams; else their own."""
    if not user.is_authenticated or not user.is_active:
        return Team.objects.none()
    if user.is_auditor:
        return Team.objects.all()
    condition = Q(pk=user.team_id)
    if user.is_manager:
        condition |= Q(pk__in=user.managed_teams.all())
    return Team.objects.filter(condition)


# Who reviews a record. One rule, stated once here and read by the workflow, reminders, digests and queues:
# the managers of the record's team other than its practitioner (separation of duties); when there is none
# (a sole manager's own record), information governance (the auditors). A record awaiting information
# governance (ig_review) is theirs whoever its team reviewer was.
# `reviewer_pairs` is the rule over a set of records; `reviewers_of` is the same rule for one record, and
# `review_scope` is its mirror image (the records one person reviews), tested to agree with it.

def _team_has_other_reviewer() -> Exists:
    """Whether the record's team has an active manager other than the record's practitioner."""
    return Exists(
        Team.managers.through.objects.filter(
            team_id=OuterRef("team_id"), user__is_active=True, user__role=Role.MANAGER,
        ).exclude(user_id=OuterRef("practitioner_id"))
    )


_ACTIVE_AUDITOR = Q(role=Role.AUDITOR, is_active=True)


def _auditors() -> QuerySet[User]:
    return User.objects.filter(_ACTIVE_AUDITOR)


def _team_reviewer_rows(records: QuerySet[SearchRecord]) -> QuerySet[Any]:
    """(team, manager) rows annotated with record_id: the records' team reviewers, before information governance."""
    return (
        Team.managers.through.objects.filter(user__is_active=True, user__role=Role.MANAGER)
        .annotate(record_id=F("team__search_records__id"), author_id=F("team__search_records__practitioner_id"))
        .filter(record_id__in=records.exclude(status=Status.IG_REVIEW).values("pk"))
        .exclude(user_id=F("author_id"))
    )


def _to_governance(records: QuerySet[SearchRecord]) -> QuerySet[SearchRecord]:
    """Those of the records that information governance reviews: in ig_review, or no other reviewer in the team."""
    return records.filter(Q(status=Status.IG_REVIEW) | ~_team_has_other_reviewer())


def reviewer_pairs(records: QuerySet[SearchRecord]) -> list[tuple[int, int]]:
    """(record id, reviewer id) for every reviewer of every record given, in a few queries whatever their number."""
    records = records.order_by()
    pairs: list[tuple[int, int]] = list(_team_reviewer_rows(records).values_list("record_id", "user_id"))
    to_governance = list(_to_governance(records).values_list("pk", flat=True))
    if to_governance:
        auditor_ids = list(_auditors().values_list("pk", flat=True))
        pairs += [(record_id, auditor_id) for record_id in to_governance for auditor_id in auditor_ids]
    return pairs


def reviewers_of(record: SearchRecord) -> QuerySet[User]:
    """Who reviews this record now: its team's other managers, else (or once in ig_review) information governance."""
    sql, params = _reviewer_ids_sql()
    bound = tuple(record.pk if param == _ANY_RECORD else param for param in params)
    # The SQL is the ORM's own, compiled from the rule below; the record's id is bound as a parameter.
    return User.objects.filter(pk__in=RawSQL(sql, bound)).order_by("pk")  # noqa: S611


# No record has this id: the query below is compiled for it once, and each call binds the record's own id instead.
_ANY_RECORD = -1


@lru_cache(maxsize=1)
def _reviewer_ids_sql() -> tuple[str, tuple[Any, ...]]:
    """The ids of one record's reviewers: the same two parts as reviewer_pairs, in one query.

    Building and compiling its nested subqueries costs more than running it, and only the record's id changes.
    """
    one = SearchRecord.objects.filter(pk=_ANY_RECORD)
    ids = User.objects.filter(
        Q(pk__in=_team_reviewer_rows(one).values("user_id")) | (_ACTIVE_AUDITOR & Exists(_to_governance(one)))
    ).values("pk")
    sql, params = ids.query.sql_with_params()
    if _ANY_RECORD not in params:
        raise AssertionError("the record's id must be a parameter of the reviewers query")
    return sql, tuple(params)


def review_scope(user: User) -> Q:
    """The records the user reviews for their team (the mirror of reviewers_of before information governance)."""
    if not user.is_authenticated or not user.is_active:
        return Q(pk__in=[])
    if user.is_manager:
        return Q(team__in=user.managed_teams.all()) & ~Q(practitioner=user)
    if user.is_auditor:
        return ~_team_has_other_reviewer()
    return Q(pk__in=[])


def can_review(user: User, record: SearchRecord) -> bool:
    return SearchRecord.objects.filter(review_scope(user), pk=record.pk).exists()


def may_add_addenda(user: User, record: SearchRecord) -> bool:
    """Addenda come from the record's practitioner or from someone who may review it."""
    return record.practitioner_id == user.pk or can_review(user, record)


def review_queue_for(user: User) -> QuerySet[SearchRecord]:
    """What the user may sign off now, oldest submission first: for information governance, ig_review too."""
    waiting = review_scope(user) & Q(status=Status.SUBMITTED)
    if user.is_authenticated and user.is_active and user.is_auditor:
        waiting |= Q(status=Status.IG_REVIEW)
    return _with_people(SearchRecord.objects.filter(waiting).order_by("submitted_at", "id"))


def review_queue_count(user: User) -> int:
    if not (user.is_manager or user.is_auditor):
        return 0
    return review_queue_for(user).count()


def escalations_for(user: User) -> QuerySet[Escalation]:
    """Escalations an auditor handles, open ones first, oldest first."""
    if not user.is_auditor:
        return Escalation.objects.none()
    return Escalation.objects.select_related("record", "record__practitioner", "record__team", "raised_by",
                                             "closed_by").order_by(F("closed_at").asc(nulls_first=True), "raised_at")


def open_escalation_count(user: User) -> int:
    return escalations_for(user).filter(closed_at__isnull=True).count()


def escalation_for(user: User, pk: int) -> Escalation:
    try:
        return escalations_for(user).get(pk=pk)
    except Escalation.DoesNotExist:
        raise RecordNotFound(str(pk)) from None


def breaches_for(user: User) -> QuerySet[Breach]:
    """The breach register, for information governance only: the newest found first."""
    if not (user.is_authenticated and user.is_active and user.is_auditor):
        return Breach.objects.none()
    return Breach.objects.select_related("record", "record__practitioner", "record__team", "escalation",
                                         "opened_by")


def breach_for(user: User, pk: int) -> Breach:
    try:
        return breaches_for(user).get(pk=pk)
    except Breach.DoesNotExist:
        raise RecordNotFound(str(pk)) from None


def repeat_search_count(*, team_id: int, subject_reference: str, exclude_pk: int | None = None,
                        at: datetime | None = None) -> int:
    """How many records the team holds about this subject (normalised: models.subject_key) within the window."""
    at = at or clock.now()
    since = at - timedelta(days=settings.SEARCHLOG_REPEAT_SEARCH_DAYS)
    records = SearchRecord.objects.filter(
        team_id=team_id, subject_key=subject_key(subject_reference), searched_at__gte=since, searched_at__lte=at,
    )
    if exclude_pk is not None:
        records = records.exclude(pk=exclude_pk)
    return records.count()


def related_records(user: User, record: SearchRecord) -> QuerySet[SearchRecord]:
    """The earlier searches about the same person (same normalised subject reference) the user may read, newest
    first."""
    earlier = Q(searched_at__lt=record.searched_at) | Q(searched_at=record.searched_at, pk__lt=record.pk)
    return (
        records_visible_to(user).filter(earlier, subject_key=record.subject_key)
        .exclude(pk=record.pk).order_by("-searched_at", "-id")
    )


def privacy_checks_overdue_for(user: User) -> QuerySet[User]:
    """The people the user oversees whose own privacy check is overdue (never, or over SEARCHLOG_PRIVACY_CHECK_DAYS
    ago): a manager's team members; everyone for information governance; nobody for a practitioner."""
    if not (user.is_authenticated and user.is_active and (user.is_manager or user.is_auditor)):
        return User.objects.none()
    since = clock.now() - timedelta(days=settings.SEARCHLOG_PRIVACY_CHECK_DAYS)
    people = User.objects.filter(
        Q(privacy_checked_at__isnull=True) | Q(privacy_checked_at__lte=since),
        is_active=True, role__in=[Role.PRACTITIONER, Role.MANAGER],
    )
    if not user.is_auditor:
        people = people.filter(team__in=user.managed_teams.all()).exclude(pk=user.pk)
    return people.select_related("team").order_by(F("privacy_checked_at").asc(nulls_first=True), "last_name",
                                                   "first_name", "username")


# Prior approvals. Who may read a request: its requester, the managers of its team, and information governance.
# Who decides it (`deciders_of`, the one rule, as `reviewers_of` is for records): a manager of the team other than
# the requester; information governance instead when the request carries a risk that SEARCHLOG_IG_REVIEW_FLAGS
# routes to them (approval_risks), or when the team has no other manager.

def _with_approval_people(approvals: QuerySet[Approval]) -> QuerySet[Approval]:
    return approvals.select_related("requested_by", "team", "decided_by", "cancelled_by")


def approvals_visible_to(user: User) -> QuerySet[Approval]:
    """Every request the user may read: their own, their managed teams', or all for information governance."""
    if not user.is_authenticated or not user.is_active:
        return Approval.objects.none()
    if user.is_auditor:
        return _with_approval_people(Approval.objects.all())
    condition = Q(requested_by=user)
    if user.is_manager:
        condition |= Q(team__in=user.managed_teams.all())
    return _with_approval_people(Approval.objects.filter(condition))


def approval_visible_to(user: User, pk: int | str) -> Approval:
    """One request within the user's scope, else RecordNotFound."""
    try:
        return approvals_visible_to(user).get(pk=int(pk))
    except (Approval.DoesNotExist, ValueError, TypeError):
        raise RecordNotFound(str(pk)) from None


def approval_risks(approval: Approval) -> list[str]:
    """The record flags the planned search would carry that SEARCHLOG_IG_REVIEW_FLAGS routes to information
    governance (the request's own answers: account and confidential information)."""
    from searchlog.flags import ig_reasons
    from searchlog.models import AccountUsed

    flags = []
    if approval.account_used in (AccountUsed.PERSONAL_ACCOUNT, AccountUsed.PERSONAL_DEVICE):
        flags.append("personal_account")
    if approval.confidential_information:
        flags.append("confidential_information")
    return ig_reasons(flags)


def _approval_to_governance(approval: Approval) -> bool:
    if approval_risks(approval):
        return True
    return not approval.team.managers.filter(is_active=True, role=Role.MANAGER).exclude(
        pk=approval.requested_by_id).exists()


def deciders_of(approval: Approval) -> QuerySet[User]:
    """Who decides this request: information governance for a risky one or a sole manager's own; else the
    team's other managers. Never the requester."""
    if _approval_to_governance(approval):
        return _auditors().exclude(pk=approval.requested_by_id).order_by("pk")
    return approval.team.managers.filter(is_active=True, role=Role.MANAGER).exclude(
        pk=approval.requested_by_id).order_by("pk")


def can_decide(user: User, approval: Approval) -> bool:
    return deciders_of(approval).filter(pk=user.pk).exists()


def decide_queue_for(user: User) -> list[Approval]:
    """The requests waiting for the user's decision, oldest first (a manager's teams; information governance's
    risky or sole-manager requests)."""
    if not (user.is_authenticated and user.is_active and (user.is_manager or user.is_auditor)):
        return []
    waiting = approvals_visible_to(user).filter(status=ApprovalStatus.REQUESTED).exclude(
        requested_by=user).order_by("created_at", "id").prefetch_related("team__managers")
    return [approval for approval in waiting if _decides(user, approval)]


def _decides(user: User, approval: Approval) -> bool:
    # The same rule as deciders_of, read from the prefetched managers (one query for the whole queue).
    others = [m for m in approval.team.managers.all()
              if m.is_active and m.role == Role.MANAGER and m.pk != approval.requested_by_id]
    if approval_risks(approval) or not others:
        return user.is_auditor
    return any(m.pk == user.pk for m in others)


def decide_queue_count(user: User) -> int:
    return len(decide_queue_for(user))


# Quality sampling and insights. Samples are information governance's alone (others: 404). Insights are for the
# people who oversee records: a manager's managed teams, everything for information governance, nobody else.

def is_governance(user: User) -> bool:
    """Whether the user is information governance (an active auditor)."""
    return bool(user.is_authenticated and user.is_active and user.is_auditor)


def quality_samples_visible_to(user: User) -> QuerySet[QualitySample]:
    """Every sample, newest first, with its counts: for information governance only."""
    if not is_governance(user):
        return QualitySample.objects.none()
    reviewed = ~Q(items__outcome="")
    return QualitySample.objects.select_related("created_by").annotate(
        item_count=Count("items"), reviewed_count=Count("items", filter=reviewed),
        agreed_count=Count("items", filter=Q(items__outcome="agree")),
    ).order_by("-created_at", "-id")


def quality_sample_visible_to(user: User, pk: int | str) -> QualitySample:
    """One sample within the user's scope, else RecordNotFound."""
    try:
        return quality_samples_visible_to(user).get(pk=int(pk))
    except (QualitySample.DoesNotExist, ValueError, TypeError):
        raise RecordNotFound(str(pk)) from None


def sample_items(sample: QualitySample) -> QuerySet[QualitySampleItem]:
    """The sample's records in the order drawn, with the people each is shown with."""
    return sample.items.select_related(
        "record", "record__team", "record__practitioner", "record__reviewed_by", "record__ig_reviewed_by",
        "reviewed_by",
    ).order_by("position")


def sample_item(sample: QualitySample, reference: str) -> QualitySampleItem:
    try:
        return sample_items(sample).get(record__reference=reference)
    except QualitySampleItem.DoesNotExist:
        raise RecordNotFound(reference) from None


def signed_off_between(start: datetime, end: datetime) -> QuerySet[SearchRecord]:
    """The records signed off in [start, end): what a quality sample is drawn from."""
    return SearchRecord.objects.filter(status=Status.SIGNED_OFF, signed_off_at__gte=start, signed_off_at__lt=end)


def insight_teams(user: User) -> QuerySet[Team]:
    """The teams whose insights the user may read: a manager's managed teams; all for information governance."""
    if is_governance(user):
        return Team.objects.all()
    if user.is_authenticated and user.is_active and user.is_manager:
        return user.managed_teams.all().order_by("name")
    return Team.objects.none()


def insight_records(user: User, team: Team | None = None) -> QuerySet[SearchRecord]:
    """The records insights count for the user (optionally one of their teams); RecordNotFound for a practitioner
    or a team outside their scope."""
    if not (is_governance(user) or (user.is_authenticated and user.is_active and user.is_manager)):
        raise RecordNotFound("insights")
    records = SearchRecord.objects.all()
    if not is_governance(user):
        records = records.filter(team__in=insight_teams(user))
    if team is not None:
        if not insight_teams(user).filter(pk=team.pk).exists():
            raise RecordNotFound(str(team.pk))
        records = records.filter(team=team)
    return records.order_by()


# Subject access (UK GDPR Art. 15): everything held about one person, for information governance only.

def subject_records_for(user: User, subject_reference: str) -> QuerySet[SearchRecord]:
    """Every record about one person (normalised subject reference) across all teams, oldest search first, with
    its review history, addenda, escalations and prior approval: for an auditor; nothing for anyone else."""
    key = subject_key(subject_reference)
    if not (user.is_authenticated and user.is_active and user.is_auditor) or not key:
        return SearchRecord.objects.none()
    return (
        SearchRecord.objects.filter(subject_key=key)
        .select_related(*RECORD_PAGE_WITH)
        .prefetch_related(
            Prefetch("transitions", queryset=Transition.objects.select_related("actor")),
            Prefetch("addenda", queryset=Addendum.objects.select_related("author")),
            Prefetch("escalations", queryset=Escalation.objects.select_related("raised_by", "closed_by")),
        )
        .order_by("searched_at", "id")
    )


def subject_approvals_for(user: User, subject_reference: str) -> QuerySet[Approval]:
    """Every request for prior approval of a search about one person, oldest first: for an auditor only."""
    key = subject_key(subject_reference)
    if not (user.is_authenticated and user.is_active and user.is_auditor) or not key:
        return Approval.objects.none()
    return _with_approval_people(Approval.objects.filter(subject_key=key)).order_by("created_at", "id")
