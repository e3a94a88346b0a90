"""Email delivery of notices: claim one, send it, mark it, so a crash repeats at most the one in flight.

healthchecks' `sendalerts` is the model. A sender reads one candidate, claims it with an UPDATE that
checks the state it read (of several senders that read the same row, exactly one UPDATE matches),
sends that one message, then marks it sent. No transaction is held open while sending, so this works
alike on PostgreSQL and SQLite. A sender that dies between sending and marking leaves its claim behind;
once that claim is older than the stale timeout another sender takes it over and sends it again, with
the same Message-ID, so the one repeated message is recognisably the same message.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from hashlib import sha256
from time import monotonic, sleep
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.db import OperationalError, connection
from django.db.models import F
from django.template.loader import render_to_string

from searchlog import clock
from searchlog.models import EmailStatus, Notification
from searchlog.reminders import notice_link, notice_title

logger = logging.getLogger(__name__)

# Waits between tries of one claim or mark while SQLite reports "database is locked" (each try also
# waits SQLite's own busy timeout). Retrying the write is safe; sending again would not be.
_LOCKED_RETRY_SECONDS = (0.05, 0.1, 0.2, 0.5, 1, 2, 4)
# How many candidates one read returns (each is still claimed on its own).
_CANDIDATES = 20


def deliver_pending(*, seconds: float | None = None) -> int:
    """Email every notice due now, one claim at a time; return how many were sent.

    Candidates are read a few at a time to save queries, but each is claimed, sent and marked on its
    own; a candidate that another sender claimed meanwhile fails its claim and is passed over. Each notice can be
    claimed at most SEARCHLOG_DELIVERY_MAX_ATTEMPTS times, so the loop ends even when every address
    fails. With `seconds`, no new claim is made once that time is spent (a task stops itself well
    before its time limit could stop it between sending and marking).
    """
    deadline = None if seconds is None else monotonic() + seconds

    def in_time() -> bool:
        return deadline is None or monotonic() < deadline

    sent = 0
    backend = get_connection()
    try:
        while in_time() and (candidates := _due(_CANDIDATES)):
            for notice in candidates:
                if not in_time():
                    break
                if _claim(notice) and _send(notice, backend) == EmailStatus.SENT:
                    sent += 1
    finally:
        _close_quietly(backend)
    return sent


def has_due() -> bool:
    """Whether any email is waiting to be sent now."""
    return bool(_due(1))


def retry_failed(ids: Iterable[int]) -> list[Notification]:
    """Make failed notices pending again with a fresh count of attempts; return the ones reset."""
    failed = Notification.objects.filter(pk__in=list(ids), email_status=EmailStatus.FAILED)
    reset = list(failed.select_related("recipient"))
    Notification.objects.filter(pk__in=[n.pk for n in reset], email_status=EmailStatus.FAILED).update(
        email_status=EmailStatus.PENDING, email_attempts=0, email_next_attempt_at=clock.now(),
    )
    return reset


def _due(limit: int) -> list[Notification]:
    """The pending notices due first, else claims old enough that their sender must have died."""
    now = clock.now()
    stale_before = now - timedelta(seconds=settings.SEARCHLOG_DELIVERY_STALE_SECONDS)
    candidates = Notification.objects.select_related("recipient", "record", "approval")
    pending = candidates.filter(email_status=EmailStatus.PENDING, email_next_attempt_at__lte=now)
    stale = candidates.filter(email_status=EmailStatus.SENDING, email_claimed_at__lt=stale_before)
    return _while_locked(
        lambda: list(pending.order_by("email_next_attempt_at", "id")[:limit])
        or list(stale.order_by("email_claimed_at")[:limit])
    )


def _as_read(notice: Notification) -> dict[str, Any]:
    """The state a sender read: attempts only ever grow on a claim, so they version the row."""
    return {"pk": notice.pk, "email_status": notice.email_status, "email_attempts": notice.email_attempts}


def _claim(notice: Notification) -> bool:
    """Take the notice for this sender if it is still as read; False if another sender took it first."""
    if notice.email_attempts >= settings.SEARCHLOG_DELIVERY_MAX_ATTEMPTS:
        # Only a claim left behind again and again (a message that kills its sender) gets here.
        _while_locked(lambda: Notification.objects.filter(**_as_read(notice)).update(
            email_status=EmailStatus.FAILED, email_error="The sender stopped while sending, every attempt."
        ))
        return False
    now = clock.now()
    claimed = _while_locked(lambda: Notification.objects.filter(**_as_read(notice)).update(
        email_status=EmailStatus.SENDING, email_claimed_at=now, email_attempts=F("email_attempts") + 1
    ))
    if claimed != 1:
        return False
    notice.email_status, notice.email_claimed_at = EmailStatus.SENDING, now
    notice.email_attempts += 1
    return True


def _send(notice: Notification, backend: BaseEmailBackend) -> str:
    """Send one claimed notice and mark the outcome; return the status it was marked with."""
    if not notice.recipient.email:
        return _mark(notice, email_status=EmailStatus.SKIPPED)
    try:
        message = notice_message(notice, backend)
        backend.open()  # opens once and is reused; a no-op while open
        backend.send_messages([message])
    except Exception as error:  # noqa: BLE001 - whatever the mail system says, this one notice failed.
        _close_quietly(backend)  # the next message starts from a fresh connection
        return _mark_failed(notice, error)
    _after_send()
    return _mark(notice, email_status=EmailStatus.SENT, emailed_at=clock.now(), email_error="")


def _mark_failed(notice: Notification, error: Exception) -> str:
    text = f"{type(error).__name__}: {error}"[:500]
    attempts = notice.email_attempts
    logger.warning("Could not email notice %s (attempt %s): %s", notice.pk, attempts, text)
    if attempts >= settings.SEARCHLOG_DELIVERY_MAX_ATTEMPTS:
        return _mark(notice, email_status=EmailStatus.FAILED, email_error=text)
    return _mark(notice, email_status=EmailStatus.PENDING, email_error=text, email_next_attempt_at=retry_at(attempts))


def retry_at(attempts: int) -> datetime:
    """When a notice that failed `attempts` times is tried again: the back-off doubles each time."""
    return clock.now() + timedelta(seconds=settings.SEARCHLOG_DELIVERY_BACKOFF_SECONDS * 2 ** (attempts - 1))


def _mark(notice: Notification, **fields: Any) -> str:
    """Record the outcome of this sender's claim, unless the claim was taken over meanwhile."""
    marked = _while_locked(lambda: Notification.objects.filter(**_as_read(notice)).update(**fields))
    if marked != 1:
        logger.warning("Notice %s was taken over by another sender before it could be marked %s.",
                       notice.pk, fields["email_status"])
    return str(fields["email_status"])


def _while_locked(write: Callable[[], Any]) -> Any:
    """Run one statement, trying again briefly while SQLite says the database is locked."""
    for wait in _LOCKED_RETRY_SECONDS:
        try:
            return write()
        except OperationalError as error:
            if connection.vendor != "sqlite" or "locked" not in str(error):
                raise
            sleep(wait)
    return write()


def _close_quietly(backend: BaseEmailBackend) -> None:
    try:
        backend.close()
    except Exception:  # noqa: BLE001 - a connection that cannot even close is simply dropped.
        logger.debug("Could not close the email connection.", exc_info=True)


def _after_send() -> None:
    """A seam for the crash test: pause between sending a message and marking it sent, when asked to."""
    if settings.SEARCHLOG_TEST_PAUSE_AFTER_SEND:
        sleep(settings.SEARCHLOG_TEST_PAUSE_AFTER_SEND)


def message_id(notice: Notification) -> str:
    """The notice's Message-ID, the same on every try: a repeated send is recognisably the same message.

    The notice's number and creation time, hashed with the site address, keep it unique between sites
    and databases without depending on SECRET_KEY (rotating the key must not change it).
    """
    site = settings.SEARCHLOG_SITE_URL.rstrip("/")
    host = urlsplit(site).hostname or ""
    domain = host if host and ":" not in host else "localhost"
    created = notice.created_at.astimezone(UTC).isoformat()
    digest = sha256(f"{site}|{notice.pk}|{created}".encode()).hexdigest()[:16]
    return f"<notification-{notice.pk}.{digest}@{domain}>"


def notice_message(notice: Notification, backend: BaseEmailBackend | None = None) -> EmailMultiAlternatives:
    """The email for one notice: its title, a link, nothing about the person supported."""
    site_url = settings.SEARCHLOG_SITE_URL.rstrip("/")
    context = {
        "notice": notice,
        "recipient": notice.recipient,
        "record": notice.record,
        "site_url": site_url,
        "link": site_url + notice_link(notice),
        "title": notice_title(notice),
        "organisation_name": settings.SEARCHLOG_ORGANISATION_NAME,
    }
    message = EmailMultiAlternatives(
        subject=f"Online search log: {notice_title(notice)}",
        body=render_to_string("searchlog/email/notice.txt", context),
        to=[notice.recipient.email],
        headers={"Message-ID": message_id(notice), "X-Searchlog-Notification": str(notice.pk)},
        connection=backend,
    )
    message.attach_alternative(render_to_string("searchlog/email/notice.html", context), "text/html")
    return message
