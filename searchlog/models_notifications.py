"""Notices to people: reminders and other notifications (email and in the app), and privacy checks."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from searchlog import clock


class NotificationKind(models.TextChoices):
    UNJUSTIFIED = "unjustified", "Record not yet justified"
    UNJUSTIFIED_MANAGER = "unjustified_manager", "A team record is still not justified"
    RETURNED = "returned", "Returned record not yet resubmitted"
    REVIEW_DIGEST = "review_digest", "Records waiting for your sign-off"
    PRIVACY_CHECK = "privacy_check", "Review your own social media privacy settings"
    RECORD_SUBMITTED = "record_submitted", "A record is waiting for your review"
    RECORD_RETURNED = "record_returned", "A record was returned to you"
    IG_REVIEW = "ig_review", "A record needs sign-off by information governance"
    RECORD_ESCALATED = "record_escalated", "A record was escalated to information governance"
    ESCALATION_CLOSED = "escalation_closed", "An escalation of your record was closed"
    ICO_DEADLINE_NEAR = "ico_deadline_near", "A breach must be reported to the ICO soon"
    ICO_DEADLINE_PASSED = "ico_deadline_passed", "A breach is past its ICO reporting deadline"
    EMERGENCY_RECORD = "emergency_record", "An emergency search was recorded in your team"
    DRAFT_NOT_SUBMITTED = "draft_not_submitted", "A complete draft not yet submitted"
    APPROVAL_REQUESTED = "approval_requested", "A planned search is waiting for your decision"
    APPROVAL_WAITING = "approval_waiting", "A planned search is still waiting for a decision"
    APPROVAL_DECIDED = "approval_decided", "Your request to search was decided"
    APPROVAL_CANCELLED = "approval_cancelled", "A prior approval was cancelled"
    APPROVAL_EXPIRING = "approval_expiring", "An approval is about to expire with no search recorded"
    APPROVAL_RECORD_NOT_SUBMITTED = "approval_record_open", "A search under an approval is not yet submitted"
    SAMPLE_DISAGREEMENT = "sample_disagreement", "A record you signed off was questioned in a quality sample"


class EmailStatus(models.TextChoices):
    PENDING = "pending", "Waiting to be emailed"
    SENDING = "sending", "Being emailed"
    SENT = "sent", "Emailed"
    FAILED = "failed", "Could not be emailed"
    SKIPPED = "skipped", "Not emailed: the recipient has no email address"


class Notification(models.Model):
    """One notice to one person, for one due moment: written once, emailed once, shown in the app.

    The unique constraints make a reminder for the same person, record, kind and due moment
    impossible to write twice, however many sweeps run at once.
    """

    recipient = models.ForeignKey("searchlog.User", on_delete=models.PROTECT, related_name="notifications")
    kind = models.CharField(max_length=30, choices=NotificationKind.choices)
    record = models.ForeignKey(
        "searchlog.SearchRecord", on_delete=models.PROTECT, null=True, blank=True, related_name="notifications"
    )
    approval = models.ForeignKey(
        "searchlog.Approval", on_delete=models.PROTECT, null=True, blank=True, related_name="notifications"
    )
    due_at = models.DateTimeField(help_text="The due moment this notice belongs to.")
    detail = models.JSONField(default=dict, blank=True, help_text="For a digest: the references it lists.")
    created_at = models.DateTimeField()
    emailed_at = models.DateTimeField(null=True, blank=True, help_text="When the email was sent.")
    read_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(
        null=True, blank=True,
        help_text="When the record moved on and the notice no longer asks anything (shown as done, not new).",
    )
    # Delivery state: a sender claims one pending row (pending -> sending), sends it, then marks it
    # sent; a claim older than the stale timeout is a sender that died and may be taken over.
    email_status = models.CharField(max_length=10, choices=EmailStatus.choices, default=EmailStatus.PENDING)
    email_claimed_at = models.DateTimeField(null=True, blank=True, help_text="When a sender last claimed it.")
    email_attempts = models.PositiveIntegerField(default=0, help_text="How many times sending was started.")
    email_next_attempt_at = models.DateTimeField(
        default=clock.now, help_text="A pending email is not sent before this moment (back-off after a failure)."
    )
    email_error = models.CharField(max_length=500, blank=True, help_text="Why the last attempt failed.")

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "read_at"]),
            # The outbox: only rows waiting to be sent, in the order they fall due.
            models.Index(
                fields=["email_next_attempt_at", "id"], condition=Q(email_status="pending"),
                name="notification_outbox_idx",
            ),
            # Claims in flight, to find one a dead sender left behind.
            models.Index(
                fields=["email_claimed_at"], condition=Q(email_status="sending"), name="notification_sending_idx"
            ),
            models.Index(fields=["created_at"], name="notification_created_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "kind", "record", "due_at"], condition=Q(record__isnull=False),
                name="notification_once_per_record_slot",
            ),
            models.UniqueConstraint(
                fields=["recipient", "kind", "due_at"], condition=Q(record__isnull=True, approval__isnull=True),
                name="notification_once_per_slot",
            ),
            models.UniqueConstraint(
                fields=["recipient", "kind", "approval", "due_at"], condition=Q(approval__isnull=False),
                name="notification_once_per_approval_slot",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} for {self.recipient_id} due {self.due_at:%Y-%m-%d %H:%M}"


class PrivacyCheck(models.Model):
    """A practitioner's confirmation that they reviewed their own social media privacy settings."""

    user = models.ForeignKey("searchlog.User", on_delete=models.PROTECT, related_name="privacy_checks")
    at = models.DateTimeField()

    class Meta:
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"Privacy check by {self.user_id} at {self.at:%Y-%m-%d}"
