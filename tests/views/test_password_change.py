"""Changing your password: GOV.UK page, at least 12 characters, not a common password, tokens revoked, audited."""

from __future__ import annotations

import pytest

from searchlog.models import AuditEvent
from searchlog.tokens import token_issue
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db
URL = "/account/password/"


def change(client, new: str, old: str = PASSWORD):
    return client.post(URL, {"old_password": old, "new_password1": new, "new_password2": new})


def test_changing_the_password_revokes_tokens_keeps_this_session_and_is_audited(client, practitioner):
    token, row = token_issue(user=practitioner)
    client.force_login(practitioner)
    response = change(client, "a long and unusual passphrase")
    assert response.status_code == 302
    practitioner.refresh_from_db()
    assert practitioner.check_password("a long and unusual passphrase")
    row.refresh_from_db()
    assert row.revoked_reason == "password_changed"
    assert client.get("/records/").status_code == 200  # still signed in here
    assert AuditEvent.objects.filter(action="auth.password_change", actor=practitioner).exists()


@pytest.mark.parametrize(("new", "message"), [
    ("short pass1", "at least 12 characters"),
    ("password1234", "too common"),
])
def test_weak_passwords_are_refused(client, practitioner, new, message):
    client.force_login(practitioner)
    response = change(client, new)
    assert response.status_code == 200
    page = response.content.decode()
    assert "govuk-error-summary" in page and message in page
    practitioner.refresh_from_db()
    assert practitioner.check_password(PASSWORD)


def test_the_wrong_current_password_is_refused(client, practitioner):
    client.force_login(practitioner)
    response = change(client, "a long and unusual passphrase", old="not it at all")
    assert "Your current password is wrong" in response.content.decode()


def test_the_page_needs_sign_in(client):
    assert "/sign-in/" in client.get(URL)["Location"]
