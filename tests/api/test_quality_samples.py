"""GET|POST /api/v1/quality-samples/, detail, review and results.csv: information governance only."""

from __future__ import annotations

import pytest

from searchlog.models import AuditEvent, Notification, NotificationKind, QualitySample
from tests.test_quality import DAY, population, signed_off  # noqa: F401 (fixture and helper)

URL = "/api/v1/quality-samples/"
BODY = {"period_from": DAY.isoformat(), "period_to": DAY.isoformat(), "percentage": 25, "seed": 7}


def test_auditor_draws_reads_reviews_and_downloads(api, population, auditor, manager):  # noqa: F811
    client = api(auditor)
    created = client.post(URL, BODY, format="json")
    assert created.status_code == 201, created.content
    sample = created.json()
    assert (sample["population"], sample["item_count"], sample["seed"]) == (40, 10, 7)
    again = client.post(URL, BODY, format="json").json()
    assert [i["reference"] for i in again["items"]] == [i["reference"] for i in sample["items"]]

    north = [i for i in sample["items"] if i["signed_off_by"] == manager.username][0]
    reviewed = client.post(f"{URL}{sample['id']}/review/", {"reference": north["reference"], "outcome": "disagree",
                                                            "comment": "Consent not evidenced."}, format="json")
    assert reviewed.status_code == 200, reviewed.content
    assert reviewed.json()["outcome"] == "disagree"
    assert Notification.objects.filter(kind=NotificationKind.SAMPLE_DISAGREEMENT, recipient=manager).count() == 1

    detail = client.get(f"{URL}{sample['id']}/").json()
    assert (detail["reviewed_count"], detail["agreed_count"]) == (1, 0)
    assert [row["id"] for row in client.get(URL).json()["results"]] == [again["id"], sample["id"]]

    csv = client.get(f"{URL}{sample['id']}/results.csv")
    assert csv.status_code == 200 and csv["Content-Type"].startswith("text/csv")
    lines = b"".join(csv.streaming_content).decode().splitlines()
    assert lines[0].startswith('"Sample","Position","Reference"') and len(lines) == 11
    assert any("Consent not evidenced." in line and "Disagree" in line for line in lines)
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"quality_sample.draw", "quality_sample.review", "quality_sample.view", "quality_sample.list",
            "export"} <= actions


@pytest.mark.parametrize(("body", "field"), [
    ({"period_from": None}, "period_from"),
    ({"percentage": 150}, "percentage"),
    ({"percentage": "lots"}, "percentage"),
    ({"period_from": "2025-01-01", "period_to": "2025-01-02"}, "period_from"),
])
def test_bad_draws_are_400_by_field(api, population, auditor, body, field):  # noqa: F811
    response = api(auditor).post(URL, {**BODY, **body}, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not QualitySample.objects.exists()


def test_bad_review_is_400(api, population, auditor):  # noqa: F811
    client = api(auditor)
    sample = client.post(URL, BODY, format="json").json()
    reference = sample["items"][0]["reference"]
    response = client.post(f"{URL}{sample['id']}/review/", {"reference": reference, "outcome": "disagree"},
                           format="json")
    assert response.status_code == 400 and "comment" in response.json()
    missing = client.post(f"{URL}{sample['id']}/review/", {"reference": "OS-2026-999999", "outcome": "agree"},
                          format="json")
    assert missing.status_code == 404


@pytest.mark.parametrize("persona", ["practitioner", "colleague", "outsider", "manager", "other_manager"])
def test_everyone_but_information_governance_gets_404(api, population, auditor, request, persona):  # noqa: F811
    sample = api(auditor).post(URL, BODY, format="json").json()
    client = api(request.getfixturevalue(persona))
    reference = sample["items"][0]["reference"]
    assert client.get(URL).status_code == 404
    assert client.post(URL, BODY, format="json").status_code == 404
    assert client.get(f"{URL}{sample['id']}/").status_code == 404
    assert client.post(f"{URL}{sample['id']}/review/", {"reference": reference, "outcome": "agree"},
                       format="json").status_code == 404
    assert client.get(f"{URL}{sample['id']}/results.csv").status_code == 404
    assert QualitySample.objects.count() == 1


def test_anonymous_is_refused(api, population):  # noqa: F811
    assert api().get(URL).status_code in (401, 403)
