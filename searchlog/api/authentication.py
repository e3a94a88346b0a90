"""`Authorization: Token <token>` checked by searchlog.tokens (hashed, expiring, revocable), not DRF's authtoken."""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.request import Request

from searchlog.models import ApiToken, User
from searchlog.tokens import token_authenticate

KEYWORD = "Token"


class ExpiringTokenAuthentication(BaseAuthentication):
    """Authenticate by a live token; request.auth is its ApiToken row (so DELETE can revoke just that one)."""

    def authenticate(self, request: Request) -> tuple[User, ApiToken] | None:
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != KEYWORD.lower().encode():
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed("Invalid token header: send 'Token <token>'.")
        try:
            raw = parts[1].decode()
        except UnicodeError as error:
            raise exceptions.AuthenticationFailed("Invalid token header.") from error
        token = token_authenticate(raw)
        if token is None:
            raise exceptions.AuthenticationFailed("Invalid, expired or revoked token.")
        return token.user, token

    def authenticate_header(self, request: Request) -> str:
        return KEYWORD


class ExpiringTokenScheme(OpenApiAuthenticationExtension):
    """How the schema describes the token: an Authorization header starting with 'Token '."""

    target_class = "searchlog.api.authentication.ExpiringTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema: object) -> dict[str, str]:
        return {"type": "apiKey", "in": "header", "name": "Authorization",
                "description": "Token-based authentication with required prefix \"Token\"; "
                               "tokens come from POST /api/v1/auth/token/ and expire."}
