"""Pages for quality samples (information governance only) and insights (managers and auditors)."""

from __future__ import annotations

import pytest

from searchlog.models import Notification, NotificationKind, QualitySample
from tests.test_insights import FROM, TO
from tests.test_insights import fixture as insight_fixture  # noqa: F401 (fixture)
from tests.test_quality import DAY, population, signed_off  # noqa: F401 (fixture and helper)

NEW = "/quality-samples/new/"
FORM = {"period_from": DAY.isoformat(), "period_to": DAY.isoformat(), "how": "percentage", "percentage": "10",
        "seed": "42"}


def test_auditor_draws_and_reviews_on_pages(client, population, auditor, manager):  # noqa: F811
    client.force_login(auditor)
    assert client.get(NEW).status_code == 200
    response = client.post(NEW, FORM)
    sample = QualitySample.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/quality-samples/{sample.pk}/"
    page = client.get(response["Location"])
    assert page.status_code == 200 and b"Seed" in page.content and b"42" in page.content
    item = sample.items.select_related("record").filter(record__reviewed_by=manager).first() or sample.items.first()
    review_url = f"/quality-samples/{sample.pk}/review/{item.record.reference}/"
    refused = client.post(review_url, {"outcome": "disagree", "comment": ""})
    assert refused.status_code == 400 and b"govuk-error-summary" in refused.content
    saved = client.post(review_url, {"outcome": "disagree", "comment": "Justification is thin."})
    assert saved.status_code == 302
    item.refresh_from_db()
    assert item.outcome == "disagree"
    assert Notification.objects.filter(kind=NotificationKind.SAMPLE_DISAGREEMENT,
                                       recipient=item.record.reviewed_by).exists()
    assert client.get("/quality-samples/").status_code == 200
    csv = client.get(f"/quality-samples/{sample.pk}/results.csv")
    assert b"Justification is thin." in b"".join(csv.streaming_content)


@pytest.mark.parametrize(("change", "message"), [
    ({"period_from": "2025-01-01", "period_to": "2025-01-31"}, b"No records were signed off"),
    ({"percentage": "0"}, b"Percentage must be a whole number from 1 to 100"),
    ({"percentage": "250"}, b"Percentage must be a whole number from 1 to 100"),
    ({"period_from": ""}, b"Enter the first day of the period"),
    ({"how": "size", "size": ""}, b"Enter a percentage or a number of records"),
])
def test_bad_draws_show_the_error_summary(client, population, auditor, change, message):  # noqa: F811
    client.force_login(auditor)
    response = client.post(NEW, {**FORM, **change})
    assert response.status_code == 400
    assert b"govuk-error-summary" in response.content and message in response.content
    assert not QualitySample.objects.exists()


@pytest.mark.parametrize("persona", ["practitioner", "colleague", "outsider", "manager", "other_manager"])
def test_sample_pages_are_404_for_everyone_else(client, population, auditor, request, persona):  # noqa: F811
    client.force_login(auditor)
    client.post(NEW, FORM)
    sample = QualitySample.objects.get()
    reference = sample.items.first().record.reference
    client.force_login(request.getfixturevalue(persona))
    for url in ("/quality-samples/", NEW, f"/quality-samples/{sample.pk}/", f"/quality-samples/{sample.pk}/results.csv",
                f"/quality-samples/{sample.pk}/review/{reference}/"):
        assert client.get(url).status_code == 404, url
    assert client.post(NEW, FORM).status_code == 404
    assert QualitySample.objects.count() == 1


def test_insights_page_shows_charts_and_tables(client, insight_fixture, auditor):  # noqa: F811
    client.force_login(auditor)
    response = client.get("/insights/", {"from": FROM.isoformat(), "to": TO.isoformat()})
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count("<svg class=\"app-bar-chart\"") == 4 and html.count("the figures</caption>") == 4
    assert "Adults North" in html and "Children East" in html
    assert "50.0%" in html and "median 5.0 hours" in html
    assert "<script" not in html.split("<h1", 1)[1].split("</main>", 1)[0]


def test_insights_page_for_a_manager_and_default_period(client, insight_fixture, manager):  # noqa: F811
    client.force_login(manager)
    response = client.get("/insights/")
    assert response.status_code == 200
    assert b"Children East" not in response.content


@pytest.mark.parametrize("persona", ["practitioner", "colleague", "outsider"])
def test_insights_page_is_404_for_practitioners(client, insight_fixture, request, persona):  # noqa: F811
    client.force_login(request.getfixturevalue(persona))
    assert client.get("/insights/").status_code == 404


def test_insights_page_refuses_bad_dates(client, insight_fixture, auditor, other_team, manager):  # noqa: F811
    client.force_login(auditor)
    response = client.get("/insights/", {"from": "2026-03-01", "to": "2026-01-01"})
    assert response.status_code == 400 and b"govuk-error-summary" in response.content
    client.force_login(manager)
    assert client.get("/insights/", {"team": other_team.pk}).status_code == 404
