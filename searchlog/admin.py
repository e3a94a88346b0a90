"""Admin pages for people, teams and records (records are read-only here: change them through the workflow)."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.http import HttpRequest

from searchlog.models import SearchRecord, Team, Transition, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ("username", "first_name", "last_name", "email", "role", "team", "is_active")
    list_filter = ("role", "team", "is_active", "is_staff")
    fieldsets = (*BaseUserAdmin.fieldsets, ("Online search log", {"fields": ("role", "team")}))
    add_fieldsets = (*BaseUserAdmin.add_fieldsets, ("Online search log", {"fields": ("role", "team")}))


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
