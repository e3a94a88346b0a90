"""Request context for the audit trail: a request id and the client's address, wherever the work is done."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from searchlog import audit


class RequestContextMiddleware:
    """Give every request an id (a sane incoming X-Request-ID, else a new one) and expose it to audit events."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = audit.request_id_from_header(request.headers.get("X-Request-ID")) or uuid.uuid4().hex
        request.request_id = request_id
        token = audit.request_context_set(
            audit.RequestContext(request_id=request_id, ip_address=audit.client_ip(request))
        )
        try:
            response = self.get_response(request)
        finally:
            audit.request_context_reset(token)
        response["X-Request-ID"] = request_id
        return response
