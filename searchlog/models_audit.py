"""The audit trail's tables: events appended by every request, and the seals that chain them afterwards.

Both tables are insert-only for the app (its database role may only SELECT and INSERT them; triggers refuse UPDATE
and DELETE for everyone else). See searchlog.audit for how events are written, sealed and verified.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

MAC_PATTERN = r"^[0-9a-f]{64}$"


class AuditEvent(models.Model):
    """One thing someone did: who, what, to which object, when, from where, and which fields changed.

    Written only by audit.audit_append, with a plain INSERT in the caller's transaction. `changes` names the fields
    that changed with keyed hashes of their values, never the answers themselves.
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
    changes = models.JSONField(default=dict, blank=True, help_text="Fields changed (keyed hashes) or other details.")
    # PostgreSQL's txid_current() of the writing transaction: the sealer never seals past a transaction that may
    # still be running (empty on SQLite, where writers take turns).
    txid = models.BigIntegerField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["action", "-id"], name="auditevent_action_idx"),
            models.Index(fields=["actor_username", "-id"], name="auditevent_actor_idx"),
            models.Index(fields=["object_id", "-id"], name="auditevent_object_idx"),
            models.Index(fields=["txid", "id"], name="auditevent_txid_idx"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.action} {self.object_type} {self.object_id}".strip()


class AuditSeal(models.Model):
    """An event's place in the chain: seal `seq` covers event `event_id` and the seal before it (HMAC-SHA256).

    Written only by audit.audit_seal, one row per event, never updated: the unique seq and event make a second
    sealer running at the same time fail instead of sealing anything twice.
    """

    seq = models.BigIntegerField(primary_key=True)
    event_id = models.BigIntegerField(unique=True)
    event_txid = models.BigIntegerField(null=True, blank=True)
    mac = models.CharField(max_length=64)
    sealed_at = models.DateTimeField()

    class Meta:
        ordering = ["seq"]
        constraints = [
            models.CheckConstraint(condition=Q(mac__regex=MAC_PATTERN), name="auditseal_mac_hex"),
            models.CheckConstraint(condition=Q(seq__gte=1), name="auditseal_seq_positive"),
        ]

    def __str__(self) -> str:
        return f"seal {self.seq} of event {self.event_id}"
