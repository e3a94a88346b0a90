"""Subject access (UK GDPR Art. 15): find every record about one person, and make a report to disclose.

Information governance only (selectors.subject_records_for finds nothing for anyone else). Every search and every
report is an audit event naming the records found and a keyed hash of the subject reference, never the reference
itself: the trail cannot be erased, so it must not hold who was asked about.
Staff other than job titles may be third-party data (Art. 15(4)): with staff="titles" the report names each member of
staff by job title only.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils.text import slugify
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import CondPageBreak, Flowable, HRFlowable, PageBreak, Paragraph, SimpleDocTemplate

from searchlog import clock, selectors
from searchlog.audit import audit_append, value_hash
from searchlog.errors import RecordInvalid, RecordNotFound
from searchlog.exports import Export, _pdf_styles, _table, xml_text
from searchlog.formatting import when
from searchlog.models import Approval, Role, SearchRecord, User, subject_key
from searchlog.presenters import record_answers

SUBJECT_ACCESS_PDF = "subject-access.pdf"
STAFF_NAMES = "names"
STAFF_TITLES = "titles"
STAFF_CHOICES = ((STAFF_NAMES, "Names and job titles"), (STAFF_TITLES, "Job titles only (leave out staff names)"))
_ROLE_WORDS = {Role.PRACTITIONER: "Practitioner", Role.MANAGER: "Manager", Role.AUDITOR: "Information governance"}


@dataclass(frozen=True)
class SubjectAccess:
    """What was found about one person: their records (with history) and requests for prior approval."""

    subject_reference: str
    records: list[SearchRecord]
    approvals: list[Approval]

    @property
    def found(self) -> bool:
        return bool(self.records or self.approvals)

    @property
    def teams(self) -> list[str]:
        return sorted({record.team.name for record in self.records} | {a.team.name for a in self.approvals})


def staff_name(person: User | None, staff: str = STAFF_NAMES) -> str:
    """How a member of staff is named: "Maria Kowalski, Team manager", or only "Team manager" (else their role)."""
    if person is None:
        return ""
    if staff == STAFF_TITLES:
        return person.job_title or _ROLE_WORDS.get(person.role, "Member of staff")
    return person.name_and_title


def _checked(user: User, subject_reference: str, staff: str = STAFF_NAMES) -> str:
    """The reference as typed (stripped); RecordInvalid if blank or staff unknown; RecordNotFound unless auditor."""
    if not (user.is_authenticated and user.is_active and user.is_auditor):
        raise RecordNotFound("subject access")
    reference = " ".join((subject_reference or "").split())
    errors = {}
    if not subject_key(reference):
        errors["subject_reference"] = ["Enter the person's case reference"]
    elif len(reference) > 60:
        errors["subject_reference"] = ["The case reference must be 60 characters or fewer"]
    if staff not in (STAFF_NAMES, STAFF_TITLES):
        errors["staff"] = [f"Select one of: {STAFF_NAMES}, {STAFF_TITLES}"]
    if errors:
        raise RecordInvalid(errors)
    return reference


def _find(user: User, reference: str) -> SubjectAccess:
    return SubjectAccess(subject_reference=reference,
                         records=list(selectors.subject_records_for(user, reference)),
                         approvals=list(selectors.subject_approvals_for(user, reference)))


def _audit(action: str, user: User, found: SubjectAccess, request: HttpRequest | None, **extra: Any) -> None:
    # The keyed hash of the normalised reference lets information governance show which person a search was about
    # (by hashing a candidate) without the trail itself holding it.
    audit_append(action=action, actor=user, obj_type="subject", request=request, changes={
        "subject": value_hash(subject_key(found.subject_reference)),
        "records": [record.reference for record in found.records],
        "approvals": [approval.label for approval in found.approvals],
        **extra,
    })


def subject_access_search(*, user: User, subject_reference: str, staff: str = STAFF_NAMES,
                          request: HttpRequest | None = None) -> SubjectAccess:
    """Find everything held about one person across all teams, and audit the search (a search that finds nothing
    too)."""
    found = _find(user, _checked(user, subject_reference, staff))
    _audit("subject_access.search", user, found, request)
    return found


def subject_access_report(*, user: User, subject_reference: str, staff: str = STAFF_NAMES,
                          request: HttpRequest | None = None) -> Export:
    """Make the subject access report (PDF, with a cover sheet) about one person, and audit it."""
    found = _find(user, _checked(user, subject_reference, staff))
    pdf = report_pdf(found, staff=staff, made_by=user, made_at=clock.now())
    _audit("subject_access.report", user, found, request, staff=staff)
    stamp = f"{clock.now():%Y-%m-%d}"
    return Export(kind=SUBJECT_ACCESS_PDF, content_type="application/pdf", rows=len(found.records),
                  file=io.BytesIO(pdf),
                  filename=f"subject-access-{slugify(found.subject_reference) or 'subject'}-{stamp}.pdf")


def subject_access_data(found: SubjectAccess, *, staff: str = STAFF_NAMES) -> dict[str, Any]:
    """What was found, as plain data for the API (staff as staff_name gives them)."""
    return {
        "subject_reference": found.subject_reference,
        "found": found.found,
        "teams": found.teams,
        "records": [_record_data(record, staff) for record in found.records],
        "approvals": [_approval_data(approval, staff) for approval in found.approvals],
    }


def _record_data(record: SearchRecord, staff: str) -> dict[str, Any]:
    return {
        "reference": record.reference,
        "team": record.team.name,
        "practitioner": staff_name(record.practitioner, staff),
        "status": record.status,
        "outcome": record.outcome,
        "searched_at": record.searched_at,
        "created_at": record.created_at,
        "submitted_at": record.submitted_at,
        "signed_off_at": record.signed_off_at,
        "signed_off_by": staff_name(record.reviewed_by, staff),
        "answers": [{"question": label, "answer": value} for label, _, value in record_answers(record)],
        "history": [{"action": t.action, "by": staff_name(t.actor, staff), "at": t.at, "comment": t.comment}
                    for t in record.transitions.all()],
        "addenda": [{"by": staff_name(a.author, staff), "at": a.at, "text": a.text} for a in record.addenda.all()],
        "escalations": [
            {"raised_by": staff_name(e.raised_by, staff), "raised_at": e.raised_at, "comment": e.comment,
             "closed_by": staff_name(e.closed_by, staff), "closed_at": e.closed_at, "outcome": e.outcome,
             "closing_comment": e.closing_comment}
            for e in record.escalations.all()
        ],
        "approval": record.approval.label if record.approval_id else None,
    }


def _approval_data(approval: Approval, staff: str) -> dict[str, Any]:
    return {
        "approval": approval.label, "team": approval.team.name, "status": approval.status,
        "requested_by": staff_name(approval.requested_by, staff), "requested_at": approval.created_at,
        "purpose": approval.purpose, "justification": approval.justification,
        "alternatives_considered": approval.alternatives_considered,
        "collateral_intrusion": approval.collateral_intrusion,
        "decided_by": staff_name(approval.decided_by, staff), "decided_at": approval.decided_at,
        "decision_comment": approval.decision_comment, "conditions": approval.conditions,
        "expires_at": approval.expires_at,
    }


# The report (PDF), drawn with the supervision pack's styles and helpers (searchlog.exports).

def _cover(found: SubjectAccess, staff: str, made_by: User, made_at: datetime) -> list[Flowable]:
    st = _pdf_styles()
    facts = [
        ("Case reference", found.subject_reference),
        ("Records found", str(len(found.records))),
        ("Requests for prior approval", str(len(found.approvals))),
        ("Teams", ", ".join(found.teams) or "None"),
        ("Staff named", "By job title only" if staff == STAFF_TITLES else "By name and job title"),
        ("Made by", f"{staff_name(made_by, staff)} on {when(made_at)}"),
    ]
    story: list[Flowable] = [
        Paragraph(xml_text(settings.SEARCHLOG_ORGANISATION_NAME), st["small"]),
        Paragraph("Subject access report", st["title"]),
        Paragraph("Online searches about one person (UK GDPR Article 15)", st["h1"]),
        _table([[Paragraph(f"<b>{k}</b>", st["body"]), Paragraph(xml_text(v), st["body"])] for k, v in facts],
               [50 * mm, 115 * mm]),
        Paragraph("About this report", st["h2"]),
        Paragraph(
            "It lists every record of an online search about the person with this case reference (capitals and "
            "spaces ignored) held in the online search log, in every team: when and where the search was made, "
            "why, whether consent was asked, what was found and what was done with it, how each record was "
            "reviewed, and any notes added later. Before disclosing it, check it for information about other "
            "people and remove what may not be disclosed.", st["body"]),
    ]
    if not found.found:
        story.append(Paragraph("<b>No record about this case reference was found.</b>", st["body"]))
    for record in found.records:
        story.append(Paragraph(f"{xml_text(record.reference)}: searched {xml_text(when(record.searched_at))}, "
                               f"{xml_text(record.team.name)}", st["body"]))
    return story


def _record_story(record: SearchRecord, staff: str) -> list[Flowable]:
    st = _pdf_styles()
    story: list[Flowable] = [
        CondPageBreak(60 * mm),
        HRFlowable(width="100%", thickness=1, color=colors.HexColor("#0b0c0c"), spaceAfter=6),
        Paragraph(f"Record {xml_text(record.reference)}", st["h1"]),
        Paragraph(f"Recorded by {xml_text(staff_name(record.practitioner, staff))}, {xml_text(record.team.name)}, "
                  f"on {xml_text(when(record.created_at))}. {xml_text(record.get_status_display())}"
                  f"{': ' + xml_text(record.get_outcome_display()) if record.outcome else ''}.", st["body"]),
    ]
    if record.approval_id:
        story.append(Paragraph(f"Made under prior approval {xml_text(record.approval.label)}.", st["body"]))
    story.append(Paragraph("The search", st["h2"]))
    for label, _, value in record_answers(record):
        story += [Paragraph(xml_text(label), st["label"]), Paragraph(xml_text(value or "Not answered"), st["answer"])]
    story.append(Paragraph("Review history", st["h2"]))
    for t in record.transitions.all():
        story.append(Paragraph(f"<b>{xml_text(t.get_action_display())}</b> by {xml_text(staff_name(t.actor, staff))}"
                               f" on {xml_text(when(t.at))}", st["body"]))
        if t.comment:
            story.append(Paragraph(f"“{xml_text(t.comment)}”", st["quote"]))
    for addendum in record.addenda.all():
        story += [Paragraph(f"<b>Note added</b> by {xml_text(staff_name(addendum.author, staff))} on "
                            f"{xml_text(when(addendum.at))}", st["body"]),
                  Paragraph(xml_text(addendum.text), st["answer"])]
    for escalation in record.escalations.all():
        story += [Paragraph(f"<b>Referred to information governance</b> by "
                            f"{xml_text(staff_name(escalation.raised_by, staff))} on "
                            f"{xml_text(when(escalation.raised_at))}", st["body"]),
                  Paragraph(f"“{xml_text(escalation.comment)}”", st["quote"])]
        if not escalation.is_open:
            story.append(Paragraph(
                f"Closed by {xml_text(staff_name(escalation.closed_by, staff))} on "
                f"{xml_text(when(escalation.closed_at))}: <b>{xml_text(escalation.get_outcome_display())}</b>. "
                f"{xml_text(escalation.closing_comment)}", st["answer"]))
    return story


def _approval_story(approval: Approval, staff: str) -> list[Flowable]:
    st = _pdf_styles()
    decided = (f" Decided by {staff_name(approval.decided_by, staff)} on {when(approval.decided_at)}."
               if approval.decided_by_id else "")
    story: list[Flowable] = [
        CondPageBreak(50 * mm),
        Paragraph(f"Request for prior approval {xml_text(approval.label)}", st["h2"]),
        Paragraph(f"Asked by {xml_text(staff_name(approval.requested_by, staff))}, {xml_text(approval.team.name)}, "
                  f"on {xml_text(when(approval.created_at))}. {xml_text(approval.get_status_display())}."
                  f"{xml_text(decided)}", st["body"]),
    ]
    for label, value in (("Why it was needed", approval.purpose), ("Why it was necessary", approval.justification),
                         ("Why a less intrusive way would not do", approval.alternatives_considered),
                         ("Other people's information", approval.collateral_intrusion),
                         ("Conditions", approval.conditions), ("Decision comment", approval.decision_comment)):
        if value:
            story += [Paragraph(label, st["label"]), Paragraph(xml_text(value), st["answer"])]
    return story


def report_pdf(found: SubjectAccess, *, staff: str, made_by: User, made_at: datetime) -> bytes:
    """The subject access report as PDF bytes: a cover sheet, then each record and each approval request."""
    footer = f"Subject access report: case reference {found.subject_reference}"

    def decorate(canvas: Any, doc: Any) -> None:
        canvas.saveState()
        canvas.setFont("Vera", 7.5)
        canvas.setFillColor(colors.HexColor("#505a5f"))
        canvas.drawString(doc.leftMargin, 10 * mm, "".join(c for c in footer if c.isprintable())[:120])
        canvas.drawRightString(A4[0] - doc.rightMargin, 10 * mm, f"Page {doc.page}")
        canvas.restoreState()

    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer, pagesize=A4, leftMargin=18 * mm, rightMargin=18 * mm, topMargin=18 * mm, bottomMargin=18 * mm,
        title=f"Subject access report: {found.subject_reference}", author=settings.SEARCHLOG_ORGANISATION_NAME,
        creator="Online search log",
    )
    story = _cover(found, staff, made_by, made_at)
    if found.found:
        story.append(PageBreak())
    for record in found.records:
        story += _record_story(record, staff)
    if found.approvals:
        story.append(Paragraph("Requests for prior approval", _pdf_styles()["h1"]))
        for approval in found.approvals:
            story += _approval_story(approval, staff)
    document.build(story, onFirstPage=decorate, onLaterPages=decorate)
    return buffer.getvalue()
