"""A record as a short case note: one plain paragraph, in the third person, to paste into the case management system.

When, where, why, consent, what was found, what was done, and the reference to find the full record by. Only the
record's own answers are used, in the practitioner's words where they are free text.
"""

from __future__ import annotations

from searchlog.formatting import when
from searchlog.models import (
    ConsentGivenBy,
    ConsentStatus,
    Platform,
    SearchRecord,
    Status,
    SubjectRelationship,
)

_ABOUT = {
    SubjectRelationship.PERSON_SUPPORTED: "the person supported",
    SubjectRelationship.FAMILY_MEMBER: "a member of the family of the person supported",
    SubjectRelationship.ASSOCIATE: "an associate of the person supported",
    SubjectRelationship.OTHER: "someone connected with the person supported",
}
_GIVEN_BY = {
    ConsentGivenBy.PERSON: "the person themselves",
    ConsentGivenBy.PARENT: "a parent with parental responsibility",
    ConsentGivenBy.ATTORNEY_OR_DEPUTY: "an attorney or deputy",
    ConsentGivenBy.OTHER: "someone else with the authority to consent",
}
# Platforms as they read mid-sentence; brand names read as their labels.
_PLATFORM_PHRASES = {
    Platform.SEARCH_ENGINE: "a search engine",
    Platform.X_TWITTER: "X (Twitter)",
    Platform.YOUTUBE: "YouTube or vlogs",
    Platform.FORUM: "an online forum",
    Platform.BLOG: "a blog",
    Platform.NEWS: "a news website",
}
_STATE = {
    Status.DRAFT: "is still a draft in the online search log",
    Status.RETURNED: "has been returned to the practitioner for changes",
    Status.SUBMITTED: "is awaiting a manager's sign-off",
    Status.IG_REVIEW: "is awaiting information governance",
    Status.ESCALATED: "has been escalated to information governance",
}


def _sentence(text: str) -> str:
    """Free text as one sentence: whitespace (line breaks too) folded, a full stop added when it has none."""
    text = " ".join((text or "").split())
    if not text:
        return ""
    text = text[0].upper() + text[1:]
    return text if text[-1] in ".!?" else f"{text}."


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def _list(items: list[str]) -> str:
    """"a, b and c"."""
    items = [item for item in items if item]
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} and {items[-1]}"


def _platforms(record: SearchRecord) -> list[str]:
    labels = dict(Platform.choices)
    shown = [_PLATFORM_PHRASES.get(code) or labels.get(code, code) for code in record.platforms
             if code != Platform.OTHER]
    if Platform.OTHER in record.platforms:
        shown.append(record.platforms_other.strip() or "another website or app")
    return shown


def _what_and_where(record: SearchRecord) -> str:
    who = record.practitioner.name_and_title
    about = _ABOUT.get(record.subject_relationship, "the person supported")
    platforms = _list(_platforms(record))
    where = f" on {platforms}" if platforms else ""
    return (f"On {when(record.searched_at)}, {who} ({record.team.name}) searched online{where} for information "
            f"about {about} (case reference {record.subject_reference}).")


def _consent(record: SearchRecord) -> str:
    status = record.consent_status
    if status in (ConsentStatus.OBTAINED_WRITTEN, ConsentStatus.OBTAINED_VERBAL):
        how = "in writing" if status == ConsentStatus.OBTAINED_WRITTEN else "verbally"
        by = _GIVEN_BY.get(record.consent_given_by)
        text = f"Consent was given {how}{f' by {by}' if by else ''}."
    elif status == ConsentStatus.NOT_SOUGHT_EMERGENCY:
        kind = record.get_emergency_category_display().lower() if record.emergency_category else ""
        text = f"Consent was not asked because it was an emergency{f' ({kind})' if kind else ''}."
    elif status == ConsentStatus.REFUSED:
        text = "Consent was refused."
    elif status == ConsentStatus.NOT_SOUGHT_OTHER:
        text = "Consent was not asked."
    elif status == ConsentStatus.NOT_POSSIBLE:
        text = "Consent could not be asked."
    else:
        text = "Whether consent was asked is not yet recorded."
    if record.is_emergency and status != ConsentStatus.NOT_SOUGHT_EMERGENCY:
        kind = record.get_emergency_category_display().lower() if record.emergency_category else "an emergency"
        text += f" The search was made in an emergency ({kind})."
    return " ".join(part for part in (text, _sentence(record.consent_details)) if part)


def _necessity(record: SearchRecord) -> str:
    parts = []
    if record.justification.strip():
        parts.append(f"It was judged necessary because: {_sentence(record.justification)}")
    if record.alternatives_considered.strip():
        parts.append(f"A less intrusive way would not do: {_sentence(record.alternatives_considered)}")
    return " ".join(parts)


def _outcome(record: SearchRecord) -> str:
    found = _sentence(record.findings)
    parts = [f"Found: {found}" if found else "What was found is not yet recorded."]
    actions = [_lower_first(a) for a in record.get_actions_taken_display() if a != "Other"]
    if record.actions_taken_details.strip():
        actions.append(" ".join(record.actions_taken_details.split()).rstrip("."))
    if actions:
        parts.append(f"Action taken: {_list(actions)}.")
    if record.information_retained.strip():
        parts.append(f"Kept: {_sentence(record.information_retained)}")
    return " ".join(parts)


def _reference(record: SearchRecord) -> str:
    text = f"The full record is {record.reference} in the online search log"
    if record.status == Status.SIGNED_OFF and record.signed_off_at:
        return f"{text}, signed off on {when(record.signed_off_at)}."
    if record.status == Status.CLOSED:
        return f"{text} (closed after review by information governance: {record.get_outcome_display().lower()})."
    return f"{text}, which {_STATE.get(record.status, 'is open')}."


def case_note_text(record: SearchRecord) -> str:
    """The record as one plain third-person paragraph: when, where, why, consent, found, done, the reference."""
    purpose = _sentence(record.purpose)
    parts = [
        _what_and_where(record),
        f"The reason was: {purpose}" if purpose else "",
        _consent(record),
        _necessity(record),
        _outcome(record),
        _reference(record),
    ]
    return " ".join(part for part in parts if part)
