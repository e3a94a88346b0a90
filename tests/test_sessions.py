"""Sessions end after 30 minutes idle and 12 hours whatever happens; the page warns 2 minutes before."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from searchlog.models import AuditEvent
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def sign_in(client) -> None:
    assert client.post("/sign-in/", {"username": "alice", "password": PASSWORD}).status_code == 302


def test_a_session_idle_for_30_minutes_is_signed_out(client, practitioner):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        sign_in(client)
    with time_machine.travel(start + timedelta(minutes=29), tick=False):
        assert client.get("/records/").status_code == 200
    with time_machine.travel(start + timedelta(minutes=58), tick=False):
        assert client.get("/records/").status_code == 200  # 29 minutes after the last request
    with time_machine.travel(start + timedelta(minutes=88, seconds=1), tick=False):
        response = client.get("/records/")
    assert response.status_code == 302 and response["Location"].startswith("/sign-in/?next=/records/")
    assert client.get("/records/").status_code == 302  # and it stays signed out
    event = AuditEvent.objects.get(action="auth.session_expired")
    assert (event.actor, event.changes) == (practitioner, {"reason": "idle"})
    page = client.get(response["Location"]).content.decode()
    assert "You were signed out because you had not used the service for a while" in page


def test_a_session_ends_after_12_hours_however_busy(client, practitioner):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        sign_in(client)
    for minutes in range(20, 12 * 60, 20):
        with time_machine.travel(start + timedelta(minutes=minutes), tick=False):
            assert client.get("/records/").status_code == 200
    with time_machine.travel(start + timedelta(hours=12, seconds=1), tick=False):
        assert client.get("/records/").status_code == 302
    assert AuditEvent.objects.get(action="auth.session_expired").changes == {"reason": "absolute"}


def test_an_expired_session_on_the_api_is_a_401(client, practitioner):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        sign_in(client)
        assert client.get("/api/v1/me/").status_code == 200
    with time_machine.travel(start + timedelta(minutes=31), tick=False):
        response = client.get("/api/v1/me/")
    assert response.status_code in (401, 403)
    assert response["Content-Type"] == "application/json"


def test_the_session_key_changes_at_sign_in(client, practitioner):
    client.get("/sign-in/")
    client.cookies["sessionid"] = "x" * 32
    sign_in(client)
    assert client.cookies["sessionid"].value != "x" * 32


def test_the_page_carries_the_two_minute_warning_with_the_nonce(client, practitioner):
    sign_in(client)
    response = client.get("/records/")
    page = response.content.decode()
    assert 'id="session-warning"' in page and "hidden" in page and 'data-warn-after="1680"' in page
    nonce = response.wsgi_request.csp_nonce
    assert f'nonce="{nonce}"' in page and f"'nonce-{nonce}'" in response["Content-Security-Policy"]
    assert "signed out after 30 minutes without activity" in page


def test_stay_signed_in_counts_as_activity(client, practitioner):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        sign_in(client)
    with time_machine.travel(start + timedelta(minutes=28), tick=False):
        response = client.post("/account/session/")
        assert response.json() == {"warn_after": 1680}
    with time_machine.travel(start + timedelta(minutes=50), tick=False):
        assert client.get("/records/").status_code == 200


def test_anonymous_pages_have_no_warning(client):
    assert b"session-warning" not in client.get("/sign-in/").content
    assert client.post("/account/session/").status_code == 302
