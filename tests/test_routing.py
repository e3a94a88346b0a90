"""Risk routing: a sign-off of a record carrying a risk flag goes on to information governance (ig_review)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from searchlog import selectors, workflow
from searchlog.errors import NotPermitted, TransitionNotAllowed
from searchlog.flags import flags_of, ig_reasons
from searchlog.models import Notification, Status
from tests.factories import JUSTIFIED_ANSWERS, WITHOUT_CONSENT

pytestmark = pytest.mark.django_db
REFUSED = {**WITHOUT_CONSENT, "consent_status": "refused", "is_emergency": True, "emergency_category": "risk_to_life"}


def signed_by_manager(make_record, manager, involved=False, **answers):
    record = make_record(submit=True, **{**JUSTIFIED_ANSWERS, **answers})
    return workflow.record_sign_off(record=record, actor=manager, reviewer_involved=involved)


@pytest.mark.parametrize(
    ("answers", "involved", "reason"),
    [
        ({}, False, None),
        ({"interaction": "interacted"}, False, "interaction"),
        ({"account_used": "personal_account"}, False, "personal_account"),
        ({"account_used": "personal_device"}, False, "personal_account"),
        (REFUSED, False, "consent_refused"),
        ({"confidential_information": True}, False, "confidential_information"),
        ({}, True, "reviewer_involved"),
        # Flags outside the set are for the manager alone.
        ({**WITHOUT_CONSENT, "consent_status": "not_sought_emergency", "emergency_category": "missing_person"},
         False, None),
        ({"content_visibility": "restricted"}, False, None),
    ],
)
def test_each_risk_flag_routes_to_information_governance(make_record, manager, auditor, answers, involved, reason):
    record = signed_by_manager(make_record, manager, involved, **answers)
    if reason is None:
        assert (record.status, record.ig_reviewed_by) == (Status.SIGNED_OFF, None)
        assert not Notification.objects.filter(kind="ig_review").exists()
    else:
        assert (record.status, record.signed_off_at, record.reviewed_by) == (Status.IG_REVIEW, None, manager)
        assert list(selectors.reviewers_of(record)) == [auditor]
        assert list(Notification.objects.filter(kind="ig_review").values_list("recipient", flat=True)) == [
            auditor.pk]
        assert reason in ig_reasons(flags_of(record))


def test_repeat_searching_routes_to_information_governance(make_record, manager, auditor, settings):
    settings.SEARCHLOG_REPEAT_SEARCH_COUNT = 2
    make_record(subject_reference="LAS-7", searched_at=timezone.now() - timedelta(days=3))
    record = signed_by_manager(make_record, manager, subject_reference="LAS-7")
    assert record.status == Status.IG_REVIEW


def test_the_set_of_flags_is_a_setting(make_record, manager, settings):
    settings.SEARCHLOG_IG_REVIEW_FLAGS = ["emergency"]
    assert signed_by_manager(make_record, manager, interaction="interacted").status == Status.SIGNED_OFF
    emergency = {**WITHOUT_CONSENT, "consent_status": "not_sought_emergency", "emergency_category": "missing_person"}
    assert signed_by_manager(make_record, manager, **emergency).status == Status.IG_REVIEW


def test_an_unknown_flag_in_the_setting_is_refused_loudly(make_record, manager, settings):
    settings.SEARCHLOG_IG_REVIEW_FLAGS = ["interactoin"]
    with pytest.raises(ValueError, match="interactoin"):
        signed_by_manager(make_record, manager)


@pytest.fixture
def awaiting(make_record, manager):
    return signed_by_manager(make_record, manager, interaction="interacted")


def test_information_governance_signs_it_off_from_their_queue(awaiting, manager, auditor):
    assert list(selectors.review_queue_for(auditor)) == [awaiting]
    assert list(selectors.review_queue_for(manager)) == []
    record = workflow.record_sign_off(record=awaiting, actor=auditor, reviewer_involved=False, comment="Agreed")
    assert (record.status, record.reviewed_by, record.ig_reviewed_by) == (Status.SIGNED_OFF, awaiting.reviewed_by,
                                                                          auditor)
    assert record.signed_off_at is not None
    assert [(t.from_status, t.to_status) for t in record.transitions.filter(action="sign_off")] == [
        ("submitted", "ig_review"), ("ig_review", "signed_off")]
    assert list(selectors.review_queue_for(auditor)) == []


@pytest.mark.parametrize("action", ["return", "escalate"])
def test_information_governance_may_return_or_escalate_it(awaiting, auditor, practitioner, action):
    if action == "return":
        record = workflow.record_return(record=awaiting, actor=auditor, comment="Say why you interacted")
        assert record.status == Status.RETURNED
        record = workflow.record_submit(record=record, actor=practitioner)
        # Resubmitted, it is reviewed afresh.
        assert (record.status, record.reviewed_by, record.ig_reviewed_by) == (Status.SUBMITTED, None, None)
    else:
        escalation = workflow.record_escalate(record=awaiting, actor=auditor, comment="Covert activity")
        assert escalation.record.status == Status.ESCALATED


def test_the_manager_has_had_their_turn(awaiting, manager, colleague):
    with pytest.raises(TransitionNotAllowed, match="awaiting information governance"):
        workflow.record_sign_off(record=awaiting, actor=manager, reviewer_involved=False)
    with pytest.raises(NotPermitted):
        workflow.record_sign_off(record=awaiting, actor=colleague, reviewer_involved=False)


def test_information_governance_reviewing_a_sole_managers_record_is_the_second_look(make_record, manager, auditor):
    own = make_record(by=manager, submit=True, **{**JUSTIFIED_ANSWERS, "interaction": "interacted"})
    record = workflow.record_sign_off(record=own, actor=auditor, reviewer_involved=False)
    assert (record.status, record.reviewed_by, record.ig_reviewed_by) == (Status.SIGNED_OFF, auditor, auditor)
