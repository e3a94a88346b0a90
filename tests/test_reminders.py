"""The reminder sweep: rules at their thresholds with the clock moved, once-only notices, delivery."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command

from searchlog import delivery, reminders, workflow
from searchlog.models import Notification, PrivacyCheck
from tests.factories import JUSTIFIED_ANSWERS

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")
START = datetime(2026, 11, 2, 9, 0, tzinfo=LONDON)  # a Monday


@pytest.fixture(autouse=True)
def no_privacy_prompts(practitioner, colleague, manager, other_manager, outsider):
    """Everyone checked their privacy settings just now, so only the rule under test speaks."""
    from searchlog.models import User

    User.objects.update(privacy_checked_at=START)


def sweep_at(moment: datetime) -> reminders.SweepResult:
    with time_machine.travel(moment, tick=False):
        return reminders.send_reminders()


def kinds_for(user) -> list[str]:
    return sorted(Notification.objects.filter(recipient=user).values_list("kind", flat=True))


@pytest.fixture
def unjustified(practitioner):
    with time_machine.travel(START, tick=False):
        record = workflow.record_create(
            practitioner=practitioner, quick=True,
            data={"subject_reference": "LAS-1", "searched_at": START, "platforms": ["facebook"],
                  "emergency_category": "risk_to_life"},
        )
    # The managers' immediate emergency notice has its own tests (tests/test_notices.py).
    Notification.objects.filter(kind="emergency_record").delete()
    return record


@pytest.mark.parametrize(("hours", "reminded"), [(23.9, False), (24, True)])
def test_unjustified_record_is_chased_after_24_hours(unjustified, practitioner, hours, reminded):
    sweep_at(START + timedelta(hours=hours))
    assert (kinds_for(practitioner) == ["unjustified"]) is reminded


def test_reminder_repeats_each_interval_until_justified(unjustified, practitioner):
    sweep_at(START + timedelta(hours=24))
    sweep_at(START + timedelta(hours=30))  # same slot: nothing new
    assert kinds_for(practitioner) == ["unjustified"]
    sweep_at(START + timedelta(hours=48))
    assert kinds_for(practitioner) == ["unjustified", "unjustified"]
    with time_machine.travel(START + timedelta(hours=50), tick=False):
        workflow.record_update(record=unjustified, actor=practitioner,
                               data={**JUSTIFIED_ANSWERS, "consent_status": "obtained_verbal"})
    sweep_at(START + timedelta(hours=72))
    # Justified now: no more "not justified"; the complete draft is chased to be submitted instead.
    assert kinds_for(practitioner) == ["draft_not_submitted", "unjustified", "unjustified"]


@pytest.mark.parametrize(("hours", "told"), [(71, False), (72, True)])
def test_managers_are_told_after_72_hours(unjustified, manager, other_manager, hours, told):
    sweep_at(START + timedelta(hours=hours))
    assert (kinds_for(manager) == ["unjustified_manager"]) is told
    assert kinds_for(other_manager) == []


def test_returned_record_not_resubmitted_is_chased(make_record, practitioner, manager, justified_answers):
    with time_machine.travel(START, tick=False):
        record = make_record(submit=True, **justified_answers)
        workflow.record_return(record=record, actor=manager, comment="Add findings")
    assert kinds_for(practitioner) == ["record_returned"]
    sweep_at(START + timedelta(hours=23))
    assert kinds_for(practitioner) == ["record_returned"]
    sweep_at(START + timedelta(hours=24))
    assert kinds_for(practitioner) == ["record_returned", "returned"]


def test_review_digest_once_a_day_past_the_deadline_in_working_days(make_record, manager, justified_answers):
    with time_machine.travel(datetime(2026, 11, 20, 15, 0, tzinfo=LONDON), tick=False):  # a Friday
        first = make_record(submit=True, **justified_answers)
        second = make_record(submit=True, **justified_answers)
    Notification.objects.all().delete()
    # Five working days after Friday the 20th end on Friday the 27th: nothing is overdue that day.
    sweep_at(datetime(2026, 11, 27, 18, 0, tzinfo=LONDON))
    assert kinds_for(manager) == []
    sweep_at(datetime(2026, 11, 28, 9, 0, tzinfo=LONDON))
    sweep_at(datetime(2026, 11, 28, 17, 0, tzinfo=LONDON))  # the same day: one digest
    digest = Notification.objects.get(recipient=manager, kind="review_digest")
    assert digest.detail == {"references": [first.reference, second.reference]}
    sweep_at(datetime(2026, 11, 29, 9, 0, tzinfo=LONDON))
    assert kinds_for(manager) == ["review_digest", "review_digest"]


def test_privacy_prompt_after_90_days_and_confirmation(practitioner, auditor):
    sweep_at(START + timedelta(days=89))
    assert kinds_for(practitioner) == []
    sweep_at(START + timedelta(days=90))
    assert kinds_for(practitioner) == ["privacy_check"]
    assert kinds_for(auditor) == []
    with time_machine.travel(START + timedelta(days=91), tick=False):
        reminders.privacy_check_confirm(user=practitioner)
    assert PrivacyCheck.objects.get(user=practitioner).at == START + timedelta(days=91)
    sweep_at(START + timedelta(days=120))
    assert kinds_for(practitioner) == ["privacy_check"]
    sweep_at(START + timedelta(days=182))
    assert kinds_for(practitioner) == ["privacy_check", "privacy_check"]


def test_emails_name_the_record_but_nothing_about_the_person(unjustified, practitioner):
    mail.outbox.clear()
    result = sweep_at(START + timedelta(hours=24))
    assert result.emailed == 1
    (message,) = mail.outbox
    assert message.to == [practitioner.email]
    assert unjustified.reference in message.subject
    assert unjustified.reference in message.body
    assert f"/records/{unjustified.reference}/" in message.body
    assert "LAS-1" not in message.body + message.subject + message.alternatives[0][0]
    assert message.alternatives[0][1] == "text/html"
    notice = Notification.objects.get(kind="unjustified")
    assert notice.email_status == "sent" and notice.emailed_at == START + timedelta(hours=24)
    sweep_at(START + timedelta(hours=25))
    assert len(mail.outbox) == 1


def test_a_failed_email_is_sent_by_the_next_sweep_after_its_back_off(unjustified, monkeypatch):
    mail.outbox.clear()

    def broken(*args, **kwargs):
        raise OSError("SMTP down")

    monkeypatch.setattr("django.core.mail.backends.locmem.EmailBackend.send_messages", broken)
    assert sweep_at(START + timedelta(hours=24)).emailed == 0
    notice = Notification.objects.get(kind="unjustified")
    assert (notice.email_status, notice.email_attempts, notice.emailed_at) == ("pending", 1, None)
    assert notice.email_error == "OSError: SMTP down"
    monkeypatch.undo()
    assert sweep_at(START + timedelta(hours=24, seconds=30)).emailed == 0  # still backing off
    assert sweep_at(START + timedelta(hours=25)).emailed == 1
    assert len(mail.outbox) == 1
    notice.refresh_from_db()
    assert (notice.email_status, notice.email_attempts, notice.email_error) == ("sent", 2, "")


def test_send_reminders_command_prints_what_it_sent(unjustified):
    import io

    out = io.StringIO()
    with time_machine.travel(START + timedelta(hours=24), tick=False):
        call_command("send_reminders", stdout=out)
    assert "unjustified: 1" in out.getvalue()
    assert "emailed 1" in out.getvalue()


def test_sweep_query_count_does_not_grow_with_records(practitioner):
    """The sweep is set-based; delivery claims and marks each message, reading candidates 20 at a time."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.factories import RecordFactory

    def queries_for(n: int) -> int:
        RecordFactory.create_batch(n, practitioner=practitioner, created_at=START, updated_at=START,
                                   searched_at=START - timedelta(hours=1))
        with time_machine.travel(START + timedelta(hours=30), tick=False):
            with CaptureQueriesContext(connection) as queries:
                result = reminders.reminder_sweep()
            with CaptureQueriesContext(connection) as sending:
                emailed = delivery.deliver_pending()
        due = Notification.objects.filter(kind="unjustified").count()
        assert result.decided["unjustified"] == due and emailed == due
        assert len(sending) == 2 * due + -(-due // 20) + 2  # and two reads that find nothing left
        Notification.objects.all().delete()
        return len(queries)

    five = queries_for(5)
    assert queries_for(45) == five  # now 50 records due
