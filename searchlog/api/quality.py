"""API doors for quality samples (information governance only; others 404) and insights (managers, auditors)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import HttpResponseBase
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from searchlog import exports, insights, quality, selectors
from searchlog.api.exports import _ExportView
from searchlog.api.fields import OptionalName
from searchlog.audit import audit_append
from searchlog.errors import RecordNotFound
from searchlog.models import QualitySample, QualitySampleItem, SampleOutcome
from searchlog.quality_forms import InsightsForm


class SampleItemSerializer(serializers.ModelSerializer):
    reference = serializers.CharField(source="record.reference")
    team = serializers.CharField(source="record.team.name")
    practitioner = serializers.CharField(source="record.practitioner.username")
    signed_off_by = OptionalName(source="record.reviewed_by.username")
    signed_off_at = serializers.DateTimeField(source="record.signed_off_at")
    reviewed_by = OptionalName(source="reviewed_by.username")

    class Meta:
        model = QualitySampleItem
        fields = ["position", "reference", "team", "practitioner", "signed_off_by", "signed_off_at", "outcome",
                  "comment", "reviewed_by", "reviewed_at"]
        read_only_fields = fields


class QualitySampleSerializer(serializers.ModelSerializer):
    """A sample as it was drawn, with how far its review has got."""

    label = serializers.CharField(read_only=True)
    size = serializers.IntegerField(source="size_requested", required=False, allow_null=True, default=None)
    created_by = serializers.CharField(source="created_by.username", read_only=True)
    item_count = serializers.IntegerField(read_only=True)
    reviewed_count = serializers.IntegerField(read_only=True)
    agreed_count = serializers.IntegerField(read_only=True)
    period_from = serializers.DateField(required=False, allow_null=True, default=None)
    period_to = serializers.DateField(required=False, allow_null=True, default=None)
    percentage = serializers.IntegerField(required=False, allow_null=True, default=None)
    seed = serializers.IntegerField(required=False, allow_null=True, default=None,
                                    help_text="Give an earlier sample's seed to draw the same records again.")

    class Meta:
        model = QualitySample
        fields = ["id", "label", "period_from", "period_to", "percentage", "size", "stratify_by_team", "seed",
                  "population", "created_by", "created_at", "item_count", "reviewed_count", "agreed_count"]
        read_only_fields = ["id", "label", "population", "created_by", "created_at"]


class QualitySampleDetailSerializer(QualitySampleSerializer):
    items = serializers.SerializerMethodField()

    class Meta(QualitySampleSerializer.Meta):
        fields = [*QualitySampleSerializer.Meta.fields, "items"]

    def get_items(self, sample: QualitySample) -> list[dict[str, Any]]:
        return SampleItemSerializer(selectors.sample_items(sample), many=True).data


class SampleReviewSerializer(serializers.Serializer):
    reference = serializers.CharField()
    outcome = serializers.ChoiceField(choices=SampleOutcome.choices)
    comment = serializers.CharField(required=False, allow_blank=True, default="")


class QualitySampleViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                           viewsets.GenericViewSet):
    """Quality samples of signed-off records: information governance only (anyone else gets 404)."""

    serializer_class = QualitySampleSerializer
    queryset = QualitySample.objects.none()  # for the schema; get_queryset scopes by caller

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        if not selectors.is_governance(request.user):
            raise NotFound("No such page.")

    def get_queryset(self) -> QuerySet[QualitySample]:
        return selectors.quality_samples_visible_to(self.request.user)

    def get_object(self) -> QualitySample:
        try:
            return selectors.quality_sample_visible_to(self.request.user, self.kwargs["pk"])
        except RecordNotFound:
            raise NotFound("No such sample.") from None

    def list(self, request: Request, *args: object, **kwargs: object) -> Response:
        response = super().list(request, *args, **kwargs)
        rows = response.data["results"] if isinstance(response.data, dict) else response.data
        audit_append(action="quality_sample.list", actor=request.user, obj_type="quality_sample", request=request,
                     changes={"samples": [row["id"] for row in rows]})
        return response

    @extend_schema(responses=QualitySampleDetailSerializer)
    def retrieve(self, request: Request, *args: object, **kwargs: object) -> Response:
        sample = self.get_object()
        audit_append(action="quality_sample.view", actor=request.user, obj_type="quality_sample",
                     obj_id=sample.label, request=request)
        return Response(QualitySampleDetailSerializer(sample).data)

    @extend_schema(responses={201: QualitySampleDetailSerializer})
    def create(self, request: Request, *args: object, **kwargs: object) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        sample = quality.quality_sample_draw(
            actor=request.user, period_from=data.get("period_from"), period_to=data.get("period_to"),
            percentage=data.get("percentage"), size=data.get("size_requested"),
            stratify_by_team=data.get("stratify_by_team", False), seed=data.get("seed"), request=request._request)
        return Response(QualitySampleDetailSerializer(selectors.quality_sample_visible_to(request.user, sample.pk))
                        .data, status=status.HTTP_201_CREATED)

    @extend_schema(request=SampleReviewSerializer, responses=SampleItemSerializer)
    @action(detail=True, methods=["post"])
    def review(self, request: Request, pk: str | None = None) -> Response:
        """Record the second review of one sampled record: `agree`, `disagree` or `needs_follow_up`."""
        sample = self.get_object()
        serializer = SampleReviewSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        item = selectors.sample_item(sample, serializer.validated_data["reference"])
        quality.quality_sample_review(item=item, actor=request.user, outcome=serializer.validated_data["outcome"],
                                      comment=serializer.validated_data["comment"], request=request._request)
        return Response(SampleItemSerializer(selectors.sample_item(sample, item.record.reference)).data)


class QualitySampleResultsCsv(_ExportView):
    @extend_schema(operation_id="quality_sample_results_csv",
                   responses={(200, "text/csv"): OpenApiResponse(OpenApiTypes.BINARY),
                              404: OpenApiResponse(description="No such sample, or not information governance.")},
                   description="A sample's records and their second-review outcomes as CSV. Audited.")
    def get(self, request: Request, pk: int) -> HttpResponseBase:
        try:
            sample = selectors.quality_sample_visible_to(request.user, pk)
        except RecordNotFound:
            raise NotFound("No such sample.") from None
        return exports.as_response(quality.sample_results_csv(user=request.user, sample=sample,
                                                              request=request._request))


class InsightsView(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter("from", OpenApiTypes.DATE, description="First day searched (default: 11 months ago, "
                                                                    "first of the month)."),
            OpenApiParameter("to", OpenApiTypes.DATE, description="Last day searched (default: today)."),
            OpenApiParameter("team", str, description="Team id or exact name (one of the caller's)."),
        ],
        responses={200: OpenApiTypes.OBJECT, 404: OpenApiResponse(description="A practitioner, or a team outside "
                                                                              "the caller's scope.")},
        description="The figures behind the insights dashboard, within the caller's scope (a manager's teams; all "
                    "for an auditor).",
    )
    def get(self, request: Request) -> Response:
        try:
            teams = selectors.insight_teams(request.user)
            form = InsightsForm(request.query_params, teams=teams)
            if not form.is_valid():
                raise ValidationError({field: list(messages) for field, messages in form.errors.items()})
            first, last = insights.default_period()
            figures = insights.insights_for(
                request.user, date_from=form.cleaned_data.get("from") or first,
                date_to=form.cleaned_data.get("to") or last, team=form.cleaned_data.get("team"))
        except RecordNotFound:
            raise NotFound("No such page.") from None
        return Response(insights.as_data(figures))
