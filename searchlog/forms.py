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
    ConsentGivenBy,
    ConsentStatus,
    ContentVisibility,
    EmergencyCategory,
    EscalationOutcome,
    Interaction,
    LawfulBasis,
    Platform,
    SearchRecord,
    SubjectRelationship,
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


def _yes_no(label: str, help_text: str = "") -> forms.TypedChoiceField:
    """A yes/no question that may be left unanswered in a draft (None)."""
    return forms.TypedChoiceField(
        label=label, help_text=help_text, choices=[("yes", "Yes"), ("no", "No")], widget=forms.RadioSelect,
        required=False, coerce=lambda value: value == "yes", empty_value=None,
    )


class ProfileUrlsField(forms.CharField):
    """Addresses typed one per line, kept as a list (the workflow checks each one)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(required=False, widget=forms.Textarea(attrs={"rows": 3}), **kwargs)

    def prepare_value(self, value: Any) -> Any:
        return "\n".join(value) if isinstance(value, list) else value

    def to_python(self, value: Any) -> list[str]:  # type: ignore[override]
        text = super().to_python(value)
        return [line.strip() for line in text.splitlines() if line.strip()]


class RecordForm(DomainErrorsMixin, forms.Form):
    """The full record. A draft may be saved incomplete; justification is checked on submit."""

    subject_reference = _subject_field()
    subject_initials = _text("Initials of the person supported (optional)", "Up to 6 letters.", max_length=6)
    subject_relationship = _radios(
        "Whose information did you search for?", SubjectRelationship.choices,
        "The person supported, or someone connected to them. Searches about family members and associates are "
        "recorded too.",
    )
    searched_at = _when_field()
    platforms = _platforms_field()
    platforms_other = _text("Which other website or app?", max_length=200)
    search_terms = _text(
        "What did you search for, or which pages or profiles did you view?",
        "For example the words you searched for and the profiles you looked at.",
    )
    profile_urls = ProfileUrlsField(
        label="Addresses of the profiles or pages you viewed (optional)",
        help_text="One per line, starting with https://",
    )
    content_visibility = _radios(
        "Was the content you saw public?", ContentVisibility.choices,
        "Content seen because of friends-only settings, group membership or a connection is not public.",
    )
    purpose = _text("Why did you need the information?", "The specific purpose in the person's care or safety.")
    consent_status = _radios("Did the person consent to the search?", ConsentStatus.choices)
    consent_given_by = _radios("Who gave consent?", ConsentGivenBy.choices)
    consent_details = _text(
        "How and when was consent given, refused or not sought?",
        "For example: agreed on the phone on 3 March, knowing we would look at their public Facebook posts.",
    )
    is_emergency = forms.BooleanField(label="This search was an emergency", required=False)
    emergency_category = _radios(
        "What kind of emergency was it?", EmergencyCategory.choices,
        "If the person refused consent, only a risk to life or a safeguarding emergency justifies searching "
        "anyway.",
    )
    justification = _text(
        "Why was the search necessary without consent?",
        "The specific need in the person's care or safety, and why it could not wait. At least a sentence.",
    )
    alternatives_considered = _text(
        "Why would a less intrusive way not do?",
        "For example asking the person, a home visit, or asking another agency or professional. At least a "
        "sentence.",
    )
    collateral_intrusion = _text(
        "Did you see information about other people?",
        "For example friends, family or people commenting. Say how you kept this to a minimum. Do not record "
        "their details. If there was no consent, at least a sentence.",
    )
    account_used = _radios("Which account and device did you use?", AccountUsed.choices)
    interaction = _radios("Did you only view information, or did you interact?", Interaction.choices)
    confidential_information = _yes_no(
        "Were you likely to see confidential information?",
        "For example legal advice, medical or religious information, journalists' material, or other "
        "confidential personal information. If yes, information governance will look at the record too.",
    )
    lawful_basis = _radios("What is the lawful basis for the search?", LawfulBasis.choices,
                           "Usually public task or legal obligation; vital interests in a life-or-death emergency.")
    special_category_condition = _text(
        "If you saw special category data, which condition applies? (optional)",
        "Special category data includes health, ethnicity, religion or sex life. For example, safeguarding of "
        "children and of individuals at risk.",
        max_length=200,
    )
    findings = _text(
        "What did you find that matters?",
        "Say whether you checked that it is accurate. If you found nothing relevant, say so.",
    )
    actions_taken = forms.MultipleChoiceField(
        label="What did you do with what you found?", help_text="Select all that apply.",
        choices=ActionTaken.choices, widget=forms.CheckboxSelectMultiple, required=False,
    )
    actions_taken_details = _text("What other action did you take?")
    information_retained = _text(
        "What did you keep, and where? (optional)", "For example screenshots saved to the case file."
    )
    # The prior approval the search is made under ("Record a search under this approval"), carried as its id.
    approval = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["subject_initials"].required = False

    @classmethod
    def initial_from(cls, record: SearchRecord) -> dict[str, Any]:
        initial = {name: getattr(record, name) for name in cls.base_fields if name != "approval"}
        initial["approval"] = record.approval_id
        initial["searched_at"] = timezone.localtime(record.searched_at).replace(second=0, microsecond=0)
        if record.confidential_information is not None:
            initial["confidential_information"] = "yes" if record.confidential_information else "no"
        return initial


def initial_under_approval(approval: Any) -> dict[str, Any]:
    """A new record's answers taken from the approval it is made under (its plan; the search is still told)."""
    return {
        "approval": approval.pk, "subject_reference": approval.subject_reference,
        "subject_relationship": approval.subject_relationship, "platforms": approval.platforms,
        "platforms_other": approval.platforms_other, "purpose": approval.purpose,
        "account_used": approval.account_used,
        "confidential_information": "yes" if approval.confidential_information else "no",
    }


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
        help_text="Reviews are normally independent. If you are involved, your sign-off will be flagged and "
        "information governance will sign the record off too.",
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


class ReviewDecisionForm(DomainErrorsMixin, forms.Form):
    """The review as one question: sign off, return or escalate, each with its own comment box."""

    SIGN_OFF, RETURN, ESCALATE = "sign_off", "return", "escalate"

    decision = forms.ChoiceField(
        label="What is your decision?",
        choices=[(SIGN_OFF, "Sign off"), (RETURN, "Return to the practitioner for more information"),
                 (ESCALATE, "Escalate to information governance")],
        widget=forms.RadioSelect, error_messages={"required": "Select whether to sign off, return or escalate"},
    )
    # Asked only with a sign-off, so required there (in clean), not always.
    reviewer_involved = forms.TypedChoiceField(
        label=SignOffForm.base_fields["reviewer_involved"].label,
        help_text=SignOffForm.base_fields["reviewer_involved"].help_text,
        choices=[("no", "No"), ("yes", "Yes")], coerce=lambda value: value == "yes", widget=forms.RadioSelect,
        required=False, empty_value=None,
    )
    sign_off_comment = forms.CharField(label="Comment (optional)", required=False,
                                       widget=forms.Textarea(attrs={"rows": 2}))
    return_comment = forms.CharField(label=ReturnForm.base_fields["comment"].label, required=False,
                                     widget=forms.Textarea(attrs={"rows": 3}))
    escalate_comment = forms.CharField(label=EscalateForm.base_fields["comment"].label, required=False,
                                       help_text=EscalateForm.base_fields["comment"].help_text,
                                       widget=forms.Textarea(attrs={"rows": 3}))

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        decision = data.get("decision")
        if decision == self.SIGN_OFF and data.get("reviewer_involved") is None:
            self.add_error("reviewer_involved", "Select whether you are directly involved in this person's case")
        if decision == self.RETURN and not data.get("return_comment", "").strip():
            self.add_error("return_comment", "Enter what the practitioner needs to add or change")
        if decision == self.ESCALATE and not data.get("escalate_comment", "").strip():
            self.add_error("escalate_comment", "Enter your concern about this search")
        return data


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


def _moment(label: str, help_text: str = "", required: bool = False) -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label, help_text=help_text, required=required, widget=WhenInput(),
        input_formats=[DATETIME_FORMAT, "%Y-%m-%d %H:%M", "%d/%m/%Y %H:%M"],
        error_messages={"required": "Enter when the breach was found", "invalid": "Enter a real date and time"},
    )


class BreachForm(DomainErrorsMixin, forms.Form):
    """What information governance records about a breach; the rules live in breaches.breach_update."""

    found_at = _moment("When was the breach found?", "The ICO's 72 hours run from this moment.", required=True)
    person_told = _yes_no("Was the person told?", "Tell them without undue delay when the breach is likely to "
                                                  "put their rights and freedoms at high risk.")
    person_told_at = _moment("When were they told? (optional)")
    dpo_reported_at = _moment("When was it reported to the data protection officer? (optional)")
    ico_reported_at = _moment("When was it reported to the ICO? (optional)",
                              "Leave blank until it is reported. Reminders stop once it is.")
    notes = _text("Notes (optional)", "For example the decision on whether to report it, and why.")

    @classmethod
    def initial_from(cls, breach: Any) -> dict[str, Any]:
        initial = {name: getattr(breach, name) for name in cls.base_fields}
        for name in ("found_at", "person_told_at", "dpo_reported_at", "ico_reported_at"):
            if initial[name]:
                initial[name] = timezone.localtime(initial[name]).replace(second=0, microsecond=0)
        if breach.person_told is not None:
            initial["person_told"] = "yes" if breach.person_told else "no"
        return initial


class ApprovalRequestForm(DomainErrorsMixin, forms.Form):
    """A request for prior approval of a planned search (the rules live in approvals.approval_request)."""

    subject_reference = _subject_field()
    subject_relationship = _radios("Whose information will you search for?", SubjectRelationship.choices)
    purpose = _text("Why do you need the information?", "The specific purpose in the person's care or safety.")
    justification = _text(
        "Why is the search necessary now?",
        "The specific need, and why it cannot wait. At least a sentence.",
    )
    alternatives_considered = _text(
        "Why would a less intrusive way not do?",
        "For example asking the person, a home visit, or asking another agency or professional. At least a "
        "sentence.",
    )
    collateral_intrusion = _text(
        "Who else may be seen, and how will you keep it to a minimum?",
        "For example friends or family commenting on posts.",
    )
    platforms = forms.MultipleChoiceField(
        label="Where do you plan to search?", help_text="Select all that apply.", choices=Platform.choices,
        widget=forms.CheckboxSelectMultiple, required=False,
    )
    platforms_other = _text("Which other website or app?", max_length=200)
    viewings = forms.IntegerField(
        label="How many times do you need to view it?", initial=1, min_value=1, required=False,
        help_text="Each viewing is recorded as a search. Usually once.",
        error_messages={"invalid": "Enter the number of viewings as a whole number, like 1",
                        "min_value": "Enter at least 1 viewing"},
    )
    account_used = _radios("Which account and device will you use?", AccountUsed.choices,
                           "A personal account or device needs information governance to decide.")
    confidential_information = _yes_no(
        "Are you likely to see confidential information?",
        "For example legal advice, medical or religious information. If yes, information governance decides.",
    )
    needed_for_days = forms.IntegerField(
        label="How many days do you need the approval for?", initial=7, min_value=1, required=False,
        error_messages={"invalid": "Enter the number of days as a whole number, like 7",
                        "min_value": "Enter at least 1 day"},
    )

    def cleaned_request(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        for field in ("viewings", "needed_for_days"):
            if data.get(field) is None:
                data.pop(field, None)
        return data


class ApproveForm(DomainErrorsMixin, forms.Form):
    expires_at = forms.DateTimeField(
        label="Approved until (optional)", required=False, widget=WhenInput(),
        input_formats=[DATETIME_FORMAT, "%Y-%m-%d %H:%M", "%d/%m/%Y %H:%M"],
        error_messages={"invalid": "Enter a real date and time"},
    )
    conditions = _text("Conditions (optional)", "For example: the public profile page only; no screenshots.")
    comment = _text("Comment (optional)")


class RefuseForm(DomainErrorsMixin, forms.Form):
    comment = forms.CharField(
        label="Why is the search refused?", widget=forms.Textarea(attrs={"rows": 3}),
        help_text="The requester sees this. Say what would make it proportionate, if anything.",
        error_messages={"required": "Enter why the search is refused"},
    )


class SubjectAccessForm(forms.Form):
    """A subject access search: the person's case reference, and how the report names staff."""

    subject_reference = forms.CharField(
        label="Case reference of the person", max_length=60,
        help_text="Their reference in the case management system, for example LAS-123456. Capitals and spaces "
                  "are ignored.",
        error_messages={"required": "Enter the person's case reference"},
    )
    staff = forms.ChoiceField(
        label="How should the report name staff?", widget=forms.RadioSelect, required=False,
        choices=(("names", "By name and job title"), ("titles", "By job title only (leave out staff names)")),
        help_text="Staff names may be information about other people: leave them out if they may not be disclosed.",
    )

    def clean_staff(self) -> str:
        return self.cleaned_data.get("staff") or "names"
