"""The breach register: open an entry when an escalation closes as "breach referred"; record what was done.

Only information governance (auditors) reads or changes it (selectors.breaches_for). The ICO's 72 hours run
from `found_at`; `ico_clock` says how long is left, and the reminder sweep chases the deadline.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.db import transaction

from searchlog import clock
from searchlog.audit import audit_append, audit_diff
from searchlog.errors import NotPermitted, RecordInvalid
from searchlog.formatting import when
from searchlog.models import Breach, Escalation, User

# What an auditor may record about a breach.
BREACH_FIELDS = ("found_at", "person_told", "person_told_at", "dpo_reported_at", "ico_reported_at", "notes")
_MOMENTS = ("found_at", "person_told_at", "dpo_reported_at", "ico_reported_at")


def breach_open(*, escalation: Escalation, actor: User) -> Breach:
    """Open the register entry for an escalation closed as a breach (inside the caller's transaction).

    Its clock starts when the concern was raised: the organisation knew of it from then, and an auditor can
    correct the moment on the entry.
    """
    now = clock.now()
    breach = Breach.objects.create(
        escalation=escalation, record=escalation.record, opened_by=actor, opened_at=now, updated_at=now,
        found_at=escalation.raised_at,
    )
    audit_append(action="breach.open", actor=actor, obj_type="breach", obj_id=str(breach.pk),
                 changes={"record": escalation.record.reference, "escalation": escalation.pk})
    return breach


def _answers(breach: Breach) -> dict[str, Any]:
    answers = {field: getattr(breach, field) for field in BREACH_FIELDS}
    for field in _MOMENTS:
        answers[field] = answers[field].isoformat() if answers[field] else None
    return answers


def _check(breach: Breach) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    now = clock.now()
    if breach.found_at is None:
        errors["found_at"] = ["Enter when the breach was found"]
    for field in _MOMENTS:
        moment = getattr(breach, field)
        if moment is not None and not isinstance(moment, datetime):
            errors[field] = ["Enter a real date and time"]
        elif moment is not None and moment > now:
            errors[field] = ["The date and time must be in the past"]
    if breach.person_told not in (None, True, False):
        errors["person_told"] = ["Select yes or no"]
    elif breach.person_told is not True and breach.person_told_at is not None:
        errors["person_told_at"] = ["Say that the person was told, or leave when they were told blank"]
    return errors


@transaction.atomic
def breach_update(*, breach: Breach, actor: User, data: Mapping[str, Any]) -> Breach:
    """Record what was done about a breach: when found, the person told, the DPO and the ICO told, notes."""
    if not (actor.is_active and actor.is_auditor):
        raise NotPermitted("Only information governance (auditors) can change the breach register.")
    unknown = set(data) - set(BREACH_FIELDS)
    if unknown:
        raise RecordInvalid({name: ["This field cannot be changed"] for name in sorted(unknown)})
    breach = Breach.objects.select_for_update(of=("self",)).get(pk=breach.pk)
    before = _answers(breach)
    for field, value in data.items():
        setattr(breach, field, (value or "") if field == "notes" else value)
    errors = _check(breach)
    if errors:
        raise RecordInvalid(errors)
    breach.updated_at = clock.now()
    breach.save()
    audit_append(action="breach.change", actor=actor, obj_type="breach", obj_id=str(breach.pk),
                 changes=audit_diff(before, _answers(breach)))
    return breach


def ico_clock(breach: Breach, now: datetime | None = None) -> tuple[str, bool]:
    """What the ICO deadline says now, and whether it is overdue.

    "Report to the ICO by 27 November 2026 at 9:40pm — 5 hours left", "… — overdue", or when reported,
    "Reported to the ICO on …".
    """
    if breach.ico_reported_at:
        return f"Reported to the ICO on {when(breach.ico_reported_at)}", False
    now = now or clock.now()
    deadline = breach.ico_deadline
    left = deadline - now
    if left.total_seconds() <= 0:
        return f"Report to the ICO by {when(deadline)} — overdue", True
    hours = int(left.total_seconds() // 3600)
    remaining = "less than an hour left" if hours < 1 else f"{hours} hour{'' if hours == 1 else 's'} left"
    return f"Report to the ICO by {when(deadline)} — {remaining}", False
