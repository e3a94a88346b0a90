"""Celery tasks: thin doors onto reminders and the audit sealer. All are idempotent, so late acknowledgement is safe."""

from __future__ import annotations

from celery import shared_task

from searchlog import reminders
from searchlog.audit_chain import audit_seal


@shared_task(acks_late=True, reject_on_worker_lost=True)
def reminder_sweep() -> str:
    """Run one reminder sweep and email what it decided (Celery beat runs this every few minutes)."""
    return str(reminders.send_reminders())


@shared_task(acks_late=True, reject_on_worker_lost=True)
def deliver_notifications() -> int:
    """Email notices written but not yet emailed."""
    return reminders.deliver_pending()


@shared_task(acks_late=True, reject_on_worker_lost=True)
def seal_audit_trail() -> str:
    """Seal new audit events and write a checkpoint (Celery beat runs this every few seconds)."""
    return str(audit_seal())
