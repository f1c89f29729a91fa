"""Programme completions as things to thank: a participation thank-you, only with consent.

Unlike a gift, taking part in a service can be private: a client is thanked only when they said
yes for the channel (on the request form or when staff recorded the completion), never by
default — the thankable needs a "yes" (``needs_a_yes``), and the batch's sending decision
checks it.
"""

from datetime import timedelta
from functools import partial

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from clients.models import ProgrammeCompletion
from stakeholders import formats
from thankyous.models import Rule
from thankyous.registry import DefaultTemplate, ThankItem

KIND = "client_participation"
THANK_WINDOW_DAYS = 30
RULES = (Rule.CLIENT_PARTICIPATION,)
DEFAULT_TEMPLATE = DefaultTemplate(
    name=gettext_lazy("Thank you for taking part"),
    email_subject=gettext_lazy("Well done, {{ first_name }}"),
    email_body=gettext_lazy(
        "{{ salutation }},\n\n"
        "Congratulations on completing {{ programme }} on {{ date }}. "
        "Thank you for taking part and for the effort you put in: it was good to work with you.\n\n"
        "If there is anything else we can help with, we are here.\n\n"
        "Best wishes,\n{{ signature }}"
    ),
    letter_body=gettext_lazy(
        "<p>{{ salutation }},</p>\n"
        "<p>Congratulations on completing <strong>{{ programme }}</strong> on {{ date }}.</p>\n"
        "<p>Thank you for taking part and for the effort you put in.</p>"
    ),
)


def candidates(organization):
    since = timezone.localdate() - timedelta(days=THANK_WINDOW_DAYS)
    return ProgrammeCompletion.objects.filter(organization=organization, completed_on__gte=since)


def _fields(organization, completion):
    contact = completion.contact
    name = contact.first_name or contact.name
    return {
        "client_name": contact.name,
        "first_name": name,
        "salutation": contact.salutation or _("Dear %(name)s") % {"name": name},
        "programme": completion.programme.name,
        "date": formats.format_date(completion.completed_on, style="long"),
        "organization_name": organization.name,
        "signature": organization.sender_name or organization.name,
    }


def describe(organization, ids):
    completions = ProgrammeCompletion.objects.filter(
        organization=organization, pk__in=ids
    ).select_related("contact", "programme")
    items = {}
    for completion in completions:
        items[completion.pk] = ThankItem(
            contact=completion.contact,
            received_at=completion.created_at,
            make_fields=partial(_fields, organization, completion),
            rules={Rule.CLIENT_PARTICIPATION.value},
        )
    return items


def sample(organization):
    return {
        "client_name": "Samira Haddad",
        "first_name": "Samira",
        "salutation": _("Dear Samira"),
        "programme": _("Budgeting course"),
        "date": formats.format_date(timezone.localdate(), style="long"),
        "organization_name": organization.name,
        "signature": organization.sender_name or organization.name,
    }
