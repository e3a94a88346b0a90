"""The sealed audit chain: sealing after the fact, one sealer at a time, checkpoints, and every kind of tampering."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from io import StringIO
from pathlib import Path
from types import SimpleNamespace

import pytest
import time_machine
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, connections, transaction

from searchlog import audit_chain, clock, tasks
from searchlog.audit import audit_append
from searchlog.audit_chain import (
    ZERO_MAC,
    Checkpoint,
    audit_seal,
    audit_verify,
    canonical,
    checkpoint_read,
    checkpoint_write,
    seal_mac,
)
from searchlog.models import AuditEvent, AuditSeal
from tests.database import as_superuser

ROOT = Path(__file__).resolve().parent.parent
MOMENT = datetime(2026, 11, 24, 21, 40, 5, 123456, tzinfo=UTC)
sealing = pytest.mark.django_db(transaction=True)


def append(n: int = 1, **fields) -> list[AuditEvent]:
    defaults = {"action": "record.view", "actor": None, "obj_type": "record", "obj_id": "OS-2026-000001"}
    return [audit_append(**{**defaults, **fields}) for _ in range(n)]


def key() -> bytes:
    return settings.SEARCHLOG_AUDIT_KEY.encode()


@contextmanager
def tampering():
    """Switch off the insert-only triggers, as the database's superuser could; back on afterwards."""
    tables = ("searchlog_auditevent", "searchlog_auditseal")
    with as_superuser(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for table in tables:
                cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
            try:
                yield cursor
            finally:
                for table in tables:
                    cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")
            return
        cursor.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name IN (%s, %s)", tables)
        saved = cursor.fetchall()
        for name, _sql in saved:
            cursor.execute(f"DROP TRIGGER {name}")
        try:
            yield cursor
        finally:
            for _name, sql in saved:
                cursor.execute(sql)


def verify_command() -> str:
    out = StringIO()
    call_command("verify_audit_trail", stdout=out)
    return out.getvalue()


def expect_broken(reason: str, event_id: int | None = None) -> None:
    result = audit_verify()
    assert not result.ok, result.summary
    assert reason in result.reason
    if event_id is not None:
        assert result.first_bad_id == event_id
    with pytest.raises(CommandError) as refused:
        verify_command()
    assert refused.value.returncode == 1
    assert reason in str(refused.value)


def seal_all(batch: int = 5000) -> int:
    """Seal until every event is sealed; return how many were sealed.

    The sealer waits for every transaction that began before an event to end, in the whole database cluster: on a
    shared machine another test run's open transaction can hold it back for a moment.
    """
    sealed, deadline = 0, time.monotonic() + 20
    while True:
        sealed += audit_seal(batch=batch).sealed
        if not AuditEvent.objects.exclude(id__in=AuditSeal.objects.values("event_id")).exists():
            return sealed
        assert time.monotonic() < deadline, "the sealer could not seal every event within 20 s"
        time.sleep(0.05)


def seals() -> list[tuple[int, int, str]]:
    return list(AuditSeal.objects.order_by("seq").values_list("seq", "event_id", "mac"))


# The MAC and the canonical form


@pytest.mark.parametrize("row", [
    (1, MOMENT, None, "", "record.view", "", "", "", None, {}),
    (2**40, MOMENT, 7, 'o\'brien "x"', "export", "r\\t", "é✓\n", "id", "2001:db8::1",
     {"z": [1, 2.5, None, True], "a": {"y": "ü", "b": []}, "é": "\u0000"}),
])
def test_canonical_form_is_exactly_sorted_compact_json(row):
    payload = dict(zip(["id", "at", "actor", "actor_username", "action", "object_type", "object_id", "request_id",
                        "ip_address", "changes"], row, strict=True))
    payload["at"] = "2026-11-24T21:40:05.123456+00:00"
    assert canonical(row) == json.dumps(payload, sort_keys=True, separators=(",", ":"))


def test_a_seal_is_hmac_sha256_of_its_place_the_seal_before_and_the_event():
    row = (5, MOMENT, None, "", "record.view", "record", "OS-1", "", None, {})
    chain_key = hmac.new(key(), b"searchlog audit chain v1", hashlib.sha256).digest()
    message = f"3:{'a' * 64}:{canonical(row)}".encode()
    assert seal_mac(key(), 3, "a" * 64, row) == hmac.new(chain_key, message, hashlib.sha256).hexdigest()
    assert seal_mac(b"another key", 3, "a" * 64, row) != seal_mac(key(), 3, "a" * 64, row)


# Sealing


@sealing
def test_sealing_chains_every_event_once_and_writes_a_checkpoint():
    events = append(3)
    assert seal_all() == 3
    chain = seals()
    assert [(seq, event_id) for seq, event_id, _mac in chain] == [(1, events[0].pk), (2, events[1].pk),
                                                                 (3, events[2].pk)]
    checkpoint = checkpoint_read()
    assert (checkpoint.seq, checkpoint.count, checkpoint.head) == (3, 3, chain[-1][2])
    assert hmac.compare_digest(checkpoint.mac, checkpoint.expected_mac(key()))
    assert audit_seal().sealed == 0  # nothing twice
    append(2)
    assert seal_all() == 2
    assert verify_command().strip() == "ok: 5 events sealed; matches checkpoint 5"


@sealing
def test_an_empty_trail_verifies():
    assert audit_seal().sealed == 0
    assert verify_command().strip() == "ok: 0 events sealed; no checkpoint to compare with"


@sealing
def test_the_beat_task_and_the_command_seal(settings):
    append(2)
    # Each run seals what no running transaction in the cluster can precede: usually all, at once.
    assert re.fullmatch(r"Sealed [0-2] events?; the chain has [0-2]\.", tasks.seal_audit_trail())
    out = StringIO()
    call_command("seal_audit_trail", stdout=out)
    assert re.fullmatch(r"Sealed [0-2] events?; the chain has [0-2]\.\n", out.getvalue())
    seal_all()
    assert str(audit_seal()) == "Sealed 0 events; the chain has 2."
    assert str(audit_chain.SealResult(sealed=1, head_seq=3)) == "Sealed 1 event; the chain has 3."
    assert str(audit_chain.SealResult(skipped=True)) == "Another sealer is at work: skipped."
    assert settings.CELERY_BEAT_SCHEDULE["seal-audit-trail"]["task"] == "searchlog.tasks.seal_audit_trail"
    assert settings.CELERY_BEAT_SCHEDULE["seal-audit-trail"]["schedule"] <= 10


@sealing
def test_the_follow_mode_keeps_sealing(monkeypatch):
    append(1)
    runs = []

    def stop_after_two(seconds: float) -> None:
        runs.append(seconds)
        if len(runs) == 2:
            raise KeyboardInterrupt
        append(2)

    # The command's own clock only: time.sleep itself stays as it is for everything else.
    monkeypatch.setattr("searchlog.management.commands.seal_audit_trail.time", SimpleNamespace(sleep=stop_after_two))
    out = StringIO()
    with pytest.raises(KeyboardInterrupt):
        call_command("seal_audit_trail", "--follow", "--interval", "0.5", verbosity=2, stdout=out)
    assert runs == [0.5, 0.5]
    lines = out.getvalue().splitlines()
    assert len(lines) == 2 and all(re.fullmatch(r"Sealed \d events?; the chain has \d\.", line) for line in lines)
    seal_all()
    assert AuditSeal.objects.count() == 3


@sealing
def test_a_second_sealer_skips_while_one_is_at_work(needs_postgres):
    append(2)
    other = connections.create_connection("default")
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s)", [audit_chain.SEALER_LOCK_KEY])
        assert audit_seal().skipped
        assert AuditSeal.objects.count() == 0
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [audit_chain.SEALER_LOCK_KEY])
        assert seal_all() == 2
    finally:
        other.close()


@sealing
def test_the_sealer_never_seals_past_a_transaction_still_running(needs_postgres):
    """An event whose transaction is still open could commit later; nothing after it is sealed until it ends."""
    before = append(1)[0]
    written, release, done = threading.Event(), threading.Event(), threading.Event()
    held: list[int] = []

    def slow_writer() -> None:
        try:
            with transaction.atomic():
                held.append(append(1)[0].pk)
                written.set()
                release.wait(10)
        finally:
            connections.close_all()
            done.set()

    thread = threading.Thread(target=slow_writer)
    thread.start()
    try:
        assert written.wait(10)
        after = append(1)[0]  # committed, but its transaction began after the slow one's
        deadline = time.monotonic() + 20
        while not audit_seal().sealed:
            assert time.monotonic() < deadline
            time.sleep(0.05)
        time.sleep(0.2)
        audit_seal()
        assert [event_id for _seq, event_id, _mac in seals()] == [before.pk]
    finally:
        release.set()
        thread.join(10)
    assert done.is_set()
    assert seal_all() == 2
    assert [event_id for _seq, event_id, _mac in seals()] == [before.pk, held[0], after.pk]
    assert audit_verify().ok


@sealing
def test_concurrent_writers_and_sealers_seal_every_event_exactly_once(needs_postgres):
    writers, each, sealers = 6, 25, 3
    stop = threading.Event()
    errors: list[BaseException] = []
    skipped: list[int] = []

    def write(n: int) -> None:
        try:
            for i in range(each):
                with transaction.atomic():
                    audit_append(action="record.view", actor=None, obj_type="record", obj_id=f"W{n}-{i}")
                    if i % 3 == 0:
                        audit_append(action="record.change", actor=None, obj_type="record", obj_id=f"W{n}-{i}")
        except BaseException as error:  # noqa: BLE001 (reported below)
            errors.append(error)
        finally:
            connections.close_all()

    def seal() -> None:
        try:
            while not stop.is_set():
                if audit_seal(batch=7).skipped:
                    skipped.append(1)
        except BaseException as error:  # noqa: BLE001 (reported below)
            errors.append(error)
        finally:
            connections.close_all()

    sealer_threads = [threading.Thread(target=seal) for _ in range(sealers)]
    writer_threads = [threading.Thread(target=write, args=(n,)) for n in range(writers)]
    for thread in sealer_threads + writer_threads:
        thread.start()
    for thread in writer_threads:
        thread.join()
    stop.set()
    for thread in sealer_threads:
        thread.join()
    assert errors == []
    seal_all()
    total = writers * (each + (each + 2) // 3)
    chain = seals()
    assert [seq for seq, _event, _mac in chain] == list(range(1, total + 1))
    assert sorted(event_id for _seq, event_id, _mac in chain) == sorted(AuditEvent.objects.values_list("id", flat=True))
    assert skipped, "the sealers never met, so this test proved nothing about them"
    result = audit_verify()
    assert (result.ok, result.count, result.unsealed) == (True, total, 0)


# Checkpoints


def test_a_checkpoint_is_written_atomically_and_never_replaced_by_an_older_one(tmp_path):
    newer = Checkpoint.signed(key(), seq=10, head="b" * 64, at=MOMENT)
    older = Checkpoint.signed(key(), seq=9, head="a" * 64, at=MOMENT + timedelta(seconds=1))
    checkpoint_write(newer, tmp_path)
    checkpoint_write(older, tmp_path)
    assert checkpoint_read(tmp_path) == newer
    assert json.loads((tmp_path / "2026-11-24.json").read_text())["seq"] == 10
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith(".")) == ["2026-11-24.json",
                                                                                        "latest.json"]


@sealing
def test_a_damaged_or_forged_checkpoint_fails_verification():
    append(2)
    seal_all()
    latest = Path(settings.SEARCHLOG_AUDIT_CHECKPOINT_DIR) / "latest.json"
    data = json.loads(latest.read_text())
    latest.write_text(json.dumps({**data, "seq": 1}))
    expect_broken("is not signed with the audit key")
    latest.write_text("{not json")
    expect_broken("cannot be read")


# Tampering: each case is caught


@sealing
def test_an_altered_event_is_caught():
    events = append(3)
    seal_all()
    with tampering() as cursor:
        cursor.execute("UPDATE searchlog_auditevent SET object_id = 'OS-2026-999999' WHERE id = %s", [events[1].pk])
    expect_broken("chain entry 2 does not match it", events[1].pk)


@sealing
def test_a_deleted_event_in_the_middle_is_caught():
    events = append(3)
    seal_all()
    with tampering() as cursor:
        cursor.execute("DELETE FROM searchlog_auditevent WHERE id = %s", [events[1].pk])
    expect_broken("sealed as chain entry 2 but has been removed", events[1].pk)


@sealing
def test_a_deleted_event_and_its_seal_in_the_middle_are_caught():
    events = append(3)
    seal_all()
    with tampering() as cursor:
        cursor.execute("DELETE FROM searchlog_auditseal WHERE event_id = %s", [events[1].pk])
        cursor.execute("DELETE FROM searchlog_auditevent WHERE id = %s", [events[1].pk])
    expect_broken("chain entries 2 to 2 are missing", events[2].pk)


@sealing
def test_deleting_the_newest_events_and_their_seals_is_caught_by_the_checkpoint():
    events = append(3)
    seal_all()
    with tampering() as cursor:
        cursor.execute("DELETE FROM searchlog_auditseal WHERE seq >= 2")
        cursor.execute("DELETE FROM searchlog_auditevent WHERE id >= %s", [events[1].pk])
    expect_broken("the chain ends at entry 1 but the checkpoint")
    assert "the newest events were removed" in audit_verify().reason


@sealing
def test_an_event_slipped_in_behind_the_sealer_is_caught():
    events = append(2)
    seal_all()
    with tampering() as cursor:
        # An old-looking event with an id and (on PostgreSQL) a transaction id from before the last sealed one.
        cursor.execute(
            "INSERT INTO searchlog_auditevent (id, at, actor_username, action, object_type, object_id, request_id, "
            "changes, txid) VALUES (%s, %s, '', 'record.view', 'record', 'OS-FORGED', '', '{}', %s)",
            [events[0].pk - 1 if events[0].pk > 1 else 0, clock.now(), 0 if connection.vendor == "postgresql"
             else None],
        )
    expect_broken("it was slipped in afterwards")


@sealing
def test_an_event_inserted_without_a_transaction_id_is_caught(needs_postgres):
    append(1)
    seal_all()
    with tampering() as cursor:
        cursor.execute(
            "INSERT INTO searchlog_auditevent (at, actor_username, action, object_type, object_id, request_id, "
            "changes) VALUES (now(), '', 'record.view', 'record', 'OS-FORGED', '', '{}')"
        )
    expect_broken("it was slipped in afterwards")
    assert audit_seal().sealed == 0  # and the sealer does not take it in


@sealing
def test_a_chain_recomputed_without_the_key_is_caught():
    """Someone with every right in the database rewrites an event and recomputes every later seal, but not the key."""
    events = append(3)
    seal_all()
    guessed_key = b"the key is not in the database"
    with tampering() as cursor:
        cursor.execute("UPDATE searchlog_auditevent SET object_id = 'OS-2026-999999' WHERE id = %s", [events[1].pk])
        prev = ZERO_MAC
        rows = AuditEvent.objects.order_by("id").values_list(*audit_chain.EVENT_FIELDS)
        for seq, row in enumerate(rows, start=1):
            prev = seal_mac(guessed_key, seq, prev, row)
            cursor.execute("UPDATE searchlog_auditseal SET mac = %s WHERE seq = %s", [prev, seq])
    expect_broken("chain entry 1 does not match it", events[0].pk)


@sealing
def test_an_event_left_unsealed_past_the_grace_period_is_caught(settings):
    settings.SEARCHLOG_AUDIT_SEAL_GRACE_SECONDS = 60
    (event,) = append(1)
    assert audit_verify().ok and audit_verify().unsealed == 1
    with time_machine.travel(clock.now() + timedelta(seconds=61), tick=False):
        expect_broken("waited longer than 60 seconds to be sealed", event.pk)


@sealing
def test_the_database_refuses_changes_to_seals():
    from django.db import DatabaseError

    append(1)
    seal_all()
    for sql in ("UPDATE searchlog_auditseal SET mac = mac", "DELETE FROM searchlog_auditseal"):
        with pytest.raises(DatabaseError, match="insert-only"), transaction.atomic(), as_superuser(), \
                connection.cursor() as cursor:
            cursor.execute(sql)
    assert AuditSeal.objects.count() == 1


# The auditors' page


@sealing
def test_the_page_names_the_first_bad_event_when_the_chain_is_broken(client, auditor):
    events = append(3)
    client.force_login(auditor)
    seal_all()
    with tampering() as cursor:
        cursor.execute("UPDATE searchlog_auditevent SET actor_username = 'mallory' WHERE id = %s", [events[1].pk])
    text = client.get("/audit/").content.decode()
    assert "Audit trail broken" in text
    assert f"Event {events[1].pk} (record.view," in text
    assert "the event was altered" in text


@sealing
def test_chain_state_checks_new_seals_each_time_and_the_whole_chain_hourly():
    first, _second = append(2)
    seal_all()
    with time_machine.travel("2026-11-24 10:00Z", tick=False):
        state = audit_chain.audit_chain_state()
    assert state.result.ok and state.result.count == 2
    # An old event altered after the check: the quick check of new seals does not see it...
    with tampering() as cursor:
        cursor.execute("UPDATE searchlog_auditevent SET object_id = 'OS-2026-999999' WHERE id = %s", [first.pk])
    append(1)
    seal_all()
    with time_machine.travel("2026-11-24 10:30Z", tick=False):
        quick = audit_chain.audit_chain_state()
    assert quick.result.ok and quick.result.count == 3
    # ...but a new seal that does not verify is caught at once,
    (fourth,) = append(1)
    seal_all()
    with tampering() as cursor:
        cursor.execute("UPDATE searchlog_auditevent SET object_id = 'OS-2026-888888' WHERE id = %s", [fourth.pk])
    with time_machine.travel("2026-11-24 10:31Z", tick=False):
        broken = audit_chain.audit_chain_state()
    assert not broken.result.ok and broken.result.first_bad_id == fourth.pk
    # and the hourly whole check finds the old one.
    with tampering() as cursor:
        cursor.execute("UPDATE searchlog_auditevent SET object_id = %s WHERE id = %s", [fourth.object_id, fourth.pk])
    with time_machine.travel("2026-11-24 11:01Z", tick=False):
        whole = audit_chain.audit_chain_state()
    assert not whole.result.ok and whole.result.first_bad_id == first.pk


# The key


@pytest.mark.parametrize(("key_value", "refused"), [
    ("", "Set SEARCHLOG_AUDIT_KEY"),
    ("too short", "at least 32 characters"),
    ("x" * 40, None),
])
def test_the_app_refuses_to_start_without_a_real_key_when_debug_is_off(key_value, refused):
    env = {**os.environ, "DEBUG": "false", "SECRET_KEY": "s" * 50, "SEARCHLOG_AUDIT_KEY": key_value}
    run = subprocess.run([sys.executable, "-c", "import django; django.setup()"], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=60)
    if refused:
        assert run.returncode != 0 and refused in run.stderr
    else:
        assert run.returncode == 0, run.stderr
