"""Celery tasks: thin doors onto reminders and the audit sealer. All are idempotent, so late acknowledgement is safe."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings

from searchlog import approvals, delivery, lockout, reminders
from searchlog.audit_chain import audit_seal
from searchlog.retention import retention_apply

# A task stops claiming new emails well before Celery's soft time limit, so the limit never stops it
# between sending a message and marking it sent; whatever is left goes to a fresh task.
DELIVERY_SECONDS = settings.CELERY_TASK_SOFT_TIME_LIMIT / 2


@shared_task(acks_late=True, reject_on_worker_lost=True)
def reminder_sweep() -> str:
    """Run one reminder sweep and email what it decided (Celery beat runs this every few minutes)."""
    result = reminders.send_reminders(delivery_seconds=DELIVERY_SECONDS)
    _continue_if_due()
    return str(result)


@shared_task(acks_late=True, reject_on_worker_lost=True)
def deliver_notifications() -> int:
    """Email the notices that are due, one claim at a time."""
    sent = delivery.deliver_pending(seconds=DELIVERY_SECONDS)
    _continue_if_due()
    return sent


def _continue_if_due() -> None:
    if delivery.has_due():
        reminders.dispatch_delivery()


@shared_task(acks_late=True, reject_on_worker_lost=True)
def seal_audit_trail() -> str:
    """Seal new audit events and write a checkpoint (Celery beat runs this every few seconds)."""
    return str(audit_seal())


@shared_task(acks_late=True, reject_on_worker_lost=True)
def end_expired_lockouts() -> int:
    """End (and audit) the sign-in lockouts whose time is up."""
    return lockout.lockouts_end_expired()


@shared_task(acks_late=True, reject_on_worker_lost=True)
def expire_approvals() -> int:
    """Expire approvals past their expiry (Celery beat; each approval is claimed once, so a repeat does nothing)."""
    return approvals.approvals_expire()


@shared_task(acks_late=True, reject_on_worker_lost=True)
def apply_retention() -> str:
    """Anonymise what is past the retention period (Celery beat, monthly; a repeat finds nothing left to do)."""
    return "\n".join(retention_apply(started_by="celery beat").lines())
