"""API shapes of records and people. Parsing only: the rules live in workflow and justification."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from django.db import models
from rest_framework import serializers

from searchlog import breaches, reminders
from searchlog.api.fields import MomentField, OptionalName
from searchlog.flags import flags_for
from searchlog.models import (
    AccountUsed,
    ActionTaken,
    Addendum,
    Approval,
    Breach,
    ConsentGivenBy,
    ConsentStatus,
    ContentVisibility,
    EmergencyCategory,
    Escalation,
    EscalationOutcome,
    Interaction,
    LawfulBasis,
    Notification,
    Platform,
    SearchRecord,
    SubjectRelationship,
    User,
)
from searchlog.workflow import EDITABLE_FIELDS


class MeSerializer(serializers.ModelSerializer):
    roles = serializers.ListField(child=serializers.CharField(), read_only=True)
    team = OptionalName(source="team.name")
    managed_teams = serializers.SlugRelatedField(many=True, slug_field="name", read_only=True)

    class Meta:
        model = User
        fields = ["username", "first_name", "last_name", "email", "role", "roles", "team", "managed_teams"]


# Sent by the browsable API's HTML forms along with the fields.
_FORM_EXTRAS = frozenset({"csrfmiddlewaretoken"})


class ApprovalIdField(serializers.IntegerField):
    """A record's `approval`: the id of the prior approval it was made under, or null."""

    def get_attribute(self, instance: SearchRecord) -> int | None:
        return instance.approval_id


class SearchRecordSerializer(serializers.ModelSerializer):
    # Every moment is read with a real-world UTC offset (see api.fields).
    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping, models.DateTimeField: MomentField,
    }
    justified = serializers.BooleanField(source="is_justified", read_only=True)
    flags = serializers.SerializerMethodField()
    practitioner = serializers.CharField(source="practitioner.username", read_only=True)
    team = serializers.CharField(source="team.name", read_only=True)
    platforms = serializers.ListField(child=serializers.ChoiceField(choices=Platform.choices), required=False)
    actions_taken = serializers.ListField(child=serializers.ChoiceField(choices=ActionTaken.choices), required=False)
    content_visibility = serializers.ChoiceField(choices=ContentVisibility.choices, allow_blank=True, required=False)
    consent_status = serializers.ChoiceField(choices=ConsentStatus.choices, allow_blank=True, required=False)
    emergency_category = serializers.ChoiceField(choices=EmergencyCategory.choices, allow_blank=True, required=False)
    account_used = serializers.ChoiceField(choices=AccountUsed.choices, allow_blank=True, required=False)
    interaction = serializers.ChoiceField(choices=Interaction.choices, allow_blank=True, required=False)
    lawful_basis = serializers.ChoiceField(choices=LawfulBasis.choices, allow_blank=True, required=False)
    subject_relationship = serializers.ChoiceField(
        choices=SubjectRelationship.choices, allow_blank=True, required=False)
    consent_given_by = serializers.ChoiceField(choices=ConsentGivenBy.choices, allow_blank=True, required=False)
    confidential_information = serializers.BooleanField(
        allow_null=True, required=False,
        help_text="Whether confidential information was likely to be seen; null until answered.")
    # Each address is checked by the workflow (a whole http(s) address), so pages and API say the same.
    profile_urls = serializers.ListField(child=serializers.CharField(allow_blank=True), required=False)
    outcome = serializers.CharField(read_only=True, help_text="How the record's escalation was closed (closed "
                                                              "records only; otherwise blank).")
    reviewed_by = OptionalName(source="reviewed_by.username")
    ig_reviewed_by = OptionalName(source="ig_reviewed_by.username")
    approval = ApprovalIdField(
        allow_null=True, required=False,
        help_text="The id of the prior approval the search was made under (one you requested, about the same "
                  "person), or null.")

    class Meta:
        model = SearchRecord
        read_only_fields = [
            "reference", "status", "justified", "flags", "practitioner", "team", "is_quick_record",
            "created_at", "updated_at", "submitted_at", "signed_off_at", "reviewed_by", "ig_reviewed_by", "outcome",
        ]
        fields = [*read_only_fields, *EDITABLE_FIELDS, "approval"]
        extra_kwargs = {"searched_at": {"required": True}, "subject_reference": {"required": True}}

    def get_flags(self, record: SearchRecord) -> list[str]:
        return flags_for(record)

    def to_internal_value(self, data: Any) -> dict[str, Any]:
        # Naming a field the caller cannot set is a mistake to report, not to ignore silently.
        if isinstance(data, Mapping):
            errors = {
                name: ["This field is read-only" if name in self.fields else "Unknown field"]
                for name in data if name not in _FORM_EXTRAS and not self._writable(name)
            }
            if errors:
                raise serializers.ValidationError(errors)
        return super().to_internal_value(data)

    def _writable(self, name: str) -> bool:
        return name in self.fields and not self.fields[name].read_only

    def to_representation(self, instance: SearchRecord) -> dict[str, Any]:
        if "fields" not in self.__dict__:
            # Showing a record only reads the fields, so a serializer whose fields were built once per process
            # shows it (building them is most of a response's serializing). A request's serializer, whose fields
            # were built to validate the input, shows the saved record with those.
            return serializers.ModelSerializer.to_representation(_shower(type(self)), instance)
        return super().to_representation(instance)

    def get_validators(self) -> list[Any]:
        # DRF works the model's unique-together and unique-for-date validators out of its meta on every instance;
        # they depend only on the model and the fields, so once per shape is enough (the validators keep no state).
        key = (type(self), bool(self.partial))
        if key not in _VALIDATORS:
            _VALIDATORS[key] = super().get_validators()
        return list(_VALIDATORS[key])

    def get_fields(self) -> dict[str, serializers.Field]:
        # Building fields from the model is most of a serializer's cost: do it once per shape, then copy.
        key = (type(self), bool(self.partial))
        prototype = _PROTOTYPE_FIELDS.get(key)
        if prototype is None:
            prototype = super().get_fields()
            # A PATCH needs no field; a create needs the subject and when (a draft may be incomplete).
            if self.partial:
                for field in ("searched_at", "subject_reference"):
                    prototype[field].required = False
            _PROTOTYPE_FIELDS[key] = prototype
        return copy.deepcopy(prototype)


_PROTOTYPE_FIELDS: dict[tuple[type, bool], dict[str, serializers.Field]] = {}
_SHOWERS: dict[type, SearchRecordSerializer] = {}
_VALIDATORS: dict[tuple[type, bool], list[Any]] = {}


def _shower(serializer_class: type[SearchRecordSerializer]) -> SearchRecordSerializer:
    """A serializer of the class kept for showing records: no instance, no context; only ever read."""
    shower = _SHOWERS.get(serializer_class)
    if shower is None:
        shower = _SHOWERS[serializer_class] = serializer_class()
    return shower


class SignOffSerializer(serializers.Serializer):
    reviewer_involved = serializers.BooleanField(
        default=False, help_text="Whether the reviewer is directly involved in the person's case (flagged if so)."
    )
    comment = serializers.CharField(required=False, allow_blank=True, default="")


class CommentSerializer(serializers.Serializer):
    comment = serializers.CharField(allow_blank=True)


class AddendumSerializer(serializers.ModelSerializer):
    author = serializers.CharField(source="author.username", read_only=True)

    class Meta:
        model = Addendum
        fields = ["id", "author", "at", "text"]
        read_only_fields = ["id", "author", "at"]
        extra_kwargs = {"text": {"allow_blank": True}}


class CaseNoteSerializer(serializers.Serializer):
    text = serializers.CharField(read_only=True, help_text="One plain paragraph, in the third person.")


class EscalationSerializer(serializers.ModelSerializer):
    record = serializers.CharField(source="record.reference", read_only=True)
    raised_by = serializers.CharField(source="raised_by.username", read_only=True)
    closed_by = OptionalName(source="closed_by.username")

    class Meta:
        model = Escalation
        fields = ["id", "record", "raised_by", "raised_at", "comment", "closed_by", "closed_at", "outcome",
                  "closing_comment"]
        read_only_fields = fields


class CloseEscalationSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=EscalationOutcome.choices)
    comment = serializers.CharField()


class RelatedSearchSerializer(serializers.ModelSerializer):
    """An earlier search about the same person, as /related/ lists it."""

    # Moments written as RFC 3339 date-times whatever their year (see MomentField.to_representation).
    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping, models.DateTimeField: MomentField,
    }
    practitioner = serializers.CharField(source="practitioner.username", read_only=True)
    team = serializers.CharField(source="team.name", read_only=True)

    class Meta:
        model = SearchRecord
        fields = ["reference", "status", "subject_reference", "searched_at", "practitioner", "team", "is_emergency"]
        read_only_fields = fields


class NotificationSerializer(serializers.ModelSerializer):
    title = serializers.SerializerMethodField()
    link = serializers.SerializerMethodField()
    record = OptionalName(source="record.reference")

    class Meta:
        model = Notification
        fields = ["id", "kind", "title", "record", "link", "detail", "created_at", "emailed_at", "read_at",
                  "resolved_at"]
        read_only_fields = fields

    def get_title(self, notice: Notification) -> str:
        return reminders.notice_title(notice)

    def get_link(self, notice: Notification) -> str:
        return reminders.notice_link(notice)


class BreachSerializer(serializers.ModelSerializer):
    """A breach register entry; auditors PATCH what was done (the rules live in breaches.breach_update)."""

    record = serializers.CharField(source="record.reference", read_only=True)
    opened_by = serializers.CharField(source="opened_by.username", read_only=True)
    ico_deadline = serializers.DateTimeField(read_only=True, help_text="72 hours after found_at.")
    ico_overdue = serializers.SerializerMethodField()
    ico_clock = serializers.SerializerMethodField()
    person_told = serializers.BooleanField(allow_null=True, required=False)

    class Meta:
        model = Breach
        fields = ["id", "record", "escalation", "opened_by", "opened_at", "found_at", "ico_deadline", "ico_overdue",
                  "ico_clock", "person_told", "person_told_at", "dpo_reported_at", "ico_reported_at", "notes",
                  "updated_at"]
        read_only_fields = ["id", "record", "escalation", "opened_by", "opened_at", "ico_deadline", "updated_at"]
        extra_kwargs = {"notes": {"allow_blank": True}}

    def get_ico_overdue(self, breach: Breach) -> bool:
        return breaches.ico_clock(breach)[1]

    def get_ico_clock(self, breach: Breach) -> str:
        return breaches.ico_clock(breach)[0]


class ApprovalSerializer(serializers.ModelSerializer):
    """A request for prior approval of a planned search and its decision (rules: searchlog.approvals)."""

    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping, models.DateTimeField: MomentField,
    }
    requested_by = serializers.CharField(source="requested_by.username", read_only=True)
    team = serializers.CharField(source="team.name", read_only=True)
    decided_by = OptionalName(source="decided_by.username")
    cancelled_by = OptionalName(source="cancelled_by.username")
    platforms = serializers.ListField(child=serializers.ChoiceField(choices=Platform.choices), required=False)
    subject_relationship = serializers.ChoiceField(choices=SubjectRelationship.choices, required=False)
    account_used = serializers.ChoiceField(choices=AccountUsed.choices, required=False)
    confidential_information = serializers.BooleanField(required=False, allow_null=True)
    viewings = serializers.IntegerField(required=False)
    needed_for_days = serializers.IntegerField(required=False)

    class Meta:
        model = Approval
        read_only_fields = ["id", "status", "requested_by", "team", "decided_by", "decided_at", "decision_comment",
                            "conditions", "expires_at", "cancelled_by", "cancelled_at", "created_at"]
        fields = [*read_only_fields, "subject_reference", "subject_relationship", "purpose", "justification",
                  "alternatives_considered", "collateral_intrusion", "platforms", "platforms_other", "viewings",
                  "account_used", "confidential_information", "needed_for_days"]
        extra_kwargs = {field: {"required": False, "allow_blank": True} for field in (
            "subject_reference", "purpose", "justification", "alternatives_considered", "collateral_intrusion",
            "platforms_other")}

    def to_internal_value(self, data: Any) -> dict[str, Any]:
        if isinstance(data, Mapping):
            errors = {name: ["This field is read-only" if name in self.fields else "Unknown field"]
                      for name in data if name not in _FORM_EXTRAS
                      and (name not in self.fields or self.fields[name].read_only)}
            if errors:
                raise serializers.ValidationError(errors)
        return super().to_internal_value(data)


class ApproveSerializer(serializers.Serializer):
    expires_at = MomentField(required=False, allow_null=True, help_text="Default: SEARCHLOG_APPROVAL_DAYS from now.")
    conditions = serializers.CharField(required=False, allow_blank=True, default="")
    comment = serializers.CharField(required=False, allow_blank=True, default="")


class OptionalCommentSerializer(serializers.Serializer):
    comment = serializers.CharField(required=False, allow_blank=True, default="")
