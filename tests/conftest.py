"""Shared personas (as healthchecks does with Alice and Bob) and the CI rule that a skip is a failure."""

from __future__ import annotations

import os
import shutil

import pytest
from django.db import connection, transaction
from rest_framework.test import APIClient

from searchlog import workflow
from searchlog.db_roles import db_roles_setup
from searchlog.models import Role, SearchRecord
from tests import database
from tests.factories import JUSTIFIED_ANSWERS, TeamFactory, UserFactory

IN_CI = os.environ.get("CI", "").lower() == "true"
PASSWORD = "correct horse battery"


def pytest_configure(config):  # type: ignore[no-untyped-def]
    from django.conf import settings

    # Fast hashing: the tests are about the product, not about PBKDF2.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):  # type: ignore[no-untyped-def]
    outcome = yield
    report = outcome.get_result()
    # In CI every service is there, so a skipped test means a test that did not run: fail it.
    if IN_CI and report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        report.longrepr = f"Skipped in CI, where nothing may be skipped: {report.longrepr}"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item, nextitem):  # type: ignore[no-untyped-def]
    yield
    database.back_to_app_role()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):  # type: ignore[no-untyped-def]
    """As the superuser made and migrated it, hand the test database to the roles; then be the app role."""
    if not database.runs_as_app_role():
        yield
        return
    with django_db_blocker.unblock():
        db_roles_setup(owner_password=database.OWNER_PASSWORD, app_password=database.APP_PASSWORD)
    database.app_role_on_connect(True)
    yield
    # The test database is dropped by the superuser, over a connection made from these settings.
    database.app_role_on_connect(False)


def pytest_collection_modifyitems(config, items):  # type: ignore[no-untyped-def]
    chromium = shutil.which("chromium") and shutil.which("chromedriver")
    for item in items:
        if "browser" in item.keywords and not chromium:
            item.add_marker(pytest.mark.skip(reason="needs chromium and chromedriver (apt-get install chromium "
                                                    "chromium-driver)"))


AUDIT_TABLES = ("searchlog_auditevent", "searchlog_auditseal")


def empty_audit_trail() -> None:
    """Delete every event and seal past the triggers: a transactional test's flush cannot empty a non-empty trail."""
    with transaction.atomic(), connection.cursor() as cursor:
        for table in AUDIT_TABLES:
            if connection.vendor == "postgresql":
                cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
                cursor.execute(f"DELETE FROM {table}")  # noqa: S608 (our own table names)
                cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")
            else:
                cursor.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s", [table])
                saved = cursor.fetchall()
                for name, _sql in saved:
                    cursor.execute(f"DROP TRIGGER {name}")
                cursor.execute(f"DELETE FROM {table}")  # noqa: S608 (our own table names)
                for _name, sql in saved:
                    cursor.execute(sql)


def reset_reference_numbers() -> None:
    """Drop the per-year reference sequences (PostgreSQL), which a flush leaves as they are."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT relname FROM pg_class WHERE relkind = 'S' AND relname LIKE 'searchlog_reference_%%'")
        for (name,) in cursor.fetchall():
            cursor.execute(f'DROP SEQUENCE IF EXISTS "{name}"')


def _is_transactional(request) -> bool:  # type: ignore[no-untyped-def]
    marker = request.node.get_closest_marker("django_db")
    return bool({"transactional_db", "live_server"} & set(request.fixturenames)) or bool(
        marker and marker.kwargs.get("transaction"))


@pytest.fixture(autouse=True)
def _empty_audit_trail_before_flush(request):  # type: ignore[no-untyped-def]
    """A transactional test ends with a flush, which the append-only audit trail refuses: empty it first."""
    if not _is_transactional(request):
        yield
        return
    request.getfixturevalue("transactional_db")
    yield
    database.stay_superuser_until_the_test_ends()
    empty_audit_trail()
    reset_reference_numbers()


@pytest.fixture(autouse=True)
def _own_checkpoints(settings, tmp_path):  # type: ignore[no-untyped-def]
    """Each test's audit checkpoints in a folder of its own: another test's checkpoint is not this trail's."""
    settings.SEARCHLOG_AUDIT_CHECKPOINT_DIR = tmp_path / "audit-checkpoints"


@pytest.fixture(autouse=True)
def _fresh_cache():  # type: ignore[no-untyped-def]
    """Each test starts with an empty cache (the audit page keeps its chain checkpoint there)."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


def verify_second_factor(client, user) -> None:  # type: ignore[no-untyped-def]
    """Mark a test client's session as past the second-factor step, as a real sign-in with a code leaves it."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or TOTPDevice.objects.create(
        user=user, name="Test app", confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()


@pytest.fixture(autouse=True)
def _signed_in_means_both_factors(monkeypatch):  # type: ignore[no-untyped-def]
    """`client.force_login` and `client.login` stand for a finished sign-in: for users who need a second factor,
    that includes the code step (tests of the step itself post to the pages instead)."""
    from django.test import Client

    from searchlog import mfa

    force_login, login = Client.force_login, Client.login

    def force_login_verified(self, user, backend=None):  # type: ignore[no-untyped-def]
        force_login(self, user, backend)
        if mfa.second_factor_required(user):
            verify_second_factor(self, user)

    def login_verified(self, **credentials):  # type: ignore[no-untyped-def]
        from searchlog.models import User

        signed_in = login(self, **credentials)
        user = User.objects.filter(username=credentials.get("username")).first()
        if signed_in and user is not None and mfa.second_factor_required(user):
            verify_second_factor(self, user)
        return signed_in

    monkeypatch.setattr(Client, "force_login", force_login_verified)
    monkeypatch.setattr(Client, "login", login_verified)


@pytest.fixture
def needs_postgres(db: None) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: set DATABASE_URL=postgres://…")


@pytest.fixture
def team(db: None):
    return TeamFactory(name="Adults North")


@pytest.fixture
def other_team(db: None):
    return TeamFactory(name="Children East")


@pytest.fixture
def practitioner(team):
    return UserFactory(username="alice", team=team)


@pytest.fixture
def colleague(team):
    return UserFactory(username="bob", team=team)


@pytest.fixture
def outsider(other_team):
    return UserFactory(username="charlie", team=other_team)


@pytest.fixture
def manager(team):
    user = UserFactory(username="maria", role=Role.MANAGER, team=team)
    team.managers.add(user)
    return user


@pytest.fixture
def other_manager(other_team):
    user = UserFactory(username="david", role=Role.MANAGER, team=other_team)
    other_team.managers.add(user)
    return user


@pytest.fixture
def auditor(db: None):
    return UserFactory(username="aisha", role=Role.AUDITOR, team=None)


@pytest.fixture
def make_record(practitioner):
    """Create a record through the workflow, as a practitioner would."""

    def make(*, by=None, submit: bool = False, quick: bool = False, **answers) -> SearchRecord:
        from django.utils import timezone

        author = by or practitioner
        data = {"subject_reference": "LAS-100200", "searched_at": timezone.now(), **answers}
        record = workflow.record_create(practitioner=author, data=data, quick=quick)
        if submit:
            record = workflow.record_submit(record=record, actor=author)
        return record

    return make


@pytest.fixture
def justified_answers() -> dict:
    return dict(JUSTIFIED_ANSWERS)


@pytest.fixture
def api():
    def client_for(user=None) -> APIClient:
        client = APIClient()
        if user is not None:
            client.force_authenticate(user)
        return client

    return client_for
