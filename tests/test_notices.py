"""Notices that follow the record: who hears at once, and notices that resolve themselves once the record moves on."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from searchlog import reminders, workflow
from searchlog.models import Notification, Role, User
from tests.factories import JUSTIFIED_ANSWERS, UserFactory

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")
START = datetime(2026, 11, 2, 9, 0, tzinfo=LONDON)  # a Monday
EMERGENCY = {"subject_reference": "LAS-1", "platforms": ["facebook"], "emergency_category": "risk_to_life"}


def kinds_for(user) -> list[str]:
    return sorted(Notification.objects.filter(recipient=user).values_list("kind", flat=True))


def notice(user, kind: str) -> Notification:
    return Notification.objects.get(recipient=user, kind=kind)


@pytest.mark.parametrize("quick", [True, False])
def test_an_emergency_record_tells_the_team_managers_at_once(practitioner, manager, other_manager, colleague,
                                                             auditor, quick):
    answers = {**EMERGENCY, "searched_at": timezone.now()}
    if not quick:
        answers["is_emergency"] = True
    record = workflow.record_create(practitioner=practitioner, data=answers, quick=quick)
    assert kinds_for(manager) == ["emergency_record"]
    assert notice(manager, "emergency_record").record == record
    # Nobody else: not another team's manager, not a colleague, not information governance.
    assert kinds_for(other_manager) == kinds_for(colleague) == kinds_for(auditor) == []
    assert reminders.notice_title(notice(manager, "emergency_record")) == (
        f"Record {record.reference} is an emergency search in your team"
    )


def test_a_record_that_becomes_an_emergency_tells_the_managers_once(make_record, practitioner, manager):
    record = make_record()
    assert kinds_for(manager) == []
    workflow.record_update(record=record, actor=practitioner, data={"is_emergency": True,
                                                                     "emergency_category": "safeguarding"})
    workflow.record_update(record=record, actor=practitioner, data={"purpose": "Still an emergency."})
    assert kinds_for(manager) == ["emergency_record"]


def test_a_sole_managers_emergency_record_goes_to_information_governance(manager, auditor):
    workflow.record_create(practitioner=manager, data={**EMERGENCY, "searched_at": timezone.now()}, quick=True)
    assert kinds_for(auditor) == ["emergency_record"]
    assert kinds_for(manager) == []


def test_an_ordinary_record_tells_nobody_when_made(make_record, manager):
    make_record(**JUSTIFIED_ANSWERS)
    assert kinds_for(manager) == []


def test_escalation_tells_governance_and_the_practitioner_and_its_close_tells_the_practitioner(
        make_record, practitioner, manager, auditor):
    record = make_record(submit=True, **JUSTIFIED_ANSWERS)
    escalation = workflow.record_escalate(record=record, actor=manager, comment="Looks like a personal account.")
    assert kinds_for(auditor) == ["record_escalated"]
    assert "record_escalated" in kinds_for(practitioner)
    workflow.escalation_close(escalation=escalation, actor=auditor, outcome="advice_given", comment="Advice given.")
    assert "escalation_closed" in kinds_for(practitioner)
    # The auditor's "escalated" notice is done once the escalation is closed.
    assert notice(auditor, "record_escalated").resolved_at is not None


def test_a_record_entering_ig_review_tells_governance(make_record, manager, auditor):
    record = make_record(submit=True, **{**JUSTIFIED_ANSWERS, "interaction": "interacted"})
    workflow.record_sign_off(record=record, actor=manager, reviewer_involved=False)
    assert kinds_for(auditor) == ["ig_review"]


def test_waiting_for_review_resolves_itself_when_signed_off(make_record, manager):
    record = make_record(submit=True, **JUSTIFIED_ANSWERS)
    waiting = notice(manager, "record_submitted")
    assert (waiting.read_at, waiting.resolved_at) == (None, None)
    assert reminders.unread_count(manager) == 1
    workflow.record_sign_off(record=record, actor=manager, reviewer_involved=False)
    waiting.refresh_from_db()
    assert waiting.resolved_at is not None and waiting.read_at == waiting.resolved_at
    assert reminders.unread_count(manager) == 0


@pytest.mark.parametrize("review", ["return", "escalate"])
def test_waiting_for_review_resolves_itself_when_returned_or_escalated(make_record, manager, review):
    record = make_record(submit=True, **JUSTIFIED_ANSWERS)
    if review == "return":
        workflow.record_return(record=record, actor=manager, comment="Add the profile address.")
    else:
        workflow.record_escalate(record=record, actor=manager, comment="A personal account was used.")
    assert notice(manager, "record_submitted").resolved_at is not None


def test_returned_resolves_on_resubmission_and_a_new_review_notice_is_new(make_record, practitioner, manager):
    record = make_record(submit=True, **JUSTIFIED_ANSWERS)
    with time_machine.travel(timezone.now() + timedelta(minutes=5)):
        workflow.record_return(record=record, actor=manager, comment="Add the profile address.")
    returned = notice(practitioner, "record_returned")
    assert returned.resolved_at is None
    with time_machine.travel(timezone.now() + timedelta(minutes=10)):
        workflow.record_submit(record=record, actor=practitioner)
    returned.refresh_from_db()
    assert returned.resolved_at is not None
    fresh = Notification.objects.filter(recipient=manager, kind="record_submitted", resolved_at__isnull=True)
    assert fresh.count() == 1 and fresh.get().read_at is None


def test_ig_review_resolves_when_governance_signs_off(make_record, manager, auditor):
    record = make_record(submit=True, **{**JUSTIFIED_ANSWERS, "interaction": "interacted"})
    workflow.record_sign_off(record=record, actor=manager, reviewer_involved=False)
    assert notice(auditor, "ig_review").resolved_at is None
    workflow.record_sign_off(record=record, actor=auditor, reviewer_involved=False)
    assert notice(auditor, "ig_review").resolved_at is not None


def test_unjustified_reminders_resolve_once_justified(practitioner, manager):
    with time_machine.travel(START, tick=False):
        record = workflow.record_create(practitioner=practitioner, quick=True,
                                        data={**EMERGENCY, "searched_at": START})
    User.objects.update(privacy_checked_at=START)
    with time_machine.travel(START + timedelta(hours=72), tick=False):
        reminders.reminder_sweep()
    assert notice(practitioner, "unjustified").resolved_at is None
    assert notice(manager, "unjustified_manager").resolved_at is None
    workflow.record_update(record=record, actor=practitioner, data={
        **JUSTIFIED_ANSWERS, "consent_status": "obtained_verbal",
    })
    assert notice(practitioner, "unjustified").resolved_at is not None
    assert notice(manager, "unjustified_manager").resolved_at is not None
    # The emergency notice only informs: it stays as it was.
    assert notice(manager, "emergency_record").resolved_at is None


@pytest.mark.parametrize(("hours", "chased"), [(23.9, False), (24, True)])
def test_a_complete_draft_never_submitted_is_chased(practitioner, hours, chased):
    with time_machine.travel(START, tick=False):
        workflow.record_create(practitioner=practitioner,
                               data={**JUSTIFIED_ANSWERS, "subject_reference": "LAS-2", "searched_at": START})
    User.objects.update(privacy_checked_at=START)
    with time_machine.travel(START + timedelta(hours=hours), tick=False):
        reminders.reminder_sweep()
        reminders.reminder_sweep()  # a repeated sweep writes nothing twice
    assert kinds_for(practitioner) == (["draft_not_submitted"] if chased else [])


def test_the_complete_draft_chase_resolves_on_submission(practitioner):
    with time_machine.travel(START, tick=False):
        record = workflow.record_create(practitioner=practitioner,
                                        data={**JUSTIFIED_ANSWERS, "subject_reference": "LAS-2", "searched_at": START})
    User.objects.update(privacy_checked_at=START)
    with time_machine.travel(START + timedelta(hours=24), tick=False):
        reminders.reminder_sweep()
    with time_machine.travel(START + timedelta(hours=25), tick=False):
        workflow.record_submit(record=record, actor=practitioner)
    chase = notice(practitioner, "draft_not_submitted")
    assert reminders.notice_title(chase) == f"Record {record.reference} is complete but not yet submitted"
    assert chase.resolved_at is not None


def test_notifications_page_shows_done_not_new(client, make_record, manager):
    record = make_record(submit=True, **JUSTIFIED_ANSWERS)
    workflow.record_sign_off(record=record, actor=manager, reviewer_involved=False)
    manager.set_password("pw-for-test-1")
    manager.save()
    client.force_login(manager)
    page = client.get("/notifications/").content.decode()
    assert "Done" in page and ">New<" not in page


def test_api_serves_resolved_at(api, make_record, manager):
    record = make_record(submit=True, **JUSTIFIED_ANSWERS)
    workflow.record_sign_off(record=record, actor=manager, reviewer_involved=False)
    body = api(manager).get("/api/v1/notifications/").json()
    rows = body["results"] if isinstance(body, dict) else body
    assert rows[0]["kind"] == "record_submitted" and rows[0]["resolved_at"] is not None


def test_a_manager_of_another_team_hears_nothing_of_an_emergency(outsider, manager):
    other_manager = UserFactory(username="eve", role=Role.MANAGER, team=outsider.team)
    outsider.team.managers.add(other_manager)
    workflow.record_create(practitioner=outsider, data={**EMERGENCY, "searched_at": timezone.now()}, quick=True)
    assert kinds_for(other_manager) == ["emergency_record"]
    assert kinds_for(manager) == []
