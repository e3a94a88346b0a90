"""Exports: CSV and XLSX contents, scope per role, filters, formula neutralising, the PDF supervision pack, queries,
the audit event of each export, and the export page."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from pypdf import PdfReader

from searchlog import exports, workflow
from searchlog.errors import RecordInvalid, RecordNotFound
from searchlog.models import AuditEvent, Status
from tests.conftest import PASSWORD
from tests.factories import WITHOUT_CONSENT, RecordFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


def read_csv(export: exports.Export) -> list[list[str]]:
    return list(csv.reader(io.StringIO("".join(export.chunks))))


def csv_of(user, **filters) -> list[list[str]]:
    return read_csv(exports.searches_csv(user=user, filters=filters))


def references(rows: list[list[str]]) -> set[str]:
    return {row[0] for row in rows[1:]}


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def export_events():
    return AuditEvent.objects.filter(action="export").order_by("id")


@pytest.fixture
def people(practitioner, colleague, outsider, manager, other_manager, auditor):
    return {"practitioner": practitioner, "colleague": colleague, "outsider": outsider, "manager": manager,
            "other_manager": other_manager, "auditor": auditor}


@pytest.fixture
def records(make_record, people, justified_answers):
    """One record by each person who records searches (auditors do not)."""
    return {
        name: make_record(by=people[name], subject_reference=f"LAS-{name}", **justified_answers)
        for name in ("practitioner", "colleague", "outsider", "manager", "other_manager")
    }


# Formula injection: one function, a table of cases.

@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@SUM(A1:A2)", "'@SUM(A1:A2)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("=HYPERLINK(\"http://evil\",\"x\")", "'=HYPERLINK(\"http://evil\",\"x\")"),
        ("Normal text", "Normal text"),
        ("a=1+1", "a=1+1"),
        (" =1", " =1"),
        ("", ""),
        ("£5 “quoted”", "£5 “quoted”"),
    ],
)
def test_neutralise(value, expected):
    assert exports.neutralise(value) == expected


# CSV contents.

def test_csv_has_a_header_and_one_row_per_record(make_record, practitioner, justified_answers):
    searched = timezone.now() - timedelta(hours=3)
    record = make_record(searched_at=searched, subject_initials="AB", is_emergency=True,
                         emergency_category="safeguarding", platforms_other="A forum",
                         **{**justified_answers, "platforms": ["facebook", "other"], **WITHOUT_CONSENT,
                            "consent_status": "not_sought_emergency",
                            "justification": "Risk of harm tonight, to the person."})
    record = workflow.record_submit(record=record, actor=practitioner)
    rows = csv_of(practitioner)
    assert rows[0] == exports.HEADER
    assert len(rows) == 2
    row = dict(zip(exports.HEADER, rows[1], strict=True))
    assert row["Reference"] == record.reference
    assert row["Status"] == "Submitted"
    assert row["Justified"] == "Yes"
    assert row["Flags"] == "Emergency; No consent"
    assert row["Practitioner (username)"] == "alice"
    assert row["Practitioner name"] == practitioner.get_full_name()
    assert row["Team"] == "Adults North"
    assert row["Case reference"] == "LAS-100200"
    assert row["Initials"] == "AB"
    assert row["Searched at"] == timezone.localtime(record.searched_at).isoformat(timespec="seconds")
    assert row["Submitted at"] == timezone.localtime(record.submitted_at).isoformat(timespec="seconds")
    assert row["Signed off at"] == ""
    assert row["Where searched"] == "Facebook; Other"
    assert row["Other website or app"] == "A forum"
    assert row["Consent"] == "Not asked, because it was an emergency"
    assert row["Emergency"] == "Yes"
    assert row["Kind of emergency"] == "Safeguarding a child or an adult at risk"
    assert row["Justification"] == "Risk of harm tonight, to the person."
    assert row["Account and device"] == "An organisation account on an organisation device"
    assert row["Lawful basis"] == "Public task"
    assert row["What was done with it"] == "Recorded on the case file"


def test_csv_neutralises_formulas_and_keeps_unicode_and_line_breaks(make_record, practitioner):
    make_record(search_terms="=HYPERLINK(\"http://evil\")", purpose="-2+3", findings="“Quoted” £5\nsecond line",
                platforms=["other"], platforms_other="@forum", consent_details="+44 7700 900000")
    row = dict(zip(exports.HEADER, csv_of(practitioner)[1], strict=True))
    assert row["What was searched for"] == "'=HYPERLINK(\"http://evil\")"
    assert row["Why it was needed"] == "'-2+3"
    assert row["Other website or app"] == "'@forum"
    assert row["Consent details"] == "'+44 7700 900000"
    assert row["What was found"] == "“Quoted” £5\nsecond line"


@pytest.mark.parametrize(
    "cells",
    [
        ["plain", "", "two words", "a,b", 'say "hi"', "line\nbreak", "cr\rhere", "crlf\r\n", "“curly” £€", "'=1"],
        ['"', ",", "\n", " lead", "trail ", ";", "\t", "ünïcödé 中文 🙂"],
        ["", ""],
    ],
)
def test_csv_line_is_what_csv_writer_writes(cells):
    buffer = io.StringIO()
    csv.writer(buffer, quoting=csv.QUOTE_ALL).writerow(cells)
    assert exports.csv_line(cells) == buffer.getvalue()
    assert next(csv.reader(io.StringIO(exports.csv_line(cells)))) == cells


def test_csv_streams_in_chunks_of_rows(practitioner):
    RecordFactory.create_batch(5, practitioner=practitioner)
    chunks = list(exports.csv_chunks(exports.export_rows(practitioner, {}), rows_per_chunk=2))
    assert len(chunks) == 3
    assert len(list(csv.reader(io.StringIO("".join(chunks))))) == 6


def test_no_label_or_constant_can_start_a_formula():
    from searchlog.flags import FLAG_LABELS
    from searchlog.models import (
        AccountUsed,
        ActionTaken,
        ConsentStatus,
        ContentVisibility,
        EmergencyCategory,
        Interaction,
        LawfulBasis,
        Platform,
    )

    labels = [*exports.HEADER, *FLAG_LABELS.values()]
    for choices in (Status, Platform, ContentVisibility, ConsentStatus, EmergencyCategory, AccountUsed, Interaction,
                    LawfulBasis, ActionTaken):
        labels += [label for _, label in choices.choices]
    assert [label for label in labels if exports.neutralise(label) != label] == []


def test_every_text_column_is_neutralised(make_record, practitioner, team):
    team.name = "=Team"
    team.save()
    practitioner.first_name, practitioner.last_name = "-Al", "Ice"
    practitioner.save()
    text = {field: "=x" for field in (
        "search_terms", "purpose", "consent_details", "justification", "collateral_intrusion",
        "special_category_condition", "findings", "actions_taken_details", "information_retained")}
    make_record(platforms=["other"], platforms_other="+y", actions_taken=["other"], **text)
    row = dict(zip(exports.HEADER, csv_of(practitioner)[1], strict=True))
    assert row["Team"] == "'=Team"
    assert row["Practitioner name"] == "'-Al Ice"
    assert row["Other website or app"] == "'+y"
    for label in ("What was searched for", "Why it was needed", "Consent details", "Justification",
                  "Other people's information", "Special category condition", "What was found", "Other action",
                  "What was kept, and where"):
        assert row[label] == "'=x", label


def test_csv_with_no_records_is_just_the_header(practitioner):
    assert csv_of(practitioner) == [exports.HEADER]


# Scope per role.

@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("practitioner", {"practitioner"}),
        ("colleague", {"colleague"}),
        ("outsider", {"outsider"}),
        ("manager", {"practitioner", "colleague", "manager"}),
        ("other_manager", {"outsider", "other_manager"}),
        ("auditor", {"practitioner", "colleague", "outsider", "manager", "other_manager"}),
    ],
)
def test_each_role_exports_only_what_it_may_see(people, records, persona, expected):
    want = {records[name].reference for name in expected}
    assert references(csv_of(people[persona])) == want
    file, rows = exports.xlsx_file(exports.export_rows(people[persona], {}))
    sheet = load_workbook(file, read_only=True).active
    assert {row[0] for row in sheet.iter_rows(min_row=exports.XLSX_HEADER_ROW + 1, values_only=True)} == want
    assert rows == len(want)


def test_other_manager_gets_nothing_of_the_team_even_when_filtering_by_it(people, records):
    assert references(csv_of(people["other_manager"], team="Adults North")) == set()
    assert references(csv_of(people["other_manager"], practitioner="alice")) == set()


def test_an_inactive_user_exports_nothing(people, records):
    auditor = people["auditor"]
    auditor.is_active = False
    assert csv_of(auditor) == [exports.HEADER]


# Filters (the API list's).

@pytest.fixture
def varied(make_record, practitioner, colleague, manager, auditor, justified_answers):
    now = timezone.now()
    made = {
        "old": make_record(searched_at=now - timedelta(days=40), **justified_answers),
        "emergency": make_record(
            by=colleague, is_emergency=True, emergency_category="risk_to_life",
            **{**justified_answers, **WITHOUT_CONSENT, "consent_status": "not_sought_emergency"}),
        "draft": make_record(subject_reference="LAS-9"),
        "submitted": make_record(submit=True, **justified_answers),
    }
    made["signed"] = workflow.record_sign_off(
        record=make_record(by=colleague, submit=True, **{
            **justified_answers, **WITHOUT_CONSENT, "consent_status": "refused", "is_emergency": True,
            "emergency_category": "safeguarding"}),
        actor=manager, reviewer_involved=False)
    # A search after a refusal needs information governance's sign-off too.
    made["signed"] = workflow.record_sign_off(record=made["signed"], actor=auditor, reviewer_involved=False)
    return made


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({}, {"old", "emergency", "draft", "submitted", "signed"}),
        ({"status": "submitted"}, {"submitted"}),
        ({"status": "signed_off"}, {"signed"}),
        ({"practitioner": "bob"}, {"emergency", "signed"}),
        ({"team": "Adults North"}, {"old", "emergency", "draft", "submitted", "signed"}),
        ({"team": "Children East"}, set()),
        ({"is_emergency": "true"}, {"emergency", "signed"}),
        ({"consent_status": "refused"}, {"signed"}),
        ({"justified": "false"}, {"draft"}),
        ({"justified": "true"}, {"old", "emergency", "submitted", "signed"}),
        ({"searched_before": "OLD"}, {"old"}),
        ({"searched_after": "OLD"}, {"emergency", "draft", "submitted", "signed"}),
    ],
)
def test_filters(varied, manager, filters, expected):
    cutoff = (timezone.now() - timedelta(days=20)).isoformat()
    filters = {k: cutoff if v == "OLD" else v for k, v in filters.items()}
    assert references(csv_of(manager, **filters)) == {varied[name].reference for name in expected}


def test_team_filter_takes_an_id(varied, manager, team):
    assert len(references(csv_of(manager, team=str(team.pk)))) == 5


@pytest.mark.parametrize(
    ("filters", "field"),
    [({"status": "lost"}, "status"), ({"searched_after": "yesterday"}, "searched_after"),
     ({"consent_status": "maybe"}, "consent_status")],
)
def test_bad_filters_are_refused_by_field(practitioner, filters, field):
    with pytest.raises(RecordInvalid) as caught:
        exports.searches_csv(user=practitioner, filters=filters)
    assert field in caught.value.errors
    assert not export_events().exists()


# XLSX.

def test_xlsx_opens_with_the_rows_dates_and_neutralised_text(make_record, practitioner, auditor, justified_answers):
    first = make_record(search_terms="=1+1", findings="bell\x07 and “quotes” £", **{
        k: v for k, v in justified_answers.items() if k not in ("search_terms", "findings")})
    second = make_record(subject_reference="LAS-2")
    export = exports.searches_xlsx(user=auditor)
    assert export.rows == 2
    sheet = load_workbook(export.file).active
    rows = list(sheet.iter_rows(min_row=exports.XLSX_HEADER_ROW, values_only=True))
    assert list(rows[0]) == exports.HEADER
    assert [row[0] for row in rows[1:]] == [first.reference, second.reference]
    row = dict(zip(exports.HEADER, rows[1], strict=True))
    assert row["What was searched for"] == "'=1+1"
    assert row["What was found"] == "bell and “quotes” £"
    assert isinstance(row["Searched at"], datetime)
    # Naive Europe/London time (Excel has no time zones), to the millisecond Excel keeps.
    assert abs(row["Searched at"] - timezone.localtime(first.searched_at).replace(tzinfo=None)) < timedelta(
        milliseconds=1)
    assert row["Submitted at"] is None
    assert row["Practitioner (username)"] == "alice"


def test_xlsx_prints_well(make_record, practitioner, manager):
    """Landscape, one page wide, a title row with the filters and the date made, UK dates, wrapped long text."""
    long_text = "why " * 40
    record = make_record(justification=long_text)
    make_record()
    export = exports.searches_xlsx(user=manager, filters={"practitioner": "alice", "justified": "no"})
    sheet = load_workbook(export.file).active
    assert sheet.page_setup.orientation == "landscape"
    assert sheet.page_setup.paperSize == 9  # A4
    assert sheet.sheet_properties.pageSetUpPr.fitToPage
    assert (sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight) == (1, 0)
    assert sheet.print_title_rows == "$2:$2"  # the header on every printed page
    assert sheet.freeze_panes == "A3"
    assert sheet.auto_filter.ref == f"A2:{get_column_letter(len(exports.HEADER))}4"
    title = sheet["A1"].value
    made = timezone.localtime(timezone.now())
    assert title.startswith(f"Online searches, made {made:%d/%m/%Y}")
    assert f"by {manager.display_name}" in title
    assert "Filters: practitioner = alice; justified = no" in title
    assert [cell.value for cell in sheet[2]] == exports.HEADER
    searched = sheet.cell(row=3, column=exports.HEADER.index("Searched at") + 1)
    assert isinstance(searched.value, datetime)
    assert searched.number_format == "dd/mm/yyyy hh:mm"
    justification = sheet.cell(row=3, column=exports.HEADER.index("Justification") + 1)
    assert justification.value == long_text and justification.alignment.wrap_text
    assert sheet.column_dimensions["A"].width == 14  # Reference: narrow
    assert sheet.column_dimensions[get_column_letter(exports.HEADER.index("Justification") + 1)].width == 40
    assert record.reference == sheet["A3"].value


def test_xlsx_title_without_filters_says_none(manager):
    sheet = load_workbook(exports.searches_xlsx(user=manager, filters={}).file).active
    assert sheet["A1"].value.endswith("Filters: none")
    assert sheet.auto_filter.ref == f"A2:{get_column_letter(len(exports.HEADER))}2"


# Queries: a fixed number, whatever the number of rows.

def _queries_for(kind: str, user) -> int:
    with CaptureQueriesContext(connection) as queries:
        export = (exports.searches_csv if kind == "csv" else exports.searches_xlsx)(user=user, filters={})
        if export.chunks is not None:
            "".join(export.chunks)
        else:
            export.file.read()
    return len(queries)


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_export_queries_do_not_grow_with_rows(kind, practitioner, manager):
    RecordFactory.create_batch(10, practitioner=practitioner)
    ten = _queries_for(kind, manager)
    RecordFactory.create_batch(90, practitioner=practitioner)
    hundred = _queries_for(kind, manager)
    assert ten == hundred
    assert hundred <= 6  # count (CSV), the rows, and the audit event


def test_supervision_pack_queries_do_not_grow_with_records(make_record, practitioner, manager, justified_answers):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            exports.supervision_pack(user=manager, practitioner="alice", date_from=TODAY() - timedelta(days=1),
                                     date_to=TODAY())
        return len(captured)

    def reviewed() -> None:
        record = make_record(submit=True, **justified_answers)
        record = workflow.record_return(record=record, actor=manager, comment="More please")
        workflow.addendum_add(record=workflow.record_submit(record=record, actor=practitioner), actor=practitioner,
                              text="Also this")

    reviewed()
    few = queries()
    for _ in range(4):
        reviewed()
    assert queries() == few


# The supervision pack.

@pytest.fixture
def history(make_record, practitioner, manager, auditor, justified_answers):
    """A returned, resubmitted, escalated and closed record with an addendum; and a signed-off one."""
    record = make_record(submit=True, purpose="Check “where” they live; cost £0", **{
        k: v for k, v in justified_answers.items() if k != "purpose"})
    workflow.record_return(record=record, actor=manager, comment="Say which profile you viewed")
    record = workflow.record_submit(record=record, actor=practitioner)
    escalation = workflow.record_escalate(record=record, actor=manager, comment="Interaction may be surveillance")
    workflow.escalation_close(escalation=escalation, actor=auditor, outcome="advice_given",
                              comment="Advice on covert surveillance given")
    workflow.addendum_add(record=record, actor=practitioner, text="Deleted the screenshot ✓ 😀 中文")
    signed = workflow.record_sign_off(record=make_record(by=practitioner, submit=True, is_emergency=True, **{
        **justified_answers, **WITHOUT_CONSENT, "consent_status": "not_sought_emergency",
        "justification": "Risk to life, to the person.", "emergency_category": "risk_to_life"}),
        actor=manager, reviewer_involved=True, comment="Fine")
    return record, signed


def test_supervision_pack_is_a_pdf_with_records_history_and_counts(history, practitioner, manager):
    record, signed = history
    export = exports.supervision_pack(user=manager, practitioner="alice", date_from=TODAY() - timedelta(days=7),
                                      date_to=TODAY())
    data = export.file.read()
    assert data.startswith(b"%PDF")
    assert export.rows == 2
    assert export.filename == f"supervision-pack-alice-{TODAY() - timedelta(days=7):%Y-%m-%d}-to-{TODAY():%Y-%m-%d}.pdf"
    text = " ".join(pdf_text(data).split())
    for expected in (record.reference, signed.reference, practitioner.display_name, "Adults North",
                     "Supervision pack", "Say which profile you viewed", "Interaction may be surveillance",
                     "Advice on covert surveillance given", "Deleted the screenshot", "Returned by",
                     "Signed off by", "said they are involved", "Check “where” they live; cost £0",
                     "Emergencies 1", "Unjustified 0", "No consent 1", "Records 2"):
        assert expected in text, expected


def test_supervision_pack_period_is_inclusive_local_days(make_record, practitioner, auditor):
    inside = make_record(searched_at=timezone.now() - timedelta(days=3))
    make_record(searched_at=timezone.now() - timedelta(days=10))
    start = timezone.localtime(inside.searched_at).date()
    export = exports.supervision_pack(user=auditor, practitioner="alice", date_from=start, date_to=start)
    assert export.rows == 1
    assert inside.reference in pdf_text(export.file.read())


def test_supervision_pack_with_no_records_says_so(practitioner):
    export = exports.supervision_pack(user=practitioner, practitioner="alice", date_from=date(2020, 1, 1),
                                      date_to=date(2020, 3, 31))
    assert export.rows == 0
    assert "There are no records in this period" in pdf_text(export.file.read())


@pytest.mark.parametrize(
    ("caller", "target", "allowed"),
    [
        ("practitioner", "alice", True),
        ("practitioner", "bob", False),  # a colleague
        ("colleague", "alice", False),
        ("outsider", "alice", False),
        ("manager", "alice", True),
        ("manager", "maria", True),  # themselves
        ("manager", "charlie", False),  # not their team
        ("other_manager", "alice", False),
        ("other_manager", "charlie", True),
        ("auditor", "alice", True),
        ("auditor", "charlie", True),
        ("auditor", "nobody", False),
        ("practitioner", "aisha", False),
    ],
)
def test_supervision_pack_scope(people, records, caller, target, allowed):
    def make():
        return exports.supervision_pack(user=people[caller], practitioner=target,
                                        date_from=TODAY() - timedelta(days=1), date_to=TODAY())

    if allowed:
        assert make().file.read().startswith(b"%PDF")
    else:
        with pytest.raises(RecordNotFound):
            make()
        assert not export_events().exists()


def test_supervision_pack_refuses_a_period_that_ends_before_it_starts(practitioner):
    with pytest.raises(RecordInvalid) as caught:
        exports.supervision_pack(user=practitioner, practitioner="alice", date_from=TODAY(),
                                 date_to=TODAY() - timedelta(days=1))
    assert list(caught.value.errors) == ["to"]


def test_supervision_pack_survives_odd_text(make_record, practitioner):
    make_record(findings="<b>not bold</b> & \x0b\x1f control \u202e rtl 🙂 ﷽ " + "x" * 3000,
                purpose="line\r\nbreaks\rand\nmore " * 200)
    data = exports.supervision_pack(user=practitioner, practitioner="alice", date_from=TODAY() - timedelta(days=1),
                                    date_to=TODAY()).file.read()
    assert "<b>not bold</b> &" in pdf_text(data)


# The audit event of every export.

def test_each_export_writes_one_audit_event_with_filters_and_rows(varied, manager):
    exports.searches_csv(user=manager, filters={"status": "submitted", "team": "", "junk": "x"})
    exports.searches_xlsx(user=manager, filters={"practitioner": "bob"})
    exports.supervision_pack(user=manager, practitioner="alice", date_from=TODAY() - timedelta(days=60),
                             date_to=TODAY())
    events = list(export_events())
    assert [(e.object_type, e.actor_username, e.changes) for e in events] == [
        ("searches.csv", "maria", {"filters": {"status": "submitted"}, "rows": 1}),
        ("searches.xlsx", "maria", {"filters": {"practitioner": "bob"}, "rows": 2}),
        ("supervision-pack.pdf", "maria", {"filters": {
            "practitioner": "alice", "from": f"{TODAY() - timedelta(days=60):%Y-%m-%d}", "to": f"{TODAY():%Y-%m-%d}"},
            "rows": 3}),
    ]
    assert events[2].object_id == "alice"


# The export page.

PAGE = "/exports/"


@pytest.fixture
def signed_in(client):
    def sign_in(user):
        assert client.login(username=user.username, password=PASSWORD)
        return client

    return sign_in


@pytest.mark.parametrize("persona", ["practitioner", "manager", "auditor"])
def test_every_role_has_the_export_page_in_the_navigation(people, signed_in, persona):
    page = signed_in(people[persona]).get(PAGE)
    assert page.status_code == 200
    html = page.content.decode()
    assert re.search(r'href="/exports/"[^>]*>\s*(<strong[^>]*>)?Export<', html)
    assert 'type="date"' in html
    assert "There is a problem" not in html


def test_page_offers_only_the_teams_and_people_in_scope(people, signed_in):
    html = signed_in(people["manager"]).get(PAGE).content.decode()
    assert 'value="alice"' in html and 'value="bob"' in html and 'value="maria"' in html
    assert 'value="charlie"' not in html and "Children East" not in html
    html = signed_in(people["practitioner"]).get(PAGE).content.decode()
    assert 'value="bob"' not in html


def test_anonymous_is_sent_to_sign_in(client):
    for path in (PAGE, "/exports/searches.csv", "/exports/searches.xlsx", "/exports/supervision-pack.pdf"):
        response = client.get(path)
        assert response.status_code == 302
        assert response["Location"].startswith("/sign-in/")


def test_page_sends_a_valid_choice_to_the_download(signed_in, practitioner, manager, team):
    response = signed_in(manager).get(PAGE, {
        "format": "xlsx", "team": str(team.pk), "practitioner": "alice", "from": "2026-01-01", "to": "2026-01-31",
        "status": "", "consent_status": "", "justified": "no", "emergency_only": "on"})
    assert response.status_code == 302
    assert response["Location"] == (
        f"/exports/searches.xlsx?team={team.pk}&practitioner=alice&from=2026-01-01&to=2026-01-31"
        "&emergency_only=on&justified=no")


def test_page_shows_the_error_summary_when_from_is_after_to(signed_in, practitioner):
    page = signed_in(practitioner).get(PAGE, {"format": "csv", "from": "2026-02-01", "to": "2026-01-01"})
    html = page.content.decode()
    assert page.status_code == 200
    assert "There is a problem" in html
    assert "The &#x27;to&#x27; date must be the same as or after the &#x27;from&#x27; date" in html
    assert 'href="#id_to"' in html
    assert "<title>Error: " in html


def test_page_shows_the_error_summary_for_a_missing_file_type_and_a_bad_date(signed_in, practitioner):
    html = signed_in(practitioner).get(PAGE, {"format": "", "from": "31/02/2026"}).content.decode()
    assert "Select a file type" in html
    assert "Enter a real date" in html


def test_download_csv_from_the_page_filters_by_whole_local_days(signed_in, make_record, practitioner):
    now = timezone.now()
    today = make_record(searched_at=now)
    make_record(searched_at=now - timedelta(days=5))
    response = signed_in(practitioner).get("/exports/searches.csv", {"from": f"{TODAY():%Y-%m-%d}",
                                                                     "to": f"{TODAY():%Y-%m-%d}"})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="searches-')
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert references(rows) == {today.reference}
    event = export_events().get()
    assert event.changes["rows"] == 1
    assert set(event.changes["filters"]) == {"searched_after", "searched_before"}
    assert event.request_id


def test_download_xlsx_from_the_page(signed_in, make_record, practitioner):
    record = make_record(justification="=cmd|' /C calc'!A0")
    response = signed_in(practitioner).get("/exports/searches.xlsx", {"justified": "no"})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.iter_rows(min_row=exports.XLSX_HEADER_ROW, values_only=True))
    assert rows[1][0] == record.reference
    assert rows[1][exports.HEADER.index("Justification")] == "'=cmd|' /C calc'!A0"


def test_download_with_a_team_outside_scope_shows_the_error_summary(signed_in, practitioner, other_team):
    response = signed_in(practitioner).get("/exports/searches.csv", {"team": str(other_team.pk)})
    assert response.status_code == 400
    assert "There is a problem" in response.content.decode()
    assert not export_events().exists()


def test_pack_from_the_page(signed_in, make_record, practitioner, manager):
    record = make_record()
    response = signed_in(manager).get("/exports/supervision-pack.pdf", {
        "practitioner": "alice", "from": f"{TODAY():%Y-%m-%d}", "to": f"{TODAY():%Y-%m-%d}"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert record.reference in pdf_text(b"".join(response.streaming_content))


def test_pack_page_shows_the_error_summary_when_from_is_after_to(signed_in, practitioner):
    response = signed_in(practitioner).get("/exports/supervision-pack.pdf", {
        "practitioner": "alice", "from": "2026-02-01", "to": "2026-01-01"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "There is a problem" in html
    assert 'href="#id_pack_to"' in html


def test_pack_page_needs_every_answer(signed_in, practitioner):
    html = signed_in(practitioner).get("/exports/supervision-pack.pdf").content.decode()
    assert "Select the practitioner" in html and "Enter the first day" in html and "Enter the last day" in html


@pytest.mark.parametrize(("caller", "target"), [("practitioner", "bob"), ("other_manager", "alice"),
                                                ("manager", "charlie"), ("colleague", "alice")])
def test_pack_outside_scope_is_not_found_on_the_page(people, signed_in, caller, target):
    response = signed_in(people[caller]).get("/exports/supervision-pack.pdf", {
        "practitioner": target, "from": "2026-01-01", "to": "2026-01-31"})
    assert response.status_code == 404


def test_pack_default_statuses_are_all_included(make_record, practitioner, justified_answers):
    make_record()
    make_record(submit=True, **justified_answers)
    export = exports.supervision_pack(user=practitioner, practitioner="alice", date_from=TODAY(), date_to=TODAY())
    assert export.rows == 2
