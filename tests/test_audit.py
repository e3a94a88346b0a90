"""The audit trail: appending events, minimised changes, insert-only storage, request context, signals and the page.

The chain (sealing, checkpoints, tamper detection) is tested in test_audit_chain.py.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.contrib.admin.models import ADDITION, CHANGE, DELETION, LogEntry
from django.core.cache import cache
from django.db import DatabaseError, connection, transaction
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from searchlog import audit, clock
from searchlog.audit import audit_append, audit_diff, value_hash
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


def test_values_are_stored_as_they_read_back(practitioner):
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


def test_action_must_be_a_code():
    with pytest.raises(ValueError, match="dotted lower-case code"):
        audit_append(action="Record Changed", actor=None)
    assert not AuditEvent.objects.exists()


def test_append_rolls_back_with_the_callers_transaction():
    with pytest.raises(RuntimeError), transaction.atomic():
        append()
        raise RuntimeError("the action failed")
    assert not AuditEvent.objects.exists()
    assert len(append()) == AuditEvent.objects.count() == 1


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
def test_diff_names_changed_fields_with_keyed_hashes_of_json_safe_values(before, after, expected):
    diff = audit_diff(before, after)
    assert diff == ({"changed": {field: [value_hash(old), value_hash(new)] for field, (old, new) in expected.items()}}
                    if expected else {})
    json.dumps(diff)


def test_diff_keeps_no_answer():
    diff = audit_diff({"findings": ""}, {"findings": "Profile shows the person at the address"})
    assert "Profile" not in json.dumps(diff)
    assert list(diff["changed"]) == ["findings"]


# Append-only in the database


@pytest.mark.parametrize("sql", [
    "UPDATE searchlog_auditevent SET action = 'record.create'",
    "UPDATE searchlog_auditevent SET changes = changes",
    "DELETE FROM searchlog_auditevent",
    "DELETE FROM searchlog_auditevent WHERE id = (SELECT MAX(id) FROM searchlog_auditevent)",
])
def test_database_refuses_update_and_delete(sql):
    append(2)
    # As the superuser: the app role is refused before the trigger is reached (tests/test_db_roles.py).
    with pytest.raises(DatabaseError, match="insert-only"), transaction.atomic(), as_superuser(), \
            connection.cursor() as cursor:
        cursor.execute(sql)
    assert AuditEvent.objects.filter(action="record.view").count() == 2


def test_postgres_refuses_update_and_delete(needs_postgres):
    event = append()[0]
    for sql in (
        "UPDATE searchlog_auditevent SET changes = '{}'::jsonb WHERE id = %s",
        "DELETE FROM searchlog_auditevent WHERE id = %s",
    ):
        with pytest.raises(DatabaseError, match="insert-only"), transaction.atomic(), as_superuser(), \
                connection.cursor() as c:
            c.execute(sql, [event.pk])
    assert AuditEvent.objects.filter(pk=event.pk, changes={}).exists()


def test_postgres_refuses_truncate_of_a_non_empty_trail(needs_postgres):
    append()
    with pytest.raises(DatabaseError, match="insert-only: TRUNCATE"), transaction.atomic(), as_superuser(), \
            connection.cursor() as c:
        c.execute("SET CONSTRAINTS ALL IMMEDIATE")
        c.execute("TRUNCATE searchlog_auditevent")
    assert AuditEvent.objects.count() == 1


def test_postgres_allows_truncate_of_an_empty_trail(needs_postgres):
    """The test runner's flush truncates every table; an empty audit trail has nothing to lose."""
    with transaction.atomic(), as_superuser(), connection.cursor() as cursor:
        cursor.execute("TRUNCATE searchlog_auditevent")


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
def test_middleware_keeps_only_a_sane_incoming_request_id_apart(client, incoming, kept):
    response = client.get("/healthz", HTTP_X_REQUEST_ID=incoming)
    assert response["X-Request-ID"] != incoming and len(response["X-Request-ID"]) == 32
    assert (response.get("X-Client-Request-ID") == incoming) is kept


def test_events_during_a_request_carry_its_id_and_address(client, practitioner):
    response = client.post("/sign-in/", {"username": "alice", "password": "wrong"}, REMOTE_ADDR="198.51.100.7",
                           HTTP_X_REQUEST_ID="req-abc")
    event = AuditEvent.objects.get()
    # The event's id is the server's; the client's is kept beside it, never in its place.
    assert (event.request_id, event.ip_address) == (response["X-Request-ID"], "198.51.100.7")
    assert event.request_id != "req-abc" and event.changes["client_request_id"] == "req-abc"


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


def test_auditor_sees_events_newest_first_and_the_chain_state(client, auditor, events, settings):
    settings.SEARCHLOG_AUDIT_SEAL_GRACE_SECONDS = 10**9  # the events are a year old and nothing sealed them
    client.force_login(auditor)
    response = client.get("/audit/")
    assert response.status_code == 200
    signed_in = AuditEvent.objects.get(action="auth.sign_in")
    assert [row["event"].pk for row in response.context["rows"]] == [signed_in.pk, *[e.pk for e in events][::-1]]
    text = response.content.decode()
    # The four, and the auditor signing in: the page verifies; sealing is the sealer's job.
    assert "Audit trail intact: 0 events sealed, 5 waiting to be sealed" in text
    assert "govuk-notification-banner--success" in text
    assert 'href="/records/OS-2026-000001/"' in text


def test_the_page_says_when_events_wait_too_long_to_be_sealed(client, auditor, events):
    client.force_login(auditor)
    text = client.get("/audit/").content.decode()
    assert "Audit trail broken" in text
    assert f"Event {events[0].pk} (record.create," in text
    assert "waited longer than 60 seconds to be sealed" in text


def test_the_page_shows_what_changed(client, auditor):
    audit_append(action="record.change", actor=auditor, obj_type="record", obj_id="OS-2026-000001",
                 changes=audit_diff({"findings": "", "platforms": []},
                                    {"findings": "Found a report", "platforms": ["facebook"]}))
    audit_append(action="record.return", actor=auditor, obj_type="record", obj_id="OS-2026-000001",
                 changes={"status": ["submitted", "returned"], "comment": value_hash("Add the consent details")})
    audit_append(action="export", actor=auditor, changes={"filters": {"status": "submitted"}, "rows": 12})
    client.force_login(auditor)
    text = client.get("/audit/").content.decode()
    assert "<strong>Findings</strong>: changed" in text
    assert "<strong>Platforms</strong>: changed" in text
    assert "<strong>Comment</strong>: recorded on the record" in text
    assert "<strong>status</strong>: submitted → returned" in text
    assert "<strong>filters</strong>: status: submitted" in text
    assert "Found a report" not in text and "Add the consent" not in text


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
        cache.clear()  # the whole check each time (the quick check of new seals makes one query fewer)
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/audit/").status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]
