"""The justification rule (version 2), as tables of cases, each at its boundary."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from searchlog.justification import is_justified, missing_answers
from tests.factories import JUSTIFIED_ANSWERS

NOT_CONSENTED = ["refused", "not_sought_emergency", "not_sought_other", "not_possible"]
CONSENTED = ["obtained_written", "obtained_verbal"]
WHY = "Needed to check a report of risk tonight."  # more than 25 characters
WHY_ANSWERS = {
    "justification": WHY,
    "alternatives_considered": "Phoned the person twice and their GP; no answer.",
    "collateral_intrusion": "Friends' comments were visible; not read or kept.",
}


def record(**changes) -> SimpleNamespace:
    answers = {
        "platforms_other": "", "is_emergency": False, "emergency_category": "", "justification": "",
        "alternatives_considered": "", "collateral_intrusion": "", "actions_taken_details": "",
        **JUSTIFIED_ANSWERS,
    }
    answers.update(changes)
    return SimpleNamespace(**answers)


def without_consent(status: str, **changes) -> SimpleNamespace:
    return record(**{"consent_status": status, "consent_given_by": "", **WHY_ANSWERS, **changes})


def test_a_complete_consented_record_is_justified():
    assert missing_answers(record()) == {}
    assert is_justified(record())


@pytest.mark.parametrize(
    "field", ["subject_relationship", "platforms", "search_terms", "content_visibility", "purpose", "consent_status",
              "account_used", "interaction", "confidential_information", "lawful_basis", "findings",
              "actions_taken"],
)
@pytest.mark.parametrize("blank", ["", "  ", [], None])
def test_each_missing_answer_makes_a_record_unjustified(field, blank):
    case = record(**{field: blank})
    assert not is_justified(case)
    assert field in missing_answers(case)


@pytest.mark.parametrize("answer", [True, False])
def test_confidential_information_answered_yes_or_no_is_an_answer(answer):
    assert is_justified(record(confidential_information=answer))


def test_nothing_relevant_found_is_an_answer():
    assert is_justified(record(findings="Nothing relevant found"))


# Consent obtained: who gave it, and how and when.
@pytest.mark.parametrize("status", CONSENTED)
@pytest.mark.parametrize(
    ("changes", "missing"),
    [
        ({}, None),
        ({"consent_given_by": ""}, "consent_given_by"),
        ({"consent_details": "   "}, "consent_details"),
        ({"lawful_basis": "consent"}, None),  # consent is a fitting basis when consent was given
    ],
)
def test_consent_obtained_needs_who_and_how(status, changes, missing):
    case = record(consent_status=status, **changes)
    assert (missing_answers(case) == {}) is (missing is None)
    if missing:
        assert list(missing_answers(case)) == [missing]


# No consent: the three "why" answers, each with at least 25 characters (stripped).
@pytest.mark.parametrize("status", ["not_sought_other", "not_possible", "not_sought_emergency"])
@pytest.mark.parametrize("field", list(WHY_ANSWERS))
@pytest.mark.parametrize(
    ("text", "justified"),
    [
        ("", False),
        ("needed", False),
        ("x" * 24, False),
        ("  " + "x" * 24 + "   ", False),  # spaces at either end do not count
        ("x" * 25, True),
    ],
)
def test_without_consent_each_why_needs_substance(status, field, text, justified):
    extra = {"is_emergency": True, "emergency_category": "missing_person"} if status == "not_sought_emergency" else {}
    case = without_consent(status, **{**extra, field: text})
    assert is_justified(case) is justified
    if not justified:
        assert list(missing_answers(case)) == [field]


def test_the_floor_is_a_setting(settings):
    settings.SEARCHLOG_MIN_ANSWER_LENGTH = 10
    assert is_justified(without_consent("not_possible", justification="x" * 10))
    assert not is_justified(without_consent("not_possible", justification="x" * 9))


@pytest.mark.parametrize("status", NOT_CONSENTED)
def test_the_lawful_basis_cannot_be_consent_without_consent(status):
    extra = {"is_emergency": True, "emergency_category": "risk_to_life"}
    case = without_consent(status, lawful_basis="consent", **extra)
    assert list(missing_answers(case)) == ["lawful_basis"]
    assert "other than consent" in missing_answers(case)["lawful_basis"]
    assert is_justified(without_consent(status, lawful_basis="public_task", **extra))


def approval(in_force: bool | None) -> SimpleNamespace | None:
    """A stand-in for a prior approval: in force at the search, or not (None: no approval)."""
    return None if in_force is None else SimpleNamespace(covers=lambda moment: in_force)


@pytest.mark.parametrize(("in_force", "missing"), [
    (True, set()),
    (False, {"justification", "alternatives_considered"}),
    (None, {"justification", "alternatives_considered"}),
])
def test_an_approval_in_force_answers_necessity_and_alternatives_by_reference(in_force, missing):
    case = without_consent("not_sought_other", justification="", alternatives_considered="",
                           approval=approval(in_force), searched_at=None)
    assert set(missing_answers(case)) == missing


def test_an_approval_never_answers_collateral_intrusion_or_findings():
    case = without_consent("not_sought_other", justification="", collateral_intrusion="", findings="",
                           approval=approval(True), searched_at=None)
    assert set(missing_answers(case)) == {"collateral_intrusion", "findings"}


# A refusal is not "not asked": only a risk-to-life or safeguarding emergency (or a prior approval) overrides it.
@pytest.mark.parametrize(
    ("is_emergency", "category", "in_force", "missing"),
    [
        (False, "", None, "is_emergency"),
        (True, "", None, "emergency_category"),
        (True, "risk_to_life", None, None),
        (True, "safeguarding", None, None),
        (True, "risk_to_others", None, "emergency_category"),
        (True, "missing_person", None, "emergency_category"),
        (True, "other", None, "emergency_category"),
        (False, "", True, None),  # a prior approval in force when the search was made
        (False, "", False, "is_emergency"),  # an approval that had expired (or was cancelled) does not
    ],
)
def test_a_search_after_a_refusal(is_emergency, category, in_force, missing):
    case = without_consent("refused", is_emergency=is_emergency, emergency_category=category,
                           approval=approval(in_force), searched_at=None)
    assert (missing_answers(case) == {}) is (missing is None)
    if missing:
        assert list(missing_answers(case)) == [missing]


@pytest.mark.parametrize("status", ["not_sought_other", "not_possible"])
def test_no_consent_without_a_refusal_needs_no_emergency(status):
    assert is_justified(without_consent(status))


@pytest.mark.parametrize(
    ("consent_status", "is_emergency", "emergency_category", "justified"),
    [
        *[(status, True, "risk_to_life", True) for status in CONSENTED],
        *[(status, True, "", False) for status in CONSENTED],  # an emergency says what kind
        ("not_sought_emergency", False, "", False),  # "not asked: emergency" is an emergency
        ("not_sought_emergency", False, "safeguarding", True),
        ("", True, "risk_to_life", False),  # consent not answered
    ],
)
def test_emergency_cases(consent_status, is_emergency, emergency_category, justified):
    answers = {"is_emergency": is_emergency, "emergency_category": emergency_category}
    if consent_status in CONSENTED:
        case = record(consent_status=consent_status, **answers)
    else:
        case = without_consent(consent_status, **answers)
    assert is_justified(case) is justified


@pytest.mark.parametrize(
    ("changes", "missing"),
    [
        ({"platforms": ["facebook", "other"]}, "platforms_other"),
        ({"actions_taken": ["other"]}, "actions_taken_details"),
    ],
)
def test_other_needs_its_text(changes, missing):
    assert missing in missing_answers(record(**changes))
    filled = {**changes, f"{missing}": "A local community site"}
    assert is_justified(record(**filled))


def test_the_messages_say_what_to_do():
    messages = missing_answers(record(consent_status="refused", consent_given_by="", purpose="",
                                      justification="needed"))
    assert messages["purpose"] == "Enter why you needed the information"
    assert messages["justification"] == (
        "Say more about why the search was necessary without consent: write at least 25 characters")
    assert messages["alternatives_considered"].startswith("Enter why a less intrusive way")
    assert "risk to life or safeguarding" in messages["is_emergency"]
    assert missing_answers(record(findings=""))["findings"] == "Enter what you found. If nothing relevant, say so"
