"""Which warning flags a record carries, computed in one place for pages, API and exports."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce

from searchlog.models import CONSENT_OBTAINED, AccountUsed, ContentVisibility, Interaction, SearchRecord

FLAG_LABELS = {
    "emergency": "Emergency",
    "no_consent": "No consent",
    "personal_account": "Personal account or device",
    "interaction": "Interaction",
    "restricted_content": "Restricted content",
    "late_record": "Late record",
    "repeat_searching": "Repeat searching",
    "reviewer_involved": "Reviewer involved",
    "overdue": "Overdue",
}


def with_flag_data(records: QuerySet[SearchRecord]) -> QuerySet[SearchRecord]:
    """Annotate what the flags need from other rows, so a list costs one query."""
    window = timedelta(days=settings.SEARCHLOG_REPEAT_SEARCH_DAYS)
    same_subject = (
        SearchRecord.objects.filter(
            team_id=OuterRef("team_id"),
            subject_reference=OuterRef("subject_reference"),
            searched_at__lte=OuterRef("searched_at"),
            searched_at__gte=OuterRef("searched_at") - window,
        )
        .order_by()
        .values("team_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return records.annotate(
        subject_search_count=Coalesce(Subquery(same_subject, output_field=IntegerField()), 0)
    )


def flags_for(record: SearchRecord) -> list[str]:
    """Return the record's flags, in the order of FLAG_LABELS."""
    found = set()
    if record.is_emergency:
        found.add("emergency")
    if record.consent_status and record.consent_status not in CONSENT_OBTAINED:
        found.add("no_consent")
    if record.account_used in (AccountUsed.PERSONAL_ACCOUNT, AccountUsed.PERSONAL_DEVICE):
        found.add("personal_account")
    if record.interaction == Interaction.INTERACTED:
        found.add("interaction")
    if record.content_visibility in (ContentVisibility.RESTRICTED, ContentVisibility.BOTH):
        found.add("restricted_content")
    if record.created_at - record.searched_at > timedelta(hours=settings.SEARCHLOG_LATE_RECORD_HOURS):
        found.add("late_record")
    count = getattr(record, "subject_search_count", None)
    if count is not None and count >= settings.SEARCHLOG_REPEAT_SEARCH_COUNT:
        found.add("repeat_searching")
    return [flag for flag in FLAG_LABELS if flag in found]
