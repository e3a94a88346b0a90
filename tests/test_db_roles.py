"""setup_db_roles and migrate-as-owner: what the app role may do to the audit trail, proven as the app role itself.

The roles are cluster-wide and may exist already (CI creates them before the suite); each test re-runs the setup.
These tests are transactional: a second connection cannot see the test's own uncommitted transaction.
"""

from __future__ import annotations

from collections.abc import Iterator
from io import StringIO

import psycopg2
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.core.management.commands.migrate import Command as DjangoMigrate
from django.db import connection
from psycopg2 import errors

from searchlog.audit import audit_append
from searchlog.db_roles import APP_ROLE, INSERT_ONLY_TABLES, OWNER_ROLE, password_matches, scram_verifier
from searchlog.models import AuditEvent, Team
from tests import database

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def setup_db_roles(monkeypatch, *, app_password: str = database.APP_PASSWORD) -> str:
    monkeypatch.setenv("SEARCHLOG_OWNER_PASSWORD", database.OWNER_PASSWORD)
    monkeypatch.setenv("SEARCHLOG_APP_PASSWORD", app_password)
    out = StringIO()
    with database.as_superuser():
        call_command("setup_db_roles", stdout=out)
    return out.getvalue()


def connect(role: str, password: str):  # type: ignore[no-untyped-def]
    db = connection.settings_dict
    conn = psycopg2.connect(host=db["HOST"] or "127.0.0.1", port=db["PORT"] or 5432, dbname=db["NAME"], user=role,
                            password=password, connect_timeout=5)
    conn.autocommit = True
    return conn


@pytest.fixture
def roles(needs_postgres, monkeypatch) -> str:
    return setup_db_roles(monkeypatch)


@pytest.fixture
def app(roles) -> Iterator:  # type: ignore[type-arg]
    """A connection of the app role's own, with its password."""
    conn = connect(APP_ROLE, database.APP_PASSWORD)
    yield conn.cursor()
    conn.close()


@pytest.fixture
def event(roles) -> AuditEvent:
    return audit_append(action="record.view", actor=None, obj_type="record", obj_id="OS-2026-000001")


@pytest.fixture
def settings_as_app_role() -> Iterator[None]:
    """Log the test's own Django connection in as the app role, with its password."""
    db = connection.settings_dict
    saved = db["USER"], db["PASSWORD"]
    connection.close()
    db["USER"], db["PASSWORD"] = APP_ROLE, database.APP_PASSWORD
    yield
    connection.close()
    db["USER"], db["PASSWORD"] = saved


def refused(cursor, sql: str, message: str) -> None:  # type: ignore[no-untyped-def]
    """The statement fails for want of a right (not because a trigger objected)."""
    with pytest.raises(errors.InsufficientPrivilege, match=message):
        cursor.execute(sql)


def test_setup_prints_what_it_did(roles):
    assert f"role {OWNER_ROLE}:" in roles
    assert f"role {APP_ROLE}:" in roles
    assert f"insert-only searchlog_auditevent: {APP_ROLE} may SELECT and INSERT only" in roles
    assert "default privileges" in roles


def test_app_role_reads_and_appends_audit_events(app, event):
    app.execute("SELECT action FROM searchlog_auditevent WHERE id = %s", [event.pk])
    assert app.fetchone() == (event.action,)
    # The right to insert, whatever the columns (the product appends for real below).
    app.execute("INSERT INTO searchlog_auditevent SELECT * FROM searchlog_auditevent WHERE false")


def test_app_role_appends_through_the_product(roles, settings_as_app_role):
    appended = audit_append(action="record.view", actor=None, obj_type="record", obj_id="OS-2026-000002")
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user")
        assert cursor.fetchone() == (APP_ROLE,)
    assert AuditEvent.objects.filter(pk=appended.pk).exists()


@pytest.mark.parametrize(("sql", "message"), [
    ("UPDATE searchlog_auditevent SET action = 'record.create'", "permission denied for table"),
    ("DELETE FROM searchlog_auditevent", "permission denied for table"),
    ("TRUNCATE searchlog_auditevent", "permission denied for table"),
    ("ALTER TABLE searchlog_auditevent DISABLE TRIGGER auditevent_insert_only", "must be owner"),
    ("ALTER TABLE searchlog_auditevent DISABLE TRIGGER ALL", "must be owner"),
    ("DROP TRIGGER auditevent_insert_only ON searchlog_auditevent", "must be owner"),
    ("SET session_replication_role = replica", "permission denied to set parameter"),
    ("DROP TABLE searchlog_auditevent", "must be owner"),
    ("CREATE TABLE searchlog_auditevent_copy (id int)", "permission denied for schema"),
    ("UPDATE searchlog_auditseal SET mac = mac", "permission denied for table"),
    ("DELETE FROM searchlog_auditseal", "permission denied for table"),
    ("TRUNCATE searchlog_auditseal", "permission denied for table"),
    ("ALTER TABLE searchlog_auditseal DISABLE TRIGGER auditseal_insert_only", "must be owner"),
])
def test_app_role_cannot_change_the_audit_trail(app, event, sql, message):
    refused(app, sql, message)
    assert AuditEvent.objects.filter(pk=event.pk, action="record.view", changes=event.changes).exists()


RIGHTS = ("SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "TRIGGER", "REFERENCES")


def test_every_insert_only_table_gives_the_app_select_and_insert_only(roles):
    with connection.cursor() as cursor:
        for table in INSERT_ONLY_TABLES:
            cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [table])
            if not cursor.fetchone()[0]:
                continue
            cursor.execute("SELECT " + ", ".join(["has_table_privilege(%s, %s, %s)"] * len(RIGHTS)) +
                           ", has_any_column_privilege(%s, %s, 'UPDATE')",
                           [value for right in RIGHTS for value in (APP_ROLE, table, right)] + [APP_ROLE, table])
            rights = dict(zip([*RIGHTS, "UPDATE of a column"], cursor.fetchone(), strict=True))
            assert [right for right, held in rights.items() if held] == ["SELECT", "INSERT"], table


def test_app_role_cannot_grant_itself_a_right(app, event):
    # Only a warning ("no privileges were granted"), and nothing changes.
    app.execute("GRANT UPDATE, DELETE ON searchlog_auditevent TO searchlog_app")
    refused(app, "UPDATE searchlog_auditevent SET action = action", "permission denied for table")


def test_app_role_reads_and_writes_ordinary_tables(app):
    app.execute("INSERT INTO searchlog_team (name) VALUES ('Adults West') RETURNING id")
    (team_id,) = app.fetchone()
    app.execute("UPDATE searchlog_team SET name = 'Adults South' WHERE id = %s", [team_id])
    assert Team.objects.get(pk=team_id).name == "Adults South"
    refused(app, "TRUNCATE searchlog_team", "permission denied for table")
    app.execute("DELETE FROM searchlog_team WHERE id = %s", [team_id])
    assert not Team.objects.filter(pk=team_id).exists()


def test_owner_owns_every_table_and_the_app_owns_nothing(roles):
    with connection.cursor() as cursor:
        cursor.execute("SELECT DISTINCT pg_get_userbyid(relowner) FROM pg_class "
                       "WHERE relnamespace = 'public'::regnamespace AND relkind IN ('r', 'S', 'v')")
        assert cursor.fetchall() == [(OWNER_ROLE,)]
        cursor.execute("SELECT rolsuper, rolcreatedb, rolcreaterole, rolbypassrls, rolcanlogin FROM pg_roles "
                       "WHERE rolname IN (%s, %s)", [OWNER_ROLE, APP_ROLE])
        assert cursor.fetchall() == [(False, False, False, False, True)] * 2


def test_owner_role_may_change_the_schema(roles):
    owner = connect(OWNER_ROLE, database.OWNER_PASSWORD)
    try:
        owner.cursor().execute("BEGIN; CREATE TABLE searchlog_scratch (id int); "
                               "ALTER TABLE searchlog_auditevent DISABLE TRIGGER auditevent_insert_only; ROLLBACK")
    finally:
        owner.close()


def test_setup_is_idempotent(roles, monkeypatch):
    before = table_rights()
    again = setup_db_roles(monkeypatch)
    assert f"role {APP_ROLE}: password unchanged" in again
    assert f"owner {OWNER_ROLE}: 0 relations and 0 functions handed over" in again
    assert table_rights() == before


def table_rights() -> list[tuple[str, str]]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT relname, relacl::text FROM pg_class WHERE relnamespace = 'public'::regnamespace "
                       "AND relkind = 'r' ORDER BY relname")
        return cursor.fetchall()


def test_setup_takes_back_a_right_granted_by_hand(roles, monkeypatch, app):
    with database.as_superuser(), connection.cursor() as cursor:
        cursor.execute("GRANT UPDATE, TRUNCATE ON searchlog_auditevent TO searchlog_app")
    setup_db_roles(monkeypatch)
    refused(app, "UPDATE searchlog_auditevent SET action = action", "permission denied for table")


def test_a_new_password_takes_effect(roles, monkeypatch):
    try:
        assert f"role {APP_ROLE}: password set" in setup_db_roles(monkeypatch, app_password="a new one")
        with database.as_superuser(), connection.cursor() as cursor:
            cursor.execute("SELECT rolpassword FROM pg_authid WHERE rolname = %s", [APP_ROLE])
            (verifier,) = cursor.fetchone()
        assert password_matches(verifier, role=APP_ROLE, password="a new one")
        assert not password_matches(verifier, role=APP_ROLE, password=database.APP_PASSWORD)
        connect(APP_ROLE, "a new one").close()
    finally:
        setup_db_roles(monkeypatch)


def test_scram_verifier_matches_its_password_only():
    verifier = scram_verifier("pencil", salt=b"0123456789abcdef")
    assert verifier.startswith("SCRAM-SHA-256$4096:")
    assert password_matches(verifier, role=APP_ROLE, password="pencil")
    assert not password_matches(verifier, role=APP_ROLE, password="pen")
    assert not password_matches(None, role=APP_ROLE, password="pencil")


def test_insert_only_tables_not_yet_created_are_skipped(roles):
    with connection.cursor() as cursor:
        for table in INSERT_ONLY_TABLES:
            cursor.execute("SELECT to_regclass(%s) IS NULL", [table])
            if cursor.fetchone()[0]:
                assert f"insert-only {table}: not there yet, skipped" in roles


def test_setup_refuses_without_passwords(needs_postgres, monkeypatch):
    monkeypatch.delenv("SEARCHLOG_APP_PASSWORD", raising=False)
    monkeypatch.setenv("SEARCHLOG_OWNER_PASSWORD", "x")
    with pytest.raises(CommandError, match="set SEARCHLOG_APP_PASSWORD"):
        call_command("setup_db_roles")


def test_setup_refuses_a_connection_that_is_not_a_superuser(roles, monkeypatch, settings_as_app_role):
    monkeypatch.setenv("SEARCHLOG_OWNER_PASSWORD", "x")
    monkeypatch.setenv("SEARCHLOG_APP_PASSWORD", "y")
    with pytest.raises(CommandError, match="needs a superuser"):
        call_command("setup_db_roles")


def test_setup_has_nothing_to_do_on_sqlite(monkeypatch):
    out = StringIO()
    with monkeypatch.context() as patch:
        patch.setattr(connection, "vendor", "sqlite")
        call_command("setup_db_roles", stdout=out)
    assert "nothing to do" in out.getvalue()


# migrate as the owner


@pytest.fixture
def connection_restored() -> Iterator[None]:
    """migrate as the owner changes the connection's settings: put them back afterwards."""
    db = connection.settings_dict
    saved = db["USER"], db["PASSWORD"]
    database.app_role_on_connect(False)  # the owner may not become the app role; a real migrate never asks it to
    yield
    db["USER"], db["PASSWORD"] = saved
    database.app_role_on_connect(database.runs_as_app_role())


@pytest.fixture
def migrate_user(monkeypatch, connection_restored) -> list[str]:
    """Replace migrate's real work with a spy that notes who it is connected as."""
    seen: list[str] = []

    def spy(self, *args, **options):  # type: ignore[no-untyped-def]
        with connection.cursor() as cursor:
            cursor.execute("SELECT session_user")
            seen.append(cursor.fetchone()[0])

    monkeypatch.setattr(DjangoMigrate, "handle", spy)
    return seen


def owner_url(*, port: str = "") -> str:
    db = connection.settings_dict
    where = f"{db['HOST'] or '127.0.0.1'}:{port or db['PORT'] or 5432}"
    return f"postgres://{OWNER_ROLE}:{database.OWNER_PASSWORD}@{where}/{db['NAME']}"


def test_migrate_connects_as_the_owner_when_asked(roles, monkeypatch, migrate_user):
    monkeypatch.setenv("DATABASE_OWNER_URL", owner_url())
    call_command("migrate", verbosity=0)
    assert migrate_user == [OWNER_ROLE]


def test_migrate_connects_as_usual_without_an_owner_url(needs_postgres, monkeypatch, migrate_user):
    monkeypatch.delenv("DATABASE_OWNER_URL", raising=False)
    call_command("migrate", verbosity=0)
    assert migrate_user == [connection.settings_dict["USER"]]


def test_migrate_refuses_an_owner_url_for_another_server(needs_postgres, monkeypatch, migrate_user):
    monkeypatch.setenv("DATABASE_OWNER_URL", owner_url(port="5999"))
    with pytest.raises(CommandError, match="same server"):
        call_command("migrate", verbosity=0)
    assert migrate_user == []


def test_the_suite_is_the_app_role_when_asked(needs_postgres):
    """SEARCHLOG_TEST_DB_ROLE=app (CI) runs every test as the app role; `as_superuser()` steps out of it."""
    expected = APP_ROLE if database.runs_as_app_role() else connection.settings_dict["USER"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user")
        assert cursor.fetchone() == (expected,)
        with database.as_superuser():
            cursor.execute("SELECT current_user")
            assert cursor.fetchone() == (connection.settings_dict["USER"],)
        cursor.execute("SELECT current_user")
        assert cursor.fetchone() == (expected,)


def test_migrate_makes_insert_only_tables_insert_only_at_once(roles, monkeypatch, connection_restored):
    """Default privileges give a new table UPDATE and DELETE; migrate takes them back before setup_db_roles runs."""
    with connection.cursor() as cursor:
        cursor.execute("GRANT UPDATE, DELETE ON searchlog_auditevent TO searchlog_app")
    monkeypatch.setenv("DATABASE_OWNER_URL", owner_url())
    call_command("migrate", verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute("SELECT has_table_privilege(%s, 'searchlog_auditevent', 'UPDATE')", [APP_ROLE])
        assert cursor.fetchone() == (False,)
