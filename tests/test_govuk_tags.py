"""GOV.UK form rendering: {% govuk_error_summary %}, {% govuk_field %}, {% govuk_tag %}.

Plain django.forms forms rendered through django.template; no database.
"""

from __future__ import annotations

import re

import pytest
from django import forms
from django.template import Context, Template

CONSENT_CHOICES = [
    ("obtained_written", "Yes, in writing"),
    ("obtained_verbal", "Yes, verbally"),
    ("refused", "No, the person refused"),
    ("not_possible", "It was not possible to ask"),
]
PLATFORM_CHOICES = [
    ("search_engine", "Search engine"),
    ("facebook", "Facebook"),
    ("instagram", "Instagram"),
    ("linkedin", "LinkedIn"),
]


class SampleForm(forms.Form):
    subject_reference = forms.CharField(
        label="Case reference of the person supported",
        help_text="For example, CR-204518",
        max_length=20,
    )
    searched_at = forms.DateTimeField(
        label="When did you search?",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    consent_status = forms.ChoiceField(
        label="Did the person consent?", choices=CONSENT_CHOICES, widget=forms.RadioSelect
    )
    consent_details = forms.CharField(label="Consent details", widget=forms.Textarea, required=False)
    platforms = forms.MultipleChoiceField(
        label="Where did you search?", choices=PLATFORM_CHOICES, widget=forms.CheckboxSelectMultiple
    )
    is_emergency = forms.BooleanField(label="This was an emergency", required=False)
    account_used = forms.ChoiceField(
        label="Which account did you use?",
        choices=[("", "Choose an account"), ("organisation", "Organisation account"), ("personal", "Personal account")],
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("subject_reference") == "CR-clash":
            raise forms.ValidationError("This record clashes with another one")
        return cleaned


def render(source: str, **context) -> str:
    return Template("{% load govuk %}" + source).render(Context(context))


def squash(html: str) -> str:
    """Collapse whitespace so assertions do not depend on indentation."""
    return re.sub(r"\s+", " ", html)


def element(html: str, pattern: str) -> str:
    """The first opening tag matching pattern (a regex on the tag's text)."""
    match = re.search(r"<" + pattern + r"[^>]*>", html)
    assert match, f"no <{pattern}> in:\n{html}"
    return match.group(0)


@pytest.fixture
def invalid_form():
    form = SampleForm(
        data={
            "subject_reference": "CR-1234567890-much-too-long",
            "searched_at": "not a date",
            "platforms": ["facebook", "linkedin"],
            "consent_details": "Asked on the phone",
        }
    )
    assert not form.is_valid()
    return form


def test_error_summary_lists_each_error_with_a_link_to_its_field(invalid_form):
    html = squash(render("{% govuk_error_summary form %}", form=invalid_form))

    assert 'class="govuk-error-summary"' in html
    assert 'data-module="govuk-error-summary"' in html
    assert '<div role="alert">' in html
    assert "There is a problem" in html
    links = re.findall(r'<a href="([^"]+)">([^<]+)</a>', html)
    assert links == [
        ("#id_subject_reference", "Ensure this value has at most 20 characters (it has 27)."),
        ("#id_searched_at", "Enter a valid date/time."),
        # Radios: the link goes to the first option.
        ("#id_consent_status_0", "This field is required."),
        ("#id_account_used", "This field is required."),
    ]


def test_error_summary_lists_non_field_errors_without_a_link():
    form = SampleForm(
        data={
            "subject_reference": "CR-clash",
            "searched_at": "2026-11-24T09:40",
            "consent_status": "refused",
            "platforms": ["facebook"],
            "account_used": "organisation",
        }
    )
    assert not form.is_valid()
    html = squash(render("{% govuk_error_summary form %}", form=form))
    assert "<li> This record clashes with another one </li>" in html
    assert "<a " not in html


def test_error_summary_links_checkboxes_to_their_first_option():
    form = SampleForm(data={})
    assert not form.is_valid()
    html = render("{% govuk_error_summary form %}", form=form)
    assert 'href="#id_platforms_0"' in html


def test_error_summary_renders_nothing_for_a_valid_or_unbound_form():
    assert render("{% govuk_error_summary form %}", form=SampleForm()).strip() == ""
    form = SampleForm(
        data={
            "subject_reference": "CR-204518",
            "searched_at": "2026-11-24T09:40",
            "consent_status": "refused",
            "platforms": ["facebook"],
            "account_used": "organisation",
        }
    )
    assert form.is_valid(), form.errors
    assert render("{% govuk_error_summary form %}", form=form).strip() == ""


def test_text_input_with_an_error_keeps_its_value_and_is_described_by_the_error(invalid_form):
    html = squash(render("{% govuk_field form.subject_reference classes='govuk-input--width-10' %}", form=invalid_form))

    group = element(html, 'div class="govuk-form-group')
    assert "govuk-form-group--error" in group
    assert (
        '<label class="govuk-label" for="id_subject_reference"> Case reference of the person supported </label>' in html
    )
    assert '<div id="id_subject_reference-hint" class="govuk-hint"> For example, CR-204518 </div>' in html
    assert (
        '<p id="id_subject_reference-error" class="govuk-error-message">'
        ' <span class="govuk-visually-hidden">Error:</span> Ensure this value has at most 20 characters'
    ) in html

    tag = element(html, "input")
    assert 'class="govuk-input govuk-input--width-10 govuk-input--error"' in tag
    assert 'id="id_subject_reference"' in tag
    assert 'name="subject_reference"' in tag
    assert 'type="text"' in tag
    assert 'value="CR-1234567890-much-too-long"' in tag
    described_by = re.search(r'aria-describedby="([^"]+)"', tag).group(1).split()
    assert described_by == ["id_subject_reference-hint", "id_subject_reference-error"]
    assert 'maxlength="20"' in tag
    assert "required" not in tag


def test_text_input_without_errors_has_no_error_classes():
    html = render("{% govuk_field form.subject_reference %}", form=SampleForm(initial={"subject_reference": "CR-1"}))
    assert "govuk-form-group--error" not in html
    assert "govuk-input--error" not in html
    assert "govuk-error-message" not in html
    assert 'value="CR-1"' in html
    assert 'aria-describedby="id_subject_reference-hint"' in html


def test_datetime_input_keeps_its_input_type():
    form = SampleForm(data={"searched_at": "2026-11-24T09:40"})
    form.is_valid()
    tag = element(render("{% govuk_field form.searched_at %}", form=form), "input")
    assert 'type="datetime-local"' in tag
    assert 'value="2026-11-24T09:40"' in tag


def test_radios_render_a_fieldset_with_a_legend_and_the_checked_option():
    form = SampleForm(data={"consent_status": "refused"})
    form.is_valid()
    html = squash(render("{% govuk_field form.consent_status label_size='m' inline=True %}", form=form))

    assert '<fieldset class="govuk-fieldset"' in html
    assert '<legend class="govuk-fieldset__legend govuk-fieldset__legend--m"> Did the person consent? </legend>' in html
    assert 'class="govuk-radios govuk-radios--inline" data-module="govuk-radios"' in html
    inputs = re.findall(r"<input [^>]*>", html)
    assert len(inputs) == 4
    assert 'id="id_consent_status_0"' in inputs[0]
    checked = [tag for tag in inputs if " checked" in tag]
    assert len(checked) == 1
    assert 'value="refused"' in checked[0]
    assert 'type="radio"' in checked[0]
    assert (
        '<label class="govuk-label govuk-radios__label" for="id_consent_status_2"> No, the person refused </label>'
        in html
    )
    # A valid answer: no error.
    assert "govuk-form-group--error" not in html


def test_radios_with_an_error_describe_the_fieldset_with_the_error(invalid_form):
    html = squash(render("{% govuk_field form.consent_status %}", form=invalid_form))
    assert "govuk-form-group--error" in html
    assert "govuk-fieldset__legend--s" in html  # legends default to small
    fieldset = element(html, 'fieldset class="govuk-fieldset"')
    assert 'aria-describedby="id_consent_status-error"' in fieldset
    assert '<p id="id_consent_status-error" class="govuk-error-message">' in html


def test_checkboxes_keep_several_checked_values(invalid_form):
    html = squash(render("{% govuk_field form.platforms small=True %}", form=invalid_form))

    assert '<fieldset class="govuk-fieldset"' in html
    assert "Where did you search?" in element(html, "legend") + html
    assert 'class="govuk-checkboxes govuk-checkboxes--small" data-module="govuk-checkboxes"' in html
    inputs = re.findall(r"<input [^>]*>", html)
    assert [re.search(r'value="([^"]+)"', tag).group(1) for tag in inputs] == [
        "search_engine",
        "facebook",
        "instagram",
        "linkedin",
    ]
    checked = sorted(re.search(r'value="([^"]+)"', tag).group(1) for tag in inputs if " checked" in tag)
    assert checked == ["facebook", "linkedin"]
    assert all('type="checkbox"' in tag and 'name="platforms"' in tag for tag in inputs)
    assert 'id="id_platforms_0"' in inputs[0]


def test_single_checkbox_uses_the_field_label_as_the_item_label():
    form = SampleForm(data={"is_emergency": "on"})
    form.is_valid()
    html = squash(render("{% govuk_field form.is_emergency %}", form=form))
    assert "<fieldset" not in html
    tag = element(html, "input")
    assert 'type="checkbox"' in tag
    assert 'name="is_emergency"' in tag
    assert " checked" in tag
    assert (
        '<label class="govuk-label govuk-checkboxes__label" for="id_is_emergency"> This was an emergency </label>'
        in html
    )


def test_textarea_keeps_its_value(invalid_form):
    html = render("{% govuk_field form.consent_details %}", form=invalid_form)
    assert 'class="govuk-textarea"' in html
    assert re.search(r"<textarea [^>]*>\s*Asked on the phone</textarea>", html)
    assert 'rows="5"' in html


def test_select_keeps_the_chosen_option():
    form = SampleForm(data={"account_used": "personal"})
    form.is_valid()
    html = squash(render("{% govuk_field form.account_used %}", form=form))
    assert '<select class="govuk-select" id="id_account_used" name="account_used"' in html
    assert '<option value="personal" selected>Personal account</option>' in html
    assert '<option value="organisation">Organisation account</option>' in html


def test_show_if_attributes_come_out_on_the_form_group_wrapper():
    form = SampleForm()
    html = render(
        '{% govuk_field form.consent_details show_if_name="consent_status" show_if_values="refused not_possible" %}',
        form=form,
    )
    group = element(html, 'div class="govuk-form-group')
    assert 'data-show-if-name="consent_status"' in group
    assert 'data-show-if-values="refused not_possible"' in group

    html = render('{% govuk_field form.consent_details show_if_checked="is_emergency" %}', form=form)
    group = element(html, 'div class="govuk-form-group')
    assert 'data-show-if-checked="is_emergency"' in group
    assert "data-show-if-values" not in group

    # Nothing is hidden on the server: without JavaScript every question shows.
    assert "hidden" not in group


def test_label_and_hint_are_escaped():
    class Form(forms.Form):
        note = forms.CharField(label="<b>Note</b>", help_text="Use <i>plain</i> words")

    html = render("{% govuk_field form.note %}", form=Form())
    assert "&lt;b&gt;Note&lt;/b&gt;" in html
    assert "&lt;i&gt;plain&lt;/i&gt;" in html


def test_govuk_tag():
    assert render('{% govuk_tag "Emergency" "red" %}') == '<strong class="govuk-tag govuk-tag--red">Emergency</strong>'
    assert render('{% govuk_tag "Draft" %}') == '<strong class="govuk-tag">Draft</strong>'
    assert render("{% govuk_tag text %}", text="<script>") == '<strong class="govuk-tag">&lt;script&gt;</strong>'


def test_radios_leave_out_a_blank_choice_and_still_start_at_option_0():
    class Form(forms.Form):
        is_emergency = forms.TypedChoiceField(
            label="Was this an emergency?",
            choices=[("", "---------"), ("True", "Yes"), ("False", "No")],
            widget=forms.RadioSelect,
        )

    form = Form(data={})
    assert not form.is_valid()
    html = render("{% govuk_error_summary form %}{% govuk_field form.is_emergency %}", form=form)
    assert "---------" not in html
    assert 'href="#id_is_emergency_0"' in html
    assert re.search(r'<input class="govuk-radios__input" id="id_is_emergency_0" [^>]*value="True"', html)
