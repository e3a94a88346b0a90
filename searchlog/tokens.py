"""API tokens: random, shown once, stored as SHA-256, expiring after SEARCHLOG_TOKEN_HOURS, revocable.

One token per successful POST /api/v1/auth/token/ (one per device or script). A password change or deactivation
revokes all of a user's tokens (searchlog.signals). Issuance and revocation are audited; the token itself is never
stored nor logged, only its digest and first characters (to tell tokens apart on the "Your API tokens" page).
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.db.models import QuerySet
from django.http import HttpRequest

from searchlog import clock
from searchlog.audit import ACTIONS, audit_append
from searchlog.models import ApiToken, User

ACTIONS.update({
    "token.issue": "API token issued",
    "token.revoke": "API token revoked",
    "token.revoke_all": "All API tokens revoked",
})
# Writing last_used_at on every request would cost a write per API call: once a minute is precise enough.
_LAST_USED_RESOLUTION = timedelta(minutes=1)
_HINT_CHARS = 6


def token_digest(raw: str) -> str:
    """SHA-256 of the token: the token has 256 random bits, so a plain hash cannot be reversed or guessed."""
    return hashlib.sha256(raw.encode()).hexdigest()


def token_issue(*, user: User, request: HttpRequest | None = None) -> tuple[str, ApiToken]:
    """Issue a new token for the user; return the token (shown once, never stored) and its row."""
    raw = secrets.token_urlsafe(32)
    now = clock.now()
    token = ApiToken.objects.create(
        user=user, digest=token_digest(raw), hint=raw[:_HINT_CHARS], created_at=now,
        expires_at=now + timedelta(hours=settings.SEARCHLOG_TOKEN_HOURS),
    )
    audit_append(action="token.issue", actor=user, obj_type="api_token", obj_id=str(token.pk),
                 changes={"expires_at": token.expires_at}, request=request)
    return raw, token


def token_authenticate(raw: str) -> ApiToken | None:
    """The live token with this value (not revoked, not expired, its user active), noting when it was last used."""
    if not raw or len(raw) > 200:
        return None
    now = clock.now()
    token = (ApiToken.objects.select_related("user")
             .filter(digest=token_digest(raw), revoked_at__isnull=True, expires_at__gt=now).first())
    if token is None or not token.user.is_active:
        return None
    if token.last_used_at is None or now - token.last_used_at >= _LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


def token_revoke(*, token: ApiToken, by: User, request: HttpRequest | None = None, reason: str = "revoked") -> bool:
    """Revoke one token (audited); False if it was already revoked."""
    now = clock.now()
    if not ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=now,
                                                                                revoked_reason=reason):
        return False
    audit_append(action="token.revoke", actor=by, obj_type="api_token", obj_id=str(token.pk),
                 changes={"user": token.user.get_username(), "reason": reason}, request=request)
    return True


def tokens_revoke_all(*, user: User, reason: str, by: User | None = None) -> int:
    """Revoke every live token of the user (a password change, a deactivation); audited when there were any."""
    revoked = ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=clock.now(),
                                                                                revoked_reason=reason)
    if revoked:
        audit_append(action="token.revoke_all", actor=by, obj_type="user", obj_id=user.get_username(),
                     changes={"count": revoked, "reason": reason})
    return revoked


def tokens_of(user: User) -> QuerySet[ApiToken]:
    """The user's tokens that still work, newest first (what the "Your API tokens" page lists)."""
    return ApiToken.objects.filter(user=user, revoked_at__isnull=True, expires_at__gt=clock.now()).order_by(
        "-created_at")
