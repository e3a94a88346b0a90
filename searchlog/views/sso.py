"""The two doors of single sign-on: off to the organisation's provider, and back from it."""

from __future__ import annotations

from typing import Any

import requests
from django.core.exceptions import SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.views.generic import View
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

from searchlog import sso


class SignInWithProvider(OIDCAuthenticationRequestView):
    """GET /oidc/authenticate/: send the browser to the provider (state, nonce and a PKCE challenge kept here)."""

    get_settings = staticmethod(sso.setting_or_discovered)

    def __init__(self, **kwargs: Any) -> None:
        # The endpoint is looked up when someone signs in (below), not when the view is made.
        View.__init__(self, **kwargs)

    def get(self, request: HttpRequest) -> HttpResponseBase:
        if not sso.sso_enabled():
            raise Http404("Single sign-on is not configured.")
        try:
            self.OIDC_OP_AUTH_ENDPOINT = self.get_settings("OIDC_OP_AUTHORIZATION_ENDPOINT")
        except (requests.RequestException, ValueError, KeyError, SuspiciousOperation):
            return render(request, "searchlog/sign_in_refused.html",
                          {"reason": "provider", "message": sso.REFUSALS["provider"]}, status=502)
        self.OIDC_RP_CLIENT_ID = self.get_settings("OIDC_RP_CLIENT_ID")
        return super().get(request)


class ProviderCallback(OIDCAuthenticationCallbackView):
    """GET /oidc/callback/: exchange the code, check the ID token, sign the person in or say why not."""

    get_settings = staticmethod(sso.setting_or_discovered)

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not sso.sso_enabled():
            raise Http404("Single sign-on is not configured.")
        return super().dispatch(request, *args, **kwargs)

    def login_failure(self) -> HttpResponse:
        reason = getattr(self.request, "searchlog_sign_in_refused", "provider")
        return render(self.request, "searchlog/sign_in_refused.html",
                      {"reason": reason, "message": sso.REFUSALS.get(reason, sso.REFUSALS["provider"])}, status=403)
