"""The record lists, the review queue and the escalations page are audited: one event per page view."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from searchlog import workflow
from searchlog.models import AuditEvent, Status
from tests.factories import RecordFactory

pytestmark = pytest.mark.django_db


def events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("id"))


def test_my_records_is_one_event_with_the_references_shown(client, practitioner, make_record, colleague):
    mine = [make_record(), make_record()]
    make_record(by=colleague)
    client.force_login(practitioner)
    assert client.get("/records/", {"status": "draft"}).status_code == 200
    [event] = events("record.list")
    assert event.actor == practitioner
    assert sorted(event.changes["references"]) == sorted(r.reference for r in mine)
    assert event.changes["filters"] == {"status": "draft"}


def test_records_you_can_see_is_audited_too(client, auditor, make_record):
    record = make_record()
    client.force_login(auditor)
    client.get("/records/all/")
    [event] = events("record.list")
    assert event.changes["references"] == [record.reference]


def test_the_review_queue_page_is_one_event(client, manager, make_record, justified_answers):
    waiting = make_record(submit=True, **justified_answers)
    client.force_login(manager)
    client.get("/review/", {"flag": ""})
    [event] = events("review_queue.view")
    assert event.changes == {"references": [waiting.reference], "filters": {"flag": ""}}


def test_the_escalations_page_is_one_event(client, manager, auditor, make_record, justified_answers):
    record = make_record(submit=True, **justified_answers)
    workflow.record_escalate(record=record, actor=manager, comment="Concern")
    client.force_login(auditor)
    client.get("/escalations/")
    [event] = events("escalation.list")
    assert (event.actor, event.changes["references"]) == (auditor, [record.reference])


def test_a_refused_page_is_not_a_read(client, practitioner):
    client.force_login(practitioner)
    assert client.get("/review/").status_code == 404
    assert client.get("/escalations/").status_code == 404
    assert events("review_queue.view") == events("escalation.list") == []


@pytest.mark.parametrize("path", ["/records/all/", "/review/"])
def test_list_pages_are_one_insert_and_do_not_grow_with_records(client, manager, practitioner, path):
    client.force_login(manager)

    def queries_for_a_list_of(count: int) -> list[dict]:
        RecordFactory.create_batch(count, practitioner=practitioner, status=Status.SUBMITTED, is_justified=True,
                                   submitted_at=timezone.now())
        with CaptureQueriesContext(connection) as captured:
            assert client.get(path).status_code == 200
        return captured.captured_queries

    few, many = queries_for_a_list_of(2), queries_for_a_list_of(10)
    inserts = [q for q in many if q["sql"].startswith('INSERT INTO "searchlog_auditevent"')]
    assert len(inserts) == 1
    assert len(many) == len(few)
