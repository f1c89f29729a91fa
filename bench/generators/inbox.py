"""An organization ready to receive texts: a Twilio account (its auth token encrypted as the
settings page stores it), an SMS number, and contacts with mobile numbers (E.164, as the
services store them) — for the inbound webhook benchmark (``bench/scenarios/inbound.py``).
Run as the owner of the tables (``bench.roles.loading``)."""

import random

from stakeholders.inbox.models import InboxSettings, MessagingAccount, MessagingNumber
from stakeholders.models import Contact, Organization
from stakeholders.services import normalise_text

FIRST = ["Ana", "Sam", "Priya", "Tomás", "Zoë", "Bolat", "Sreymom", "Darius", "Aoife", "Kwame"]
LAST = ["Ruiz", "Patel", "O'Brien", "Smith", "Nurlanov", "Chan", "Karimi", "Mensah", "Dubois"]
AUTH_TOKEN = "0123456789abcdef0123456789abcdef"  # noqa: S105 (a benchmark account)
ACCOUNT_SID = "AC" + "b" * 32
OUR_NUMBER = "+447700900001"


def mobile(index):
    """A UK mobile number in Ofcom's drama range, E.164; distinct per index."""
    return f"+4477009{index:05d}"


def texting_organization(slug, *, contacts, seed=19):
    """The organization (its account, number and ``contacts`` people with a mobile); returns
    (organization, [mobile numbers of the contacts])."""
    rng = random.Random(seed)
    organization = Organization.objects.create(
        name=slug.title(), slug=slug, country="GB", timezone="Europe/London"
    )
    MessagingAccount.objects.create(
        organization=organization, account_sid=ACCOUNT_SID, auth_token=AUTH_TOKEN
    )
    MessagingNumber.objects.create(organization=organization, channel="sms", number=OUR_NUMBER)
    InboxSettings.objects.create(organization=organization)
    people = []
    for index in range(contacts):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        name = f"{first} {last}"
        people.append(
            Contact(
                organization=organization,
                first_name=first,
                last_name=last,
                name=name,
                search_name=normalise_text(name),
                mobile=mobile(index),
                is_donor=index % 3 == 0,
                is_volunteer=index % 3 == 1,
            )
        )
    Contact.objects.bulk_create(people, batch_size=2000)
    return organization, [person.mobile for person in people]
