"""API tokens: one per POST, hashed, expiring, revocable one at a time, all revoked by a password change or a
deactivation; issuance and revocation audited; the "Your API tokens" page."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone
from rest_framework.test import APIClient

from searchlog.models import ApiToken, AuditEvent
from searchlog.tokens import token_issue
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db
TOKEN = "/api/v1/auth/token/"
ME = "/api/v1/me/"


def issue(client, username: str = "alice") -> dict:
    response = client.post(TOKEN, {"username": username, "password": PASSWORD})
    assert response.status_code == 200
    return response.json()


def me(token: str):
    return APIClient().get(ME, HTTP_AUTHORIZATION=f"Token {token}")


def test_each_post_issues_a_new_token_stored_only_hashed(client, practitioner):
    first, second = issue(client), issue(client)
    assert first["token"] != second["token"]
    assert set(first) == {"token", "expires_at"}
    rows = ApiToken.objects.filter(user=practitioner)
    assert rows.count() == 2
    digests = set(rows.values_list("digest", flat=True))
    assert hashlib.sha256(first["token"].encode()).hexdigest() in digests
    assert not any(first["token"] in str(value) for row in rows.values() for value in row.values())
    assert me(first["token"]).status_code == 200 and me(second["token"]).status_code == 200
    assert AuditEvent.objects.filter(action="token.issue").count() == 2


def test_a_token_expires_after_the_configured_hours(client, practitioner, settings):
    settings.SEARCHLOG_TOKEN_HOURS = 12
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        body = issue(client)
    assert body["expires_at"].startswith((start + timedelta(hours=12)).astimezone(timezone.get_current_timezone())
                                         .strftime("%Y-%m-%dT%H:%M"))
    with time_machine.travel(start + timedelta(hours=11, minutes=59), tick=False):
        assert me(body["token"]).status_code == 200
    with time_machine.travel(start + timedelta(hours=12, seconds=1), tick=False):
        response = me(body["token"])
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


def test_delete_revokes_only_the_presented_token(client, practitioner):
    kept, gone = issue(client), issue(client)
    response = APIClient().delete(TOKEN, HTTP_AUTHORIZATION=f"Token {gone['token']}")
    assert response.status_code == 204
    assert me(gone["token"]).status_code == 401
    assert me(kept["token"]).status_code == 200
    event = AuditEvent.objects.get(action="token.revoke")
    assert event.actor == practitioner


def test_delete_without_a_token_is_refused(api, practitioner):
    assert api().delete(TOKEN).status_code == 401
    # Signed in by session, there is no token to revoke.
    assert api(practitioner).delete(TOKEN).status_code in (401, 403)


def test_a_stale_header_does_not_stop_a_new_token(client, practitioner):
    response = client.post(TOKEN, {"username": "alice", "password": PASSWORD}, HTTP_AUTHORIZATION="Token old")
    assert response.status_code == 200


def test_a_password_change_revokes_every_token(client, practitioner):
    tokens = [issue(client)["token"] for _ in range(2)]
    practitioner.set_password("a brand new long passphrase")
    practitioner.save()
    assert all(me(token).status_code == 401 for token in tokens)
    event = AuditEvent.objects.get(action="token.revoke_all")
    assert event.changes == {"count": 2, "reason": "password_changed"}


def test_deactivation_revokes_every_token(client, practitioner):
    token = issue(client)["token"]
    practitioner.is_active = False
    practitioner.save()
    assert me(token).status_code == 401
    assert ApiToken.objects.get().revoked_reason == "deactivated"


def test_signing_in_does_not_revoke_tokens(client, practitioner):
    token = issue(client)["token"]
    assert client.post("/sign-in/", {"username": "alice", "password": PASSWORD}).status_code == 302
    assert me(token).status_code == 200


def test_the_tokens_page_lists_and_revokes_only_your_own(client, practitioner, colleague):
    mine, _row = token_issue(user=practitioner)
    theirs, their_row = token_issue(user=colleague)
    client.force_login(practitioner)
    page = client.get("/account/api-tokens/").content.decode()
    assert mine[:6] in page and mine not in page and theirs[:6] not in page
    assert client.post(f"/account/api-tokens/{their_row.pk}/revoke/").status_code == 404
    assert me(theirs).status_code == 200
    row = ApiToken.objects.get(user=practitioner)
    assert client.post(f"/account/api-tokens/{row.pk}/revoke/").status_code == 302
    assert me(mine).status_code == 401


def test_the_tokens_page_needs_sign_in(client):
    response = client.get("/account/api-tokens/")
    assert response.status_code == 302 and "/sign-in/" in response["Location"]
