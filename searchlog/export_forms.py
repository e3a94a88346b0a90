"""Forms for the export page and the supervision pack's parameters (the pack's are shared with the API)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django import forms

from searchlog import exports, selectors
from searchlog.errors import RecordInvalid
from searchlog.models import ConsentStatus, Status, User

DAY_FORMAT = "%Y-%m-%d"


class DayInput(forms.DateInput):
    input_type = "date"

    def __init__(self) -> None:
        super().__init__(format=DAY_FORMAT)


def _day(label: str, *, required: bool, missing: str = "") -> forms.DateField:
    return forms.DateField(
        label=label, required=required, widget=DayInput(), input_formats=[DAY_FORMAT, "%d/%m/%Y"],
        error_messages={"invalid": "Enter a real date, for example 24/11/2026", "required": missing},
    )


def _person_label(person: User) -> str:
    return f"{person.display_name} ({person.username})" if person.get_full_name() else person.username


class _PeriodForm(forms.Form):
    """Adds the `from` and `to` days (Python cannot name a class attribute `from`), checked by exports.check_period."""

    required_period = False

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["from"] = _day("From", required=self.required_period, missing="Enter the first day")
        self.fields["to"] = _day("To", required=self.required_period, missing="Enter the last day")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        try:
            exports.check_period(cleaned.get("from"), cleaned.get("to"))
        except RecordInvalid as error:
            self.add_domain_errors(error)
        return cleaned

    def add_domain_errors(self, error: RecordInvalid) -> None:
        for field, messages in error.errors.items():
            for message in messages:
                self.add_error(field if field in self.fields else None, message)


class SearchExportForm(_PeriodForm):
    """What to export and which records: the filters of the API list, as a person picks them."""

    FIELD_ORDER = ["format", "team", "practitioner", "from", "to", "status", "emergency_only", "consent_status",
                   "justified"]

    format = forms.ChoiceField(
        label="File type", widget=forms.RadioSelect, error_messages={"required": "Select a file type"},
        choices=[("csv", "CSV (comma-separated values)"), ("xlsx", "Excel spreadsheet (XLSX)")],
    )
    team = forms.ChoiceField(label="Team", required=False)
    practitioner = forms.ChoiceField(label="Practitioner", required=False)
    status = forms.ChoiceField(label="Status", required=False, choices=[("", "Any status"), *Status.choices])
    emergency_only = forms.BooleanField(label="Emergencies only", required=False)
    consent_status = forms.ChoiceField(label="Consent", required=False,
                                       choices=[("", "Any answer"), *ConsentStatus.choices])
    justified = forms.ChoiceField(
        label="Justified", required=False, widget=forms.RadioSelect,
        choices=[("any", "Any"), ("yes", "Justified"), ("no", "Unjustified")],
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["from"].label = "Searched from"
        self.fields["to"].label = "Searched to"
        self.fields["team"].choices = [
            ("", "Every team you can see"), *[(str(t.pk), t.name) for t in selectors.teams_visible_to(user)]]
        self.fields["practitioner"].choices = [
            ("", "Everyone you can see"), *[(p.username, _person_label(p)) for p in selectors.people_visible_to(user)]]
        self.order_fields(self.FIELD_ORDER)

    def filters(self) -> dict[str, str]:
        """The cleaned choices as the API list's filters (searched days are whole Europe/London days)."""
        data = self.cleaned_data
        filters = {
            "team": data["team"], "practitioner": data["practitioner"], "status": data["status"],
            "consent_status": data["consent_status"],
            "is_emergency": "true" if data["emergency_only"] else "",
            "justified": {"yes": "true", "no": "false"}.get(data["justified"], ""),
        }
        if data.get("from"):
            filters["searched_after"] = exports.day_start(data["from"]).isoformat()
        if data.get("to"):
            end = exports.day_start(data["to"] + timedelta(days=1)) - timedelta(microseconds=1)
            filters["searched_before"] = end.isoformat()
        return {name: value for name, value in filters.items() if value}

    def query(self) -> dict[str, str]:
        """The choices as the download link's query string (without the file type, which is in the address)."""
        data = self.cleaned_data
        query = {name: data[name] for name in ("team", "practitioner", "status", "consent_status") if data[name]}
        for name in ("from", "to"):
            if data.get(name):
                query[name] = data[name].strftime(DAY_FORMAT)
        if data["emergency_only"]:
            query["emergency_only"] = "on"
        if data["justified"] in ("yes", "no"):
            query["justified"] = data["justified"]
        return query


class SupervisionPackForm(_PeriodForm):
    """Whose pack, and for which days (inclusive)."""

    required_period = True

    practitioner = forms.CharField(
        label="Practitioner", max_length=150, widget=forms.Select,
        error_messages={"required": "Select the practitioner"},
    )

    def __init__(self, *args: Any, user: User | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if user is not None:
            self.fields["practitioner"].widget.choices = [
                ("", "Select a person"), *[(p.username, _person_label(p)) for p in selectors.people_visible_to(user)]]

    @staticmethod
    def initial_period(today: date) -> dict[str, date]:
        """The last three months up to today, a usual supervision interval."""
        return {"from": today - timedelta(days=91), "to": today}
