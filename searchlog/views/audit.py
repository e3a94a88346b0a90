"""The audit trail page, for auditors only (anyone else gets a 404: it reveals nothing)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import FieldDoesNotExist
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from searchlog import audit, audit_chain, exports
from searchlog.models import AuditEvent, SearchRecord

PAGE_SIZE = 50
# Details kept as a keyed hash of the words (comments, addenda).
_TEXT_PROOFS = {"comment", "text"}


class DayInput(forms.DateInput):
    input_type = "date"

    def __init__(self) -> None:
        super().__init__(format="%Y-%m-%d")


class AuditFilterForm(forms.Form):
    action = forms.ChoiceField(label="Action", required=False, choices=[("", "Any action"), *audit.ACTIONS.items()])
    actor = forms.CharField(label="Username", required=False, max_length=150)
    object_id = forms.CharField(
        label="Object", help_text="For example a record reference.", required=False, max_length=100
    )
    date_from = forms.DateField(
        label="From", required=False, widget=DayInput(), error_messages={"invalid": "Enter a real date"},
        validators=[exports.validate_day],
    )
    date_to = forms.DateField(
        label="To", required=False, widget=DayInput(), error_messages={"invalid": "Enter a real date"},
        validators=[exports.validate_day],
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if cleaned.get("date_from") and cleaned.get("date_to") and cleaned["date_from"] > cleaned["date_to"]:
            self.add_error("date_to", "The 'to' date must be the same as or after the 'from' date")
        return cleaned


def _field_label(name: str) -> str:
    try:
        return str(SearchRecord._meta.get_field(name).verbose_name).capitalize()
    except FieldDoesNotExist:
        return name.replace("_", " ").capitalize()


def _change_lines(changes: Any) -> list[tuple[str, str]]:
    """Each changed field as ("Findings", "changed"), and other details (status, export filters) as they are.

    The trail keeps keyed hashes of answers and free text, not the words: those are on the record's revisions.
    """
    if not isinstance(changes, dict):
        return [("", str(changes))]
    lines = []
    for key, value in changes.items():
        if key == "changed" and isinstance(value, dict):
            lines += [(_field_label(field), "changed") for field in value]
        elif key in _TEXT_PROOFS:
            lines.append((key.capitalize(), "recorded on the record" if value else "(blank)"))
        elif isinstance(value, list) and len(value) == 2:
            lines.append((key, f"{_shown(value[0])} → {_shown(value[1])}"))
        else:
            lines.append((key, _shown(value)))
    return lines


def _shown(value: Any) -> str:
    if value is None or value == "":
        return "(blank)"
    if isinstance(value, list):
        return ", ".join(_shown(item) for item in value) or "(none)"
    if isinstance(value, dict):
        return ", ".join(f"{key}: {_shown(item)}" for key, item in value.items()) or "(none)"
    return str(value)


def _event_row(event: AuditEvent) -> dict[str, Any]:
    return {
        "event": event, "label": audit.ACTIONS.get(event.action, event.action),
        "changes": _change_lines(event.changes), "is_record": event.object_type == "record",
    }


@login_required
def audit_trail(request: HttpRequest) -> HttpResponse:
    if not request.user.is_auditor:
        raise Http404("No such page")
    filter_form = AuditFilterForm(request.GET or None)
    filters = filter_form.cleaned_data if filter_form.is_valid() else {}
    page = Paginator(audit.audit_events_matching(**filters), PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "searchlog/audit_trail.html", {
        "filter_form": filter_form,
        "page": page,
        "rows": [_event_row(event) for event in page.object_list],
        "query": query.urlencode(),
        "chain": audit_chain.audit_chain_state(),
    })
