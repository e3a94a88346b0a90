"""Every free-text field has a maximum length (SEARCHLOG_MAX_TEXT_LENGTH), enforced by the workflow for both doors."""

from __future__ import annotations

import pytest
from django.utils import timezone

from searchlog import workflow
from searchlog.errors import RecordInvalid
from searchlog.models import Status

pytestmark = pytest.mark.django_db
URL = "/api/v1/searches/"

LONG_TEXT_FIELDS = [
    ("search_terms", "Search terms"), ("purpose", "Purpose"), ("consent_details", "Consent details"),
    ("justification", "Justification"), ("collateral_intrusion", "Collateral intrusion"), ("findings", "Findings"),
    ("information_retained", "Information retained"), ("alternatives_considered", "Alternatives considered"),
]


def test_every_free_text_answer_has_a_limit():
    """A free-text answer added to the record must join the limits (the text fields of EDITABLE_FIELDS)."""
    from django.db import models

    from searchlog import workflow
    from searchlog.models import SearchRecord

    text = {name for name in workflow.EDITABLE_FIELDS
            if isinstance(SearchRecord._meta.get_field(name), models.TextField)}
    assert text <= set(workflow._TEXT_FIELDS)


@pytest.fixture
def small_limit(settings):
    settings.SEARCHLOG_MAX_TEXT_LENGTH = 60
    return 60


def test_the_default_limit_is_5000_characters(api, practitioner):
    new = {"subject_reference": "LAS-1", "searched_at": timezone.now().isoformat()}
    refused = api(practitioner).post(URL, {**new, "purpose": "x" * 5001}, format="json")
    assert refused.status_code == 400
    assert refused.json() == {"purpose": ["Purpose must be 5,000 characters or fewer"]}
    assert api(practitioner).post(URL, {**new, "purpose": "x" * 5000}, format="json").status_code == 201


@pytest.mark.parametrize(("field", "label"), LONG_TEXT_FIELDS)
def test_each_answer_is_limited_on_create_and_change(api, practitioner, make_record, small_limit, field, label):
    expected = {field: [f"{label} must be 60 characters or fewer"]}
    new = {"subject_reference": "LAS-1", "searched_at": timezone.now().isoformat(), field: "x" * 61}
    created = api(practitioner).post(URL, new, format="json")
    assert (created.status_code, created.json()) == (400, expected)
    record = make_record()
    changed = api(practitioner).patch(f"{URL}{record.reference}/", {field: "x" * 61}, format="json")
    assert (changed.status_code, changed.json()) == (400, expected)
    assert api(practitioner).patch(f"{URL}{record.reference}/", {field: "x" * 60}, format="json").status_code == 200


def test_the_dependent_details_are_limited_too(practitioner, small_limit):
    with pytest.raises(RecordInvalid) as refused:
        workflow.record_create(practitioner=practitioner, data={
            "subject_reference": "LAS-1", "searched_at": timezone.now(), "actions_taken": ["other"],
            "actions_taken_details": "x" * 61,
        })
    assert refused.value.errors == {"actions_taken_details": ["Other action taken must be 60 characters or fewer"]}


def test_short_columns_keep_their_own_length_whatever_the_setting(practitioner):
    with pytest.raises(RecordInvalid) as refused:
        workflow.record_create(practitioner=practitioner, data={
            "subject_reference": "LAS-1", "searched_at": timezone.now(), "special_category_condition": "x" * 201,
        })
    assert refused.value.errors == {
        "special_category_condition": ["Special category condition must be 200 characters or fewer"]}


@pytest.mark.parametrize("action", ["return", "escalate", "sign-off"])
def test_review_comments_are_limited(api, manager, make_record, justified_answers, small_limit, action):
    record = make_record(submit=True, **justified_answers)
    response = api(manager).post(f"{URL}{record.reference}/{action}/", {"comment": "x" * 61}, format="json")
    assert (response.status_code, response.json()) == (400, {"comment": ["Comment must be 60 characters or fewer"]})
    record.refresh_from_db()
    assert record.status == Status.SUBMITTED


def test_addenda_are_limited(api, practitioner, manager, make_record, justified_answers, small_limit):
    record = make_record(submit=True, **justified_answers)
    workflow.record_sign_off(record=record, actor=manager, reviewer_involved=False)
    response = api(practitioner).post(f"{URL}{record.reference}/addenda/", {"text": "x" * 61}, format="json")
    assert (response.status_code, response.json()) == (400, {"text": ["Addendum must be 60 characters or fewer"]})
    assert api(practitioner).post(f"{URL}{record.reference}/addenda/", {"text": "x" * 60},
                                  format="json").status_code == 201


def test_closing_comments_are_limited(api, manager, auditor, make_record, justified_answers, small_limit):
    record = make_record(submit=True, **justified_answers)
    escalation = workflow.record_escalate(record=record, actor=manager, comment="Concern")
    response = api(auditor).post(f"/api/v1/escalations/{escalation.pk}/close/",
                                 {"outcome": "no_concern", "comment": "x" * 61}, format="json")
    assert (response.status_code, response.json()) == (400, {"comment": ["Comment must be 60 characters or fewer"]})
    escalation.refresh_from_db()
    assert escalation.is_open
