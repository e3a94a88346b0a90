"""Forms for quality sampling and insights (the insights form also parses the API's query string)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q, QuerySet

from searchlog.errors import RecordInvalid, RecordNotFound
from searchlog.export_forms import DayInput, _day, _PeriodForm
from searchlog.forms import DomainErrorsMixin
from searchlog.models import SampleOutcome, Team


class QualitySampleForm(DomainErrorsMixin, forms.Form):
    """How to draw a sample; the rules (period not empty, percentage in range) are quality.quality_sample_draw's."""

    period_from = _day("First day signed off", required=False)
    period_to = _day("Last day signed off", required=False)
    how = forms.ChoiceField(
        label="How many records?", widget=forms.RadioSelect, initial="percentage",
        choices=[("percentage", "A percentage of the records"), ("size", "A number of records")],
        error_messages={"required": "Select a percentage or a number of records"})
    percentage = forms.IntegerField(label="Percentage", required=False,
                                    error_messages={"invalid": "Percentage must be a whole number from 1 to 100"})
    size = forms.IntegerField(label="Number of records", required=False,
                              error_messages={"invalid": "Number of records must be a whole number, 1 or more"})
    stratify_by_team = forms.BooleanField(
        label="Sample each team in proportion to its number of records", required=False)
    seed = forms.IntegerField(
        label="Seed (optional)", required=False, min_value=0,
        help_text="Leave blank for a new random sample. Enter the seed of an earlier sample to draw it again.",
        error_messages={"invalid": "Seed must be a whole number", "min_value": "Seed must be 0 or more"})

    def draw_arguments(self) -> dict[str, Any]:
        data = self.cleaned_data
        by_percentage = data["how"] == "percentage"
        return {
            "period_from": data.get("period_from"), "period_to": data.get("period_to"),
            # The one not chosen is ignored; the one chosen must be given (the service says so if it is not).
            "percentage": data.get("percentage") if by_percentage else None,
            "size": data.get("size") if not by_percentage else None,
            "stratify_by_team": data["stratify_by_team"], "seed": data.get("seed"),
        }

    def add_domain_errors(self, error: RecordInvalid) -> None:
        for field, messages in error.errors.items():
            if field == "percentage" and self.cleaned_data.get("how") == "size" and "size" in self.fields:
                field = "size"
            for message in messages:
                self.add_error(field if field in self.fields else None, message)


class SampleReviewForm(DomainErrorsMixin, forms.Form):
    outcome = forms.ChoiceField(label="Your review", choices=SampleOutcome.choices, widget=forms.RadioSelect,
                                error_messages={"required": "Select agree, disagree or needs follow-up"})
    comment = forms.CharField(label="Comment", required=False, widget=forms.Textarea(attrs={"rows": 3}),
                              help_text="Required for a disagreement or a follow-up: the manager who signed the "
                                        "record off reads it.")


class InsightsForm(_PeriodForm):
    """The period and team of the dashboard: `from`, `to` (days) and `team` (id or exact name)."""

    def __init__(self, *args: Any, teams: QuerySet[Team], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.teams = teams
        self.fields["team"] = forms.CharField(label="Team", required=False)
        for name in ("from", "to"):
            self.fields[name].widget = DayInput()

    def clean_team(self) -> Team | None:
        """The team within the user's scope; RecordNotFound (404) for one outside it."""
        value = (self.cleaned_data.get("team") or "").strip()
        if not value:
            return None
        condition = Q(name=value)
        if value.isascii() and value.isdigit():
            condition |= Q(pk=int(value))
        team = self.teams.filter(condition).first()
        if team is None:
            raise RecordNotFound(value)
        return team


__all__ = ["InsightsForm", "QualitySampleForm", "SampleReviewForm", "_day"]
