"""POST /api/v1/auth/token/ issues a token (audited as a sign-in); DELETE revokes the token presented."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import authenticate
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import (
    AuthenticationFailed,
    NotAuthenticated,
    PermissionDenied,
    Throttled,
    ValidationError,
)
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from searchlog import mfa
from searchlog.api.authentication import ExpiringTokenAuthentication
from searchlog.audit import audit_append
from searchlog.lockout import request_lockout
from searchlog.models import ApiToken, User
from searchlog.tokens import token_issue, token_revoke


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150, write_only=True)
    password = serializers.CharField(max_length=4096, write_only=True, trim_whitespace=False,
                                     style={"input_type": "password"})
    otp = serializers.CharField(max_length=64, required=False, allow_blank=True, write_only=True,
                                help_text="Users with a second factor: the code from their authenticator app "
                                          "(or a recovery code).")


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(read_only=True, help_text="Send as 'Authorization: Token <token>'. Shown once.")
    expires_at = serializers.DateTimeField(read_only=True)


def second_factor_check(*, user: User, otp: str, request: Request) -> None:
    """A user with a second factor sends `otp` (a current code or a recovery code); a wrong one is audited."""
    if not mfa.has_second_factor(user):
        return
    if not otp:
        raise ValidationError({"otp": ["Enter the code from your authenticator app."]})
    if mfa.device_matching(user, otp) is None:
        audit_append(action="auth.second_factor_failed", actor=None, obj_type="user", obj_id=user.get_username(),
                     changes={"method": "api_token"}, request=request._request)
        raise ValidationError({"otp": ["The code is not right, or it has expired."]})


class TokenView(APIView):
    """Issue (POST, with username and password) or revoke (DELETE, with the token itself) an API token."""

    authentication_classes = [ExpiringTokenAuthentication]
    permission_classes = [AllowAny]

    def perform_authentication(self, request: Request) -> None:
        # POST signs in with a password: an old Authorization header must not stand in its way.
        if request.method != "POST":
            super().perform_authentication(request)

    @extend_schema(request=TokenRequestSerializer, responses={
        200: TokenSerializer, 400: OpenApiResponse(description="Wrong username or password, or a field missing."),
        429: OpenApiResponse(description="Too many failed sign-ins: the Retry-After header says when to try again."),
    })
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        if not settings.SEARCHLOG_LOCAL_SIGN_IN:
            raise PermissionDenied("Password sign-in is turned off: sign in with your organisation.")
        data = TokenRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = authenticate(request._request, username=data.validated_data["username"],
                            password=data.validated_data["password"])
        if user is None:
            locked = request_lockout(request)
            if locked is not None:
                raise Throttled(wait=locked.retry_after_seconds(), detail=locked.message())
            raise ValidationError({"non_field_errors": ["Unable to log in with provided credentials."]})
        second_factor_check(user=user, otp=data.validated_data.get("otp", ""), request=request)
        raw, token = token_issue(user=user, request=request._request)
        audit_append(action="auth.sign_in", actor=user, obj_type="user", obj_id=user.get_username(),
                     changes={"method": "api_token"}, request=request._request)
        return Response({"token": raw, "expires_at": token.expires_at})

    @extend_schema(request=None, responses={
        204: OpenApiResponse(description="The token presented is revoked; others stay."),
        401: OpenApiResponse(description="No token, or it was already invalid."),
    })
    def delete(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        if not isinstance(request.auth, ApiToken):
            if request.user and request.user.is_authenticated:
                raise AuthenticationFailed("Present the token to revoke in the Authorization header.")
            raise NotAuthenticated()
        token_revoke(token=request.auth, by=request.user, request=request._request)
        return Response(status=status.HTTP_204_NO_CONTENT)


obtain_auth_token = TokenView.as_view()
