"""Request context for the audit trail, and the guards every request passes first.

RequestContextMiddleware gives each request an id (and the audit trail its client address). ApiErrorsMiddleware keeps
the API's promise that every error is JSON, 500 included, whatever DEBUG says, and refuses early what no view should
see: a NUL in the address or a header (PostgreSQL cannot store or compare it) and a body over
DATA_UPLOAD_MAX_MEMORY_SIZE.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from urllib.parse import unquote_to_bytes

from django import db
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import BadRequest, PermissionDenied, RequestDataTooBig, SuspiciousOperation
from django.core.signals import got_request_exception
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.template.loader import render_to_string
from django.views import defaults

from searchlog import audit, sessions

logger = logging.getLogger("searchlog.api")

API_PREFIX = "/api/"
_DETAILS = {
    400: "Bad request.",
    401: "Authentication credentials were not provided.",
    403: "You do not have permission to do this.",
    404: "Not found.",
    405: "Method not allowed.",
    406: "Not acceptable.",
    413: "The request body is too large.",
    415: "Unsupported media type.",
    429: "Too many requests.",
    503: "The service cannot reach its database for a moment. Try again shortly.",
}
# An outage of the database (down, restarting, connections refused) is not a bug: 503 and when to try again.
RETRY_AFTER_SECONDS = 5
SERVER_ERROR = "Something went wrong on our side. Quote the request id if you report it."


class RequestContextMiddleware:
    """Give every request an id of our own and expose it to audit events (with a sane X-Request-ID kept apart)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = uuid.uuid4().hex
        client_request_id = audit.request_id_from_header(request.headers.get("X-Request-ID")) or ""
        request.request_id, request.client_request_id = request_id, client_request_id
        token = audit.request_context_set(audit.RequestContext(
            request_id=request_id, ip_address=audit.client_ip(request), client_request_id=client_request_id))
        try:
            response = self.get_response(request)
        finally:
            audit.request_context_reset(token)
        response["X-Request-ID"] = request_id
        if client_request_id:
            response["X-Client-Request-ID"] = client_request_id
        return response


def is_api(request: HttpRequest) -> bool:
    return request.path_info.startswith(API_PREFIX)


def api_error(request: HttpRequest, status: int, detail: str = "") -> JsonResponse:
    """The API's error body: {"detail", "request_id"}."""
    detail = detail or _DETAILS.get(status, SERVER_ERROR if status >= 500 else "Request refused.")
    return JsonResponse({"detail": detail, "request_id": getattr(request, "request_id", "")}, status=status)


def _has_nul(request: HttpRequest) -> bool:
    """A NUL in the path, the query or a header (HTTP forbids it in headers; a token lookup would 500 on it)."""
    if "\x00" in request.path or b"\x00" in unquote_to_bytes(request.META.get("QUERY_STRING", "")):
        return True
    return any("\x00" in value for name, value in request.META.items()
               if name.startswith("HTTP_") and isinstance(value, str))


def _declared_length(request: HttpRequest) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


def _status_for(exception: Exception) -> int:
    if isinstance(exception, db.OperationalError | db.InterfaceError):
        return 503
    if isinstance(exception, RequestDataTooBig):
        return 413
    if isinstance(exception, SuspiciousOperation | BadRequest):
        return 400
    if isinstance(exception, Http404):
        return 404
    if isinstance(exception, PermissionDenied):
        return 403
    return 500


def _is_json(response: HttpResponseBase) -> bool:
    content_type = response.get("Content-Type", "").split(";", 1)[0].strip()
    return content_type == "application/json" or content_type.endswith("+json")


class ApiErrorsMiddleware:
    """Errors under /api/ as JSON (never Django's HTML or debug pages); NUL addresses and huge bodies refused."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self._refusal(request) or self.get_response(request)
        if is_api(request) and response.status_code >= 400 and not _is_json(response):
            # Django's own 404/405/400/500 (a URL that does not resolve, a middleware's refusal) come as HTML.
            response = api_error(request, response.status_code)
        return response

    def _refusal(self, request: HttpRequest) -> HttpResponseBase | None:
        if _has_nul(request):
            detail = "The address or a header contains a null character."
            return api_error(request, 400, detail) if is_api(request) else defaults.bad_request(
                request, SuspiciousOperation(detail))
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if limit is not None and _declared_length(request) > limit:
            return self._too_big(request)
        return None

    def _unavailable(self, request: HttpRequest, exception: Exception) -> HttpResponseBase:
        logger.warning("Database unavailable on %s %s (request %s): %s", request.method, request.path,
                       getattr(request, "request_id", ""), exception)
        if is_api(request):
            response: HttpResponseBase = api_error(request, 503)
        else:
            # No request context: the context processors would ask the database again.
            response = HttpResponse(render_to_string("503.html", {
                "organisation_name": settings.SEARCHLOG_ORGANISATION_NAME}), status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response

    def _too_big(self, request: HttpRequest) -> HttpResponseBase:
        detail = f"The request body is too large: send at most {settings.DATA_UPLOAD_MAX_MEMORY_SIZE:,} bytes."
        if is_api(request):
            return api_error(request, 413, detail)
        return HttpResponse(detail, status=413, content_type="text/plain; charset=utf-8")

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponseBase | None:
        """An exception a view let through: JSON on the API (logged, never shown); Django's pages elsewhere."""
        status = _status_for(exception)
        if status == 503:
            return self._unavailable(request, exception)
        if not is_api(request):
            return None
        if status == 413:
            return self._too_big(request)
        if status >= 500:
            logger.error("Unhandled error on %s %s (request %s)", request.method, request.path,
                         getattr(request, "request_id", ""), exc_info=exception)
            # As Django does for an uncaught exception: error reporters (and the test client) hear of it.
            got_request_exception.send(sender=self.__class__, request=request)
        return api_error(request, status)


_EXPIRED = {
    "idle": "You were signed out because you had not used the service for a while. Sign in again to carry on.",
    "absolute": "You were signed out because you had been signed in for too long. Sign in again to carry on.",
}


class SessionTimeoutMiddleware:
    """Sign out a session idle for too long or older than the absolute limit (searchlog.sessions); audited."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        # Only sessions that carry a signed-in user: anonymous requests neither read nor write the session.
        if "_auth_user_id" in request.session:
            reason = sessions.session_expiry_reason(request.session)
            if reason is not None:
                return self._expire(request, reason)
        return self.get_response(request)

    def _expire(self, request: HttpRequest, reason: str) -> HttpResponseBase:
        user = request.user
        audit.audit_append(action="auth.session_expired", actor=user, obj_type="user",
                           obj_id=user.get_username(), changes={"reason": reason}, request=request)
        logout(request)
        if is_api(request) or request.method != "GET":
            # The API answers as to anyone not signed in (401); a form posted after expiry is not replayed.
            return self.get_response(request) if is_api(request) else redirect_to_login(request.get_full_path())
        messages.info(request, _EXPIRED[reason])
        return redirect_to_login(request.get_full_path())


class SecurityHeadersMiddleware:
    """Permissions-Policy on every response; Cache-Control: no-store on everything but static files."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", settings.SEARCHLOG_PERMISSIONS_POLICY)
        # Pages, API answers and exports carry personal data: no browser or proxy may keep a copy. Static files
        # (hashed names, served by WhiteNoise) may be cached.
        if not request.path_info.startswith(settings.STATIC_URL) and "no-store" not in response.get(
                "Cache-Control", ""):
            response["Cache-Control"] = "no-store"
        return response


# Where a session that still owes its second factor may go: the code step, enrolment, signing out, static files.
_SECOND_FACTOR_OPEN = ("/sign-in/code/", "/account/two-factor/", "/sign-out/", "/static/")


class SecondFactorMiddleware:
    """Hold a password-only session at the second-factor step (enter a code, or set up an app) until it is done.

    After django-otp's OTPMiddleware. Fails closed: every page, the admin and the API (through the session) are
    refused until the step is done; API tokens are checked at issue instead (POST /api/v1/auth/token/ takes `otp`).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        from urllib.parse import urlencode

        from django.shortcuts import redirect
        from django.urls import reverse

        from searchlog import mfa

        if request.path_info.startswith(_SECOND_FACTOR_OPEN):
            return self.get_response(request)
        step = mfa.second_factor_step(request)
        if not step:
            return self.get_response(request)
        if is_api(request):
            return api_error(request, 403, "Finish signing in: enter the code from your authenticator app.")
        target = reverse("second-factor" if step == "verify" else "two-factor-setup")
        if request.method == "GET":
            target += "?" + urlencode({"next": request.get_full_path()})
        return redirect(target)
