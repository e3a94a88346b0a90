"""Insights: what is happening overall, for the people who oversee records (scope: selectors.insight_records).

Every figure is computed by the database, in a fixed number of queries whatever the number of records: one
aggregate for the totals, flags and times; one grouped count each per month, team and consent status; one for
quality sampling and one for privacy checks. Times are medians and 90th percentiles with PostgreSQL's
percentile_cont; SQLite has no such aggregate, so there they are reported as not available rather than computed by
loading rows into Python.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.db import connection
from django.db.models import Aggregate, Count, DurationField, ExpressionWrapper, F, Q, QuerySet
from django.db.models.functions import TruncMonth
from django.utils import timezone

from searchlog import clock, exports, selectors
from searchlog.flags import FLAG_LABELS, with_flags_for
from searchlog.models import ConsentStatus, QualitySampleItem, SampleOutcome, SearchRecord, Team, User

# How many months the dashboard shows when no period is given (this month included).
DEFAULT_MONTHS = 12
PERCENTILES = {"median": 0.5, "p90": 0.9}
NOT_ON_SQLITE = "not available on SQLite"


class PercentileCont(Aggregate):
    """PostgreSQL's continuous percentile of an interval (an ordered-set aggregate)."""

    function = "percentile_cont"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"

    def __init__(self, expression: Any, fraction: float, **extra: Any) -> None:
        # The fraction is one of our own constants, written into the SQL as a number.
        super().__init__(expression, fraction=repr(float(fraction)), output_field=DurationField(), **extra)


@dataclass(frozen=True)
class TimeFigure:
    """A median and 90th percentile in hours (None: no records, or not available on this database)."""

    median_hours: float | None
    p90_hours: float | None
    available: bool = True


@dataclass
class Insights:
    date_from: date
    date_to: date
    team: Team | None
    total: int = 0
    emergencies: int = 0
    per_month: list[tuple[date, int]] = field(default_factory=list)
    by_team: list[tuple[str, int]] = field(default_factory=list)
    by_flag: list[tuple[str, str, int]] = field(default_factory=list)
    by_consent_status: list[tuple[str, str, int]] = field(default_factory=list)
    search_to_record: TimeFigure = TimeFigure(None, None)
    submission_to_sign_off: TimeFigure = TimeFigure(None, None)
    overdue_reviews: int = 0
    privacy_checks_overdue: int = 0
    sampled_reviewed: int = 0
    sampled_agreed: int = 0

    @property
    def emergency_share(self) -> float | None:
        return round(100 * self.emergencies / self.total, 1) if self.total else None

    @property
    def agreement_rate(self) -> float | None:
        return round(100 * self.sampled_agreed / self.sampled_reviewed, 1) if self.sampled_reviewed else None


def default_period(today: date | None = None) -> tuple[date, date]:
    """The last DEFAULT_MONTHS calendar months, this one included, to today."""
    today = today or timezone.localdate(clock.now())
    month = today.month - (DEFAULT_MONTHS - 1)
    year = today.year + (month - 1) // 12
    return date(year, (month - 1) % 12 + 1, 1), today


def _duration(end: str, start: str) -> ExpressionWrapper:
    return ExpressionWrapper(F(end) - F(start), output_field=DurationField())


def _hours(value: timedelta | None) -> float | None:
    return round(value.total_seconds() / 3600, 1) if value is not None else None


def _scalars(user: User, records: QuerySet[SearchRecord]) -> dict[str, Any]:
    """Totals, emergencies, each flag and (on PostgreSQL) the time percentiles: one query."""
    flagged = with_flags_for(user, records)
    figures: dict[str, Any] = {
        "total": Count("pk"),
        "emergencies": Count("pk", filter=Q(is_emergency=True)),
        **{f"flag_{name}_count": Count("pk", filter=Q(**{f"flag_{name}": True})) for name in FLAG_LABELS},
    }
    if connection.vendor == "postgresql":
        signed = Q(signed_off_at__isnull=False, submitted_at__isnull=False)
        for name, fraction in PERCENTILES.items():
            figures[f"record_{name}"] = PercentileCont(_duration("created_at", "searched_at"), fraction)
            figures[f"sign_off_{name}"] = PercentileCont(_duration("signed_off_at", "submitted_at"), fraction,
                                                         filter=signed)
    return flagged.aggregate(**figures)


def _times(values: dict[str, Any], prefix: str) -> TimeFigure:
    if connection.vendor != "postgresql":
        return TimeFigure(None, None, available=False)
    return TimeFigure(_hours(values[f"{prefix}_median"]), _hours(values[f"{prefix}_p90"]))


def _grouped(records: QuerySet[SearchRecord], key: Any, name: str, order: str) -> list[tuple[Any, int]]:
    rows = records.annotate(**{name: key}).values(name).annotate(n=Count("pk")).order_by(order)
    return [(row[name], row["n"]) for row in rows]


def insights_for(user: User, *, date_from: date, date_to: date, team: Team | None = None) -> Insights:
    """Every figure for the records searched in the period (local days, inclusive) within the user's scope.

    RecordNotFound (404) for a practitioner, or for a team outside the user's scope.
    """
    records = selectors.insight_records(user, team).filter(
        searched_at__gte=exports.day_start(date_from), searched_at__lt=exports.day_start(date_to + timedelta(days=1)))
    values = _scalars(user, records)
    consent_labels = {**dict(ConsentStatus.choices), "": "Not answered yet"}
    sampled = QualitySampleItem.objects.filter(record__in=records.values("pk")).exclude(outcome="").aggregate(
        reviewed=Count("pk"), agreed=Count("pk", filter=Q(outcome=SampleOutcome.AGREE)))
    privacy = selectors.privacy_checks_overdue_for(user)
    if team is not None:
        privacy = privacy.filter(team=team)
    return Insights(
        date_from=date_from, date_to=date_to, team=team, total=values["total"], emergencies=values["emergencies"],
        per_month=[(timezone.localtime(month).date() if hasattr(month, "hour") else month, n)
                   for month, n in _grouped(records, TruncMonth("searched_at"), "month", "month")],
        by_team=_grouped(records, F("team__name"), "team_name", "team_name"),
        by_flag=[(name, label, values[f"flag_{name}_count"]) for name, label in FLAG_LABELS.items()],
        by_consent_status=[(status, consent_labels.get(status, status), n)
                           for status, n in _grouped(records, F("consent_status"), "consent", "consent")],
        search_to_record=_times(values, "record"), submission_to_sign_off=_times(values, "sign_off"),
        overdue_reviews=values["flag_overdue_count"], privacy_checks_overdue=privacy.count(),
        sampled_reviewed=sampled["reviewed"], sampled_agreed=sampled["agreed"],
    )


def as_data(insights: Insights) -> dict[str, Any]:
    """The figures as the API gives them (JSON)."""
    def times(figure: TimeFigure) -> dict[str, Any]:
        if not figure.available:
            return {"median_hours": None, "p90_hours": None, "note": NOT_ON_SQLITE}
        return {"median_hours": figure.median_hours, "p90_hours": figure.p90_hours}

    return {
        "from": insights.date_from.isoformat(), "to": insights.date_to.isoformat(),
        "team": insights.team.name if insights.team else None,
        "total": insights.total, "emergencies": insights.emergencies, "emergency_share": insights.emergency_share,
        "per_month": [{"month": f"{month:%Y-%m}", "count": n} for month, n in insights.per_month],
        "by_team": [{"team": name, "count": n} for name, n in insights.by_team],
        "by_flag": [{"flag": name, "label": label, "count": n} for name, label, n in insights.by_flag],
        "by_consent_status": [{"consent_status": status, "label": label, "count": n}
                              for status, label, n in insights.by_consent_status],
        "search_to_record": times(insights.search_to_record),
        "submission_to_sign_off": times(insights.submission_to_sign_off),
        "overdue_reviews": insights.overdue_reviews, "privacy_checks_overdue": insights.privacy_checks_overdue,
        "sampling": {"reviewed": insights.sampled_reviewed, "agreed": insights.sampled_agreed,
                     "agreement_rate": insights.agreement_rate},
    }


# A chart is 1000 units wide: labels in the first 400, the longest bar 500 long, its figure just after it.
BAR_HEIGHT = 28
BAR_START = 400
BAR_LONGEST = 500


@dataclass(frozen=True)
class Bar:
    """One bar of a server-rendered SVG chart, in the chart's units."""

    label: str
    value: int
    y: int  # top of the bar's row
    width: int  # relative to the largest value

    @property
    def text_y(self) -> int:
        return self.y + 19

    @property
    def value_x(self) -> int:
        return BAR_START + self.width + 10


def bars(rows: list[tuple[str, int]]) -> list[Bar]:
    """Bars for a server-rendered SVG chart: widths relative to the largest value."""
    most = max((value for _, value in rows), default=0)
    return [Bar(label=label, value=value, y=i * BAR_HEIGHT, width=round(BAR_LONGEST * value / most) if most else 0)
            for i, (label, value) in enumerate(rows)]


def chart_height(chart: list[Bar]) -> int:
    return len(chart) * BAR_HEIGHT
