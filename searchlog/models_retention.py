"""Retention and disposal: legal holds that exempt a record, and the log of what each retention run anonymised."""

from __future__ import annotations

from django.db import models
from django.db.models import Q


class LegalHold(models.Model):
    """Information governance keeps a record out of disposal (litigation, an investigation, a complaint)."""

    record = models.ForeignKey("searchlog.SearchRecord", on_delete=models.PROTECT, related_name="legal_holds")
    reason = models.TextField(help_text="Why the record must be kept past its retention period.")
    placed_by = models.ForeignKey("searchlog.User", on_delete=models.PROTECT, related_name="+")
    placed_at = models.DateTimeField()
    released_by = models.ForeignKey("searchlog.User", on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+")
    released_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-placed_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=~Q(reason="") & Q(reason__regex=r"\S"), name="legal_hold_has_reason"),
            # One hold in force per record: placing a second is refused, not stacked.
            models.UniqueConstraint(fields=["record"], condition=Q(released_at__isnull=True),
                                    name="legal_hold_one_in_force"),
            models.CheckConstraint(condition=Q(released_at__isnull=True) | Q(released_by__isnull=False),
                                   name="legal_hold_released_by_someone"),
        ]

    def __str__(self) -> str:
        return f"Legal hold on {self.record_id}"

    @property
    def in_force(self) -> bool:
        return self.released_at is None


class DisposalRun(models.Model):
    """One real run of the retention schedule (a dry run changes nothing and leaves no run)."""

    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    retention_years = models.PositiveIntegerField()
    cutoff = models.DateTimeField(help_text="Records whose last activity was before this were anonymised.")
    started_by = models.CharField(max_length=60, help_text="What started it: the command, or Celery beat.")
    records = models.PositiveIntegerField(default=0, help_text="How many records it anonymised.")
    held = models.PositiveIntegerField(default=0, help_text="How many records past the period it kept (legal hold).")

    class Meta:
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"Retention run {self.pk} at {self.started_at:%Y-%m-%d %H:%M}"


class Disposal(models.Model):
    """One record anonymised under the retention schedule: which, when, by which run (a record is disposed once)."""

    run = models.ForeignKey(DisposalRun, on_delete=models.PROTECT, related_name="disposals")
    record = models.OneToOneField("searchlog.SearchRecord", on_delete=models.PROTECT, related_name="disposal")
    reference = models.CharField(max_length=20, help_text="The record's reference (kept: it names no one).")
    team_name = models.CharField(max_length=120)
    last_activity_at = models.DateTimeField()
    anonymised_at = models.DateTimeField()

    class Meta:
        ordering = ["-anonymised_at", "-id"]

    def __str__(self) -> str:
        return f"{self.reference} anonymised at {self.anonymised_at:%Y-%m-%d}"
