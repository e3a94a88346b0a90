"""Insights: every figure against a hand-counted fixture, scope per role, and a fixed number of queries."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from django.utils import timezone

from searchlog import insights
from searchlog.errors import RecordNotFound
from searchlog.models import QualitySample, QualitySampleItem, Status
from tests.factories import RecordFactory

FROM, TO = date(2026, 1, 1), date(2026, 2, 28)
URL = "/api/v1/insights/"


def at(day: str, hour: int = 10) -> datetime:
    return timezone.make_aware(datetime.fromisoformat(day) + timedelta(hours=hour))


def record(practitioner, searched: str, hours_to_record: int, *, status=Status.DRAFT, submitted=None,
           signed_off_after_hours=None, **fields):  # type: ignore[no-untyped-def]
    searched_at = at(searched)
    created = searched_at + timedelta(hours=hours_to_record)
    submitted_at = created + timedelta(days=1) if submitted or status != Status.DRAFT else None
    signed = submitted_at + timedelta(hours=signed_off_after_hours) if signed_off_after_hours else None
    return RecordFactory(practitioner=practitioner, searched_at=searched_at, created_at=created,
                         updated_at=created, status=status, is_justified=status != Status.DRAFT,
                         submitted_at=submitted_at, signed_off_at=signed, **fields)


@pytest.fixture
def fixture(practitioner, outsider, manager, other_manager, auditor):  # type: ignore[no-untyped-def]
    """Hand-counted: in the period, Adults North has N1-N3 and Children East E1; N4 falls before the period.

    | record | team  | searched   | to record | emergency | consent              | status     | sign-off after |
    | N1     | North | 10 January | 2 h       | yes       | not_sought_emergency | signed off | 72 h           |
    | N2     | North | 20 January | 4 h       | no        | obtained_written     | signed off | 24 h           |
    | N3     | North | 5 February | 6 h       | no        | refused              | submitted (overdue)  |    |
    | E1     | East  | 10 February| 8 h       | yes       | obtained_verbal      | draft      |                |
    """
    n1 = record(practitioner, "2026-01-10", 2, status=Status.SIGNED_OFF, signed_off_after_hours=72,
                is_emergency=True, consent_status="not_sought_emergency", reviewed_by=manager)
    n2 = record(practitioner, "2026-01-20", 4, status=Status.SIGNED_OFF, signed_off_after_hours=24,
                consent_status="obtained_written", reviewed_by=manager)
    record(practitioner, "2026-02-05", 6, status=Status.SUBMITTED, consent_status="refused")
    record(outsider, "2026-02-10", 8, is_emergency=True, consent_status="obtained_verbal")
    record(practitioner, "2025-12-01", 1, is_emergency=True, consent_status="refused")
    sample = QualitySample.objects.create(created_by=auditor, created_at=timezone.now(), period_from=FROM,
                                          period_to=TO, percentage=100, seed=1, population=2)
    now = timezone.now()
    QualitySampleItem.objects.create(sample=sample, record=n1, position=1, outcome="agree", reviewed_by=auditor,
                                     reviewed_at=now)
    QualitySampleItem.objects.create(sample=sample, record=n2, position=2, outcome="disagree", comment="No.",
                                     reviewed_by=auditor, reviewed_at=now)


def figures(user, **kwargs):  # type: ignore[no-untyped-def]
    return insights.insights_for(user, date_from=FROM, date_to=TO, **kwargs)


def test_auditor_sees_every_team_counted_by_hand(fixture, auditor):
    seen = figures(auditor)
    assert (seen.total, seen.emergencies, seen.emergency_share) == (4, 2, 50.0)
    assert seen.per_month == [(date(2026, 1, 1), 2), (date(2026, 2, 1), 2)]
    assert seen.by_team == [("Adults North", 3), ("Children East", 1)]
    assert sorted((status, n) for status, _, n in seen.by_consent_status) == [
        ("not_sought_emergency", 1), ("obtained_verbal", 1), ("obtained_written", 1), ("refused", 1)]
    flags = {name: n for name, _, n in seen.by_flag}
    assert (flags["emergency"], flags["no_consent"], flags["consent_refused"], flags["overdue"]) == (2, 2, 1, 1)
    assert flags["interaction"] == 0
    assert seen.overdue_reviews == 1
    assert (seen.sampled_reviewed, seen.sampled_agreed, seen.agreement_rate) == (2, 1, 50.0)
    assert seen.privacy_checks_overdue == 4  # alice, charlie, maria, david: never checked


def test_times_are_median_and_90th_percentile(fixture, auditor, needs_postgres):
    seen = figures(auditor)
    # Hours to record 2, 4, 6, 8: median 5; 90th percentile 6 + 0.7 x 2 = 7.4. Sign-off 24 and 72 hours.
    assert (seen.search_to_record.median_hours, seen.search_to_record.p90_hours) == (5.0, 7.4)
    assert (seen.submission_to_sign_off.median_hours, seen.submission_to_sign_off.p90_hours) == (48.0, 67.2)


def test_times_say_not_available_on_sqlite():
    unavailable = insights.TimeFigure(None, None, available=False)
    data = insights.as_data(insights.Insights(date_from=FROM, date_to=TO, team=None, search_to_record=unavailable))
    assert data["search_to_record"] == {"median_hours": None, "p90_hours": None, "note": "not available on SQLite"}


def test_manager_sees_their_teams_only(fixture, manager, other_manager, needs_postgres):
    mine = figures(manager)
    assert (mine.total, mine.emergencies) == (3, 1)
    assert mine.by_team == [("Adults North", 3)]
    assert (mine.search_to_record.median_hours, mine.search_to_record.p90_hours) == (4.0, 5.6)
    assert mine.privacy_checks_overdue == 1  # alice (not the manager herself)
    theirs = figures(other_manager)
    assert (theirs.total, theirs.by_team, theirs.sampled_reviewed) == (1, [("Children East", 1)], 0)


def test_team_filter(fixture, auditor, other_team):
    assert figures(auditor, team=other_team).total == 1


@pytest.mark.parametrize("persona", ["practitioner", "colleague", "outsider"])
def test_practitioners_get_nothing(fixture, request, persona):
    with pytest.raises(RecordNotFound):
        figures(request.getfixturevalue(persona))


def test_a_manager_cannot_ask_for_another_team(fixture, manager, other_team):
    with pytest.raises(RecordNotFound):
        figures(manager, team=other_team)


@pytest.mark.parametrize("persona", ["auditor", "manager"])
def test_a_fixed_number_of_queries(fixture, request, persona, django_assert_num_queries):
    user = request.getfixturevalue(persona)
    with django_assert_num_queries(6):
        figures(user)
    RecordFactory.create_batch(20, practitioner=request.getfixturevalue("practitioner"),
                               searched_at=at("2026-01-15"), created_at=at("2026-01-15", 11))
    with django_assert_num_queries(6):
        figures(user)


def test_api_gives_the_same_numbers(fixture, api, auditor):
    response = api(auditor).get(URL, {"from": FROM.isoformat(), "to": TO.isoformat()})
    assert response.status_code == 200, response.content
    data = response.json()
    assert (data["total"], data["emergency_share"], data["overdue_reviews"]) == (4, 50.0, 1)
    assert data["per_month"] == [{"month": "2026-01", "count": 2}, {"month": "2026-02", "count": 2}]
    assert data["sampling"] == {"reviewed": 2, "agreed": 1, "agreement_rate": 50.0}
    by_name = api(auditor).get(URL, {"from": FROM.isoformat(), "to": TO.isoformat(), "team": "Children East"})
    assert by_name.json()["total"] == 1


@pytest.mark.parametrize(("persona", "query", "code"), [
    ("practitioner", {}, 404), ("outsider", {}, 404), ("manager", {"team": "Children East"}, 404),
    ("other_manager", {"team": "Adults North"}, 404), ("manager", {"team": "Adults North"}, 200),
    ("auditor", {"from": "2026-03-01", "to": "2026-01-01"}, 400), ("auditor", {"from": "soon"}, 400),
])
def test_api_scope_and_bad_input(fixture, api, request, persona, query, code):
    response = api(request.getfixturevalue(persona)).get(URL, query)
    assert response.status_code == code, response.content
    if code == 400:
        assert set(response.json()) <= {"from", "to"}


def test_default_period_is_twelve_months():
    assert insights.default_period(date(2026, 11, 25)) == (date(2025, 12, 1), date(2026, 11, 25))
    assert insights.default_period(date(2026, 12, 31)) == (date(2026, 1, 1), date(2026, 12, 31))
