"""The audit chain: seal events after the fact with a keyed MAC, write signed checkpoints, and verify.

Requests append events with plain INSERTs (searchlog.audit). The sealer, run by Celery beat every few seconds,
by `manage.py seal_audit_trail` or as a dedicated process (`--follow`), gives each event its place in the chain in the
order it seals them: seal n carries HMAC-SHA256(key, n, seal n-1's MAC, the event's canonical JSON). The key comes
from the environment and is never in the database, so the database's own superuser cannot rewrite the chain
unnoticed. After each run the sealer writes a signed checkpoint (sequence, head MAC, count, time) to files outside the
database, so that removing the newest events is caught too.

Which events may be sealed: on PostgreSQL every event records its transaction's id (txid_current()); the sealer only
seals events of transactions older than the oldest one still running (txid_snapshot_xmin of its snapshot), so no
transaction that is still running can later commit an event that belongs before one already sealed. It seals in
(txid, id) order, so every event below the last sealed txid is sealed: an unsealed one there was slipped in. On
SQLite, writers take turns, so event ids commit in order and the sealer simply follows the ids.
"""

from __future__ import annotations

import fcntl
import hashlib
import hmac
import json
import logging
import os
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import DatabaseError, IntegrityError, OperationalError, connection, transaction
from django.db.models import Exists, OuterRef, Q
from django.db.models.expressions import RawSQL

from searchlog import clock
from searchlog.audit import audit_key, ip_text, utc_text
from searchlog.models import AuditEvent, AuditSeal

logger = logging.getLogger(__name__)

ZERO_MAC = "0" * 64
# pg_try_advisory_lock key of the sealer (any constant unique to this purpose will do): one sealer at a time.
SEALER_LOCK_KEY = 0x5EA15EA1
EVENT_FIELDS = (
    "id", "at", "actor_id", "actor_username", "action", "object_type", "object_id", "request_id", "ip_address",
    "changes",
)
_XMIN = RawSQL("txid_snapshot_xmin(txid_current_snapshot())", ())
_json_string = json.encoder.encode_basestring_ascii  # type: ignore[attr-defined]
_json_sorted = json.JSONEncoder(sort_keys=True, separators=(",", ":"), allow_nan=False).encode


@lru_cache(maxsize=8)
def _subkey(key: bytes, purpose: bytes) -> bytes:
    return hmac.new(key, b"searchlog audit " + purpose + b" v1", hashlib.sha256).digest()


def canonical(row: Sequence[Any]) -> str:
    """The event as compact JSON with sorted keys, spelled out: verify runs it a million times."""
    (event_id, at, actor_id, actor_username, action, object_type, object_id, request_id, ip_address, changes) = row
    actor = "null" if actor_id is None else int(actor_id)
    # The database gives IPv4 back as written; only IPv6 has several spellings.
    ip = "null" if ip_address is None else _json_string(ip_address if ":" not in ip_address else ip_text(ip_address))
    return (
        f'{{"action":{_json_string(action)},"actor":{actor},"actor_username":{_json_string(actor_username)},'
        f'"at":"{utc_text(at)}","changes":{_json_sorted(changes)},"id":{int(event_id)},"ip_address":{ip},'
        f'"object_id":{_json_string(object_id)},"object_type":{_json_string(object_type)},'
        f'"request_id":{_json_string(request_id)}}}'
    )


def seal_mac(key: bytes, seq: int, prev_mac: str, row: Sequence[Any]) -> str:
    """The MAC of seal `seq`: the event's canonical JSON bound to its place and to the seal before it."""
    message = f"{seq}:{prev_mac}:{canonical(row)}".encode()
    return hmac.new(_subkey(key, b"chain"), message, hashlib.sha256).hexdigest()


# Checkpoints, outside the database


@dataclass(frozen=True)
class Checkpoint:
    seq: int
    head: str
    count: int
    at: str
    mac: str

    def body(self) -> dict[str, Any]:
        return {"version": 1, "seq": self.seq, "head": self.head, "count": self.count, "at": self.at}

    def expected_mac(self, key: bytes) -> str:
        return hmac.new(_subkey(key, b"checkpoint"), _json_sorted(self.body()).encode(), hashlib.sha256).hexdigest()

    @classmethod
    def signed(cls, key: bytes, *, seq: int, head: str, at: datetime) -> Checkpoint:
        unsigned = cls(seq=seq, head=head, count=seq, at=utc_text(at), mac="")
        return cls(seq=seq, head=head, count=seq, at=unsigned.at, mac=unsigned.expected_mac(key))


def _checkpoint_dir() -> Path:
    return Path(settings.SEARCHLOG_AUDIT_CHECKPOINT_DIR)


def checkpoint_read(directory: Path | None = None) -> Checkpoint | None:
    """The newest checkpoint, or None if none was written here. Raises ValueError for a damaged file."""
    path = (directory or _checkpoint_dir()) / "latest.json"
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        return None
    except (OSError, json.JSONDecodeError) as error:
        raise ValueError(f"checkpoint {path} cannot be read: {error}") from error
    try:
        return Checkpoint(seq=int(data["seq"]), head=str(data["head"]), count=int(data["count"]), at=str(data["at"]),
                          mac=str(data["mac"]))
    except (KeyError, TypeError, ValueError) as error:
        raise ValueError(f"checkpoint {path} is not a checkpoint: {error}") from error


def _write_atomically(path: Path, text: str) -> None:
    with tempfile.NamedTemporaryFile("w", dir=path.parent, prefix=f".{path.name}.", delete=False) as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(handle.name, path)


def checkpoint_write(checkpoint: Checkpoint, directory: Path | None = None) -> Path:
    """Write the checkpoint as latest.json (and the day's file), atomically; never replace a newer one."""
    directory = directory or _checkpoint_dir()
    directory.mkdir(parents=True, exist_ok=True)
    latest = directory / "latest.json"
    with open(directory / ".lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            current = checkpoint_read(directory)
        except ValueError:
            current = None
        if current is not None and current.seq >= checkpoint.seq:
            return latest
        text = json.dumps({**checkpoint.body(), "mac": checkpoint.mac}, indent=2) + "\n"
        _write_atomically(directory / f"{checkpoint.at[:10]}.json", text)
        _write_atomically(latest, text)
        directory_fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(directory_fd)
        finally:
            os.close(directory_fd)
    return latest


# Sealing


@dataclass
class SealResult:
    sealed: int = 0
    skipped: bool = False
    head_seq: int = 0

    def __str__(self) -> str:
        if self.skipped:
            return "Another sealer is at work: skipped."
        return f"Sealed {self.sealed} event{'s' if self.sealed != 1 else ''}; the chain has {self.head_seq}."


@contextmanager
def _sealer_lock() -> Iterator[bool]:
    """Whether this process may seal now: one sealer at a time, the others skip rather than wait."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s)", [SEALER_LOCK_KEY])
            held = cursor.fetchone()[0]
        try:
            yield held
        finally:
            if held:
                try:
                    with connection.cursor() as cursor:
                        cursor.execute("SELECT pg_advisory_unlock(%s)", [SEALER_LOCK_KEY])
                except DatabaseError:
                    # The connection is gone (a restart, say), and its session lock went with it.
                    logger.warning("Audit sealer: could not release its lock; the connection is closed.")
                    connection.close()
        return
    # SQLite runs on one machine: a file lock beside the checkpoints does.
    directory = _checkpoint_dir()
    directory.mkdir(parents=True, exist_ok=True)
    with open(directory / ".sealer.lock", "a") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _unsealed(last: tuple[int, str, int, int | None] | None, limit: int) -> list[tuple[Any, ...]]:
    """The next events to seal, in chain order: only those no running transaction can precede."""
    not_sealed = ~Exists(AuditSeal.objects.filter(event_id=OuterRef("pk")))
    if connection.vendor == "postgresql":
        watermark = last[3] if last and last[3] is not None else 0
        events = AuditEvent.objects.filter(not_sealed, txid__gte=watermark, txid__lt=_XMIN).order_by("txid", "id")
    else:
        events = AuditEvent.objects.filter(id__gt=last[2] if last else 0).order_by("id")
    return list(events.values_list(*EVENT_FIELDS, "txid")[:limit])


def _seal_batch(key: bytes, limit: int) -> tuple[int, int]:
    """Seal up to `limit` events in one transaction; return (how many, the chain's length)."""
    with transaction.atomic():
        last = AuditSeal.objects.order_by("-seq").values_list("seq", "mac", "event_id", "event_txid").first()
        seq, prev = (last[0], last[1]) if last else (0, ZERO_MAC)
        rows = _unsealed(last, limit)
        now = clock.now()
        seals = []
        for row in rows:
            seq += 1
            prev = seal_mac(key, seq, prev, row[:10])
            seals.append(AuditSeal(seq=seq, event_id=row[0], event_txid=row[10], mac=prev, sealed_at=now))
        AuditSeal.objects.bulk_create(seals, batch_size=2000)
    return len(seals), seq


def audit_seal(*, batch: int = 5000) -> SealResult:
    """Seal every event that can be sealed now, then write a checkpoint; skip if another sealer is at work."""
    key = audit_key()
    result = SealResult()
    with _sealer_lock() as held:
        if not held:
            return SealResult(skipped=True)
        try:
            while True:
                sealed, result.head_seq = _seal_batch(key, batch)
                result.sealed += sealed
                if sealed < batch:
                    break
        except (IntegrityError, OperationalError) as error:
            # Another sealer got there first (only possible without the lock, e.g. SQLite on two machines).
            logger.warning("Audit sealer stopped: %s", error)
            result.skipped = not result.sealed
        if result.head_seq and (result.sealed or not (_checkpoint_dir() / "latest.json").exists()):
            head = AuditSeal.objects.filter(seq=result.head_seq).values_list("mac", flat=True).first()
            if head:
                checkpoint_write(Checkpoint.signed(key, seq=result.head_seq, head=head, at=clock.now()))
    return result


# Verifying


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    count: int
    first_bad_id: int | None = None
    reason: str = ""
    first_bad_at: datetime | None = None
    first_bad_action: str = ""
    last_seq: int = 0
    last_mac: str = ZERO_MAC
    unsealed: int = 0
    checkpoint_seq: int | None = None

    @property
    def summary(self) -> str:
        if self.ok:
            waiting = f", {self.unsealed} waiting to be sealed" if self.unsealed else ""
            checkpoint = (
                f"; matches checkpoint {self.checkpoint_seq}" if self.checkpoint_seq is not None
                else "; no checkpoint to compare with"
            )
            return f"ok: {self.count} events sealed{waiting}{checkpoint}"
        event = f"event {self.first_bad_id}" if self.first_bad_id is not None else "the audit trail"
        detail = f" ({self.first_bad_action} at {utc_text(self.first_bad_at)})" if self.first_bad_at else ""
        return f"{event}{detail} does not verify: {self.reason}"


def _broken(count: int, reason: str, row: Sequence[Any] | None = None, event_id: int | None = None) -> VerifyResult:
    if row is not None:
        return VerifyResult(False, count, row[0], reason, first_bad_at=row[1], first_bad_action=row[4])
    return VerifyResult(False, count, event_id, reason)


def _walk(key: bytes, since: VerifyResult | None, chunk: int) -> VerifyResult:
    """Check every seal after `since` in order: no gap, its event present, its MAC right."""
    seq, prev = (since.last_seq, since.last_mac) if since is not None and since.ok else (0, ZERO_MAC)
    count = seq
    while True:
        seals = list(AuditSeal.objects.filter(seq__gt=seq).order_by("seq").values_list("seq", "event_id", "mac")
                     [:chunk])
        if not seals:
            return VerifyResult(True, count, last_seq=seq, last_mac=prev)
        events = {row[0]: row for row in AuditEvent.objects.filter(id__in=[s[1] for s in seals])
                  .values_list(*EVENT_FIELDS).iterator(chunk_size=chunk)}
        for seal_seq, event_id, mac in seals:
            row = events.get(event_id)
            if seal_seq != seq + 1:
                return _broken(count, f"chain entries {seq + 1} to {seal_seq - 1} are missing: events were removed",
                               row, event_id)
            if row is None:
                return _broken(count, f"it was sealed as chain entry {seal_seq} but has been removed",
                               event_id=event_id)
            expected = seal_mac(key, seal_seq, prev, row)
            if not hmac.compare_digest(expected, mac):
                return _broken(count, f"its chain entry {seal_seq} does not match it: the event was altered, or the "
                                      "chain was rewritten without the key", row)
            seq, prev, count = seal_seq, mac, count + 1


def _check_checkpoint(key: bytes, checkpoint: Checkpoint | None, walked: VerifyResult) -> VerifyResult:
    """The chain reaches the newest checkpoint and agrees with it (read before the walk, so the walk saw it)."""
    if checkpoint is None:
        return walked
    if not hmac.compare_digest(checkpoint.expected_mac(key), checkpoint.mac):
        return _broken(walked.count, f"the checkpoint in {_checkpoint_dir()} is not signed with the audit key")
    if checkpoint.seq > walked.last_seq:
        return _broken(walked.count, f"the chain ends at entry {walked.last_seq} but the checkpoint of "
                                     f"{checkpoint.at} records {checkpoint.seq}: the newest events were removed")
    head = AuditSeal.objects.filter(seq=checkpoint.seq).values_list("mac", flat=True).first()
    if head != checkpoint.head:
        return _broken(walked.count, f"chain entry {checkpoint.seq} differs from the checkpoint of {checkpoint.at}: "
                                     "the chain was rewritten")
    return VerifyResult(True, walked.count, last_seq=walked.last_seq, last_mac=walked.last_mac,
                        checkpoint_seq=checkpoint.seq)


def _check_unsealed(walked: VerifyResult, *, whole: bool) -> VerifyResult:
    """Unsealed events: fine while the sealer may still reach them; an error when it never will or is too late."""
    last = AuditSeal.objects.order_by("-seq").values_list("event_id", "event_txid").first()
    unsealed = AuditEvent.objects.filter(~Exists(AuditSeal.objects.filter(event_id=OuterRef("pk"))))
    if connection.vendor == "postgresql":
        watermark = last[1] if last and last[1] is not None else 0
        behind = Q(txid__isnull=True) | Q(txid__lt=watermark)
    else:
        behind = Q(id__lt=last[0] if last else 0)
    if not whole:
        # The page's quick check: only the events ahead of the sealer (the whole check looks behind it too).
        unsealed = unsealed.exclude(behind)
    fields = ("id", "at", "actor_id", "action")
    slipped = unsealed.filter(behind).order_by("id").values_list(*fields).first() if whole else None
    if slipped:
        return _broken(walked.count, "it is not sealed, although the sealer has sealed everything written before "
                                     "it: it was slipped in afterwards", (*slipped[:2], None, None, slipped[3]))
    grace = timedelta(seconds=settings.SEARCHLOG_AUDIT_SEAL_GRACE_SECONDS)
    late = unsealed.filter(at__lt=clock.now() - grace).order_by("at").values_list(*fields).first()
    if late:
        return _broken(walked.count, f"it has waited longer than {grace.total_seconds():.0f} seconds to be sealed "
                                     "(is the sealer running?)", (*late[:2], None, None, late[3]))
    return VerifyResult(True, walked.count, last_seq=walked.last_seq, last_mac=walked.last_mac,
                        unsealed=unsealed.count(), checkpoint_seq=walked.checkpoint_seq)


def audit_verify(*, chunk_size: int = 5000, since: VerifyResult | None = None) -> VerifyResult:
    """Verify the chain, the newest checkpoint and the unsealed events; report the first thing that is wrong.

    With `since` (an earlier good result), only the seals after it are walked: quick for a page. The whole walk
    (`verify_audit_trail`) is what proves the older events unaltered.
    """
    key = audit_key()
    try:
        checkpoint = checkpoint_read()
    except ValueError as error:
        return _broken(since.count if since else 0, str(error))
    walked = _walk(key, since, chunk_size)
    if not walked.ok:
        return walked
    checked = _check_checkpoint(key, checkpoint, walked)
    if not checked.ok:
        return checked
    return _check_unsealed(checked, whole=since is None)


# The auditors' page

_STATE_CACHE_KEY = "searchlog:audit-verified"
WHOLE_CHECK_SECONDS = 3600


@dataclass(frozen=True)
class ChainState:
    result: VerifyResult
    whole_check_at: datetime


def audit_chain_state() -> ChainState:
    """The chain's state for the auditors' page: new seals checked every time, the whole chain hourly."""
    from django.core.cache import cache

    now = clock.now()
    saved: ChainState | None = cache.get(_STATE_CACHE_KEY)
    if saved is None or (now - saved.whole_check_at).total_seconds() >= WHOLE_CHECK_SECONDS:
        state = ChainState(audit_verify(), now)
    else:
        state = ChainState(audit_verify(since=saved.result), saved.whole_check_at)
    if state.result.ok:
        cache.set(_STATE_CACHE_KEY, state, WHOLE_CHECK_SECONDS)
    else:
        cache.delete(_STATE_CACHE_KEY)
    return state
