"""The audit trail: append events, describe changes without copying answers, and find events for auditors.

A request appends its event with a plain INSERT in its own transaction: no lock, no read of other events. The
chain is made afterwards by the sealer (searchlog.audit_chain), which also verifies it. Events name the fields that
changed and carry keyed hashes of the old and new values, never the answers themselves: the record's revisions keep
those (and retention can erase them), while the trail, which nobody can delete from, keeps only proof.
"""

from __future__ import annotations

import hashlib
import hmac
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
from django.db import connection, models
from django.db.models import OuterRef, QuerySet, Subquery
from django.db.models.expressions import RawSQL
from django.http import HttpRequest
from django.utils import timezone

from searchlog import clock
from searchlog.models import AuditEvent, AuditSeal, User

_ACTION = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$")
_REQUEST_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:\-]{0,63}$")
# The transaction id of the writing transaction, so the sealer knows when every earlier writer has finished.
_TXID = RawSQL("txid_current()", ())
# How much of a value's keyed hash an event keeps: 128 bits identify a value without revealing it.
_VALUE_HASH_CHARS = 32

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

@dataclass(frozen=True)
class RequestContext:
    """Where the current work came from: set per request by middleware.RequestContextMiddleware."""

    request_id: str = ""
    ip_address: str | None = None
    # What the client sent as X-Request-ID (if sane): kept beside the event, never as its id (a client could
    # otherwise make its events look like another request's).
    client_request_id: str = ""


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
        if hops and (forwarded := ip_text(hops[-1])):
            return forwarded
    return ip_text(request.META.get("REMOTE_ADDR"))


@lru_cache(maxsize=4096)
def ip_text(value: str | None) -> str | None:
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


def utc_text(moment: datetime) -> str:
    """ISO 8601 in UTC with microseconds: 2026-11-24T21:40:05.123456+00:00."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


class _AuditEncoder(DjangoJSONEncoder):
    def default(self, o: Any) -> Any:
        if isinstance(o, datetime):
            return utc_text(o) if o.tzinfo else o.isoformat()
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




def audit_key() -> bytes:
    """The secret behind the chain and the value hashes (SEARCHLOG_AUDIT_KEY; never stored in the database)."""
    return settings.SEARCHLOG_AUDIT_KEY.encode()


@lru_cache(maxsize=8)
def _value_key(key: bytes) -> bytes:
    # A key of its own for value hashes, so a value hash can never be mistaken for a chain MAC.
    return hmac.new(key, b"searchlog audit values v1", hashlib.sha256).digest()


def value_hash(value: Any) -> str:
    """A keyed hash of a value: whoever holds the key can check a candidate value against it; nobody can read it."""
    return _safe_value_hash(json_safe(value))


def _safe_value_hash(value: Any) -> str:
    # The value is already as it reads back from JSON (json_safe).
    canonical = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    digest = hmac.new(_value_key(audit_key()), canonical.encode(), hashlib.sha256).hexdigest()
    return digest[:_VALUE_HASH_CHARS]


def audit_diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, Any]:
    """{"changed": {field: [hash of old, hash of new]}} for every field whose value differs; {} if none does."""
    changed = {}
    for field in sorted(set(before) | set(after), key=str):
        old, new = json_safe(before.get(field)), json_safe(after.get(field))
        if old != new:
            changed[str(field)] = [_safe_value_hash(old), _safe_value_hash(new)]
    return {"changed": changed} if changed else {}


def _context_for(request: HttpRequest | None) -> RequestContext:
    current = _request_context.get() or _NO_REQUEST
    if request is None:
        return current
    return RequestContext(
        request_id=getattr(request, "request_id", "") or current.request_id, ip_address=client_ip(request),
        client_request_id=getattr(request, "client_request_id", "") or current.client_request_id,
    )


def audit_append(*, action: str, actor: User | None, obj_type: str = "", obj_id: str = "",
                 changes: dict | None = None, request: HttpRequest | None = None) -> AuditEvent:
    """Append an event with one INSERT in the caller's transaction (it commits or rolls back with the work)."""
    if not _ACTION.match(action):
        raise ValueError(f"Audit action must be a dotted lower-case code, not {action!r}")
    if actor is not None and not actor.is_authenticated:
        actor = None
    context = _context_for(request)
    if context.client_request_id:
        changes = {**(changes or {}), "client_request_id": context.client_request_id}
    event = AuditEvent(
        at=clock.now(), actor=actor, actor_username=actor.get_username() if actor else "",
        action=action, object_type=obj_type[:60], object_id=str(obj_id)[:100],
        request_id=context.request_id[:64], ip_address=ip_text(context.ip_address),
        changes=json_safe(changes or {}), txid=_TXID if connection.vendor == "postgresql" else None,
    )
    event.save(force_insert=True)
    event.txid = None  # known to the database only; the sealer reads it from there
    return event


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def audit_events_matching(*, action: str = "", actor: str = "", object_id: str = "", date_from: date | None = None,
                          date_to: date | None = None) -> QuerySet[AuditEvent]:
    """Events newest first, filtered as auditors ask, each with `seal_seq` (its place in the chain, or None)."""
    events = AuditEvent.objects.order_by("-id").annotate(
        seal_seq=Subquery(AuditSeal.objects.filter(event_id=OuterRef("pk")).values("seq")[:1])
    )
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


def audit_record_view(*, request: HttpRequest, reference: str) -> AuditEvent:
    """Record that the signed-in user read a record's page or API detail."""
    return audit_append(action="record.view", actor=request.user, obj_type="record", obj_id=reference,
                        request=request)


# Reads of lists and queues: one event per request, naming every record it returned.

ACTIONS.update({
    "approval.request": "Prior approval requested",
    "approval.approve": "Prior approval given",
    "approval.refuse": "Prior approval refused",
    "approval.cancel": "Prior approval cancelled",
    "approval.expire": "Prior approval expired",
    "approval.use": "Prior approval used",
    "approval.record": "Search recorded under a prior approval",
    "approval.view": "Prior approval request viewed",
    "approval.list": "Prior approval requests listed",
    "record.list": "Records listed",
    "record.related": "Earlier searches about a person listed",
    "review_queue.view": "Review queue viewed",
    "escalation.list": "Escalations listed",
    "record.case_note": "Case-note text read",
    "subject_access.search": "Subject access search",
    "subject_access.report": "Subject access report made",
    "legal_hold.place": "Legal hold placed",
    "legal_hold.release": "Legal hold released",
    "retention.apply": "Retention schedule applied",
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
