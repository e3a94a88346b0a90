"""The audit trail: append hash-chained events, verify the chain, and find events for auditors.

Each event's hash is sha256 over a canonical JSON of its own fields and the previous event's hash, so changing,
removing or slipping in an event breaks the chain where it happened. The database refuses UPDATE and DELETE of the
table (migration 0002_audit); audit_verify finds what got past that (someone who can disable triggers). Only the
newest events can go unnoticed if removed: compare the count or the last hash with one kept elsewhere to catch that.
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
import re
from collections.abc import Iterable, Mapping
from contextvars import ContextVar, Token
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models, transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from searchlog import clock
from searchlog.models import AuditEvent, User

ZERO_HASH = "0" * 64
# pg_advisory_xact_lock key taken by every append (any constant unique to this purpose will do).
LOCK_KEY = 0x5EA2C410A0D17
_ACTION = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$")
_REQUEST_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:\-]{0,63}$")

# What auditors see for each action; other well-formed codes are accepted and shown as they are.
ACTIONS = {
    "record.create": "Record created",
    "record.change": "Record changed",
    "record.submit": "Record submitted",
    "record.sign_off": "Record signed off",
    "record.return": "Record returned",
    "record.escalate": "Record escalated",
    "record.view": "Record viewed",
    "record.addendum": "Addendum added",
    "escalation.close": "Escalation closed",
    "privacy.check": "Privacy settings check confirmed",
    "export": "Export",
    "auth.sign_in": "Signed in",
    "auth.sign_out": "Signed out",
    "auth.sign_in_failed": "Sign-in failed",
    "admin.add": "Admin: added",
    "admin.change": "Admin: changed",
    "admin.delete": "Admin: deleted",
}

# The row as audit_verify reads it: the hashed fields in order, then the stored hash.
_HASHED_FIELDS = (
    "id", "at", "actor_id", "actor_username", "action", "object_type", "object_id", "request_id", "ip_address",
    "changes", "prev_hash",
)


@dataclass(frozen=True)
class RequestContext:
    """Where the current work came from: set per request by middleware.RequestContextMiddleware."""

    request_id: str = ""
    ip_address: str | None = None


_NO_REQUEST = RequestContext()
_request_context: ContextVar[RequestContext | None] = ContextVar("searchlog_audit_request", default=None)


def request_context_set(context: RequestContext) -> Token[RequestContext | None]:
    """Record the request id and client IP for audit events appended until reset (the workflow has no request)."""
    return _request_context.set(context)


def request_context_reset(token: Token[RequestContext | None]) -> None:
    _request_context.reset(token)


def request_id_from_header(value: str | None) -> str | None:
    """An incoming X-Request-ID if it is a sane token (letters, digits, . _ : -; at most 64), else None."""
    return value if value and _REQUEST_ID.match(value) else None


def client_ip(request: HttpRequest) -> str | None:
    """REMOTE_ADDR; or, with SEARCHLOG_TRUST_X_FORWARDED_FOR, the address our reverse proxy appended."""
    if getattr(settings, "SEARCHLOG_TRUST_X_FORWARDED_FOR", False):
        hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
        # Only the last hop was written by our proxy; earlier ones are whatever the client sent.
        if hops and (forwarded := _ip_text(hops[-1])):
            return forwarded
    return _ip_text(request.META.get("REMOTE_ADDR"))


@lru_cache(maxsize=4096)
def _ip_text(value: str | None) -> str | None:
    """One spelling per address, whatever the database gives back (PostgreSQL's inet and Python's differ)."""
    if not value:
        return None
    try:
        address = ipaddress.ip_address(str(value).split("%", 1)[0].strip())
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    return str(address)


def _utc_text(moment: datetime) -> str:
    """ISO 8601 in UTC with microseconds: 2026-11-24T21:40:05.123456+00:00."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


class _AuditEncoder(DjangoJSONEncoder):
    def default(self, o: Any) -> Any:
        if isinstance(o, datetime):
            return _utc_text(o) if o.tzinfo else o.isoformat()
        if isinstance(o, set | frozenset):
            return sorted(o, key=str)
        if isinstance(o, models.Model):
            return str(o)
        try:
            return super().default(o)
        except TypeError:
            return str(o)


def _whole_float_as_int(text: str) -> float | int:
    # PostgreSQL's jsonb gives 1e+20 back as 100000000000000000000: store whole numbers as integers up front.
    number = float(text)
    return int(number) if number.is_integer() else number


def json_safe(value: Any) -> Any:
    """The value as it will read back from a JSON column (dates as ISO 8601 text, whole floats as integers)."""
    return json.loads(json.dumps(value, cls=_AuditEncoder, allow_nan=False), parse_float=_whole_float_as_int)


_json_string = json.encoder.encode_basestring_ascii  # type: ignore[attr-defined]
_json_sorted = json.JSONEncoder(sort_keys=True, separators=(",", ":"), allow_nan=False).encode


def _canonical(row: Iterable[Any]) -> str:
    """json.dumps(event, sort_keys=True, separators=(",", ":")), spelled out: audit_verify runs it a million times."""
    (event_id, at, actor_id, actor_username, action, object_type, object_id, request_id, ip_address, changes,
     prev_hash) = row
    actor = "null" if actor_id is None else int(actor_id)
    # The database gives IPv4 back as written; only IPv6 has several spellings.
    ip = "null" if ip_address is None else _json_string(ip_address if ":" not in ip_address else _ip_text(ip_address))
    return (
        f'{{"action":{_json_string(action)},"actor":{actor},"actor_username":{_json_string(actor_username)},'
        f'"at":"{_utc_text(at)}","changes":{_json_sorted(changes)},"id":{int(event_id)},"ip_address":{ip},'
        f'"object_id":{_json_string(object_id)},"object_type":{_json_string(object_type)},'
        f'"prev_hash":{_json_string(prev_hash)},"request_id":{_json_string(request_id)}}}'
    )


def _digest(row: Iterable[Any]) -> str:
    return hashlib.sha256(_canonical(row).encode()).hexdigest()


def event_hash(event: AuditEvent) -> str:
    """The hash an event must carry, from its fields and its prev_hash."""
    return _digest(getattr(event, field) for field in _HASHED_FIELDS)


def _next_link() -> tuple[int, str]:
    """The id and prev_hash for the next event; holds the append lock until the transaction ends."""
    table = AuditEvent._meta.db_table
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # Serialise appends: with the lock held, the last event cannot change under us (READ COMMITTED).
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])
            cursor.execute(
                f"SELECT nextval(pg_get_serial_sequence(%s, 'id')), "  # noqa: S608 (our own table name)
                f"(SELECT hash FROM {connection.ops.quote_name(table)} ORDER BY id DESC LIMIT 1)",
                [table],
            )
            event_id, last_hash = cursor.fetchone()
        return event_id, last_hash or ZERO_HASH
    # SQLite serialises writers itself; on any other database the unique prev_hash at least refuses a fork.
    last = AuditEvent.objects.select_for_update().order_by("-id").values_list("id", "hash").first()
    return (last[0] + 1, last[1]) if last else (1, ZERO_HASH)


def _context_for(request: HttpRequest | None) -> RequestContext:
    current = _request_context.get() or _NO_REQUEST
    if request is None:
        return current
    return RequestContext(
        request_id=getattr(request, "request_id", "") or current.request_id, ip_address=client_ip(request)
    )


def audit_append(*, action: str, actor: User | None, obj_type: str = "", obj_id: str = "",
                 changes: dict | None = None, request: HttpRequest | None = None) -> AuditEvent:
    """Append an event to the chain, inside the caller's transaction (so it commits or rolls back with the work)."""
    if not _ACTION.match(action):
        raise ValueError(f"Audit action must be a dotted lower-case code, not {action!r}")
    if actor is not None and not actor.is_authenticated:
        actor = None
    context = _context_for(request)
    with transaction.atomic(savepoint=False):
        event_id, prev_hash = _next_link()
        event = AuditEvent(
            id=event_id, at=clock.now(), actor=actor, actor_username=actor.get_username() if actor else "",
            action=action, object_type=obj_type[:60], object_id=str(obj_id)[:100],
            request_id=context.request_id[:64], ip_address=_ip_text(context.ip_address),
            changes=json_safe(changes or {}), prev_hash=prev_hash,
        )
        event.hash = event_hash(event)
        event.save(force_insert=True)
    return event


def audit_diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, list[Any]]:
    """{field: [old, new]} for every field whose value differs, with JSON-safe values."""
    changed = {}
    for field in sorted(set(before) | set(after), key=str):
        old, new = json_safe(before.get(field)), json_safe(after.get(field))
        if old != new:
            changed[str(field)] = [old, new]
    return changed


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    count: int
    first_bad_id: int | None = None
    reason: str = ""
    first_bad_at: datetime | None = None
    first_bad_action: str = ""
    last_id: int | None = None
    last_hash: str = ZERO_HASH

    @property
    def summary(self) -> str:
        if self.ok:
            return f"ok: {self.count} events"
        when = _utc_text(self.first_bad_at) if self.first_bad_at else "unknown time"
        return f"event {self.first_bad_id} ({self.first_bad_action} at {when}) does not verify: {self.reason}"


def audit_verify(*, chunk_size: int = 5000, since: VerifyResult | None = None) -> VerifyResult:
    """Walk the chain in id order (constant memory); report the first event that does not verify.

    With `since` (an earlier good result), only the events after it are walked, linked to its last hash:
    quick for a page; the whole walk (`verify_audit_trail`) is what proves the older events unaltered.
    """
    events = AuditEvent.objects.order_by("id")
    expected_prev, previous_id, count = ZERO_HASH, None, 0
    if since is not None and since.ok and since.last_id is not None:
        events = events.filter(id__gt=since.last_id)
        expected_prev, previous_id, count = since.last_hash, since.last_id, since.count
    rows = events.values_list(*_HASHED_FIELDS, "hash").iterator(chunk_size=chunk_size)
    for row in rows:
        count += 1
        reason = ""
        if row[10] != expected_prev:
            reason = (
                f"its prev_hash is not the hash of event {previous_id} before it: an event between them was "
                "removed, or this one was inserted" if previous_id is not None else
                "it is the first event but its prev_hash is not 64 zeros: earlier events were removed"
            )
        elif _digest(row[:11]) != row[11]:
            reason = "its hash does not match its contents: it was altered"
        if reason:
            return VerifyResult(False, count, row[0], reason, first_bad_at=row[1], first_bad_action=row[4])
        expected_prev, previous_id = row[11], row[0]
    return VerifyResult(True, count, last_id=previous_id, last_hash=expected_prev)


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def audit_events_matching(*, action: str = "", actor: str = "", object_id: str = "", date_from: date | None = None,
                          date_to: date | None = None) -> QuerySet[AuditEvent]:
    """Events newest first, filtered as auditors ask: action, actor's username, object id, local days (inclusive)."""
    events = AuditEvent.objects.order_by("-id")
    if action:
        events = events.filter(action=action)
    if actor:
        events = events.filter(actor_username=actor)
    if object_id:
        events = events.filter(object_id=object_id)
    if date_from:
        events = events.filter(at__gte=_day_start(date_from))
    if date_to:
        events = events.filter(at__lt=_day_start(date_to + timedelta(days=1)))
    return events


_CHECKPOINT = "searchlog:audit-verified"
WHOLE_CHECK_SECONDS = 3600


@dataclass(frozen=True)
class ChainState:
    result: VerifyResult
    whole_check_at: datetime


def audit_chain_state() -> ChainState:
    """The chain's state for the auditors' page: new events checked every time, the whole chain hourly."""
    from django.core.cache import cache

    now = clock.now()
    saved: ChainState | None = cache.get(_CHECKPOINT)
    if saved is None or (now - saved.whole_check_at).total_seconds() >= WHOLE_CHECK_SECONDS:
        state = ChainState(audit_verify(), now)
    else:
        state = ChainState(audit_verify(since=saved.result), saved.whole_check_at)
    if state.result.ok:
        cache.set(_CHECKPOINT, state, WHOLE_CHECK_SECONDS)
    else:
        cache.delete(_CHECKPOINT)
    return state


def audit_record_view(*, request: HttpRequest, reference: str) -> AuditEvent:
    """Record that the signed-in user read a record's page or API detail."""
    return audit_append(action="record.view", actor=request.user, obj_type="record", obj_id=reference,
                        request=request)


# Reads of lists and queues: one event per request, naming every record it returned.

ACTIONS.update({
    "record.list": "Records listed",
    "review_queue.view": "Review queue viewed",
    "escalation.list": "Escalations listed",
})


def _query_values(filters: Mapping[str, Any]) -> dict[str, Any]:
    """A QueryDict as {name: value}, or {name: [values]} for a repeated name; other mappings as they are."""
    lists = getattr(filters, "lists", None)
    if lists is None:
        return dict(filters)
    return {name: values[0] if len(values) == 1 else list(values) for name, values in lists()}


def audit_list_read(*, request: HttpRequest, action: str, references: Iterable[str],
                    filters: Mapping[str, Any]) -> AuditEvent:
    """Record that the signed-in user read a list of records: one event with the references returned and the query."""
    return audit_append(action=action, actor=request.user, obj_type="record", request=request,
                        changes={"references": list(references), "filters": _query_values(filters)})
