"""Exports for supervision and inspection: searches as CSV (streamed) or XLSX, and a PDF supervision pack.

Records come from selectors.records_visible_to (the role's scope), filtered as the API list is (SearchRecordFilter).
Every export is itself an audit event: who, which export, the filters and how many rows.
"""

from __future__ import annotations

import io
import json
import re
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from functools import lru_cache
from html import escape
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Prefetch, QuerySet, TextField
from django.db.models.functions import Cast
from django.http import FileResponse, HttpRequest, HttpResponseBase, StreamingHttpResponse
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import (
    CondPageBreak,
    Flowable,
    HRFlowable,
    Paragraph,
    SimpleDocTemplate,
    Table,
    TableStyle,
)

from searchlog import clock, selectors
from searchlog.api.filters import SearchRecordFilter
from searchlog.audit import audit_append
from searchlog.errors import RecordInvalid, RecordNotFound
from searchlog.flags import FLAG_LABELS, flags_for, with_flags_for
from searchlog.formatting import when
from searchlog.models import (
    AccountUsed,
    ActionTaken,
    Addendum,
    ConsentGivenBy,
    ConsentStatus,
    ContentVisibility,
    EmergencyCategory,
    Escalation,
    EscalationOutcome,
    Interaction,
    LawfulBasis,
    Platform,
    SearchRecord,
    Status,
    SubjectRelationship,
    Transition,
    User,
)
from searchlog.presenters import record_answers, signed_off_by

SEARCHES_CSV = "searches.csv"
SEARCHES_XLSX = "searches.xlsx"
SUPERVISION_PACK = "supervision-pack.pdf"
CHUNK_SIZE = 2000

# (header, field or annotation read with values_list), in the order of the columns.
COLUMNS = [
    ("Reference", "reference"),
    ("Status", "status"),
    ("Justified", "is_justified"),
    ("Flags", None),  # from the flag_<name> annotations
    ("Practitioner (username)", "practitioner__username"),
    ("Practitioner name", None),  # first and last name
    ("Team", "team__name"),
    ("Case reference", "subject_reference"),
    ("Initials", "subject_initials"),
    ("Searched at", "searched_at"),
    ("Recorded at", "created_at"),
    ("Submitted at", "submitted_at"),
    ("Signed off at", "signed_off_at"),
    ("Where searched", "platforms_json"),
    ("Other website or app", "platforms_other"),
    ("What was searched for", "search_terms"),
    ("Content seen", "content_visibility"),
    ("Why it was needed", "purpose"),
    ("Consent", "consent_status"),
    ("Consent details", "consent_details"),
    ("Emergency", "is_emergency"),
    ("Kind of emergency", "emergency_category"),
    ("Justification", "justification"),
    ("Other people's information", "collateral_intrusion"),
    ("Account and device", "account_used"),
    ("Interaction", "interaction"),
    ("Lawful basis", "lawful_basis"),
    ("Special category condition", "special_category_condition"),
    ("What was found", "findings"),
    ("What was done with it", "actions_taken_json"),
    ("Other action", "actions_taken_details"),
    ("What was kept, and where", "information_retained"),
    ("Whose information", "subject_relationship"),
    ("Profiles or pages viewed", "profile_urls_json"),
    ("Consent given by", "consent_given_by"),
    ("Why a less intrusive way would not do", "alternatives_considered"),
    ("Confidential information likely", "confidential_information"),
    ("Signed off by", "reviewed_by__username"),
    ("Signed off by information governance", "ig_reviewed_by__username"),
    ("Outcome", "outcome"),
    ("Signed off by (job title)", "reviewed_by__job_title"),
    ("Signed off by information governance (job title)", "ig_reviewed_by__job_title"),
    ("Prior approval", "approval_id"),
    ("Approved by", "approval__decided_by__username"),
    ("Approved at", "approval__decided_at"),
    ("Approval expires at", "approval__expires_at"),
]
HEADER = [label for label, _ in COLUMNS]
_FLAG_FIELDS = tuple(f"flag_{name}" for name in FLAG_LABELS)
_FLAGS_START = sum(1 for _, field in COLUMNS if field) + 2  # after the columns' fields and the two name parts
_FLAG_NAMES = tuple(FLAG_LABELS.values())
VALUE_FIELDS = (
    *(field for _, field in COLUMNS if field), "practitioner__first_name", "practitioner__last_name", *_FLAG_FIELDS,
)
_STATUS = dict(Status.choices)
_PLATFORM = dict(Platform.choices)
_VISIBILITY = dict(ContentVisibility.choices)
_CONSENT = dict(ConsentStatus.choices)
_EMERGENCY = dict(EmergencyCategory.choices)
_ACCOUNT = dict(AccountUsed.choices)
_INTERACTION = dict(Interaction.choices)
_BASIS = dict(LawfulBasis.choices)
_ACTION = dict(ActionTaken.choices)
_YES_NO = {True: "Yes", False: "No"}
_YES_NO_BLANK = {True: "Yes", False: "No", None: ""}
_RELATIONSHIP = dict(SubjectRelationship.choices)
_GIVEN_BY = dict(ConsentGivenBy.choices)
_OUTCOME = dict(EscalationOutcome.choices)
_DATETIME_COLUMNS = tuple(HEADER.index(label) for label in ("Searched at", "Recorded at", "Submitted at",
                                                            "Signed off at", "Approved at", "Approval expires at"))
# Columns whose text comes from people (or an unknown code); the others are our own labels, Yes/No and dates,
# none of which can start a formula (tests/test_exports.py checks every label).
_FREE_TEXT_COLUMNS = tuple(
    index for index, label in enumerate(HEADER)
    if label not in {"Status", "Justified", "Flags", "Searched at", "Recorded at", "Submitted at", "Signed off at",
                     "Content seen", "Consent", "Emergency", "Kind of emergency", "Account and device", "Interaction",
                     "Lawful basis", "Whose information", "Consent given by", "Confidential information likely",
                     "Outcome", "Prior approval", "Approved at", "Approval expires at"}
)

# A spreadsheet runs a cell starting with one of these as a formula (CSV/formula injection, OWASP).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Characters XML 1.0 (and so XLSX and a PDF's paragraphs) cannot hold.
_NOT_IN_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


@dataclass(frozen=True)
class Export:
    """A finished (or streaming) export: what to call it, its type, its content and how many rows it holds."""

    kind: str
    filename: str
    content_type: str
    rows: int
    chunks: Iterator[str] | None = None  # streamed text (CSV)
    file: IO[bytes] | None = None  # or a file to send (XLSX, PDF)


def neutralise(value: str) -> str:
    """Prefix a single quote to text a spreadsheet would run as a formula."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


# Scope: which people and teams a user may pick in an export.
# Records are always scoped by selectors.records_visible_to; these only fill the pickers and guard the pack.

# Filters, rows and the period rule.

def export_rows(user: User, filters: Mapping[str, Any] | None = None) -> QuerySet[SearchRecord]:
    """The records the user may export that match the list filters, oldest search first; RecordInvalid if bad."""
    records = with_flags_for(user, selectors.records_visible_to(user)).select_related("practitioner", "team")
    filterset = SearchRecordFilter(filters or {}, queryset=records)
    if not filterset.is_valid():
        raise RecordInvalid({field: [str(m) for m in messages] for field, messages in filterset.errors.items()})
    return filterset.qs.order_by("searched_at", "id")


def filters_used(filters: Mapping[str, Any] | None) -> dict[str, str]:
    """The list filters given (blank ones left out), as text, for the audit trail."""
    filters = filters or {}
    return {name: str(filters.get(name)) for name in SearchRecordFilter.base_filters
            if filters.get(name) not in (None, "")}


EARLIEST_DAY = date(2000, 1, 1)
# How far ahead a period may end: a pack for next month is odd but harmless; 9999-12-31 overflows the day arithmetic.
LATEST_DAYS_AHEAD = 366


def day_range() -> tuple[date, date]:
    """The first and last day a period may name (local days)."""
    return EARLIEST_DAY, timezone.localtime(clock.now()).date() + timedelta(days=LATEST_DAYS_AHEAD)


def day_range_message(name: str = "date") -> str:
    first, last = day_range()
    return f"The {name} must be between {_long_day(first)} and {_long_day(last)}"


def validate_day(value: date) -> None:
    """A form validator: refuse a day outside day_range() (the same rule as the export periods)."""
    first, last = day_range()
    if not first <= value <= last:
        raise ValidationError(day_range_message(), code="out_of_range")


def check_period(date_from: date | None, date_to: date | None) -> None:
    """Refuse days before 2000 or more than a year ahead, and a period that ends before it starts."""
    first, last = day_range()
    errors = {
        field: [day_range_message(f"'{field}' date")]
        for field, day in (("from", date_from), ("to", date_to))
        if day is not None and not first <= day <= last
    }
    if not errors and date_from and date_to and date_from > date_to:
        errors["to"] = ["The 'to' date must be the same as or after the 'from' date"]
    if errors:
        raise RecordInvalid(errors)


def _long_day(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def day_start(value: date) -> datetime:
    """Midnight at the start of a day in Europe/London."""
    return timezone.make_aware(datetime.combine(value, time.min))


def export_values(records: QuerySet[SearchRecord]) -> QuerySet[SearchRecord]:
    """The export's columns as plain tuples (the list fields as their JSON text, mapped to labels through a cache)."""
    return records.annotate(
        platforms_json=Cast("platforms", TextField()), actions_taken_json=Cast("actions_taken", TextField()),
        profile_urls_json=Cast("profile_urls", TextField()),
    ).values_list(*VALUE_FIELDS)


def _values(records: QuerySet[SearchRecord]) -> Iterator[tuple[Any, ...]]:
    # Tuples, not model instances: one query, read in chunks (a server-side cursor on PostgreSQL).
    return export_values(records).iterator(chunk_size=CHUNK_SIZE)


@lru_cache(maxsize=4096)
def _platform_labels(json_text: str | None) -> str:
    return "; ".join(_PLATFORM.get(code, str(code)) for code in json.loads(json_text or "[]"))


@lru_cache(maxsize=4096)
def _action_labels(json_text: str | None) -> str:
    return "; ".join(_ACTION.get(code, str(code)) for code in json.loads(json_text or "[]"))


@lru_cache(maxsize=1024)
def _flag_labels(flags: tuple[bool, ...]) -> str:
    return "; ".join(label for label, on in zip(_FLAG_NAMES, flags, strict=True) if on)


def _cells(values: tuple[Any, ...]) -> list[Any]:
    """One row's cells in the order of COLUMNS: text, or an aware datetime, or None."""
    (reference, status, justified, username, team, subject, initials, searched, created, submitted, signed_off,
     platforms, platforms_other, terms, visibility, purpose, consent, consent_details, emergency, category,
     justification, collateral, account, interaction, basis, special, findings, actions, actions_details, retained,
     relationship, profile_urls, given_by, alternatives, confidential, reviewed_by, ig_reviewed_by, outcome,
     reviewer_title, ig_reviewer_title, approval_id, approved_by, approved_at, approval_expires, first_name,
     last_name) = values[:_FLAGS_START]
    return [
        reference, _STATUS.get(status, status), _YES_NO[justified], _flag_labels(values[_FLAGS_START:]),
        username, f"{first_name} {last_name}".strip() or username, team, subject, initials,
        searched, created, submitted, signed_off, _platform_labels(platforms), platforms_other, terms,
        _VISIBILITY.get(visibility, visibility), purpose, _CONSENT.get(consent, consent), consent_details,
        _YES_NO[emergency], _EMERGENCY.get(category, category), justification, collateral,
        _ACCOUNT.get(account, account), _INTERACTION.get(interaction, interaction), _BASIS.get(basis, basis),
        special, findings, _action_labels(actions), actions_details, retained,
        _RELATIONSHIP.get(relationship, relationship), "; ".join(json.loads(profile_urls or "[]")),
        _GIVEN_BY.get(given_by, given_by), alternatives, _YES_NO_BLANK[confidential], reviewed_by or "",
        ig_reviewed_by or "", _OUTCOME.get(outcome, outcome), reviewer_title or "", ig_reviewer_title or "",
        f"PA-{approval_id:06d}" if approval_id else "", approved_by or "", approved_at, approval_expires,
    ]


def csv_row(values: tuple[Any, ...], zone: tzinfo | None = None) -> list[str]:
    """A row as CSV text cells: datetimes in Europe/London ISO 8601, text neutralised."""
    zone = zone or timezone.get_current_timezone()
    cells = _cells(values)
    for index in _DATETIME_COLUMNS:
        moment = cells[index]
        cells[index] = moment.astimezone(zone).isoformat(timespec="seconds") if moment else ""
    for index in _FREE_TEXT_COLUMNS:
        if cells[index].startswith(FORMULA_STARTS):  # rare: call neutralise only then (it is hot code)
            cells[index] = neutralise(cells[index])
    return cells


def csv_line(cells: list[str]) -> str:
    """One CSV record as csv.writer(quoting=csv.QUOTE_ALL) writes it: RFC 4180, every field quoted, CRLF.

    Several times faster than csv.writer, which copies every record through a UCS-4 buffer: for a large export
    that was the biggest cost after the database itself.
    """
    return '"' + '","'.join([cell.replace('"', '""') for cell in cells]) + '"\r\n'


def csv_chunks(records: QuerySet[SearchRecord], *, rows_per_chunk: int = 500) -> Iterator[str]:
    """The header and the rows as CSV text, a few hundred rows at a time (memory stays flat)."""
    zone = timezone.get_current_timezone()  # once: looking it up is slow next to formatting a cell
    lines = [csv_line(HEADER)]
    for values in _values(records):
        lines.append(csv_line(csv_row(values, zone)))
        if len(lines) >= rows_per_chunk:
            yield "".join(lines)
            lines.clear()
    if lines:
        yield "".join(lines)


def xlsx_row(values: tuple[Any, ...], zone: tzinfo | None = None) -> list[Any]:
    """A row as XLSX cells: datetimes as naive Europe/London times, text neutralised and made XML-safe."""
    zone = zone or timezone.get_current_timezone()
    cells = _cells(values)
    for index in _DATETIME_COLUMNS:
        moment = cells[index]
        cells[index] = moment.astimezone(zone).replace(tzinfo=None) if moment else None
    for index in _FREE_TEXT_COLUMNS:
        cells[index] = _NOT_IN_XML.sub("", neutralise(cells[index]))
    return cells


# How the XLSX prints: a title row above the header, A4 landscape, one page wide, wrapped text, UK dates.
XLSX_TITLE_ROW = 1
XLSX_HEADER_ROW = 2
XLSX_DATETIME_FORMAT = "dd/mm/yyyy hh:mm"
# Widths in characters: short codes and our own labels narrow, people's free text wide (it wraps).
_XLSX_WIDTHS = {
    "Reference": 14, "Status": 18, "Justified": 10, "Flags": 28, "Practitioner (username)": 16,
    "Practitioner name": 20, "Team": 18, "Case reference": 15, "Initials": 9, "Prior approval": 12,
    "Emergency": 10, "Confidential information likely": 12,
}
_XLSX_LABEL_WIDTH = 20  # our own labels (Consent, Lawful basis…) and usernames
_XLSX_DATE_WIDTH = 17
_XLSX_TEXT_WIDTH = 40


def _xlsx_width(index: int) -> int:
    label = HEADER[index]
    if index in _DATETIME_COLUMNS:
        return _XLSX_DATE_WIDTH
    if label in _XLSX_WIDTHS:
        return _XLSX_WIDTHS[label]
    return _XLSX_TEXT_WIDTH if index in _FREE_TEXT_COLUMNS else _XLSX_LABEL_WIDTH


def xlsx_title(filters: Mapping[str, str], made_at: datetime, made_by: User | None = None) -> str:
    """The line above the header: what the sheet is, the filters used and when (and by whom) it was made."""
    used = "; ".join(f"{name} = {value}" for name, value in filters.items()) or "none"
    by = f" by {made_by.display_name}" if made_by is not None else ""
    return (f"Online searches, made {timezone.localtime(made_at):%d/%m/%Y %H:%M}{by}. "
            f"Filters: {_NOT_IN_XML.sub('', used)}")


def _print_setup(sheet: Any) -> None:
    """A4 landscape, fit to one page wide (as many pages tall as it takes), the header row on every page."""
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = 9  # A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0  # 0: no limit on the pages down
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_title_rows = f"{XLSX_HEADER_ROW}:{XLSX_HEADER_ROW}"
    sheet.page_margins.left = sheet.page_margins.right = 0.4
    sheet.page_margins.top = sheet.page_margins.bottom = 0.5


def xlsx_file(records: QuerySet[SearchRecord], title: str = "Online searches") -> tuple[IO[bytes], int]:
    """The rows as an XLSX workbook written row by row to a temporary file; and how many rows it holds.

    It prints well: a title row, the header repeated on each landscape page one page wide, long text wrapped in
    sensible widths, dates as dd/mm/yyyy hh:mm, and an autofilter over the header.
    """
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Searches")
    sheet.freeze_panes = f"A{XLSX_HEADER_ROW + 1}"
    for index in range(len(COLUMNS)):
        sheet.column_dimensions[get_column_letter(index + 1)].width = _xlsx_width(index)
    _print_setup(sheet)
    title_cell = WriteOnlyCell(sheet, value=title)
    title_cell.font = Font(bold=True, size=12)
    sheet.append([title_cell])
    top = Alignment(vertical="top")
    header_style = (Font(bold=True), Alignment(vertical="top", wrap_text=True))
    header = []
    for label in HEADER:
        cell = WriteOnlyCell(sheet, value=label)
        cell.font, cell.alignment = header_style
        header.append(cell)
    sheet.append(header)
    wrapped = Alignment(vertical="top", wrap_text=True)
    # Styled cells only where the style matters (dates, text longer than its column): a plain value is cheaper.
    long_text = [(index, _xlsx_width(index)) for index in _FREE_TEXT_COLUMNS] + [(HEADER.index("Flags"), 28)]
    rows, zone = 0, timezone.get_current_timezone()
    for values in _values(records):
        cells = xlsx_row(values, zone)
        for index in _DATETIME_COLUMNS:
            if cells[index] is not None:
                cell = WriteOnlyCell(sheet, value=cells[index])
                cell.number_format, cell.alignment = XLSX_DATETIME_FORMAT, top
                cells[index] = cell
        for index, width in long_text:
            text = cells[index]
            if isinstance(text, str) and (len(text) > width or "\n" in text):
                cell = WriteOnlyCell(sheet, value=text)
                cell.alignment = wrapped
                cells[index] = cell
        sheet.append(cells)
        rows += 1
    last = get_column_letter(len(COLUMNS))
    sheet.auto_filter.ref = f"A{XLSX_HEADER_ROW}:{last}{XLSX_HEADER_ROW + rows}"
    file = tempfile.TemporaryFile()  # noqa: SIM115 (closed by the response that sends it)
    workbook.save(file)
    file.seek(0)
    return file, rows


# The exports: scope, filter, audit, content.

def _stamp() -> str:
    return f"{timezone.localtime(clock.now()):%Y-%m-%d}"


def _audit(user: User, kind: str, *, filters: dict[str, str], rows: int, request: HttpRequest | None,
           obj_id: str = "") -> None:
    audit_append(action="export", actor=user, obj_type=kind, obj_id=obj_id,
                 changes={"filters": filters, "rows": rows}, request=request)


def searches_csv(*, user: User, filters: Mapping[str, Any] | None = None,
                 request: HttpRequest | None = None) -> Export:
    """Export the searches the user may see as streamed CSV; audit it first, with the row count."""
    records = export_rows(user, filters)
    # The rows go out after the response starts, so count them now (one COUNT) for the audit event.
    rows = records.count()
    _audit(user, SEARCHES_CSV, filters=filters_used(filters), rows=rows, request=request)
    return Export(kind=SEARCHES_CSV, filename=f"searches-{_stamp()}.csv", content_type="text/csv; charset=utf-8",
                  rows=rows, chunks=csv_chunks(records))


def searches_xlsx(*, user: User, filters: Mapping[str, Any] | None = None,
                  request: HttpRequest | None = None) -> Export:
    """Export the searches the user may see as an XLSX workbook, and audit it."""
    used = filters_used(filters)
    file, rows = xlsx_file(export_rows(user, filters), title=xlsx_title(used, clock.now(), user))
    _audit(user, SEARCHES_XLSX, filters=used, rows=rows, request=request)
    return Export(kind=SEARCHES_XLSX, filename=f"searches-{_stamp()}.xlsx",
                  content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", rows=rows,
                  file=file)


def supervision_records(user: User, person: User, date_from: date, date_to: date) -> QuerySet[SearchRecord]:
    """The person's records searched in the period (local days, inclusive) that the user may see, with history."""
    return (
        with_flags_for(user, selectors.records_visible_to(user))
        .filter(practitioner=person, searched_at__gte=day_start(date_from),
                searched_at__lt=day_start(date_to + timedelta(days=1)))
        .select_related("practitioner", "team", "reviewed_by", "ig_reviewed_by", "approval__decided_by")
        .prefetch_related(
            Prefetch("transitions", queryset=Transition.objects.select_related("actor")),
            Prefetch("addenda", queryset=Addendum.objects.select_related("author")),
            Prefetch("escalations", queryset=Escalation.objects.select_related("raised_by", "closed_by")),
        )
        .order_by("searched_at", "id")
    )


def supervision_pack(*, user: User, practitioner: str, date_from: date, date_to: date,
                     request: HttpRequest | None = None) -> Export:
    """Make the PDF supervision pack of one practitioner over a period; RecordNotFound outside the user's scope."""
    check_period(date_from, date_to)
    try:
        person = selectors.people_visible_to(user).get(username=practitioner)
    except User.DoesNotExist:
        raise RecordNotFound(practitioner) from None
    records = list(supervision_records(user, person, date_from, date_to))
    pdf = pack_pdf(person=person, records=records, date_from=date_from, date_to=date_to, made_by=user,
                   made_at=clock.now())
    filters = {"practitioner": person.username, "from": date_from.isoformat(), "to": date_to.isoformat()}
    _audit(user, SUPERVISION_PACK, filters=filters, rows=len(records), request=request, obj_id=person.username)
    return Export(kind=SUPERVISION_PACK, content_type="application/pdf", rows=len(records), file=io.BytesIO(pdf),
                  filename=f"supervision-pack-{person.username}-{date_from:%Y-%m-%d}-to-{date_to:%Y-%m-%d}.pdf")


def as_response(export: Export) -> HttpResponseBase:
    """The export as a download: streamed for CSV, the file for XLSX and PDF."""
    if export.chunks is not None:
        response = StreamingHttpResponse(export.chunks, content_type=export.content_type)
        response["Content-Disposition"] = f'attachment; filename="{export.filename}"'
    else:
        response = FileResponse(export.file, as_attachment=True, filename=export.filename,
                                content_type=export.content_type)
    response["X-Export-Rows"] = str(export.rows)
    return response


# The supervision pack (PDF), drawn with reportlab and the Bitstream Vera fonts it ships: they cover Latin text,
# “quotes”, £ and €; a character the font lacks prints as a blank box instead of failing.

@lru_cache(maxsize=1)
def _pdf_styles() -> dict[str, ParagraphStyle]:
    for name, file in (("Vera", "Vera.ttf"), ("Vera-Bold", "VeraBd.ttf"), ("Vera-Italic", "VeraIt.ttf"),
                       ("Vera-BoldItalic", "VeraBI.ttf")):
        pdfmetrics.registerFont(TTFont(name, file))
    pdfmetrics.registerFontFamily("Vera", normal="Vera", bold="Vera-Bold", italic="Vera-Italic",
                                  boldItalic="Vera-BoldItalic")
    body = ParagraphStyle("body", fontName="Vera", fontSize=9.5, leading=13, spaceAfter=4)
    heading = ParagraphStyle("heading", parent=body, fontName="Vera-Bold", keepWithNext=True)
    return {
        "body": body,
        "small": ParagraphStyle("small", parent=body, fontSize=8, leading=10, textColor=colors.HexColor("#505a5f")),
        "title": ParagraphStyle("title", parent=heading, fontSize=24, leading=30, spaceAfter=14),
        "h1": ParagraphStyle("h1", parent=heading, fontSize=15, leading=19, spaceBefore=4, spaceAfter=6),
        "h2": ParagraphStyle("h2", parent=heading, fontSize=11.5, leading=15, spaceBefore=8, spaceAfter=3),
        "label": ParagraphStyle("label", parent=heading, spaceAfter=0),
        "answer": ParagraphStyle("answer", parent=body, leftIndent=12),
        "quote": ParagraphStyle("quote", parent=body, leftIndent=12, fontName="Vera-Italic"),
    }


def xml_text(value: object) -> str:
    """Text made safe for a PDF paragraph: XML-legal, escaped, line breaks kept."""
    text = _NOT_IN_XML.sub("", str(value)).replace("\r\n", "\n").replace("\r", "\n")
    return escape(text, quote=False).replace("\n", "<br/>")


def pack_counts(records: list[SearchRecord]) -> dict[str, Any]:
    """The cover's counts: records, emergencies, unjustified, no consent, signed off, and each flag that occurs."""
    flags = dict.fromkeys(FLAG_LABELS.values(), 0)
    for record in records:
        for name in flags_for(record):
            flags[FLAG_LABELS[name]] += 1
    return {
        "Records": len(records),
        "Emergencies": sum(1 for r in records if r.is_emergency),
        "Unjustified": sum(1 for r in records if not r.is_justified),
        "No consent": sum(1 for r in records if r.flag_no_consent),
        "Signed off": sum(1 for r in records if r.status == Status.SIGNED_OFF),
        "Closed after escalation": sum(1 for r in records if r.status == Status.CLOSED),
        "flags": {label: n for label, n in flags.items() if n},
    }


def _table(rows: list[list[Any]], widths: list[float]) -> Table:
    table = Table(rows, colWidths=widths, hAlign="LEFT")
    table.setStyle(TableStyle([
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LINEBELOW", (0, 0), (-1, -1), 0.5, colors.HexColor("#b1b4b6")),
        ("TOPPADDING", (0, 0), (-1, -1), 4), ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
    ]))
    return table


def _cover(person: User, records: list[SearchRecord], period: str, made_by: User, made_at: datetime,
           st: dict[str, ParagraphStyle]) -> list[Flowable]:
    counts = pack_counts(records)
    flags = counts.pop("flags")
    fact = [
        ("Practitioner", f"{person.display_name} ({person.username})"),
        ("Team", person.team.name if person.team else "No team"),
        ("Period", period),
        ("Made by", f"{made_by.display_name} on {when(made_at)}"),
    ]
    story: list[Flowable] = [
        Paragraph(xml_text(settings.SEARCHLOG_ORGANISATION_NAME), st["small"]),
        Paragraph("Supervision pack", st["title"]),
        Paragraph(xml_text(person.display_name), st["h1"]),
        _table([[Paragraph(f"<b>{k}</b>", st["body"]), Paragraph(xml_text(v), st["body"])] for k, v in fact],
               [35 * mm, 130 * mm]),
        Paragraph("Summary", st["h2"]),
        _table([[Paragraph(k, st["body"]), Paragraph(str(v), st["body"])] for k, v in counts.items()],
               [60 * mm, 25 * mm]),
        Paragraph("Flags", st["h2"]),
    ]
    if flags:
        story.append(_table([[Paragraph(k, st["body"]), Paragraph(str(v), st["body"])] for k, v in flags.items()],
                            [60 * mm, 25 * mm]))
    else:
        story.append(Paragraph("No record in this period carries a flag.", st["body"]))
    story.append(Paragraph("Records", st["h2"]))
    if not records:
        story.append(Paragraph("There are no records in this period that you can see.", st["body"]))
    for record in records:
        story.append(Paragraph(
            f"{xml_text(record.reference)}: searched {xml_text(when(record.searched_at))}, "
            f"{xml_text(record.get_status_display().lower())}", st["body"]))
    return story


def _approval_story(record: SearchRecord, st: dict[str, ParagraphStyle]) -> list[Flowable]:
    """The prior approval the search was made under, and its decision (the request before, the record after)."""
    approval = record.approval
    decided = (f"approved by {approval.decided_by.name_and_title} on {when(approval.decided_at)}, until "
               f"{when(approval.expires_at)}") if approval.was_approved and approval.decided_by else \
        approval.get_status_display().lower()
    story = [
        Paragraph(f"<b>Prior approval {xml_text(approval.label)}:</b> {xml_text(decided)} "
                  f"({xml_text(approval.get_status_display().lower())}).", st["body"]),
        Paragraph("Why it was necessary (from the approval)", st["label"]),
        Paragraph(xml_text(approval.justification), st["answer"]),
        Paragraph("Why a less intrusive way would not do (from the approval)", st["label"]),
        Paragraph(xml_text(approval.alternatives_considered), st["answer"]),
    ]
    if approval.conditions:
        story += [Paragraph("Conditions", st["label"]), Paragraph(xml_text(approval.conditions), st["answer"])]
    if approval.decision_comment:
        story += [Paragraph("Decision comment", st["label"]),
                  Paragraph(xml_text(approval.decision_comment), st["answer"])]
    return story


def _record_story(record: SearchRecord, st: dict[str, ParagraphStyle]) -> list[Flowable]:
    flags = [FLAG_LABELS[name] for name in flags_for(record)]
    story: list[Flowable] = [
        CondPageBreak(60 * mm),
        HRFlowable(width="100%", thickness=1, color=colors.HexColor("#0b0c0c"), spaceAfter=6),
        Paragraph(f"Record {xml_text(record.reference)}", st["h1"]),
        Paragraph(
            f"<b>{xml_text(record.get_status_display())}</b>, "
            f"{'justified' if record.is_justified else '<b>unjustified</b>'}. Team {xml_text(record.team.name)}. "
            f"Recorded {xml_text(when(record.created_at))}", st["body"]),
        Paragraph(f"<b>Flags:</b> {xml_text(', '.join(flags)) if flags else 'none'}", st["body"]),
    ]
    if record.reviewed_by_id:
        story.append(Paragraph(f"<b>Signed off by:</b> {xml_text(signed_off_by(record))}", st["body"]))
    if record.outcome:
        story.append(Paragraph(f"<b>Outcome:</b> {xml_text(record.get_outcome_display())}", st["body"]))
    if record.approval_id:
        story += _approval_story(record, st)
    story.append(Paragraph("Answers", st["h2"]))
    for label, _, value in record_answers(record):
        story += [Paragraph(xml_text(label), st["label"]), Paragraph(xml_text(value or "Not answered"),
                                                                     st["answer"])]
    story.append(Paragraph("Review history", st["h2"]))
    for t in record.transitions.all():
        involved = " (said they are involved in the case)" if t.reviewer_involved else ""
        story.append(Paragraph(
            f"<b>{xml_text(t.get_action_display())}</b> by {xml_text(t.actor.display_name)} on "
            f"{xml_text(when(t.at))}{involved}", st["body"]))
        if t.comment:
            story.append(Paragraph(f"“{xml_text(t.comment)}”", st["quote"]))
    if record.addenda.all():
        story.append(Paragraph("Addenda", st["h2"]))
        for addendum in record.addenda.all():
            story += [
                Paragraph(f"<b>{xml_text(addendum.author.display_name)}</b>, {xml_text(when(addendum.at))}",
                          st["body"]),
                Paragraph(xml_text(addendum.text), st["answer"]),
            ]
    if record.escalations.all():
        story.append(Paragraph("Escalations", st["h2"]))
        for escalation in record.escalations.all():
            story += [
                Paragraph(f"<b>{xml_text(escalation.raised_by.display_name)}</b> escalated it on "
                          f"{xml_text(when(escalation.raised_at))}", st["body"]),
                Paragraph(f"“{xml_text(escalation.comment)}”", st["quote"]),
            ]
            if escalation.is_open:
                story.append(Paragraph("Open: waiting for information governance.", st["answer"]))
            else:
                story.append(Paragraph(
                    f"Closed by {xml_text(escalation.closed_by.display_name)} on "
                    f"{xml_text(when(escalation.closed_at))}: <b>{xml_text(escalation.get_outcome_display())}</b>. "
                    f"{xml_text(escalation.closing_comment)}", st["answer"]))
    return story


def pack_pdf(*, person: User, records: list[SearchRecord], date_from: date, date_to: date, made_by: User,
             made_at: datetime) -> bytes:
    """The supervision pack as PDF bytes: a cover with counts, then each record with its history."""
    st = _pdf_styles()
    period = f"{day_text(date_from)} to {day_text(date_to)}"
    footer = f"Supervision pack: {person.display_name}, {period}"

    def decorate(canvas: Any, doc: Any) -> None:
        canvas.saveState()
        canvas.setFont("Vera", 7.5)
        canvas.setFillColor(colors.HexColor("#505a5f"))
        canvas.drawString(doc.leftMargin, 10 * mm, _NOT_IN_XML.sub("", footer)[:120])
        canvas.drawRightString(A4[0] - doc.rightMargin, 10 * mm, f"Page {doc.page}")
        canvas.restoreState()

    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer, pagesize=A4, leftMargin=18 * mm, rightMargin=18 * mm, topMargin=18 * mm, bottomMargin=18 * mm,
        title=f"Supervision pack: {person.display_name}", author=settings.SEARCHLOG_ORGANISATION_NAME,
        subject=period, creator="Online search log",
    )
    story = _cover(person, records, period, made_by, made_at, st)
    for record in records:
        story += _record_story(record, st)
    document.build(story, onFirstPage=decorate, onLaterPages=decorate)
    return buffer.getvalue()


def day_text(value: date) -> str:
    """24 November 2026."""
    return f"{value.day} {value:%B %Y}"
