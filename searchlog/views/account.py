"""Account pages: the sign-in page and its second-factor step, two-factor set-up, API tokens, password, session."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.shortcuts import redirect, render, resolve_url
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from searchlog import mfa, sessions, sso, tokens
from searchlog.audit import ACTIONS, audit_append
from searchlog.views.system import SignInForm


class CodeForm(forms.Form):
    code = forms.CharField(
        label="Code", max_length=40, strip=True,
        error_messages={"required": "Enter the code from your authenticator app"},
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "spellcheck": "false",
                                      "autocapitalize": "none"}),
    )


def _sign_in_context() -> dict[str, Any]:
    return {
        "local_sign_in": settings.SEARCHLOG_LOCAL_SIGN_IN,
        "sso_enabled": sso.sso_enabled(),
    }


class SignInView(auth_views.LoginView):
    """The password page; offers the organisation's single sign-on when configured; off when local sign-in is."""

    template_name = "searchlog/sign_in.html"
    authentication_form = SignInForm

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return {**super().get_context_data(**kwargs), **_sign_in_context()}

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not settings.SEARCHLOG_LOCAL_SIGN_IN:
            return render(request, "searchlog/sign_in.html", _sign_in_context(), status=403)
        return super().post(request, *args, **kwargs)


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                       require_https=request.is_secure()):
        return target
    return resolve_url(settings.LOGIN_REDIRECT_URL)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def second_factor(request: HttpRequest) -> HttpResponse:
    """Enter the code from your authenticator app (or a recovery code), after the password."""
    step = mfa.second_factor_step(request)
    if step == "enrol":
        return redirect("two-factor-setup")
    if not step:
        return redirect(_next_url(request))
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if mfa.second_factor_verify(request, form.cleaned_data["code"]):
            return redirect(_next_url(request))
        form.add_error("code", "The code is not right, or it has expired. Enter the newest code from your app")
    return render(request, "searchlog/second_factor.html", {"form": form, "next": _next_url(request)})


@never_cache
@login_required
def two_factor(request: HttpRequest) -> HttpResponse:
    """Your second factor: whether it is set up, and a way to set up a new app."""
    return render(request, "searchlog/two_factor.html", {
        "has_device": mfa.has_second_factor(request.user),
        "required": mfa.second_factor_required(request.user),
        "with_provider": mfa.signed_in_with_provider(request),
    })


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def two_factor_setup(request: HttpRequest) -> HttpResponse:
    """Set up an authenticator app: scan the QR code (or type the key), confirm with a code, keep the recovery codes.

    A user who already has an app must prove it first (the code step) before replacing it.
    """
    if mfa.second_factor_step(request) == "verify":
        return redirect("second-factor")
    device = mfa.totp_enrolment_device(request.user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        codes = mfa.totp_enrol_confirm(request=request, device=device, code=form.cleaned_data["code"])
        if codes is not None:
            # Shown in this answer only, never again (a new set replaces them all).
            return render(request, "searchlog/recovery_codes.html", {"codes": codes})
        form.add_error("code", "The code is not right. Enter the 6-digit code your app shows now")
    return render(request, "searchlog/two_factor_setup.html", {
        "form": form, "qr_svg": mfa.totp_qr_svg(device), "secret": mfa.totp_secret(device),
        "required": mfa.second_factor_required(request.user),
    })

ACTIONS.update({"auth.password_change": "Password changed"})


@login_required
def api_tokens(request: HttpRequest) -> HttpResponse:
    return render(request, "searchlog/api_tokens.html", {"tokens": tokens.tokens_of(request.user)})


@login_required
@require_POST
def api_token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    # Only the user's own live tokens: another's is "not found", never "forbidden".
    token = tokens.tokens_of(request.user).filter(pk=pk).first()
    if token is None:
        raise Http404("No such token.")
    tokens.token_revoke(token=token, by=request.user, request=request)
    messages.success(request, "The token is revoked. Scripts using it can no longer sign in with it.")
    return redirect("api-tokens")


class GovukPasswordChangeForm(PasswordChangeForm):
    error_messages = {**PasswordChangeForm.error_messages,
                      "password_incorrect": "Your current password is wrong. Enter it again."}

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["old_password"].label = "Current password"
        self.fields["old_password"].error_messages["required"] = "Enter your current password"
        self.fields["new_password1"].error_messages["required"] = "Enter a new password"
        self.fields["new_password2"].error_messages["required"] = "Enter the new password again"


@login_required
@require_http_methods(["GET", "POST"])
def password_change(request: HttpRequest) -> HttpResponse:
    form = GovukPasswordChangeForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()  # the save revokes every API token (searchlog.signals)
        update_session_auth_hash(request, user)  # this session stays; the others end
        audit_append(action="auth.password_change", actor=user, obj_type="user", obj_id=user.get_username(),
                     request=request)
        messages.success(request, "Your password is changed. Your API tokens are revoked: issue new ones.")
        return redirect("home")
    return render(request, "searchlog/password_change.html", {"form": form})


@login_required
@require_POST
def session_keep_alive(request: HttpRequest) -> HttpResponse:
    """The "Stay signed in" button: this request counts as activity (the middleware noted it); say when to warn."""
    return JsonResponse({"warn_after": sessions.seconds_until_warning(request.session)})
