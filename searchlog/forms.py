"""Forms for the pages: they parse what people type; the rules live in workflow and justification."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone

from searchlog.errors import RecordInvalid
from searchlog.flags import FLAG_LABELS
from searchlog.models import (
    AccountUsed,
    ActionTaken,
    ConsentStatus,
    ContentVisibility,
    EmergencyCategory,
    EscalationOutcome,
    Interaction,
    LawfulBasis,
    Platform,
    SearchRecord,
)

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"


class WhenInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self) -> None:
        super().__init__(format=DATETIME_FORMAT)


def _when_field() -> forms.DateTimeField:
    return forms.DateTimeField(
        label="When did you search?",
        help_text="Use the time you started. For example, 24 November 2026 at 9:40pm.",
        widget=WhenInput(),
        input_formats=[DATETIME_FORMAT, "%Y-%m-%d %H:%M", "%d/%m/%Y %H:%M"],
        error_messages={"required": "Enter when you searched", "invalid": "Enter a real date and time"},
    )


def _subject_field() -> forms.CharField:
    return forms.CharField(
        label="Case reference of the person supported",
        help_text="Their reference in the case management system, for example LAS-123456. Do not enter their name.",
        max_length=60,
        error_messages={"required": "Enter the person's case reference"},
    )


def _platforms_field() -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(
        label="Where did you search?",
        help_text="Select all that apply.",
        choices=Platform.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )


def _radios(label: str, choices: list[tuple[str, str]], help_text: str = "") -> forms.ChoiceField:
    return forms.ChoiceField(
        label=label, choices=choices, widget=forms.RadioSelect, required=False, help_text=help_text
    )


def _text(label: str, help_text: str = "", max_length: int | None = None) -> forms.CharField:
    widget = forms.TextInput if max_length else forms.Textarea(attrs={"rows": 3})
    return forms.CharField(label=label, help_text=help_text, required=False, widget=widget, max_length=max_length)


class DomainErrorsMixin:
    def add_domain_errors(self, error: RecordInvalid) -> None:
        for field, messages in error.errors.items():
            target = field if field in self.fields else None  # type: ignore[attr-defined]
            for message in messages:
                self.add_error(target, message)  # type: ignore[attr-defined]


class RecordForm(DomainErrorsMixin, forms.Form):
    """The full record. A draft may be saved incomplete; justification is checked on submit."""

    subject_reference = _subject_field()
    subject_initials = _text("Initials of the person supported (optional)", "Up to 6 letters.", max_length=6)
    searched_at = _when_field()
    platforms = _platforms_field()
    platforms_other = _text("Which other website or app?", max_length=200)
    search_terms = _text(
        "What did you search for, or which pages or profiles did you view?",
        "For example the words you searched for and the profiles you looked at.",
    )
    content_visibility = _radios(
        "Was the content you saw public?", ContentVisibility.choices,
        "Content seen because of friends-only settings, group membership or a connection is not public.",
    )
    purpose = _text("Why did you need the information?", "The specific purpose in the person's care or safety.")
    consent_status = _radios("Did the person consent to the search?", ConsentStatus.choices)
    consent_details = _text("How and when was consent given, refused or not sought?")
    is_emergency = forms.BooleanField(label="This search was an emergency", required=False)
    emergency_category = _radios("What kind of emergency was it?", EmergencyCategory.choices)
    justification = _text(
        "Why was the search necessary and proportionate without consent?",
        "Say why it was needed now and why a less intrusive way, such as asking the person or other "
        "professionals, would not do.",
    )
    collateral_intrusion = _text(
        "Did you see information about other people?",
        "For example friends, family or people commenting. Say how you kept this to a minimum. Do not record "
        "their details.",
    )
    account_used = _radios("Which account and device did you use?", AccountUsed.choices)
    interaction = _radios("Did you only view information, or did you interact?", Interaction.choices)
    lawful_basis = _radios("What is the lawful basis for the search?", LawfulBasis.choices,
                           "Usually public task or legal obligation; vital interests in a life-or-death emergency.")
    special_category_condition = _text(
        "If you saw special category data, which condition applies? (optional)",
        "Special category data includes health, ethnicity, religion or sex life. For example, safeguarding of "
        "children and of individuals at risk.",
        max_length=200,
    )
    findings = _text("What did you find that matters?", "Say whether you checked that it is accurate.")
    actions_taken = forms.MultipleChoiceField(
        label="What did you do with what you found?", help_text="Select all that apply.",
        choices=ActionTaken.choices, widget=forms.CheckboxSelectMultiple, required=False,
    )
    actions_taken_details = _text("What other action did you take?")
    information_retained = _text(
        "What did you keep, and where? (optional)", "For example screenshots saved to the case file."
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["subject_initials"].required = False

    @classmethod
    def initial_from(cls, record: SearchRecord) -> dict[str, Any]:
        initial = {name: getattr(record, name) for name in cls.base_fields}
        initial["searched_at"] = timezone.localtime(record.searched_at).replace(second=0, microsecond=0)
        return initial


class QuickRecordForm(DomainErrorsMixin, forms.Form):
    """The quick emergency record: four questions, the rest completed later."""

    subject_reference = _subject_field()
    searched_at = _when_field()
    platforms = _platforms_field()
    emergency_category = forms.ChoiceField(
        label="What kind of emergency is it?", choices=EmergencyCategory.choices, widget=forms.RadioSelect,
        error_messages={"required": "Select what kind of emergency it is"},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["platforms"].required = True
        self.fields["platforms"].error_messages["required"] = "Select where you searched"
        self.fields["searched_at"].help_text = "Already set to now. Change it if you searched earlier."


class StatusFilterForm(forms.Form):
    status = forms.ChoiceField(
        label="Status", required=False,
        choices=[("", "All statuses"), *SearchRecord._meta.get_field("status").choices],
    )


class SignOffForm(DomainErrorsMixin, forms.Form):
    reviewer_involved = forms.TypedChoiceField(
        label="Are you directly involved in this person's case?",
        help_text="Reviews are normally independent. If you are involved, your sign-off will be flagged.",
        choices=[("no", "No"), ("yes", "Yes")], coerce=lambda value: value == "yes", widget=forms.RadioSelect,
        error_messages={"required": "Select whether you are directly involved in this person's case"},
    )
    comment = forms.CharField(label="Comment (optional)", required=False, widget=forms.Textarea(attrs={"rows": 2}))


class ReturnForm(DomainErrorsMixin, forms.Form):
    comment = forms.CharField(
        label="What does the practitioner need to add or change?", widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Enter what the practitioner needs to add or change"},
    )


class EscalateForm(DomainErrorsMixin, forms.Form):
    comment = forms.CharField(
        label="What is your concern?",
        help_text="For example a possible breach of privacy. Information governance will look at it.",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Enter your concern about this search"},
    )


class AddendumForm(DomainErrorsMixin, forms.Form):
    text = forms.CharField(
        label="Add an addendum", help_text="A note added to the record. It cannot be changed or removed later.",
        widget=forms.Textarea(attrs={"rows": 3}), error_messages={"required": "Enter the addendum"},
    )


class CloseEscalationForm(DomainErrorsMixin, forms.Form):
    outcome = forms.ChoiceField(
        label="Outcome", choices=EscalationOutcome.choices, widget=forms.RadioSelect,
        error_messages={"required": "Select the outcome"},
    )
    comment = forms.CharField(
        label="What was decided, and why?", widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Enter what was decided and why"},
    )


class QueueFilterForm(forms.Form):
    flag = forms.ChoiceField(label="Flag", required=False, choices=[("", "Any flag"), *FLAG_LABELS.items()])
    practitioner = forms.ChoiceField(label="Practitioner", required=False, choices=[("", "Anyone")])

    def __init__(self, *args: Any, practitioners: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["practitioner"].choices = [("", "Anyone"), *practitioners]
