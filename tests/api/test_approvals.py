"""The approvals API: ask, decide, cancel, scope, bad input, and a record under an approval."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from searchlog import approvals
from searchlog.models import Approval, ApprovalStatus, SearchRecord
from tests.factories import JUSTIFIED_ANSWERS, REQUEST_ANSWERS

pytestmark = pytest.mark.django_db
URL = "/api/v1/approvals/"


@pytest.fixture
def requested(practitioner):
    return approvals.approval_request(requester=practitioner, data=REQUEST_ANSWERS)


def test_a_practitioner_asks_and_a_manager_approves(api, practitioner, manager):
    asked = api(practitioner).post(URL, REQUEST_ANSWERS, format="json")
    assert asked.status_code == 201, asked.json()
    body = asked.json()
    assert body["status"] == "requested" and body["requested_by"] == "alice" and body["team"] == "Adults North"
    assert body["viewings"] == 1 and body["expires_at"] is None
    approved = api(manager).post(f"{URL}{body['id']}/approve/", {"conditions": "Profile page only."}, format="json")
    assert approved.status_code == 200, approved.json()
    assert approved.json()["status"] == "approved" and approved.json()["decided_by"] == "maria"
    assert approved.json()["conditions"] == "Profile page only."
    assert approved.json()["expires_at"]
    again = api(manager).post(f"{URL}{body['id']}/approve/", {}, format="json")
    assert again.status_code == 409


def test_the_contract_fields_are_all_there(api, practitioner, requested):
    body = api(practitioner).get(f"{URL}{requested.pk}/").json()
    for field in ("id", "status", "requested_by", "team", "subject_reference", "subject_relationship", "purpose",
                  "justification", "alternatives_considered", "collateral_intrusion", "platforms", "viewings",
                  "account_used", "confidential_information", "needed_for_days", "decided_by", "decided_at",
                  "decision_comment", "conditions", "expires_at", "created_at"):
        assert field in body


def test_deciding_ones_own_request_is_refused(api, manager):
    own = approvals.approval_request(requester=manager, data=REQUEST_ANSWERS)
    response = api(manager).post(f"{URL}{own.pk}/approve/", {}, format="json")
    assert response.status_code == 403
    assert Approval.objects.get(pk=own.pk).status == ApprovalStatus.REQUESTED


@pytest.mark.parametrize("persona", ["colleague", "outsider", "other_manager"])
def test_anyone_outside_the_request_gets_404(api, request, requested, persona):
    user = request.getfixturevalue(persona)
    client = api(user)
    assert client.get(f"{URL}{requested.pk}/").status_code == 404
    assert client.post(f"{URL}{requested.pk}/approve/", {}, format="json").status_code == 404
    assert client.get(URL).json()["count"] == 0


@pytest.mark.parametrize(("persona", "count"), [("practitioner", 1), ("manager", 1), ("auditor", 1)])
def test_who_sees_the_request(api, request, requested, persona, count):
    assert api(request.getfixturevalue(persona)).get(URL).json()["count"] == count


def test_refusing_needs_a_comment_and_cancel_after_refusal_is_a_conflict(api, practitioner, manager, requested):
    assert api(manager).post(f"{URL}{requested.pk}/refuse/", {"comment": ""}, format="json").status_code == 400
    refused = api(manager).post(f"{URL}{requested.pk}/refuse/", {"comment": "Not now."}, format="json")
    assert refused.status_code == 200 and refused.json()["status"] == "refused"
    assert api(practitioner).post(f"{URL}{requested.pk}/cancel/", {}, format="json").status_code == 409


def test_approving_after_cancellation_is_a_conflict(api, practitioner, manager, requested):
    assert api(practitioner).post(f"{URL}{requested.pk}/cancel/", {}, format="json").json()["status"] == "cancelled"
    assert api(manager).post(f"{URL}{requested.pk}/approve/", {}, format="json").status_code == 409


@pytest.mark.parametrize("days", [-1, 90])
def test_an_expiry_in_the_past_or_too_far_is_400(api, manager, requested, days):
    expires = (timezone.now() + timedelta(days=days)).isoformat()
    response = api(manager).post(f"{URL}{requested.pk}/approve/", {"expires_at": expires}, format="json")
    assert response.status_code == 400 and "expires_at" in response.json()
    assert Approval.objects.get(pk=requested.pk).status == ApprovalStatus.REQUESTED


def test_a_bad_request_is_400_by_field(api, practitioner):
    response = api(practitioner).post(URL, {**REQUEST_ANSWERS, "justification": "", "viewings": 0}, format="json")
    assert response.status_code == 400
    assert set(response.json()) >= {"justification", "viewings"}
    assert api(practitioner).post(URL, {**REQUEST_ANSWERS, "status": "approved"}, format="json").status_code == 400
    assert not Approval.objects.exists()


def test_a_record_under_the_approval_carries_its_id(api, practitioner, colleague, manager, requested):
    approvals.approval_approve(approval=requested, actor=manager)
    data = {**JUSTIFIED_ANSWERS, "subject_reference": "LAS-100200", "searched_at": timezone.now().isoformat(),
            "approval": requested.pk}
    made = api(practitioner).post("/api/v1/searches/", data, format="json")
    assert made.status_code == 201, made.json()
    assert made.json()["approval"] == requested.pk
    assert api(practitioner).get(f"{URL}{requested.pk}/").json()["status"] == "used"
    other_subject = api(practitioner).post("/api/v1/searches/", {**data, "subject_reference": "LAS-7"}, format="json")
    assert other_subject.status_code == 400 and "approval" in other_subject.json()
    by_colleague = api(colleague).post("/api/v1/searches/", data, format="json")
    assert by_colleague.status_code == 400 and "approval" in by_colleague.json()
    assert SearchRecord.objects.count() == 1
    reference = made.json()["reference"]
    unlinked = api(practitioner).patch(f"/api/v1/searches/{reference}/", {"approval": None}, format="json")
    assert unlinked.status_code == 200 and unlinked.json()["approval"] is None


def test_the_decide_filter_lists_what_the_caller_decides(api, manager, auditor, requested):
    assert [row["id"] for row in api(manager).get(URL, {"decide": "true"}).json()["results"]] == [requested.pk]
    assert api(auditor).get(URL, {"decide": "true"}).json()["count"] == 0


def test_list_query_count_does_not_grow(api, practitioner, manager, django_assert_max_num_queries):
    for n in range(3):
        approvals.approval_request(requester=practitioner, data={**REQUEST_ANSWERS, "subject_reference": f"X-{n}"})
    client = api(manager)
    with django_assert_max_num_queries(8) as few:
        client.get(URL)
    for n in range(10):
        approvals.approval_request(requester=practitioner, data={**REQUEST_ANSWERS, "subject_reference": f"Y-{n}"})
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(URL)
