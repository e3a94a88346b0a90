"""How a record's answers read on a page: labels and plain values, in the order of the form."""

from __future__ import annotations

from datetime import datetime

from searchlog.formatting import when
from searchlog.justification import missing_answers
from searchlog.models import (
    CONSENT_OBTAINED,
    AccountUsed,
    ActionTaken,
    ConsentGivenBy,
    ConsentStatus,
    ContentVisibility,
    EmergencyCategory,
    Interaction,
    LawfulBasis,
    Platform,
    SearchRecord,
    Status,
    SubjectRelationship,
)

STATUS_COLOURS = {
    "draft": "grey",
    "submitted": "blue",
    "ig_review": "purple",
    "returned": "orange",
    "signed_off": "green",
    "escalated": "red",
    "closed": "grey",
}
OUTCOME_COLOURS = {"no_concern": "green", "advice_given": "yellow", "breach_referred": "red"}

# (label, field, anchor on the edit page)
_ROWS = [
    ("Case reference", "subject_reference", "id_subject_reference"),
    ("Initials", "subject_initials", "id_subject_initials"),
    ("Whose information", "subject_relationship", "id_subject_relationship_0"),
    ("When you searched", "searched_at", "id_searched_at"),
    ("Where you searched", "platforms", "id_platforms_0"),
    ("What you searched for", "search_terms", "id_search_terms"),
    ("Profiles or pages viewed", "profile_urls", "id_profile_urls"),
    ("Content seen", "content_visibility", "id_content_visibility_0"),
    ("Why you needed it", "purpose", "id_purpose"),
    ("Consent", "consent_status", "id_consent_status_0"),
    ("Consent given by", "consent_given_by", "id_consent_given_by_0"),
    ("Consent details", "consent_details", "id_consent_details"),
    ("Emergency", "is_emergency", "id_is_emergency"),
    ("Kind of emergency", "emergency_category", "id_emergency_category_0"),
    ("Why it was necessary without consent", "justification", "id_justification"),
    ("Why a less intrusive way would not do", "alternatives_considered", "id_alternatives_considered"),
    ("Account and device", "account_used", "id_account_used_0"),
    ("Interaction", "interaction", "id_interaction_0"),
    ("Confidential information likely", "confidential_information", "id_confidential_information_0"),
    ("Other people's information", "collateral_intrusion", "id_collateral_intrusion"),
    ("Lawful basis", "lawful_basis", "id_lawful_basis_0"),
    ("Special category condition", "special_category_condition", "id_special_category_condition"),
    ("What you found", "findings", "id_findings"),
    ("What you did with it", "actions_taken", "id_actions_taken_0"),
    ("What you kept, and where", "information_retained", "id_information_retained"),
]


def _value(record: SearchRecord, field: str) -> str:
    if field == "searched_at":
        return when(record.searched_at)
    if field == "platforms":
        return "\n".join(record.get_platforms_display())
    if field == "actions_taken":
        shown = record.get_actions_taken_display()
        if record.actions_taken_details:
            shown.append(record.actions_taken_details)
        return "\n".join(shown)
    if field == "is_emergency":
        return "Yes" if record.is_emergency else "No"
    if field == "confidential_information":
        return {True: "Yes", False: "No", None: ""}[record.confidential_information]
    if field == "profile_urls":
        return "\n".join(record.profile_urls)
    display = getattr(record, f"get_{field}_display", None)
    return display() if display and getattr(record, field) else getattr(record, field)


# The questions speak to the practitioner ("you"); anyone else reads them about the practitioner.
_THIRD_PERSON = {
    "When you searched": "When it was searched",
    "Where you searched": "Where it was searched",
    "What you searched for": "What was searched for",
    "Why you needed it": "Why it was needed",
    "What you found": "What was found",
    "What you did with it": "What was done with it",
    "What you kept, and where": "What was kept, and where",
}


def record_answers(record: SearchRecord, *, third_person: bool = False) -> list[tuple[str, str, str]]:
    """Rows of (label, anchor, value) for a summary list; optional blanks left out.

    `third_person` for a reader who is not the author: "Why it was needed", not "Why you needed it".
    """
    rows = []
    for label, field, anchor in _ROWS:
        if field == "emergency_category" and not record.is_emergency:
            continue
        if field == "consent_given_by" and record.consent_status not in CONSENT_OBTAINED:
            continue
        rows.append((_THIRD_PERSON.get(label, label) if third_person else label, anchor, _value(record, field)))
    return rows


_ANCHORS = {field: anchor for _, field, anchor in _ROWS}
_ANCHORS.update({"platforms_other": "id_platforms_other", "actions_taken_details": "id_actions_taken_details"})


def anchor_for(field: str) -> str:
    """The id on the edit page that an error about this field links to."""
    return _ANCHORS.get(field, f"id_{field}")


_CHOICES = {
    "platforms": Platform, "actions_taken": ActionTaken, "content_visibility": ContentVisibility,
    "consent_status": ConsentStatus, "emergency_category": EmergencyCategory, "account_used": AccountUsed,
    "interaction": Interaction, "lawful_basis": LawfulBasis, "subject_relationship": SubjectRelationship,
    "consent_given_by": ConsentGivenBy,
}
_LABELS = {field: label for label, field, _ in _ROWS} | {
    "platforms_other": "Other website or app", "actions_taken_details": "Other action",
}


def _plain(field: str, value: object) -> str:
    labels = dict(_CHOICES[field].choices) if field in _CHOICES else {}
    if isinstance(value, list):
        return ", ".join(labels.get(v, str(v)) for v in value)
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if value is None:
        return ""
    if field == "searched_at" and value:
        return when(datetime.fromisoformat(str(value)))
    return labels.get(value, str(value or ""))


def revision_changes(before: dict[str, object], after: dict[str, object], *, third_person: bool = False
                     ) -> list[tuple[str, str, str]]:
    """What changed between two revisions' answers, as (label, before, after) in form order."""
    words = _THIRD_PERSON if third_person else {}
    return [
        (words.get(label := _LABELS.get(field, field), label), _plain(field, before.get(field)),
         _plain(field, after.get(field)))
        for field in _LABELS
        if before.get(field) != after.get(field)
    ]


def revision_rows(answers: dict[str, object]) -> list[tuple[str, str]]:
    """A revision's answers as (label, value) rows, in form order."""
    return [(label, _plain(field, answers.get(field))) for field, label in _LABELS.items()]


def status_tags(record: SearchRecord) -> list[tuple[str, str]]:
    """The record's status as tags (text, colour), in the users' words: how far it is from done."""
    if record.is_editable:
        missing = len(missing_answers(record))
        progress = (f"{missing} answer{'' if missing == 1 else 's'} missing", "red") if missing else (
            "Ready to submit", "green")
        return [(record.get_status_display(), STATUS_COLOURS[record.status]), progress]
    if record.status == Status.SUBMITTED:
        return [("Justified — awaiting sign-off", STATUS_COLOURS[record.status])]
    if record.status == Status.SIGNED_OFF and record.reviewed_by_id:
        return [(f"Signed off by {signed_off_by(record)}", STATUS_COLOURS[record.status])]
    if record.status == Status.CLOSED:
        return [(record.get_status_display(), STATUS_COLOURS[record.status]),
                (record.get_outcome_display(), OUTCOME_COLOURS.get(record.outcome, "grey"))]
    return [(record.get_status_display(), STATUS_COLOURS.get(record.status, "grey"))]


def signed_off_by(record: SearchRecord) -> str:
    """"Maria Kowalski, Team manager", or "… and Aisha Begum, Data protection lead (information governance)"."""
    names = record.reviewed_by.name_and_title if record.reviewed_by_id else ""
    if record.ig_reviewed_by_id and record.ig_reviewed_by_id != record.reviewed_by_id:
        names += f" and {record.ig_reviewed_by.name_and_title} (information governance)"
    return names
