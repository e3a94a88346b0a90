"""Who a person is at the organisation's OpenID provider: the provider's subject identifier, linked to a user."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class ExternalIdentity(models.Model):
    """One (issuer, subject) pair at an OpenID provider, linked to one searchlog user.

    The subject identifier is the provider's stable name for the person; an email address can be reused or renamed,
    so it is used only once, to link on the first sign-in.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="external_identities")
    issuer = models.URLField(max_length=300)
    subject = models.CharField(max_length=255)
    linked_at = models.DateTimeField()
    last_sign_in_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["issuer", "subject"], name="external_identity_unique_subject"),
            # One identity per provider per user: a second subject cannot take over an account already linked.
            models.UniqueConstraint(fields=["issuer", "user"], name="external_identity_one_per_user"),
        ]
        verbose_name = "single sign-on identity"

    def __str__(self) -> str:
        return f"{self.subject} at {self.issuer}"
