"""Time audit_verify() over a large audit trail (the target: 1,000,000 events in under a minute).

    createdb -h 127.0.0.1 -U postgres benchaudit
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/benchaudit .venv/bin/python bench/audit.py

Builds the events fast (hashes computed here, rows loaded with COPY on PostgreSQL), chained on from any events
already there, then verifies the whole trail and removes what it added. Removing needs the table's owner (it
switches off the append-only triggers for that one transaction). BENCH_AUDIT_EVENTS sets the number of events.
"""

from __future__ import annotations

import io
import json
import os
import resource
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from searchlog import audit  # noqa: E402
from searchlog.models import AuditEvent, User  # noqa: E402

TOTAL = int(os.environ.get("BENCH_AUDIT_EVENTS", "1000000"))
CHUNK = 10_000
TABLE = AuditEvent._meta.db_table
COLUMNS = ("id", "at", "actor_id", "actor_username", "action", "object_type", "object_id", "request_id",
           "ip_address", "changes", "prev_hash", "hash")
ACTIONS = ["record.view", "record.change", "record.submit", "record.sign_off", "export", "auth.sign_in"]
START = datetime(2026, 1, 1, 8, 0, tzinfo=UTC)


def events(first_id: int, prev_hash: str, actor: User) -> Iterator[tuple]:
    """Rows shaped like real ones (a tenth with an actor, changes of a few fields), chained as audit_append does."""
    for n in range(TOTAL):
        event_id = first_id + n
        with_actor = n % 10 == 0
        changes = (
            {"status": ["draft", "submitted"], "purpose": ["", f"Check report {n}"], "platforms": [[], ["facebook"]]}
            if n % 3 else {"format": "csv", "rows": n % 500, "filters": {"team": "Adults North"}}
        )
        row = (
            event_id, START + timedelta(seconds=n, microseconds=n % 1_000_000), actor.pk if with_actor else None,
            actor.username if with_actor else "", ACTIONS[n % len(ACTIONS)], "record", f"OS-2026-{n % 999_999 + 1:06d}",
            f"{n:032x}", f"10.{n >> 16 & 255}.{n >> 8 & 255}.{n & 255}", audit.json_safe(changes), prev_hash,
        )
        prev_hash = audit._digest(row)
        yield (*row, prev_hash)


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


def remove_from(first_id: int, *, was_empty: bool) -> None:
    """Take back what the bench added, past the append-only triggers (needs the table's owner)."""
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(f"ALTER TABLE {TABLE} DISABLE TRIGGER USER")
            if was_empty:
                cursor.execute(f"TRUNCATE {TABLE}")
            else:
                cursor.execute(f"DELETE FROM {TABLE} WHERE id >= %s", [first_id])
            cursor.execute(f"ALTER TABLE {TABLE} ENABLE TRIGGER USER")
        else:
            cursor.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s", [TABLE])
            triggers = cursor.fetchall()
            for name, _sql in triggers:
                cursor.execute(f'DROP TRIGGER "{name}"')
            cursor.execute(f"DELETE FROM {TABLE} WHERE id >= %s", [first_id])
            for _name, sql in triggers:
                cursor.execute(sql)


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    call_command("migrate", verbosity=0)
    actor, _ = User.objects.get_or_create(username="bench-audit", defaults={"role": "auditor"})
    last = AuditEvent.objects.order_by("-id").values_list("id", "hash").first()
    first_id, prev_hash = (last[0] + 1, last[1]) if last else (1, audit.ZERO_HASH)
    print(f"{connection.vendor}: building {TOTAL:,} events after {first_id - 1:,} already there")
    started = time.perf_counter()
    try:
        with transaction.atomic():
            load(events(first_id, prev_hash, actor))
        print(f"built in {time.perf_counter() - started:.1f}s (peak memory so far {peak_mb():.0f} MB)")

        started = time.perf_counter()
        result = audit.audit_verify()
        seconds = time.perf_counter() - started
        print(f"audit_verify: {result.summary}")
        print(f"verified {result.count:,} events in {seconds:.1f}s ({result.count / seconds:,.0f} events/s), "
              f"peak memory {peak_mb():.0f} MB")
        if not result.ok:
            sys.exit(1)
    finally:
        remove_from(first_id, was_empty=last is None)
        if not AuditEvent.objects.filter(actor=actor).exists():
            actor.delete()
        print(f"removed the bench's events; {AuditEvent.objects.count():,} left")


if __name__ == "__main__":
    main()
