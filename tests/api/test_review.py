"""Review through the API: actions, the queue, escalations, status codes, and the sign-off race."""

from __future__ import annotations

import threading

import pytest
from django.db import close_old_connections, connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from searchlog import workflow
from searchlog.errors import TransitionNotAllowed
from searchlog.models import Role, SearchRecord, Status, Transition
from tests.factories import JUSTIFIED_ANSWERS, RecordFactory, UserFactory

URL = "/api/v1/searches/"


@pytest.fixture
def submitted(make_record, justified_answers):
    return make_record(submit=True, **justified_answers)


@pytest.mark.django_db
def test_sign_off(api, submitted, manager):
    response = api(manager).post(f"{URL}{submitted.reference}/sign-off/", {}, format="json")
    assert response.status_code == 200
    assert response.json()["status"] == "signed_off"
    assert response.json()["reviewed_by"] == "maria"
    assert response.json()["signed_off_at"]


def test_an_involved_reviewers_sign_off_goes_on_to_information_governance(api, submitted, manager, auditor):
    response = api(manager).post(f"{URL}{submitted.reference}/sign-off/", {"reviewer_involved": True}, format="json")
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["signed_off_at"]) == ("ig_review", None)
    assert "reviewer_involved" in response.json()["flags"]
    assert [r["reference"] for r in api(auditor).get("/api/v1/review-queue/").json()["results"]] == [
        submitted.reference]
    again = api(manager).post(f"{URL}{submitted.reference}/sign-off/", {}, format="json")
    assert again.status_code == 409
    done = api(auditor).post(f"{URL}{submitted.reference}/sign-off/", {}, format="json")
    assert done.status_code == 200
    assert (done.json()["status"], done.json()["reviewed_by"], done.json()["ig_reviewed_by"]) == (
        "signed_off", "maria", "aisha")


@pytest.mark.django_db
@pytest.mark.parametrize("action", ["return", "escalate"])
def test_return_and_escalate_need_a_comment(api, submitted, manager, action):
    client = api(manager)
    for body in ({}, {"comment": ""}, {"comment": "  "}):
        response = client.post(f"{URL}{submitted.reference}/{action}/", body, format="json")
        assert response.status_code == 400
        assert "comment" in response.json()
    submitted.refresh_from_db()
    assert submitted.status == Status.SUBMITTED
    response = client.post(f"{URL}{submitted.reference}/{action}/", {"comment": "Please add findings"}, format="json")
    assert response.status_code == 200
    assert response.json()["status"] == {"return": "returned", "escalate": "escalated"}[action]


@pytest.mark.django_db
@pytest.mark.parametrize("action", ["sign-off", "return", "escalate"])
@pytest.mark.parametrize(
    ("persona", "code"),
    [("practitioner", 403), ("colleague", 404), ("outsider", 404), ("other_manager", 404), ("auditor", 403)],
)
def test_wrong_reviewers(request, api, submitted, manager, action, persona, code):
    response = api(request.getfixturevalue(persona)).post(
        f"{URL}{submitted.reference}/{action}/", {"comment": "x"}, format="json"
    )
    assert response.status_code == code
    submitted.refresh_from_db()
    assert submitted.status == Status.SUBMITTED


@pytest.mark.django_db
def test_acting_twice_is_409(api, submitted, manager):
    client = api(manager)
    assert client.post(f"{URL}{submitted.reference}/sign-off/").status_code == 200
    again = client.post(f"{URL}{submitted.reference}/return/", {"comment": "x"}, format="json")
    assert again.status_code == 409
    assert "already been reviewed" in again.json()["detail"]


@pytest.mark.django_db
def test_returned_record_can_be_patched_and_resubmitted(api, submitted, practitioner, manager):
    api(manager).post(f"{URL}{submitted.reference}/return/", {"comment": "Add findings"}, format="json")
    client = api(practitioner)
    assert client.patch(f"{URL}{submitted.reference}/", {"findings": "Moved"}, format="json").status_code == 200
    response = client.post(f"{URL}{submitted.reference}/submit/")
    assert response.status_code == 200 and response.json()["status"] == "submitted"


@pytest.mark.django_db
def test_addenda(api, submitted, practitioner, manager, colleague, make_record):
    client = api(practitioner)
    response = client.post(f"{URL}{submitted.reference}/addenda/", {"text": "Moved house since"}, format="json")
    assert response.status_code == 201
    assert response.json()["text"] == "Moved house since" and response.json()["author"] == "alice"
    assert client.post(f"{URL}{submitted.reference}/addenda/", {"text": ""}, format="json").status_code == 400
    assert api(colleague).post(f"{URL}{submitted.reference}/addenda/", {"text": "x"}, format="json").status_code == 404
    draft = make_record()
    assert client.post(f"{URL}{draft.reference}/addenda/", {"text": "x"}, format="json").status_code == 409
    assert submitted.addenda.count() == 1


@pytest.mark.django_db
def test_review_queue_is_oldest_first_with_flags(api, practitioner, colleague, manager, other_manager, make_record):
    first = make_record(submit=True, **{**JUSTIFIED_ANSWERS, "account_used": "personal_device"})
    second = make_record(by=colleague, submit=True, **JUSTIFIED_ANSWERS)
    make_record(by=colleague)  # a draft is not in the queue
    body = api(manager).get("/api/v1/review-queue/").json()
    assert [r["reference"] for r in body["results"]] == [first.reference, second.reference]
    assert "personal_account" in body["results"][0]["flags"]
    assert api(other_manager).get("/api/v1/review-queue/").json()["count"] == 0
    assert api(practitioner).get("/api/v1/review-queue/").json()["count"] == 0


@pytest.mark.django_db
def test_escalations_inbox_and_close(api, submitted, manager, auditor, practitioner):
    api(manager).post(f"{URL}{submitted.reference}/escalate/", {"comment": "Interacted"}, format="json")
    inbox = api(auditor).get("/api/v1/escalations/").json()
    assert inbox["count"] == 1
    pk = inbox["results"][0]["id"]
    for wrong in (manager, practitioner):
        assert api(wrong).post(f"/api/v1/escalations/{pk}/close/", {"outcome": "no_concern", "comment": "x"},
                               format="json").status_code == 404
    bad = api(auditor).post(f"/api/v1/escalations/{pk}/close/", {"outcome": "meh", "comment": ""}, format="json")
    assert bad.status_code == 400 and set(bad.json()) == {"outcome", "comment"}
    done = api(auditor).post(f"/api/v1/escalations/{pk}/close/",
                             {"outcome": "breach_referred", "comment": "Referred to the DPO"}, format="json")
    assert done.status_code == 200 and done.json()["outcome"] == "breach_referred"
    again = api(auditor).post(f"/api/v1/escalations/{pk}/close/", {"outcome": "no_concern", "comment": "x"},
                              format="json")
    assert again.status_code == 409


def _queue_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/api/v1/review-queue/?page_size=100")
        assert response.status_code == 200
    return len(queries)


def _submitted_batch(n: int, practitioner) -> None:
    now = timezone.now()
    RecordFactory.create_batch(n, practitioner=practitioner, status="submitted", is_justified=True, submitted_at=now)


@pytest.mark.django_db
def test_queue_query_count_does_not_grow(api, practitioner, manager):
    client = api(manager)
    _submitted_batch(10, practitioner)
    ten = _queue_queries(client)
    _submitted_batch(90, practitioner)
    assert _queue_queries(client) == ten


@pytest.mark.django_db(transaction=True)
def test_two_managers_signing_off_at_once_one_wins(needs_postgres, team, practitioner):
    """Two database connections race to sign off one record: exactly one sign-off lands."""
    managers = []
    for name in ("m1", "m2"):
        user = UserFactory(username=name, role=Role.MANAGER, team=team)
        team.managers.add(user)
        managers.append(user)
    record = workflow.record_create(
        practitioner=practitioner, data={"subject_reference": "LAS-1", "searched_at": timezone.now(),
                                         **JUSTIFIED_ANSWERS},
    )
    workflow.record_submit(record=record, actor=practitioner)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def sign(manager) -> None:
        try:
            barrier.wait()
            workflow.record_sign_off(record=record, actor=manager, reviewer_involved=False)
            outcomes.append("signed")
        except TransitionNotAllowed as error:
            outcomes.append(str(error))
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=sign, args=(m,)) for m in managers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes)[-1] == "signed"
    assert outcomes.count("signed") == 1
    assert any("already been reviewed" in outcome for outcome in outcomes)
    assert Transition.objects.filter(record=record, action="sign_off").count() == 1
    assert SearchRecord.objects.get(pk=record.pk).status == Status.SIGNED_OFF
