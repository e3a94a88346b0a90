"""The justification rule, as a table of cases."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from searchlog.justification import is_justified, missing_answers
from tests.factories import JUSTIFIED_ANSWERS

NOT_CONSENTED = ["refused", "not_sought_emergency", "not_sought_other", "not_possible"]
CONSENTED = ["obtained_written", "obtained_verbal"]


def record(**changes) -> SimpleNamespace:
    answers = {
        "platforms_other": "", "is_emergency": False, "emergency_category": "", "justification": "",
        "actions_taken_details": "", **JUSTIFIED_ANSWERS,
    }
    answers.update(changes)
    return SimpleNamespace(**answers)


@pytest.mark.parametrize(
    ("consent_status", "is_emergency", "emergency_category", "justification", "justified"),
    [
        # Consent obtained: justified without a written justification, emergency or not.
        *[(status, False, "", "", True) for status in CONSENTED],
        *[(status, True, "risk_to_life", "", True) for status in CONSENTED],
        # An emergency still needs its category.
        *[(status, True, "", "", False) for status in CONSENTED],
        # No consent: justified only with a written justification.
        *[(status, False, "", "", False) for status in ["refused", "not_sought_other", "not_possible"]],
        *[(status, False, "", "Needed because …", True) for status in ["refused", "not_sought_other", "not_possible"]],
        *[(status, False, "", "   ", False) for status in NOT_CONSENTED],
        # No consent in an emergency: justification and category both needed.
        *[(status, True, "missing_person", "", False) for status in NOT_CONSENTED],
        *[(status, True, "missing_person", "Missing overnight, at risk", True) for status in NOT_CONSENTED],
        *[(status, True, "", "Missing overnight, at risk", False) for status in NOT_CONSENTED],
        # "Not asked because of an emergency" is an emergency even when the box was not ticked.
        ("not_sought_emergency", False, "", "Missing overnight", False),
        ("not_sought_emergency", False, "safeguarding", "Missing overnight", True),
        # Consent not answered at all.
        ("", False, "", "", False),
        ("", True, "risk_to_life", "Because …", False),
    ],
)
def test_consent_and_emergency_cases(consent_status, is_emergency, emergency_category, justification, justified):
    case = record(
        consent_status=consent_status, is_emergency=is_emergency, emergency_category=emergency_category,
        justification=justification,
    )
    assert is_justified(case) is justified
    assert (missing_answers(case) == {}) is justified


@pytest.mark.parametrize(
    "field", ["platforms", "search_terms", "content_visibility", "purpose", "consent_status", "account_used",
              "interaction", "lawful_basis", "actions_taken"],
)
@pytest.mark.parametrize("blank", ["", "  ", [], None])
def test_each_missing_answer_makes_a_record_unjustified(field, blank):
    case = record(**{field: blank})
    assert not is_justified(case)
    assert field in missing_answers(case)


def test_a_complete_consented_record_is_justified():
    assert is_justified(record())
    assert missing_answers(record()) == {}


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
    messages = missing_answers(record(consent_status="refused", purpose=""))
    assert messages["purpose"] == "Enter why you needed the information"
    assert messages["justification"].startswith("Enter why the search was necessary and proportionate")
