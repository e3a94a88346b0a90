"""The demo's one-line email console, the default backend with DEBUG and no mail server, and no kombu warning."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

from django.core.mail import EmailMultiAlternatives, get_connection

from searchlog import delivery
from searchlog.email_backends import OneLineConsoleBackend, one_line
from searchlog.models import Notification, NotificationKind

ROOT = Path(__file__).resolve().parent.parent
BACKEND = "searchlog.email_backends.OneLineConsoleBackend"


def _message() -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        subject="Online search log: A record is waiting for your review",
        body="Hello Maria,\n\nOpen it: http://127.0.0.1:8000/review/SL-000123/\n\nThanks",
        to=["maria@example.org"], cc=["lead@example.org"],
    )
    message.attach_alternative("<p>Long <b>HTML</b> that must not be printed</p>", "text/html")
    return message


def test_one_line_names_the_recipients_subject_and_link():
    assert one_line(_message()) == (
        "Email to maria@example.org, lead@example.org: Online search log: A record is waiting for your review "
        "<http://127.0.0.1:8000/review/SL-000123/>"
    )


def test_the_backend_prints_one_line_per_email_and_no_mime():
    stream = io.StringIO()
    connection = get_connection(BACKEND, stream=stream)
    second = EmailMultiAlternatives(subject="No link\nhere", body="Plain", to=["bob@example.org"])
    assert connection.send_messages([_message(), second]) == 2
    lines = stream.getvalue().splitlines()
    assert lines == [one_line(_message()), "Email to bob@example.org: No link here"]
    assert "Content-Type" not in stream.getvalue() and "<b>HTML</b>" not in stream.getvalue()


def test_a_real_notice_prints_its_link(make_record, manager, settings):
    settings.SEARCHLOG_SITE_URL = "http://127.0.0.1:8000"
    record = make_record()
    notice = Notification.objects.create(recipient=manager, kind=NotificationKind.RECORD_SUBMITTED, record=record,
                                         due_at=record.created_at, created_at=record.created_at)
    stream = io.StringIO()
    OneLineConsoleBackend(stream=stream).send_messages([delivery.notice_message(notice)])
    line = stream.getvalue()
    assert line.count("\n") == 1
    assert line.startswith(f"Email to {manager.email}: Online search log: ")
    assert "<http://127.0.0.1:8000/" in line


def _settings_in_a_fresh_process(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """Load the settings as `make run` does (no broker, no mail server) and send the broker a no-op look-up."""
    clean = {k: v for k, v in os.environ.items()
             if k not in ("EMAIL_HOST", "EMAIL_BACKEND", "CELERY_BROKER_URL", "DEBUG")}
    clean |= {"DJANGO_SETTINGS_MODULE": "config.settings", "SEARCHLOG_VAR_DIR": str(tmp_path), **env}
    code = (
        "import logging, django; logging.basicConfig(level=logging.WARNING); django.setup()\n"
        "from django.conf import settings; from kombu import Connection\n"
        "Connection(settings.CELERY_BROKER_URL, transport_options=settings.CELERY_BROKER_TRANSPORT_OPTIONS)._info()\n"
        "print(settings.EMAIL_BACKEND)\n"
    )
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=clean, capture_output=True, text=True,
                          timeout=60, check=True)


def test_debug_without_a_mail_server_uses_the_one_line_backend_and_kombu_does_not_warn(tmp_path):
    done = _settings_in_a_fresh_process(tmp_path, DEBUG="true")
    assert done.stdout.strip() == BACKEND
    assert "No hostname was supplied" not in done.stderr


def test_a_mail_server_or_an_explicit_backend_wins(tmp_path):
    assert _settings_in_a_fresh_process(tmp_path, DEBUG="true", EMAIL_HOST="smtp.example.org").stdout.strip() == (
        "django.core.mail.backends.smtp.EmailBackend")
    locmem = "django.core.mail.backends.locmem.EmailBackend"
    assert _settings_in_a_fresh_process(tmp_path, DEBUG="true", EMAIL_BACKEND=locmem).stdout.strip() == locmem
