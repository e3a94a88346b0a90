"""The export endpoints: files, auth, scope, filters, errors as JSON, no DRF format handling, schema, audit."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.utils import timezone
from openpyxl import load_workbook
from pypdf import PdfReader

from searchlog.models import AuditEvent
from searchlog.tokens import token_issue

pytestmark = pytest.mark.django_db

CSV = "/api/v1/exports/searches.csv"
XLSX = "/api/v1/exports/searches.xlsx"
PACK = "/api/v1/exports/supervision-pack.pdf"


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def csv_references(response) -> set[str]:
    rows = list(csv.reader(io.StringIO(body(response).decode())))
    return {row[0] for row in rows[1:]}


def period() -> dict[str, str]:
    today = timezone.localdate()
    return {"from": f"{today - timedelta(days=30):%Y-%m-%d}", "to": f"{today:%Y-%m-%d}"}


@pytest.fixture
def people(practitioner, colleague, outsider, manager, other_manager, auditor):
    return {"practitioner": practitioner, "colleague": colleague, "outsider": outsider, "manager": manager,
            "other_manager": other_manager, "auditor": auditor}


@pytest.fixture
def records(make_record, people):
    return {name: make_record(by=people[name]) for name in ("practitioner", "colleague", "outsider")}


@pytest.mark.parametrize("path", [CSV, XLSX, PACK])
def test_anonymous_is_refused(api, path):
    response = api().get(path, {"practitioner": "alice", **period()})
    assert response.status_code == 401
    assert not AuditEvent.objects.filter(action="export").exists()


def test_csv_with_a_token(client, records, practitioner):
    token, _row = token_issue(user=practitioner)
    response = client.get(CSV, HTTP_AUTHORIZATION=f"Token {token}")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="searches-')
    assert csv_references(response) == {records["practitioner"].reference}


def test_csv_with_a_session(client, records, manager):
    client.force_login(manager)
    response = client.get(CSV)
    assert response.status_code == 200
    assert csv_references(response) == {records["practitioner"].reference, records["colleague"].reference}


@pytest.mark.parametrize(
    ("persona", "expected"),
    [("practitioner", {"practitioner"}), ("manager", {"practitioner", "colleague"}), ("other_manager", {"outsider"}),
     ("auditor", {"practitioner", "colleague", "outsider"})],
)
def test_csv_scope(api, people, records, persona, expected):
    response = api(people[persona]).get(CSV)
    assert csv_references(response) == {records[name].reference for name in expected}


def test_csv_takes_the_list_filters(api, records, make_record, manager, justified_answers):
    submitted = make_record(submit=True, **justified_answers)
    client = api(manager)
    assert csv_references(client.get(CSV, {"status": "submitted"})) == {submitted.reference}
    assert csv_references(client.get(CSV, {"practitioner": "bob"})) == {records["colleague"].reference}
    assert csv_references(client.get(CSV, {"justified": "true"})) == {submitted.reference}
    after = (timezone.now() + timedelta(minutes=1)).isoformat()
    assert csv_references(client.get(CSV, {"searched_after": after})) == set()


@pytest.mark.parametrize("path", [CSV, XLSX])
def test_bad_filters_are_400_by_field(api, practitioner, path):
    response = api(practitioner).get(path, {"status": "lost", "searched_before": "soon"})
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    errors = response.json()
    assert set(errors) == {"status", "searched_before"}
    assert all(isinstance(messages, list) and messages for messages in errors.values())
    assert not AuditEvent.objects.filter(action="export").exists()


@pytest.mark.parametrize("path", [CSV, XLSX])
@pytest.mark.parametrize(
    "extra",
    [{"HTTP_ACCEPT": "text/csv"}, {"HTTP_ACCEPT": "application/pdf"}, {"HTTP_ACCEPT": "*/*"}, {}],
)
def test_the_address_not_the_accept_header_says_what_comes_back(api, records, practitioner, path, extra):
    response = api(practitioner).get(path, **extra)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv" if path == CSV else "application/vnd.openxmlformats")


@pytest.mark.parametrize("path", [CSV, XLSX])
def test_drf_format_override_is_ignored(api, records, practitioner, path):
    """DRF's ?format= (and .csv-like suffixes) must not pick a renderer or 404."""
    response = api(practitioner).get(path, {"format": "json"})
    assert response.status_code == 200
    assert not response["Content-Type"].startswith("application/json")
    assert api(practitioner).get(path, {"format": "csv"}).status_code == 200


def test_errors_stay_json_whatever_the_client_accepts(api, practitioner):
    response = api(practitioner).get(CSV, {"status": "lost"}, HTTP_ACCEPT="text/csv")
    assert response.status_code == 400
    assert response.json() == {"status": ["Select a valid choice. lost is not one of the available choices."]}


def test_xlsx(api, records, auditor):
    response = api(auditor).get(XLSX, {"practitioner": "charlie"})
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="searches-')
    sheet = load_workbook(io.BytesIO(body(response))).active
    rows = list(sheet.iter_rows(min_row=2, values_only=True))  # row 1 is the title
    assert rows[0][0] == "Reference"
    assert [row[0] for row in rows[1:]] == [records["outsider"].reference]


def test_supervision_pack(api, records, manager, practitioner):
    response = api(manager).get(PACK, {"practitioner": "alice", **period()})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    data = body(response)
    assert data.startswith(b"%PDF")
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    assert records["practitioner"].reference in text
    assert practitioner.display_name in text
    assert records["colleague"].reference not in text


@pytest.mark.parametrize(
    ("caller", "target"),
    [("practitioner", "bob"), ("colleague", "alice"), ("outsider", "alice"), ("other_manager", "alice"),
     ("manager", "charlie"), ("practitioner", "maria"), ("auditor", "nobody")],
)
def test_supervision_pack_outside_scope_is_404(api, people, records, caller, target):
    response = api(people[caller]).get(PACK, {"practitioner": target, **period()})
    assert response.status_code == 404
    assert response.json() == {"detail": "No such record."}
    assert not AuditEvent.objects.filter(action="export").exists()


@pytest.mark.parametrize(
    ("query", "fields"),
    [
        ({}, {"practitioner", "from", "to"}),
        ({"practitioner": "alice", "from": "2026-02-01", "to": "2026-01-01"}, {"to"}),
        ({"practitioner": "alice", "from": "1 Jan", "to": "2026-01-01"}, {"from"}),
    ],
)
def test_supervision_pack_bad_input_is_400_by_field(api, practitioner, query, fields):
    response = api(practitioner).get(PACK, query)
    assert response.status_code == 400
    assert set(response.json()) == fields


def test_each_export_is_one_audit_event(api, records, manager):
    client = api(manager)
    client.get(CSV, {"practitioner": "bob"})
    client.get(XLSX)
    client.get(PACK, {"practitioner": "alice", **period()})
    events = list(AuditEvent.objects.filter(action="export").order_by("id"))
    assert [(e.object_type, e.actor_username, e.changes) for e in events] == [
        ("searches.csv", "maria", {"filters": {"practitioner": "bob"}, "rows": 1}),
        ("searches.xlsx", "maria", {"filters": {}, "rows": 2}),
        ("supervision-pack.pdf", "maria", {"filters": {"practitioner": "alice", **period()}, "rows": 1}),
    ]


def test_schema_lists_the_exports_as_binary(client, practitioner):
    client.force_login(practitioner)
    schema = client.get("/api/schema/", {"format": "json"}).json()
    paths = schema["paths"]
    for path, media_type in [
        ("/api/v1/exports/searches.csv", "text/csv"),
        ("/api/v1/exports/searches.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        ("/api/v1/exports/supervision-pack.pdf", "application/pdf"),
    ]:
        content = paths[path]["get"]["responses"]["200"]["content"]
        assert content[media_type]["schema"] == {"type": "string", "format": "binary"}
    names = {p["name"] for p in paths["/api/v1/exports/searches.csv"]["get"]["parameters"]}
    assert {"status", "team", "practitioner", "is_emergency", "consent_status", "justified", "searched_after",
            "searched_before"} <= names
    names = {p["name"] for p in paths["/api/v1/exports/supervision-pack.pdf"]["get"]["parameters"]}
    assert names == {"practitioner", "from", "to"}
