"""Subject access: every record about one person across teams, for information governance only, always audited."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from pypdf import PdfReader

from searchlog import workflow
from searchlog.audit import value_hash
from searchlog.models import AuditEvent
from tests.factories import RecordFactory


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


@pytest.fixture
def history(make_record, justified_answers, practitioner, outsider, manager, other_manager):
    """Three records about LAS-777 in two teams (one signed off with an addendum, one escalated), one about
    someone else."""
    manager.first_name, manager.last_name, manager.job_title = "Maria", "Kowalski", "Team manager"
    manager.save()
    mine = make_record(submit=True, **{**justified_answers, "subject_reference": "LAS-777"})
    mine = workflow.record_sign_off(record=mine, actor=manager, reviewer_involved=False, comment="Proportionate.")
    workflow.addendum_add(record=mine, actor=practitioner, text="The person was told about the search.")
    theirs = make_record(by=outsider, submit=True, **{**justified_answers, "subject_reference": " las-777"})
    workflow.record_escalate(record=theirs, actor=other_manager, comment="Why was a personal account used?")
    draft = make_record(by=outsider, subject_reference="Las-777 ")
    other = make_record(**{**justified_answers, "subject_reference": "LAS-778"})
    return {"mine": mine, "theirs": theirs, "draft": draft, "other": other}


def test_search_finds_every_record_about_the_person_across_teams(api, auditor, history):
    response = api(auditor).get("/api/v1/subject-access/", {"subject_reference": "LAS-777"})

    assert response.status_code == 200
    body = response.json()
    assert body["found"] is True
    assert [r["reference"] for r in body["records"]] == [
        history["mine"].reference, history["theirs"].reference, history["draft"].reference]
    assert body["teams"] == ["Adults North", "Children East"]
    mine = body["records"][0]
    assert [h["action"] for h in mine["history"]] == ["create", "submit", "sign_off"]
    assert mine["signed_off_by"] == "Maria Kowalski, Team manager"
    assert mine["addenda"][0]["text"] == "The person was told about the search."
    assert body["records"][1]["escalations"][0]["comment"] == "Why was a personal account used?"


@pytest.mark.parametrize("persona", ["practitioner", "colleague", "manager", "other_manager"])
def test_subject_access_is_not_there_for_anyone_but_information_governance(api, client, history, persona, request):
    user = request.getfixturevalue(persona)
    assert api(user).get("/api/v1/subject-access/", {"subject_reference": "LAS-777"}).status_code == 404
    assert api(user).get("/api/v1/exports/subject-access.pdf",
                         {"subject_reference": "LAS-777"}).status_code == 404
    client.force_login(user)
    assert client.get(reverse("subject-access"), {"subject_reference": "LAS-777"}).status_code == 404
    assert client.get(reverse("subject-access-report"), {"subject_reference": "LAS-777"}).status_code == 404
    assert not AuditEvent.objects.filter(action__startswith="subject_access").exists()


def test_search_is_audited_with_a_keyed_hash_never_the_reference(api, auditor, history):
    api(auditor).get("/api/v1/subject-access/", {"subject_reference": "LAS-777"})

    event = AuditEvent.objects.get(action="subject_access.search")
    assert event.actor == auditor
    assert event.changes["subject"] == value_hash("las-777")
    assert event.changes["records"] == [history[k].reference for k in ("mine", "theirs", "draft")]
    assert "777" not in str(event.changes).replace(history["mine"].reference, "")


def test_no_match_says_so_and_is_audited(api, client, auditor, history):
    body = api(auditor).get("/api/v1/subject-access/", {"subject_reference": "NOBODY-1"}).json()
    assert body["found"] is False and body["records"] == []

    client.force_login(auditor)
    page = client.get(reverse("subject-access"), {"subject_reference": "NOBODY-1"}).content.decode()
    assert "No record about this case reference was found" in page
    assert AuditEvent.objects.filter(action="subject_access.search", changes__records=[]).count() == 2


def test_search_without_a_reference_is_refused(api, client, auditor):
    response = api(auditor).get("/api/v1/subject-access/", {"subject_reference": "   "})
    assert response.status_code == 400
    assert response.json() == {"subject_reference": ["Enter the person's case reference"]}
    client.force_login(auditor)
    assert client.get(reverse("subject-access"), {"subject_reference": ""}).status_code == 400
    assert not AuditEvent.objects.filter(action__startswith="subject_access").exists()


def test_report_has_a_cover_sheet_and_every_record(api, auditor, history):
    response = api(auditor).get("/api/v1/exports/subject-access.pdf", {"subject_reference": " las-777 "})

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(b"".join(response.streaming_content))
    assert "Subject access report" in text and "Records found" in text
    for key in ("mine", "theirs", "draft"):
        assert history[key].reference in text
    assert history["other"].reference not in text
    assert "Maria Kowalski" in text
    event = AuditEvent.objects.get(action="subject_access.report")
    assert event.changes["staff"] == "names" and event.changes["subject"] == value_hash("las-777")


def test_report_with_job_titles_only_leaves_out_staff_names(api, auditor, history, practitioner):
    # Names no page furniture can contain (a random surname such as "Page" would be found in "Page 1 of 2").
    for person, surname in ((history["mine"].reviewed_by, "Quillfeather"), (practitioner, "Zanzibarrow")):
        person.last_name = surname
        person.save(update_fields=["last_name"])
    response = api(auditor).get("/api/v1/exports/subject-access.pdf",
                                {"subject_reference": "LAS-777", "staff": "titles"})

    text = pdf_text(b"".join(response.streaming_content))
    assert "Team manager" in text
    for person in (history["mine"].reviewed_by, practitioner):
        assert person.last_name not in text
    body = api(auditor).get("/api/v1/subject-access/", {"subject_reference": "LAS-777", "staff": "titles"}).json()
    assert body["records"][0]["signed_off_by"] == "Team manager"
    assert body["records"][0]["practitioner"] == "Practitioner"


def test_page_lists_the_records_and_links_to_both_reports(client, auditor, history):
    client.force_login(auditor)

    page = client.get(reverse("subject-access"), {"subject_reference": "LAS-777"}).content.decode()

    assert history["theirs"].reference in page and history["other"].reference not in page
    assert "subject-access/report.pdf?subject_reference=LAS-777&amp;staff=titles" in page
    report = client.get(reverse("subject-access-report"), {"subject_reference": "LAS-777", "staff": "titles"})
    assert report.status_code == 200 and report["Content-Type"] == "application/pdf"


def test_search_reads_in_a_fixed_number_of_queries(api, auditor, django_assert_max_num_queries):
    for n in range(6):
        RecordFactory(subject_reference=f"Las-9 {'' if n % 2 else ' '}", practitioner__team__name=f"Team {n % 3}")
    client = api(auditor)
    with django_assert_max_num_queries(12):
        body = client.get("/api/v1/subject-access/", {"subject_reference": "LAS-9"}).json()
    assert len(body["records"]) == 6
