"""Helpers of the design system's template components (templates/includes/components/)."""

from django import template

register = template.Library()


@register.filter
def at(items, index):
    """``columns|at:forloop.counter0``: a table cell's column heading, for its data-label."""
    try:
        return items[index]
    except (IndexError, KeyError, TypeError):
        return ""
