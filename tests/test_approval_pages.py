"""The approval pages: ask (with an error summary), Requests, Decide, decide, cancel, and a record under it."""

from __future__ import annotations

import pytest
from django.utils import timezone

from searchlog import approvals, workflow
from searchlog.models import Approval, ApprovalStatus, SearchRecord
from tests.factories import JUSTIFIED_ANSWERS, REQUEST_ANSWERS, WITHOUT_CONSENT

pytestmark = pytest.mark.django_db


def _form(answers: dict) -> dict:
    data = {key: value for key, value in answers.items() if key != "confidential_information"}
    data["confidential_information"] = "yes" if answers.get("confidential_information") else "no"
    return data


@pytest.fixture
def requested(practitioner):
    return approvals.approval_request(requester=practitioner, data=REQUEST_ANSWERS)


def test_a_practitioner_asks_from_the_requests_page(client, practitioner, manager):
    client.force_login(practitioner)
    page = client.get("/approvals/").content.decode()
    assert "Ask for approval" in page and 'href="/approvals/"' in page
    response = client.post("/approvals/new/", _form(REQUEST_ANSWERS))
    approval = Approval.objects.get()
    assert response.status_code == 302 and response.url == f"/approvals/{approval.pk}/"
    page = client.get(response.url).content.decode()
    assert "Waiting for a decision" in page and f"Waiting for a decision by {manager.display_name}" in page
    assert approval.label in client.get("/approvals/").content.decode()


def test_a_bad_request_shows_the_error_summary_and_saves_nothing(client, practitioner):
    client.force_login(practitioner)
    response = client.post("/approvals/new/", {**_form(REQUEST_ANSWERS), "justification": "", "platforms": []})
    page = response.content.decode()
    assert response.status_code == 400
    assert "govuk-error-summary" in page and "Enter why the search is necessary now" in page
    assert "Select where you plan to search" in page
    assert not Approval.objects.exists()


def test_a_manager_decides_from_the_decide_queue(client, requested, manager, practitioner):
    client.force_login(manager)
    queue = client.get("/decide/").content.decode()
    assert f'href="/approvals/{requested.pk}/"' in queue and ">Decide" in queue
    page = client.get(f"/approvals/{requested.pk}/").content.decode()
    assert "Approve" in page and "Refuse" in page
    response = client.post(f"/approvals/{requested.pk}/approve/", {"conditions": "Public profile only."})
    assert response.status_code == 302
    requested.refresh_from_db()
    assert requested.status == ApprovalStatus.APPROVED and requested.conditions == "Public profile only."
    assert "Nothing is waiting for your decision" in client.get("/decide/").content.decode()


def test_refusing_without_a_reason_shows_an_error(client, requested, manager):
    client.force_login(manager)
    response = client.post(f"/approvals/{requested.pk}/refuse/", {"comment": ""})
    assert response.status_code == 400
    assert "Enter why the search is refused" in response.content.decode()
    assert Approval.objects.get(pk=requested.pk).status == ApprovalStatus.REQUESTED


def test_deciding_ones_own_request_is_forbidden(client, manager):
    own = approvals.approval_request(requester=manager, data=REQUEST_ANSWERS)
    client.force_login(manager)
    response = client.post(f"/approvals/{own.pk}/approve/", {})
    assert response.status_code == 403
    assert "You cannot decide this request" in response.content.decode()
    assert Approval.objects.get(pk=own.pk).status == ApprovalStatus.REQUESTED


@pytest.mark.parametrize(("persona", "status"), [
    ("practitioner", 200), ("colleague", 404), ("outsider", 404), ("manager", 200), ("other_manager", 404),
    ("auditor", 200),
])
def test_who_may_open_a_request(client, request, requested, persona, status):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(f"/approvals/{requested.pk}/").status_code == status


@pytest.mark.parametrize("persona", ["practitioner", "colleague"])
def test_the_decide_queue_is_not_for_practitioners(client, request, persona):
    client.force_login(request.getfixturevalue(persona))
    assert client.get("/decide/").status_code == 404


def test_approving_twice_says_so(client, requested, manager):
    approvals.approval_approve(approval=requested, actor=manager)
    client.force_login(manager)
    response = client.post(f"/approvals/{requested.pk}/approve/", {}, follow=True)
    assert "Approving is possible only while a request is waiting for a decision" in response.content.decode()


def test_record_a_search_under_the_approval_prefills_and_links_it(client, requested, manager, practitioner):
    approvals.approval_approve(approval=requested, actor=manager)
    client.force_login(practitioner)
    detail = client.get(f"/approvals/{requested.pk}/").content.decode()
    assert f'href="/records/new/?approval={requested.pk}"' in detail
    form = client.get(f"/records/new/?approval={requested.pk}").content.decode()
    assert 'value="LAS-100200"' in form and requested.justification in form
    assert f'name="approval" value="{requested.pk}"' in form
    answers = {**JUSTIFIED_ANSWERS, **WITHOUT_CONSENT, "consent_status": "not_sought_other", "justification": "",
               "alternatives_considered": "", "subject_reference": "LAS-100200",
               "searched_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"), "approval": requested.pk,
               "confidential_information": "no", "continue": "1"}
    response = client.post("/records/new/", answers)
    record = SearchRecord.objects.get()
    assert response.status_code == 302, response.content.decode()[:3000]
    assert record.approval == requested and record.is_justified
    page = client.get(f"/records/{record.reference}/").content.decode()
    assert f"Prior approval {requested.label}" in page and requested.alternatives_considered in page


def test_someone_elses_approval_is_not_prefilled(client, requested, manager, colleague):
    approvals.approval_approve(approval=requested, actor=manager)
    client.force_login(colleague)
    assert client.get(f"/records/new/?approval={requested.pk}").status_code == 404


def test_the_requester_cancels(client, requested, practitioner):
    client.force_login(practitioner)
    client.post(f"/approvals/{requested.pk}/cancel/")
    assert Approval.objects.get(pk=requested.pk).status == ApprovalStatus.CANCELLED


def test_navigation_has_requests_and_decide(client, practitioner, manager, requested):
    client.force_login(practitioner)
    page = client.get("/approvals/").content.decode()
    assert 'href="/approvals/"' in page and 'href="/decide/"' not in page
    client.force_login(manager)
    page = client.get("/review/").content.decode()
    assert 'href="/decide/"' in page


def _many(practitioner, n: int, start: int) -> None:
    for i in range(n):
        approvals.approval_request(requester=practitioner,
                                   data={**REQUEST_ANSWERS, "subject_reference": f"Q-{start + i}"})


@pytest.mark.parametrize(("persona", "url"), [("practitioner", "/approvals/"), ("manager", "/decide/")])
def test_the_lists_cost_the_same_queries_however_long(client, request, practitioner, manager, persona, url,
                                                      django_assert_max_num_queries):
    client.force_login(request.getfixturevalue(persona))
    _many(practitioner, 2, 0)
    client.get(url)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    _many(practitioner, 12, 100)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(url)


def test_the_record_under_an_approval_shows_in_the_export(client, requested, manager, practitioner):
    approvals.approval_approve(approval=requested, actor=manager)
    workflow.record_create(practitioner=practitioner, data={
        "subject_reference": "LAS-100200", "searched_at": timezone.now(), "approval": requested.pk})
    client.force_login(practitioner)
    body = b"".join(client.get("/exports/searches.csv").streaming_content).decode()
    header, row = body.splitlines()[:2]
    assert '"Prior approval","Approved by","Approved at","Approval expires at"' in header
    assert requested.label in row and "maria" in row
