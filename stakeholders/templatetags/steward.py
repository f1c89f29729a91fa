"""Small template helpers for the staff UI (charts, phones, money, role badges)."""

import phonenumbers
from babel.core import UnknownLocaleError
from babel.numbers import format_currency
from django import template
from django.utils import translation

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
def roles_seen_by(contact, staff_role):
    """The badges of a contact that a member with ``staff_role`` may see."""
    return [label for _code, label in contact.roles_seen_by(staff_role)]


@register.filter
def phone(value):
    """An E.164 number as people read it: "+44 20 7946 0958"."""
    try:
        number = phonenumbers.parse(value, None)
    except phonenumbers.NumberParseException:
        return value
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


@register.filter
def money(amount, currency):
    """An amount in the active language's format: "£1,234.50", "1 234,50 €", "۱٬۲۳۴٫۵۰ ریال"."""
    if amount is None:
        return ""
    locale = (translation.get_language() or "en").replace("-", "_")
    try:
        return format_currency(amount, currency, locale=locale)
    except (ValueError, UnknownLocaleError):
        return format_currency(amount, currency, locale="en")
