"""Every door onto one record or request, tried by every persona who may not see it: 404 and nothing of it shown.

The owners are another practitioner of the same team (`colleague`) and a practitioner of another team
(`outsider`). Who may see what: a practitioner only their own; a manager their teams'; an auditor everything.
"""

from __future__ import annotations

import pytest

from searchlog import approvals, workflow
from searchlog.models import Approval
from tests.factories import JUSTIFIED_ANSWERS

pytestmark = pytest.mark.django_db

# (persona, owner) pairs where the persona must not see the owner's things.
HIDDEN = [
    ("practitioner", "colleague"),
    ("practitioner", "outsider"),
    ("colleague", "outsider"),
    ("outsider", "colleague"),
    ("manager", "outsider"),
    ("other_manager", "colleague"),
]

RECORD_PAGES = [
    ("get", "/records/{ref}/"),
    ("get", "/records/{ref}/change/"),
    ("get", "/records/{ref}/check/"),
    ("post", "/records/{ref}/submit/"),
    ("post", "/records/{ref}/sign-off/"),
    ("post", "/records/{ref}/return/"),
    ("post", "/records/{ref}/escalate/"),
    ("post", "/records/{ref}/addenda/"),
]
RECORD_API = [
    ("get", "/api/v1/searches/{ref}/"),
    ("patch", "/api/v1/searches/{ref}/"),
    ("get", "/api/v1/searches/{ref}/related/"),
    ("post", "/api/v1/searches/{ref}/submit/"),
    ("post", "/api/v1/searches/{ref}/sign-off/"),
    ("post", "/api/v1/searches/{ref}/return/"),
    ("post", "/api/v1/searches/{ref}/escalate/"),
    ("post", "/api/v1/searches/{ref}/addenda/"),
]
APPROVAL_DOORS = [
    ("get", "/approvals/{pk}/"),
    ("post", "/approvals/{pk}/approve/"),
    ("post", "/approvals/{pk}/refuse/"),
    ("post", "/approvals/{pk}/cancel/"),
    ("get", "/api/v1/approvals/{pk}/"),
    ("post", "/api/v1/approvals/{pk}/approve/"),
    ("post", "/api/v1/approvals/{pk}/refuse/"),
    ("post", "/api/v1/approvals/{pk}/cancel/"),
]
BODY = {"comment": "A reason given", "text": "A note", "reviewer_involved": False, "findings": "Changed"}


@pytest.fixture
def everyone(request, practitioner, colleague, outsider, manager, other_manager, auditor):  # type: ignore[no-untyped-def]
    return {"practitioner": practitioner, "colleague": colleague, "outsider": outsider, "manager": manager,
            "other_manager": other_manager, "auditor": auditor}


def _submitted_record(owner):  # type: ignore[no-untyped-def]
    from django.utils import timezone

    record = workflow.record_create(practitioner=owner, data={
        "subject_reference": f"LAS-SECRET-{owner.username}", "searched_at": timezone.now(), **JUSTIFIED_ANSWERS})
    return workflow.record_submit(record=record, actor=owner)


def _request(owner) -> Approval:  # type: ignore[no-untyped-def]
    return approvals.approval_request(requester=owner, data={
        "subject_reference": f"LAS-SECRET-{owner.username}", "subject_relationship": "person_supported",
        "purpose": "To check whether the person has moved out of the area",
        "justification": "The person has not answered calls or letters for three weeks",
        "alternatives_considered": "Visited twice and asked the family, with no answer either time",
        "collateral_intrusion": "Only the person's own public posts will be looked at",
        "platforms": ["facebook"], "viewings": 1, "account_used": "org_account_org_device",
        "confidential_information": False, "needed_for_days": 7,
    })


def _shows_nothing(response, secret: str) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code == 404, (response.status_code, response.content[:300])
    assert secret.encode() not in response.content


@pytest.mark.parametrize(("persona", "owner"), HIDDEN)
def test_no_record_door_opens_to_someone_outside_its_scope(client, api, everyone, persona, owner):
    record = _submitted_record(everyone[owner])
    secret = record.subject_reference
    client.force_login(everyone[persona])
    for method, path in RECORD_PAGES:
        _shows_nothing(getattr(client, method)(path.format(ref=record.reference), BODY), secret)
    for method, path in RECORD_API:
        _shows_nothing(getattr(api(everyone[persona]), method)(path.format(ref=record.reference), BODY,
                                                               format="json"), secret)


@pytest.mark.parametrize(("persona", "owner"), HIDDEN)
def test_no_approval_door_opens_to_someone_outside_its_scope(client, api, everyone, persona, owner):
    request = _request(everyone[owner])
    client.force_login(everyone[persona])
    for method, path in APPROVAL_DOORS:
        url = path.format(pk=request.pk)
        response = (getattr(api(everyone[persona]), method)(url, BODY, format="json")
                    if url.startswith("/api/") else getattr(client, method)(url, BODY))
        _shows_nothing(response, request.subject_reference)


@pytest.mark.parametrize("persona", ["practitioner", "colleague", "outsider", "manager", "other_manager"])
def test_information_governance_pages_are_not_found_for_anyone_else(client, api, everyone, persona):
    client.force_login(everyone[persona])
    for path in ("/audit/", "/escalations/", "/escalations/1/", "/breaches/", "/breaches/1/"):
        assert client.get(path).status_code == 404, path
    for path in ("/api/v1/audit-events/", "/api/v1/breaches/"):
        assert api(everyone[persona]).get(path).status_code in (403, 404), path


@pytest.mark.parametrize(("persona", "owner"), HIDDEN)
def test_lists_and_exports_leave_out_what_is_outside_the_scope(client, api, everyone, persona, owner):
    record = _submitted_record(everyone[owner])
    client.force_login(everyone[persona])
    for path in ("/records/", "/records/all/", "/review/", "/exports/searches.csv"):
        response = client.get(path)
        body = b"".join(response.streaming_content) if response.streaming else response.content
        assert record.reference.encode() not in body, path
    for path in ("/api/v1/searches/", "/api/v1/review-queue/", "/api/v1/exports/searches.csv"):
        response = api(everyone[persona]).get(path)
        body = b"".join(response.streaming_content) if response.streaming else response.content
        assert record.reference.encode() not in body, path
