"""Template filters of the clients pages."""

from datetime import timedelta

from django import template
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from stakeholders import formats

register = template.Library()


@register.filter
def duration(value):
    """A timedelta as people say it: "2 d 3 h", "45 min" (absolute value; the template says
    whether it is left or overdue)."""
    if value is None:
        return "—"
    if not isinstance(value, timedelta):
        value = timedelta(seconds=float(value))
    minutes = int(abs(value.total_seconds()) // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    number = formats.format_number
    if days:
        return _("%(d)s d %(h)s h") % {"d": number(days), "h": number(hours)}
    if hours:
        return _("%(h)s h %(m)s min") % {"h": number(hours), "m": number(minutes)}
    return _("%(m)s min") % {"m": number(minutes)}


@register.filter
def is_negative(value):
    return value is not None and value <= timedelta(0)


ACCESS_LABELS = {
    "request": gettext_lazy("service request"),
    "attachment": gettext_lazy("attachment"),
    "service_record": gettext_lazy("service record"),
    "attendance": gettext_lazy("attendance"),
    "contact": gettext_lazy("client record"),
    "view": gettext_lazy("opened"),
    "list": gettext_lazy("listed"),
    "download": gettext_lazy("downloaded"),
    "api": gettext_lazy("read through the API"),
}


@register.filter
def access_label(code):
    """The access log's codes in words people read."""
    return ACCESS_LABELS.get(code, code)
