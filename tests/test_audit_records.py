"""Every change, transition and view of a record writes one audit event: which fields, never the answers."""

from __future__ import annotations

import pytest

from searchlog import reminders, workflow
from searchlog.audit import value_hash
from searchlog.audit_chain import audit_verify
from searchlog.models import AuditEvent

pytestmark = pytest.mark.django_db


def events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("id"))


def test_create_change_submit_are_audited_with_what_changed(make_record, practitioner, justified_answers):
    record = make_record(subject_reference="LAS-5")
    (created,) = events("record.create")
    assert (created.actor, created.object_type, created.object_id) == (practitioner, "record", record.reference)
    assert created.changes["changed"]["subject_reference"] == [value_hash(None), value_hash("LAS-5")]
    assert "LAS-5" not in str(created.changes)
    workflow.record_update(record=record, actor=practitioner, data={"purpose": "Check a move"})
    (changed,) = events("record.change")
    assert changed.changes == {"changed": {"purpose": [value_hash(""), value_hash("Check a move")]}}
    assert "Check a move" not in str(changed.changes)
    workflow.record_update(record=record, actor=practitioner, data=justified_answers)
    workflow.record_submit(record=record, actor=practitioner)
    (submitted,) = events("record.submit")
    assert submitted.changes["status"] == ["draft", "submitted"]
    assert audit_verify().ok


@pytest.mark.parametrize(
    ("action", "do"),
    [
        ("record.sign_off", lambda r, m: workflow.record_sign_off(record=r, actor=m, reviewer_involved=True)),
        ("record.return", lambda r, m: workflow.record_return(record=r, actor=m, comment="More please")),
        ("record.escalate", lambda r, m: workflow.record_escalate(record=r, actor=m, comment="Concern")),
    ],
)
def test_review_transitions_are_audited(make_record, manager, justified_answers, action, do):
    record = make_record(submit=True, **justified_answers)
    do(record, manager)
    (event,) = events(action)
    assert (event.actor, event.object_id) == (manager, record.reference)
    assert event.changes["status"][0] == "submitted"


def test_addendum_close_and_privacy_check_are_audited(make_record, practitioner, manager, auditor,
                                                      justified_answers):
    record = make_record(submit=True, **justified_answers)
    escalation = workflow.record_escalate(record=record, actor=manager, comment="Concern")
    workflow.escalation_close(escalation=escalation, actor=auditor, outcome="no_concern", comment="Fine")
    workflow.addendum_add(record=record, actor=practitioner, text="Later note")
    reminders.privacy_check_confirm(user=practitioner)
    assert events("escalation.close")[0].changes["outcome"] == "no_concern"
    assert events("record.addendum")[0].changes["text"] == value_hash("Later note")
    assert events("record.escalate")[0].changes["comment"] == value_hash("Concern")
    assert events("privacy.check")[0].actor == practitioner


def test_viewing_a_record_page_or_api_detail_is_audited(client, api, make_record, practitioner, auditor):
    record = make_record()
    client.force_login(auditor)
    assert client.get(f"/records/{record.reference}/", REMOTE_ADDR="10.1.2.3").status_code == 200
    assert api(practitioner).get(f"/api/v1/searches/{record.reference}/").status_code == 200
    page_view, api_view = events("record.view")
    assert (page_view.actor, page_view.object_id, page_view.ip_address) == (auditor, record.reference, "10.1.2.3")
    assert page_view.request_id
    assert api_view.actor == practitioner


def test_a_refused_view_is_not_a_view(client, make_record, outsider):
    record = make_record()
    client.force_login(outsider)
    assert client.get(f"/records/{record.reference}/").status_code == 404
    assert events("record.view") == []


def test_a_refused_change_writes_no_event(make_record, practitioner):
    from searchlog.errors import RecordInvalid

    record = make_record()
    with pytest.raises(RecordInvalid):
        workflow.record_update(record=record, actor=practitioner, data={"consent_status": "maybe"})
    assert events("record.change") == []


def test_a_change_that_changes_nothing_writes_no_event(make_record, practitioner):
    record = make_record(purpose="Check a move")
    workflow.record_update(record=record, actor=practitioner, data={"purpose": "Check a move"})
    assert events("record.change") == []


def test_value_hashes_are_keyed(settings):
    plain = value_hash("LAS-5")
    assert len(plain) == 32 and plain == value_hash("LAS-5")
    settings.SEARCHLOG_AUDIT_KEY = "another key entirely, also long enough"
    assert value_hash("LAS-5") != plain
