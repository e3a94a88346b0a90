"""Prior approval of a planned search: the request before, the record (its evaluation) after."""

from __future__ import annotations

from datetime import datetime

from django.db import models
from django.db.models import Q

# models.py imports this module at its end, once these choices exist.
from searchlog.models import AccountUsed, Platform, SubjectRelationship


class ApprovalStatus(models.TextChoices):
    REQUESTED = "requested", "Waiting for a decision"
    APPROVED = "approved", "Approved"
    REFUSED = "refused", "Refused"
    CANCELLED = "cancelled", "Cancelled"
    EXPIRED = "expired", "Expired"
    USED = "used", "Used"


class Approval(models.Model):
    """A practitioner's request to search about someone, and the decision on it."""

    status = models.CharField(max_length=20, choices=ApprovalStatus.choices, default=ApprovalStatus.REQUESTED)
    requested_by = models.ForeignKey("searchlog.User", on_delete=models.PROTECT, related_name="approval_requests")
    team = models.ForeignKey("searchlog.Team", on_delete=models.PROTECT, related_name="approvals")
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    subject_reference = models.CharField(max_length=60)
    subject_key = models.CharField(max_length=60, editable=False, default="")
    subject_relationship = models.CharField(max_length=20, choices=SubjectRelationship.choices, blank=True)
    purpose = models.TextField()
    justification = models.TextField(help_text="Why the search is necessary now.")
    alternatives_considered = models.TextField(help_text="Why no less intrusive way would do.")
    collateral_intrusion = models.TextField(help_text="Who else may be seen, and how that will be limited.")
    platforms = models.JSONField(default=list)
    platforms_other = models.CharField(max_length=200, blank=True)
    viewings = models.PositiveIntegerField(default=1, help_text="How many times the search may be made.")
    account_used = models.CharField(max_length=30, choices=AccountUsed.choices, blank=True)
    confidential_information = models.BooleanField(default=False)
    needed_for_days = models.PositiveIntegerField(default=7, help_text="How long the approval is needed for.")

    decided_by = models.ForeignKey(
        "searchlog.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_comment = models.TextField(blank=True)
    conditions = models.TextField(blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    cancelled_by = models.ForeignKey(
        "searchlog.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "expires_at"], name="approval_status_expiry_idx"),
            models.Index(fields=["team", "status"], name="approval_team_status_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=ApprovalStatus.values), name="approval_status_valid"),
            models.CheckConstraint(condition=Q(viewings__gte=1), name="approval_viewings_positive"),
            models.CheckConstraint(condition=Q(needed_for_days__gte=1), name="approval_needed_for_positive"),
            models.CheckConstraint(
                condition=Q(status=ApprovalStatus.REQUESTED) | ~Q(status=ApprovalStatus.REFUSED)
                | (Q(decided_at__isnull=False) & ~Q(decision_comment="")),
                name="approval_refused_has_reason",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=[ApprovalStatus.APPROVED, ApprovalStatus.USED, ApprovalStatus.EXPIRED])
                | (Q(decided_at__isnull=False) & Q(expires_at__isnull=False) & Q(decided_by__isnull=False)),
                name="approval_approved_has_expiry",
            ),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return f"PA-{self.pk:06d}" if self.pk else "PA-new"

    @property
    def was_approved(self) -> bool:
        return self.expires_at is not None and self.decided_at is not None

    def covers(self, moment: datetime | None) -> bool:
        """Whether a search at this moment was made while the approval was in force (decided, not yet expired or
        cancelled). The number of viewings is counted by the outside_approval flag, not here."""
        if moment is None or not self.was_approved or self.decided_at is None or self.expires_at is None:
            return False
        ended = min(self.expires_at, self.cancelled_at) if self.cancelled_at else self.expires_at
        # Pages take the time of a search to the minute: a search in the minute of the decision is after it.
        return self.decided_at.replace(second=0, microsecond=0) <= moment <= ended

    def get_platforms_display(self) -> list[str]:
        labels = dict(Platform.choices)
        return [labels.get(p, p) for p in self.platforms]
