"""Single sign-on with OpenID Connect: discovery, matching people by the provider's subject, roles from groups.

mozilla-django-oidc does the protocol (authorisation code + PKCE, state, nonce, the token exchange, the ID token's
signature against the provider's keys). This module adds what it leaves to us: endpoints from the issuer's discovery
document, the ID token's issuer and audience, matching by (issuer, subject) with a one-time link by *verified*
email, no accounts the organisation did not make, roles from a group claim, and the audit trail.
"""

from __future__ import annotations

import logging
from typing import Any

import jwt
import requests
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import SuspiciousOperation
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from searchlog import clock
from searchlog.audit import audit_append
from searchlog.models import ExternalIdentity, Role, User

log = logging.getLogger(__name__)
DISCOVERY_CACHE_SECONDS = 3600
# Why a sign-in was refused, as the callback page explains it.
REFUSALS = {
    "no_account": "There is no account for you in this service yet, or your email address is not verified by "
                  "your organisation. Ask your manager or an administrator to add you.",
    "inactive": "Your account is not active. Ask an administrator.",
    "already_linked": "Your email address belongs to an account already linked to another sign-in. Ask an "
                      "administrator.",
    "provider": "Your organisation's sign-in did not complete. Try again.",
}
_ENDPOINTS = {
    "OIDC_OP_AUTHORIZATION_ENDPOINT": "authorization_endpoint",
    "OIDC_OP_TOKEN_ENDPOINT": "token_endpoint",
    "OIDC_OP_USER_ENDPOINT": "userinfo_endpoint",
    "OIDC_OP_JWKS_ENDPOINT": "jwks_uri",
}

_OURS = {
    "OIDC_RP_CLIENT_ID": "SEARCHLOG_OIDC_CLIENT_ID",
    "OIDC_RP_CLIENT_SECRET": "SEARCHLOG_OIDC_CLIENT_SECRET",
    "OIDC_RP_SCOPES": "SEARCHLOG_OIDC_SCOPES",
    "OIDC_TIMEOUT": "SEARCHLOG_OIDC_TIMEOUT",
    "OIDC_CREATE_USER": "SEARCHLOG_OIDC_CREATE_USERS",
}


class SignInRefused(SuspiciousOperation):
    """The provider signed the person in, but searchlog will not (see REFUSALS)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def sso_enabled() -> bool:
    return bool(settings.SEARCHLOG_OIDC_ISSUER and settings.SEARCHLOG_OIDC_CLIENT_ID)


def provider_metadata() -> dict[str, Any]:
    """The issuer's discovery document (cached an hour); its issuer must be the one configured."""
    issuer = settings.SEARCHLOG_OIDC_ISSUER
    key = f"searchlog:oidc-discovery:{issuer}"
    metadata = cache.get(key)
    if metadata is None:
        response = requests.get(f"{issuer}/.well-known/openid-configuration", timeout=settings.SEARCHLOG_OIDC_TIMEOUT)
        response.raise_for_status()
        metadata = response.json()
        if str(metadata.get("issuer", "")).rstrip("/") != issuer:
            raise SuspiciousOperation("The discovery document names another issuer.")
        cache.set(key, metadata, DISCOVERY_CACHE_SECONDS)
    return metadata


def setting_or_discovered(attr: str, *default: Any) -> Any:
    """mozilla-django-oidc's settings: ours where we have one, the provider's endpoints from discovery."""
    if attr in _OURS:
        return getattr(settings, _OURS[attr])
    if attr in _ENDPOINTS:
        return provider_metadata().get(_ENDPOINTS[attr], *default) if default else provider_metadata()[
            _ENDPOINTS[attr]]
    from mozilla_django_oidc.utils import import_from_settings

    return import_from_settings(attr, *default)


def role_groups() -> list[tuple[str, str]]:
    """SEARCHLOG_OIDC_ROLE_GROUPS as (role, group) pairs, the most privileged role first."""
    pairs = []
    for item in settings.SEARCHLOG_OIDC_ROLE_GROUPS.split(","):
        role, _, group = item.partition("=")
        if role.strip() and group.strip():
            if role.strip() not in Role.values:
                raise ValueError(f"SEARCHLOG_OIDC_ROLE_GROUPS: unknown role {role.strip()!r}")
            pairs.append((role.strip(), group.strip()))
    order = [Role.AUDITOR, Role.MANAGER, Role.PRACTITIONER]
    return sorted(pairs, key=lambda pair: order.index(pair[0]))


def role_from_groups(groups: list[str]) -> str | None:
    """The role the group claim gives (None when no mapping is configured); no mapped group → practitioner."""
    pairs = role_groups()
    if not pairs:
        return None
    for role, group in pairs:
        if group in groups:
            return role
    return Role.PRACTITIONER


def _claim_list(claims: dict[str, Any], name: str) -> list[str]:
    value = claims.get(name) or []
    return [str(item) for item in value] if isinstance(value, list) else [str(value)]


def _verified_email(claims: dict[str, Any]) -> str:
    email = str(claims.get(settings.SEARCHLOG_OIDC_EMAIL_CLAIM) or "").strip()
    verified_claim = settings.SEARCHLOG_OIDC_EMAIL_VERIFIED_CLAIM
    if verified_claim and claims.get(verified_claim) not in (True, "true", "True", 1):
        return ""
    return email


def _refuse(request: HttpRequest | None, reason: str, claims: dict[str, Any]) -> SignInRefused:
    if request is not None:
        request.searchlog_sign_in_refused = reason  # type: ignore[attr-defined]
    audit_append(action="auth.sign_in_failed", actor=None, request=request, changes={
        "method": "oidc", "reason": reason, "subject": str(claims.get("sub", ""))[:255],
        "email": str(claims.get(settings.SEARCHLOG_OIDC_EMAIL_CLAIM) or "")[:254],
    })
    return SignInRefused(reason)


def user_for_claims(claims: dict[str, Any], request: HttpRequest | None = None) -> User:
    """The user these claims sign in: by (issuer, subject); on first sign-in by verified email, linked then."""
    issuer, subject = settings.SEARCHLOG_OIDC_ISSUER, str(claims.get("sub") or "")
    if not subject:
        raise _refuse(request, "provider", claims)
    identity = ExternalIdentity.objects.select_related("user").filter(issuer=issuer, subject=subject).first()
    if identity is not None:
        user = identity.user
    else:
        user = _link_first_sign_in(issuer, subject, claims, request)
    if not user.is_active:
        raise _refuse(request, "inactive", claims)
    ExternalIdentity.objects.filter(issuer=issuer, subject=subject).update(last_sign_in_at=clock.now())
    _apply_role(user, claims, request)
    return user


def _link_first_sign_in(issuer: str, subject: str, claims: dict[str, Any], request: HttpRequest | None) -> User:
    email = _verified_email(claims)
    users = list(User.objects.filter(email__iexact=email)[:2]) if email else []
    if len(users) != 1:
        if users or not (settings.SEARCHLOG_OIDC_CREATE_USERS and email):
            # None, or two accounts with one address (which one is a guess): refuse.
            raise _refuse(request, "no_account", claims)
        users = [User.objects.create_user(username=email.lower()[:150], email=email,
                                          first_name=str(claims.get("given_name") or "")[:150],
                                          last_name=str(claims.get("family_name") or "")[:150])]
        audit_append(action="user.create", actor=None, obj_type="user", obj_id=users[0].get_username(),
                     changes={"method": "oidc"}, request=request)
    user = users[0]
    try:
        with transaction.atomic():
            ExternalIdentity.objects.create(user=user, issuer=issuer, subject=subject, linked_at=clock.now())
    except IntegrityError:
        raise _refuse(request, "already_linked", claims) from None
    audit_append(action="auth.sso_link", actor=user, obj_type="user", obj_id=user.get_username(),
                 changes={"issuer": issuer, "subject": subject}, request=request)
    return user


def _apply_role(user: User, claims: dict[str, Any], request: HttpRequest | None) -> None:
    role = role_from_groups(_claim_list(claims, settings.SEARCHLOG_OIDC_GROUPS_CLAIM))
    if role is None or role == user.role:
        return
    old = user.role
    user.role = role
    user.save(update_fields=["role"])
    audit_append(action="user.role_change", actor=user, obj_type="user", obj_id=user.get_username(),
                 changes={"role": [old, role], "source": "oidc_groups"}, request=request)


class SearchlogOIDCBackend(OIDCAuthenticationBackend):
    """mozilla-django-oidc's backend, answering only its own callback, with the checks it leaves to the app."""

    get_settings = staticmethod(setting_or_discovered)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # Endpoints are read when a callback arrives, not whenever Django walks its backends for a password.
        from django.contrib.auth import get_user_model

        self.UserModel = get_user_model()

    def __getattr__(self, name: str) -> Any:
        if name.startswith("OIDC_"):
            names = {"OIDC_RP_IDP_SIGN_KEY": None, "OIDC_RP_SIGN_ALGO": "RS256"}
            return setting_or_discovered(name, names[name]) if name in names else setting_or_discovered(name)
        raise AttributeError(name)

    def authenticate(self, request: HttpRequest | None, **kwargs: Any) -> User | None:
        # Only the callback passes a nonce; a password sign-in must never reach the provider.
        if not sso_enabled() or request is None or "nonce" not in kwargs or "password" in kwargs:
            return None
        try:
            user = super().authenticate(request, **kwargs)
        except (requests.RequestException, SuspiciousOperation, jwt.PyJWTError) as error:
            if not isinstance(error, SignInRefused):
                log.warning("OpenID Connect sign-in failed: %s", error)
                _refuse(request, "provider", {})
            return None
        return user

    def _verify_jws(self, payload: str, key: Any) -> dict[str, Any]:
        """The signature (as the library does), plus what it skips: the issuer and that we are the audience."""
        claims = super()._verify_jws(payload, key)
        try:
            jwt.decode(payload, key, algorithms=[self.OIDC_RP_SIGN_ALGO], audience=settings.SEARCHLOG_OIDC_CLIENT_ID,
                       issuer=provider_metadata()["issuer"], options={"require": ["exp", "iat", "sub"]},
                       leeway=60)
        except jwt.PyJWTError as error:
            raise SuspiciousOperation(f"ID token refused: {error}") from error
        return claims

    def get_userinfo(self, access_token: str, id_token: str, payload: dict[str, Any]) -> dict[str, Any]:
        """The ID token's claims, completed (never overridden) by the userinfo endpoint's for the same subject."""
        claims = dict(payload)
        if setting_or_discovered("OIDC_OP_USER_ENDPOINT", None):
            extra = super().get_userinfo(access_token, id_token, payload)
            if extra.get("sub") == payload.get("sub"):
                claims = {**extra, **claims}
        return claims

    def verify_claims(self, claims: dict[str, Any]) -> bool:
        return bool(claims.get("sub"))

    def filter_users_by_claims(self, claims: dict[str, Any]) -> list[User]:
        return [user_for_claims(claims, getattr(self, "request", None))]

    def update_user(self, user: User, claims: dict[str, Any]) -> User:
        return user
