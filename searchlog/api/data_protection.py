"""Data protection on the API, for information governance: subject access (JSON and a PDF report) and legal holds.

Everyone else gets 404, as if these were not there.
"""

from __future__ import annotations

from django.http import HttpResponseBase
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from searchlog import exports, retention, subject_access
from searchlog.api.exports import ErrorsAsJson
from searchlog.models import LegalHold
from searchlog.subject_access import STAFF_NAMES, STAFF_TITLES

_SUBJECT = [
    OpenApiParameter("subject_reference", str, required=True,
                     description="The person's case reference (capitals and spaces ignored)."),
    OpenApiParameter("staff", str, enum=[STAFF_NAMES, STAFF_TITLES],
                     description="`titles` names staff by job title only (their names may be third-party data)."),
]
_ERRORS = {
    400: OpenApiResponse(description='No case reference: {"subject_reference": ["message"]}.'),
    404: OpenApiResponse(description="Not an auditor."),
}


def _staff(request: Request) -> str:
    return request.query_params.get("staff") or STAFF_NAMES


class SubjectAccessView(APIView):
    @extend_schema(
        operation_id="subject_access", parameters=_SUBJECT, responses={200: OpenApiTypes.OBJECT, **_ERRORS},
        description="Every record about one person across all teams, with its review history, addenda, "
                    "escalations and prior approval, and their requests for prior approval. `found` is false when "
                    "there is none. Auditors only; audited (with a keyed hash of the reference, not the reference).",
    )
    def get(self, request: Request) -> Response:
        staff = _staff(request)
        found = subject_access.subject_access_search(
            user=request.user, subject_reference=request.query_params.get("subject_reference", ""),
            request=request._request, staff=staff,
        )
        return Response(subject_access.subject_access_data(found, staff=staff))


class SubjectAccessReport(APIView):
    renderer_classes = [JSONRenderer]  # for errors; success is the PDF
    content_negotiation_class = ErrorsAsJson

    @extend_schema(
        operation_id="exports_subject_access", parameters=_SUBJECT,
        responses={(200, "application/pdf"): OpenApiTypes.BINARY, **_ERRORS},
        description="The subject access report about one person as a PDF with a cover sheet, to disclose. "
                    "Auditors only; audited.",
    )
    def get(self, request: Request) -> HttpResponseBase:
        return exports.as_response(subject_access.subject_access_report(
            user=request.user, subject_reference=request.query_params.get("subject_reference", ""),
            staff=_staff(request), request=request._request,
        ))


class LegalHoldSerializer(serializers.ModelSerializer):
    record = serializers.CharField(source="record.reference", help_text="The record's reference.")
    placed_by = serializers.CharField(source="placed_by.username", read_only=True)
    released_by = serializers.CharField(source="released_by.username", read_only=True, allow_null=True)
    reason = serializers.CharField(allow_blank=True, help_text="Why the record must be kept past its period.")

    class Meta:
        model = LegalHold
        fields = ["id", "record", "reason", "placed_by", "placed_at", "in_force", "released_by", "released_at"]
        read_only_fields = ["id", "placed_by", "placed_at", "in_force", "released_by", "released_at"]


class LegalHoldViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                       viewsets.GenericViewSet):
    """Legal holds keep records out of disposal under the retention schedule: information governance only (others
    get 404). POST {"record": reference, "reason": text}; POST …/{id}/release/ ends a hold."""

    serializer_class = LegalHoldSerializer
    queryset = LegalHold.objects.none()  # for the schema; get_queryset scopes by caller
    lookup_value_regex = r"[0-9]+"

    def get_queryset(self) -> object:
        return retention.legal_holds_for(self.request.user)

    def initial(self, request: Request, *args: object, **kwargs: object) -> None:
        super().initial(request, *args, **kwargs)
        if not request.user.is_auditor:
            raise NotFound()

    def create(self, request: Request, *args: object, **kwargs: object) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        hold = retention.legal_hold_place(reference=serializer.validated_data["record"]["reference"],
                                          actor=request.user, reason=serializer.validated_data["reason"])
        return Response(self.get_serializer(hold).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=LegalHoldSerializer)
    @action(detail=True, methods=["post"])
    def release(self, request: Request, pk: str | None = None) -> Response:
        hold = retention.legal_hold_release(hold=self.get_object(), actor=request.user)
        return Response(self.get_serializer(hold).data)
