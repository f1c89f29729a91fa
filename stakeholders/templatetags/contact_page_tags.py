"""The contact page's forms and timeline written in Python: the same HTML as the includes they
replace (``includes/form.html`` with its ``includes/field.html``, ``_timeline_item.html``),
without a template render per field, label and entry (issue 21)."""

from django import template

from stakeholders import quick_widgets, timeline_html

register = template.Library()


@register.filter
def form_html(form):
    """As ``{% include "includes/form.html" with form=form %}``."""
    return quick_widgets.form_html(form)


@register.filter
def timeline_items(events):
    """As ``{% for event in events %}{% include "…/_timeline_item.html" %}{% endfor %}``."""
    return timeline_html.items(events)
