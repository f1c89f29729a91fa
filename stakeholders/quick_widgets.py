"""Widgets written out in Python, for a form drawn on a busy page (the contact page's quick-log).

Django renders each widget, and each ``<option>`` of a select, through a template: on the contact
page that was about 40% of the time (issue 21). These produce the same HTML as Django's own
templates (``django/forms/widgets/{input,select,select_option,textarea}.html``) — attributes in
the same order, the same escaping — straight from the widget's context, so labels, ids,
``aria-describedby`` and ``aria-invalid`` are unchanged. Widgets with other templates render as
before.
"""

from functools import cache

from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe

INPUT_TEMPLATES = {
    f"django/forms/widgets/{name}.html"
    for name in (
        "input",
        "text",
        "email",
        "url",
        "number",
        "password",
        "hidden",
        "date",
        "datetime",
        "time",
        "checkbox",
        "search",
        "tel",
        "color",
    )
}
SELECT = "django/forms/widgets/select.html"
OPTION = "django/forms/widgets/select_option.html"
TEXTAREA = "django/forms/widgets/textarea.html"


def _attrs(attrs):
    """As ``attrs.html``: ``False`` leaves the attribute out, ``True`` writes its name alone."""
    return "".join(
        f" {name}" if value is True else f' {name}="{conditional_escape(str(value))}"'
        for name, value in attrs.items()
        if value is not False
    )


def _input(widget):
    value = widget["value"]
    shown = "" if value is None else f' value="{conditional_escape(str(value))}"'
    name = conditional_escape(widget["name"])
    return f'<input type="{widget["type"]}" name="{name}"{shown}{_attrs(widget["attrs"])}>'


def _option(option):
    return (
        f'<option value="{conditional_escape(str(option["value"]))}"{_attrs(option["attrs"])}>'
        f"{conditional_escape(option['label'])}</option>"
    )


def _select(widget):
    parts = [f'<select name="{conditional_escape(widget["name"])}"{_attrs(widget["attrs"])}>']
    for group_name, options, _index in widget["optgroups"]:
        if group_name:
            parts.append(f'\n  <optgroup label="{conditional_escape(group_name)}">')
        parts += [f"\n  {_option(option)}\n" for option in options]  # as the included file
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")
    return "".join(parts)


def _textarea(widget):
    value = conditional_escape(widget["value"]) if widget["value"] else ""
    name = conditional_escape(widget["name"])
    return f'<textarea name="{name}"{_attrs(widget["attrs"])}>\n{value}</textarea>'


class PythonRendered:
    """Mixin for a widget class: its HTML written in Python when its template is a stock one."""

    def _render(self, template_name, context, renderer=None):
        widget = context["widget"]
        if template_name in INPUT_TEMPLATES and widget.get("type"):
            return mark_safe(_input(widget))  # noqa: S308 (every value escaped above)
        if template_name == SELECT and getattr(self, "option_template_name", None) == OPTION:
            return mark_safe(_select(widget))  # noqa: S308
        if template_name == TEXTAREA:
            return mark_safe(_textarea(widget))  # noqa: S308
        return super()._render(template_name, context, renderer)


@cache
def _python_rendered(widget_class):
    return type(widget_class.__name__, (PythonRendered, widget_class), {})


def render_in_python(form):
    """Give each of ``form``'s widgets its Python-rendered class (the same widget otherwise)."""
    for field in form.fields.values():
        widget = field.widget
        if not isinstance(widget, PythonRendered):
            widget.__class__ = _python_rendered(type(widget))
    return form


# --- Whole fields and forms, as ``includes/field.html`` and ``includes/form.html`` -------------
#
# Those two includes cost the contact page a template render per field and per label (issue 21):
# these write the same HTML, byte for byte (``tests/test_contact_page_html.py`` compares them with
# the templates), from the same bound fields, so ids, ``for``, ``aria-describedby``,
# ``aria-invalid``, help texts and errors are unchanged.


def _label(field):
    """As ``field|label`` (``label_tag(label_suffix="")``, ``django/forms/label.html``)."""
    form = field.form
    if form.template_name_label != "django/forms/label.html":
        return field.label_tag(label_suffix="")
    contents = field.label
    widget = field.field.widget
    id_ = widget.attrs.get("id") or field.auto_id
    attrs = None
    if id_:
        id_for_label = widget.id_for_label(id_)
        if id_for_label:
            attrs = {"for": id_for_label}
        if field.field.required and hasattr(form, "required_css_class"):
            attrs = attrs or {}
            attrs["class"] = form.required_css_class
        return f"<label{_attrs(attrs or {})}>{conditional_escape(contents)}</label>"
    return conditional_escape(contents)


def field_html(field):
    """``{% include "includes/field.html" %}`` of one bound field."""
    errors = field.errors
    checkbox = getattr(field.field.widget, "input_type", None) == "checkbox"
    widget, label = str(field), _label(field)
    first, second = (widget, label) if checkbox else (label, widget)
    parts = [
        '\n<div class="field',
        " field--invalid" if errors else "",
        " field--checkbox" if checkbox else "",
        f'">\n  \n    {first}\n    {second}\n  \n  ',
    ]
    if field.help_text:
        parts.append(
            f'<p class="field__help" id="{conditional_escape(field.auto_id)}_helptext">'
            f"{conditional_escape(field.help_text)}</p>"
        )
    parts.append("\n  ")
    if errors:
        items = "".join(f"<li>{conditional_escape(error)}</li>" for error in errors)
        parts.append(
            f'\n    <ul class="field__errors" id="{conditional_escape(field.auto_id)}_error">'
            f"\n      {items}\n    </ul>\n  "
        )
    parts.append("\n</div>\n")
    return mark_safe("".join(parts))  # noqa: S308 (every value escaped above or by its widget)


def form_html(form):
    """``{% include "includes/form.html" with form=form %}``, its widgets written in Python."""
    from django.utils.translation import gettext

    render_in_python(form)
    parts = []
    non_field_errors = form.non_field_errors()
    if non_field_errors:
        errors = "".join(f"<p>{conditional_escape(error)}</p>" for error in non_field_errors)
        parts.append(f'\n  <div class="form-errors" role="alert">{errors}</div>\n')
    elif form.errors:
        message = gettext("Please correct the errors below.")  # as {% translate %}: unescaped
        parts.append(f'\n  <div class="form-errors" role="alert"><p>{message}</p></div>\n')
    parts.append("\n")
    parts += [str(hidden) for hidden in form.hidden_fields()]
    parts.append("\n")
    parts += [field_html(field) for field in form.visible_fields()]
    parts.append("\n")
    return mark_safe("".join(parts))  # noqa: S308 (built from escaped parts)
