"""Upgrading a database from the first round: old audit events are minimised and sealed, numbering carries on."""

from __future__ import annotations

import importlib
import json
import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from searchlog.audit import value_hash

ROOT = Path(__file__).resolve().parent.parent
MIGRATION = importlib.import_module("searchlog.migrations.0004_audit_seal")


@pytest.mark.parametrize(("old", "new"), [
    ({"subject_reference": [None, "LAS-5"], "quick": False},
     {"quick": False, "changed": {"subject_reference": [value_hash(None), value_hash("LAS-5")]}}),
    ({"status": ["submitted", "returned"], "comment": "Add the consent details"},
     {"status": ["submitted", "returned"], "comment": value_hash("Add the consent details")}),
    ({"escalation": 3, "outcome": "no_concern", "comment": ""}, {"escalation": 3, "outcome": "no_concern",
                                                                 "comment": ""}),
    ({"filters": {"status": "submitted"}, "rows": 12}, {"filters": {"status": "submitted"}, "rows": 12}),
])
def test_old_changes_keep_field_names_and_keyed_hashes_only(old, new):
    assert MIGRATION.minimised(old) == new


def _manage(env: dict[str, str], *args: str) -> str:
    run = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                         timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    return run.stdout


def test_a_first_round_database_upgrades_and_its_old_events_are_sealed(tmp_path):
    database = tmp_path / "db.sqlite3"
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{database}", "SEARCHLOG_VAR_DIR": str(tmp_path / "var"),
           "SEARCHLOG_AUDIT_CHECKPOINT_DIR": str(tmp_path / "checkpoints"), "SEARCHLOG_TEST_DB_ROLE": ""}
    _manage(env, "migrate", "searchlog", "0003_reminders", "--noinput")
    with sqlite3.connect(database) as db:
        db.create_function("REGEXP", 2, lambda pattern, text: re.search(pattern, text or "") is not None)
        db.execute(
            "INSERT INTO searchlog_auditevent (id, at, actor_username, action, object_type, object_id, request_id, "
            "changes, prev_hash, hash) VALUES (1, '2026-11-20 10:00:00', 'alice', 'record.create', 'record', "
            "'OS-2026-000001', '', ?, ?, ?)",
            [json.dumps({"findings": ["", "Lives at the address"], "quick": False}), "0" * 64, "a" * 64],
        )
        db.execute("INSERT INTO searchlog_referencecounter (year, last) VALUES (2026, 41)")
    _manage(env, "migrate", "--noinput")
    with sqlite3.connect(database) as db:
        (changes,) = db.execute("SELECT changes FROM searchlog_auditevent WHERE id = 1").fetchone()
        triggers = {name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")}
    assert "Lives at the address" not in changes
    assert json.loads(changes) == {"quick": False, "changed": {"findings": [value_hash(""),
                                                                            value_hash("Lives at the address")]}}
    assert {"searchlog_auditevent_no_update", "searchlog_auditseal_no_delete"} <= triggers
    assert "Sealed 1 event" in _manage(env, "seal_audit_trail")
    assert _manage(env, "verify_audit_trail").startswith("ok: 1 events sealed")


@pytest.mark.django_db
def test_on_postgres_each_years_numbering_carries_on_from_the_old_counter(needs_postgres, tmp_path):
    import uuid

    import psycopg2
    from django.db import connection

    settings_dict = connection.settings_dict
    name = f"upgrade_{uuid.uuid4().hex[:8]}"
    server = {"host": settings_dict["HOST"] or "127.0.0.1", "port": settings_dict["PORT"] or 5432,
              "user": settings_dict["USER"], "password": settings_dict["PASSWORD"] or None}
    admin = psycopg2.connect(dbname="postgres", **server)
    admin.autocommit = True
    admin.cursor().execute(f'CREATE DATABASE "{name}"')
    try:
        url = f"postgres://{server['user']}@{server['host']}:{server['port']}/{name}"
        env = {**os.environ, "DATABASE_URL": url, "SEARCHLOG_AUDIT_CHECKPOINT_DIR": str(tmp_path),
               "SEARCHLOG_TEST_DB_ROLE": "", "CELERY_BROKER_URL": "memory://"}
        _manage(env, "migrate", "searchlog", "0003_reminders", "--noinput")
        upgraded = psycopg2.connect(dbname=name, **server)
        with upgraded, upgraded.cursor() as cursor:
            cursor.execute("INSERT INTO searchlog_referencecounter (year, last) VALUES (2026, 41)")
        upgraded.close()
        _manage(env, "migrate", "--noinput")
        upgraded = psycopg2.connect(dbname=name, **server)
        with upgraded, upgraded.cursor() as cursor:
            cursor.execute("SELECT searchlog_next_reference_number(2026), searchlog_next_reference_number(2027)")
            assert cursor.fetchone() == (42, 1)
        upgraded.close()
    finally:
        admin.cursor().execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()
