"""Creating, changing and submitting records through the domain layer."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from searchlog import workflow
from searchlog.errors import NotPermitted, RecordInvalid, TransitionNotAllowed
from searchlog.models import SearchRecord, Status, Transition
from tests.factories import WITHOUT_CONSENT

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


@pytest.mark.parametrize("initials", ["JB", "ÉÖ", "Zoë", "Zoe\u0308", "O'Neil", "O’N", "J-P", "Д.И.", "محمد", "李"])
def test_initials_accept_letters_of_any_script_hyphens_and_apostrophes(make_record, initials):
    assert make_record(subject_initials=initials).subject_initials == initials


@pytest.mark.parametrize("initials", ["J5", "-JB", "J_B", "J@B", "ABCDEFG"])
def test_initials_refuse_digits_symbols_and_more_than_six(make_record, initials):
    with pytest.raises(RecordInvalid) as error:
        make_record(subject_initials=initials)
    assert "subject_initials" in error.value.errors


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
        data={**justified_answers, **WITHOUT_CONSENT, "consent_status": "not_sought_emergency"},
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


# The justification rule, version 2: new answers, and records made under the earlier rule.

@pytest.mark.parametrize(
    ("urls", "saved"),
    [
        (["https://www.facebook.com/example", "  http://example.org/page  ", ""],
         ["https://www.facebook.com/example", "http://example.org/page"]),
        ([], []),
        (None, []),
    ],
)
def test_profile_addresses_are_kept_as_a_list(make_record, urls, saved):
    assert make_record(profile_urls=urls).profile_urls == saved


@pytest.mark.parametrize(
    "urls", [["facebook.com/example"], ["javascript:alert(1)"], ["https://" + "a" * 500 + ".org"], "https://x.org",
             ["https://example.org/"] * 21, [3]],
)
def test_profile_addresses_that_are_not_web_addresses_are_refused(make_record, urls):
    with pytest.raises(RecordInvalid) as refused:
        make_record(profile_urls=urls)
    assert list(refused.value.errors) == ["profile_urls"]
    assert SearchRecord.objects.count() == 0


def test_who_gave_consent_is_dropped_when_there_was_no_consent(make_record, justified_answers):
    record = make_record(**{**justified_answers, **WITHOUT_CONSENT, "consent_status": "not_possible",
                            "consent_given_by": "person"})
    assert record.consent_given_by == ""
    assert record.is_justified


def test_confidential_information_must_be_yes_no_or_unanswered(make_record):
    assert make_record().confidential_information is None
    assert make_record(confidential_information=True).confidential_information is True
    with pytest.raises(RecordInvalid, match="confidential_information"):
        make_record(confidential_information="perhaps")


def _submitted_under_the_old_rule(practitioner, status=Status.SUBMITTED):
    """A record the first rule justified: no findings, whose information or confidential-information answer."""
    from tests.factories import RecordFactory

    now = timezone.now()
    return RecordFactory(
        practitioner=practitioner, status=status, is_justified=True, submitted_at=now, revision=1,
        platforms=["facebook"], search_terms="Profile", content_visibility="public", purpose="Check a move",
        consent_status="obtained_written", consent_details="Form on file", account_used="org_account_org_device",
        interaction="viewed_only", lawful_basis="public_task", actions_taken=["case_file"],
    )


def test_a_record_submitted_under_the_old_rule_keeps_its_verdict_through_review(practitioner, manager):
    record = _submitted_under_the_old_rule(practitioner)
    signed = workflow.record_sign_off(record=record, actor=manager, reviewer_involved=False)
    assert (signed.status, signed.is_justified, signed.reviewed_by) == (Status.SIGNED_OFF, True, manager)


def test_a_returned_record_is_judged_by_the_rule_in_force_when_resubmitted(practitioner, manager):
    record = workflow.record_return(record=_submitted_under_the_old_rule(practitioner), actor=manager,
                                    comment="Add what you found")
    record = workflow.record_update(record=record, actor=practitioner, data={"findings": "Nothing relevant"})
    assert not record.is_justified
    with pytest.raises(RecordInvalid) as refused:
        workflow.record_submit(record=record, actor=practitioner)
    assert set(refused.value.errors) == {"subject_relationship", "consent_given_by", "confidential_information"}


def test_the_migration_judges_drafts_again_and_fills_who_signed_off(practitioner, manager):
    import importlib

    from django.apps import apps

    from tests.factories import RecordFactory

    migration = importlib.import_module("searchlog.migrations.0006_rule_v2_fields")
    old_draft = RecordFactory(practitioner=practitioner, is_justified=True, purpose="Check a move")
    submitted = _submitted_under_the_old_rule(practitioner)
    signed = workflow.record_sign_off(record=_submitted_under_the_old_rule(practitioner), actor=manager,
                                      reviewer_involved=False)
    SearchRecord.objects.filter(pk=signed.pk).update(reviewed_by=None)
    migration.backfill(apps, None)
    assert SearchRecord.objects.get(pk=old_draft.pk).is_justified is False
    assert SearchRecord.objects.get(pk=submitted.pk).is_justified is True
    assert SearchRecord.objects.get(pk=signed.pk).reviewed_by == manager
