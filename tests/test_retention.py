"""Retention and disposal: anonymise records past the period at its boundary, legal holds, dry runs, the log."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError

from searchlog import tasks, workflow
from searchlog.audit_chain import audit_verify
from searchlog.errors import RecordInvalid, RecordNotFound, TransitionNotAllowed
from searchlog.models import Addendum, AuditEvent, Disposal, DisposalRun, LegalHold, SearchRecord
from searchlog.retention import (
    RetentionRefused,
    anonymised_reference,
    legal_hold_place,
    legal_hold_release,
    retention_apply,
)
from tests.factories import WITHOUT_CONSENT
from tests.test_audit_chain import seal_all

SIGNED_OFF = datetime(2020, 3, 10, 12, 0, tzinfo=UTC)
NOTICE_PREFIX = "Removed under the retention schedule on"


@pytest.fixture
def old_record(make_record, justified_answers, manager, practitioner):
    """A record signed off on 10 March 2020, with an addendum the same day and a profile address."""
    with time_machine.travel(SIGNED_OFF - timedelta(hours=2), tick=False):
        record = make_record(submit=True, searched_at=SIGNED_OFF - timedelta(hours=3), subject_initials="JB",
                             profile_urls=["https://www.facebook.com/example"], **justified_answers)
    with time_machine.travel(SIGNED_OFF, tick=False):
        record = workflow.record_sign_off(record=record, actor=manager, reviewer_involved=False,
                                          comment="Fine; JB's sister was named.")
        workflow.addendum_add(record=record, actor=practitioner, text="JB asked to see the record.")
    return record


def _at(moment: datetime):
    return time_machine.travel(moment, tick=False)


@pytest.mark.parametrize(("now", "anonymised"), [
    (SIGNED_OFF + timedelta(days=6 * 365), False),  # 8 March 2026: short of six calendar years
    (datetime(2026, 3, 10, 12, 0, tzinfo=UTC), False),  # exactly six years: not yet older
    (datetime(2026, 3, 10, 12, 0, 1, tzinfo=UTC), True),  # a second past six years
])
def test_records_are_anonymised_only_once_older_than_the_period(old_record, now, anonymised):
    with _at(now):
        result = retention_apply()

    record = SearchRecord.objects.get(pk=old_record.pk)
    assert result.total == int(anonymised)
    assert (record.subject_reference != "LAS-100200") is anonymised
    assert Disposal.objects.filter(record=record).exists() is anonymised


def test_an_addendum_is_activity(old_record, practitioner):
    with _at(datetime(2023, 1, 5, tzinfo=UTC)):
        workflow.addendum_add(record=old_record, actor=practitioner, text="Reviewed again.")
    with _at(datetime(2027, 1, 5, tzinfo=UTC)):
        assert retention_apply().total == 0
    with _at(datetime(2029, 1, 6, tzinfo=UTC)):
        assert retention_apply().total == 1


def test_anonymising_keeps_statistics_and_removes_what_names_anyone(old_record):
    with _at(datetime(2026, 4, 1, 9, 0, tzinfo=UTC)):
        run = retention_apply().run

    record = SearchRecord.objects.get(pk=old_record.pk)
    notice = f"{NOTICE_PREFIX} 1 April 2026"
    assert record.subject_reference == record.subject_key == anonymised_reference("LAS-100200")
    assert record.subject_initials == "" and record.profile_urls == []
    assert record.purpose == record.findings == record.consent_details == record.search_terms == notice
    assert record.justification == ""  # blank stays blank
    # Counts, dates, choices and flags stay.
    assert (record.status, record.consent_status, record.platforms, record.is_emergency, record.is_justified) == (
        old_record.status, "obtained_written", ["facebook"], False, True)
    assert record.signed_off_at == old_record.signed_off_at and record.searched_at == old_record.searched_at
    revision = record.revisions.get()
    assert revision.answers["subject_reference"] == record.subject_reference
    assert revision.answers["findings"] == notice and revision.answers["profile_urls"] == []
    assert revision.answers["platforms"] == ["facebook"]
    assert Addendum.objects.get(record=record).text == notice
    assert record.transitions.get(action="sign_off").comment == notice
    disposal = Disposal.objects.get(record=record)
    assert (disposal.run, disposal.reference, disposal.team_name) == (run, record.reference, "Adults North")
    assert disposal.last_activity_at == SIGNED_OFF
    assert run.records == 1 and run.retention_years == 6 and run.finished_at is not None


def test_a_second_run_finds_nothing_left(old_record):
    with _at(datetime(2027, 1, 1, tzinfo=UTC)):
        retention_apply()
        assert retention_apply().total == 0
    assert Disposal.objects.count() == 1


def test_the_same_person_keeps_the_same_hash(make_record, old_record, outsider):
    with _at(SIGNED_OFF):
        other = make_record(by=outsider, subject_reference="las-100200 ", searched_at=SIGNED_OFF)
    with _at(datetime(2027, 1, 1, tzinfo=UTC)):
        retention_apply()
    assert SearchRecord.objects.get(pk=other.pk).subject_key == SearchRecord.objects.get(pk=old_record.pk).subject_key


def test_legal_hold_exempts_a_record_until_released(old_record, auditor):
    hold = legal_hold_place(reference=old_record.reference, actor=auditor, reason="Claim against the council.")
    with _at(datetime(2027, 1, 1, tzinfo=UTC)):
        result = retention_apply()
    assert result.total == 0 and result.held == 1
    assert SearchRecord.objects.get(pk=old_record.pk).subject_reference == "LAS-100200"

    legal_hold_release(hold=hold, actor=auditor)
    with _at(datetime(2027, 2, 1, tzinfo=UTC)):
        assert retention_apply().total == 1


def test_legal_hold_is_refused_without_a_reason_twice_or_for_others(old_record, auditor, manager):
    with pytest.raises(RecordInvalid) as refused:
        legal_hold_place(reference=old_record.reference, actor=auditor, reason="  ")
    assert refused.value.errors == {"reason": ["Enter why the record must be kept"]}
    with pytest.raises(RecordNotFound):
        legal_hold_place(reference=old_record.reference, actor=manager, reason="Because.")
    legal_hold_place(reference=old_record.reference, actor=auditor, reason="Complaint.")
    with pytest.raises(TransitionNotAllowed):
        legal_hold_place(reference=old_record.reference, actor=auditor, reason="Again.")
    assert LegalHold.objects.count() == 1
    event = AuditEvent.objects.get(action="legal_hold.place")
    assert "Complaint" not in str(event.changes)


def test_dry_run_prints_by_year_and_team_and_changes_nothing(old_record, make_record, outsider):
    with _at(datetime(2019, 6, 1, tzinfo=UTC)):
        make_record(by=outsider, subject_reference="C-1", searched_at=datetime(2019, 6, 1, tzinfo=UTC))
    before = list(SearchRecord.objects.order_by("pk").values())
    out = StringIO()
    with _at(datetime(2026, 6, 1, tzinfo=UTC)):
        call_command("apply_retention", "--dry-run", stdout=out)

    text = out.getvalue()
    assert "Dry run: nothing was changed." in text
    assert "2019  Children East" in text and "2020  Adults North" in text
    assert "Would anonymise 2 records; 0 kept on legal hold." in text
    assert list(SearchRecord.objects.order_by("pk").values()) == before
    assert not DisposalRun.objects.exists() and not Disposal.objects.exists()


def test_a_period_under_the_minimum_is_refused(old_record, settings):
    settings.SEARCHLOG_RETENTION_YEARS = 2
    with pytest.raises(RetentionRefused):
        retention_apply()
    with _at(datetime(2027, 1, 1, tzinfo=UTC)), pytest.raises(CommandError, match="at least 3 years"):
        call_command("apply_retention", stdout=StringIO())
    assert not Disposal.objects.exists()


def test_a_shorter_period_above_the_minimum_is_applied(old_record, settings):
    settings.SEARCHLOG_RETENTION_YEARS = 3
    with _at(datetime(2023, 3, 11, tzinfo=UTC)):
        assert retention_apply().total == 1


def test_monthly_task_runs_the_schedule(old_record):
    with _at(datetime(2027, 1, 1, tzinfo=UTC)):
        assert "Anonymised 1 record" in tasks.apply_retention()
    assert DisposalRun.objects.get().started_by == "celery beat"


@pytest.mark.django_db(transaction=True)
def test_audit_trail_still_verifies_after_a_real_run(make_record, justified_answers, manager, practitioner):
    with _at(SIGNED_OFF):
        record = make_record(submit=True, searched_at=SIGNED_OFF, **{**justified_answers, **WITHOUT_CONSENT,
                                                                      "consent_status": "refused",
                                                                      "is_emergency": True,
                                                                      "emergency_category": "risk_to_life"})
        workflow.record_return(record=record, actor=manager, comment="Say who else was seen.")
    assert seal_all() > 0
    with _at(datetime(2027, 1, 1, tzinfo=UTC)):
        assert retention_apply().total == 1
    seal_all()
    result = audit_verify()
    assert result.ok, result.summary
    assert AuditEvent.objects.filter(action="retention.apply").exists()


@pytest.mark.parametrize("persona", ["practitioner", "manager", "other_manager"])
def test_legal_holds_api_is_not_there_for_anyone_but_information_governance(api, old_record, persona, request):
    client = api(request.getfixturevalue(persona))
    assert client.get("/api/v1/legal-holds/").status_code == 404
    assert client.post("/api/v1/legal-holds/", {"record": old_record.reference, "reason": "x"},
                       format="json").status_code == 404
    assert not LegalHold.objects.exists()


def test_legal_holds_api_places_lists_and_releases(api, old_record, auditor):
    client = api(auditor)
    refused = client.post("/api/v1/legal-holds/", {"record": old_record.reference, "reason": ""}, format="json")
    assert refused.status_code == 400 and refused.json() == {"reason": ["Enter why the record must be kept"]}

    placed = client.post("/api/v1/legal-holds/", {"record": old_record.reference, "reason": "Complaint."},
                         format="json")
    assert placed.status_code == 201 and placed.json()["in_force"] is True
    assert client.post("/api/v1/legal-holds/", {"record": old_record.reference, "reason": "Again."},
                       format="json").status_code == 409
    assert [h["record"] for h in client.get("/api/v1/legal-holds/").json()["results"]] == [old_record.reference]

    released = client.post(f"/api/v1/legal-holds/{placed.json()['id']}/release/")
    assert released.status_code == 200 and released.json()["in_force"] is False
    assert client.post(f"/api/v1/legal-holds/{placed.json()['id']}/release/").status_code == 409


def test_admin_places_a_legal_hold_through_the_service(client, old_record, auditor):
    auditor.is_staff = auditor.is_superuser = True
    auditor.save()
    client.force_login(auditor)

    response = client.post("/admin/searchlog/legalhold/add/", {"record": old_record.pk, "reason": "Inquest."})

    assert response.status_code == 302
    hold = LegalHold.objects.get()
    assert hold.placed_by == auditor and hold.reason == "Inquest."
    assert AuditEvent.objects.filter(action="legal_hold.place").exists()
