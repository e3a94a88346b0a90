"""List filters of /api/v1/searches/, named as in API.md."""

from __future__ import annotations

import django_filters
from django.db.models import Q, QuerySet

from searchlog.api.fields import MomentFilter
from searchlog.models import ConsentStatus, SearchRecord, Status


class SearchRecordFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=Status.choices)
    team = django_filters.CharFilter(method="filter_team", help_text="Team id or exact name.")
    practitioner = django_filters.CharFilter(field_name="practitioner__username", help_text="Username.")
    is_emergency = django_filters.BooleanFilter()
    consent_status = django_filters.ChoiceFilter(choices=ConsentStatus.choices)
    justified = django_filters.BooleanFilter(field_name="is_justified")
    searched_after = MomentFilter(field_name="searched_at", lookup_expr="gte")
    searched_before = MomentFilter(field_name="searched_at", lookup_expr="lte")

    class Meta:
        model = SearchRecord
        fields: list[str] = []

    def filter_team(self, records: QuerySet[SearchRecord], name: str, value: str) -> QuerySet[SearchRecord]:
        condition = Q(team__name=value)
        # isdigit() is true of "²" too, which int() refuses: a team id is ASCII digits; anything else is a name.
        if value.isascii() and value.isdigit():
            condition |= Q(team_id=int(value))
        return records.filter(condition)
