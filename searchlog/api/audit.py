"""GET /api/v1/audit-events/ for auditors (the token sign-in, audited, is searchlog.api.tokens)."""

from __future__ import annotations

import django_filters
from django.db.models import QuerySet
from rest_framework import generics, serializers
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.views import APIView

from searchlog import exports
from searchlog.api.tokens import obtain_auth_token  # noqa: F401 (the token view, imported from here too)
from searchlog.audit import audit_events_matching
from searchlog.models import AuditEvent


class IsAuditor(BasePermission):
    message = "Only auditors may read the audit trail."

    def has_permission(self, request: Request, view: APIView) -> bool:
        return bool(request.user and request.user.is_authenticated and request.user.is_auditor)


class AuditEventSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor_username", read_only=True, help_text="Username at the time.")
    seal_seq = serializers.IntegerField(read_only=True, allow_null=True,
                                        help_text="The event's place in the sealed chain; null until it is sealed.")

    class Meta:
        model = AuditEvent
        fields = [
            "id", "at", "actor", "action", "object_type", "object_id", "request_id", "ip_address", "changes",
            "seal_seq",
        ]
        read_only_fields = fields


class AuditEventFilter(django_filters.FilterSet):
    action = django_filters.CharFilter(help_text="Action code, for example record.submit.")
    actor = django_filters.CharFilter(help_text="Username.")
    object_id = django_filters.CharFilter(help_text="For example a record reference.")
    date_from = django_filters.DateFilter(help_text="On or after this day (YYYY-MM-DD, UK time).",
                                          validators=[exports.validate_day])
    date_to = django_filters.DateFilter(help_text="On or before this day (YYYY-MM-DD, UK time).",
                                        validators=[exports.validate_day])

    class Meta:
        model = AuditEvent
        fields: list[str] = []

    def filter_queryset(self, queryset: QuerySet[AuditEvent]) -> QuerySet[AuditEvent]:
        # The same filters as the audit trail page, from one place.
        filters = {name: value for name, value in self.form.cleaned_data.items() if value not in (None, "")}
        return audit_events_matching(**filters)


class AuditEventList(generics.ListAPIView):
    """The audit trail, newest first (auditors only)."""

    serializer_class = AuditEventSerializer
    permission_classes = [IsAuthenticated, IsAuditor]
    filterset_class = AuditEventFilter

    def get_queryset(self) -> QuerySet[AuditEvent]:
        return audit_events_matching()
