"""The record's life cycle, declared once: which action moves a record from which states to which, and who may.

The workflow reads this table before it changes a status; the 409 message is written from it; the tests walk
it. Who may is one of three parties: the record's own practitioner, its reviewer (selectors.reviewers_of: a
manager of the team other than the practitioner, else information governance) or information governance (an
auditor).
"""

from __future__ import annotations

from dataclasses import dataclass

from searchlog.errors import TransitionNotAllowed
from searchlog.models import Approval, ApprovalStatus, SearchRecord, Status, Transition

PRACTITIONER = "practitioner"
REVIEWER = "reviewer"
GOVERNANCE = "governance"

Action = Transition.Action


@dataclass(frozen=True)
class Move:
    action: str
    from_states: tuple[str, ...]
    to_state: str
    who: str


# The first move listed for an action and a from-state is the one taken, except that a sign-off of a record
# carrying a risk flag (flags.ig_reasons) by a reviewer who is not information governance takes the second.
MOVES: tuple[Move, ...] = (
    Move(Action.SUBMIT, (Status.DRAFT, Status.RETURNED), Status.SUBMITTED, PRACTITIONER),
    Move(Action.SIGN_OFF, (Status.SUBMITTED,), Status.SIGNED_OFF, REVIEWER),
    Move(Action.SIGN_OFF, (Status.SUBMITTED,), Status.IG_REVIEW, REVIEWER),
    Move(Action.RETURN, (Status.SUBMITTED,), Status.RETURNED, REVIEWER),
    Move(Action.ESCALATE, (Status.SUBMITTED,), Status.ESCALATED, REVIEWER),
    Move(Action.SIGN_OFF, (Status.IG_REVIEW,), Status.SIGNED_OFF, GOVERNANCE),
    Move(Action.RETURN, (Status.IG_REVIEW,), Status.RETURNED, GOVERNANCE),
    Move(Action.ESCALATE, (Status.IG_REVIEW,), Status.ESCALATED, GOVERNANCE),
    Move(Action.CLOSE_ESCALATION, (Status.ESCALATED,), Status.CLOSED, GOVERNANCE),
)

# How an action reads at the start of a sentence ("Signing off is possible only while …").
DOING = {
    Action.SUBMIT: "Submitting",
    Action.SIGN_OFF: "Signing off",
    Action.RETURN: "Returning",
    Action.ESCALATE: "Escalating",
    Action.CLOSE_ESCALATION: "Closing an escalation",
}
REVIEW_ACTIONS = (Action.SIGN_OFF, Action.RETURN, Action.ESCALATE)


def moves_for(action: str) -> list[Move]:
    return [move for move in MOVES if move.action == action]


def allowed_from(action: str) -> list[str]:
    """The states the action may start from, in the order of the statuses."""
    starts = {state for move in moves_for(action) for state in move.from_states}
    return [state for state in Status.values if state in starts]


def move_from(action: str, status: str, to_state: str | None = None) -> Move | None:
    """The move the action makes from this status (to `to_state` if given), or None when there is none."""
    return next((move for move in moves_for(action) if status in move.from_states
                 and to_state in (None, move.to_state)), None)


def _states_text(states: list[str]) -> str:
    labels = [Status(state).label.lower() for state in states]
    return labels[0] if len(labels) == 1 else f"{', '.join(labels[:-1])} or {labels[-1]}"


def not_allowed(record: SearchRecord, action: str) -> TransitionNotAllowed:
    """The 409 for an action the record's status does not allow, saying which statuses would."""
    now = record.get_status_display().lower()
    rule = f"{DOING[action]} is possible only while a record is {_states_text(allowed_from(action))}."
    if action in REVIEW_ACTIONS and record.status != Status.DRAFT:
        return TransitionNotAllowed(f"Record {record.reference} has already been reviewed: it is {now}. {rule}")
    return TransitionNotAllowed(f"Record {record.reference} is {now}. {rule}")


# A prior approval's life cycle, declared the same way. Parties: its requester, a decider
# (selectors.deciders_of: a manager of the requester's team other than the requester, or information governance
# when the request carries a risk that SEARCHLOG_IG_REVIEW_FLAGS routes to them) and the system (the beat task
# that expires approvals, and the workflow that marks one used once its viewings are recorded).
REQUESTER = "requester"
DECIDER = "decider"
SYSTEM = "system"


class ApprovalAction:
    APPROVE = "approve"
    REFUSE = "refuse"
    CANCEL = "cancel"
    USE = "use"
    EXPIRE = "expire"


APPROVAL_MOVES: tuple[Move, ...] = (
    Move(ApprovalAction.APPROVE, (ApprovalStatus.REQUESTED,), ApprovalStatus.APPROVED, DECIDER),
    Move(ApprovalAction.REFUSE, (ApprovalStatus.REQUESTED,), ApprovalStatus.REFUSED, DECIDER),
    Move(ApprovalAction.CANCEL, (ApprovalStatus.REQUESTED, ApprovalStatus.APPROVED), ApprovalStatus.CANCELLED,
         REQUESTER),
    Move(ApprovalAction.CANCEL, (ApprovalStatus.APPROVED,), ApprovalStatus.CANCELLED, DECIDER),
    Move(ApprovalAction.USE, (ApprovalStatus.APPROVED,), ApprovalStatus.USED, SYSTEM),
    Move(ApprovalAction.EXPIRE, (ApprovalStatus.APPROVED,), ApprovalStatus.EXPIRED, SYSTEM),
)
APPROVAL_DOING = {
    ApprovalAction.APPROVE: "Approving",
    ApprovalAction.REFUSE: "Refusing",
    ApprovalAction.CANCEL: "Cancelling",
    ApprovalAction.USE: "Using",
    ApprovalAction.EXPIRE: "Expiring",
}


def approval_move(action: str, status: str, who: str | None = None) -> Move | None:
    """The approval move the action makes from this status (by this party, if given), or None."""
    return next((move for move in APPROVAL_MOVES if move.action == action and status in move.from_states
                 and who in (None, move.who)), None)


def approval_not_allowed(approval: Approval, action: str) -> TransitionNotAllowed:
    """The 409 for an action the approval's status does not allow, saying which statuses would."""
    starts = {state for move in APPROVAL_MOVES if move.action == action for state in move.from_states}
    labels = [ApprovalStatus(state).label.lower() for state in ApprovalStatus.values if state in starts]
    states = labels[0] if len(labels) == 1 else f"{', '.join(labels[:-1])} or {labels[-1]}"
    return TransitionNotAllowed(
        f"Request {approval.label} is {approval.get_status_display().lower()}. "
        f"{APPROVAL_DOING[action]} is possible only while a request is {states}."
    )
