"""Exports on the API: the same files as the export page, from searchlog.exports.

These views return Django responses (a file), not DRF Responses. The file type is in the address, so the client's
Accept header and DRF's `?format=` override are ignored: only errors are rendered, always as JSON.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpResponseBase
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.views import APIView

from searchlog import exports
from searchlog.export_forms import SupervisionPackForm
from searchlog.models import ConsentStatus, Status


class ErrorsAsJson(BaseContentNegotiation):
    """Pick the first renderer (JSON), whatever the client asks for: success is a file, errors are JSON."""

    def select_parser(self, request: Request, parsers: list[Any]) -> Any:
        return parsers[0] if parsers else None

    def select_renderer(self, request: Request, renderers: list[BaseRenderer],
                        format_suffix: str | None = None) -> tuple[BaseRenderer, str]:
        return renderers[0], renderers[0].media_type


class _ExportView(APIView):
    renderer_classes = [JSONRenderer]
    content_negotiation_class = ErrorsAsJson


_FILTERS = [
    OpenApiParameter("status", str, enum=Status.values),
    OpenApiParameter("team", str, description="Team id or exact name."),
    OpenApiParameter("practitioner", str, description="Username."),
    OpenApiParameter("is_emergency", bool),
    OpenApiParameter("consent_status", str, enum=ConsentStatus.values),
    OpenApiParameter("justified", bool),
    OpenApiParameter("searched_after", OpenApiTypes.DATETIME, description="ISO 8601; inclusive."),
    OpenApiParameter("searched_before", OpenApiTypes.DATETIME, description="ISO 8601; inclusive."),
]
_ERRORS = {
    400: OpenApiResponse(description='Bad filters: {"field": ["message"]}.'),
    401: OpenApiResponse(description="No credentials."),
}


class SearchesCsvExport(_ExportView):
    @extend_schema(
        operation_id="exports_searches_csv", parameters=_FILTERS,
        responses={(200, "text/csv"): OpenApiResponse(OpenApiTypes.BINARY, description="Streamed CSV."), **_ERRORS},
        description="The searches the caller may see, with the list's filters, as CSV (one header row). Audited.",
    )
    def get(self, request: Request) -> HttpResponseBase:
        return exports.as_response(
            exports.searches_csv(user=request.user, filters=request.query_params, request=request._request)
        )


class SearchesXlsxExport(_ExportView):
    @extend_schema(
        operation_id="exports_searches_xlsx", parameters=_FILTERS,
        responses={
            (200, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"): OpenApiTypes.BINARY,
            **_ERRORS,
        },
        description="The searches the caller may see, with the list's filters, as an Excel workbook. Audited.",
    )
    def get(self, request: Request) -> HttpResponseBase:
        return exports.as_response(
            exports.searches_xlsx(user=request.user, filters=request.query_params, request=request._request)
        )


class SupervisionPackExport(_ExportView):
    @extend_schema(
        operation_id="exports_supervision_pack",
        parameters=[
            OpenApiParameter("practitioner", str, required=True, description="Username."),
            OpenApiParameter("from", OpenApiTypes.DATE, required=True, description="First day searched (inclusive)."),
            OpenApiParameter("to", OpenApiTypes.DATE, required=True, description="Last day searched (inclusive)."),
        ],
        responses={
            (200, "application/pdf"): OpenApiTypes.BINARY,
            **_ERRORS,
            404: OpenApiResponse(description="No such practitioner within the caller's scope."),
        },
        description="One practitioner's records over a period, with flags, review history, addenda and "
                    "escalations, as a printable PDF. Audited.",
    )
    def get(self, request: Request) -> HttpResponseBase:
        form = SupervisionPackForm(request.query_params)
        if not form.is_valid():
            raise ValidationError({field: list(messages) for field, messages in form.errors.items()})
        return exports.as_response(exports.supervision_pack(
            user=request.user, practitioner=form.cleaned_data["practitioner"], date_from=form.cleaned_data["from"],
            date_to=form.cleaned_data["to"], request=request._request,
        ))
