"""Time the audit sealer and audit_verify() over a large audit trail.

    createdb -h 127.0.0.1 -U postgres benchaudit
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/benchaudit .venv/bin/python bench/audit.py

Builds the events fast (rows loaded with COPY on PostgreSQL), seals them all with the app's sealer (target: at least
5,000 events a second), then verifies the whole trail (target: 1,000,000 events in under a minute) and removes what it
added. Removing needs the tables' owner (it switches off the insert-only triggers for that one transaction).
BENCH_AUDIT_EVENTS sets the number of events. Checkpoints go to a temporary folder.
"""

from __future__ import annotations

import io
import json
import os
import resource
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ["SEARCHLOG_AUDIT_CHECKPOINT_DIR"] = tempfile.mkdtemp(prefix="bench-audit-checkpoints-")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from searchlog import audit, audit_chain  # noqa: E402
from searchlog.models import AuditEvent, AuditSeal, User  # noqa: E402

TOTAL = int(os.environ.get("BENCH_AUDIT_EVENTS", "1000000"))
CHUNK = 10_000
TABLE = AuditEvent._meta.db_table
COLUMNS = ("id", "at", "actor_id", "actor_username", "action", "object_type", "object_id", "request_id",
           "ip_address", "changes", "txid")
ACTIONS = ["record.view", "record.change", "record.submit", "record.sign_off", "export", "auth.sign_in"]
START = datetime(2026, 1, 1, 8, 0, tzinfo=UTC)


def events(first_id: int, txid: int | None, actor: User) -> Iterator[tuple]:
    """Rows shaped like real ones (a tenth with an actor, changes naming a few fields with keyed hashes)."""
    hashed = [audit.value_hash(n) for n in range(16)]
    for n in range(TOTAL):
        with_actor = n % 10 == 0
        changes = (
            {"status": ["draft", "submitted"], "changed": {"purpose": hashed[n % 16:n % 16 + 2]}}
            if n % 3 else {"format": "csv", "rows": n % 500, "filters": {"team": "Adults North"}}
        )
        yield (
            first_id + n, START + timedelta(seconds=n, microseconds=n % 1_000_000), actor.pk if with_actor else None,
            actor.username if with_actor else "", ACTIONS[n % len(ACTIONS)], "record", f"OS-2026-{n % 999_999 + 1:06d}",
            f"{n:032x}", f"10.{n >> 16 & 255}.{n >> 8 & 255}.{n & 255}", audit.json_safe(changes), txid,
        )


def _copy_text(value: object) -> str:
    if value is None:
        return r"\N"
    if isinstance(value, datetime):
        return value.isoformat()
    text = json.dumps(value, separators=(",", ":")) if isinstance(value, dict) else str(value)
    assert not any(c in text for c in "\\\t\n\r"), text  # nothing COPY would need escaped
    return text


def load(rows: Iterator[tuple]) -> None:
    if connection.vendor != "postgresql":
        batch: list[AuditEvent] = []
        for row in rows:
            batch.append(AuditEvent(**dict(zip(COLUMNS, row, strict=True))))
            if len(batch) == CHUNK:
                AuditEvent.objects.bulk_create(batch)
                batch = []
        AuditEvent.objects.bulk_create(batch)
        return
    with connection.cursor() as cursor:
        raw = cursor.cursor
        while True:
            buffer = io.StringIO()
            written = 0
            for row in rows:
                buffer.write("\t".join(_copy_text(v) for v in row) + "\n")
                written += 1
                if written == CHUNK:
                    break
            if not written:
                break
            buffer.seek(0)
            raw.copy_expert(f"COPY {TABLE} ({', '.join(COLUMNS)}) FROM STDIN", buffer)
        cursor.execute(f"SELECT setval(pg_get_serial_sequence('{TABLE}', 'id'), (SELECT MAX(id) FROM {TABLE}))")
        cursor.execute(f"ANALYZE {TABLE}")


def remove_from(first_id: int, first_seq: int) -> None:
    """Take back what the bench added, past the insert-only triggers (needs the tables' owner)."""
    with transaction.atomic(), connection.cursor() as cursor:
        for table, column, first in ((AuditSeal._meta.db_table, "seq", first_seq), (TABLE, "id", first_id)):
            if connection.vendor == "postgresql":
                cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
                cursor.execute(f"DELETE FROM {table} WHERE {column} >= %s", [first])
                cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")
            else:
                cursor.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s", [table])
                triggers = cursor.fetchall()
                for name, _sql in triggers:
                    cursor.execute(f'DROP TRIGGER "{name}"')
                cursor.execute(f"DELETE FROM {table} WHERE {column} >= %s", [first])
                for _name, sql in triggers:
                    cursor.execute(sql)


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    call_command("migrate", verbosity=0)
    actor, _ = User.objects.get_or_create(username="bench-audit", defaults={"role": "auditor"})
    audit_chain.audit_seal()  # whatever was there before is not the bench's to time
    first_id = (AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 1
    first_seq = (AuditSeal.objects.order_by("-seq").values_list("seq", flat=True).first() or 0) + 1
    print(f"{connection.vendor}: building {TOTAL:,} events after {first_id - 1:,} already there")
    started = time.perf_counter()
    try:
        with transaction.atomic():
            txid = None
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("SELECT txid_current()")
                    txid = cursor.fetchone()[0]
            load(events(first_id, txid, actor))
        print(f"built in {time.perf_counter() - started:.1f}s (peak memory so far {peak_mb():.0f} MB)")

        started = time.perf_counter()
        sealed = audit_chain.audit_seal()
        seconds = time.perf_counter() - started
        print(f"audit_seal: {sealed} in {seconds:.1f}s ({sealed.sealed / seconds:,.0f} events/s; target 5,000)")

        started = time.perf_counter()
        result = audit_chain.audit_verify()
        seconds = time.perf_counter() - started
        print(f"audit_verify: {result.summary}")
        print(f"verified {result.count:,} events in {seconds:.1f}s ({result.count / seconds:,.0f} events/s; target "
              f"1,000,000 in 60 s), peak memory {peak_mb():.0f} MB")
        if not result.ok or sealed.sealed < TOTAL:
            sys.exit(1)
    finally:
        remove_from(first_id, first_seq)
        if not AuditEvent.objects.filter(actor=actor).exists():
            actor.delete()
        print(f"removed the bench's events and seals; {AuditEvent.objects.count():,} events left")


if __name__ == "__main__":
    main()
