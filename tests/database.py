"""Who the test suite is in the database: the app role on PostgreSQL when SEARCHLOG_TEST_DB_ROLE=app (CI sets it).

The test database is created and migrated by the superuser, as pytest-django does; then `setup_db_roles` hands it to
the owner role and every new connection of the tests starts as `searchlog_app` (`-c role=…` at connect), so each
product code path runs with the app's rights. The session stays the superuser's underneath, which is what lets
`as_superuser()` step out for a moment even inside a test's transaction: a transactional test's flush (TRUNCATE of
every table) and the tests that tamper with the audit trail on purpose need it. Subprocesses (a Celery worker) log in
as the app role itself, with its password.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import quote

from django.db import DatabaseError, connection

from searchlog.db_roles import APP_ROLE

APP_ROLE_WANTED = os.environ.get("SEARCHLOG_TEST_DB_ROLE", "").lower() == "app"
OWNER_PASSWORD = os.environ.get("SEARCHLOG_OWNER_PASSWORD") or "searchlog-owner-test"
APP_PASSWORD = os.environ.get("SEARCHLOG_APP_PASSWORD") or "searchlog-app-test"
_STARTUP_OPTION = f"-c role={APP_ROLE}"
_left_as_superuser = False


def runs_as_app_role() -> bool:
    return APP_ROLE_WANTED and connection.vendor == "postgresql"


def app_role_on_connect(on: bool) -> None:
    """Make every new connection start as the app role (or as the superuser again); close the current one."""
    options = connection.settings_dict.setdefault("OPTIONS", {})
    if on:
        options["options"] = _STARTUP_OPTION
    else:
        options.pop("options", None)
    connection.close()


@contextmanager
def as_superuser() -> Iterator[None]:
    """Act as the superuser for a moment (tampering on purpose, a flush), inside a transaction or not."""
    if not runs_as_app_role():
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SET ROLE NONE")
    try:
        yield
    finally:
        try:
            with connection.cursor() as cursor:
                cursor.execute(f"SET ROLE {APP_ROLE}")
        except DatabaseError:
            # The transaction failed: rolling it (or its savepoint) back restores the role it started with.
            pass


def stay_superuser_until_the_test_ends() -> None:
    """For a transactional test's teardown: the flush that follows truncates every table, which the app may not."""
    global _left_as_superuser
    if runs_as_app_role():
        with connection.cursor() as cursor:
            cursor.execute("SET ROLE NONE")
        _left_as_superuser = True


def back_to_app_role() -> None:
    """After a test's teardown: a new connection starts as the app role again."""
    global _left_as_superuser
    if _left_as_superuser:
        connection.close()
        _left_as_superuser = False


def database_url() -> str:
    """DATABASE_URL for a subprocess (a Celery worker): the app role itself when the suite runs as it."""
    db = connection.settings_dict
    user = f"{APP_ROLE}:{quote(APP_PASSWORD, safe='')}" if runs_as_app_role() else db["USER"]
    return f"postgres://{user}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
