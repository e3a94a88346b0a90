"""Render Django forms with GOV.UK Frontend (v6) markup.

    {% load govuk %}
    {% govuk_error_summary form %}
    {% govuk_field form.subject_reference classes="govuk-input--width-10" %}
    {% govuk_field form.consent_status label_size="m" %}
    {% govuk_field form.consent_details show_if_name="consent_status" show_if_values="refused not_possible" %}
    {% govuk_field form.justification show_if_checked="is_emergency" %}
    {% govuk_tag "Emergency" "red" %}

The markup follows node_modules/govuk-frontend/dist/govuk/components/*/template.njk,
with Django's ids (``id_<name>``, and ``id_<name>_0`` for the first radio or checkbox),
so the error summary links land on the right control. ``required`` is never rendered:
the server validates (put ``novalidate`` on the ``<form>``).
"""

from __future__ import annotations

from django import forms, template
from django.forms.utils import flatatt
from django.forms.widgets import Input
from django.template.loader import render_to_string
from django.utils.html import format_html

register = template.Library()

TEMPLATES = {
    "input": "govuk/field_input.html",
    "textarea": "govuk/field_textarea.html",
    "radios": "govuk/field_radios.html",
    "checkboxes": "govuk/field_checkboxes.html",
    "checkbox": "govuk/field_checkbox.html",
    "select": "govuk/field_select.html",
}

LABEL_SIZES = {"s", "m", "l", "xl"}

# Attributes the templates write themselves; everything else on the widget
# (maxlength, autocomplete, inputmode, spellcheck, data-*, ...) is passed through.
_OWN_ATTRS = {
    "id",
    "name",
    "type",
    "value",
    "class",
    "aria-describedby",
    "required",
    "checked",
    "selected",
    "disabled",
    "multiple",
    "rows",
    "cols",
}


def _component(widget: forms.Widget) -> str | None:
    """Which GOV.UK component renders this widget (order matters: subclasses first)."""
    if isinstance(widget, forms.HiddenInput):
        return None
    if isinstance(widget, forms.CheckboxSelectMultiple):
        return "checkboxes"
    if isinstance(widget, forms.RadioSelect):
        return "radios"
    if isinstance(widget, forms.CheckboxInput):
        return "checkbox"
    if isinstance(widget, forms.Select):  # includes SelectMultiple, NullBooleanSelect
        return "select"
    if isinstance(widget, forms.Textarea):
        return "textarea"
    if isinstance(widget, (forms.FileInput, forms.MultiWidget)):
        return "other"
    if isinstance(widget, Input):
        return "input"
    return "other"


def _error_href(bound_field) -> str | None:
    """The fragment the error summary links to, or None when nothing can take focus."""
    widget = bound_field.field.widget
    auto_id = bound_field.auto_id
    if not auto_id or widget.is_hidden:
        return None
    if isinstance(widget, (forms.RadioSelect, forms.CheckboxSelectMultiple, forms.MultiWidget)):
        return f"#{auto_id}_0"
    # e.g. SelectDateWidget labels its first select, not the field's own id
    return f"#{widget.id_for_label(auto_id) or auto_id}"


def _extra_attrs(attrs: dict) -> str:
    return flatatt({k: v for k, v in attrs.items() if k not in _OWN_ATTRS})


def _join_classes(*names) -> str:
    return " ".join(str(n).strip() for n in names if n and str(n).strip())


def _options(widget_context: dict) -> list[dict]:
    """Flatten Django's optgroups into a list of option dicts (radios and checkboxes)."""
    options = []
    for _group_name, group_options, _index in widget_context.get("optgroups", []):
        for option in group_options:
            options.append(option)
    return options


def _prepare_option(option: dict, control_class: str) -> dict:
    attrs = option.get("attrs", {})
    return {
        "id": attrs.get("id", ""),
        "name": option["name"],
        "value": option["value"],
        "label": option["label"],
        "checked": bool(option.get("selected")),
        "disabled": bool(attrs.get("disabled")),
        "class": control_class,
    }


def _textarea_rows(attrs: dict):
    """The widget's rows, unless it is Django's default (rows=10, cols=40): then GOV.UK's 5."""
    rows = attrs.get("rows")
    if rows is None or (str(rows) == "10" and str(attrs.get("cols")) == "40"):
        return 5
    return rows


def _is_truthy(value) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in {"1", "true", "yes", "on"}
    return bool(value)


def field_context(
    bound_field,
    *,
    classes: str = "",
    label: str | None = None,
    hint: str | None = None,
    label_size: str = "",
    heading=False,
    inline=False,
    small=False,
    show_if_name: str = "",
    show_if_values: str = "",
    show_if_checked: str = "",
    form_group_classes: str = "",
    rows=None,
) -> tuple[str, dict]:
    """Work out the template and its context for one bound field."""
    field = bound_field.field
    widget = field.widget
    component = _component(widget)
    auto_id = bound_field.auto_id or ""
    html_name = bound_field.html_name

    label_text = bound_field.label if label is None else label
    hint_text = field.help_text if hint is None else hint

    errors = list(bound_field.errors)
    error_id = f"{auto_id or html_name}-error" if errors else ""
    hint_id = f"{auto_id or html_name}-hint" if hint_text else ""
    described_by = " ".join(x for x in (hint_id, error_id) if x)

    # Widget context: Django formats the bound (or initial) value for us and
    # merges the widget's own attrs (maxlength from the field, etc.).
    attrs = {}
    if auto_id:
        attrs["id"] = auto_id
    if field.disabled:
        attrs["disabled"] = True
    widget_ctx = widget.get_context(html_name, bound_field.value(), attrs)["widget"]
    widget_attrs = dict(widget_ctx["attrs"])
    widget_attrs.pop("required", None)

    size = str(label_size or "").strip()
    if size and size not in LABEL_SIZES:
        raise template.TemplateSyntaxError(f"govuk_field label_size must be one of {sorted(LABEL_SIZES)}, not {size!r}")

    group_attrs = {}
    if show_if_name:
        group_attrs["data-show-if-name"] = show_if_name
    if show_if_checked:
        group_attrs["data-show-if-checked"] = show_if_checked
    if show_if_values:
        group_attrs["data-show-if-values"] = show_if_values

    context = {
        "field": bound_field,
        "id": auto_id,
        "name": html_name,
        "label": label_text,
        "label_for": auto_id,
        "label_classes": f"govuk-label--{size}" if size else "",
        "legend_classes": f"govuk-fieldset__legend--{size}" if size else "govuk-fieldset__legend--s",
        "is_page_heading": _is_truthy(heading),
        "hint": hint_text,
        "hint_id": hint_id,
        "errors": errors,
        "error_id": error_id,
        "described_by": described_by,
        "disabled": bool(widget_attrs.get("disabled")),
        "form_group_classes": _join_classes("govuk-form-group--error" if errors else "", form_group_classes),
        "form_group_attrs": flatatt(group_attrs),
        "extra_attrs": _extra_attrs(widget_attrs),
    }

    if component == "input":
        value = widget_ctx["value"]
        context.update(
            type=widget_ctx.get("type", "text"),
            value="" if value is None else value,
            has_value=value not in (None, ""),
            classes=_join_classes(widget_attrs.get("class"), classes, "govuk-input--error" if errors else ""),
        )
    elif component == "textarea":
        value = widget_ctx["value"]
        context.update(
            value="" if value is None else value,
            rows=rows or _textarea_rows(widget_attrs),
            classes=_join_classes(widget_attrs.get("class"), classes, "govuk-textarea--error" if errors else ""),
        )
    elif component == "select":
        groups = []
        for group_name, group_options, _index in widget_ctx.get("optgroups", []):
            groups.append(
                {
                    "name": group_name,
                    "options": [
                        {
                            "value": o["value"],
                            "label": o["label"],
                            "selected": bool(o.get("selected")),
                            "disabled": bool(o.get("attrs", {}).get("disabled")),
                        }
                        for o in group_options
                    ],
                }
            )
        context.update(
            groups=groups,
            multiple=bool(widget.allow_multiple_selected),
            classes=_join_classes(widget_attrs.get("class"), classes, "govuk-select--error" if errors else ""),
        )
    elif component in ("radios", "checkboxes"):
        kind = component  # "radios" or "checkboxes"
        control_class = "govuk-radios__input" if kind == "radios" else "govuk-checkboxes__input"
        options = [
            _prepare_option(o, control_class)
            for o in _options(widget_ctx)
            # A blank choice ("---------") is not an answer a radio or checkbox can offer.
            if str(o["value"]) != ""
        ]
        # Number the options from 0 as rendered (after leaving out a blank choice and
        # flattening groups), so the error summary's #id_<name>_0 is the first one shown.
        for index, option in enumerate(options):
            option["id"] = f"{auto_id}_{index}" if auto_id else ""
        modifiers = []
        if _is_truthy(inline) and kind == "radios":
            modifiers.append("govuk-radios--inline")
        if _is_truthy(small):
            modifiers.append(f"govuk-{kind}--small")
        context.update(
            options=options,
            classes=_join_classes(*modifiers, classes),
        )
    elif component == "checkbox":
        value = widget_ctx["value"]
        context.update(
            checked=bool(widget_attrs.get("checked")),
            # Like Django: no value attribute for a plain boolean, so the browser sends "on".
            value="" if value in (None, "", True, False) else value,
            has_value=value not in (None, "", True, False),
            classes=_join_classes("govuk-checkboxes--small" if _is_truthy(small) else "", classes),
        )
    else:
        # Anything without a GOV.UK component here (file, split date/time, ...):
        # Django renders the widget inside the GOV.UK form group, label, hint and error
        # (still without the required attribute).
        render_attrs = dict(attrs)
        if described_by:
            render_attrs["aria-describedby"] = described_by
        extra_class = "govuk-file-upload" if isinstance(widget, forms.FileInput) else ""
        if classes or extra_class:
            render_attrs["class"] = _join_classes(widget.attrs.get("class"), extra_class, classes)
        context.update(
            widget_html=widget.render(
                name=html_name,
                value=bound_field.value(),
                attrs=render_attrs,
                renderer=bound_field.form.renderer,
            ),
            label_for=widget.id_for_label(auto_id) if auto_id else "",
            classes="",
        )
        component = "input"

    return TEMPLATES[component], context


@register.simple_tag
def govuk_field(bound_field, **kwargs):
    """Render one bound field as a GOV.UK form group.

    Keyword arguments (all optional):
      classes            extra classes on the control (input/textarea/select) or on the
                         govuk-radios / govuk-checkboxes container
      label, hint        override the field's label / help_text
      label_size         "s", "m", "l" or "xl": govuk-label--<size> / govuk-fieldset__legend--<size>
                         (legends default to "s")
      heading            True: the label or legend is the page's <h1>
      inline             True: govuk-radios--inline
      small              True: govuk-radios--small / govuk-checkboxes--small
      show_if_name       \
      show_if_values      > data-show-if-* attributes on the form group (see app.js)
      show_if_checked    /
      form_group_classes extra classes on the govuk-form-group
      rows               textarea rows (default: the widget's, else 5)
    """
    if bound_field is None or isinstance(bound_field, str) or not hasattr(bound_field, "field"):
        raise template.TemplateSyntaxError(
            f"govuk_field needs a bound field such as form.subject_reference, not {bound_field!r}"
        )
    if bound_field.field.widget.is_hidden:
        return str(bound_field)
    template_name, context = field_context(bound_field, **kwargs)
    return render_to_string(template_name, context)


@register.simple_tag
def govuk_error_summary(form, title="There is a problem"):
    """The GOV.UK error summary for a form: nothing when the form has no errors.

    Non-field errors come first, without a link; then each field's errors in form
    order, linking to the field (the first option for radios and checkboxes).
    """
    if form is None or isinstance(form, str) or not form.errors:
        return ""
    items = [{"text": error, "href": None} for error in form.non_field_errors()]
    for bound_field in form:
        href = _error_href(bound_field)
        for error in bound_field.errors:
            items.append({"text": error, "href": href})
    if not items:
        return ""
    return render_to_string("govuk/error_summary.html", {"title": title, "errors": items})


@register.simple_tag
def govuk_tag(text, colour="", classes=""):
    """<strong class="govuk-tag govuk-tag--<colour>">text</strong>"""
    class_names = _join_classes("govuk-tag", f"govuk-tag--{colour}" if colour else "", classes)
    return format_html('<strong class="{}">{}</strong>', class_names, text)
