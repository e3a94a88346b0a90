"""Lockout and throttling of password sign-in: pages, the API token endpoint and the admin alike.

Every failed password sign-in is kept (SignInFailure). SEARCHLOG_LOCKOUT_FAILURES failures for one username within
SEARCHLOG_LOCKOUT_WINDOW_MINUTES lock that username for SEARCHLOG_LOCKOUT_MINUTES, even with the right password;
SEARCHLOG_ADDRESS_FAILURES failures from one address within the same window lock that address the same way (higher,
because a council's staff often share one outgoing address). Failures before a lockout's end never count again.
The lockout, its end (at `until`, or early by an administrator) are audited. The check happens inside the
authentication backend (searchlog.auth_backends), so every door that signs in with a password goes through it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.http import HttpRequest
from django.utils import timezone

from searchlog import clock
from searchlog.audit import ACTIONS, audit_append, client_ip, ip_text
from searchlog.models import LockoutKind, SignInFailure, SignInLockout, User

ACTIONS.update({
    "auth.locked_out": "Sign-in locked out",
    "auth.lockout_ended": "Sign-in lockout ended",
    "auth.unlocked": "Sign-in unlocked by an administrator",
    "auth.sign_in_refused": "Sign-in refused while locked out",
})
# Where the backend leaves the lockout it found, for the form or the API to say when to try again.
REQUEST_ATTRIBUTE = "searchlog_lockout"


@dataclass(frozen=True)
class Locked:
    """Sign-in is refused until `until` (for this username, or from this address)."""

    kind: str
    until: datetime

    def retry_after_seconds(self) -> int:
        return max(1, math.ceil((self.until - clock.now()).total_seconds()))

    def message(self) -> str:
        local = timezone.localtime(self.until)
        return (f"You have tried to sign in too many times. Try again after {local:%H:%M} "
                f"({math.ceil(self.retry_after_seconds() / 60)} minutes from now), or ask an administrator to "
                "unlock your account.")


def _window() -> timedelta:
    return timedelta(minutes=settings.SEARCHLOG_LOCKOUT_WINDOW_MINUTES)


def _keys(username: str, ip_address: str | None) -> list[tuple[str, str]]:
    keys = [(LockoutKind.USERNAME.value, username[:150])] if username else []
    return keys + ([(LockoutKind.ADDRESS.value, ip_address)] if ip_address else [])


def lockout_end(lockout: SignInLockout, *, by: User | None = None) -> bool:
    """End a lockout (at its time, or now by an administrator) and audit it; False if it had already ended."""
    now = clock.now()
    ended_at = now if by is not None else min(now, lockout.until)
    if not SignInLockout.objects.filter(pk=lockout.pk, ended_at__isnull=True).update(ended_at=ended_at, ended_by=by):
        return False  # claimed by another request
    lockout.ended_at, lockout.ended_by = ended_at, by
    audit_append(action="auth.unlocked" if by is not None else "auth.lockout_ended", actor=by,
                 obj_type="user" if lockout.kind == LockoutKind.USERNAME else "address", obj_id=lockout.key,
                 changes={"kind": lockout.kind, "started_at": lockout.started_at, "until": lockout.until})
    return True


def lockouts_end_expired() -> int:
    """End (and audit) every lockout whose time is up: the sweep's part, so each end is audited near its time."""
    return sum(lockout_end(lockout) for lockout in
               SignInLockout.objects.filter(ended_at__isnull=True, until__lte=clock.now()))


def lockout_current(*, username: str, ip_address: str | None) -> Locked | None:
    """The lockout refusing this sign-in now, if any (ending those whose time is up on the way)."""
    found: Locked | None = None
    for kind, key in _keys(username, ip_address):
        lockout = SignInLockout.objects.filter(kind=kind, key=key, ended_at__isnull=True).first()
        if lockout is None:
            continue
        if lockout.until <= clock.now():
            lockout_end(lockout)
        elif found is None or lockout.until > found.until:
            found = Locked(kind=kind, until=lockout.until)
    return found


def _count_since(kind: str, key: str, since: datetime) -> int:
    ended = SignInLockout.objects.filter(kind=kind, key=key).aggregate(last=Max("ended_at"))["last"]
    field = "username" if kind == LockoutKind.USERNAME else "ip_address"
    return SignInFailure.objects.filter(**{field: key, "at__gt": max(since, ended) if ended else since}).count()


def _limit(kind: str) -> int:
    if kind == LockoutKind.USERNAME:
        return int(settings.SEARCHLOG_LOCKOUT_FAILURES)
    return int(settings.SEARCHLOG_ADDRESS_FAILURES)


def sign_in_failure_record(*, username: str, request: HttpRequest | None) -> Locked | None:
    """Keep a failed sign-in; lock the username (or the address) when it reaches its limit, and say until when."""
    now = clock.now()
    ip_address = ip_text(client_ip(request)) if request is not None else None
    SignInFailure.objects.create(at=now, username=username[:150], ip_address=ip_address)
    locked: Locked | None = None
    for kind, key in _keys(username, ip_address):
        failures = _count_since(kind, key, now - _window())
        if failures < _limit(kind):
            continue
        until = now + timedelta(minutes=settings.SEARCHLOG_LOCKOUT_MINUTES)
        try:
            with transaction.atomic():
                SignInLockout.objects.create(kind=kind, key=key, started_at=now, until=until, failures=failures)
        except IntegrityError:
            continue  # another request locked it a moment ago
        audit_append(action="auth.locked_out", actor=None,
                     obj_type="user" if kind == LockoutKind.USERNAME else "address", obj_id=key,
                     changes={"kind": kind, "failures": failures, "until": until}, request=request)
        locked = Locked(kind=kind, until=until)
    return locked


def lockouts_for_username_end(username: str, *, by: User) -> int:
    """An administrator unlocks a username now (audited)."""
    return sum(lockout_end(lockout, by=by) for lockout in
               SignInLockout.objects.filter(kind=LockoutKind.USERNAME, key=username, ended_at__isnull=True))


def request_lockout(request: object) -> Locked | None:
    """The lockout the backend found for this request (a Django or a DRF request), if any."""
    inner = getattr(request, "_request", request)
    return getattr(inner, REQUEST_ATTRIBUTE, None)
