"""Small template helpers for the staff UI (charts)."""

import phonenumbers
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


@register.filter
def phone(value):
    """An E.164 number as people read it: "+44 20 7946 0958"."""
    try:
        number = phonenumbers.parse(value, None)
    except phonenumbers.NumberParseException:
        return value
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
