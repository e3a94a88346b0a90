"""The breach register API: auditors list, read and PATCH; everyone else gets 404."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from searchlog import workflow
from searchlog.models import Breach
from tests.factories import JUSTIFIED_ANSWERS

pytestmark = pytest.mark.django_db
URL = "/api/v1/breaches/"


@pytest.fixture
def breach(make_record, manager, auditor) -> Breach:
    record = make_record(submit=True, **JUSTIFIED_ANSWERS)
    escalation = workflow.record_escalate(record=record, actor=manager, comment="Friends-only content viewed")
    workflow.escalation_close(escalation=escalation, actor=auditor, outcome="breach_referred",
                              comment="Referred to the DPO")
    return Breach.objects.get()


def test_an_auditor_lists_and_reads_the_register(api, auditor, breach):
    listed = api(auditor).get(URL)
    assert listed.status_code == 200
    assert [row["id"] for row in listed.json()["results"]] == [breach.pk]
    body = api(auditor).get(f"{URL}{breach.pk}/").json()
    assert body["record"] == breach.record.reference
    assert body["ico_overdue"] is False
    assert body["ico_clock"].startswith("Report to the ICO by")
    assert body["person_told"] is None


@pytest.mark.parametrize("persona", ["practitioner", "manager", "other_manager", "outsider"])
def test_nobody_else_reaches_the_register(request, api, breach, persona):
    client = api(request.getfixturevalue(persona))
    assert client.get(URL).status_code == 404
    assert client.get(f"{URL}{breach.pk}/").status_code == 404
    assert client.patch(f"{URL}{breach.pk}/", {"notes": "x"}, format="json").status_code == 404


def test_an_auditor_patches_what_was_done(api, auditor, breach):
    reported = (timezone.now() - timedelta(minutes=5)).isoformat()
    response = api(auditor).patch(f"{URL}{breach.pk}/", {
        "person_told": False, "dpo_reported_at": reported, "ico_reported_at": reported, "notes": "Not high risk",
    }, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["ico_clock"].startswith("Reported to the ICO on")
    breach.refresh_from_db()
    assert (breach.person_told, breach.notes) == (False, "Not high risk")


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"person_told": False, "person_told_at": timezone.now().isoformat()}, "person_told_at"),
        ({"ico_reported_at": (timezone.now() + timedelta(days=2)).isoformat()}, "ico_reported_at"),
        ({"found_at": "yesterday"}, "found_at"),
    ],
)
def test_bad_answers_are_400_with_the_field(api, auditor, breach, payload, field):
    response = api(auditor).patch(f"{URL}{breach.pk}/", payload, format="json")
    assert response.status_code == 400
    assert list(response.json()) == [field]


def test_the_record_serves_its_outcome(api, practitioner, breach):
    body = api(practitioner).get(f"/api/v1/searches/{breach.record.reference}/").json()
    assert (body["status"], body["outcome"]) == ("closed", "breach_referred")
