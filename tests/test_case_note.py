"""Case-note text: one plain third-person paragraph a practitioner pastes into the case management system."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.urls import reverse

from searchlog import workflow
from searchlog.case_note import case_note_text
from searchlog.models import AuditEvent
from tests.factories import WITHOUT_CONSENT

SEARCHED = datetime(2026, 11, 24, 21, 40, tzinfo=UTC)

EMERGENCY = {
    **WITHOUT_CONSENT,
    "platforms": ["facebook", "search_engine"],
    "consent_status": "not_sought_emergency",
    "is_emergency": True,
    "emergency_category": "missing_person",
    "lawful_basis": "vital_interests",
    "findings": "A post from last night shows him at the bus station",
    "actions_taken": ["shared_safeguarding", "case_file"],
}


@pytest.fixture
def consented(make_record, justified_answers, manager, practitioner):
    practitioner.first_name, practitioner.last_name, practitioner.job_title = "Alice", "Smith", "Social worker"
    practitioner.save()
    record = make_record(submit=True, searched_at=SEARCHED, **justified_answers)
    return workflow.record_sign_off(record=record, actor=manager, reviewer_involved=False)


def test_case_note_of_a_consented_signed_off_search(consented):
    text = case_note_text(consented)

    assert text == (
        "On 24 November 2026 at 9:40pm, Alice Smith, Social worker (Adults North) searched online on Facebook for "
        "information about the person supported (case reference LAS-100200). The reason was: Check a report that "
        "the person had moved. Consent was given in writing by the person themselves. Signed consent form on the "
        "case file. Found: Nothing relevant found. Action taken: recorded on the case file. The full record is "
        f"{consented.reference} in the online search log, signed off on {_when(consented.signed_off_at)}."
    )
    assert "\n" not in text


def test_case_note_of_an_emergency_without_consent(make_record, justified_answers, practitioner):
    record = make_record(submit=True, searched_at=SEARCHED, **{**justified_answers, **EMERGENCY})

    text = case_note_text(record)

    assert "searched online on a search engine and Facebook" in text
    assert "Consent was not asked because it was an emergency (missing person)." in text
    assert f"It was judged necessary because: {WITHOUT_CONSENT['justification']}" in text
    assert f"A less intrusive way would not do: {WITHOUT_CONSENT['alternatives_considered']}" in text
    assert "Found: A post from last night shows him at the bus station." in text
    assert "Action taken: recorded on the case file and shared with safeguarding or the police." in text
    assert text.endswith(f"The full record is {record.reference} in the online search log, which is awaiting a "
                         "manager's sign-off.")


def test_case_note_of_a_quick_record_says_what_is_not_yet_recorded(make_record):
    record = make_record(quick=True, is_emergency=True, platforms=["instagram"], searched_at=SEARCHED)

    text = case_note_text(record)

    assert "searched online on Instagram" in text
    assert "Whether consent was asked is not yet recorded. The search was made in an emergency" in text
    assert "What was found is not yet recorded." in text
    assert "which is still a draft in the online search log." in text


def _when(moment):
    from searchlog.formatting import when

    return when(moment)


def test_case_note_api_for_those_who_may_read_the_record(api, consented, practitioner, manager, auditor, outsider,
                                                          other_manager):
    address = f"/api/v1/searches/{consented.reference}/case-note/"
    for reader in (practitioner, manager, auditor):
        response = api(reader).get(address)
        assert response.status_code == 200, reader
        assert response.json() == {"text": case_note_text(consented)}
    for stranger in (outsider, other_manager):
        assert api(stranger).get(address).status_code == 404
    assert AuditEvent.objects.filter(action="record.case_note", object_id=consented.reference).count() == 3


def test_record_page_has_the_case_note_to_copy(client, consented, practitioner):
    client.force_login(practitioner)

    page = client.get(reverse("record-detail", args=[consented.reference])).content.decode()

    assert "Copy for the case file" in page
    assert 'id="case-note"' in page and "readonly" in page
    assert "searched online on Facebook" in page
