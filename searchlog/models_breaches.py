"""The breach register: a possible personal data breach found by closing an escalation ("breach referred")."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import models
from django.db.models import Q

# UK GDPR Article 33: a notifiable breach goes to the ICO within 72 hours of the organisation becoming aware.
ICO_HOURS = 72


class Breach(models.Model):
    """One entry in the breach register (information governance only)."""

    escalation = models.OneToOneField("searchlog.Escalation", on_delete=models.PROTECT, related_name="breach")
    record = models.ForeignKey("searchlog.SearchRecord", on_delete=models.PROTECT, related_name="breaches")
    opened_by = models.ForeignKey("searchlog.User", on_delete=models.PROTECT, related_name="+")
    opened_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    found_at = models.DateTimeField(
        help_text="When the organisation became aware of it: the ICO's 72 hours run from here.")
    person_told = models.BooleanField(null=True, blank=True, help_text="Whether the person was told (blank: not yet "
                                                                       "decided).")
    person_told_at = models.DateTimeField(null=True, blank=True)
    dpo_reported_at = models.DateTimeField(null=True, blank=True, help_text="When it was reported to the DPO.")
    ico_reported_at = models.DateTimeField(null=True, blank=True, help_text="When it was reported to the ICO.")
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["-found_at", "-id"]
        verbose_name_plural = "breaches"
        constraints = [
            models.CheckConstraint(
                condition=Q(person_told=True) | Q(person_told_at__isnull=True), name="breach_told_when_told",
            ),
        ]

    def __str__(self) -> str:
        return f"Breach {self.pk} (record {self.record_id})"

    @property
    def ico_deadline(self) -> datetime:
        return self.found_at + timedelta(hours=ICO_HOURS)
