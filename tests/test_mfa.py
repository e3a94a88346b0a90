"""The second factor for local accounts: enrolment, the code step, recovery codes, who must have one, the API."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.contrib.auth import SESSION_KEY
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from searchlog import mfa
from searchlog.models import AuditEvent
from tests.conftest import PASSWORD
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def code_for(device: TOTPDevice) -> str:
    """The code the person's app shows now (computed from the device's key at the moved clock)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    return f"{totp.token():0{device.digits}d}"


def with_app(user) -> tuple[TOTPDevice, list[str]]:  # type: ignore[no-untyped-def]
    device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)
    return device, mfa.recovery_codes_replace(user)


def password_step(client, user, next_url: str = ""):  # type: ignore[no-untyped-def]
    return client.post("/sign-in/" + (f"?next={next_url}" if next_url else ""),
                       {"username": user.username, "password": PASSWORD})


def test_enrolment_shows_a_qr_code_and_the_key_then_the_recovery_codes_once(client, manager):
    with time_machine.travel(START, tick=False):
        password_step(client, manager)
        assert client.get("/records/")["Location"].startswith("/account/two-factor/set-up/")
        page = client.get("/account/two-factor/set-up/")
        html = page.content.decode()
        assert page.status_code == 200 and "<svg" in html and "Set up your authenticator app" in html
        device = TOTPDevice.objects.get(user=manager, confirmed=False)
        secret = re.search(r'id="secret">([A-Z2-7 ]+)<', html).group(1)
        assert len(secret.replace(" ", "")) == 32
        wrong = client.post("/account/two-factor/set-up/", {"code": "000000" if code_for(device) != "000000"
                                                            else "111111"})
        assert "The code is not right" in wrong.content.decode()
    with time_machine.travel(START + timedelta(seconds=60), tick=False):
        device.refresh_from_db()
        session_before = client.session.session_key
        done = client.post("/account/two-factor/set-up/", {"code": code_for(device)})
        html = done.content.decode()
        assert done.status_code == 200 and "You will not see these codes again" in html
        codes = re.findall(r"<li><code>([a-z2-7]+)</code></li>", html)
        assert len(codes) == 10 and set(codes) == set(StaticToken.objects.values_list("token", flat=True))
        assert client.session.session_key != session_before
        assert client.get("/review/").status_code == 200
        assert list(AuditEvent.objects.filter(action="auth.mfa_enrol").values_list("changes", flat=True)) == [
            {"method": "totp", "recovery_codes": 10}]
        # Shown once: the page now offers a new app, not the codes.
        assert "recovery-codes" not in client.get("/account/two-factor/").content.decode()


def test_sign_in_asks_for_the_code_after_the_password_and_rotates_the_session(client, manager):
    device, _codes = with_app(manager)
    with time_machine.travel(START, tick=False):
        step = password_step(client, manager, "/review/")
        assert step["Location"] == "/review/"
        held = client.get("/review/")
        assert held.status_code == 302 and held["Location"].startswith("/sign-in/code/?next=")
        assert client.get("/api/v1/records/").status_code == 403
        page = client.get(held["Location"])
        assert "Enter the code from your authenticator app" in page.content.decode()
        wrong = client.post(held["Location"], {"code": "12345"})
        assert "The code is not right" in wrong.content.decode()
    # After a wrong code django-otp waits a moment before it accepts another; the clock moves past it.
    with time_machine.travel(START + timedelta(seconds=30), tick=False):
        before = client.session.session_key
        done = client.post("/sign-in/code/", {"code": code_for(device), "next": "/review/"})
        assert done.status_code == 302 and done["Location"] == "/review/"
        assert client.session.session_key != before and client.session[SESSION_KEY] == str(manager.pk)
        assert client.get("/review/").status_code == 200
    events = AuditEvent.objects.filter(action__startswith="auth.second_factor").order_by("id")
    actions = list(events.values_list("action", "changes"))
    assert actions == [("auth.second_factor_failed", {}), ("auth.second_factor", {"method": "totp"})]


def test_a_code_cannot_be_used_twice(client, manager):
    device, _codes = with_app(manager)
    with time_machine.travel(START, tick=False):
        password_step(client, manager)
        code = code_for(device)
        assert client.post("/sign-in/code/", {"code": code}).status_code == 302
        client.post("/sign-out/")
        password_step(client, manager)
        assert client.post("/sign-in/code/", {"code": code}).status_code == 200  # refused, page again


def test_a_recovery_code_works_once(client, auditor):
    _device, codes = with_app(auditor)
    with time_machine.travel(START, tick=False):
        password_step(client, auditor)
        assert client.post("/sign-in/code/", {"code": codes[0].upper()})["Location"] == "/"
        assert AuditEvent.objects.get(action="auth.second_factor").changes == {"method": "recovery_code"}
        client.post("/sign-out/")
    with time_machine.travel(START + timedelta(minutes=5), tick=False):
        password_step(client, auditor)
        again = client.post("/sign-in/code/", {"code": codes[0]})
        assert again.status_code == 200 and "The code is not right" in again.content.decode()
        assert client.post("/sign-in/code/", {"code": codes[1]}).status_code == 200  # throttled a moment
    with time_machine.travel(START + timedelta(minutes=6), tick=False):
        assert client.post("/sign-in/code/", {"code": codes[1]}).status_code == 302
    assert StaticToken.objects.count() == 8


@pytest.mark.parametrize(("persona", "required"), [
    ("practitioner", False), ("manager", True), ("auditor", True),
])
def test_a_second_factor_is_required_by_role(client, request, persona, required):
    user = request.getfixturevalue(persona)
    password_step(client, user)
    answer = client.get("/records/")
    if required:
        assert answer["Location"].startswith("/account/two-factor/set-up/")
        assert client.get("/api/v1/records/").status_code == 403
    else:
        assert answer.status_code == 200


def test_an_administrator_needs_a_second_factor_for_the_admin(client, db):
    admin = UserFactory(username="root", is_staff=True, is_superuser=True)
    password_step(client, admin)
    assert client.get("/admin/")["Location"].startswith("/account/two-factor/set-up/")


def test_everyone_needs_one_when_configured(client, settings, practitioner):
    settings.SEARCHLOG_MFA_REQUIRED = True
    password_step(client, practitioner)
    assert client.get("/records/")["Location"].startswith("/account/two-factor/set-up/")


def test_a_practitioner_who_set_up_an_app_is_asked_for_its_code(client, practitioner):
    with_app(practitioner)
    password_step(client, practitioner)
    assert client.get("/records/")["Location"].startswith("/sign-in/code/")


def test_someone_with_an_app_cannot_replace_it_before_the_code_step(client, manager):
    with_app(manager)
    password_step(client, manager)
    assert client.get("/account/two-factor/set-up/")["Location"] == "/sign-in/code/"


def test_the_code_step_needs_a_password_first(client, db):
    assert client.get("/sign-in/code/")["Location"].startswith("/sign-in/")


# The API token endpoint.

def token(data: dict):  # type: ignore[no-untyped-def]
    return APIClient().post("/api/v1/auth/token/", data, format="json")


def test_the_api_token_needs_otp_from_users_with_a_second_factor(manager):
    device, codes = with_app(manager)
    with time_machine.travel(START, tick=False):
        missing = token({"username": "maria", "password": PASSWORD})
        assert missing.status_code == 400 and "otp" in missing.json()
        assert not AuditEvent.objects.filter(action="auth.sign_in").exists()
    with time_machine.travel(START + timedelta(minutes=1), tick=False):
        wrong = token({"username": "maria", "password": PASSWORD, "otp": "000000" if code_for(device) != "000000"
                       else "111111"})
        assert wrong.status_code == 400 and "otp" in wrong.json()
    with time_machine.travel(START + timedelta(minutes=2), tick=False):
        right = token({"username": "maria", "password": PASSWORD, "otp": code_for(device)})
        assert right.status_code == 200 and right.json()["token"]
    with time_machine.travel(START + timedelta(minutes=3), tick=False):
        assert token({"username": "maria", "password": PASSWORD, "otp": codes[0]}).status_code == 200


def test_the_api_token_needs_no_otp_from_users_without_one(practitioner):
    assert token({"username": "alice", "password": PASSWORD}).status_code == 200


def test_a_wrong_password_is_refused_before_the_otp_is_looked_at(manager):
    device, _codes = with_app(manager)
    with time_machine.travel(START, tick=False):
        answer = token({"username": "maria", "password": "wrong", "otp": code_for(device)})
        assert answer.status_code == 400 and "otp" not in answer.json()
