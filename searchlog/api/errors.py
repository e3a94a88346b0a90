"""Turn domain refusals into the API's error shapes (400 by field, 403, 404, 409)."""

from __future__ import annotations

from typing import Any

from rest_framework import status
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from searchlog.errors import NotPermitted, RecordInvalid, RecordNotFound, TransitionNotAllowed


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, RecordInvalid):
        exc = ValidationError(exc.errors)
    elif isinstance(exc, RecordNotFound):
        exc = NotFound("No such record.")
    elif isinstance(exc, NotPermitted):
        exc = PermissionDenied(str(exc))
    elif isinstance(exc, TransitionNotAllowed):
        return Response({"detail": str(exc)}, status=status.HTTP_409_CONFLICT)
    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(exc, ValidationError) and isinstance(response.data, dict):
        response.data = {field: _flatten(messages) for field, messages in response.data.items()}
    return response


def _flatten(messages: Any) -> list[str]:
    """Every field maps to a list of messages, even for a list field's items ({"0": [...]})."""
    if isinstance(messages, dict):
        return [f"Item {int(k) + 1 if str(k).isdigit() else k}: {m}" for k, v in messages.items() for m in _flatten(v)]
    if isinstance(messages, list):
        return [m for item in messages for m in _flatten(item)]
    return [str(messages)]
