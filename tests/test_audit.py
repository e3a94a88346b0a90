"""The audit trail: the hash chain, append-only storage, tamper detection, request context, signals and the page."""

from __future__ import annotations

import hashlib
import json
import threading
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.contrib.admin.models import ADDITION, CHANGE, DELETION, LogEntry
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, connections, transaction
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from searchlog import audit, clock
from searchlog.audit import ZERO_HASH, audit_append, audit_diff, audit_verify, event_hash
from searchlog.models import AuditEvent, Team
from tests.conftest import PASSWORD
from tests.database import as_superuser
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

TABLE = AuditEvent._meta.db_table
MOMENT = datetime(2026, 11, 24, 21, 40, 5, 123456, tzinfo=UTC)


def append(n: int = 1, **fields) -> list[AuditEvent]:
    defaults = {"action": "record.view", "actor": None, "obj_type": "record", "obj_id": "OS-2026-000001"}
    return [audit_append(**{**defaults, **fields}) for _ in range(n)]


def forge(event_id: int, prev_hash: str, *, hash_: str | None = None, **fields) -> AuditEvent:
    """Write a row straight into the table, as someone bypassing audit_append would."""
    defaults = {"at": MOMENT, "action": "record.view", "object_type": "record", "object_id": f"OS-{event_id}",
                "changes": {}}
    event = AuditEvent(id=event_id, prev_hash=prev_hash, **{**defaults, **fields})
    event.hash = hash_ or event_hash(event)
    event.save(force_insert=True)
    return event


@pytest.fixture
def triggers_off(db: None):
    """Switch off the append-only triggers, as a table owner or superuser could; back on afterwards."""
    with as_superuser(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # ALTER TABLE waits for nothing: check this test's deferred foreign keys now.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("ALTER TABLE searchlog_auditevent DISABLE TRIGGER auditevent_append_only")
            yield
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("ALTER TABLE searchlog_auditevent ENABLE TRIGGER auditevent_append_only")
        else:
            cursor.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s", [TABLE])
            saved = cursor.fetchall()
            for name, _sql in saved:
                cursor.execute(f"DROP TRIGGER {name}")
            yield
            for _name, sql in saved:
                cursor.execute(sql)


def verify_command() -> str:
    """Run verify_audit_trail; return its output, or raise CommandError as it exits 1."""
    out = StringIO()
    call_command("verify_audit_trail", stdout=out)
    return out.getvalue()


def expect_broken(event: AuditEvent, reason: str) -> None:
    result = audit_verify()
    assert (result.ok, result.first_bad_id) == (False, event.pk)
    assert reason in result.reason
    with pytest.raises(CommandError) as refused:
        verify_command()
    assert refused.value.returncode == 1
    assert f"event {event.pk} ({event.action} at " in str(refused.value)


# The chain


def test_first_event_follows_zeros_and_each_next_links_to_the_one_before(practitioner):
    first, second = append(2, actor=practitioner)
    assert first.prev_hash == ZERO_HASH
    assert second.prev_hash == first.hash
    assert first.hash != second.hash
    assert all(len(e.hash) == 64 and int(e.hash, 16) >= 0 for e in (first, second))
    assert second.actor_username == "alice"


def test_hash_is_sha256_of_the_canonical_json():
    with clock.frozen_at(MOMENT):
        event = audit_append(action="record.change", actor=None, obj_type="record", obj_id="OS-2026-000007",
                             changes={"purpose": ["", "Check"], "a": 1})
    canonical = (
        '{"action":"record.change","actor":null,"actor_username":"","at":"2026-11-24T21:40:05.123456+00:00",'
        f'"changes":{{"a":1,"purpose":["","Check"]}},"id":{event.pk},"ip_address":null,"object_id":"OS-2026-000007",'
        f'"object_type":"record","prev_hash":"{ZERO_HASH}","request_id":""}}'
    )
    assert event.hash == hashlib.sha256(canonical.encode()).hexdigest()
    stored = AuditEvent.objects.get()
    assert event_hash(stored) == stored.hash


@pytest.mark.parametrize("row", [
    (1, MOMENT, None, "", "record.view", "", "", "", None, {}, ZERO_HASH),
    (2**40, MOMENT, 7, 'o\'brien "x"', "export", "r\\t", "é✓\n", "id", "2001:db8::1",
     {"z": [1, 2.5, None, True], "a": {"y": "ü", "b": []}, "é": "\u0000"}, "f" * 64),
])
def test_canonical_json_is_exactly_sorted_compact_json(row):
    payload = dict(zip(["id", "at", "actor", "actor_username", "action", "object_type", "object_id", "request_id",
                        "ip_address", "changes", "prev_hash"], row, strict=True))
    payload["at"] = "2026-11-24T21:40:05.123456+00:00"
    assert audit._canonical(row) == json.dumps(payload, sort_keys=True, separators=(",", ":"))


def test_values_are_stored_as_they_read_back_so_the_hash_still_verifies(practitioner):
    audit_append(action="record.change", actor=practitioner, obj_type="record", obj_id="OS-2026-000001",
                 changes={"searched_at": [MOMENT, MOMENT + timedelta(hours=1)], "big": 1e20, "half": 0.5,
                          "money": Decimal("1.50"), "day": date(2026, 11, 24), "tags": {"b", "a"}, 3: "three"},
                 request=RequestFactory().get("/", REMOTE_ADDR="::ffff:10.1.2.3"))
    stored = AuditEvent.objects.get()
    assert stored.changes == {
        "searched_at": ["2026-11-24T21:40:05.123456+00:00", "2026-11-24T22:40:05.123456+00:00"], "big": 10**20,
        "half": 0.5, "money": "1.50", "day": "2026-11-24", "tags": ["a", "b"], "3": "three",
    }
    assert stored.ip_address == "10.1.2.3"
    assert audit_verify().ok


def test_action_must_be_a_code():
    with pytest.raises(ValueError, match="dotted lower-case code"):
        audit_append(action="Record Changed", actor=None)
    assert not AuditEvent.objects.exists()


def test_append_rolls_back_with_the_callers_transaction():
    with pytest.raises(RuntimeError), transaction.atomic():
        append()
        raise RuntimeError("the action failed")
    assert not AuditEvent.objects.exists()
    assert append()[0].prev_hash == ZERO_HASH


def test_anonymous_user_is_recorded_as_no_actor():
    from django.contrib.auth.models import AnonymousUser

    event = audit_append(action="record.view", actor=AnonymousUser())
    assert (event.actor, event.actor_username) == (None, "")


@pytest.mark.parametrize(("before", "after", "expected"), [
    ({"a": 1, "b": "x"}, {"a": 1, "b": "y"}, {"b": ["x", "y"]}),
    ({"a": 1}, {"a": 1, "c": [1, 2]}, {"c": [None, [1, 2]]}),
    ({"when": MOMENT}, {"when": MOMENT}, {}),
    ({"when": MOMENT}, {"when": MOMENT + timedelta(microseconds=1)},
     {"when": ["2026-11-24T21:40:05.123456+00:00", "2026-11-24T21:40:05.123457+00:00"]}),
    ({"n": Decimal("2.0")}, {"n": Decimal("2.5")}, {"n": ["2.0", "2.5"]}),
])
def test_diff_lists_changed_fields_with_json_safe_values(before, after, expected):
    assert audit_diff(before, after) == expected
    json.dumps(audit_diff(before, after))


# Verification


def test_verify_an_empty_and_an_intact_trail():
    assert (audit_verify().ok, audit_verify().count) == (True, 0)
    append(3)
    assert (audit_verify().ok, audit_verify().count) == (True, 3)
    assert verify_command().strip() == "ok: 3 events"


def test_verify_accepts_gaps_in_ids_from_rolled_back_appends():
    first = forge(1, ZERO_HASH)
    forge(7, first.hash)
    assert audit_verify().ok


def test_verify_names_an_altered_event(triggers_off):
    _first, second, _third = append(3)
    AuditEvent.objects.filter(pk=second.pk).update(changes={"status": ["draft", "signed_off"]})
    expect_broken(second, "does not match its contents")


def test_verify_names_the_event_after_an_altered_and_rehashed_one(triggers_off):
    _first, second, third = append(3)
    second.object_id = "OS-2026-999999"
    AuditEvent.objects.filter(pk=second.pk).update(object_id=second.object_id, hash=event_hash(second))
    expect_broken(third, "an event between them was removed, or this one was inserted")


def test_verify_names_the_event_after_a_deleted_one(triggers_off):
    _first, second, third = append(3)
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM searchlog_auditevent WHERE id = %s", [second.pk])
    expect_broken(third, f"not the hash of event {_first.pk}")


def test_verify_names_the_new_first_event_when_the_first_is_deleted(triggers_off):
    first, second = append(2)
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM searchlog_auditevent WHERE id = %s", [first.pk])
    expect_broken(second, "earlier events were removed")


def test_verify_names_a_forged_event_inserted_with_a_made_up_hash(triggers_off):
    first = forge(1, ZERO_HASH)
    forge(10, first.hash)
    forged = forge(5, "d" * 64, hash_="ab" * 32)
    expect_broken(forged, "an event between them was removed, or this one was inserted")


def test_verify_names_the_event_after_a_well_forged_replacement(triggers_off):
    """A forger who knows the hashing can rewrite an event, but the next one still points at the original."""
    first, second, third = append(3)
    second.changes = {"status": ["submitted", "returned"]}
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM searchlog_auditevent WHERE id = %s", [second.pk])
    forge(second.pk, first.hash, changes=second.changes)
    expect_broken(third, "an event between them was removed, or this one was inserted")


def test_a_second_event_claiming_the_same_predecessor_is_refused():
    """A fork in the chain is refused by the database; re-pointing the next event is refused by the triggers."""
    first = forge(1, ZERO_HASH)
    last = forge(10, first.hash)
    with pytest.raises(DatabaseError), transaction.atomic():
        forge(5, first.hash)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), as_superuser(), \
            connection.cursor() as cursor:
        cursor.execute("UPDATE searchlog_auditevent SET prev_hash = %s WHERE id = %s", ["c" * 64, last.pk])


# Append-only in the database


@pytest.mark.parametrize("sql", [
    "UPDATE searchlog_auditevent SET action = 'record.create'",
    "UPDATE searchlog_auditevent SET hash = hash",
    "DELETE FROM searchlog_auditevent",
    "DELETE FROM searchlog_auditevent WHERE id = (SELECT MAX(id) FROM searchlog_auditevent)",
])
def test_database_refuses_update_and_delete(sql):
    """Even to its owner or a superuser (the app role may not even try: tests/test_db_roles.py)."""
    append(2)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), as_superuser(), \
            connection.cursor() as cursor:
        cursor.execute(sql)
    assert AuditEvent.objects.filter(action="record.view").count() == 2
    assert audit_verify().ok


def test_postgres_refuses_update_and_delete(needs_postgres):
    event = append()[0]
    for sql in (
        "UPDATE searchlog_auditevent SET changes = '{}'::jsonb WHERE id = %s",
        "DELETE FROM searchlog_auditevent WHERE id = %s",
    ):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), as_superuser(), \
                connection.cursor() as c:
            c.execute(sql, [event.pk])
    assert AuditEvent.objects.filter(pk=event.pk, hash=event.hash).exists()


def test_postgres_refuses_truncate_of_a_non_empty_trail(needs_postgres):
    append()
    with pytest.raises(DatabaseError, match="append-only: TRUNCATE"), transaction.atomic(), as_superuser(), \
            connection.cursor() as c:
        c.execute("SET CONSTRAINTS ALL IMMEDIATE")
        c.execute("TRUNCATE searchlog_auditevent")
    assert AuditEvent.objects.count() == 1


def test_postgres_allows_truncate_of_an_empty_trail(needs_postgres):
    """The test runner's flush truncates every table; an empty audit trail has nothing to lose."""
    with transaction.atomic(), as_superuser(), connection.cursor() as cursor:
        cursor.execute("TRUNCATE searchlog_auditevent")


def test_postgres_tampering_with_triggers_disabled_is_detected(needs_postgres, triggers_off):
    first, second, third = append(3)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE searchlog_auditevent SET ip_address = '10.9.9.9' WHERE id = %s", [second.pk])
    expect_broken(second, "does not match its contents")
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM searchlog_auditevent WHERE id = %s", [second.pk])
    expect_broken(third, f"not the hash of event {first.pk}")


# Concurrency


@pytest.mark.django_db(transaction=True)
def test_concurrent_appends_keep_one_chain(needs_postgres):
    writers, each = 6, 20
    start = threading.Barrier(writers)
    errors: list[BaseException] = []

    def write(n: int) -> None:
        try:
            start.wait()
            for i in range(each):
                with transaction.atomic():
                    audit_append(action="record.view", actor=None, obj_type="record", obj_id=f"W{n}-{i}")
        except BaseException as error:  # noqa: BLE001 (reported below)
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=write, args=(n,)) for n in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    result = audit_verify()
    assert (result.ok, result.count) == (True, writers * each)
    prev_hashes = list(AuditEvent.objects.values_list("prev_hash", flat=True))
    assert len(set(prev_hashes)) == len(prev_hashes) == writers * each


# Request context


def test_request_id_and_ip_come_from_the_request():
    request = RequestFactory().get("/", REMOTE_ADDR="192.0.2.10")
    request.request_id = "abc123"
    event = append(request=request)[0]
    assert (event.request_id, event.ip_address) == ("abc123", "192.0.2.10")


def test_without_a_request_the_middlewares_context_is_used():
    token = audit.request_context_set(audit.RequestContext(request_id="req-1", ip_address="2001:db8::1"))
    try:
        event = append()[0]
    finally:
        audit.request_context_reset(token)
    assert (event.request_id, event.ip_address) == ("req-1", "2001:db8::1")
    assert (append()[0].request_id, AuditEvent.objects.first().ip_address) == ("", None)


def test_middleware_sets_a_request_id_on_every_response(client):
    first, second = client.get("/healthz"), client.get("/healthz")
    assert len(first["X-Request-ID"]) == 32
    assert first["X-Request-ID"] != second["X-Request-ID"]


@pytest.mark.parametrize(("incoming", "kept"), [
    ("trace-42.a:b_c", True),
    ("x" * 64, True),
    ("x" * 65, False),
    ("has space", False),
    ("<script>", False),
    ("", False),
])
def test_middleware_keeps_only_a_sane_incoming_request_id(client, incoming, kept):
    response = client.get("/healthz", HTTP_X_REQUEST_ID=incoming)
    assert (response["X-Request-ID"] == incoming) is kept


def test_events_during_a_request_carry_its_id_and_address(client, practitioner):
    response = client.post("/sign-in/", {"username": "alice", "password": "wrong"}, REMOTE_ADDR="198.51.100.7",
                           HTTP_X_REQUEST_ID="req-abc")
    event = AuditEvent.objects.get()
    assert (event.request_id, event.ip_address) == ("req-abc", "198.51.100.7")
    assert response["X-Request-ID"] == "req-abc"


@pytest.mark.parametrize(("trust", "expected"), [(False, "10.0.0.1"), (True, "203.0.113.9")])
def test_x_forwarded_for_is_used_only_when_trusted(settings, trust, expected):
    settings.SEARCHLOG_TRUST_X_FORWARDED_FOR = trust
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="1.1.1.1, 203.0.113.9")
    assert audit.client_ip(request) == expected


def test_a_bad_forwarded_address_falls_back_to_remote_addr(settings):
    settings.SEARCHLOG_TRUST_X_FORWARDED_FOR = True
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="unknown")
    assert audit.client_ip(request) == "10.0.0.1"


# Signals: signing in and out, and the admin


def test_sign_in_and_out_are_audited(client, practitioner):
    client.post("/sign-in/", {"username": "alice", "password": PASSWORD})
    client.post("/sign-out/")
    events = list(AuditEvent.objects.order_by("id"))
    assert [(e.action, e.actor, e.object_id) for e in events] == [
        ("auth.sign_in", practitioner, "alice"), ("auth.sign_out", practitioner, "alice"),
    ]
    assert events[0].request_id and events[0].ip_address == "127.0.0.1"


def test_failed_sign_in_is_audited_without_an_actor_or_password(client, practitioner):
    client.post("/sign-in/", {"username": "alice", "password": "guess"})
    event = AuditEvent.objects.get()
    assert (event.action, event.actor, event.actor_username) == ("auth.sign_in_failed", None, "")
    assert event.changes == {"username": "alice"}
    assert "guess" not in json.dumps(event.changes)


def test_admin_changes_are_audited(client):
    admin = UserFactory(username="root", is_staff=True, is_superuser=True, team=None)
    client.force_login(admin)
    response = client.post("/admin/searchlog/team/add/", {"name": "Adults South"})
    assert response.status_code == 302, response.content
    team = Team.objects.get(name="Adults South")
    client.post(f"/admin/searchlog/team/{team.pk}/change/", {"name": "Adults South West"})
    client.post(f"/admin/searchlog/team/{team.pk}/delete/", {"post": "yes"})
    events = list(AuditEvent.objects.filter(action__startswith="admin.").order_by("id"))
    assert [(e.action, e.actor_username, e.object_type, e.object_id) for e in events] == [
        ("admin.add", "root", "searchlog.team", str(team.pk)),
        ("admin.change", "root", "searchlog.team", str(team.pk)),
        ("admin.delete", "root", "searchlog.team", str(team.pk)),
    ]
    assert events[1].changes == {"object": "Adults South West", "message": "Changed Name."}
    assert all(e.request_id for e in events)


@pytest.mark.parametrize(("flag", "action"), [(ADDITION, "admin.add"), (CHANGE, "admin.change"),
                                              (DELETION, "admin.delete")])
def test_log_entries_become_audit_events(practitioner, flag, action):
    LogEntry.objects.log_actions(practitioner.pk, [practitioner], flag, change_message="Did it.")
    event = AuditEvent.objects.get()
    assert (event.action, event.object_type, event.object_id) == (action, "searchlog.user", str(practitioner.pk))
    assert event.changes == {"object": "alice", "message": "Did it."}


# The audit trail page


@pytest.fixture
def events(auditor):
    """Events on three days of November 2025, by three people, about two records."""
    made = []
    for day, action, actor, obj_id in [
        (1, "record.create", "alice", "OS-2026-000001"),
        (2, "record.submit", "alice", "OS-2026-000001"),
        (3, "record.sign_off", "maria", "OS-2026-000001"),
        (3, "record.view", "aisha", "OS-2026-000002"),
    ]:
        user = UserFactory(username=actor)
        with clock.frozen_at(datetime(2025, 11, day, 12, 0, tzinfo=UTC)):
            made.append(audit_append(action=action, actor=user, obj_type="record", obj_id=obj_id))
    return made


def test_auditor_sees_events_newest_first_and_the_chain_state(client, auditor, events):
    client.force_login(auditor)
    response = client.get("/audit/")
    assert response.status_code == 200
    signed_in = AuditEvent.objects.get(action="auth.sign_in")
    assert [row["event"].pk for row in response.context["rows"]] == [signed_in.pk, *[e.pk for e in events][::-1]]
    text = response.content.decode()
    assert "Audit trail intact: 5 events" in text  # the four, and the auditor signing in
    assert "govuk-notification-banner--success" in text
    assert 'href="/records/OS-2026-000001/"' in text


def test_the_page_shows_what_changed(client, auditor):
    audit_append(action="record.change", actor=auditor, obj_type="record", obj_id="OS-2026-000001",
                 changes={"purpose": ["", "Check a report"], "platforms": [[], ["facebook", "x_twitter"]]})
    audit_append(action="export", actor=auditor, changes={"filters": {"status": "submitted"}, "rows": 12})
    client.force_login(auditor)
    text = client.get("/audit/").content.decode()
    assert "<strong>purpose</strong>: (blank) → Check a report" in text
    assert "<strong>platforms</strong>: (none) → facebook, x_twitter" in text
    assert "<strong>filters</strong>: status: submitted" in text


def test_the_page_names_the_first_bad_event_when_the_chain_is_broken(client, auditor, events, triggers_off):
    AuditEvent.objects.filter(pk=events[1].pk).update(actor_username="mallory")
    client.force_login(auditor)
    text = client.get("/audit/").content.decode()
    assert "Audit trail broken" in text
    assert f"Event {events[1].pk} (record.submit," in text
    assert "it was altered" in text


@pytest.mark.parametrize(("query", "expected"), [
    ("action=record.submit", [1]),
    ("actor=maria", [2]),
    ("object_id=OS-2026-000002", [3]),
    ("date_from=2025-11-02&date_to=2025-11-02", [1]),
    ("date_from=2025-11-03&date_to=2025-11-30", [3, 2]),
    ("date_to=2025-11-01&actor=alice", [0]),
])
def test_auditor_filters_events(client, auditor, events, query, expected):
    client.force_login(auditor)
    response = client.get(f"/audit/?{query}")
    assert [row["event"].pk for row in response.context["rows"]] == [events[i].pk for i in expected]


def test_dates_in_the_wrong_order_are_an_error(client, auditor):
    client.force_login(auditor)
    response = client.get("/audit/?date_from=2026-11-03&date_to=2026-11-01")
    assert "There is a problem" in response.content.decode()


def test_pages_of_fifty(client, auditor):
    append(60)
    client.force_login(auditor)
    first = client.get("/audit/")
    assert len(first.context["rows"]) == 50
    assert len(client.get("/audit/?page=2").context["rows"]) == 11  # and the sign-in


@pytest.mark.parametrize("persona", ["practitioner", "colleague", "outsider", "manager", "other_manager"])
def test_the_page_is_not_found_for_anyone_but_an_auditor(client, request, persona):
    client.force_login(request.getfixturevalue(persona))
    assert client.get("/audit/").status_code == 404


def test_anonymous_is_sent_to_sign_in(client):
    response = client.get("/audit/")
    assert response.status_code == 302
    assert response["Location"].startswith("/sign-in/")


def test_only_auditors_see_the_audit_trail_in_the_navigation(client, auditor, manager):
    client.force_login(auditor)
    assert 'href="/audit/"' in client.get("/audit/").content.decode()
    client.force_login(manager)
    assert 'href="/audit/"' not in client.get("/records/").content.decode()


def test_the_page_makes_the_same_queries_for_10_and_100_events(client, auditor):
    client.force_login(auditor)
    counts = []
    for total in (10, 100):
        append(total - AuditEvent.objects.count())
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/audit/").status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_chain_state_checks_new_events_each_time_and_the_whole_chain_hourly(triggers_off):
    import time_machine

    first, _second = append(2)
    with time_machine.travel("2026-11-24 10:00Z", tick=False):
        state = audit.audit_chain_state()
    assert state.result.ok and state.result.count == 2
    # An old event altered after the check: the quick check of new events does not see it...
    AuditEvent.objects.filter(pk=first.pk).update(object_id="OS-2026-999999")
    append(1)
    with time_machine.travel("2026-11-24 10:30Z", tick=False):
        quick = audit.audit_chain_state()
    assert quick.result.ok and quick.result.count == 3
    # ...but a new event that does not verify is caught at once,
    fourth, = append(1)
    AuditEvent.objects.filter(pk=fourth.pk).update(object_id="OS-2026-888888")
    with time_machine.travel("2026-11-24 10:31Z", tick=False):
        broken = audit.audit_chain_state()
    assert not broken.result.ok and broken.result.first_bad_id == fourth.pk
    # and the hourly whole check finds the old one.
    AuditEvent.objects.filter(pk=fourth.pk).update(object_id=fourth.object_id)
    with time_machine.travel("2026-11-24 11:01Z", tick=False):
        whole = audit.audit_chain_state()
    assert not whole.result.ok and whole.result.first_bad_id == first.pk
