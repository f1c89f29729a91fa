"""Small template helpers for every page, email and letter: dates, times, numbers, money and
percentages in the reader's conventions (``stakeholders.formats``), charts, phones, role badges.
"""

import phonenumbers
from django import template
from django.utils import translation
from django.utils.html import format_html
from phonenumbers import phonenumberutil

from stakeholders import formats, text

register = template.Library()

CHART_WIDTH = 320  # SVG units
CHART_LABEL_WIDTH = 118  # the labels' column; longer labels are shortened to fit
CHART_LABEL_CHARACTERS = 18
CHART_BAR_MAX = 150  # the longest bar; what is left of the width holds its value
CHART_GAP = 6
CHART_ROW = 26


@register.filter
def local_date(value, style="short"):
    """17/06/2026 in pages; ``|local_date:"long"`` (17 June 2026) in letters and emails."""
    return formats.format_date(value, style=style)


@register.filter
def local_datetime(value, style="short"):
    return formats.format_datetime(value, style=style)


@register.filter
def local_time(value):
    return formats.format_time(value)


@register.filter
def local_month(value):
    return formats.format_month(value)


@register.filter
def duration(value, unit="seconds"):
    """A length of time in words: "1 day 17 hours", "45 minutes", in the reader's language.
    A timedelta, or a number of ``unit`` ("seconds", "minutes", "hours"); "—" when unknown."""
    if value is None or value == "":
        return "—"
    if not hasattr(value, "total_seconds"):
        value = float(value) * {"seconds": 1, "minutes": 60, "hours": 3600}[unit]
    return formats.format_duration(value)


@register.filter
def label(field):
    """A field's ``<label>`` without Django's trailing colon ("Email", not "Email:", nor the
    translated " :" of French or Persian): the label is above the input, the colon says nothing."""
    return field.label_tag(label_suffix="")


@register.filter
def local_number(value, decimals=None):
    """``|local_number`` as it is, ``|local_number:1`` with at most one decimal place."""
    return formats.format_number(value, decimals=None if decimals is None else int(decimals))


@register.filter
def local_percent(points, decimals=0):
    """A percentage given in points: 12.5 → "12.5%", "۱۲٫۵٪"."""
    return formats.format_percent(points, decimals=int(decimals))


@register.simple_tag
def reader_locale():
    """The reader's locale as a BCP 47 tag, for numbers a script formats (``Intl``)."""
    return formats.bcp47_locale()


@register.filter
def isolate(value):
    """``value`` in a ``<bdi>``, for a name or an amount inside a translated sentence: in a
    sentence of the other direction it keeps its own order and leaves its neighbours' alone."""
    return format_html("<bdi>{}</bdi>", value)


DIRECTION_MARKS = {"ltr": "\u200e", "rtl": "\u200f", "": ""}


@register.filter
def lines_in_their_direction(value):
    """A text of several lines (a postal address) with each line led by the mark of its own
    direction, so a Latin line in a Persian letter stays "12 Mill Lane" (not "Mill Lane 12")
    while keeping the letter's alignment — what ``dir="auto"`` does in a browser and
    WeasyPrint does not."""
    return "\n".join(
        DIRECTION_MARKS[text.base_direction(line)] + line for line in str(value).splitlines()
    )


@register.inclusion_tag("includes/bar_chart.html")
def bar_chart(rows, *, title, chart_id, percent=False):
    """Horizontal bars as inline SVG (no script, CSP-safe): label, bar, value. In a
    right-to-left language the chart is drawn mirrored — labels at the right edge, bars growing
    leftwards — as people reading it expect; every text stays inside the canvas (each column
    has its room) and reads in the page's direction. Rows of a time series run top to bottom,
    oldest first, so mirroring never reverses time."""
    rtl = translation.get_language_bidi()
    largest = max((value for _label, value in rows), default=0)
    shown = formats.format_percent if percent else formats.format_number
    bars = []
    for label, value in rows:
        width = round(CHART_BAR_MAX * value / largest) if largest else 0
        if rtl:
            label_x, bar_x = CHART_WIDTH, CHART_WIDTH - CHART_LABEL_WIDTH - width
            value_x = bar_x - CHART_GAP
        else:
            label_x, bar_x = 0, CHART_LABEL_WIDTH
            value_x = bar_x + width + CHART_GAP
        bars.append(
            {
                "y": len(bars) * CHART_ROW,
                "label": label,
                "label_x": label_x,
                "bar_x": bar_x,
                "width": width,
                "value": shown(value),
                "value_x": value_x,
            }
        )
    return {
        "bars": bars,
        "title": title,
        "chart_id": chart_id,
        "width": CHART_WIDTH,
        "height": len(bars) * CHART_ROW + 4,
        "direction": "rtl" if rtl else "ltr",
        "label_characters": CHART_LABEL_CHARACTERS,
    }


@register.filter
def roles_seen_by(contact, staff_role):
    """The badges of a contact that a member with ``staff_role`` may see."""
    return [label for _code, label in contact.roles_seen_by(staff_role)]


# The library's own steps of ``parse`` for a number already in E.164 (internal to it: without
# them, every number is parsed in full).
_COUNTRY_CODE = getattr(phonenumberutil, "_extract_country_code", None)
_LEADING_ZEROS = getattr(phonenumberutil, "_set_italian_leading_zeros_for_phone_number", None)


def _stored_number(value):
    """The PhoneNumber of an E.164 string as Steward stores them ("+442079460958"), split at its
    country code as ``parse`` would (leading zeros kept, as Italy's), in a tenth of its time: a
    list shows fifty; anything else is parsed."""
    digits = value[1:]
    stored = value.startswith("+") and digits.isascii() and digits.isdigit()
    if stored and _COUNTRY_CODE and _LEADING_ZEROS:
        code, national = _COUNTRY_CODE(digits)
        if code and national:
            number = phonenumbers.PhoneNumber(country_code=code, national_number=int(national))
            _LEADING_ZEROS(national, number)
            return number
    return phonenumbers.parse(value, None)


@register.filter
def phone(value):
    """An E.164 number as people read it: "+44 20 7946 0958"."""
    try:
        number = _stored_number(value)
    except phonenumbers.NumberParseException:
        return value
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


@register.filter
def money(amount, currency):
    """An amount in the reader's conventions: "£1,234.50", "1 234,50 €", "‎£۱٬۲۳۴٫۵۰"."""
    return formats.format_money(amount, currency)


@register.simple_tag
def language_switcher_choices():
    """Every language for the switcher, each named in itself and with its direction."""
    from stakeholders.languages import language_choices

    return [
        {"code": code, "name": name, "bidi": translation.get_language_info(code)["bidi"]}
        for code, name in language_choices()
    ]
