"""Reminders: decide what is due (the sweep), write each notice once, then email it after commit.

The sweep is one function, `reminder_sweep`, run by Celery beat and by `manage.py send_reminders`.
Each notice is a `Notification` row whose unique constraints (recipient, kind, record, due moment)
make it impossible to write twice, however many sweeps run at once or however often a task is
delivered. Rows are written in the transaction that decides them; emails go out afterwards from the
rows still pending (an outbox), one claim at a time (`searchlog.delivery`), so a sweep that dies is
finished by the next one and a sender that dies repeats at most the one message it was sending.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone

from searchlog import clock, selectors
from searchlog.audit import audit_append
from searchlog.flags import overdue_before
from searchlog.models import (
    Approval,
    ApprovalStatus,
    Breach,
    Notification,
    NotificationKind,
    PrivacyCheck,
    Role,
    SearchRecord,
    Status,
    User,
)
from searchlog.models_breaches import ICO_HOURS
from searchlog.working_days import deadline_after

logger = logging.getLogger(__name__)


@dataclass
class SweepResult:
    decided: dict[str, int] = field(default_factory=dict)
    emailed: int = 0

    def __str__(self) -> str:
        kinds = ", ".join(f"{kind}: {n}" for kind, n in sorted(self.decided.items()) if n) or "nothing due"
        return f"Decided {sum(self.decided.values())} new notices ({kinds}); emailed {self.emailed}."


def _hours(name: str) -> timedelta:
    return timedelta(hours=getattr(settings, name))


def _slot(start: datetime, now: datetime, first: timedelta, every: timedelta) -> datetime | None:
    """The latest due moment start+first+k*every that has come by now, or None if none has."""
    if now < start + first:
        return None
    k = (now - start - first) // every
    return start + first + k * every


def _current_notice(kind: str, recipient: str | None, now: datetime, every: timedelta) -> Exists:
    """Whether this record's notice for the slot in force now was already written (slots are `every` apart)."""
    notices = Notification.objects.filter(kind=kind, record_id=OuterRef("pk"), due_at__gt=now - every)
    if recipient:
        notices = notices.filter(recipient_id=OuterRef(recipient))
    return Exists(notices)


def _unjustified(now: datetime) -> list[Notification]:
    first, every = _hours("SEARCHLOG_UNJUSTIFIED_AFTER_HOURS"), _hours("SEARCHLOG_REMINDER_INTERVAL_HOURS")
    to_managers = _hours("SEARCHLOG_UNJUSTIFIED_TO_MANAGERS_AFTER_HOURS")
    unjustified = SearchRecord.objects.filter(
        is_justified=False, status__in=[Status.DRAFT, Status.RETURNED], created_at__lte=now - first
    )
    # Only records whose notice for the current slot is not written yet: a repeated sweep reads nothing.
    due = unjustified.filter(~_current_notice(NotificationKind.UNJUSTIFIED, "practitioner_id", now, every))
    notices = [
        Notification(recipient_id=practitioner_id, kind=NotificationKind.UNJUSTIFIED, record_id=record_id,
                     due_at=_slot(created_at, now, first, every), created_at=now)
        for record_id, practitioner_id, created_at in due.values_list("id", "practitioner_id", "created_at")
    ]
    # Past the second threshold, whoever reviews the record hears of it too (selectors.reviewers_of).
    for_reviewers = unjustified.filter(created_at__lte=now - to_managers).filter(
        ~_current_notice(NotificationKind.UNJUSTIFIED_MANAGER, None, now, every)
    )
    created = dict(for_reviewers.values_list("id", "created_at"))
    notices += [
        Notification(recipient_id=reviewer_id, kind=NotificationKind.UNJUSTIFIED_MANAGER, record_id=record_id,
                     due_at=_slot(created[record_id], now, first, every), created_at=now)
        for record_id, reviewer_id in selectors.reviewer_pairs(for_reviewers) if record_id in created
    ]
    return notices


def _complete_drafts(now: datetime) -> list[Notification]:
    """A draft with every answer given but never submitted is chased like an unjustified one (a review never starts)."""
    first, every = _hours("SEARCHLOG_UNJUSTIFIED_AFTER_HOURS"), _hours("SEARCHLOG_REMINDER_INTERVAL_HOURS")
    due = SearchRecord.objects.filter(
        ~_current_notice(NotificationKind.DRAFT_NOT_SUBMITTED, "practitioner_id", now, every),
        is_justified=True, status=Status.DRAFT, created_at__lte=now - first,
    ).values_list("id", "practitioner_id", "created_at")
    return [
        Notification(recipient_id=practitioner_id, kind=NotificationKind.DRAFT_NOT_SUBMITTED, record_id=record_id,
                     due_at=_slot(created_at, now, first, every), created_at=now)
        for record_id, practitioner_id, created_at in due
    ]


def _returned(now: datetime) -> list[Notification]:
    first, every = _hours("SEARCHLOG_RETURNED_AFTER_HOURS"), _hours("SEARCHLOG_REMINDER_INTERVAL_HOURS")
    due = SearchRecord.objects.filter(
        ~_current_notice(NotificationKind.RETURNED, "practitioner_id", now, every),
        status=Status.RETURNED, returned_at__lte=now - first,
    ).values_list("id", "practitioner_id", "returned_at")
    return [
        Notification(recipient_id=practitioner_id, kind=NotificationKind.RETURNED, record_id=record_id,
                     due_at=_slot(returned_at, now, first, every), created_at=now)
        for record_id, practitioner_id, returned_at in due
    ]


def _review_digests(now: datetime) -> list[Notification]:
    """One digest a day to each reviewer (selectors.reviewers_of) listing records waiting past the deadline."""
    waiting = SearchRecord.objects.filter(status=Status.SUBMITTED, submitted_at__lt=overdue_before(now))
    references = dict(waiting.order_by("submitted_at", "id").values_list("pk", "reference"))
    order = {pk: n for n, pk in enumerate(references)}
    listed: dict[int, list[int]] = defaultdict(list)
    for record_id, reviewer_id in selectors.reviewer_pairs(waiting):
        if record_id in order:
            listed[reviewer_id].append(record_id)
    today = timezone.make_aware(datetime.combine(timezone.localtime(now).date(), time.min))
    return [
        Notification(recipient_id=reviewer_id, kind=NotificationKind.REVIEW_DIGEST, due_at=today,
                     detail={"references": [references[pk] for pk in sorted(ids, key=order.__getitem__)]},
                     created_at=now)
        for reviewer_id, ids in listed.items()
    ]


def _privacy_checks(now: datetime) -> list[Notification]:
    period = timedelta(days=settings.SEARCHLOG_PRIVACY_CHECK_DAYS)
    due = User.objects.filter(
        Q(privacy_checked_at__isnull=True) | Q(privacy_checked_at__lte=now - period),
        is_active=True, role__in=[Role.PRACTITIONER, Role.MANAGER],
    ).values_list("id", "privacy_checked_at", "date_joined")
    return [
        Notification(recipient_id=user_id, kind=NotificationKind.PRIVACY_CHECK,
                     due_at=checked + period if checked else joined, created_at=now)
        for user_id, checked, joined in due
    ]


def _ico_deadlines(now: datetime) -> list[Notification]:
    """To information governance: a breach not yet reported to the ICO, near its 72-hour deadline and past it."""
    warning = _hours("SEARCHLOG_ICO_WARNING_HOURS")
    limit = timedelta(hours=ICO_HOURS)
    auditors = list(User.objects.filter(role=Role.AUDITOR, is_active=True).values_list("pk", flat=True))
    notices = []
    # (kind, how long before the deadline it is due)
    for kind, ahead in ((NotificationKind.ICO_DEADLINE_NEAR, warning), (NotificationKind.ICO_DEADLINE_PASSED,
                                                                         timedelta(0))):
        # One notice of each kind per breach (by its record): a sweep reads only breaches not yet told.
        due = Breach.objects.filter(ico_reported_at__isnull=True, found_at__lte=now - limit + ahead)
        if ahead:
            due = due.filter(found_at__gt=now - limit)  # past the deadline, "soon" no longer applies
        due = due.exclude(
            Exists(Notification.objects.filter(kind=kind, record_id=OuterRef("record_id")))
        ).values_list("record_id", "found_at")
        notices += [
            Notification(recipient_id=auditor, kind=kind, record_id=record_id, due_at=found_at + limit - ahead,
                         detail={"ico_deadline": (found_at + limit).isoformat()}, created_at=now)
            for record_id, found_at in due for auditor in auditors
        ]
    return notices


def _approvals_waiting(now: datetime) -> list[Notification]:
    """To the deciders (selectors.deciders_of): a request still undecided a working day after it was made, then
    every reminder interval."""
    every = _hours("SEARCHLOG_REMINDER_INTERVAL_HOURS")
    waiting = Approval.objects.filter(status=ApprovalStatus.REQUESTED).exclude(
        Exists(Notification.objects.filter(kind=NotificationKind.APPROVAL_WAITING, approval_id=OuterRef("pk"),
                                           due_at__gt=now - every))
    ).select_related("team")
    notices = []
    for approval in waiting:
        first_due = deadline_after(approval.created_at, 1)
        if first_due > now:
            continue
        due = _slot(first_due, now, timedelta(0), every)
        notices += [
            Notification(recipient_id=decider, kind=NotificationKind.APPROVAL_WAITING, approval=approval,
                         due_at=due, created_at=now)
            for decider in selectors.deciders_of(approval).values_list("pk", flat=True)
        ]
    return notices


def _approvals_expiring(now: datetime) -> list[Notification]:
    """To the requester, once: an approval about to expire with no record made under it."""
    ahead = _hours("SEARCHLOG_APPROVAL_EXPIRING_HOURS")
    due = Approval.objects.filter(
        status=ApprovalStatus.APPROVED, expires_at__gt=now, expires_at__lte=now + ahead,
    ).exclude(Exists(SearchRecord.objects.filter(approval_id=OuterRef("pk")))).values_list(
        "pk", "requested_by_id", "expires_at")
    return [
        Notification(recipient_id=requester, kind=NotificationKind.APPROVAL_EXPIRING, approval_id=pk,
                     due_at=expires_at - ahead, created_at=now)
        for pk, requester, expires_at in due
    ]


def _approval_records_open(now: datetime) -> list[Notification]:
    """To the requester: an approval used up whose record is still not submitted, a day after its last change,
    then every interval."""
    first, every = _hours("SEARCHLOG_UNJUSTIFIED_AFTER_HOURS"), _hours("SEARCHLOG_REMINDER_INTERVAL_HOURS")
    due = Approval.objects.filter(
        Exists(SearchRecord.objects.filter(approval_id=OuterRef("pk"), status__in=[Status.DRAFT, Status.RETURNED])),
        status=ApprovalStatus.USED, updated_at__lte=now - first,
    ).exclude(
        Exists(Notification.objects.filter(kind=NotificationKind.APPROVAL_RECORD_NOT_SUBMITTED,
                                           approval_id=OuterRef("pk"), due_at__gt=now - every))
    ).values_list("pk", "requested_by_id", "updated_at")
    return [
        Notification(recipient_id=requester, kind=NotificationKind.APPROVAL_RECORD_NOT_SUBMITTED, approval_id=pk,
                     due_at=_slot(updated_at, now, first, every), created_at=now)
        for pk, requester, updated_at in due
    ]


def reminder_sweep(now: datetime | None = None) -> SweepResult:
    """Decide every notice due now with set-based queries and write each once (emailing is separate)."""
    now = now or clock.now()
    result = SweepResult()
    with transaction.atomic():
        for notices in (
            _unjustified(now), _complete_drafts(now), _returned(now), _review_digests(now), _privacy_checks(now),
            _ico_deadlines(now), _approvals_waiting(now), _approvals_expiring(now), _approval_records_open(now),
        ):
            Notification.objects.bulk_create(notices, ignore_conflicts=True, batch_size=5000)
        # Rows this sweep wrote carry its own `now`; ones another sweep wrote first were skipped.
        for kind, n in (
            Notification.objects.filter(created_at=now).values_list("kind").annotate(n=Count("id")).order_by()
        ):
            result.decided[kind] = n
    return result


def send_reminders(now: datetime | None = None, *, delivery_seconds: float | None = None) -> SweepResult:
    """One whole sweep: decide what is due, commit, then email every notice due (see `delivery`)."""
    from searchlog.delivery import deliver_pending  # delivery builds its messages from this module

    result = reminder_sweep(now)
    result.emailed = deliver_pending(seconds=delivery_seconds)
    return result


def notify(*, recipients: list[int], kind: str, record: SearchRecord) -> None:
    """Write an immediate notice (inside the caller's transaction); it is emailed after commit."""
    now = clock.now()
    Notification.objects.bulk_create(
        [Notification(recipient_id=r, kind=kind, record=record, due_at=now, created_at=now) for r in recipients],
        ignore_conflicts=True,
    )
    transaction.on_commit(dispatch_delivery)


def notify_approval(*, recipients: list[int], kind: str, approval: Approval) -> None:
    """Write an immediate notice about a request (inside the caller's transaction); it is emailed after commit."""
    now = clock.now()
    Notification.objects.bulk_create(
        [Notification(recipient_id=r, kind=kind, approval=approval, due_at=now, created_at=now) for r in recipients],
        ignore_conflicts=True,
    )
    transaction.on_commit(dispatch_delivery)


# A notice about a request asks something only while the request is in the state it names.
_APPROVAL_LIVE_WHILE: dict[str, tuple[str, ...]] = {
    NotificationKind.APPROVAL_REQUESTED: (ApprovalStatus.REQUESTED,),
    NotificationKind.APPROVAL_WAITING: (ApprovalStatus.REQUESTED,),
    NotificationKind.APPROVAL_EXPIRING: (ApprovalStatus.APPROVED,),
}


def approval_notices_resolve(*, approval: Approval) -> int:
    """Mark done every open notice about the request that no longer asks anything (one UPDATE)."""
    now = clock.now()
    kinds = [kind for kind, live in _APPROVAL_LIVE_WHILE.items() if approval.status not in live]
    if approval.status != ApprovalStatus.USED or not SearchRecord.objects.filter(
            approval=approval, status__in=[Status.DRAFT, Status.RETURNED]).exists():
        kinds.append(NotificationKind.APPROVAL_RECORD_NOT_SUBMITTED)
    return Notification.objects.filter(
        approval_id=approval.pk, kind__in=kinds, resolved_at__isnull=True
    ).update(resolved_at=now, read_at=Coalesce(F("read_at"), now))


# A notice about a record asks something of its reader only while the record is in the state it names; once the
# record moves on (reviewed, resubmitted, signed off, justified, submitted, closed) the notice is done. For each
# kind: the states in which it is still live (`None`: any state, it only informs).
_LIVE_WHILE: dict[str, tuple[str, ...]] = {
    NotificationKind.RECORD_SUBMITTED: (Status.SUBMITTED,),
    NotificationKind.IG_REVIEW: (Status.IG_REVIEW,),
    NotificationKind.RECORD_RETURNED: (Status.RETURNED,),
    NotificationKind.RETURNED: (Status.RETURNED,),
    NotificationKind.DRAFT_NOT_SUBMITTED: (Status.DRAFT,),
    NotificationKind.UNJUSTIFIED: (Status.DRAFT, Status.RETURNED),
    NotificationKind.UNJUSTIFIED_MANAGER: (Status.DRAFT, Status.RETURNED),
    NotificationKind.RECORD_ESCALATED: (Status.ESCALATED,),
}
_LIVE_WHILE_UNJUSTIFIED = (NotificationKind.UNJUSTIFIED, NotificationKind.UNJUSTIFIED_MANAGER)


def resolved_kinds(record: SearchRecord) -> list[str]:
    """The notice kinds about this record whose subject has moved on, given its state now."""
    return [
        kind for kind, live in _LIVE_WHILE.items()
        if record.status not in live or (kind in _LIVE_WHILE_UNJUSTIFIED and record.is_justified)
    ]


def notices_resolve(*, record: SearchRecord) -> int:
    """Mark done (and read) every open notice about the record that no longer asks anything (one UPDATE)."""
    now = clock.now()
    return Notification.objects.filter(
        record_id=record.pk, kind__in=resolved_kinds(record), resolved_at__isnull=True
    ).update(resolved_at=now, read_at=Coalesce(F("read_at"), now))


def dispatch_delivery() -> None:
    """Ask a worker to email pending notices; if the broker is down, the next sweep does it."""
    from searchlog.tasks import deliver_notifications

    try:
        deliver_notifications.delay()
    except Exception:  # noqa: BLE001 - any broker failure must not break the page that saved.
        logger.warning("Could not reach the task broker; pending notices go out with the next sweep.",
                       exc_info=True)


def _approval_title(notice: Notification) -> str:
    approval = notice.approval
    label = approval.label
    decided = "approved" if approval.was_approved else "refused" if approval.status == ApprovalStatus.REFUSED \
        else approval.get_status_display().lower()
    return {
        NotificationKind.APPROVAL_REQUESTED: f"Request {label} to search is waiting for your decision",
        NotificationKind.APPROVAL_WAITING: f"Request {label} to search is still waiting for a decision",
        NotificationKind.APPROVAL_DECIDED: f"Your request {label} to search was {decided}",
        NotificationKind.APPROVAL_CANCELLED: f"Request {label} to search was cancelled",
        NotificationKind.APPROVAL_EXPIRING: f"Approval {label} expires soon and no search is recorded under it",
        NotificationKind.APPROVAL_RECORD_NOT_SUBMITTED: f"The search under approval {label} is not yet submitted",
    }[notice.kind]


def notice_title(notice: Notification) -> str:
    """What the notice says, by its record's reference only: no details of the person supported."""
    if notice.approval_id:
        return _approval_title(notice)
    reference = notice.record.reference if notice.record_id else ""
    titles = {
        NotificationKind.UNJUSTIFIED: f"Record {reference} is not yet justified",
        NotificationKind.UNJUSTIFIED_MANAGER: f"Record {reference} in your team is still not justified",
        NotificationKind.RETURNED: f"Record {reference} was returned to you and is waiting to be resubmitted",
        NotificationKind.REVIEW_DIGEST: "Records waiting for your sign-off past the review deadline",
        NotificationKind.PRIVACY_CHECK: "Time to review your own social media privacy settings",
        NotificationKind.RECORD_SUBMITTED: f"Record {reference} is waiting for your review",
        NotificationKind.RECORD_RETURNED: f"Record {reference} was returned to you",
        NotificationKind.IG_REVIEW: f"Record {reference} is waiting for sign-off by information governance",
        NotificationKind.RECORD_ESCALATED: f"Record {reference} was escalated to information governance",
        NotificationKind.ESCALATION_CLOSED: f"The escalation of record {reference} was closed",
        NotificationKind.ICO_DEADLINE_NEAR: f"Breach from record {reference}: report it to the ICO soon",
        NotificationKind.ICO_DEADLINE_PASSED: f"Breach from record {reference}: the ICO deadline has passed",
        NotificationKind.EMERGENCY_RECORD: f"Record {reference} is an emergency search in your team",
        NotificationKind.DRAFT_NOT_SUBMITTED: f"Record {reference} is complete but not yet submitted",
        NotificationKind.SAMPLE_DISAGREEMENT: f"A quality review disagreed with your sign-off of record {reference}",
    }
    return titles[notice.kind]


def notice_link(notice: Notification) -> str:
    if notice.approval_id:
        return reverse("approval-detail", kwargs={"pk": notice.approval_id})
    if notice.kind == NotificationKind.PRIVACY_CHECK:
        return reverse("privacy-check")
    if notice.kind == NotificationKind.REVIEW_DIGEST:
        return reverse("review-queue")
    if notice.kind in (NotificationKind.ICO_DEADLINE_NEAR, NotificationKind.ICO_DEADLINE_PASSED):
        breach = notice.record.breaches.first()
        if breach is not None:
            return reverse("breach-detail", kwargs={"pk": breach.pk})
    return reverse("record-detail", kwargs={"reference": notice.record.reference})


@transaction.atomic
def privacy_check_confirm(*, user: User) -> PrivacyCheck:
    """Record that the user reviewed their own social media privacy settings today."""
    check = PrivacyCheck.objects.create(user=user, at=clock.now())
    User.objects.filter(pk=user.pk).update(privacy_checked_at=check.at)
    user.privacy_checked_at = check.at
    Notification.objects.filter(recipient=user, kind=NotificationKind.PRIVACY_CHECK, read_at__isnull=True).update(
        read_at=check.at
    )
    audit_append(action="privacy.check", actor=user, obj_type="user", obj_id=user.username)
    return check


def notifications_for(user: User) -> QuerySet[Notification]:
    """The user's own notices, newest first."""
    return Notification.objects.filter(recipient=user).select_related("record", "approval")


def unread_count(user: User) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def notifications_mark_read(*, user: User) -> int:
    """Mark all the user's unread notices read; how many were."""
    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(read_at=clock.now())


def notification_mark_read(*, user: User, pk: int) -> bool:
    """Mark one of the user's own notices read; False if it is not theirs (or not there). Read once, kept."""
    notices = Notification.objects.filter(recipient=user, pk=pk)
    notices.filter(read_at__isnull=True).update(read_at=clock.now())
    return notices.exists()
