"""The REST API: thin doors onto selectors and workflow."""

from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from searchlog import selectors, workflow
from searchlog.api.filters import SearchRecordFilter
from searchlog.api.serializers import MeSerializer, SearchRecordSerializer
from searchlog.flags import with_flag_data
from searchlog.models import SearchRecord


class MeView(APIView):
    @extend_schema(responses=MeSerializer)
    def get(self, request: Request) -> Response:
        return Response(MeSerializer(request.user).data)


class SearchRecordViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = SearchRecordSerializer
    lookup_field = "reference"
    lookup_value_regex = r"[A-Za-z0-9-]+"
    filterset_class = SearchRecordFilter
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet[SearchRecord]:
        return with_flag_data(selectors.records_visible_to(self.request.user))

    def _respond(self, record: SearchRecord, code: int = status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().get(pk=record.pk)
        return Response(self.get_serializer(fresh).data, status=code)

    def create(self, request: Request, *args: object, **kwargs: object) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        record = workflow.record_create(practitioner=request.user, data=serializer.validated_data)
        return self._respond(record, status.HTTP_201_CREATED)

    def update(self, request: Request, *args: object, **kwargs: object) -> Response:
        record = self.get_object()
        serializer = self.get_serializer(record, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        record = workflow.record_update(record=record, actor=request.user, data=serializer.validated_data)
        return self._respond(record)

    @extend_schema(request=None, responses=SearchRecordSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request: Request, reference: str | None = None) -> Response:
        record = workflow.record_submit(record=self.get_object(), actor=request.user)
        return self._respond(record)
