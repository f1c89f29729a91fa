"""The contact page's forms and timeline, and the stakeholder list's rows, written in Python: the
same HTML as the includes they replace (``includes/form.html`` with its ``includes/field.html``,
``_timeline_item.html``, ``_result_row.html``), without a template render per field, label,
entry and row (issue 21)."""

from django import template

from stakeholders import list_html, quick_widgets, timeline_html

register = template.Library()


@register.filter
def form_html(form):
    """As ``{% include "includes/form.html" with form=form %}``."""
    return quick_widgets.form_html(form)


@register.filter
def timeline_items(events):
    """As ``{% for event in events %}{% include "…/_timeline_item.html" %}{% endfor %}``."""
    return timeline_html.items(events)


@register.simple_tag(takes_context=True)
def result_rows(context, contacts):
    """As ``{% for contact in contacts %}{% include "…/_result_row.html" %}{% endfor %}``."""
    return list_html.result_rows(
        contacts, organization=context["organization"], staff_role=context["membership"].role
    )
