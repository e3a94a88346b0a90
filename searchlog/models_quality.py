"""Quality sampling: a reproducible random sample of signed-off records, each given a second review."""

from __future__ import annotations

from django.db import models
from django.db.models import Q


class SampleOutcome(models.TextChoices):
    AGREE = "agree", "Agree with the sign-off"
    DISAGREE = "disagree", "Disagree with the sign-off"
    NEEDS_FOLLOW_UP = "needs_follow_up", "Needs follow-up"


class QualitySample(models.Model):
    """One draw: the period, how many, the seed, and how many records it was drawn from."""

    created_by = models.ForeignKey("searchlog.User", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()
    period_from = models.DateField(help_text="First day of sign-off (Europe/London, inclusive).")
    period_to = models.DateField(help_text="Last day of sign-off (Europe/London, inclusive).")
    percentage = models.PositiveSmallIntegerField(null=True, blank=True, help_text="Share of the records asked for.")
    size_requested = models.PositiveIntegerField(null=True, blank=True, help_text="Number of records asked for.")
    stratify_by_team = models.BooleanField(default=False, help_text="Each team sampled in proportion to its size.")
    seed = models.BigIntegerField(help_text="The random seed: the same seed over the same records draws the same.")
    population = models.PositiveIntegerField(help_text="How many signed-off records the sample was drawn from.")

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(percentage__isnull=False) & Q(size_requested__isnull=True)
                           & Q(percentage__gte=1) & Q(percentage__lte=100))
                | (Q(percentage__isnull=True) & Q(size_requested__gte=1)),
                name="quality_sample_percentage_or_size",
            ),
            models.CheckConstraint(condition=Q(period_to__gte=models.F("period_from")),
                                   name="quality_sample_period_in_order"),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return f"QS-{self.pk:06d}" if self.pk else "QS-new"


class QualitySampleItem(models.Model):
    """One sampled record and its second review (blank outcome: not yet reviewed)."""

    sample = models.ForeignKey(QualitySample, on_delete=models.PROTECT, related_name="items")
    record = models.ForeignKey("searchlog.SearchRecord", on_delete=models.PROTECT, related_name="sample_items")
    position = models.PositiveIntegerField(help_text="Its place in the draw (1 for the first).")
    outcome = models.CharField(max_length=20, choices=SampleOutcome.choices, blank=True)
    comment = models.TextField(blank=True)
    reviewed_by = models.ForeignKey(
        "searchlog.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    reviewed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["sample", "position"]
        constraints = [
            models.UniqueConstraint(fields=["sample", "record"], name="quality_item_record_once"),
            models.UniqueConstraint(fields=["sample", "position"], name="quality_item_position_once"),
            models.CheckConstraint(condition=Q(outcome__in=[*SampleOutcome.values, ""]),
                                   name="quality_item_outcome_valid"),
            models.CheckConstraint(
                condition=Q(outcome="", reviewed_at__isnull=True)
                | (~Q(outcome="") & Q(reviewed_at__isnull=False) & Q(reviewed_by__isnull=False)),
                name="quality_item_reviewed_has_reviewer",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.sample_id} item {self.position}"
