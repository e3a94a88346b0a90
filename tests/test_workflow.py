"""Creating, changing and submitting records through the domain layer."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from searchlog import workflow
from searchlog.errors import NotPermitted, RecordInvalid, TransitionNotAllowed
from searchlog.models import SearchRecord, Status, Transition

pytestmark = pytest.mark.django_db


def test_create_makes_a_draft_with_a_reference(make_record, practitioner):
    with time_machine.travel("2026-11-24 21:40Z", tick=False):
        record = make_record(searched_at=timezone.now() - timedelta(minutes=5))
    assert record.reference == "OS-2026-000001"
    assert record.status == Status.DRAFT
    assert record.team == practitioner.team
    assert not record.is_justified
    assert list(record.transitions.values_list("action", flat=True)) == ["create"]


def test_references_count_up_within_a_year_and_restart_each_year(make_record):
    with time_machine.travel("2026-12-31 12:00Z", tick=False):
        first, second = make_record(), make_record()
    with time_machine.travel("2027-01-01 12:00Z", tick=False):
        third = make_record()
    assert [first.reference, second.reference, third.reference] == [
        "OS-2026-000001", "OS-2026-000002", "OS-2027-000001",
    ]


def test_a_complete_record_is_justified_when_saved(make_record, justified_answers):
    assert make_record(**justified_answers).is_justified


def test_a_future_search_time_is_refused_and_nothing_is_saved(make_record):
    with pytest.raises(RecordInvalid) as error:
        make_record(searched_at=timezone.now() + timedelta(hours=1))
    assert "searched_at" in error.value.errors
    assert SearchRecord.objects.count() == 0
    # No number was taken: the next record is the first.
    assert make_record().reference.endswith("-000001")


@pytest.mark.parametrize(
    ("answers", "field"),
    [
        ({"platforms": ["myspace"]}, "platforms"),
        ({"consent_status": "maybe"}, "consent_status"),
        ({"subject_reference": "  "}, "subject_reference"),
        ({"subject_reference": "<script>"}, "subject_reference"),
        ({"subject_initials": "J5"}, "subject_initials"),
        ({"lawful_basis": "because"}, "lawful_basis"),
        ({"status": "signed_off"}, "status"),
    ],
)
def test_bad_answers_are_refused_by_field(make_record, answers, field):
    with pytest.raises(RecordInvalid) as error:
        make_record(**answers)
    assert field in error.value.errors
    assert SearchRecord.objects.count() == 0


def test_answers_to_questions_that_no_longer_apply_are_dropped(make_record):
    record = make_record(platforms=["facebook"], platforms_other="Myspace", emergency_category="risk_to_life")
    assert record.platforms_other == ""
    assert record.emergency_category == ""


def test_not_asking_because_of_an_emergency_makes_it_an_emergency(make_record):
    assert make_record(consent_status="not_sought_emergency").is_emergency


def test_quick_record_is_an_unjustified_emergency(make_record):
    record = make_record(quick=True, platforms=["facebook"], emergency_category="risk_to_life")
    assert record.is_emergency and record.is_quick_record
    assert not record.is_justified


def test_completing_a_quick_record_justifies_it(make_record, practitioner, justified_answers):
    record = make_record(quick=True, platforms=["facebook"], emergency_category="risk_to_life")
    record = workflow.record_update(
        record=record, actor=practitioner,
        data={**justified_answers, "consent_status": "not_sought_emergency", "justification": "Missing overnight"},
    )
    assert record.is_justified
    assert record.emergency_category == "risk_to_life"


def test_submit_refuses_unjustified_record(make_record, practitioner):
    record = make_record()
    with pytest.raises(RecordInvalid) as error:
        workflow.record_submit(record=record, actor=practitioner)
    assert "purpose" in error.value.errors
    record.refresh_from_db()
    assert record.status == Status.DRAFT and record.submitted_at is None


def test_submit_records_who_and_when(make_record, practitioner, justified_answers):
    record = make_record(**justified_answers)
    with time_machine.travel(timezone.now() + timedelta(minutes=3), tick=False):
        record = workflow.record_submit(record=record, actor=practitioner)
        assert record.submitted_at == timezone.now()
    assert record.status == Status.SUBMITTED
    submit = record.transitions.get(action=Transition.Action.SUBMIT)
    assert (submit.actor, submit.from_status, submit.to_status) == (practitioner, "draft", "submitted")


def test_a_submitted_record_is_frozen(make_record, practitioner, justified_answers):
    record = make_record(submit=True, **justified_answers)
    with pytest.raises(TransitionNotAllowed):
        workflow.record_update(record=record, actor=practitioner, data={"purpose": "Changed"})
    with pytest.raises(TransitionNotAllowed):
        workflow.record_submit(record=record, actor=practitioner)
    record.refresh_from_db()
    assert record.purpose == justified_answers["purpose"]


@pytest.mark.parametrize("persona", ["colleague", "manager", "auditor"])
def test_only_the_practitioner_changes_or_submits_their_record(request, make_record, justified_answers, persona):
    record = make_record(**justified_answers)
    other = request.getfixturevalue(persona)
    with pytest.raises(NotPermitted):
        workflow.record_update(record=record, actor=other, data={"purpose": "Changed"})
    with pytest.raises(NotPermitted):
        workflow.record_submit(record=record, actor=other)
    record.refresh_from_db()
    assert record.status == Status.DRAFT and record.purpose == justified_answers["purpose"]


def test_someone_outside_any_team_cannot_record(auditor):
    with pytest.raises(NotPermitted):
        workflow.record_create(practitioner=auditor, data={"subject_reference": "X1", "searched_at": timezone.now()})
