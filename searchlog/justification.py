"""The rule that decides whether a search record is justified.

A record is justified when its purpose, search terms, account, interaction, content
visibility, lawful basis and actions taken are answered, and either consent was
obtained or the search was not consented and a written justification says why it
was necessary and proportionate. Anything else is unjustified: that is what
reminders chase and what blocks submission.
"""

from __future__ import annotations

from typing import Protocol

from searchlog.models import CONSENT_OBTAINED, ActionTaken, ConsentStatus, Platform


class RecordLike(Protocol):
    platforms: list[str]
    platforms_other: str
    search_terms: str
    purpose: str
    consent_status: str
    is_emergency: bool
    emergency_category: str
    justification: str
    account_used: str
    interaction: str
    content_visibility: str
    lawful_basis: str
    actions_taken: list[str]
    actions_taken_details: str


# Field name -> the message shown when that answer is missing, in the order of the form.
_ALWAYS_REQUIRED = {
    "platforms": "Select where you searched",
    "search_terms": "Enter what you searched for or which pages you viewed",
    "content_visibility": "Select whether the content you saw was public",
    "purpose": "Enter why you needed the information",
    "consent_status": "Select whether the person consented to the search",
    "account_used": "Select which account and device you used",
    "interaction": "Select whether you only viewed information or interacted",
    "lawful_basis": "Select the lawful basis for the search",
    "actions_taken": "Select what you did with what you found",
}


def _blank(value: object) -> bool:
    if isinstance(value, str):
        return not value.strip()
    return not value


def missing_answers(record: RecordLike) -> dict[str, str]:
    """Return each missing answer as field name -> message; empty when justified."""
    missing = {field: message for field, message in _ALWAYS_REQUIRED.items() if _blank(getattr(record, field))}
    if Platform.OTHER in (record.platforms or []) and _blank(record.platforms_other):
        missing["platforms_other"] = "Enter the other website or app you searched"
    if ActionTaken.OTHER in (record.actions_taken or []) and _blank(record.actions_taken_details):
        missing["actions_taken_details"] = "Enter the other action you took"
    consented = record.consent_status in CONSENT_OBTAINED
    if record.consent_status and not consented and _blank(record.justification):
        missing["justification"] = "Enter why the search was necessary and proportionate without consent"
    emergency = record.is_emergency or record.consent_status == ConsentStatus.NOT_SOUGHT_EMERGENCY
    if emergency and _blank(record.emergency_category):
        missing["emergency_category"] = "Select what kind of emergency it was"
    if emergency and not consented and "justification" not in missing and _blank(record.justification):
        missing["justification"] = "Enter why the search was necessary and proportionate without consent"
    return missing


def is_justified(record: RecordLike) -> bool:
    """Say whether the record is justified (see the module docstring)."""
    return not missing_answers(record)
