"""Moments as the API reads them: ISO 8601 with a real-world UTC offset (-14:00 to +14:00), within datetime's range.

Python accepts any offset under 24 hours, PostgreSQL only under 16, and no place on Earth is beyond ±14: an offset
such as +20:30 is a typo, refused here (400 naming the field) rather than by the database (500).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import django_filters
from django import forms
from django_filters.fields import IsoDateTimeField
from rest_framework import serializers

MAX_OFFSET = timedelta(hours=14)
OFFSET_MESSAGE = "Enter a time zone offset between -14:00 and +14:00"
RANGE_MESSAGE = "Enter a date and time between the years 1 and 9999"


def moment_error(value: datetime) -> str | None:
    """Why the moment cannot be stored or compared, or None."""
    offset = value.utcoffset()
    if offset is not None and abs(offset) > MAX_OFFSET:
        return OFFSET_MESSAGE
    try:
        value.astimezone(UTC) if offset is not None else value.replace(tzinfo=UTC)
    except OverflowError:
        return RANGE_MESSAGE
    return None


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
