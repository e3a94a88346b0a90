"""Reminders through real Celery workers on Redis, and saving while the broker is down.

A worker started here is killed with SIGKILL half-way through a sweep, between sending one message
and marking it sent; the next sweep finishes the work, and only that one message is emailed twice
(with the same Message-ID). Only processes these tests start are killed.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from django.db import close_old_connections, connection
from django.utils import timezone

from searchlog import reminders
from searchlog.models import Notification, User
from tests import database
from tests.factories import RecordFactory

ROOT = Path(__file__).resolve().parent.parent
DUE = 7


def _redis_url() -> str:
    url = settings.CELERY_BROKER_URL
    return url if url.startswith("redis://") else "redis://127.0.0.1:6379/0"


@pytest.fixture
def needs_redis() -> str:
    import redis

    url = _redis_url()
    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.exceptions.ConnectionError:
        pytest.skip(f"needs Redis at {url}: set CELERY_BROKER_URL=redis://…")
    return url


def _due_records(practitioner, n: int) -> None:
    long_ago = timezone.now() - timedelta(hours=30)
    RecordFactory.create_batch(n, practitioner=practitioner, created_at=long_ago, updated_at=long_ago,
                               searched_at=long_ago - timedelta(hours=1))
    User.objects.update(privacy_checked_at=timezone.now())  # only the unjustified reminders are due


def _start_worker(broker: str, queue: str, mail_dir: Path, pause: float, stale: float = 600) -> subprocess.Popen:
    env = {
        **os.environ, "DATABASE_URL": database.database_url(), "CELERY_BROKER_URL": broker,
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend", "EMAIL_FILE_PATH": str(mail_dir),
        "SEARCHLOG_TEST_PAUSE_AFTER_SEND": str(pause), "SEARCHLOG_DELIVERY_STALE_SECONDS": str(stale),
    }
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool", "solo", "--queues", queue,
         "--without-gossip", "--without-mingle", "--without-heartbeat", "--loglevel", "INFO"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )


def _wait_for(condition, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError("timed out waiting")


def _emailed(mail_dir: Path) -> list[tuple[int, str]]:
    """(notice id, Message-ID) of every message the file backend wrote."""
    messages = []
    for path in mail_dir.glob("*.log"):
        for text in path.read_text().split("-" * 79):
            notice = re.search(r"^X-Searchlog-Notification: (\d+)$", text, re.M)
            if notice:
                messages.append((int(notice[1]), re.search(r"^Message-ID: (\S+)$", text, re.M)[1]))
    return messages


def _emailed_ids(mail_dir: Path) -> Counter:
    return Counter(notice for notice, _message_id in _emailed(mail_dir))


def _in_flight(mail_dir: Path) -> list[int]:
    """Notices claimed and already written to the mail folder, but not yet marked sent."""
    sending = Notification.objects.filter(email_status="sending").values_list("id", flat=True)
    return [notice for notice in sending if notice in _emailed_ids(mail_dir)]


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_between_sending_and_marking_repeats_only_the_message_in_flight(
    needs_postgres, needs_redis, practitioner, tmp_path
):
    from celery import Celery

    app = Celery("searchlog-test", broker=needs_redis)
    _due_records(practitioner, DUE)
    queue = f"searchlog-test-{uuid.uuid4().hex[:8]}"
    first = _start_worker(needs_redis, queue, tmp_path, pause=3)
    try:
        app.send_task("searchlog.tasks.reminder_sweep", queue=queue)
        # Two messages are sent and marked; the worker then pauses after sending a third: kill it there.
        _wait_for(lambda: Notification.objects.filter(email_status="sent").count() >= 2 and _in_flight(tmp_path))
        os.killpg(first.pid, signal.SIGKILL)
        first.wait(timeout=10)
    finally:
        if first.poll() is None:
            os.killpg(first.pid, signal.SIGKILL)
    assert Notification.objects.filter(kind="unjustified").count() == DUE
    (in_flight,) = _in_flight(tmp_path)
    half_done = Notification.objects.filter(email_status="sent").count()
    assert 2 <= half_done < DUE - 1

    time.sleep(1.5)  # the dead worker's claim is now older than the next worker's stale timeout
    second = _start_worker(needs_redis, queue, tmp_path, pause=0, stale=1)
    try:
        app.send_task("searchlog.tasks.reminder_sweep", queue=queue)
        _wait_for(lambda: not Notification.objects.exclude(email_status="sent").exists())
    finally:
        os.killpg(second.pid, signal.SIGTERM)
        second.wait(timeout=20)
    emailed = _emailed_ids(tmp_path)
    assert set(emailed) == set(Notification.objects.values_list("id", flat=True))
    assert {notice for notice, n in emailed.items() if n > 1} == {in_flight}, "more than the one in flight repeated"
    assert emailed[in_flight] == 2
    repeated = {message_id for notice, message_id in _emailed(tmp_path) if notice == in_flight}
    assert len(repeated) == 1, "the repeated message must carry the same Message-ID"
    assert Notification.objects.get(pk=in_flight).email_attempts == 2
    assert Notification.objects.count() == DUE


@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_once_send_each_reminder_once(needs_postgres, practitioner):
    _due_records(practitioner, 40)
    mail.outbox.clear()
    barrier = threading.Barrier(2)
    results: list[reminders.SweepResult] = []

    def sweep() -> None:
        try:
            barrier.wait()
            results.append(reminders.send_reminders())
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(results) == 2
    assert Notification.objects.filter(kind="unjustified").count() == 40
    assert sum(r.decided.get("unjustified", 0) for r in results) == 40
    assert sum(r.emailed for r in results) == 40
    sent = Counter(m.extra_headers["X-Searchlog-Notification"] for m in mail.outbox)
    assert len(sent) == 40 and set(sent.values()) == {1}


@pytest.mark.django_db
def test_saving_and_submitting_work_while_the_broker_is_down(tmp_path):
    """A separate process with the broker pointed at a closed port: pages still save and submit."""
    script = r'''
import time, django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from django.test import Client
from django.utils import timezone
from searchlog.models import Notification, Role, SearchRecord, Team, User
from tests.factories import JUSTIFIED_ANSWERS
team = Team.objects.create(name="T")
manager = User.objects.create_user("m", role=Role.MANAGER, team=team, email="m@example.org")
team.managers.add(manager)
user = User.objects.create_user("p", team=team, email="p@example.org")
client = Client()
client.force_login(user)
data = {"subject_reference": "LAS-1", "searched_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "continue": "", **JUSTIFIED_ANSWERS, "confidential_information": "no"}
client.get("/records/")  # warm up: imports and templates load on the first request
started = time.monotonic()
saved = client.post("/records/new/", data)
record = SearchRecord.objects.get()
submitted = client.post(f"/records/{record.reference}/submit/")
page = client.get(f"/records/{record.reference}/")
record.refresh_from_db()
notice = Notification.objects.get(kind="record_submitted")
print(saved.status_code, submitted.status_code, page.status_code, record.status, notice.emailed_at,
      round(time.monotonic() - started, 1))
'''
    env = {
        **os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3",
        "CELERY_BROKER_URL": "redis://127.0.0.1:1/0", "PYTHONPATH": str(ROOT), "ALLOWED_HOSTS": "testserver",
    }
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    saved, submitted, page, status, emailed_at, seconds = done.stdout.split()[-6:]
    assert (saved, submitted, page, status) == ("302", "302", "200", "submitted")
    assert emailed_at == "None"  # left for the next sweep
    assert float(seconds) < 10, done.stdout  # no hang waiting for the broker
    assert "Could not reach the task broker" in done.stderr
