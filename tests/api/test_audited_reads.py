"""Token issuance and list and queue reads on the API are audited: one event per request, naming what it returned."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from searchlog import workflow
from searchlog.audit import ACTIONS
from searchlog.models import AuditEvent, Status
from tests.conftest import PASSWORD
from tests.factories import RecordFactory

pytestmark = pytest.mark.django_db


def events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("id"))


def audit_inserts(queries) -> int:
    return sum(1 for q in queries if q["sql"].startswith('INSERT INTO "searchlog_auditevent"'))


def test_token_issuance_is_a_sign_in_event(client, practitioner):
    response = client.post("/api/v1/auth/token/", {"username": "alice", "password": PASSWORD},
                           REMOTE_ADDR="10.9.8.7")
    assert response.status_code == 200
    [event] = events("auth.sign_in")
    assert (event.actor, event.object_id, event.changes, event.ip_address) == (
        practitioner, "alice", {"method": "api_token"}, "10.9.8.7")


def test_a_refused_token_is_a_failed_sign_in_not_a_sign_in(client, practitioner):
    assert client.post("/api/v1/auth/token/", {"username": "alice", "password": "nope"}).status_code == 400
    assert events("auth.sign_in") == []
    assert len(events("auth.sign_in_failed")) == 1


def test_the_list_is_one_event_with_the_references_returned_and_the_filters(api, practitioner, make_record,
                                                                            colleague):
    mine = [make_record(), make_record()]
    make_record(by=colleague)
    response = api(practitioner).get("/api/v1/searches/", {"status": "draft", "page": "1"})
    assert response.status_code == 200
    [event] = events("record.list")
    assert event.actor == practitioner
    assert sorted(event.changes["references"]) == sorted(r.reference for r in mine)
    assert event.changes["filters"] == {"status": "draft", "page": "1"}
    assert event.request_id == response["X-Request-ID"]


def test_an_empty_list_is_still_a_read(api, practitioner):
    api(practitioner).get("/api/v1/searches/")
    [event] = events("record.list")
    assert event.changes == {"references": [], "filters": {}}


def test_a_refused_list_is_not_audited(api, practitioner):
    assert api(practitioner).get("/api/v1/searches/", {"status": "nonsense"}).status_code == 400
    assert api().get("/api/v1/searches/").status_code == 401
    assert events("record.list") == []


def test_the_list_names_only_the_page_returned(api, practitioner):
    RecordFactory.create_batch(30, practitioner=practitioner)
    response = api(practitioner).get("/api/v1/searches/", {"page": "2"})
    [event] = events("record.list")
    assert event.changes["references"] == [row["reference"] for row in response.json()["results"]]
    assert len(event.changes["references"]) == 5


@pytest.mark.parametrize("path", ["/api/v1/searches/", "/api/v1/review-queue/"])
def test_list_reads_are_one_insert_and_do_not_grow_with_records(api, manager, practitioner, path):
    def queries_for_a_list_of(count: int) -> list[dict]:
        RecordFactory.create_batch(count, practitioner=practitioner, status=Status.SUBMITTED, is_justified=True,
                                   submitted_at=timezone.now())
        with CaptureQueriesContext(connection) as captured:
            assert api(manager).get(path).status_code == 200
        return captured.captured_queries

    few, many = queries_for_a_list_of(2), queries_for_a_list_of(10)
    assert audit_inserts(few) == audit_inserts(many) == 1
    assert len(many) == len(few)


def test_the_review_queue_is_one_event_with_its_references(api, manager, make_record, justified_answers):
    waiting = make_record(submit=True, **justified_answers)
    make_record()  # a draft: not in the queue
    api(manager).get("/api/v1/review-queue/")
    [event] = events("review_queue.view")
    assert (event.actor, event.changes) == (manager, {"references": [waiting.reference], "filters": {}})


def test_the_escalations_list_is_one_event_naming_the_records(api, manager, auditor, make_record, justified_answers):
    record = make_record(submit=True, **justified_answers)
    workflow.record_escalate(record=record, actor=manager, comment="Concern")
    api(auditor).get("/api/v1/escalations/")
    [event] = events("escalation.list")
    assert event.changes["references"] == [record.reference]


def test_the_new_actions_have_labels_for_auditors():
    assert {"record.list", "review_queue.view", "escalation.list"} <= set(ACTIONS)
