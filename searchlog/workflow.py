"""Every write that changes a search record: create, edit, submit.

Pages, the API, tasks and commands call these functions; none of them changes a
record's status or content by itself.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import connection, transaction
from django.db.models import F

from searchlog import approvals, breaches, clock, lifecycle, reminders, selectors
from searchlog.audit import audit_append, audit_diff, value_hash
from searchlog.errors import NotPermitted, RecordInvalid, TransitionNotAllowed
from searchlog.flags import flags_of, ig_reasons
from searchlog.justification import is_justified, missing_answers
from searchlog.models import (
    CONSENT_OBTAINED,
    AccountUsed,
    ActionTaken,
    Addendum,
    ConsentGivenBy,
    ConsentStatus,
    ContentVisibility,
    EmergencyCategory,
    Escalation,
    EscalationOutcome,
    Interaction,
    LawfulBasis,
    NotificationKind,
    Platform,
    RecordRevision,
    ReferenceCounter,
    Role,
    SearchRecord,
    Status,
    SubjectRelationship,
    Transition,
    User,
    subject_key,
)
from searchlog.moments import moment_error
from searchlog.working_days import deadline_after

# The answers a practitioner gives; everything else on the record is kept by this module.
EDITABLE_FIELDS = (
    "subject_reference", "subject_initials", "subject_relationship", "searched_at", "platforms", "platforms_other",
    "search_terms", "profile_urls", "content_visibility", "purpose", "consent_status", "consent_given_by",
    "consent_details", "is_emergency", "emergency_category", "justification", "alternatives_considered",
    "collateral_intrusion", "account_used", "interaction", "confidential_information", "lawful_basis",
    "special_category_condition", "findings", "actions_taken", "actions_taken_details", "information_retained",
)
_CHOICE_FIELDS = {
    "subject_relationship": SubjectRelationship,
    "content_visibility": ContentVisibility,
    "consent_status": ConsentStatus,
    "consent_given_by": ConsentGivenBy,
    "emergency_category": EmergencyCategory,
    "account_used": AccountUsed,
    "interaction": Interaction,
    "lawful_basis": LawfulBasis,
}
_LIST_FIELDS = {"platforms": Platform, "actions_taken": ActionTaken}
# Free-text answers, as messages name them. Each holds at most SEARCHLOG_MAX_TEXT_LENGTH characters, or its
# column's length when that is shorter.
_TEXT_FIELDS = {
    "platforms_other": "Other website or app",
    "search_terms": "Search terms",
    "purpose": "Purpose",
    "consent_details": "Consent details",
    "justification": "Justification",
    "alternatives_considered": "Alternatives considered",
    "collateral_intrusion": "Collateral intrusion",
    "special_category_condition": "Special category condition",
    "findings": "Findings",
    "actions_taken_details": "Other action taken",
    "information_retained": "Information retained",
}
SUBJECT_REFERENCE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9/_.\- ]*$")
# Letters of any script ([^\W\d_] is "a word character that is not a digit or underscore"), then
# letters, spaces, full stops, hyphens and apostrophes: "ÉÖ", "Zoë", "O'Neil", "J-P".
_INITIALS = re.compile(r"^[^\W\d_](?:[^\W\d_]|[ .'’\-])*$")
_NULLABLE_FIELDS = ("searched_at", "confidential_information")
MAX_PROFILE_URLS = 20


def _profile_url_errors(urls: object) -> list[str]:
    """Each profile address must be a whole web address (https:// or http://), 500 characters at most."""
    if not isinstance(urls, list) or not all(isinstance(url, str) for url in urls):
        return ["Enter the addresses of the profiles or pages you viewed, one per line"]
    if len(urls) > MAX_PROFILE_URLS:
        return [f"Enter {MAX_PROFILE_URLS} addresses or fewer"]
    validate = URLValidator(schemes=["http", "https"])
    for number, url in enumerate([url.strip() for url in urls if url.strip()], start=1):
        try:
            if len(url) > 500:
                raise ValidationError("too long")
            validate(url)
        except ValidationError:
            return [f"Address {number} must be a full web address of 500 characters or fewer, starting with https:// "
                    "(for example https://www.facebook.com/example)"]
    return []


def _clean(record: SearchRecord) -> dict[str, list[str]]:
    """Check the rules every saved record keeps, draft or not; tidy dependent answers."""
    errors: dict[str, list[str]] = {}
    record.subject_reference = (record.subject_reference or "").strip()
    record.subject_initials = (record.subject_initials or "").strip()
    record.subject_key = subject_key(record.subject_reference)
    if not record.subject_reference:
        errors["subject_reference"] = ["Enter the person's case reference"]
    elif len(record.subject_reference) > 60 or not SUBJECT_REFERENCE.match(record.subject_reference):
        errors["subject_reference"] = [
            "Case reference must be 60 characters or fewer and use only letters, numbers, spaces and / - _ ."
        ]
    initials = unicodedata.normalize("NFC", record.subject_initials or "")
    if initials and (len(initials) > 6 or not _INITIALS.match(initials)):
        errors["subject_initials"] = [
            "Initials must be 6 characters or fewer, using letters, hyphens and apostrophes only"
        ]
    if record.searched_at is None:
        errors["searched_at"] = ["Enter when you searched"]
    elif message := moment_error(record.searched_at):
        errors["searched_at"] = [message]
    elif record.searched_at > record.created_at:
        # A search cannot be recorded before it happened (also a database constraint).
        errors["searched_at"] = ["When you searched must be in the past"]
    for field, label in _TEXT_FIELDS.items():
        limit = min(max_text_length(), SearchRecord._meta.get_field(field).max_length or max_text_length())
        if message := text_error(getattr(record, field), label, limit=limit):
            errors[field] = [message]
    for field, choices in _CHOICE_FIELDS.items():
        if getattr(record, field) not in ("", *choices.values):
            errors[field] = ["Select one of the options"]
    if url_errors := _profile_url_errors(record.profile_urls):
        errors["profile_urls"] = url_errors
    else:
        record.profile_urls = [url.strip() for url in record.profile_urls if url.strip()]
    if record.confidential_information not in (None, True, False):
        errors["confidential_information"] = ["Select yes or no"]
    for field, choices in _LIST_FIELDS.items():
        values = getattr(record, field)
        if not isinstance(values, list) or any(v not in choices.values for v in values):
            errors[field] = ["Select only options from the list"]
        else:
            # Keep the order of the list of choices, without repeats.
            setattr(record, field, [v for v in choices.values if v in values])
    if errors:
        return errors
    # Answers to questions that no longer apply are dropped, so nothing hidden is kept.
    if Platform.OTHER not in record.platforms:
        record.platforms_other = ""
    if ActionTaken.OTHER not in record.actions_taken:
        record.actions_taken_details = ""
    if record.consent_status == ConsentStatus.NOT_SOUGHT_EMERGENCY:
        record.is_emergency = True
    if not record.is_emergency:
        record.emergency_category = ""
    if record.consent_status not in CONSENT_OBTAINED:
        record.consent_given_by = ""
    return errors


def max_text_length() -> int:
    return int(settings.SEARCHLOG_MAX_TEXT_LENGTH)


def text_error(value: Any, label: str, *, limit: int | None = None) -> str | None:
    """Why free text cannot be kept (too long, or a NUL PostgreSQL refuses), or None."""
    if not isinstance(value, str):
        return f"{label} must be text"
    limit = limit or max_text_length()
    if len(value) > limit:
        return f"{label} must be {limit:,} characters or fewer"
    if "\x00" in value:
        return f"{label} must not contain null characters"
    return None


def _checked_text(value: str, *, field: str, label: str) -> str:
    value = (value or "").strip()
    if message := text_error(value, label):
        raise RecordInvalid({field: [message]})
    return value


def _apply(record: SearchRecord, data: Mapping[str, Any]) -> None:
    unknown = set(data) - set(EDITABLE_FIELDS)
    if unknown:
        raise RecordInvalid({name: ["This field cannot be changed"] for name in sorted(unknown)})
    for field, value in data.items():
        if value is None and field not in _NULLABLE_FIELDS:
            value = [] if field in (*_LIST_FIELDS, "profile_urls") else ""
        setattr(record, field, value)


def _next_reference(year: int) -> str:
    if connection.vendor == "postgresql":
        # A sequence per year (migration 0004): no lock is held until commit, so creates never queue behind each
        # other. A create that rolls back leaves a gap in the numbers.
        with connection.cursor() as cursor:
            cursor.execute("SELECT searchlog_next_reference_number(%s)", [year])
            number = cursor.fetchone()[0]
    else:
        # SQLite lets one writer in at a time anyway: a counter row is enough.
        ReferenceCounter.objects.get_or_create(year=year)
        ReferenceCounter.objects.filter(year=year).update(last=F("last") + 1)
        number = ReferenceCounter.objects.get(year=year).last
    return f"OS-{year}-{number:06d}"


def _save(record: SearchRecord) -> None:
    errors = _clean(record)
    if errors:
        raise RecordInvalid(errors)
    # Late means recorded after the end of the next working day after the search; kept as a moment so that the
    # flag stays one database condition (flags.py) without a calendar in SQL.
    record.late_after = deadline_after(record.searched_at, 1)
    if record.is_editable:
        # A submitted record keeps the verdict it was submitted under (records from an earlier rule stay as
        # they are); a draft or a returned record is judged by the rule in force.
        record.is_justified = is_justified(record)
    record.updated_at = clock.now()
    record.save()


def _transition(record: SearchRecord, *, action: str, from_status: str, actor: User, comment: str = "") -> None:
    Transition.objects.create(
        record=record, action=action, from_status=from_status, to_status=record.status,
        actor=actor, at=record.updated_at, comment=comment,
    )


def _proof(text: str) -> str:
    # Free text may name people: the trail keeps a keyed hash; the record keeps the words.
    return value_hash(text) if text else ""


def _audit(action: str, actor: User, record: SearchRecord, changes: dict[str, Any]) -> None:
    audit_append(action=action, actor=actor, obj_type="record", obj_id=record.reference, changes=changes)


@transaction.atomic
def record_create(*, practitioner: User, data: Mapping[str, Any], quick: bool = False) -> SearchRecord:
    """Create a draft record for the practitioner from their answers."""
    if practitioner.team_id is None:
        raise NotPermitted("You are not a member of a team. Ask an administrator to add you to one.")
    now = clock.now()
    record = SearchRecord(
        practitioner=practitioner, team_id=practitioner.team_id, status=Status.DRAFT,
        created_at=now, updated_at=now, is_quick_record=quick,
    )
    data, approval_value = _without_approval(data)
    _apply(record, data)
    record.approval = approvals.approval_for_record(
        practitioner=practitioner, value=approval_value, subject_reference=record.subject_reference)
    if quick:
        record.is_emergency = True
    errors = _clean(record)
    if errors:  # before a reference is taken, so a refused record leaves no gap in the numbers
        raise RecordInvalid(errors)
    record.reference = _next_reference(now.year)
    _save(record)
    _transition(record, action=Transition.Action.CREATE, from_status="", actor=practitioner)
    _audit("record.create", practitioner, record, {**audit_diff({}, answers_of(record)), "quick": quick,
                                                   "approval": record.approval_id})
    if record.approval is not None:
        approvals.approval_record_linked(approval=record.approval, actor=practitioner, record=record)
    if record.is_emergency:
        _notify_emergency(record)
    return record


def _notify_emergency(record: SearchRecord) -> None:
    # An emergency search is made before anyone approves it: whoever reviews the team's records hears at once.
    reviewers = list(selectors.reviewers_of(record).values_list("pk", flat=True))
    reminders.notify(recipients=reviewers, kind=NotificationKind.EMERGENCY_RECORD, record=record)


def _moved_on(record: SearchRecord) -> None:
    # Notices about the record that asked for what has now happened are done (reminders.notices_resolve).
    reminders.notices_resolve(record=record)


@transaction.atomic
def record_update(*, record: SearchRecord, actor: User, data: Mapping[str, Any]) -> SearchRecord:
    """Change the answers of a draft or returned record; only its practitioner may."""
    record = _locked(record)
    if record.practitioner_id != actor.pk:
        raise NotPermitted("Only the practitioner who made a record can change it.")
    if not record.is_editable:
        raise TransitionNotAllowed(
            f"Record {record.reference} is {record.get_status_display().lower()} and can no longer be changed."
        )
    before, was_justified, was_emergency = answers_of(record), record.is_justified, record.is_emergency
    data, approval_value = _without_approval(data, default=record.approval_id)
    was_approval = record.approval_id
    _apply(record, data)
    # The approval must still fit after any change of subject (and a newly named one must be theirs).
    record.approval = approvals.approval_for_record(
        practitioner=record.practitioner, value=approval_value, subject_reference=record.subject_reference)
    _save(record)
    changes = audit_diff(before, answers_of(record))
    if record.approval_id != was_approval:
        changes["approval"] = [was_approval, record.approval_id]
        if record.approval is not None:
            approvals.approval_record_linked(approval=record.approval, actor=actor, record=record)
    if changes:  # a save that changes nothing is not a change
        _audit("record.change", actor, record, changes)
    if record.is_justified and not was_justified:
        _moved_on(record)  # the "not yet justified" reminders are answered
    if record.is_emergency and not was_emergency:
        _notify_emergency(record)
    return record


def _without_approval(data: Mapping[str, Any], default: Any = None) -> tuple[dict[str, Any], Any]:
    """The answers apart from the approval the record is made under (checked by approvals.approval_for_record)."""
    answers = dict(data)
    return answers, answers.pop("approval", default)


def answers_of(record: SearchRecord) -> dict[str, Any]:
    """The record's answers as JSON-safe values (for revisions and the audit trail)."""
    answers = {field: getattr(record, field) for field in EDITABLE_FIELDS}
    answers["searched_at"] = record.searched_at.isoformat() if record.searched_at else None
    return answers


def _locked(record: SearchRecord) -> SearchRecord:
    # The row lock makes concurrent actions on one record take turns; the loser sees the new state. Only the
    # record's own row: locking its team and practitioner too would make unrelated records queue (and deadlock).
    # Its people are read with it (not locked), so the record can be shown as saved without reading it again.
    return (SearchRecord.objects.select_related(*selectors.RECORD_PEOPLE).select_for_update(of=("self",))
            .get(pk=record.pk))


def _may(who: str, actor: User, record: SearchRecord) -> bool:
    """Whether the actor is the party a move of the life-cycle table names (lifecycle.MOVES)."""
    if who == lifecycle.PRACTITIONER:
        return record.practitioner_id == actor.pk
    if who == lifecycle.REVIEWER:
        return selectors.can_review(actor, record)
    return actor.is_active and actor.is_auditor


def _move(record: SearchRecord, actor: User, action: str, refused: str) -> lifecycle.Move:
    """The move the action makes from the record's status, if the actor may make it.

    NotPermitted when the actor has no part in the action on this record at any stage; a 409
    (TransitionNotAllowed) when they have, but not from the state the record is in now.
    """
    move = lifecycle.move_from(action, record.status)
    if move is not None and _may(move.who, actor, record):
        return move
    moves = lifecycle.moves_for(action)
    # The record's own parties (its practitioner, its team reviewer) hear "not now"; so does information
    # governance when no move starts here. Anyone else has no part in it.
    party = any(_may(m.who, actor, record) for m in moves if m.who != lifecycle.GOVERNANCE)
    governance = move is None and any(_may(m.who, actor, record) for m in moves if m.who == lifecycle.GOVERNANCE)
    if party or governance:
        raise lifecycle.not_allowed(record, action)
    raise NotPermitted(refused)


def available_actions(user: User, record: SearchRecord) -> set[str]:
    """The actions the user may take on the record now (for pages: which buttons to show)."""
    return {
        move.action for move in lifecycle.MOVES if record.status in move.from_states and _may(move.who, user, record)
    }


@transaction.atomic
def record_submit(*, record: SearchRecord, actor: User) -> SearchRecord:
    """Submit (or resubmit) a record for review; refuse it unless it is justified."""
    record = _locked(record)
    _move(record, actor, Transition.Action.SUBMIT, "Only the practitioner who made a record can submit it.")
    missing = missing_answers(record)
    if missing:
        raise RecordInvalid({field: [message] for field, message in missing.items()})
    from_status = record.status
    record.status = Status.SUBMITTED
    record.is_justified = True
    # A resubmission is reviewed afresh: an earlier sign-off (before information governance returned it) lapses.
    record.reviewed_by, record.ig_reviewed_by, record.reviewer_involved = None, None, False
    record.submitted_at = clock.now()
    record.revision += 1
    _save(record)
    RecordRevision.objects.create(
        record=record, number=record.revision, submitted_at=record.submitted_at, answers=answers_of(record)
    )
    _transition(record, action=Transition.Action.SUBMIT, from_status=from_status, actor=actor)
    _audit("record.submit", actor, record, {"status": [from_status, record.status], "revision": record.revision})
    reviewers = list(selectors.reviewers_of(record).values_list("pk", flat=True))
    reminders.notify(recipients=reviewers, kind=NotificationKind.RECORD_SUBMITTED, record=record)
    _moved_on(record)
    return record


def _review(record: SearchRecord, actor: User, action: str) -> SearchRecord:
    """Lock the record and check the actor may review it now (separation of duties)."""
    record = _locked(record)
    if record.practitioner_id == actor.pk:
        raise NotPermitted("You cannot review your own record. Another manager of the team, or an auditor, must.")
    _move(record, actor, action, "Only a manager of the record's team (or information governance, when the team "
                                 "has no other manager) can review it.")
    return record


def _required_comment(comment: str, message: str) -> str:
    comment = _checked_text(comment, field="comment", label="Comment")
    if not comment:
        raise RecordInvalid({"comment": [message]})
    return comment


@transaction.atomic
def record_sign_off(*, record: SearchRecord, actor: User, reviewer_involved: bool, comment: str = "") -> SearchRecord:
    """Sign off a record; one carrying a risk flag goes on to information governance (ig_review) first."""
    comment = _checked_text(comment, field="comment", label="Comment")
    record = _review(record, actor, Transition.Action.SIGN_OFF)
    from_status, now = record.status, clock.now()
    if from_status == Status.SUBMITTED:
        record.reviewer_involved = bool(reviewer_involved)
        record.reviewed_by = actor
        reasons = _ig_reasons(record)
        # Information governance reviewing a record itself (a sole manager's own) is its own second look.
        needs_governance = bool(reasons) and not actor.is_auditor
        record.ig_reviewed_by = actor if reasons and actor.is_auditor else None
    else:
        reasons, needs_governance, record.ig_reviewed_by = [], False, actor
    to_status = Status.IG_REVIEW if needs_governance else Status.SIGNED_OFF
    if lifecycle.move_from(Transition.Action.SIGN_OFF, from_status, to_status) is None:  # the table forbids it
        raise lifecycle.not_allowed(record, Transition.Action.SIGN_OFF)
    record.status = to_status
    if to_status == Status.SIGNED_OFF:
        record.signed_off_at = now
    _save(record)
    Transition.objects.create(
        record=record, action=Transition.Action.SIGN_OFF, from_status=from_status, to_status=record.status,
        actor=actor, at=record.updated_at, comment=(comment or "").strip(), reviewer_involved=bool(reviewer_involved),
    )
    if needs_governance:
        governance = list(User.objects.filter(role=Role.AUDITOR, is_active=True).values_list("pk", flat=True))
        reminders.notify(recipients=governance, kind=NotificationKind.IG_REVIEW, record=record)
    _audit("record.sign_off", actor, record, {
        "status": [from_status, record.status], "reviewer_involved": bool(reviewer_involved),
        "comment": _proof((comment or "").strip()), "ig_reasons": reasons,
    })
    _moved_on(record)
    return record


def _ig_reasons(record: SearchRecord) -> list[str]:
    """The record's flags that need information governance, counting the reviewer's involvement just stated."""
    # The stored flag may be an earlier sign-off's (before a return); this sign-off's answer counts.
    flags = [flag for flag in flags_of(record) if flag != "reviewer_involved"]
    if record.reviewer_involved:
        flags.append("reviewer_involved")
    return ig_reasons(flags)


@transaction.atomic
def record_return(*, record: SearchRecord, actor: User, comment: str) -> SearchRecord:
    """Return a submitted record to its practitioner for more information."""
    comment = _required_comment(comment, "Enter what the practitioner needs to add or change")
    record = _review(record, actor, Transition.Action.RETURN)
    from_status = record.status
    record.status = Status.RETURNED
    record.returned_at = clock.now()
    _save(record)
    _transition(record, action=Transition.Action.RETURN, from_status=from_status, actor=actor, comment=comment)
    _audit("record.return", actor, record, {"status": [from_status, record.status], "comment": _proof(comment)})
    reminders.notify(recipients=[record.practitioner_id], kind=NotificationKind.RECORD_RETURNED, record=record)
    _moved_on(record)
    return record


@transaction.atomic
def record_escalate(*, record: SearchRecord, actor: User, comment: str) -> Escalation:
    """Escalate a submitted record to information governance with the concern."""
    comment = _required_comment(comment, "Enter your concern about this search")
    record = _review(record, actor, Transition.Action.ESCALATE)
    from_status = record.status
    record.status = Status.ESCALATED
    _save(record)
    _transition(record, action=Transition.Action.ESCALATE, from_status=from_status, actor=actor, comment=comment)
    escalation = Escalation.objects.create(record=record, raised_by=actor, raised_at=record.updated_at, comment=comment)
    # The practitioner hears of it, and so does information governance (reference only).
    governance = [pk for pk in User.objects.filter(role=Role.AUDITOR, is_active=True).values_list("pk", flat=True)
                  if pk != actor.pk]
    reminders.notify(recipients=[record.practitioner_id, *governance], kind=NotificationKind.RECORD_ESCALATED,
                     record=record)
    _audit("record.escalate", actor, record, {"status": [from_status, record.status], "comment": _proof(comment),
                                             "escalation": escalation.pk})
    _moved_on(record)
    return escalation


@transaction.atomic
def escalation_close(*, escalation: Escalation, actor: User, outcome: str, comment: str) -> Escalation:
    """Close an open escalation with an outcome, ending the record's life; a breach opens a register entry."""
    errors: dict[str, list[str]] = {}
    if outcome not in EscalationOutcome.values:
        errors["outcome"] = ["Select the outcome"]
    comment = (comment or "").strip()
    if not comment:
        errors["comment"] = ["Enter what was decided and why"]
    elif message := text_error(comment, "Comment"):
        errors["comment"] = [message]
    if errors:
        raise RecordInvalid(errors)
    if not actor.is_auditor:
        raise NotPermitted("Only information governance (auditors) can close an escalation.")
    # One lock order everywhere: the record's row first, then the escalation's.
    record = _locked(SearchRecord(pk=escalation.record_id))
    escalation = Escalation.objects.select_for_update(of=("self",)).get(pk=escalation.pk)
    escalation.record = record
    if not escalation.is_open:
        raise TransitionNotAllowed("This escalation has already been closed.")
    _move(record, actor, Transition.Action.CLOSE_ESCALATION,
          "Only information governance (auditors) can close an escalation.")
    escalation.closed_by = actor
    escalation.closed_at = clock.now()
    escalation.outcome = outcome
    escalation.closing_comment = comment
    escalation.save()
    record.status = Status.CLOSED
    record.outcome = outcome
    _save(record)
    _transition(record, action=Transition.Action.CLOSE_ESCALATION, from_status=Status.ESCALATED, actor=actor,
                comment=f"{escalation.get_outcome_display()}: {escalation.closing_comment}")
    escalation.record = record
    if outcome == EscalationOutcome.BREACH_REFERRED:
        breaches.breach_open(escalation=escalation, actor=actor)
    reminders.notify(recipients=[record.practitioner_id], kind=NotificationKind.ESCALATION_CLOSED, record=record)
    _audit("escalation.close", actor, record, {
        "status": [Status.ESCALATED, record.status], "escalation": escalation.pk, "outcome": outcome,
        "comment": _proof(escalation.closing_comment),
    })
    _moved_on(record)
    return escalation


@transaction.atomic
def addendum_add(*, record: SearchRecord, actor: User, text: str) -> Addendum:
    """Append a note to a submitted, signed-off or escalated record (its content stays frozen)."""
    text = _checked_text(text, field="text", label="Addendum")
    if not text:
        raise RecordInvalid({"text": ["Enter the addendum"]})
    record = _locked(record)
    if not selectors.may_add_addenda(actor, record):
        raise NotPermitted("Only the practitioner or a manager of the team can add an addendum.")
    if record.is_editable:
        raise TransitionNotAllowed(
            f"Record {record.reference} can still be changed: change it instead of adding an addendum."
        )
    addendum = Addendum.objects.create(record=record, author=actor, at=clock.now(), text=text)
    _audit("record.addendum", actor, record, {"addendum": addendum.pk, "text": _proof(text)})
    return addendum
