"""Volunteer milestones as things to thank: what is not thanked yet, and the merge fields."""

from datetime import timedelta
from functools import partial

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from stakeholders import formats
from thankyous.models import Rule
from thankyous.registry import DefaultTemplate, ThankItem
from volunteers import selectors
from volunteers.models import Milestone

# Milestones reached longer ago than this (e.g. found when hours are back-filled) are history.
THANK_WINDOW_DAYS = 30
RULES = (Rule.VOLUNTEER_MILESTONE,)
DEFAULT_TEMPLATE = DefaultTemplate(
    name=gettext_lazy("Thank you for volunteering"),
    email_subject=gettext_lazy("{{ milestone }} — thank you, {{ first_name }}"),
    email_body=gettext_lazy(
        "{{ salutation }},\n\n"
        "{{ milestone_sentence }} That is {{ total_hours }} hours given to {{ organization_name }} "
        "since {{ volunteer_since }}, and every one of them mattered to the people we serve.\n\n"
        "Thank you for your time, your skills and your company.\n\n"
        "With gratitude,\n{{ signature }}"
    ),
    letter_body=gettext_lazy(
        "<p>{{ salutation }},</p>\n"
        "<p><strong>{{ milestone_sentence }}</strong></p>\n"
        "<p>Since {{ volunteer_since }} you have given {{ total_hours }} hours to "
        "{{ organization_name }}. Thank you for your time, your skills and your company.</p>\n"
        "<p>With gratitude,<br>{{ signature }}</p>"
    ),
)


def candidates(organization):
    since = timezone.localdate() - timedelta(days=THANK_WINDOW_DAYS)
    return Milestone.objects.filter(organization=organization, reached_on__gte=since)


def _sentence(code, first_name):
    kind, _sep, number = code.partition("_")
    if code == "first_shift":
        return _("You did your first volunteer shift with us.")
    if kind == "hours":
        return ngettext(
            "You have reached %(n)s hour of volunteering.",
            "You have reached %(n)s hours of volunteering.",
            int(number),
        ) % {"n": formats.format_number(int(number))}
    if kind == "anniversary":
        return ngettext(
            "You have been volunteering with us for %(n)s year.",
            "You have been volunteering with us for %(n)s years.",
            int(number),
        ) % {"n": formats.format_number(int(number))}
    return ""


def _fields(organization, milestone, total):
    contact = milestone.profile.contact
    first = contact.first_name or contact.name
    return {
        "volunteer_name": contact.name,
        "first_name": first,
        "salutation": contact.salutation or _("Dear %(name)s") % {"name": first},
        "milestone": selectors.milestone_label(milestone.code),
        "milestone_sentence": _sentence(milestone.code, first),
        "date": formats.format_date(milestone.reached_on, style="long"),
        "total_hours": formats.format_number(total, decimals=1),
        "volunteer_since": formats.format_date(milestone.profile.joined_at, style="long"),
        "organization_name": organization.name,
        "signature": organization.sender_name or organization.name,
    }


def describe(organization, ids):
    milestones = list(
        Milestone.objects.filter(organization=organization, pk__in=ids).select_related(
            "profile__contact"
        )
    )
    totals = {}
    items = {}
    for milestone in milestones:
        profile = milestone.profile
        if profile.pk not in totals:
            totals[profile.pk] = selectors.hours_total(organization=organization, profile=profile)
        items[milestone.pk] = ThankItem(
            contact=profile.contact,
            received_at=milestone.created_at,
            make_fields=partial(_fields, organization, milestone, totals[profile.pk]),
            rules={Rule.VOLUNTEER_MILESTONE},
        )
    return items


def sample(organization):
    return {
        "volunteer_name": "Ada Lovelace",
        "first_name": "Ada",
        "salutation": _("Dear Ada"),
        "milestone": selectors.milestone_label("hours_50"),
        "milestone_sentence": _sentence("hours_50", "Ada"),
        "date": formats.format_date(timezone.localdate(), style="long"),
        "total_hours": formats.format_number(52),
        "volunteer_since": formats.format_date(
            timezone.localdate() - timedelta(days=400), style="long"
        ),
        "organization_name": organization.name,
        "signature": organization.sender_name or organization.name,
    }
