"""Quality sampling: reproducible draws, stratification, second reviews, notices, the CSV, and who may."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from django.utils import timezone

from searchlog import quality
from searchlog.errors import NotPermitted, RecordInvalid
from searchlog.models import AuditEvent, Notification, NotificationKind, QualitySample, Status
from tests.factories import RecordFactory, TeamFactory, UserFactory

DAY = date(2026, 3, 10)


def signed_off(*, practitioner, reviewer, on: date = DAY, **fields):  # type: ignore[no-untyped-def]
    at = timezone.make_aware(datetime.combine(on, datetime.min.time())) + timedelta(hours=10)
    return RecordFactory(practitioner=practitioner, status=Status.SIGNED_OFF, is_justified=True,
                         created_at=at - timedelta(days=2), submitted_at=at - timedelta(days=1), signed_off_at=at,
                         reviewed_by=reviewer, **fields)


@pytest.fixture
def population(practitioner, outsider, manager, other_manager):  # type: ignore[no-untyped-def]
    """10 records signed off in Adults North and 30 in Children East on DAY; 2 more outside the period."""
    north = [signed_off(practitioner=practitioner, reviewer=manager) for _ in range(10)]
    east = [signed_off(practitioner=outsider, reviewer=other_manager) for _ in range(30)]
    signed_off(practitioner=practitioner, reviewer=manager, on=DAY + timedelta(days=5))
    RecordFactory(practitioner=practitioner, status=Status.SUBMITTED, is_justified=True,
                  submitted_at=timezone.now())
    return north, east


def draw(auditor, **kwargs):  # type: ignore[no-untyped-def]
    arguments = {"period_from": DAY, "period_to": DAY, "percentage": 20, **kwargs}
    return quality.quality_sample_draw(actor=auditor, **arguments)


def drawn(sample: QualitySample) -> list[str]:
    return [item.record.reference for item in sample.items.select_related("record").order_by("position")]


def test_same_seed_draws_the_same_records(population, auditor):
    first = draw(auditor, seed=12345)
    again = draw(auditor, seed=12345)
    other = draw(auditor, seed=54321)
    assert drawn(first) == drawn(again)
    assert drawn(first) != drawn(other)
    assert first.population == 40 and len(drawn(first)) == 8  # 20% of 40


def test_a_draw_without_a_seed_records_the_seed_it_used(population, auditor):
    sample = draw(auditor)
    assert drawn(draw(auditor, seed=sample.seed)) == drawn(sample)


def test_only_records_signed_off_in_the_period_are_drawn(population, auditor):
    north, east = population
    sample = draw(auditor, percentage=None, size=1000)
    assert sorted(drawn(sample)) == sorted(r.reference for r in north + east)


@pytest.mark.parametrize(("percentage", "size", "expected"), [(1, None, 1), (100, None, 40), (None, 5, 5),
                                                               (None, 41, 40)])
def test_size_is_a_percentage_rounded_up_or_a_number(population, auditor, percentage, size, expected):
    assert len(drawn(draw(auditor, percentage=percentage, size=size))) == expected


def test_stratified_sample_takes_each_team_in_proportion(population, auditor, team, other_team):
    sample = draw(auditor, percentage=None, size=8, stratify_by_team=True, seed=3)
    teams = [item.record.team_id for item in sample.items.select_related("record")]
    assert teams.count(team.pk) == 2 and teams.count(other_team.pk) == 6


def test_largest_remainder_shares_are_stable():
    assert quality._shares([1, 1, 1], 2) == [1, 1, 0]
    assert quality._shares([10, 30], 8) == [2, 6]


@pytest.mark.parametrize(("arguments", "field"), [
    ({"period_from": None}, "period_from"),
    ({"period_to": None}, "period_to"),
    ({"period_from": DAY, "period_to": DAY - timedelta(days=1)}, "period_to"),
    ({"percentage": 0}, "percentage"),
    ({"percentage": 101}, "percentage"),
    ({"percentage": None, "size": None}, "percentage"),
    ({"percentage": 10, "size": 3}, "percentage"),
    ({"percentage": None, "size": 0}, "size"),
    ({"seed": -1}, "seed"),
])
def test_bad_draws_are_refused_by_field(population, auditor, arguments, field):
    with pytest.raises(RecordInvalid) as refused:
        draw(auditor, **arguments)
    assert field in refused.value.errors
    assert not QualitySample.objects.exists()


def test_an_empty_period_is_refused_clearly(population, auditor):
    with pytest.raises(RecordInvalid) as refused:
        draw(auditor, period_from=date(2025, 1, 1), period_to=date(2025, 1, 31))
    assert refused.value.errors["period_from"] == [
        "No records were signed off from 1 January 2025 to 31 January 2025: choose another period"]


@pytest.mark.parametrize("persona", ["practitioner", "manager"])
def test_only_information_governance_draws(population, request, persona):
    with pytest.raises(NotPermitted):
        draw(request.getfixturevalue(persona))


def test_draw_is_audited_with_its_seed(population, auditor):
    sample = draw(auditor, seed=99)
    event = AuditEvent.objects.get(action="quality_sample.draw")
    assert event.object_id == sample.label
    assert event.changes["seed"] == 99 and event.changes["population"] == 40 and event.changes["drawn"] == 8


def test_disagreement_notifies_the_manager_who_signed_it_off(population, auditor, manager, other_manager):
    sample = draw(auditor, size=40, percentage=None)
    item = sample.items.select_related("record").get(record__reviewed_by=manager, position__lte=40,
                                                     record__in=[r.pk for r in population[0][:1]])
    quality.quality_sample_review(item=item, actor=auditor, outcome="disagree", comment="No consent details.")
    item.refresh_from_db()
    assert (item.outcome, item.comment, item.reviewed_by) == ("disagree", "No consent details.", auditor)
    notice = Notification.objects.get(kind=NotificationKind.SAMPLE_DISAGREEMENT)
    assert (notice.recipient, notice.record) == (manager, item.record)
    event = AuditEvent.objects.get(action="quality_sample.review")
    assert event.changes["outcome"] == "disagree" and "No consent" not in str(event.changes)


@pytest.mark.parametrize("outcome", ["agree", "needs_follow_up"])
def test_other_outcomes_notify_nobody(population, auditor, outcome):
    item = draw(auditor).items.first()
    quality.quality_sample_review(item=item, actor=auditor, outcome=outcome, comment="Checked.")
    assert not Notification.objects.filter(kind=NotificationKind.SAMPLE_DISAGREEMENT).exists()
    assert AuditEvent.objects.filter(action="quality_sample.review").count() == 1


@pytest.mark.parametrize(("outcome", "comment", "field"), [("maybe", "x", "outcome"), ("disagree", " ", "comment"),
                                                           ("needs_follow_up", "", "comment")])
def test_a_review_needs_an_outcome_and_a_reason(population, auditor, outcome, comment, field):
    item = draw(auditor).items.first()
    with pytest.raises(RecordInvalid) as refused:
        quality.quality_sample_review(item=item, actor=auditor, outcome=outcome, comment=comment)
    assert field in refused.value.errors


def test_agreement_needs_no_comment(population, auditor):
    item = draw(auditor).items.first()
    quality.quality_sample_review(item=item, actor=auditor, outcome="agree")
    item.refresh_from_db()
    assert item.outcome == "agree"


def test_draw_takes_a_bounded_number_of_queries(population, auditor, django_assert_max_num_queries):
    with django_assert_max_num_queries(6):
        draw(auditor, percentage=100)


def test_sole_team_records_are_sampled_too(auditor):
    team = TeamFactory(name="Solo")
    author = UserFactory(username="solo", team=team)
    signed_off(practitioner=author, reviewer=auditor)
    assert len(drawn(draw(auditor, percentage=100))) == 1
