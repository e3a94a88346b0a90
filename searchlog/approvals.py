"""Prior approval of planned searches: every write that changes a request (ask, approve, refuse, cancel, use,
expire) and the link from a search record to the approval it was made under.

The moves are declared in lifecycle.APPROVAL_MOVES; who decides is selectors.deciders_of. Pages, the API, the
beat task and seed_demo call these functions; none of them changes a request's status by itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q

from searchlog import clock, lifecycle, reminders, selectors
from searchlog import workflow as record_workflow
from searchlog.audit import audit_append, value_hash
from searchlog.errors import NotPermitted, RecordInvalid
from searchlog.lifecycle import ApprovalAction
from searchlog.models import (
    AccountUsed,
    Approval,
    ApprovalStatus,
    NotificationKind,
    Platform,
    SearchRecord,
    SubjectRelationship,
    User,
    subject_key,
)

# The answers a requester gives, as messages name the free-text ones.
REQUEST_FIELDS = (
    "subject_reference", "subject_relationship", "purpose", "justification", "alternatives_considered",
    "collateral_intrusion", "platforms", "platforms_other", "viewings", "account_used", "confidential_information",
    "needed_for_days",
)
_REQUIRED_TEXT = {
    "purpose": ("Purpose", "Enter why you need the information"),
    "justification": ("Why it is necessary", "Enter why the search is necessary now"),
    "alternatives_considered": ("Alternatives", "Enter why a less intrusive way would not do"),
    "collateral_intrusion": ("Collateral intrusion", "Enter who else may be seen and how you will limit it"),
}


def max_viewings() -> int:
    return int(settings.SEARCHLOG_APPROVAL_MAX_VIEWINGS)


def max_days() -> int:
    return int(settings.SEARCHLOG_APPROVAL_MAX_DAYS)


def _int_error(value: Any, label: str, most: int) -> str | None:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= most:
        return f"{label} must be a whole number from 1 to {most}"
    return None


def _clean_request(approval: Approval) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    approval.subject_reference = (approval.subject_reference or "").strip()
    approval.subject_key = subject_key(approval.subject_reference)
    if not approval.subject_reference:
        errors["subject_reference"] = ["Enter the person's case reference"]
    elif len(approval.subject_reference) > 60 or not record_workflow.SUBJECT_REFERENCE.match(
            approval.subject_reference):
        errors["subject_reference"] = [
            "Case reference must be 60 characters or fewer and use only letters, numbers, spaces and / - _ ."]
    if approval.subject_relationship not in SubjectRelationship.values:
        errors["subject_relationship"] = ["Select whose information you will search for"]
    least = settings.SEARCHLOG_MIN_ANSWER_LENGTH
    for field, (label, when_blank) in _REQUIRED_TEXT.items():
        value = getattr(approval, field)
        if message := record_workflow.text_error(value, label):
            errors[field] = [message]
        elif not value.strip():
            errors[field] = [when_blank]
        elif field in ("justification", "alternatives_considered") and len(value.strip()) < least:
            errors[field] = [f"{label}: write at least {least} characters"]
        else:
            setattr(approval, field, value.strip())
    platforms = approval.platforms
    if not isinstance(platforms, list) or not platforms or any(p not in Platform.values for p in platforms):
        errors["platforms"] = ["Select where you plan to search"]
    else:
        approval.platforms = [p for p in Platform.values if p in platforms]
    if message := record_workflow.text_error(approval.platforms_other, "Other website or app", limit=200):
        errors["platforms_other"] = [message]
    elif Platform.OTHER in (approval.platforms or []) and not approval.platforms_other.strip():
        errors["platforms_other"] = ["Enter the other website or app"]
    if message := _int_error(approval.viewings, "Number of viewings", max_viewings()):
        errors["viewings"] = [message]
    if message := _int_error(approval.needed_for_days, "Days needed", max_days()):
        errors["needed_for_days"] = [message]
    if approval.account_used not in AccountUsed.values:
        errors["account_used"] = ["Select which account and device you will use"]
    if approval.confidential_information not in (True, False):
        errors["confidential_information"] = ["Select yes or no"]
    return errors


def _audit(action: str, actor: User | None, approval: Approval, changes: dict[str, Any]) -> None:
    audit_append(action=action, actor=actor, obj_type="approval", obj_id=approval.label, changes=changes)


def _proof(text: str) -> str:
    return value_hash(text) if text else ""


def _notify(recipients: list[int], kind: str, approval: Approval) -> None:
    reminders.notify_approval(recipients=recipients, kind=kind, approval=approval)


@transaction.atomic
def approval_request(*, requester: User, data: Mapping[str, Any]) -> Approval:
    """Ask for prior approval of a planned search; the deciders (selectors.deciders_of) are told."""
    if requester.team_id is None:
        raise NotPermitted("You are not a member of a team. Ask an administrator to add you to one.")
    unknown = set(data) - set(REQUEST_FIELDS)
    if unknown:
        raise RecordInvalid({name: ["This field cannot be set"] for name in sorted(unknown)})
    now = clock.now()
    approval = Approval(requested_by=requester, team_id=requester.team_id, created_at=now, updated_at=now,
                        platforms=[], viewings=1, needed_for_days=int(settings.SEARCHLOG_APPROVAL_DAYS),
                        confidential_information=None)  # type: ignore[misc]
    for field in REQUEST_FIELDS:
        if field in data and data[field] is not None:
            setattr(approval, field, data[field])
    for field in ("subject_reference", "subject_relationship", "purpose", "justification",
                  "alternatives_considered", "collateral_intrusion", "platforms_other", "account_used"):
        setattr(approval, field, getattr(approval, field) or "")
    errors = _clean_request(approval)
    if errors:
        raise RecordInvalid(errors)
    approval.save()
    _audit("approval.request", requester, approval, {
        "status": ["", approval.status], "subject_reference": value_hash(approval.subject_reference),
        "viewings": approval.viewings, "needed_for_days": approval.needed_for_days,
        "risks": selectors.approval_risks(approval),
    })
    _notify(list(selectors.deciders_of(approval).values_list("pk", flat=True)),
            NotificationKind.APPROVAL_REQUESTED, approval)
    return approval


def _locked(approval: Approval) -> Approval:
    return Approval.objects.select_for_update(of=("self",)).select_related("team").get(pk=approval.pk)


def _may(who: str, actor: User, approval: Approval) -> bool:
    if who == lifecycle.REQUESTER:
        return approval.requested_by_id == actor.pk
    if who == lifecycle.DECIDER:
        return selectors.can_decide(actor, approval)
    return False


def _move(approval: Approval, actor: User, action: str, refused: str) -> lifecycle.Move:
    """The move the actor makes; 409 when they are a party to the action but not from this state; else
    NotPermitted (a requester deciding their own request, among others)."""
    for move in lifecycle.APPROVAL_MOVES:
        if move.action == action and approval.status in move.from_states and _may(move.who, actor, approval):
            return move
    if any(_may(m.who, actor, approval) for m in lifecycle.APPROVAL_MOVES if m.action == action):
        raise lifecycle.approval_not_allowed(approval, action)
    raise NotPermitted(refused)


def _decision_comment(comment: str, *, required: str | None = None) -> str:
    comment = (comment or "").strip() if isinstance(comment, str) else comment
    if message := record_workflow.text_error(comment, "Comment"):
        raise RecordInvalid({"comment": [message]})
    if required and not comment:
        raise RecordInvalid({"comment": [required]})
    return comment


def expiry_error(expires_at: datetime, now: datetime) -> str | None:
    if expires_at <= now:
        return "The expiry must be in the future"
    if expires_at > now + timedelta(days=max_days()):
        return f"The expiry must be within {max_days()} days"
    return None


_NOT_DECIDER = ("You cannot decide this request: only a manager of the requester's team (never the requester) "
                "or, for a request with a risk, information governance can.")


@transaction.atomic
def approval_approve(*, approval: Approval, actor: User, expires_at: datetime | None = None,
                     conditions: str = "", comment: str = "") -> Approval:
    """Approve a request until `expires_at` (default SEARCHLOG_APPROVAL_DAYS from now), with conditions."""
    now = clock.now()
    comment = _decision_comment(comment)
    if message := record_workflow.text_error(conditions or "", "Conditions"):
        raise RecordInvalid({"conditions": [message]})
    expires_at = expires_at or now + timedelta(days=int(settings.SEARCHLOG_APPROVAL_DAYS))
    if message := expiry_error(expires_at, now):
        raise RecordInvalid({"expires_at": [message]})
    approval = _locked(approval)
    move = _move(approval, actor, ApprovalAction.APPROVE, _NOT_DECIDER)
    approval.status, approval.decided_by, approval.decided_at = move.to_state, actor, now
    approval.expires_at, approval.conditions = expires_at, (conditions or "").strip()
    approval.decision_comment, approval.updated_at = comment, now
    approval.save()
    _audit("approval.approve", actor, approval, {
        "status": [ApprovalStatus.REQUESTED, approval.status], "expires_at": expires_at.isoformat(),
        "conditions": _proof(approval.conditions), "comment": _proof(comment)})
    _notify([approval.requested_by_id], NotificationKind.APPROVAL_DECIDED, approval)
    _resolve(approval)
    return approval


@transaction.atomic
def approval_refuse(*, approval: Approval, actor: User, comment: str) -> Approval:
    """Refuse a request with the reason; the requester is told."""
    comment = _decision_comment(comment, required="Enter why the search is refused")
    approval = _locked(approval)
    move = _move(approval, actor, ApprovalAction.REFUSE, _NOT_DECIDER)
    now = clock.now()
    approval.status, approval.decided_by, approval.decided_at = move.to_state, actor, now
    approval.decision_comment, approval.updated_at = comment, now
    approval.save()
    _audit("approval.refuse", actor, approval, {"status": [ApprovalStatus.REQUESTED, approval.status],
                                                "comment": _proof(comment)})
    _notify([approval.requested_by_id], NotificationKind.APPROVAL_DECIDED, approval)
    _resolve(approval)
    return approval


@transaction.atomic
def approval_cancel(*, approval: Approval, actor: User, comment: str = "") -> Approval:
    """Cancel a request (its requester) or an approval (its requester or a decider); the other side is told."""
    comment = _decision_comment(comment)
    approval = _locked(approval)
    move = _move(approval, actor, ApprovalAction.CANCEL,
                 "Only the requester or a manager who may decide it can cancel a request.")
    from_status, now = approval.status, clock.now()
    approval.status, approval.cancelled_by, approval.cancelled_at = move.to_state, actor, now
    approval.updated_at = now
    if comment:
        approval.decision_comment = approval.decision_comment or comment
    approval.save()
    _audit("approval.cancel", actor, approval, {"status": [from_status, approval.status], "comment": _proof(comment)})
    others = {approval.requested_by_id, *(selectors.deciders_of(approval).values_list("pk", flat=True))}
    _notify(sorted(others - {actor.pk}), NotificationKind.APPROVAL_CANCELLED, approval)
    _resolve(approval)
    return approval


def _resolve(approval: Approval) -> None:
    reminders.approval_notices_resolve(approval=approval)


def approvals_expire(now: datetime | None = None) -> int:
    """Expire every approval past its expiry (the beat task): claim each row with one UPDATE, then audit it,
    so a task delivered twice expires (and audits) each approval once."""
    now = now or clock.now()
    expired = 0
    due = list(Approval.objects.filter(status=ApprovalStatus.APPROVED, expires_at__lte=now).values_list(
        "pk", flat=True))
    for pk in due:
        with transaction.atomic():
            claimed = Approval.objects.filter(pk=pk, status=ApprovalStatus.APPROVED, expires_at__lte=now).update(
                status=ApprovalStatus.EXPIRED, updated_at=now)
            if claimed != 1:
                continue
            approval = Approval.objects.get(pk=pk)
            _audit("approval.expire", None, approval, {"status": [ApprovalStatus.APPROVED, ApprovalStatus.EXPIRED]})
            _resolve(approval)
            expired += 1
    return expired


# The link from a record to its approval.

def approval_for_record(*, practitioner: User, value: Any, subject_reference: str) -> Approval | None:
    """The approval a record names (an Approval, its id, or None), if the practitioner may search under it; else
    RecordInvalid (400): someone else's, another person's, or one never approved."""
    if value in (None, ""):
        return None
    pk = value.pk if isinstance(value, Approval) else value
    try:
        approval = Approval.objects.get(pk=int(pk), requested_by=practitioner)
    except (Approval.DoesNotExist, ValueError, TypeError):
        raise RecordInvalid({"approval": ["Select a prior approval that you requested"]}) from None
    if approval.subject_key != subject_key(subject_reference):
        raise RecordInvalid({"approval": [
            f"Approval {approval.label} is for another person ({approval.subject_reference}): a record under it "
            "must be about the same person"]})
    if not approval.was_approved:
        raise RecordInvalid({"approval": [
            f"Request {approval.label} is {approval.get_status_display().lower()}: only an approved request can be "
            "searched under"]})
    return approval


def approval_record_linked(*, approval: Approval, actor: User, record: SearchRecord) -> None:
    """A record was made under the approval: audit it, and once its viewings are all recorded, it is used."""
    _audit("approval.record", actor, approval, {"record": record.reference})
    records = SearchRecord.objects.filter(approval=approval).aggregate(n=Count("pk"))["n"]
    if records < approval.viewings:
        return
    move = lifecycle.approval_move(ApprovalAction.USE, approval.status, lifecycle.SYSTEM)
    if move is None:
        return  # expired or cancelled already: the record is flagged outside_approval instead
    claimed = Approval.objects.filter(Q(pk=approval.pk, status=ApprovalStatus.APPROVED)).update(
        status=move.to_state, updated_at=clock.now())
    if claimed == 1:
        approval.status = move.to_state
        _audit("approval.use", actor, approval, {"status": [ApprovalStatus.APPROVED, move.to_state],
                                                 "records": records})
        _resolve(approval)
