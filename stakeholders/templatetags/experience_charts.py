"""Small charts of the experience insights: a month-by-month trend as little bars (inline SVG,
no script: CSP-safe), with its numbers in a table for screen readers."""

from django import template
from django.utils import translation

from stakeholders import formats

register = template.Library()

TREND_BAR = 8  # SVG units per month
TREND_GAP = 2
TREND_HEIGHT = 24


@register.inclusion_tag("experience/insights/_trend_chart.html")
def trend_chart(values, *, months, title, chart_id):
    """One bar per month, oldest first in the reading direction (at the right in a
    right-to-left language), all scaled to the largest month."""
    largest = max(values, default=0)
    count = len(values)
    rtl = translation.get_language_bidi()
    bars = []
    for index, (month, value) in enumerate(zip(months, values, strict=False)):
        height = round(TREND_HEIGHT * value / largest) if largest else 0
        slot = count - 1 - index if rtl else index
        bars.append(
            {
                "x": slot * (TREND_BAR + TREND_GAP),
                "y": TREND_HEIGHT - max(height, 1),
                "height": max(height, 1),  # an empty month still shows a line
                "empty": not value,
                "month": formats.format_month(month),
                "value": formats.format_number(value),
            }
        )
    return {
        "bars": bars,
        "bar_width": TREND_BAR,
        "width": max(count * (TREND_BAR + TREND_GAP) - TREND_GAP, 1),
        "height": TREND_HEIGHT,
        "title": title,
        "chart_id": chart_id,
    }
