"""Identity tables: failed sign-ins and lockouts, hashed expiring API tokens, and identities at the OpenID provider.

Written only by searchlog.lockout and searchlog.tokens (and read by the admin).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class SignInFailure(models.Model):
    """One failed sign-in: the name tried and where from (pages, API and admin alike)."""

    at = models.DateTimeField()
    username = models.CharField(max_length=150, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["username", "at"], name="signinfailure_username_idx"),
            models.Index(fields=["ip_address", "at"], name="signinfailure_address_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.username or '(no name)'} from {self.ip_address or '?'} at {self.at:%Y-%m-%d %H:%M:%S}"


class LockoutKind(models.TextChoices):
    USERNAME = "username", "Username"
    ADDRESS = "address", "Address"


class SignInLockout(models.Model):
    """A username (or an address) refused sign-in until `until`; ended early by an administrator, or at `until`."""

    kind = models.CharField(max_length=10, choices=LockoutKind.choices)
    key = models.CharField(max_length=150, help_text="The username, or the address.")
    started_at = models.DateTimeField()
    until = models.DateTimeField()
    failures = models.PositiveIntegerField(default=0)
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+", help_text="The administrator who unlocked it early.")

    class Meta:
        ordering = ["-started_at"]
        constraints = [
            # At most one open lockout per name or address, however many failures arrive at once.
            models.UniqueConstraint(fields=["kind", "key"], condition=Q(ended_at__isnull=True),
                                    name="signinlockout_one_open"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.key} until {self.until:%Y-%m-%d %H:%M}"


class ApiToken(models.Model):
    """An API token, kept only as the SHA-256 of the random secret the user was given once."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    digest = models.CharField(max_length=64, unique=True, help_text="SHA-256 of the token (hex).")
    hint = models.CharField(max_length=8, blank=True, help_text="The token's first characters, to tell it apart.")
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_reason = models.CharField(max_length=40, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "revoked_at"], name="apitoken_user_idx")]

    def __str__(self) -> str:
        return f"{self.hint}… of {self.user_id}"


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
