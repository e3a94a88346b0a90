"""The REST API: thin doors onto selectors and workflow."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.generics import ListAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from searchlog import approvals, breaches, reminders, selectors, workflow
from searchlog.api.filters import SearchRecordFilter
from searchlog.api.serializers import (
    AddendumSerializer,
    ApprovalSerializer,
    ApproveSerializer,
    BreachSerializer,
    CaseNoteSerializer,
    CloseEscalationSerializer,
    CommentSerializer,
    EscalationSerializer,
    MeSerializer,
    NotificationSerializer,
    OptionalCommentSerializer,
    RelatedSearchSerializer,
    SearchRecordSerializer,
    SignOffSerializer,
)
from searchlog.audit import audit_append, audit_list_read, audit_record_view
from searchlog.case_note import case_note_text
from searchlog.flags import flags_read, with_flags_for
from searchlog.models import Approval, ApprovalStatus, Breach, Escalation, Notification, SearchRecord


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
        records = selectors.records_visible_to(self.request.user)
        if self.action in ("list", "retrieve"):
            return with_flags_for(self.request.user, records)
        # An action only finds the record in the caller's scope here: the workflow locks and reads it, and
        # _respond reads it back with its people and flags. Its id is all this read needs.
        return records.select_related(None).only("pk")

    def filter_queryset(self, queryset: QuerySet[SearchRecord]) -> QuerySet[SearchRecord]:
        # With no query string the filters filter nothing: skip building the filter set (every action finds
        # its record through here).
        return super().filter_queryset(queryset) if self.request.query_params else queryset

    def _respond(self, record: SearchRecord, code: int = status.HTTP_200_OK,
                 serializer: serializers.Serializer | None = None) -> Response:
        # The workflow's record is the row as saved (with its people); only the flags, database conditions, are
        # read now. The record was found in the caller's scope, or made by them.
        fresh = flags_read(record, reader=self.request.user)
        if serializer is None:
            serializer = self.get_serializer(fresh)
        else:  # the request's serializer, validated: it shows the saved record without building its fields again
            serializer.instance = fresh
        return Response(serializer.data, status=code)

    def list(self, request: Request, *args: object, **kwargs: object) -> Response:
        response = super().list(request, *args, **kwargs)
        _audit_page(request, response, action="record.list")
        return response

    def retrieve(self, request: Request, *args: object, **kwargs: object) -> Response:
        record = self.get_object()
        audit_record_view(request=request, reference=record.reference)
        return Response(self.get_serializer(record).data)

    def create(self, request: Request, *args: object, **kwargs: object) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        record = workflow.record_create(practitioner=request.user, data=serializer.validated_data)
        return self._respond(record, status.HTTP_201_CREATED, serializer)

    def update(self, request: Request, *args: object, **kwargs: object) -> Response:
        record = self.get_object()
        serializer = self.get_serializer(record, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        record = workflow.record_update(record=record, actor=request.user, data=serializer.validated_data)
        return self._respond(record, serializer=serializer)

    @extend_schema(request=None, responses=SearchRecordSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request: Request, reference: str | None = None) -> Response:
        record = workflow.record_submit(record=self.get_object(), actor=request.user)
        return self._respond(record)

    @extend_schema(request=SignOffSerializer, responses=SearchRecordSerializer)
    @action(detail=True, methods=["post"], url_path="sign-off")
    def sign_off(self, request: Request, reference: str | None = None) -> Response:
        body = _valid(SignOffSerializer, request)
        record = workflow.record_sign_off(
            record=self.get_object(), actor=request.user, reviewer_involved=body["reviewer_involved"],
            comment=body["comment"],
        )
        return self._respond(record)

    @extend_schema(request=CommentSerializer, responses=SearchRecordSerializer)
    @action(detail=True, methods=["post"], url_path="return")
    def return_(self, request: Request, reference: str | None = None) -> Response:
        body = _valid(CommentSerializer, request)
        record = workflow.record_return(record=self.get_object(), actor=request.user, comment=body["comment"])
        return self._respond(record)

    @extend_schema(request=CommentSerializer, responses=SearchRecordSerializer)
    @action(detail=True, methods=["post"])
    def escalate(self, request: Request, reference: str | None = None) -> Response:
        body = _valid(CommentSerializer, request)
        escalation = workflow.record_escalate(record=self.get_object(), actor=request.user, comment=body["comment"])
        return self._respond(escalation.record)

    # A plain list, not a page: without pagination_class=None the schema described a paginated object.
    @extend_schema(request=None, responses=RelatedSearchSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None)
    def related(self, request: Request, reference: str | None = None) -> Response:
        """The earlier searches about the same person (normalised subject reference) the caller may see."""
        related = RelatedSearchSerializer(selectors.related_records(request.user, self.get_object()), many=True).data
        audit_list_read(request=request, action="record.related", references=[row["reference"] for row in related],
                        filters={"reference": reference})
        return Response(related)

    @extend_schema(request=None, responses=CaseNoteSerializer)
    @action(detail=True, methods=["get"], url_path="case-note")
    def case_note(self, request: Request, reference: str | None = None) -> Response:
        """The record as one plain paragraph to paste into the case management system (audited as a read)."""
        record = self.get_object()
        audit_append(action="record.case_note", actor=request.user, obj_type="record", obj_id=record.reference,
                     request=request)
        return Response({"text": case_note_text(record)})

    @extend_schema(request=AddendumSerializer, responses={201: AddendumSerializer})
    @action(detail=True, methods=["post"])
    def addenda(self, request: Request, reference: str | None = None) -> Response:
        body = _valid(AddendumSerializer, request)
        addendum = workflow.addendum_add(record=self.get_object(), actor=request.user, text=body["text"])
        return Response(AddendumSerializer(addendum).data, status=status.HTTP_201_CREATED)


def _audit_page(request: Request, response: Response, *, action: str, reference_key: str = "reference") -> None:
    """One audit event for a list read, naming the records on the page returned."""
    rows = response.data["results"] if isinstance(response.data, dict) else response.data
    audit_list_read(request=request, action=action, references=[row[reference_key] for row in rows],
                    filters=request.query_params)


def _valid(serializer_class: type[serializers.Serializer], request: Request) -> dict[str, Any]:
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


class ReviewQueueView(ListAPIView):
    """What the caller may sign off now, oldest first, with flags."""

    serializer_class = SearchRecordSerializer
    queryset = SearchRecord.objects.none()  # for the schema; get_queryset scopes by caller

    def get_queryset(self) -> QuerySet[SearchRecord]:
        return with_flags_for(self.request.user, selectors.review_queue_for(self.request.user))

    def list(self, request: Request, *args: object, **kwargs: object) -> Response:
        response = super().list(request, *args, **kwargs)
        _audit_page(request, response, action="review_queue.view")
        return response


class NotificationListView(ListAPIView):
    """The caller's notifications, newest first."""

    serializer_class = NotificationSerializer
    queryset = Notification.objects.none()  # for the schema; get_queryset scopes by caller

    def get_queryset(self) -> QuerySet[Notification]:
        return reminders.notifications_for(self.request.user)


class EscalationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Escalations, for auditors (information governance)."""

    serializer_class = EscalationSerializer
    queryset = Escalation.objects.none()  # for the schema; get_queryset scopes by caller

    def get_queryset(self) -> QuerySet[Escalation]:
        return selectors.escalations_for(self.request.user)

    def list(self, request: Request, *args: object, **kwargs: object) -> Response:
        response = super().list(request, *args, **kwargs)
        _audit_page(request, response, action="escalation.list", reference_key="record")
        return response

    @extend_schema(request=CloseEscalationSerializer, responses=EscalationSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request: Request, pk: str | None = None) -> Response:
        body = _valid(CloseEscalationSerializer, request)
        escalation = workflow.escalation_close(
            escalation=self.get_object(), actor=request.user, outcome=body["outcome"], comment=body["comment"]
        )
        return Response(EscalationSerializer(escalation).data)


class BreachViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.UpdateModelMixin,
                    viewsets.GenericViewSet):
    """The breach register, for auditors (information governance); others get 404."""

    serializer_class = BreachSerializer
    queryset = Breach.objects.none()  # for the schema; get_queryset scopes by caller
    http_method_names = ["get", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet[Breach]:
        return selectors.breaches_for(self.request.user)

    def list(self, request: Request, *args: object, **kwargs: object) -> Response:
        if not request.user.is_auditor:
            raise NotFound()  # the register is not there for anyone else (404, never 403)
        return super().list(request, *args, **kwargs)

    def update(self, request: Request, *args: object, **kwargs: object) -> Response:
        breach = self.get_object()
        serializer = self.get_serializer(breach, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        breach = breaches.breach_update(breach=breach, actor=request.user, data=serializer.validated_data)
        return Response(self.get_serializer(self.get_queryset().get(pk=breach.pk)).data)


class ApprovalViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                      viewsets.GenericViewSet):
    """Requests for prior approval of planned searches: the requester, their team's managers and information
    governance see them (others get 404). Filter: `status`; `decide=true` lists only what the caller decides."""

    serializer_class = ApprovalSerializer
    queryset = Approval.objects.none()  # for the schema; get_queryset scopes by caller
    lookup_value_regex = r"[0-9]+"

    def get_queryset(self) -> QuerySet[Approval]:
        approvals_seen = selectors.approvals_visible_to(self.request.user)
        wanted = self.request.query_params.get("status") if self.action == "list" else None
        if wanted:
            if wanted not in ApprovalStatus.values:
                raise serializers.ValidationError({"status": [f"Select one of: {', '.join(ApprovalStatus.values)}"]})
            approvals_seen = approvals_seen.filter(status=wanted)
        if self.action == "list" and self.request.query_params.get("decide") == "true":
            approvals_seen = approvals_seen.filter(pk__in=[a.pk for a in selectors.decide_queue_for(
                self.request.user)])
        return approvals_seen

    def list(self, request: Request, *args: object, **kwargs: object) -> Response:
        response = super().list(request, *args, **kwargs)
        rows = response.data["results"] if isinstance(response.data, dict) else response.data
        audit_append(action="approval.list", actor=request.user, obj_type="approval", request=request,
                     changes={"approvals": [row["id"] for row in rows]})
        return response

    def retrieve(self, request: Request, *args: object, **kwargs: object) -> Response:
        approval = self.get_object()
        audit_append(action="approval.view", actor=request.user, obj_type="approval", obj_id=approval.label,
                     request=request)
        return Response(self.get_serializer(approval).data)

    def create(self, request: Request, *args: object, **kwargs: object) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        approval = approvals.approval_request(requester=request.user, data=serializer.validated_data)
        return self._respond(approval, status.HTTP_201_CREATED)

    def _respond(self, approval: Approval, code: int = status.HTTP_200_OK) -> Response:
        fresh = selectors.approvals_visible_to(self.request.user).get(pk=approval.pk)
        return Response(ApprovalSerializer(fresh).data, status=code)

    @extend_schema(request=ApproveSerializer, responses=ApprovalSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, pk: str | None = None) -> Response:
        body = _valid(ApproveSerializer, request)
        approval = approvals.approval_approve(approval=self.get_object(), actor=request.user,
                                              expires_at=body.get("expires_at"), conditions=body["conditions"],
                                              comment=body["comment"])
        return self._respond(approval)

    @extend_schema(request=CommentSerializer, responses=ApprovalSerializer)
    @action(detail=True, methods=["post"])
    def refuse(self, request: Request, pk: str | None = None) -> Response:
        body = _valid(CommentSerializer, request)
        return self._respond(approvals.approval_refuse(approval=self.get_object(), actor=request.user,
                                                       comment=body["comment"]))

    @extend_schema(request=OptionalCommentSerializer, responses=ApprovalSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str | None = None) -> Response:
        body = _valid(OptionalCommentSerializer, request)
        return self._respond(approvals.approval_cancel(approval=self.get_object(), actor=request.user,
                                                       comment=body["comment"]))
