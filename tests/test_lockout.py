"""Lockout and throttling: 10 failures for a username in 15 minutes lock it for 15, on the page, the API and the
admin alike; an address is throttled too; the lockout and its end are audited; an administrator can unlock."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from searchlog import lockout
from searchlog.models import AuditEvent, SignInLockout
from tests.conftest import PASSWORD
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
SIGN_IN = "/sign-in/"
TOKEN = "/api/v1/auth/token/"
ADMIN_LOGIN = "/admin/login/"


def fail(client, username: str = "alice", times: int = 10, url: str = SIGN_IN, **extra) -> None:
    for _ in range(times):
        client.post(url, {"username": username, "password": "wrong password!"}, **extra)


def actions() -> list[str]:
    return list(AuditEvent.objects.order_by("id").values_list("action", flat=True))


def test_nine_failures_then_the_right_password_signs_in(client, practitioner):
    fail(client, times=9)
    response = client.post(SIGN_IN, {"username": "alice", "password": PASSWORD})
    assert response.status_code == 302
    assert "auth.locked_out" not in actions()


def test_ten_failures_lock_the_page_even_with_the_right_password(client, practitioner):
    fail(client)
    response = client.post(SIGN_IN, {"username": "alice", "password": PASSWORD})
    assert response.status_code == 200
    assert not response.wsgi_request.user.is_authenticated
    page = response.content.decode()
    assert "govuk-error-summary" in page
    assert "You have tried to sign in too many times. Try again after" in page
    locked = SignInLockout.objects.get(key="alice")
    assert f"{timezone.localtime(locked.until):%H:%M}" in page
    assert actions().count("auth.locked_out") == 1
    assert actions()[-1] == "auth.sign_in_failed"
    assert "auth.sign_in_refused" in actions()


def test_lockout_refuses_the_api_with_429_and_retry_after(client, practitioner):
    fail(client, url=TOKEN)
    response = client.post(TOKEN, {"username": "alice", "password": PASSWORD})
    assert response.status_code == 429
    assert response["Content-Type"].startswith("application/json")
    assert 14 * 60 <= int(response["Retry-After"]) <= 15 * 60
    assert "Try again after" in response.json()["detail"]


def test_lockout_refuses_the_admin(client):
    UserFactory(username="root", is_staff=True, is_superuser=True, team=None)
    fail(client, username="root", url=ADMIN_LOGIN)
    response = client.post(ADMIN_LOGIN, {"username": "root", "password": PASSWORD})
    assert response.status_code == 200
    assert "Try again after" in response.content.decode()


def test_failures_on_page_api_and_admin_count_together(client, practitioner):
    fail(client, times=4)
    fail(client, times=3, url=TOKEN)
    fail(client, times=3, url=ADMIN_LOGIN)
    assert client.post(TOKEN, {"username": "alice", "password": PASSWORD}).status_code == 429


def test_failures_older_than_the_window_do_not_count(client, practitioner):
    with time_machine.travel(timezone.now() - timedelta(minutes=16), tick=False):
        fail(client, times=9)
    fail(client, times=1)
    assert client.post(TOKEN, {"username": "alice", "password": PASSWORD}).status_code == 200


def test_cool_off_ends_the_lockout_and_audits_its_end(client, practitioner):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        fail(client)
    with time_machine.travel(start + timedelta(minutes=14), tick=False):
        assert client.post(TOKEN, {"username": "alice", "password": PASSWORD}).status_code == 429
    with time_machine.travel(start + timedelta(minutes=15, seconds=1), tick=False):
        assert client.post(TOKEN, {"username": "alice", "password": PASSWORD}).status_code == 200
        # One more failure after the end does not lock again: the failures before it no longer count.
        fail(client, times=1, url=TOKEN)
        assert client.post(TOKEN, {"username": "alice", "password": PASSWORD}).status_code == 200
    ended = AuditEvent.objects.get(action="auth.lockout_ended")
    assert ended.object_id == "alice"
    assert SignInLockout.objects.get().ended_at is not None


def test_the_sweep_ends_expired_lockouts(client, practitioner):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        fail(client)
        assert lockout.lockouts_end_expired() == 0
    with time_machine.travel(start + timedelta(minutes=16), tick=False):
        assert lockout.lockouts_end_expired() == 1
        assert lockout.lockouts_end_expired() == 0
    assert actions().count("auth.lockout_ended") == 1


def test_lockout_of_one_username_leaves_others_alone(client, practitioner, colleague):
    fail(client)
    assert client.post(TOKEN, {"username": colleague.username, "password": PASSWORD}).status_code == 200


def test_an_address_is_throttled_across_usernames(client, settings, practitioner):
    settings.SEARCHLOG_ADDRESS_FAILURES = 5
    for name in ["a", "b", "c", "d", "e"]:
        fail(client, username=name, times=1, url=TOKEN)
    response = client.post(TOKEN, {"username": "alice", "password": PASSWORD})
    assert response.status_code == 429
    assert SignInLockout.objects.get().kind == "address"
    # From another address the same user signs in.
    other = client.post(TOKEN, {"username": "alice", "password": PASSWORD}, REMOTE_ADDR="10.0.0.9")
    assert other.status_code == 200


def test_an_administrator_unlocks_from_the_admin(client, practitioner):
    fail(client)
    root = UserFactory(username="root", is_staff=True, is_superuser=True, team=None)
    client.force_login(root)
    response = client.post("/admin/searchlog/user/",
                           {"action": "unlock_sign_in", "_selected_action": [practitioner.pk]})
    assert response.status_code == 302
    client.logout()
    assert client.post(TOKEN, {"username": "alice", "password": PASSWORD}).status_code == 200
    unlocked = AuditEvent.objects.get(action="auth.unlocked")
    assert (unlocked.actor_username, unlocked.object_id) == ("root", "alice")


def test_the_lockout_admin_action_unlocks(client, practitioner):
    fail(client)
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True, team=None))
    item = SignInLockout.objects.get()
    client.post("/admin/searchlog/signinlockout/", {"action": "unlock", "_selected_action": [item.pk]})
    item.refresh_from_db()
    assert item.ended_by.username == "root"


@pytest.mark.parametrize("persona", ["practitioner", "manager", "auditor"])
def test_people_who_are_not_administrators_cannot_unlock(client, request, persona):
    user = request.getfixturevalue(persona)
    fail(client, username="someone")
    client.force_login(user)
    response = client.post("/admin/searchlog/signinlockout/", {"action": "unlock",
                                                               "_selected_action": [SignInLockout.objects.get().pk]})
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    assert SignInLockout.objects.get().ended_at is None
