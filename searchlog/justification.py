"""The rule that decides whether a search record is justified (version 2).

A record is justified when every question that applies is answered with substance and the answers fit
together:
- always: whose information, where and what was searched, whether the content was public, why it was
  needed, consent, the account and device, interaction, whether confidential information was likely,
  the lawful basis, what was found ("nothing relevant" is an answer) and what was done with it;
- when consent was obtained: who gave it, and how and when;
- when it was not: why the search was necessary, why no less intrusive way would do, and what was seen
  of other people (collateral intrusion), each with at least SEARCHLOG_MIN_ANSWER_LENGTH characters (a
  floor against "needed", not a judgement); and the lawful basis cannot be consent;
- a search after a refusal needs an emergency of kind risk to life or safeguarding, or a prior approval;
- a search made under a prior approval in force when it was made (`approval`: approved, not yet expired or
  cancelled) answers necessity and alternatives by reference to the request: the approval's answers are shown,
  not retyped. What was seen of other people, what was found and what was done are still the record's own;
- an emergency says what kind it was.
Anything else is unjustified: that is what reminders chase and what blocks submission. The rule applies
to drafts, returned records and submissions; a record submitted under an earlier rule keeps its verdict.
"""

from __future__ import annotations

from typing import Protocol

from django.conf import settings

from searchlog.models import CONSENT_OBTAINED, ActionTaken, ConsentStatus, EmergencyCategory, LawfulBasis, Platform

# A refusal is overridden only by these emergencies (or by a prior approval).
REFUSAL_EMERGENCIES = (EmergencyCategory.RISK_TO_LIFE, EmergencyCategory.SAFEGUARDING)


class RecordLike(Protocol):
    subject_relationship: str
    platforms: list[str]
    platforms_other: str
    search_terms: str
    purpose: str
    consent_status: str
    consent_given_by: str
    consent_details: str
    is_emergency: bool
    emergency_category: str
    justification: str
    alternatives_considered: str
    collateral_intrusion: str
    account_used: str
    interaction: str
    content_visibility: str
    confidential_information: bool | None
    lawful_basis: str
    findings: str
    actions_taken: list[str]
    actions_taken_details: str


# Field name -> the message shown when that answer is missing, in the order of the form.
_ALWAYS_REQUIRED = {
    "subject_relationship": "Select whose information you searched for",
    "platforms": "Select where you searched",
    "search_terms": "Enter what you searched for or which pages you viewed",
    "content_visibility": "Select whether the content you saw was public",
    "purpose": "Enter why you needed the information",
    "consent_status": "Select whether the person consented to the search",
    "account_used": "Select which account and device you used",
    "interaction": "Select whether you only viewed information or interacted",
    "confidential_information": "Select whether you were likely to see confidential information",
    "lawful_basis": "Select the lawful basis for the search",
    "findings": "Enter what you found. If nothing relevant, say so",
    "actions_taken": "Select what you did with what you found",
}
# The "why" answers needed when there was no consent: (message when blank, what to say more about).
_WITHOUT_CONSENT = {
    "justification": (
        "Enter why the search was necessary without consent",
        "why the search was necessary without consent",
    ),
    "alternatives_considered": (
        "Enter why a less intrusive way, such as asking the person or another professional, would not do",
        "why a less intrusive way would not do",
    ),
    "collateral_intrusion": (
        "Enter what you saw about other people, and how you kept it to a minimum",
        "what you saw about other people and how you kept it to a minimum",
    ),
}


def _blank(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, bool):
        return False  # an answered yes/no question: False is an answer
    return not value


def _too_short(value: str) -> bool:
    return len((value or "").strip()) < settings.SEARCHLOG_MIN_ANSWER_LENGTH


# Answered by a prior approval in force when the search was made (see the module docstring).
BY_APPROVAL = ("justification", "alternatives_considered")


def under_approval(record: RecordLike) -> bool:
    """Whether the record was made under a prior approval in force at the time of the search."""
    approval = getattr(record, "approval", None)
    return approval is not None and approval.covers(getattr(record, "searched_at", None))


def _missing_without_consent(record: RecordLike) -> dict[str, str]:
    missing = {}
    least = settings.SEARCHLOG_MIN_ANSWER_LENGTH
    by_approval = under_approval(record)
    for field, (when_blank, topic) in _WITHOUT_CONSENT.items():
        if by_approval and field in BY_APPROVAL:
            continue
        value = getattr(record, field)
        if _blank(value):
            missing[field] = when_blank
        elif _too_short(value):
            missing[field] = f"Say more about {topic}: write at least {least} characters"
    if record.lawful_basis == LawfulBasis.CONSENT:
        missing["lawful_basis"] = "Select a lawful basis other than consent, because the person did not consent"
    return missing


def _missing_after_refusal(record: RecordLike, emergency: bool) -> dict[str, str]:
    if under_approval(record):
        return {}
    if not emergency:
        return {"is_emergency": (
            "The person refused consent: searching anyway needs an emergency (a risk to life or safeguarding) "
            "or a manager's prior approval. If it was an emergency, say so and what kind"
        )}
    if record.emergency_category and record.emergency_category not in REFUSAL_EMERGENCIES:
        return {"emergency_category": (
            "The person refused consent: only a risk to life or safeguarding emergency justifies searching "
            "anyway. Select one of those, or ask a manager for prior approval"
        )}
    return {}


def missing_answers(record: RecordLike) -> dict[str, str]:
    """Return each missing or unfitting answer as field name -> message; empty when justified."""
    missing = {field: message for field, message in _ALWAYS_REQUIRED.items() if _blank(getattr(record, field))}
    if Platform.OTHER in (record.platforms or []) and _blank(record.platforms_other):
        missing["platforms_other"] = "Enter the other website or app you searched"
    if ActionTaken.OTHER in (record.actions_taken or []) and _blank(record.actions_taken_details):
        missing["actions_taken_details"] = "Enter the other action you took"
    consented = record.consent_status in CONSENT_OBTAINED
    emergency = record.is_emergency or record.consent_status == ConsentStatus.NOT_SOUGHT_EMERGENCY
    if emergency and _blank(record.emergency_category):
        missing["emergency_category"] = "Select what kind of emergency it was"
    if consented:
        if _blank(record.consent_given_by):
            missing["consent_given_by"] = "Select who gave consent"
        if _blank(record.consent_details):
            missing["consent_details"] = "Enter how and when consent was given"
    elif record.consent_status:
        missing.update({k: v for k, v in _missing_without_consent(record).items() if k not in missing})
    if record.consent_status == ConsentStatus.REFUSED:
        missing.update({k: v for k, v in _missing_after_refusal(record, emergency).items() if k not in missing})
    return missing


def is_justified(record: RecordLike) -> bool:
    """Say whether the record is justified (see the module docstring)."""
    return not missing_answers(record)

