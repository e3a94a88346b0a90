"""Moments as the API reads them (list filters and record fields), refused by searchlog.moments' rule."""

from __future__ import annotations

from datetime import datetime

import django_filters
from django import forms
from django_filters.fields import IsoDateTimeField
from rest_framework import serializers

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
