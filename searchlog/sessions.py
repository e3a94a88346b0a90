"""Session lifetime: signed out after SEARCHLOG_SESSION_IDLE_MINUTES without a request, and after
SEARCHLOG_SESSION_MAX_HOURS whatever happens (the session key is already rotated at every sign-in by Django)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase

from searchlog import clock
from searchlog.audit import ACTIONS

ACTIONS.update({"auth.session_expired": "Signed out: session expired"})

SIGNED_IN_AT = "searchlog_signed_in_at"
LAST_SEEN = "searchlog_last_seen"
# Saving the session on every request costs a write each time: a minute's precision is enough for a 30-minute rule.
_LAST_SEEN_RESOLUTION_SECONDS = 30
WARNING_SECONDS = 120


def idle_seconds() -> float:
    return float(settings.SEARCHLOG_SESSION_IDLE_MINUTES) * 60


def max_seconds() -> float:
    return float(settings.SEARCHLOG_SESSION_MAX_HOURS) * 3600


def session_start(session: SessionBase) -> None:
    """Note when the user signed in (called at every sign-in)."""
    now = clock.now().timestamp()
    session[SIGNED_IN_AT] = now
    session[LAST_SEEN] = now


def session_expiry_reason(session: SessionBase) -> str | None:
    """'idle' or 'absolute' when this signed-in session has run out, else None (and note that it was used)."""
    now = clock.now().timestamp()
    signed_in_at = session.setdefault(SIGNED_IN_AT, now)
    last_seen = session.get(LAST_SEEN, now)
    if now - float(signed_in_at) >= max_seconds():
        return "absolute"
    if now - float(last_seen) >= idle_seconds():
        return "idle"
    if now - float(last_seen) >= _LAST_SEEN_RESOLUTION_SECONDS or LAST_SEEN not in session:
        session[LAST_SEEN] = now
    return None


def seconds_until_warning(session: SessionBase) -> int:
    """Seconds from now until the page should warn that the session ends in 2 minutes (idle or absolute)."""
    now = clock.now().timestamp()
    signed_in_at = float(session.get(SIGNED_IN_AT, now))
    remaining = min(idle_seconds(), max_seconds() - (now - signed_in_at))
    return max(0, int(remaining - WARNING_SECONDS))
