"""Template filters of the clients pages."""

from datetime import timedelta

from django import template
from django.utils.translation import gettext_lazy

register = template.Library()


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
