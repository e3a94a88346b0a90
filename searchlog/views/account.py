"""Signing in: the password page, the second-factor step, and setting up an authenticator app."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render, resolve_url
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from searchlog import mfa, sso
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
