"""Quality sampling: information governance draws a reproducible random sample of signed-off records for a period
and gives each a second review; a disagreement is put to the manager who signed the record off.

Reproducible: the draw is a pure function of the records signed off in the period (in id order) and a recorded
seed, so the same seed over the same period draws the same records, and anyone can check a sample was random.
"""

from __future__ import annotations

import math
import secrets
from collections.abc import Iterator, Sequence
from datetime import date, timedelta
from random import Random
from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from searchlog import clock, exports, reminders, selectors
from searchlog.audit import ACTIONS, audit_append, value_hash
from searchlog.errors import NotPermitted, RecordInvalid
from searchlog.models import (
    NotificationKind,
    QualitySample,
    QualitySampleItem,
    SampleOutcome,
    User,
)
from searchlog.workflow import text_error

ACTIONS.update({
    "quality_sample.draw": "Quality sample drawn",
    "quality_sample.review": "Sampled record reviewed",
    "quality_sample.view": "Quality sample viewed",
    "quality_sample.list": "Quality samples listed",
})

# Seeds are whole numbers that fit PostgreSQL's bigint.
MAX_SEED = 2**63 - 1
# An outcome other than agreement must say why.
_NEEDS_COMMENT = (SampleOutcome.DISAGREE, SampleOutcome.NEEDS_FOLLOW_UP)


def sample_size(population: int, *, percentage: int | None, size: int | None) -> int:
    """How many records to draw: a percentage rounded up (so 1% of 50 is 1, not 0), or a number, at most all."""
    wanted = math.ceil(population * percentage / 100) if percentage is not None else size or 0
    return min(wanted, population)


def _shares(counts: Sequence[int], size: int) -> list[int]:
    """Split `size` across strata in proportion to their counts (largest remainder; ties to the earlier stratum)."""
    total = sum(counts)
    exact = [size * n / total for n in counts]
    shares = [math.floor(x) for x in exact]
    by_remainder = sorted(range(len(counts)), key=lambda i: (-(exact[i] - shares[i]), i))
    for i in by_remainder[: size - sum(shares)]:
        shares[i] += 1
    return shares


def draw(population: Sequence[tuple[int, int]], *, seed: int, size: int, stratify: bool) -> list[int]:
    """The record ids drawn from (record id, team id) pairs, in draw order: a pure function of its arguments."""
    rows = sorted(population)
    rng = Random(seed)  # noqa: S311 - reproducibility is the point, not secrecy
    if not stratify:
        return rng.sample([pk for pk, _ in rows], size)
    teams = sorted({team for _, team in rows})
    strata = [[pk for pk, team_id in rows if team_id == team] for team in teams]
    chosen: list[int] = []
    for members, share in zip(strata, _shares([len(m) for m in strata], size), strict=True):
        chosen += rng.sample(members, share)
    return chosen


def _period_errors(period_from: date | None, period_to: date | None) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if period_from is None:
        errors["period_from"] = ["Enter the first day of the period"]
    if period_to is None:
        errors["period_to"] = ["Enter the last day of the period"]
    if errors:
        return errors
    try:
        exports.check_period(period_from, period_to)
    except RecordInvalid as error:
        names = {"from": "period_from", "to": "period_to"}
        return {names.get(field, field): messages for field, messages in error.errors.items()}
    return {}


def _size_errors(percentage: Any, size: Any) -> dict[str, list[str]]:
    def whole(value: Any) -> bool:
        return isinstance(value, int) and not isinstance(value, bool)

    if percentage is None and size is None:
        return {"percentage": ["Enter a percentage or a number of records"]}
    if percentage is not None and size is not None:
        return {"percentage": ["Enter either a percentage or a number of records, not both"]}
    if percentage is not None and not (whole(percentage) and 1 <= percentage <= 100):
        return {"percentage": ["Percentage must be a whole number from 1 to 100"]}
    if size is not None and not (whole(size) and size >= 1):
        return {"size": ["Number of records must be a whole number, 1 or more"]}
    return {}


def _long_day(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


@transaction.atomic
def quality_sample_draw(*, actor: User, period_from: date | None, period_to: date | None,
                        percentage: int | None = None, size: int | None = None, stratify_by_team: bool = False,
                        seed: int | None = None, request: HttpRequest | None = None) -> QualitySample:
    """Draw a sample of the records signed off in the period (local days, inclusive); refuse an empty period."""
    if not actor.is_auditor:
        raise NotPermitted("Only information governance draws quality samples.")
    errors = {**_period_errors(period_from, period_to), **_size_errors(percentage, size)}
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed <= MAX_SEED):
        errors["seed"] = [f"Seed must be a whole number from 0 to {MAX_SEED}"]
    if errors:
        raise RecordInvalid(errors)
    assert period_from is not None and period_to is not None  # checked above  # noqa: S101
    records = selectors.signed_off_between(exports.day_start(period_from),
                                           exports.day_start(period_to + timedelta(days=1)))
    population = list(records.values_list("pk", "team_id"))
    if not population:
        raise RecordInvalid({"period_from": [
            f"No records were signed off from {_long_day(period_from)} to {_long_day(period_to)}: "
            "choose another period"]})
    seed = secrets.randbelow(MAX_SEED) if seed is None else seed
    chosen = draw(population, seed=seed, size=sample_size(len(population), percentage=percentage, size=size),
                  stratify=stratify_by_team)
    sample = QualitySample.objects.create(
        created_by=actor, created_at=clock.now(), period_from=period_from, period_to=period_to,
        percentage=percentage, size_requested=size, stratify_by_team=stratify_by_team, seed=seed,
        population=len(population))
    QualitySampleItem.objects.bulk_create(
        [QualitySampleItem(sample=sample, record_id=pk, position=n) for n, pk in enumerate(chosen, start=1)])
    audit_append(action="quality_sample.draw", actor=actor, obj_type="quality_sample", obj_id=sample.label,
                 request=request, changes={
                     "period_from": period_from.isoformat(), "period_to": period_to.isoformat(),
                     "percentage": percentage, "size": size, "stratify_by_team": stratify_by_team, "seed": seed,
                     "population": len(population), "drawn": len(chosen)})
    return sample


@transaction.atomic
def quality_sample_review(*, item: QualitySampleItem, actor: User, outcome: str, comment: str = "",
                          request: HttpRequest | None = None) -> QualitySampleItem:
    """Record the second review of one sampled record; a new disagreement is put to the manager who signed it off."""
    if not actor.is_auditor:
        raise NotPermitted("Only information governance reviews sampled records.")
    comment = (comment or "").strip() if isinstance(comment, str) else comment
    errors: dict[str, list[str]] = {}
    if outcome not in SampleOutcome.values:
        errors["outcome"] = ["Select agree, disagree or needs follow-up"]
    if message := text_error(comment, "Comment"):
        errors["comment"] = [message]
    elif outcome in _NEEDS_COMMENT and not comment:
        errors["comment"] = ["Enter why: the manager who signed it off will read it"]
    if errors:
        raise RecordInvalid(errors)
    item = QualitySampleItem.objects.select_for_update(of=("self",)).select_related("record", "sample").get(
        pk=item.pk)
    newly_disagreed = outcome == SampleOutcome.DISAGREE and item.outcome != SampleOutcome.DISAGREE
    item.outcome, item.comment, item.reviewed_by, item.reviewed_at = outcome, comment, actor, clock.now()
    item.save(update_fields=["outcome", "comment", "reviewed_by", "reviewed_at"])
    audit_append(action="quality_sample.review", actor=actor, obj_type="quality_sample", obj_id=item.sample.label,
                 request=request, changes={"reference": item.record.reference, "outcome": outcome,
                                           "comment": value_hash(comment) if comment else ""})
    signer = item.record.reviewed_by_id
    if newly_disagreed and signer and signer != actor.pk:
        reminders.notify(recipients=[signer], kind=NotificationKind.SAMPLE_DISAGREEMENT, record=item.record)
    return item


RESULT_HEADER = ["Sample", "Position", "Reference", "Team", "Practitioner", "Signed off by", "Signed off at",
                 "Outcome", "Comment", "Reviewed by", "Reviewed at"]


def _when(moment: Any) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


def _result_lines(sample: QualitySample) -> Iterator[str]:
    outcomes = dict(SampleOutcome.choices)
    yield exports.csv_line(RESULT_HEADER)
    for item in selectors.sample_items(sample):
        record = item.record
        cells = [sample.label, str(item.position), record.reference, record.team.name,
                 record.practitioner.name_and_title, record.reviewed_by.name_and_title if record.reviewed_by else "",
                 _when(record.signed_off_at), outcomes.get(item.outcome, "Not reviewed yet"), item.comment,
                 item.reviewed_by.username if item.reviewed_by else "", _when(item.reviewed_at)]
        yield exports.csv_line([exports.neutralise(cell) for cell in cells])


def sample_results_csv(*, user: User, sample: QualitySample,
                       request: HttpRequest | None = None) -> exports.Export:
    """A sample's records and their outcomes as CSV (the sample came from quality_sample_visible_to); audited."""
    rows = sample.items.count()
    audit_append(action="export", actor=user, obj_type="quality-sample.csv", obj_id=sample.label,
                 changes={"filters": {}, "rows": rows}, request=request)
    return exports.Export(kind="quality-sample.csv", filename=f"quality-sample-{sample.label}.csv",
                          content_type="text/csv; charset=utf-8", rows=rows, chunks=_result_lines(sample))
