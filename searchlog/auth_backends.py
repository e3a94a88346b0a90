"""Password sign-in through the lockout: one backend for the pages, the API token endpoint and the admin."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from searchlog import lockout
from searchlog.audit import audit_append, client_ip
from searchlog.models import User


class SignInLocked(PermissionDenied):
    """Raised inside authenticate(): Django then stops trying backends and reports a failed sign-in."""


class LockoutModelBackend(ModelBackend):
    """Django's ModelBackend, refusing locked usernames and addresses and counting each failure."""

    def authenticate(self, request: HttpRequest | None, username: str | None = None, password: str | None = None,
                     **kwargs: Any) -> User | None:
        if username is None:
            username = kwargs.get(User.USERNAME_FIELD)
        if username is None or password is None:
            return None  # not a password sign-in (another backend's)
        inner = getattr(request, "_request", request)  # a DRF request wraps Django's
        locked = lockout.lockout_current(username=str(username), ip_address=client_ip(inner) if inner else None)
        if locked is None:
            user = super().authenticate(inner, username=username, password=password, **kwargs)
            if user is not None:
                return user
            locked = lockout.sign_in_failure_record(username=str(username), request=inner)
            if locked is None:
                return None
        else:
            audit_append(action="auth.sign_in_refused", actor=None, obj_type="user", obj_id=str(username)[:100],
                         changes={"kind": locked.kind, "until": locked.until}, request=inner)
        if inner is not None:
            setattr(inner, lockout.REQUEST_ATTRIBUTE, locked)
        raise SignInLocked(locked.message())
