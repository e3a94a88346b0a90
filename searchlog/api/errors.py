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
    return drf_exception_handler(exc, context)
