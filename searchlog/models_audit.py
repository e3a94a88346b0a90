"""The audit trail's table: append-only, hash-chained events (see searchlog.audit for the chain)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

HASH_PATTERN = r"^[0-9a-f]{64}$"


class AuditEvent(models.Model):
    """One thing someone did: who, what, to which object, when, from where, and what changed.

    Written only by audit.audit_append. The database refuses UPDATE and DELETE (migration 0002_audit), and each
    event's hash covers the previous event's hash, so audit.audit_verify detects an altered, removed or forged event.
    """

    id = models.BigAutoField(primary_key=True)
    at = models.DateTimeField(db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        help_text="Empty for an anonymous visitor or a failed sign-in.",
    )
    actor_username = models.CharField(max_length=150, blank=True, help_text="Kept as it was at the time.")
    action = models.CharField(max_length=40, help_text="For example record.submit, export, auth.sign_in.")
    object_type = models.CharField(max_length=60, blank=True)
    object_id = models.CharField(max_length=100, blank=True, help_text="For a record, its reference.")
    request_id = models.CharField(max_length=64, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    changes = models.JSONField(default=dict, blank=True, help_text="{field: [old, new]} or other details.")
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["action", "-id"], name="auditevent_action_idx"),
            models.Index(fields=["actor_username", "-id"], name="auditevent_actor_idx"),
            models.Index(fields=["object_id", "-id"], name="auditevent_object_idx"),
        ]
        constraints = [
            # Two events claiming the same predecessor would be a fork in the chain.
            models.UniqueConstraint(fields=["prev_hash"], name="auditevent_prev_hash_unique"),
            models.CheckConstraint(
                condition=Q(hash__regex=HASH_PATTERN) & Q(prev_hash__regex=HASH_PATTERN),
                name="auditevent_hashes_hex",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.action} {self.object_type} {self.object_id}".strip()
