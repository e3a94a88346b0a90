"""Retention and disposal: anonymise records past the retention period, unless on legal hold, and log it.

A record's last activity is the latest of its own last change (every answer change and transition moves
`updated_at`) and its newest addendum. When that is more than SEARCHLOG_RETENTION_YEARS ago, the record is anonymised
in place: the subject reference becomes a keyed hash (the same person keeps the same hash, so repeat counts still
add up), initials go, free text and comments read "Removed under the retention schedule on <date>", profile
addresses go; its revisions' answers, addenda, escalation comments and breach notes likewise. Counts, dates, choices
and flags stay, for statistics. The audit trail is never touched: it holds keyed hashes, never answers.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Exists, F, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce, ExtractYear, Greatest

from searchlog import clock
from searchlog.audit import audit_append, value_hash
from searchlog.errors import DomainError, NotPermitted, RecordInvalid, RecordNotFound, TransitionNotAllowed
from searchlog.formatting import day
from searchlog.models import (
    Addendum,
    Breach,
    Disposal,
    DisposalRun,
    Escalation,
    LegalHold,
    RecordRevision,
    SearchRecord,
    Transition,
    User,
    subject_key,
)

# The answers that are free text (or may name someone): replaced by the removal notice.
FREE_TEXT_FIELDS = (
    "platforms_other", "search_terms", "purpose", "consent_details", "justification", "alternatives_considered",
    "collateral_intrusion", "special_category_condition", "findings", "actions_taken_details", "information_retained",
)
ANONYMISED_PREFIX = "anon-"
CHUNK = 200


class RetentionRefused(DomainError):
    """The retention setting is under the minimum the schedule promises: nothing is done."""


def retention_years() -> int:
    """SEARCHLOG_RETENTION_YEARS, refused when under SEARCHLOG_RETENTION_MIN_YEARS."""
    years, minimum = settings.SEARCHLOG_RETENTION_YEARS, settings.SEARCHLOG_RETENTION_MIN_YEARS
    if years < minimum:
        raise RetentionRefused(
            f"SEARCHLOG_RETENTION_YEARS is {years}: the retention period must be at least {minimum} years "
            f"(SEARCHLOG_RETENTION_MIN_YEARS). Nothing was anonymised.")
    return years


def retention_cutoff(now: datetime, years: int) -> datetime:
    """The moment `years` calendar years before now (29 February goes back to 28 February)."""
    try:
        return now.replace(year=now.year - years)
    except ValueError:
        return now.replace(year=now.year - years, day=28)


def with_last_activity(records: QuerySet[SearchRecord]) -> QuerySet[SearchRecord]:
    """The records with `last_activity`: the later of their last change and their newest addendum."""
    newest_addendum = Addendum.objects.filter(record=OuterRef("pk")).order_by("-at").values("at")[:1]
    return records.annotate(last_activity=Greatest("updated_at", Coalesce(Subquery(newest_addendum), "updated_at")))


def _on_hold() -> Exists:
    return Exists(LegalHold.objects.filter(record=OuterRef("pk"), released_at__isnull=True))


def _past(cutoff: datetime) -> QuerySet[SearchRecord]:
    """Records past the period that are not anonymised yet (held or not)."""
    return with_last_activity(SearchRecord.objects.filter(disposal__isnull=True)).filter(last_activity__lt=cutoff)


def records_due(cutoff: datetime) -> QuerySet[SearchRecord]:
    """The records to anonymise now: past the period, not yet anonymised, not on legal hold."""
    return _past(cutoff).filter(~_on_hold())


@dataclass
class RetentionResult:
    """What a run did (or, dry, would do): counts by (year of last activity, team), and how many were held."""

    dry_run: bool
    years: int
    cutoff: datetime
    by_year_and_team: list[tuple[int, str, int]] = field(default_factory=list)
    held: int = 0
    run: DisposalRun | None = None

    @property
    def total(self) -> int:
        return sum(count for _, _, count in self.by_year_and_team)

    def lines(self) -> Iterator[str]:
        """The report the command prints."""
        yield (f"Retention period: {self.years} years. Records whose last activity was before "
               f"{day(self.cutoff)} are anonymised.")
        if self.dry_run:
            yield "Dry run: nothing was changed."
        verb = "Would anonymise" if self.dry_run else "Anonymised"
        if self.by_year_and_team:
            yield f"{'Year':<6}{'Team':<40}Records"
            for year, team, count in self.by_year_and_team:
                yield f"{year:<6}{team[:38]:<40}{count}"
        yield f"{verb} {self.total} record{'' if self.total == 1 else 's'}; {self.held} kept on legal hold."
        if self.run is not None:
            yield f"Disposal log: run {self.run.pk}."


def _plan(cutoff: datetime) -> tuple[list[tuple[int, str, int]], int]:
    rows = (records_due(cutoff).annotate(year=ExtractYear("last_activity")).order_by()
            .values_list("year", "team__name").annotate(n=Count("pk")).order_by("year", "team__name"))
    held = _past(cutoff).filter(_on_hold()).count()
    return [(year, team, n) for year, team, n in rows], held


def retention_apply(*, dry_run: bool = False, started_by: str = "apply_retention",
                    now: datetime | None = None) -> RetentionResult:
    """Anonymise every record past the retention period and not on legal hold, logging each; a dry run only
    counts them. Refused (RetentionRefused) when the period is under the minimum."""
    years = retention_years()
    now = now or clock.now()
    cutoff = retention_cutoff(now, years)
    by_year_and_team, held = _plan(cutoff)
    result = RetentionResult(dry_run=dry_run, years=years, cutoff=cutoff, by_year_and_team=by_year_and_team,
                             held=held)
    if dry_run:
        return result
    run = DisposalRun.objects.create(started_at=now, retention_years=years, cutoff=cutoff, started_by=started_by,
                                     held=held)
    done, picked = 0, True
    while picked:
        picked, anonymised = _anonymise_batch(run, cutoff, now)
        done += anonymised
    run.records, run.finished_at = done, clock.now()
    run.save(update_fields=["records", "finished_at"])
    audit_append(action="retention.apply", actor=None, obj_type="disposal_run", obj_id=str(run.pk),
                 changes={"records": done, "held": held, "years": years, "cutoff": cutoff})
    result.run = run
    return result


@transaction.atomic
def _anonymise_batch(run: DisposalRun, cutoff: datetime, now: datetime) -> tuple[int, int]:
    """Anonymise up to CHUNK due records in one transaction (locked, so a record changed meanwhile is re-read)."""
    ids = list(records_due(cutoff).order_by("pk").values_list("pk", flat=True)[:CHUNK])
    records = list(with_last_activity(SearchRecord.objects.filter(pk__in=ids)).annotate(on_hold=_on_hold())
                   .select_for_update(of=("self",)).select_related("team").order_by("pk"))
    notice = removal_notice(now)
    anonymised = 0
    for record in records:
        if record.last_activity >= cutoff or record.on_hold:
            continue  # touched or held since it was picked: not due any more (and not picked again)
        _anonymise(record, notice)
        Disposal.objects.create(run=run, record=record, reference=record.reference, team_name=record.team.name,
                                last_activity_at=record.last_activity, anonymised_at=now)
        anonymised += 1
    return len(ids), anonymised


def removal_notice(now: datetime) -> str:
    return f"Removed under the retention schedule on {day(now)}"


def anonymised_reference(reference: str) -> str:
    """The keyed hash that replaces a subject reference: the same person, the same hash; nobody can read it back."""
    return ANONYMISED_PREFIX + value_hash(subject_key(reference))


def _anonymise(record: SearchRecord, notice: str) -> None:
    hashed = anonymised_reference(record.subject_reference)
    changes: dict[str, Any] = {"subject_reference": hashed, "subject_key": hashed, "subject_initials": "",
                               "profile_urls": []}
    changes.update({name: notice for name in FREE_TEXT_FIELDS if getattr(record, name)})
    SearchRecord.objects.filter(pk=record.pk).update(**changes)
    for revision in RecordRevision.objects.filter(record=record):
        revision.answers = _anonymised_answers(revision.answers, hashed, notice)
        revision.save(update_fields=["answers"])
    Addendum.objects.filter(record=record).update(text=notice)
    Transition.objects.filter(record=record).exclude(comment="").update(comment=notice)
    Escalation.objects.filter(record=record).update(comment=notice)
    Escalation.objects.filter(record=record).exclude(closing_comment="").update(closing_comment=notice)
    Breach.objects.filter(record=record).exclude(notes="").update(notes=notice)


def _anonymised_answers(answers: dict[str, Any], hashed: str, notice: str) -> dict[str, Any]:
    answers = dict(answers)
    answers.update(subject_reference=hashed, subject_initials="", profile_urls=[])
    answers.update({name: notice for name in FREE_TEXT_FIELDS if answers.get(name)})
    return answers


# Legal holds: information governance keeps a record out of disposal, with a reason.

def legal_holds_for(user: User) -> QuerySet[LegalHold]:
    """Every legal hold, in force first: for information governance only."""
    if not (user.is_authenticated and user.is_active and user.is_auditor):
        return LegalHold.objects.none()
    return LegalHold.objects.select_related("record", "placed_by", "released_by").order_by(
        F("released_at").desc(nulls_first=True), "-placed_at")


@transaction.atomic
def legal_hold_place(*, reference: str, actor: User, reason: str) -> LegalHold:
    """Keep a record out of disposal until released; refused without a reason or when a hold is already in force."""
    if not (actor.is_authenticated and actor.is_active and actor.is_auditor):
        raise RecordNotFound(reference)
    reason = (reason or "").strip()
    if not reason:
        raise RecordInvalid({"reason": ["Enter why the record must be kept"]})
    try:
        record = SearchRecord.objects.select_for_update(of=("self",)).get(reference=reference)
    except SearchRecord.DoesNotExist:
        raise RecordNotFound(reference) from None
    if LegalHold.objects.filter(record=record, released_at__isnull=True).exists():
        raise TransitionNotAllowed(f"Record {record.reference} is already on legal hold.")
    if Disposal.objects.filter(record=record).exists():
        raise TransitionNotAllowed(f"Record {record.reference} has already been anonymised.")
    hold = LegalHold.objects.create(record=record, reason=reason, placed_by=actor, placed_at=clock.now())
    audit_append(action="legal_hold.place", actor=actor, obj_type="record", obj_id=record.reference,
                 changes={"hold": hold.pk, "reason": value_hash(reason)})
    return hold


@transaction.atomic
def legal_hold_release(*, hold: LegalHold, actor: User) -> LegalHold:
    """End a legal hold: the record is disposed of at the next run if it is past the period."""
    if not (actor.is_authenticated and actor.is_active and actor.is_auditor):
        raise NotPermitted("Only information governance can release a legal hold.")
    # One lock order everywhere: the record's row, then the hold's own row (never the record through a join).
    list(SearchRecord.objects.select_for_update(of=("self",)).filter(pk=hold.record_id).values_list("pk", flat=True))
    hold = LegalHold.objects.select_for_update(of=("self",)).select_related("record").get(pk=hold.pk)
    if not hold.in_force:
        raise TransitionNotAllowed("This legal hold has already been released.")
    hold.released_by, hold.released_at = actor, clock.now()
    hold.save(update_fields=["released_by", "released_at"])
    audit_append(action="legal_hold.release", actor=actor, obj_type="record", obj_id=hold.record.reference,
                 changes={"hold": hold.pk})
    return hold


def legal_hold_for(user: User, pk: int | str) -> LegalHold:
    try:
        return legal_holds_for(user).get(pk=int(pk))
    except (LegalHold.DoesNotExist, ValueError, TypeError):
        raise RecordNotFound(str(pk)) from None

