"""Small template helpers for the staff UI (charts)."""

from django import template

register = template.Library()

BAR_MAX = 150  # SVG units the longest bar takes


@register.filter
def max_value(rows):
    return max((value for _label, value in rows), default=0)


@register.filter
def bar_width(value, maximum):
    return round(BAR_MAX * value / maximum) if maximum else 0


@register.filter
def multiply(value, factor):
    return int(value) * int(factor)
