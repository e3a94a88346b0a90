"""Single sign-on against a real OpenID provider on 127.0.0.1: the whole redirect dance, nothing mocked."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from cryptography.hazmat.primitives.asymmetric import rsa
from django.contrib.auth import SESSION_KEY

from searchlog.models import AuditEvent, ExternalIdentity, Role
from tests.factories import UserFactory
from tests.oidc_provider import CLIENT_ID, CLIENT_SECRET, REDIRECT_URI, RunningProvider

pytestmark = pytest.mark.django_db


@pytest.fixture
def provider(settings):
    with RunningProvider() as running:
        settings.SEARCHLOG_OIDC_ISSUER = running.issuer
        settings.SEARCHLOG_OIDC_CLIENT_ID = CLIENT_ID
        settings.SEARCHLOG_OIDC_CLIENT_SECRET = CLIENT_SECRET
        running.person = {"sub": "subject-0001", "email": "alice@example.org", "email_verified": True,
                          "given_name": "Alice", "family_name": "Adams"}
        yield running


def sign_in_with_provider(client, provider):  # type: ignore[no-untyped-def]
    """/oidc/authenticate → the provider's authorize (real HTTP; it consents) → /oidc/callback with the code."""
    start = client.get("/oidc/authenticate/")
    assert start.status_code == 302
    authorize = urlsplit(start["Location"])
    assert f"{authorize.scheme}://{authorize.netloc}{authorize.path}" == f"{provider.issuer}/authorize"
    query = parse_qs(authorize.query)
    assert query["code_challenge_method"] == ["S256"] and query["code_challenge"][0]
    assert query["redirect_uri"] == [REDIRECT_URI]
    consent = requests.get(start["Location"], allow_redirects=False, timeout=10)
    assert consent.status_code == 302, consent.text
    back = urlsplit(consent.headers["Location"])
    assert f"{back.scheme}://{back.netloc}{back.path}" == REDIRECT_URI
    return client.get(back.path, parse_qs(back.query))


def test_first_sign_in_links_by_verified_email_then_by_subject(client, provider, practitioner):
    practitioner.email = "Alice@Example.org"
    practitioner.save()
    answer = sign_in_with_provider(client, provider)
    assert answer.status_code == 302 and answer["Location"] == "/"
    assert client.session[SESSION_KEY] == str(practitioner.pk)
    assert client.get("/records/").status_code == 200
    identity = ExternalIdentity.objects.get()
    assert (identity.user, identity.issuer, identity.subject) == (practitioner, provider.issuer, "subject-0001")
    # The token request carried the PKCE verifier and the client's secret (checked by the provider).
    [token_request] = provider.token_requests
    assert token_request["code_verifier"] and token_request["client_secret"] == CLIENT_SECRET
    actions = list(AuditEvent.objects.order_by("id").values_list("action", "changes"))
    assert ("auth.sso_link", {"issuer": provider.issuer, "subject": "subject-0001"}) in actions
    assert ("auth.sign_in", {"method": "oidc"}) in actions

    # Later the subject decides, not the email: a renamed address still signs in the same person.
    client.post("/sign-out/")
    provider.person = {**provider.person, "email": "alice.adams@example.org"}
    assert sign_in_with_provider(client, provider).status_code == 302
    assert client.session[SESSION_KEY] == str(practitioner.pk)


@pytest.mark.parametrize("person", [
    {"sub": "stranger", "email": "nobody@example.org", "email_verified": True},
    {"sub": "unverified", "email": "alice@example.org", "email_verified": False},
    {"sub": "no-email"},
])
def test_unknown_subject_without_a_matching_verified_email_is_refused(client, provider, practitioner, person):
    practitioner.email = "alice@example.org"
    practitioner.save()
    provider.person = person
    answer = sign_in_with_provider(client, provider)
    assert answer.status_code == 403
    assert "There is no account for you in this service yet" in answer.content.decode()
    assert SESSION_KEY not in client.session
    assert not ExternalIdentity.objects.exists()
    failed = AuditEvent.objects.get(action="auth.sign_in_failed")
    assert failed.changes["reason"] == "no_account" and failed.changes["subject"] == person["sub"]
    assert client.get("/records/").status_code == 302  # still signed out


def test_a_linked_account_cannot_be_taken_by_another_subject_with_the_same_email(client, provider, practitioner):
    practitioner.email = "alice@example.org"
    practitioner.save()
    ExternalIdentity.objects.create(user=practitioner, issuer=provider.issuer, subject="the-real-alice",
                                    linked_at="2026-01-01T00:00Z")
    answer = sign_in_with_provider(client, provider)
    assert answer.status_code == 403 and SESSION_KEY not in client.session


def test_creating_users_on_first_sign_in_is_a_setting(client, provider, settings):
    settings.SEARCHLOG_OIDC_CREATE_USERS = True
    assert sign_in_with_provider(client, provider).status_code == 302
    identity = ExternalIdentity.objects.select_related("user").get()
    assert (identity.user.email, identity.user.role, identity.user.team) == ("alice@example.org", Role.PRACTITIONER,
                                                                             None)


def test_an_inactive_user_is_refused(client, provider, practitioner):
    practitioner.email, practitioner.is_active = "alice@example.org", False
    practitioner.save()
    answer = sign_in_with_provider(client, provider)
    assert answer.status_code == 403 and SESSION_KEY not in client.session


def test_an_id_token_signed_with_another_key_is_refused(client, provider, practitioner):
    practitioner.email = "alice@example.org"
    practitioner.save()
    provider.signing_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    answer = sign_in_with_provider(client, provider)
    assert answer.status_code == 403 and SESSION_KEY not in client.session
    assert AuditEvent.objects.get(action="auth.sign_in_failed").changes["reason"] == "provider"


def test_an_id_token_for_another_client_is_refused(client, provider, practitioner):
    practitioner.email = "alice@example.org"
    practitioner.save()
    provider.audience = "some-other-app"
    answer = sign_in_with_provider(client, provider)
    assert answer.status_code == 403 and SESSION_KEY not in client.session


def test_roles_follow_the_group_claim_when_mapped(client, provider, settings, practitioner):
    settings.SEARCHLOG_OIDC_ROLE_GROUPS = "manager=grp-managers, auditor=grp-ig"
    practitioner.email = "alice@example.org"
    practitioner.save()
    provider.person = {**provider.person, "groups": ["grp-everyone", "grp-managers"]}
    sign_in_with_provider(client, provider)
    practitioner.refresh_from_db()
    assert practitioner.role == Role.MANAGER
    change = AuditEvent.objects.get(action="user.role_change")
    assert change.changes == {"role": ["practitioner", "manager"], "source": "oidc_groups"}
    # The wrong role the other way: out of the mapped groups, back to practitioner (and no manager's pages).
    client.post("/sign-out/")
    provider.person = {**provider.person, "groups": ["grp-everyone"]}
    sign_in_with_provider(client, provider)
    practitioner.refresh_from_db()
    assert practitioner.role == Role.PRACTITIONER
    assert client.get("/review/").status_code in (403, 404)


def test_without_a_mapping_roles_stay_in_searchlog(client, provider, auditor):
    auditor.email = "alice@example.org"
    auditor.save()
    provider.person = {**provider.person, "groups": ["grp-managers"]}
    sign_in_with_provider(client, provider)
    auditor.refresh_from_db()
    assert auditor.role == Role.AUDITOR


def test_single_sign_on_skips_the_local_second_factor(client, provider, manager):
    """The provider does the second factor: a manager is not sent to set up an app."""
    manager.email = "alice@example.org"
    manager.save()
    sign_in_with_provider(client, provider)
    assert client.get("/records/").status_code == 200


def test_the_sign_in_page_offers_the_organisation_when_configured(client, provider, settings):
    settings.SEARCHLOG_ORGANISATION_NAME = "Example Council"
    page = client.get("/sign-in/").content.decode()
    assert "Sign in with Example Council" in page and 'name="password"' in page


def test_the_sign_in_page_has_no_provider_button_without_configuration(client, db):
    assert "Sign in with" not in client.get("/sign-in/").content.decode()
    assert client.get("/oidc/authenticate/").status_code == 404


def test_local_sign_in_can_be_turned_off(client, provider, settings, practitioner):
    settings.SEARCHLOG_LOCAL_SIGN_IN = False
    page = client.get("/sign-in/").content.decode()
    assert "Sign in with" in page and 'name="password"' not in page
    refused = client.post("/sign-in/", {"username": "alice", "password": "correct horse battery"})
    assert refused.status_code == 403 and SESSION_KEY not in client.session
    token = client.post("/api/v1/auth/token/", {"username": "alice", "password": "correct horse battery"})
    assert token.status_code == 403
    assert client.get("/admin/login/")["Location"].startswith("/sign-in/")


def test_a_password_sign_in_never_reaches_the_provider(client, provider, practitioner):
    client.post("/sign-in/?code=x&state=y", {"username": "alice", "password": "wrong"})
    assert provider.token_requests == []


def test_a_provider_error_is_a_clear_page(client, provider):
    client.get("/oidc/authenticate/")
    answer = client.get("/oidc/callback/", {"error": "access_denied", "state": "whatever"})
    assert answer.status_code == 403 and "did not complete" in answer.content.decode()


def test_factory_users_have_unique_emails():
    """Guard for the email-linking tests above: factories must not give everyone one address."""
    assert UserFactory.build().email != UserFactory.build().email or not UserFactory.build().email
