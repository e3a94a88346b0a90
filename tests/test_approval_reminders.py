"""Reminders about prior approvals: undecided requests, approvals about to expire unused, records not submitted."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from searchlog import approvals, clock, reminders, workflow
from searchlog.models import Notification, NotificationKind
from tests.factories import REQUEST_ANSWERS

pytestmark = pytest.mark.django_db

# A Monday morning in Europe/London, so that "a working day later" is Tuesday morning.
MONDAY = timezone.make_aware(datetime(2026, 11, 16, 9, 0))


def _kinds(kind: str) -> list[tuple[str, int | None]]:
    return list(Notification.objects.filter(kind=kind).values_list("recipient__username", "approval_id"))


def test_a_request_waiting_more_than_a_working_day_is_chased_once_per_interval(practitioner, manager):
    with clock.frozen_at(MONDAY):
        approval = approvals.approval_request(requester=practitioner, data=REQUEST_ANSWERS)
    reminders.reminder_sweep(MONDAY + timedelta(hours=8))
    assert _kinds(NotificationKind.APPROVAL_WAITING) == []
    later = MONDAY + timedelta(days=2)
    reminders.reminder_sweep(later)
    reminders.reminder_sweep(later + timedelta(minutes=5))  # a second sweep writes nothing new
    assert _kinds(NotificationKind.APPROVAL_WAITING) == [("maria", approval.pk)]
    with clock.frozen_at(later + timedelta(hours=1)):
        approvals.approval_approve(approval=approval, actor=manager)
    reminders.reminder_sweep(later + timedelta(days=3))
    assert len(_kinds(NotificationKind.APPROVAL_WAITING)) == 1
    assert not Notification.objects.filter(kind=NotificationKind.APPROVAL_WAITING, resolved_at__isnull=True).exists()


def test_an_approval_about_to_expire_with_no_record_reminds_the_requester(practitioner, manager):
    with clock.frozen_at(MONDAY):
        approval = approvals.approval_approve(
            approval=approvals.approval_request(requester=practitioner, data=REQUEST_ANSWERS), actor=manager,
            expires_at=MONDAY + timedelta(days=3))
    reminders.reminder_sweep(MONDAY + timedelta(days=1))
    assert _kinds(NotificationKind.APPROVAL_EXPIRING) == []
    reminders.reminder_sweep(MONDAY + timedelta(days=2, hours=1))
    reminders.reminder_sweep(MONDAY + timedelta(days=2, hours=2))
    assert _kinds(NotificationKind.APPROVAL_EXPIRING) == [("alice", approval.pk)]


def test_no_expiry_reminder_once_a_record_is_made(practitioner, manager):
    with clock.frozen_at(MONDAY):
        approval = approvals.approval_approve(
            approval=approvals.approval_request(requester=practitioner, data={**REQUEST_ANSWERS, "viewings": 2}),
            actor=manager, expires_at=MONDAY + timedelta(days=3))
        workflow.record_create(practitioner=practitioner, data={
            "subject_reference": "LAS-100200", "searched_at": MONDAY, "approval": approval.pk})
    reminders.reminder_sweep(MONDAY + timedelta(days=2, hours=1))
    assert _kinds(NotificationKind.APPROVAL_EXPIRING) == []


def test_a_used_approval_whose_record_is_not_submitted_is_chased(practitioner, manager, justified_answers):
    with clock.frozen_at(MONDAY):
        approval = approvals.approval_approve(
            approval=approvals.approval_request(requester=practitioner, data=REQUEST_ANSWERS), actor=manager)
        record = workflow.record_create(practitioner=practitioner, data={
            **justified_answers, "subject_reference": "LAS-100200", "searched_at": MONDAY, "approval": approval.pk})
    reminders.reminder_sweep(MONDAY + timedelta(hours=2))
    assert _kinds(NotificationKind.APPROVAL_RECORD_NOT_SUBMITTED) == []
    reminders.reminder_sweep(MONDAY + timedelta(days=1, hours=1))
    assert _kinds(NotificationKind.APPROVAL_RECORD_NOT_SUBMITTED) == [("alice", approval.pk)]
    with clock.frozen_at(MONDAY + timedelta(days=1, hours=2)):
        workflow.record_submit(record=record, actor=practitioner)
    reminders.reminder_sweep(MONDAY + timedelta(days=3))
    assert len(_kinds(NotificationKind.APPROVAL_RECORD_NOT_SUBMITTED)) == 1


def test_approval_notices_have_titles_and_links(practitioner, manager):
    approval = approvals.approval_request(requester=practitioner, data=REQUEST_ANSWERS)
    notice = Notification.objects.get(kind=NotificationKind.APPROVAL_REQUESTED)
    assert reminders.notice_title(notice) == f"Request {approval.label} to search is waiting for your decision"
    assert reminders.notice_link(notice) == f"/approvals/{approval.pk}/"


def test_an_approval_notice_is_emailed_without_details_of_the_person(practitioner, manager, mailoutbox):
    from searchlog.delivery import deliver_pending

    approval = approvals.approval_request(requester=practitioner, data=REQUEST_ANSWERS)
    assert deliver_pending() >= 1
    message = next(m for m in mailoutbox if approval.label in m.subject)
    assert f"/approvals/{approval.pk}/" in message.body
    assert "LAS-100200" not in message.body and "LAS-100200" not in message.subject
