"""Escalations that end: closing moves the record to `closed`; a breach opens a register entry with the ICO clock."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from searchlog import breaches, lifecycle, reminders, workflow
from searchlog.errors import NotPermitted, RecordInvalid, TransitionNotAllowed
from searchlog.models import AuditEvent, Breach, Notification, Status, Transition, User
from tests.factories import JUSTIFIED_ANSWERS

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")
RAISED = datetime(2026, 11, 24, 21, 40, tzinfo=LONDON)


@pytest.fixture
def escalation(make_record, manager, auditor):
    with time_machine.travel(RAISED - timedelta(hours=1), tick=False):
        record = make_record(submit=True, searched_at=RAISED - timedelta(hours=2), **JUSTIFIED_ANSWERS)
    with time_machine.travel(RAISED, tick=False):
        return workflow.record_escalate(record=record, actor=manager, comment="A friend request was sent")


def close(escalation, auditor, outcome="breach_referred", at=None):
    with time_machine.travel(at or RAISED + timedelta(hours=3), tick=False):
        return workflow.escalation_close(escalation=escalation, actor=auditor, outcome=outcome,
                                         comment="Referred to the DPO")


def recipients(kind) -> list[str]:
    return sorted(Notification.objects.filter(kind=kind).values_list("recipient__username", flat=True))


def test_escalating_tells_the_practitioner_and_information_governance(escalation):
    assert recipients("record_escalated") == ["aisha", "alice"]


@pytest.mark.parametrize("outcome", ["no_concern", "advice_given", "breach_referred"])
def test_closing_ends_the_record_with_the_outcome_and_tells_the_practitioner(escalation, auditor, outcome):
    close(escalation, auditor, outcome)
    record = escalation.record
    record.refresh_from_db()
    assert (record.status, record.outcome) == (Status.CLOSED, outcome)
    transition = Transition.objects.get(record=record, action="close_escalation")
    assert (transition.from_status, transition.to_status) == ("escalated", "closed")
    assert recipients("escalation_closed") == ["alice"]
    assert Breach.objects.filter(record=record).exists() is (outcome == "breach_referred")


def test_a_breach_opens_a_register_entry_whose_clock_starts_at_the_concern(escalation, auditor):
    close(escalation, auditor)
    breach = Breach.objects.get()
    assert (breach.escalation, breach.record, breach.opened_by) == (escalation, escalation.record, auditor)
    assert breach.found_at == RAISED
    assert breach.ico_deadline == RAISED + timedelta(hours=72)
    assert AuditEvent.objects.filter(action="breach.open", object_id=str(breach.pk)).exists()


@pytest.mark.parametrize(
    ("hours", "text", "overdue"),
    [
        (0, "Report to the ICO by 27 November 2026 at 9:40pm — 72 hours left", False),
        (67, "Report to the ICO by 27 November 2026 at 9:40pm — 5 hours left", False),
        (71, "Report to the ICO by 27 November 2026 at 9:40pm — 1 hour left", False),
        (71.5, "Report to the ICO by 27 November 2026 at 9:40pm — less than an hour left", False),
        (72, "Report to the ICO by 27 November 2026 at 9:40pm — overdue", True),
    ],
)
def test_the_ico_clock(escalation, auditor, hours, text, overdue):
    close(escalation, auditor)
    assert breaches.ico_clock(Breach.objects.get(), RAISED + timedelta(hours=hours)) == (text, overdue)


def test_a_reported_breach_says_when(escalation, auditor):
    close(escalation, auditor)
    breach = Breach.objects.get()
    with time_machine.travel(RAISED + timedelta(hours=80), tick=False):
        breaches.breach_update(breach=breach, actor=auditor, data={"ico_reported_at": RAISED + timedelta(hours=70)})
    breach.refresh_from_db()
    assert breaches.ico_clock(breach) == ("Reported to the ICO on 27 November 2026 at 7:40pm", False)


@pytest.mark.parametrize("action", ["sign_off", "return", "escalate"])
def test_a_closed_record_cannot_be_reviewed_again(escalation, auditor, manager, action):
    close(escalation, auditor, "no_concern")
    do = {
        "sign_off": lambda: workflow.record_sign_off(record=escalation.record, actor=manager, reviewer_involved=False),
        "return": lambda: workflow.record_return(record=escalation.record, actor=manager, comment="More"),
        "escalate": lambda: workflow.record_escalate(record=escalation.record, actor=manager, comment="Again"),
    }[action]
    with pytest.raises(TransitionNotAllowed, match="has already been reviewed: it is closed"):
        do()


def test_the_transition_table_is_one_table_read_by_the_409_message(make_record, manager, practitioner):
    record = make_record(**JUSTIFIED_ANSWERS)
    with pytest.raises(TransitionNotAllowed) as refused:
        workflow.record_sign_off(record=record, actor=manager, reviewer_involved=False)
    assert str(refused.value) == (
        f"Record {record.reference} is draft. Signing off is possible only while a record is submitted or awaiting "
        "information governance.")
    assert lifecycle.allowed_from("submit") == ["draft", "returned"]
    assert lifecycle.move_from("close_escalation", "escalated").to_state == "closed"
    assert {move.action for move in lifecycle.MOVES} == set(Transition.Action.values) - {"create"}


# The breach register: auditors only; they record what was done.

def test_only_auditors_change_the_register(escalation, auditor, manager):
    close(escalation, auditor)
    breach = Breach.objects.get()
    with pytest.raises(NotPermitted):
        breaches.breach_update(breach=breach, actor=manager, data={"notes": "x"})
    with time_machine.travel(RAISED + timedelta(hours=10), tick=False):
        breaches.breach_update(breach=breach, actor=auditor, data={
            "person_told": True, "person_told_at": RAISED + timedelta(hours=5),
            "dpo_reported_at": RAISED + timedelta(hours=4), "notes": "Told by phone",
        })
    breach.refresh_from_db()
    assert (breach.person_told, breach.notes) == (True, "Told by phone")
    event = AuditEvent.objects.filter(action="breach.change").get()
    assert event.object_id == str(breach.pk)


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"person_told": False, "person_told_at": RAISED}, "person_told_at"),
        ({"ico_reported_at": RAISED + timedelta(days=30)}, "ico_reported_at"),
        ({"found_at": None}, "found_at"),
        ({"record": 3}, "record"),
    ],
)
def test_a_register_entry_refuses_answers_that_do_not_fit(escalation, auditor, data, field):
    close(escalation, auditor)
    with time_machine.travel(RAISED + timedelta(hours=10), tick=False), pytest.raises(RecordInvalid) as refused:
        breaches.breach_update(breach=Breach.objects.get(), actor=auditor, data=data)
    assert list(refused.value.errors) == [field]


def test_the_sweep_chases_the_ico_deadline_near_and_passed(escalation, auditor, settings):
    User.objects.update(privacy_checked_at=RAISED)
    close(escalation, auditor)
    second_auditor = User.objects.create(username="ines", role="auditor", privacy_checked_at=RAISED)

    def sweep(hours: float) -> None:
        with time_machine.travel(RAISED + timedelta(hours=hours), tick=False):
            reminders.reminder_sweep()

    sweep(47.9)
    assert recipients("ico_deadline_near") == []
    sweep(48)
    sweep(50)
    assert recipients("ico_deadline_near") == ["aisha", second_auditor.username]
    assert recipients("ico_deadline_passed") == []
    sweep(72)
    sweep(90)
    assert recipients("ico_deadline_passed") == ["aisha", second_auditor.username]
    notice = Notification.objects.filter(kind="ico_deadline_passed").first()
    assert reminders.notice_title(notice) == (
        f"Breach from record {escalation.record.reference}: the ICO deadline has passed")
    assert reminders.notice_link(notice) == f"/breaches/{Breach.objects.get().pk}/"


def test_a_breach_found_past_its_deadline_gets_only_the_overdue_notice(escalation, auditor):
    User.objects.update(privacy_checked_at=RAISED)
    close(escalation, auditor)
    with time_machine.travel(RAISED + timedelta(hours=100), tick=False):
        reminders.reminder_sweep()
    assert recipients("ico_deadline_near") == []
    assert recipients("ico_deadline_passed") == ["aisha"]


def test_a_breach_reported_in_time_is_not_chased(escalation, auditor):
    User.objects.update(privacy_checked_at=RAISED)
    close(escalation, auditor)
    with time_machine.travel(RAISED + timedelta(hours=10), tick=False):
        breaches.breach_update(breach=Breach.objects.get(), actor=auditor,
                               data={"ico_reported_at": RAISED + timedelta(hours=9)})
    with time_machine.travel(RAISED + timedelta(hours=80), tick=False):
        reminders.reminder_sweep()
    assert not Notification.objects.filter(kind__startswith="ico_").exists()
