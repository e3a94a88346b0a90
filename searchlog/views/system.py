"""Health check and sign-in pages."""

from __future__ import annotations

from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.db import connection
from django.http import HttpRequest, HttpResponse

from searchlog.lockout import request_lockout


def healthz(request: HttpRequest) -> HttpResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return HttpResponse("ok", content_type="text/plain")


class LockoutMessageMixin:
    """Say when to try again when the lockout refused the sign-in (instead of "wrong password")."""

    request: HttpRequest | None

    def get_invalid_login_error(self) -> ValidationError:
        locked = request_lockout(self.request)
        if locked is not None:
            return ValidationError(locked.message(), code="locked_out")
        return super().get_invalid_login_error()  # type: ignore[misc]


class AdminSignInForm(LockoutMessageMixin, AdminAuthenticationForm):
    pass


class SignInForm(LockoutMessageMixin, AuthenticationForm):
    error_messages = {
        "invalid_login": "Enter a correct username and password. Both are case-sensitive.",
        "inactive": "This account is inactive. Ask an administrator.",
    }

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].error_messages["required"] = "Enter your username"
        self.fields["password"].error_messages["required"] = "Enter your password"
