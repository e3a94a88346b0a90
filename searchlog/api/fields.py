"""Moments as the API reads them (list filters and record fields), refused by searchlog.moments' rule."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import django_filters
from django import forms
from django.utils import timezone
from django_filters.fields import IsoDateTimeField
from rest_framework import ISO_8601, serializers
from rest_framework.fields import SkipField
from rest_framework.settings import api_settings

from searchlog.moments import RANGE_MESSAGE, moment_error


class MomentFormField(IsoDateTimeField):
    def to_python(self, value: object) -> datetime | None:
        try:
            moment = super().to_python(value)
        except OverflowError:
            # Making a far-off naive moment aware in Europe/London can fall off the end of the calendar.
            raise forms.ValidationError(RANGE_MESSAGE) from None
        if moment is not None and (error := moment_error(moment)):
            raise forms.ValidationError(error)
        return moment


class MomentFilter(django_filters.IsoDateTimeFilter):
    field_class = MomentFormField


class MomentField(serializers.DateTimeField):
    def enforce_timezone(self, value: datetime) -> datetime:
        if error := moment_error(value):
            raise serializers.ValidationError(error)
        return super().enforce_timezone(value)

    def to_representation(self, value: object) -> str | None:
        # Before 1847 Europe/London kept local mean time (-00:01:15), an offset RFC 3339 cannot write: say it in UTC.
        iso = str(getattr(self, "format", api_settings.DATETIME_FORMAT)).lower() == ISO_8601
        if iso and isinstance(value, datetime) and timezone.is_aware(value) and (
                (timezone.localtime(value).utcoffset() or timedelta()) % timedelta(minutes=1)):
            return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
        return super().to_representation(value)


class OptionalName(serializers.CharField):
    """Read-only text through a relation that may be empty: null then, and present in every response (DRF skips a
    field whose source is missing when the serializer is partial, so a PATCH's answer lacked it)."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**{"read_only": True, "default": None, "allow_null": True, **kwargs})  # type: ignore[arg-type]

    def get_attribute(self, instance: object) -> object:
        try:
            return super().get_attribute(instance)
        except SkipField:
            return None
