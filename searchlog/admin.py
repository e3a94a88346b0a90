"""Admin pages for people, teams and records (records are read-only here: change them through the workflow)."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest

from searchlog import delivery, lockout, retention
from searchlog.models import (
    Addendum,
    AuditEvent,
    Breach,
    Disposal,
    DisposalRun,
    Escalation,
    LegalHold,
    Notification,
    PrivacyCheck,
    RecordRevision,
    SearchRecord,
    SignInLockout,
    Team,
    Transition,
    User,
)


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ("username", "first_name", "last_name", "job_title", "email", "role", "team", "is_active")
    list_filter = ("role", "team", "is_active", "is_staff")
    fieldsets = (*BaseUserAdmin.fieldsets, ("Online search log", {"fields": ("role", "team", "job_title")}))
    add_fieldsets = (*BaseUserAdmin.add_fieldsets, ("Online search log", {"fields": ("role", "team", "job_title")}))
    actions = ["unlock_sign_in"]

    @admin.action(description="Unlock sign-in for the selected people (ends a lockout now)")
    def unlock_sign_in(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        ended = sum(lockout.lockouts_for_username_end(user.get_username(), by=request.user) for user in queryset)
        self.message_user(request, f"{ended} lockout(s) ended.", messages.SUCCESS)


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ("name",)
    search_fields = ("name",)
    filter_horizontal = ("managers",)


class TransitionInline(admin.TabularInline):
    model = Transition
    extra = 0
    can_delete = False
    readonly_fields = ("action", "from_status", "to_status", "actor", "at", "comment")

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(SearchRecord)
class SearchRecordAdmin(admin.ModelAdmin):
    list_display = ("reference", "status", "is_justified", "practitioner", "team", "searched_at", "created_at")
    list_filter = ("status", "is_justified", "team", "is_emergency", "consent_status")
    search_fields = ("reference", "subject_reference", "practitioner__username")
    list_select_related = ("practitioner", "team")
    inlines = [TransitionInline]

    def get_readonly_fields(self, request: HttpRequest, obj: SearchRecord | None = None) -> list[str]:
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Records are made by practitioners through the service, so their rules apply.
        return False

    def has_delete_permission(self, request: HttpRequest, obj: SearchRecord | None = None) -> bool:
        # Nothing is ever deleted by a user.
        return False


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows written only by the service (and, for audit events, append-only): shown, never edited here."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(RecordRevision)
class RecordRevisionAdmin(ReadOnlyAdmin):
    list_display = ("record", "number", "submitted_at")
    list_select_related = ("record",)


@admin.register(Addendum)
class AddendumAdmin(ReadOnlyAdmin):
    list_display = ("record", "author", "at")
    list_select_related = ("record", "author")


@admin.register(Escalation)
class EscalationAdmin(ReadOnlyAdmin):
    list_display = ("record", "raised_by", "raised_at", "outcome", "closed_at")
    list_filter = ("outcome",)
    list_select_related = ("record", "raised_by")


@admin.register(Breach)
class BreachAdmin(ReadOnlyAdmin):
    """Read-only here: information governance records what was done on the breach register's own pages."""

    list_display = ("pk", "record", "found_at", "ico_reported_at")
    list_select_related = ("record",)


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ("recipient", "kind", "record", "due_at", "email_status", "email_attempts", "emailed_at",
                    "email_error", "read_at")
    list_filter = ("email_status", "kind")
    list_select_related = ("recipient", "record")
    actions = ["retry_sending"]

    def has_retry_permission(self, request: HttpRequest) -> bool:
        # The rows stay read-only here; only someone who could change notices may ask for a resend.
        return request.user.has_perm("searchlog.change_notification")

    @admin.action(description="Retry sending the selected failed emails", permissions=["retry"])
    def retry_sending(self, request: HttpRequest, queryset: QuerySet[Notification]) -> None:
        retried = delivery.retry_failed(queryset.values_list("pk", flat=True))
        for notice in retried:
            # A log entry is audited like every other admin change (searchlog.signals).
            self.log_change(request, notice, "Retry sending the email.")
        self.message_user(request, f"{len(retried)} failed email(s) will be sent again.", messages.SUCCESS)


@admin.register(PrivacyCheck)
class PrivacyCheckAdmin(ReadOnlyAdmin):
    list_display = ("user", "at")
    list_select_related = ("user",)


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ("id", "at", "actor_username", "action", "object_type", "object_id")
    list_filter = ("action",)
    search_fields = ("object_id", "actor_username")


@admin.register(SignInLockout)
class SignInLockoutAdmin(ReadOnlyAdmin):
    list_display = ("kind", "key", "started_at", "until", "failures", "ended_at", "ended_by")
    list_filter = ("kind", ("ended_at", admin.EmptyFieldListFilter))
    search_fields = ("key",)
    actions = ["unlock"]

    def has_unlock_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_superuser or request.user.has_perm("searchlog.change_user"))

    @admin.action(description="Unlock now (ends the selected lockouts, audited)", permissions=["unlock"])
    def unlock(self, request: HttpRequest, queryset: QuerySet[SignInLockout]) -> None:
        ended = sum(lockout.lockout_end(item, by=request.user) for item in queryset.filter(ended_at__isnull=True))
        self.message_user(request, f"{ended} lockout(s) ended.", messages.SUCCESS)


class LegalHoldForm(forms.ModelForm):
    class Meta:
        model = LegalHold
        fields = ("record", "reason")

    def clean(self) -> dict:
        data = super().clean() or {}
        record = data.get("record")
        if record is not None and not self.instance.pk:
            if not (data.get("reason") or "").strip():
                raise ValidationError({"reason": "Enter why the record must be kept"})
            if LegalHold.objects.filter(record=record, released_at__isnull=True).exists():
                raise ValidationError({"record": f"Record {record.reference} is already on legal hold."})
        return data


@admin.register(LegalHold)
class LegalHoldAdmin(admin.ModelAdmin):
    """Place a hold here (record and reason) or on the API; it goes through retention.legal_hold_place."""

    form = LegalHoldForm
    list_display = ("record", "reason", "placed_by", "placed_at", "released_at")
    list_filter = ("released_at",)
    raw_id_fields = ("record",)
    fields = ("record", "reason", "placed_by", "placed_at", "released_by", "released_at")
    readonly_fields = ("placed_by", "placed_at", "released_by", "released_at")
    actions = ["release"]

    def get_readonly_fields(self, request: HttpRequest, obj: LegalHold | None = None) -> tuple[str, ...]:
        return (*self.readonly_fields, "record", "reason") if obj else self.readonly_fields

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: LegalHold, form: object, change: bool) -> None:
        if change:
            return
        hold = retention.legal_hold_place(reference=obj.record.reference, actor=request.user, reason=obj.reason)
        obj.pk, obj.placed_by, obj.placed_at = hold.pk, hold.placed_by, hold.placed_at

    @admin.action(description="Release the selected legal holds")
    def release(self, request: HttpRequest, queryset: QuerySet[LegalHold]) -> None:
        released = 0
        for hold in queryset.filter(released_at__isnull=True):
            retention.legal_hold_release(hold=hold, actor=request.user)
            released += 1
        self.message_user(request, f"{released} legal hold(s) released.", messages.SUCCESS)


@admin.register(DisposalRun)
class DisposalRunAdmin(ReadOnlyAdmin):
    list_display = ("pk", "started_at", "finished_at", "retention_years", "cutoff", "records", "held", "started_by")


@admin.register(Disposal)
class DisposalAdmin(ReadOnlyAdmin):
    list_display = ("reference", "team_name", "last_activity_at", "anonymised_at", "run")
    search_fields = ("reference",)
