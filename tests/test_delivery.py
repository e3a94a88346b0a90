"""Email delivery: one claim per message, back-off for a failing address, stale claims, a stable Message-ID."""

from __future__ import annotations

import importlib
import os
import re
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.db import OperationalError, close_old_connections, connection

from searchlog import delivery
from searchlog.models import EmailStatus, Notification, NotificationKind
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parent.parent
T0 = datetime(2026, 11, 2, 9, 0, tzinfo=ZoneInfo("Europe/London"))


def _notices(n: int, *, user=None, email: str | None = None) -> list[Notification]:
    """n privacy prompts due at T0 (one user each, unless one is given)."""
    with time_machine.travel(T0, tick=False):
        return [
            Notification.objects.create(
                recipient=user or UserFactory(**({"email": email} if email is not None else {})),
                kind=NotificationKind.PRIVACY_CHECK, due_at=T0 - timedelta(days=i), created_at=T0,
            )
            for i in range(n)
        ]


def _deliver_at(moment: datetime) -> int:
    with time_machine.travel(moment, tick=False):
        return delivery.deliver_pending()


def _state(notice: Notification) -> tuple[str, int]:
    notice.refresh_from_db()
    return notice.email_status, notice.email_attempts


@pytest.fixture
def bouncing(monkeypatch):
    """Mail to bounce@example.org fails; every other message goes to the outbox. Yields the tries."""
    tried: list[str] = []
    send = EmailBackend.send_messages

    def send_or_bounce(self, messages):
        tried.extend(m.extra_headers["Message-ID"] for m in messages)
        if any("bounce@example.org" in m.to for m in messages):
            raise OSError("550 no such mailbox")
        return send(self, messages)

    monkeypatch.setattr(EmailBackend, "send_messages", send_or_bounce)
    mail.outbox.clear()
    return tried


def test_each_notice_is_sent_once_and_marked_sent():
    notices = _notices(3)
    mail.outbox.clear()
    assert _deliver_at(T0) == 3
    assert sorted(int(m.extra_headers["X-Searchlog-Notification"]) for m in mail.outbox) == [n.pk for n in notices]
    for notice in notices:
        notice.refresh_from_db()
        assert (notice.email_status, notice.email_attempts, notice.emailed_at) == ("sent", 1, T0)
    assert _deliver_at(T0 + timedelta(days=1)) == 0


def test_of_two_senders_that_read_the_same_notice_only_one_claims_it():
    _notices(1)
    with time_machine.travel(T0, tick=False):
        (mine,), (theirs,) = delivery._due(1), delivery._due(1)
        assert delivery._claim(mine) is True
        assert delivery._claim(theirs) is False
    assert _state(mine) == ("sending", 1)


@pytest.mark.django_db(transaction=True)
def test_senders_running_at_once_send_each_message_exactly_once(needs_postgres):
    notices = _notices(60)
    mail.outbox.clear()
    senders = 3
    barrier = threading.Barrier(senders)
    counts: list[int] = []

    def sender() -> None:
        try:
            barrier.wait()
            counts.append(delivery.deliver_pending())
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=sender) for _ in range(senders)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(counts) == senders and sum(counts) == 60
    sent = Counter(m.extra_headers["X-Searchlog-Notification"] for m in mail.outbox)
    assert set(sent) == {str(n.pk) for n in notices} and set(sent.values()) == {1}
    assert set(Notification.objects.values_list("email_status", "email_attempts")) == {("sent", 1)}


def test_a_failing_address_is_retried_with_back_off_then_failed_without_blocking_others(bouncing, settings):
    settings.SEARCHLOG_DELIVERY_BACKOFF_SECONDS = 60
    settings.SEARCHLOG_DELIVERY_MAX_ATTEMPTS = 3
    bad, good = _notices(1, email="bounce@example.org")[0], _notices(2)
    assert _deliver_at(T0) == 2
    assert {m.to[0] for m in mail.outbox} == {n.recipient.email for n in good}
    bad.refresh_from_db()
    assert (bad.email_status, bad.email_attempts) == ("pending", 1)
    assert bad.email_next_attempt_at == T0 + timedelta(seconds=60)
    assert bad.email_error == "OSError: 550 no such mailbox"

    with time_machine.travel(T0 + timedelta(seconds=30), tick=False):  # written while the bad one backs off
        Notification.objects.create(recipient=good[0].recipient, kind=NotificationKind.REVIEW_DIGEST,
                                    due_at=T0, created_at=T0)
    assert _deliver_at(T0 + timedelta(seconds=59)) == 1  # the newer notice, not the one backing off
    assert _state(bad) == ("pending", 1)

    assert _deliver_at(T0 + timedelta(seconds=60)) == 0
    bad.refresh_from_db()
    assert (bad.email_status, bad.email_attempts) == ("pending", 2)
    assert bad.email_next_attempt_at == T0 + timedelta(seconds=60 + 120)  # doubled
    assert _deliver_at(T0 + timedelta(seconds=179)) == 0 and _state(bad) == ("pending", 2)
    _deliver_at(T0 + timedelta(seconds=180))
    assert _state(bad) == ("failed", 3)
    assert _deliver_at(T0 + timedelta(days=1)) == 0 and _state(bad) == ("failed", 3)
    assert len(bouncing) == 3 + 3  # three good messages (two, then the newer one) and three tries of the bad one


def test_a_claim_left_by_a_dead_sender_is_taken_over_after_the_stale_timeout(settings):
    settings.SEARCHLOG_DELIVERY_STALE_SECONDS = 600
    (notice,) = _notices(1)
    with time_machine.travel(T0, tick=False):
        assert delivery._claim(delivery._due(1)[0])  # the sender dies here, before sending or marking
    mail.outbox.clear()
    assert _deliver_at(T0 + timedelta(seconds=599)) == 0 and _state(notice) == ("sending", 1)
    assert _deliver_at(T0 + timedelta(seconds=601)) == 1 and _state(notice) == ("sent", 2)
    assert len(mail.outbox) == 1


def test_a_notice_that_kills_its_sender_every_time_ends_failed(settings):
    settings.SEARCHLOG_DELIVERY_MAX_ATTEMPTS = 2
    (notice,) = _notices(1)
    for minutes in (0, 11):
        with time_machine.travel(T0 + timedelta(minutes=minutes), tick=False):
            assert delivery._claim(delivery._due(1)[0])
    mail.outbox.clear()
    assert _deliver_at(T0 + timedelta(minutes=22)) == 0
    notice.refresh_from_db()
    assert (notice.email_status, notice.email_attempts) == ("failed", 2)
    assert "stopped while sending" in notice.email_error
    assert mail.outbox == []


def test_a_mark_lost_to_a_takeover_does_not_overwrite_the_new_claim(settings):
    (notice,) = _notices(1)
    with time_machine.travel(T0, tick=False):
        (slow,) = delivery._due(1)
        delivery._claim(slow)
    with time_machine.travel(T0 + timedelta(minutes=11), tick=False):
        (fast,) = delivery._due(1)
        assert delivery._claim(fast)
        delivery._mark(slow, email_status=EmailStatus.SENT)  # the slow sender finally marks: no effect
    assert _state(notice) == ("sending", 2)


def test_the_message_id_is_the_same_on_every_try(bouncing, settings):
    settings.SEARCHLOG_SITE_URL = "https://searchlog.example.org/"
    (notice,) = _notices(1, email="bounce@example.org")
    other = _notices(1)[0]
    _deliver_at(T0)
    notice.recipient.email = "fixed@example.org"
    notice.recipient.save()
    _deliver_at(T0 + timedelta(minutes=10))  # past the back-off
    (resent,) = [m for m in mail.outbox if m.to == ["fixed@example.org"]]
    assert resent.message()["Message-ID"] == bouncing[0] == delivery.message_id(notice)
    assert re.fullmatch(rf"<notification-{notice.pk}\.[0-9a-f]{{16}}@searchlog\.example\.org>", bouncing[0])
    assert resent.extra_headers["X-Searchlog-Notification"] == str(notice.pk)
    assert delivery.message_id(other) != delivery.message_id(notice)
    settings.SECRET_KEY = "rotated"
    assert delivery.message_id(notice) == bouncing[0]


def test_a_recipient_without_email_is_skipped_not_sent():
    (notice,) = _notices(1, email="")
    mail.outbox.clear()
    assert _deliver_at(T0) == 0
    assert _state(notice) == ("skipped", 1)
    assert mail.outbox == []


def test_a_delivery_out_of_time_claims_no_more_and_its_task_hands_the_rest_on(monkeypatch):
    from searchlog import reminders, tasks

    _notices(2)
    mail.outbox.clear()
    dispatched: list[int] = []
    monkeypatch.setattr(reminders, "dispatch_delivery", lambda: dispatched.append(1))
    monkeypatch.setattr(tasks, "DELIVERY_SECONDS", 0)
    with time_machine.travel(T0, tick=False):
        assert tasks.deliver_notifications() == 0
        assert dispatched == [1] and delivery.has_due()
        monkeypatch.setattr(tasks, "DELIVERY_SECONDS", 60)
        assert tasks.deliver_notifications() == 2
        assert dispatched == [1] and not delivery.has_due()
    assert len(mail.outbox) == 2


def test_a_locked_sqlite_database_is_written_again_never_sent_again(monkeypatch):
    monkeypatch.setattr(delivery, "_LOCKED_RETRY_SECONDS", (0, 0, 0))
    monkeypatch.setattr(delivery, "connection", type("Sqlite", (), {"vendor": "sqlite"})())
    calls: list[int] = []

    def locked_twice() -> int:
        calls.append(1)
        if len(calls) <= 2:
            raise OperationalError("database is locked")
        return 1

    assert delivery._while_locked(locked_twice) == 1 and len(calls) == 3

    def broken() -> int:
        raise OperationalError("no such table: searchlog_notification")

    with pytest.raises(OperationalError):
        delivery._while_locked(broken)


def test_existing_notices_migrate_to_sent_or_pending():
    from django.apps import apps

    emailed, waiting = _notices(2)
    Notification.objects.filter(pk=emailed.pk).update(emailed_at=T0, email_status="pending")
    Notification.objects.filter(pk=waiting.pk).update(email_status="sent", email_next_attempt_at=T0 + timedelta(days=9))
    migration = importlib.import_module("searchlog.migrations.0005_notification_delivery")
    migration.delivery_state_from_emailed_at(apps, None)
    assert _state(emailed) == ("sent", 0)
    waiting.refresh_from_db()
    assert (waiting.email_status, waiting.email_next_attempt_at) == ("pending", T0)


_DELIVER = """
import sys, time, django
django.setup()
from searchlog import delivery
start = float(sys.argv[1])
time.sleep(max(0, start - time.time()))  # both senders start together
print(delivery.deliver_pending())
"""


def test_on_sqlite_two_senders_at_once_email_each_seed_notice_once(tmp_path):
    """The `make run` case: seed_demo on a fresh SQLite file, then two deliveries in two processes at once."""
    env = {
        **os.environ, "DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3", "SEARCHLOG_VAR_DIR": str(tmp_path / "var"),
        "CELERY_BROKER_URL": "filesystem://", "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(tmp_path / "mail"), "DJANGO_SETTINGS_MODULE": "config.settings",
        "SEARCHLOG_TEST_PAUSE_AFTER_SEND": "0.05",  # so the two senders' claims interleave
    }
    for command in (["migrate", "-v0"], ["seed_demo"]):
        done = subprocess.run([sys.executable, "manage.py", *command], cwd=ROOT, env=env, capture_output=True,
                              text=True, timeout=120)
        assert done.returncode == 0, done.stderr
    start = f"{time.time() + 3:.3f}"
    senders = [
        subprocess.Popen([sys.executable, "-c", _DELIVER, start], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    outputs = [sender.communicate(timeout=120) for sender in senders]
    assert all(sender.returncode == 0 for sender in senders), outputs
    counts = [int(out.split()[-1]) for out, _err in outputs]
    emailed: Counter = Counter()
    for path in (tmp_path / "mail").glob("*.log"):
        emailed.update(re.findall(r"^X-Searchlog-Notification: (\d+)$", path.read_text(), re.M))
    seeded = subprocess.run(
        [sys.executable, "manage.py", "shell", "-v0", "-c",
         "from searchlog.models import Notification as N; print(N.objects.count(), "
         "N.objects.filter(email_status='sent').count())"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60,
    ).stdout.split()
    assert int(seeded[0]) >= 10 and seeded[0] == seeded[1]  # every seed notice is sent
    assert sum(counts) == int(seeded[0]) == len(emailed)
    assert set(emailed.values()) == {1}, f"emailed more than once: {emailed}"
