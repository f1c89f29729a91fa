"""What the public can do to the clients app: a request from the form or by email is kept, but
changes no one's record until the address owner confirms it; the acknowledgement repeats
nothing the sender typed; each organization has a ceiling on public requests per hour; help
centre searches are written once per visitor, query and day, within limits."""

import io
import os
import sys
from email.message import EmailMessage
from urllib.parse import urlsplit

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from clients import inbound, selectors, services
from clients.models import HelpSearch, ServiceRequest
from stakeholders import sending
from stakeholders import services as stakeholder_services
from stakeholders.models import Consent, ConsentChannel, ConsentPurpose, ConsentSource, Role
from stakeholders.public_forms import form_started_token
from stakeholders.tenancy.models import organization_scope
from tests.factories import ContactFactory

pytestmark = pytest.mark.django_db
FORM = "/o/riverside/help/request/"
ATTACK = "Claim your prize at https://evil.example/win"


@pytest.fixture
def org(org_a, settings):
    settings.CLIENTS_FORM_MIN_SECONDS = 0
    with organization_scope(org_a):
        yield org_a


@pytest.fixture
def donor(org):
    """A donor who asked not to be thanked any more."""
    dana = ContactFactory(organization=org, first_name="Dana", email="dana@example.org")
    stakeholder_services.contact_set_role(organization=org, contact_id=dana.pk, role="donor")
    stakeholder_services.consent_record(
        organization=org,
        contact=dana,
        channel=ConsentChannel.EMAIL,
        purpose=ConsentPurpose.THANK_YOUS,
        granted=False,
        source=ConsentSource.STAFF,
    )
    dana.refresh_from_db()
    return dana


def form(**overrides):
    return {
        "first_name": "Evil",
        "last_name": ATTACK[:40],
        "email": "dana@example.org",
        "phone": "",
        "subject": ATTACK,
        "description": "Send your bank details.",
        "thank_you_consent": "on",
        "started": form_started_token(),
        "website": "",
        **overrides,
    }


def may_thank(org, contact):
    """As the participation thank-you asks: a "yes" on record is needed."""
    return sending.decide(
        organization=org,
        contact=contact,
        channel=ConsentChannel.EMAIL,
        purpose=ConsentPurpose.THANK_YOUS,
        needs_a_yes=True,
    ).allowed


def test_a_stranger_typing_a_donors_address_changes_nothing_until_the_owner_confirms(
    client, org, donor, mailbox, member_factory
):
    sent = client.post(FORM, form(), REMOTE_ADDR="203.0.113.9")
    assert sent.status_code == 200
    request = ServiceRequest.objects.get()
    assert request.contact == donor and request.confirmed_at is None  # kept, unconfirmed
    donor.refresh_from_db()
    assert not donor.is_client and donor.is_donor  # roles and badges as they were
    assert not may_thank(org, donor) and Consent.objects.filter(contact=donor).count() == 1

    # the owner of the address hears of it, without a word the stranger typed
    (email,) = mailbox.to("dana@example.org")
    text = mailbox.text(email)
    assert "evil.example" not in text and "prize" not in text.lower()
    assert "Evil" not in text and "evil.example" not in email["Subject"]
    assert "/help/request/status/" not in text  # the case is not one click away
    link = next(url for url in mailbox.links(email) if "/help/request/confirm/" in url)

    # staff see it, marked as unconfirmed, and can work on it
    caseworker = member_factory(org, role=Role.CASEWORKER)
    staff = Client()
    staff.force_login(caseworker)
    assert b"Unconfirmed" in staff.get("/o/riverside/clients/").content
    assert b"Unconfirmed" in staff.get(f"/o/riverside/clients/requests/{request.pk}/").content

    # a mail scanner opening the link confirms nothing; the owner's press does
    assert client.get(urlsplit(link).path).status_code == 200
    request.refresh_from_db()
    assert request.confirmed_at is None
    assert client.post(urlsplit(link).path).status_code == 302
    donor.refresh_from_db()
    assert donor.is_client and may_thank(org, donor)
    client.post(urlsplit(link).path)  # again: nothing more
    assert Consent.objects.filter(contact=donor).count() == 2


def test_a_new_address_is_a_client_at_once_but_consent_waits_for_confirmation(client, org, mailbox):
    client.post(FORM, form(email="new@example.org", first_name="Nia", last_name="Obi"))
    request = ServiceRequest.objects.get()
    assert request.contact.is_client and request.confirmed_at is None
    assert not Consent.objects.filter(contact=request.contact).exists()
    services.request_confirm_address(organization=org, request=request)
    assert may_thank(org, request.contact)


def _email(sender, subject, body):
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = sender, "help@riverside.org", subject
    message.set_content(body)
    return message.as_bytes()


def test_an_email_in_a_donors_name_waits_for_the_owner_too(org, donor, mailbox):
    request, created = inbound.receive(
        organization=org, raw=_email("Dana <dana@example.org>", ATTACK, "Send your details.")
    )
    assert created and request.contact == donor and request.confirmed_at is None
    donor.refresh_from_db()
    assert not donor.is_client
    (acknowledgement,) = mailbox.to("dana@example.org")
    assert "evil.example" not in mailbox.text(acknowledgement)
    assert any("/help/request/confirm/" in url for url in mailbox.links(acknowledgement))


def test_the_organizations_ceiling_answers_429_and_tells_the_mail_server_to_wait(
    client, org, org_b, settings, mailbox, monkeypatch
):
    settings.CLIENTS_PUBLIC_REQUESTS_RATE = "2/h"
    statuses = [
        client.post(
            FORM, form(email=f"p{n}@example.org"), REMOTE_ADDR=f"198.51.100.{n}"
        ).status_code
        for n in range(3)
    ]
    assert statuses == [200, 200, 429]
    assert ServiceRequest.objects.count() == 2
    busy = client.post(FORM, form(email="p9@example.org"), REMOTE_ADDR="198.51.100.9")
    assert busy.status_code == 429 and b"a great many requests" in busy.content

    raw = _email("Sam <sam@example.org>", "Parcel", "It did not come.")
    monkeypatch.setattr(sys, "stdin", type("In", (), {"buffer": io.BytesIO(raw)})())
    with pytest.raises(CommandError) as refused:
        call_command("clients_inbound_email", "--org", org.slug)
    assert refused.value.returncode == os.EX_TEMPFAIL  # Postfix keeps it and retries
    assert ServiceRequest.objects.count() == 2

    # another organization has its own budget
    assert (
        client.post("/o/hope/help/request/", form(), REMOTE_ADDR="198.51.100.20").status_code == 200
    )


def test_help_searches_are_one_row_per_visitor_query_and_day(client, org):
    for query in ["Wheelchair  access", "wheelchair access", "WHEELCHAIR ACCESS"]:
        assert client.get("/o/riverside/help/", {"q": query}).status_code == 200
    client.get("/o/riverside/help/", {"q": "wheelchair access"}, REMOTE_ADDR="192.0.2.7")
    rows = list(HelpSearch.objects.values_list("query", "searches", "results").order_by("pk"))
    assert rows == [("wheelchair access", 3, 0), ("wheelchair access", 1, 0)]
    assert "192.0.2.7" not in str(HelpSearch.objects.values_list("visitor", flat=True))
    since = HelpSearch.objects.earliest("created_at").created_at
    # two people asked, whatever one of them pressed
    assert selectors.unmet_searches(organization=org, since=since) == [
        {"query": "wheelchair access", "times": 2}
    ]


def test_one_visitor_cannot_fill_the_search_log(client, org):
    for n in range(40):
        response = client.get("/o/riverside/help/", {"q": f"flood {n}"})
        assert response.status_code == 200  # still answered
    assert HelpSearch.objects.count() == 30
