"""Celery tasks: thin doors onto reminders. Both are idempotent, so late acknowledgement is safe."""

from __future__ import annotations

from celery import shared_task

from searchlog import delivery, reminders


@shared_task(acks_late=True, reject_on_worker_lost=True)
def reminder_sweep() -> str:
    """Run one reminder sweep and email what it decided (Celery beat runs this every few minutes)."""
    return str(reminders.send_reminders())


@shared_task(acks_late=True, reject_on_worker_lost=True)
def deliver_notifications() -> int:
    """Email the notices that are due, one claim at a time."""
    return delivery.deliver_pending()
