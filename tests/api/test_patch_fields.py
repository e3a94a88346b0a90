"""A PATCH (or POST) naming a field the caller cannot set is a 400 naming it; a PATCH that changes nothing is not
audited."""

from __future__ import annotations

import pytest
from django.utils import timezone

from searchlog.models import AuditEvent, Status

pytestmark = pytest.mark.django_db
URL = "/api/v1/searches/"
READ_ONLY = ["reference", "status", "justified", "flags", "practitioner", "team", "is_quick_record", "created_at",
             "updated_at", "submitted_at", "signed_off_at"]


@pytest.mark.parametrize("field", READ_ONLY)
def test_patch_naming_a_read_only_field_is_400_naming_it(api, practitioner, make_record, field):
    record = make_record()
    response = api(practitioner).patch(f"{URL}{record.reference}/", {field: "signed_off", "purpose": "New"},
                                       format="json")
    assert (response.status_code, response.json()) == (400, {field: ["This field is read-only"]})
    record.refresh_from_db()
    assert record.purpose == "" and record.status == Status.DRAFT


def test_patch_names_every_read_only_and_unknown_field(api, practitioner, make_record):
    record = make_record()
    response = api(practitioner).patch(f"{URL}{record.reference}/", {
        "status": "signed_off", "justified": True, "flags": [], "practitioner": "bob", "bogus": 1, "purpose": "ok",
    }, format="json")
    assert response.status_code == 400
    assert response.json() == {
        "status": ["This field is read-only"], "justified": ["This field is read-only"],
        "flags": ["This field is read-only"], "practitioner": ["This field is read-only"],
        "bogus": ["Unknown field"],
    }


def test_post_naming_a_read_only_field_is_400_too(api, practitioner):
    response = api(practitioner).post(URL, {"subject_reference": "LAS-1", "searched_at": timezone.now().isoformat(),
                                            "status": "signed_off"}, format="json")
    assert (response.status_code, response.json()) == (400, {"status": ["This field is read-only"]})


def test_patch_of_editable_fields_still_works(api, practitioner, make_record):
    record = make_record()
    response = api(practitioner).patch(f"{URL}{record.reference}/", {"purpose": "New purpose"}, format="json")
    assert response.status_code == 200
    assert response.json()["purpose"] == "New purpose"


def test_a_form_encoded_patch_may_carry_the_csrf_token(api, practitioner, make_record):
    record = make_record()
    response = api(practitioner).patch(f"{URL}{record.reference}/", {"purpose": "x", "csrfmiddlewaretoken": "t"})
    assert response.status_code == 200


def test_a_patch_that_changes_nothing_writes_no_audit_event(api, practitioner, make_record):
    record = make_record(purpose="Same")
    before = AuditEvent.objects.count()
    for body in ({"purpose": "Same"}, {}):
        assert api(practitioner).patch(f"{URL}{record.reference}/", body, format="json").status_code == 200
    assert AuditEvent.objects.count() == before


def test_a_patch_that_changes_something_writes_one_event(api, practitioner, make_record):
    record = make_record(purpose="Old")
    before = AuditEvent.objects.count()
    api(practitioner).patch(f"{URL}{record.reference}/", {"purpose": "New", "findings": ""}, format="json")
    events = AuditEvent.objects.order_by("id")[before:]
    assert [e.action for e in events] == ["record.change"]
