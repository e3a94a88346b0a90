"""GET /api/v1/audit-events/: auditors only, filters, fields, pages; and the audited token sign-in."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIRequestFactory

from searchlog import clock
from searchlog.api.audit import obtain_auth_token
from searchlog.audit import audit_append
from searchlog.models import AuditEvent
from tests.conftest import PASSWORD
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
URL = "/api/v1/audit-events/"


@pytest.fixture
def events(db):
    made = []
    for day, action, actor, obj_id in [
        (1, "record.create", "alice", "OS-2026-000001"),
        (2, "record.submit", "alice", "OS-2026-000001"),
        (3, "record.sign_off", "maria", "OS-2026-000001"),
        (3, "export", "aisha", ""),
    ]:
        with clock.frozen_at(datetime(2025, 11, day, 12, 0, tzinfo=UTC)):
            made.append(audit_append(action=action, actor=UserFactory(username=actor), obj_type="record",
                                     obj_id=obj_id, changes={"status": ["draft", "submitted"]}))
    return made


def test_auditor_lists_events_newest_first_with_every_field(api, auditor, events):
    response = api(auditor).get(URL)
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 4
    assert [e["id"] for e in body["results"]] == [e.pk for e in reversed(events)]
    first = body["results"][-1]
    assert first == {
        "id": events[0].pk, "at": "2025-11-01T12:00:00Z", "actor": "alice", "action": "record.create",
        "object_type": "record", "object_id": "OS-2026-000001", "request_id": "", "ip_address": None,
        "changes": {"status": ["draft", "submitted"]}, "seal_seq": None,
    }


@pytest.mark.parametrize("persona", ["practitioner", "colleague", "outsider", "manager", "other_manager"])
def test_other_roles_are_forbidden(api, request, persona, events):
    assert api(request.getfixturevalue(persona)).get(URL).status_code == 403


def test_anonymous_is_unauthorised(api, events):
    assert api().get(URL).status_code == 401


@pytest.mark.parametrize(("query", "expected"), [
    ("action=record.submit", [1]),
    ("actor=maria", [2]),
    ("object_id=OS-2026-000001", [2, 1, 0]),
    ("date_from=2025-11-02&date_to=2025-11-02", [1]),
    ("date_from=2025-11-03", [3, 2]),
    ("date_to=2025-11-01", [0]),
    ("action=nothing", []),
])
def test_filters(api, auditor, events, query, expected):
    body = api(auditor).get(f"{URL}?{query}").json()
    assert [e["id"] for e in body["results"]] == [events[i].pk for i in expected]


def test_a_bad_date_is_a_400(api, auditor):
    response = api(auditor).get(f"{URL}?date_from=yesterday")
    assert response.status_code == 400
    assert list(response.json()) == ["date_from"]


def test_pages(api, auditor):
    for _ in range(30):
        audit_append(action="record.view", actor=None)
    body = api(auditor).get(URL).json()
    assert (body["count"], len(body["results"])) == (30, 25)
    assert body["next"].endswith("?page=2")


def test_the_same_queries_for_10_and_100_events(api, auditor):
    client = api(auditor)
    counts = []
    for total in (10, 100):
        for _ in range(total - AuditEvent.objects.count()):
            audit_append(action="record.view", actor=None)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(URL).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_token_sign_in_is_audited(practitioner):
    """api.audit.obtain_auth_token: a token (token.issue) and an auth.sign_in event."""
    request = APIRequestFactory().post("/api/v1/auth/token/", {"username": "alice", "password": PASSWORD},
                                       format="json", REMOTE_ADDR="192.0.2.1")
    response = obtain_auth_token(request)
    assert response.status_code == 200 and response.data["token"]
    assert AuditEvent.objects.get(action="token.issue").actor == practitioner
    event = AuditEvent.objects.get(action="auth.sign_in")
    assert (event.action, event.actor, event.changes, event.ip_address) == (
        "auth.sign_in", practitioner, {"method": "api_token"}, "192.0.2.1",
    )


def test_failed_token_sign_in_is_audited(client, practitioner):
    response = client.post("/api/v1/auth/token/", {"username": "alice", "password": "nope"})
    assert response.status_code == 400
    event = AuditEvent.objects.get()
    assert (event.action, event.actor, event.changes) == ("auth.sign_in_failed", None, {"username": "alice"})
    assert event.request_id == response["X-Request-ID"]
