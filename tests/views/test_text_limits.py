"""The pages show the workflow's length limits as GOV.UK errors (the same messages as the API)."""

from __future__ import annotations

import pytest

from searchlog import workflow

pytestmark = pytest.mark.django_db


@pytest.fixture
def small_limit(settings):
    settings.SEARCHLOG_MAX_TEXT_LENGTH = 60


def test_record_form_shows_the_limit(client, practitioner, small_limit):
    client.force_login(practitioner)
    page = client.post("/records/new/", {"subject_reference": "LAS-1", "searched_at": "2026-01-01T10:00",
                                         "purpose": "x" * 61, "findings": "y" * 61})
    html = page.content.decode()
    assert page.status_code == 200
    assert "There is a problem" in html
    assert "Purpose must be 60 characters or fewer" in html
    assert "Findings must be 60 characters or fewer" in html


@pytest.mark.parametrize(("action", "data"), [
    ("sign-off", {"reviewer_involved": "no"}), ("return", {}), ("escalate", {}),
])
def test_review_comment_limit_on_the_record_page(client, manager, make_record, justified_answers, small_limit,
                                                 action, data):
    record = make_record(submit=True, **justified_answers)
    client.force_login(manager)
    page = client.post(f"/records/{record.reference}/{action}/", {**data, "comment": "x" * 61})
    assert page.status_code == 200
    assert "Comment must be 60 characters or fewer" in page.content.decode()


def test_addendum_limit_on_the_record_page(client, practitioner, manager, make_record, justified_answers,
                                           small_limit):
    record = make_record(submit=True, **justified_answers)
    workflow.record_sign_off(record=record, actor=manager, reviewer_involved=False)
    client.force_login(practitioner)
    page = client.post(f"/records/{record.reference}/addenda/", {"text": "x" * 61})
    assert "Addendum must be 60 characters or fewer" in page.content.decode()


def test_closing_comment_limit_on_the_escalation_page(client, manager, auditor, make_record, justified_answers,
                                                      small_limit):
    record = make_record(submit=True, **justified_answers)
    escalation = workflow.record_escalate(record=record, actor=manager, comment="Concern")
    client.force_login(auditor)
    page = client.post(f"/escalations/{escalation.pk}/", {"outcome": "no_concern", "comment": "x" * 61})
    assert "Comment must be 60 characters or fewer" in page.content.decode()
