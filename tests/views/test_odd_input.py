"""The same odd input the API refuses is a GOV.UK error on the pages, never a 500."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in(client):
    def sign_in(user):
        client.raise_request_exception = False
        client.force_login(user)
        return client

    return sign_in


@pytest.mark.parametrize(("query", "fields"), [
    ({"from": "0001-01-01", "to": "9999-12-31"}, ["from", "to"]),
    ({"from": "2020-01-01", "to": "9999-12-31"}, ["to"]),
])
def test_supervision_pack_page_refuses_days_out_of_range(signed_in, practitioner, query, fields):
    page = signed_in(practitioner).get("/exports/supervision-pack.pdf", {"practitioner": "alice", **query})
    html = page.content.decode()
    assert page.status_code == 400
    assert "There is a problem" in html
    assert "must be between 1 January 2000 and" in html
    for field in fields:
        assert f'href="#id_pack_{field}"' in html


@pytest.mark.parametrize("path", ["/exports/", "/exports/searches.csv"])
@pytest.mark.parametrize("query", [{"to": "9999-12-31"}, {"from": "0001-01-01"}])
def test_search_export_refuses_days_out_of_range(signed_in, practitioner, path, query):
    page = signed_in(practitioner).get(path, {"format": "csv", **query})
    assert page.status_code in (200, 400)
    assert "must be between 1 January 2000 and" in page.content.decode()


@pytest.mark.parametrize("query", [{"date_to": "9999-12-31"}, {"date_from": "0001-01-01"}])
def test_audit_trail_page_refuses_days_out_of_range(signed_in, auditor, query):
    page = signed_in(auditor).get("/audit/", query)
    assert page.status_code == 200
    assert "must be between 1 January 2000 and" in page.content.decode()


@pytest.mark.parametrize("name", ["date_from", "date_to"])
@pytest.mark.parametrize("value", ["0001-01-01", "9999-12-31"])
def test_audit_events_api_refuses_days_out_of_range(auditor, name, value):
    client = APIClient(raise_request_exception=False)
    client.force_authenticate(auditor)
    response = client.get("/api/v1/audit-events/", {name: value})
    assert response.status_code == 400
    assert set(response.json()) == {name}


def test_record_form_refuses_a_nul_in_text(signed_in, practitioner):
    page = signed_in(practitioner).post("/records/new/", {
        "subject_reference": "LAS-1", "searched_at": "2026-01-01T10:00", "purpose": "a\x00b"})
    assert page.status_code == 200
    assert "Null characters are not allowed" in page.content.decode()


@pytest.mark.parametrize(("value", "message"), [
    ("2026-01-01T10:00+20:30", "Enter a time zone offset between -14:00 and +14:00"),
    ("0001-01-01T00:00+01:00", "Enter a date and time between the years 1 and 9999"),
])
def test_record_form_refuses_an_impossible_offset(signed_in, practitioner, value, message):
    page = signed_in(practitioner).post("/records/new/", {"subject_reference": "LAS-1", "searched_at": value})
    assert page.status_code == 200
    assert "There is a problem" in page.content.decode()
    assert message in page.content.decode()


def test_the_workflow_refuses_an_impossible_offset_whoever_calls_it(practitioner):
    from datetime import datetime, timedelta, timezone

    from searchlog import workflow
    from searchlog.errors import RecordInvalid

    far_east = datetime(2026, 1, 1, 10, tzinfo=timezone(timedelta(hours=20, minutes=30)))
    with pytest.raises(RecordInvalid) as refused:
        workflow.record_create(practitioner=practitioner, data={"subject_reference": "LAS-1", "searched_at": far_east})
    assert refused.value.errors == {"searched_at": ["Enter a time zone offset between -14:00 and +14:00"]}
