"""Audit events for what Django does on its own: signing in and out, and changes made in the admin."""

from __future__ import annotations

from typing import Any

from django.contrib.admin.models import ADDITION, CHANGE, DELETION, LogEntry
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.contrib.contenttypes.models import ContentType
from django.db.models.signals import post_save, pre_save
from django.dispatch import receiver
from django.http import HttpRequest

from searchlog import sessions, tokens
from searchlog.audit import audit_append
from searchlog.models import User

_ADMIN_ACTIONS = {ADDITION: "admin.add", CHANGE: "admin.change", DELETION: "admin.delete"}


@receiver(user_logged_in, dispatch_uid="searchlog.audit.sign_in")
def audit_sign_in(sender: type, request: HttpRequest | None, user: User, **kwargs: Any) -> None:
    if request is not None and hasattr(request, "session"):
        sessions.session_start(request.session)  # the idle and absolute limits count from here
    via_provider = getattr(user, "backend", "") == "searchlog.sso.SearchlogOIDCBackend"
    audit_append(action="auth.sign_in", actor=user, obj_type="user", obj_id=user.get_username(), request=request,
                 changes={"method": "oidc"} if via_provider else None)


@receiver(user_logged_out, dispatch_uid="searchlog.audit.sign_out")
def audit_sign_out(sender: type, request: HttpRequest | None, user: User | None, **kwargs: Any) -> None:
    if user is None:  # signing out when not signed in
        return
    audit_append(action="auth.sign_out", actor=user, obj_type="user", obj_id=user.get_username(), request=request)


@receiver(user_login_failed, dispatch_uid="searchlog.audit.sign_in_failed")
def audit_sign_in_failed(sender: str, credentials: dict[str, Any], request: HttpRequest | None = None,
                         **kwargs: Any) -> None:
    if "nonce" in credentials:  # single sign-on: searchlog.sso audits the failure with its reason
        return
    # Django has already masked the password in `credentials`; keep only the name that was tried.
    username = str(credentials.get(User.USERNAME_FIELD) or credentials.get("username") or "")[:150]
    audit_append(action="auth.sign_in_failed", actor=None, changes={"username": username}, request=request)


@receiver(post_save, sender=LogEntry, dispatch_uid="searchlog.audit.admin")
def audit_admin_change(sender: type[LogEntry], instance: LogEntry, created: bool, raw: bool = False,
                       **kwargs: Any) -> None:
    if not created or raw:
        return
    content_type = ContentType.objects.get_for_id(instance.content_type_id) if instance.content_type_id else None
    audit_append(
        action=_ADMIN_ACTIONS.get(instance.action_flag, "admin.change"),
        actor=instance.user,
        obj_type=f"{content_type.app_label}.{content_type.model}" if content_type else "",
        obj_id=instance.object_id or "",
        changes={"object": instance.object_repr, "message": instance.get_change_message()},
    )


# A password change or a deactivation revokes every API token of the user, whichever door changed it (the
# change-password page, the admin, `manage.py changepassword`, a script calling set_password and save).

@receiver(pre_save, sender=User, dispatch_uid="searchlog.tokens.remember")
def remember_credentials(sender: type[User], instance: User, raw: bool = False, update_fields: Any = None,
                         **kwargs: Any) -> None:
    if raw or instance.pk is None or (update_fields is not None and not {"password", "is_active"} & set(update_fields)):
        return
    instance._saved_credentials = (  # type: ignore[attr-defined]
        User.objects.filter(pk=instance.pk).values_list("password", "is_active").first())


@receiver(post_save, sender=User, dispatch_uid="searchlog.tokens.revoke")
def revoke_tokens_on_credentials_change(sender: type[User], instance: User, created: bool, raw: bool = False,
                                        **kwargs: Any) -> None:
    saved = getattr(instance, "_saved_credentials", None)
    instance._saved_credentials = None  # type: ignore[attr-defined]
    if created or raw or saved is None:
        return
    password, was_active = saved
    if password != instance.password:
        tokens.tokens_revoke_all(user=instance, reason="password_changed")
    elif was_active and not instance.is_active:
        tokens.tokens_revoke_all(user=instance, reason="deactivated")
