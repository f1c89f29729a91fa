"""One sending decision for every email Steward sends to a stakeholder.

Each kind of message is sent to five people — one who may be contacted, one who refused every
purpose on every channel, one marked "do not contact", one who died, one erased — through its
real path and a real SMTP server. What reaches them depends only on what kind of message it is:

- asked for (the person's own action just now asked for it): everyone but the dead and erased;
- a service message (part of something they use, not asked for now): not "do not contact" either;
- not transactional (consent for a purpose): only the person who may be contacted.
"""

from contextlib import suppress
from datetime import datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from clients import services as client_services
from clients.models import MessageKind, RequestChannel, RequestMessage
from donors import services as donor_services
from donors import updates
from donors.models import UpdateDelivery
from stakeholders import sending
from stakeholders import services as stakeholder_services
from stakeholders.models import ConsentChannel, ConsentPurpose, Contact, ContactEvent
from stakeholders.sending import Reason, Transactional
from stakeholders.tenancy.models import organization_scope
from tests.factories import (
    AssignmentFactory,
    ContactFactory,
    DonorUpdateFactory,
    InteractionFactory,
    OpportunityFactory,
    ProgrammeFactory,
    ShiftFactory,
    VolunteerProfileFactory,
)
from thankyous import services as thankyou_services
from thankyous.models import Acknowledgment
from volunteers import services as volunteer_services
from volunteers.models import Assignment, Milestone

pytestmark = pytest.mark.django_db

PEOPLE = ("may", "no_consent", "do_not_contact", "deceased", "erased")
ASKED, SERVICE, CONSENT = "asked", "service", "consent"
REACHES = {
    ASKED: {"may", "no_consent", "do_not_contact"},
    SERVICE: {"may", "no_consent"},
    CONSENT: {"may"},
}


@pytest.fixture
def org(org_a):
    with organization_scope(org_a):
        yield org_a


def person(org, who):
    """A contact with every purpose on email and post agreed to — or refused by "no_consent"."""
    contact = ContactFactory(organization=org, first_name=who, email=f"{who}@example.org")
    for purpose in ConsentPurpose.values:
        for channel in (ConsentChannel.EMAIL, ConsentChannel.POST):
            stakeholder_services.consent_record(
                organization=org,
                contact=contact,
                channel=channel,
                purpose=purpose,
                granted=who != "no_consent",
                source="staff",
            )
    return contact


def mark(org, contact, who, staff):
    contact.refresh_from_db()  # roles the apps set since (a donor, a client) are kept
    if who == "do_not_contact":
        stakeholder_services.contact_update(organization=org, contact=contact, do_not_contact=True)
    elif who == "deceased":
        stakeholder_services.contact_update(organization=org, contact=contact, deceased=True)
    elif who == "erased":
        stakeholder_services.contact_erase(organization=org, contact=contact, actor=staff)


def tomorrow_at_ten(org):
    zone = ZoneInfo(org.timezone)
    day = timezone.localdate(timezone=zone) + timedelta(days=1)
    return datetime.combine(day, time(10), tzinfo=zone)


def shift(org, starts_at=None, capacity=2):
    starts_at = starts_at or timezone.now() + timedelta(days=3)
    return ShiftFactory(
        organization=org,
        opportunity=OpportunityFactory(organization=org, title="Kitchen"),
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=2),
        capacity=capacity,
    )


def volunteer(org, contact):
    return VolunteerProfileFactory(organization=org, contact=contact)


def donor(org, contact):
    donor_services.gift_record(
        organization=org, contact=contact, amount=Decimal("25"), received_on=timezone.localdate()
    )
    return contact


def client_request(org, contact, **fields):
    fields.setdefault("channel", RequestChannel.PHONE)
    return client_services.request_create(
        organization=org, contact=contact, subject="My food parcel did not arrive", **fields
    )


# --- Each kind of message, through its own path --------------------------------------------------
# (org, contact, staff, mark) -> None: set up what the message is about, ``mark()`` the person,
# then send it as Steward does. Staff who send a message themselves are refused with the reason.


def request_acknowledgement(org, contact, staff, mark):
    request = client_services.request_from_public(
        organization=org,
        first_name="A",
        last_name="B",
        email=contact.email,
        subject="Help",
        channel=RequestChannel.WEB_FORM,
    )
    mark()
    request.refresh_from_db()
    client_services.request_acknowledge(organization=org, request=request)


def request_reply(org, contact, staff, mark):
    request = client_request(org, contact)
    mark()
    with suppress(ValidationError):
        client_services.request_reply(
            organization=org, request=request, author=staff, body="We redeliver on Friday."
        )


def request_resolution(org, contact, staff, mark):
    request = client_request(org, contact)
    mark()
    client_services.request_resolve(
        organization=org, request=request, actor=staff, summary="Delivered."
    )


def participation_thank_you(org, contact, staff, mark):
    client_services.completion_record(
        organization=org, contact=contact, programme=ProgrammeFactory(organization=org)
    )
    mark()
    thankyou_services.run_batch(organization=org)


def signup_confirmation(org, contact, staff, mark):
    volunteer_services.signup_submit(
        organization=org, data={"email": contact.email, "first_name": "A", "last_name": "B"}
    )
    mark()
    volunteer_services.signup_confirmations_send(organization=org)


def volunteer_welcome(org, contact, staff, mark):
    profile = volunteer(org, contact)
    mark()
    volunteer_services.signup_confirmed_notify(organization=org, profile_id=profile.pk)


def portal_link_asked(org, contact, staff, mark):
    address = contact.email
    volunteer(org, contact)
    mark()
    volunteer_services.portal_link_send(organization=org, email=address)


def portal_link_from_staff(org, contact, staff, mark):
    volunteer(org, contact)
    mark()
    with suppress(ValidationError):
        volunteer_services.portal_link_send(organization=org, email=contact.email, staff_sent=True)


def waiting_list_place(org, contact, staff, mark):
    full = shift(org, capacity=1)
    first = AssignmentFactory(organization=org, shift=full)
    AssignmentFactory(
        organization=org, shift=full, profile=volunteer(org, contact), status="waitlisted"
    )
    mark()
    volunteer_services.assignment_cancel(organization=org, assignment=first)


def shift_reminder(org, contact, staff, mark):
    AssignmentFactory(
        organization=org, shift=shift(org, tomorrow_at_ten(org)), profile=volunteer(org, contact)
    )
    mark()
    volunteer_services.reminders_send(organization=org)


def opportunity_invitation(org, contact, staff, mark):
    profile = volunteer(org, contact)
    mark()
    with suppress(ValidationError):
        volunteer_services.opportunity_invite(
            organization=org,
            opportunity=OpportunityFactory(organization=org),
            profile=profile,
            actor=staff,
        )


def coordinator_thank_you(org, contact, staff, mark):
    done = AssignmentFactory(
        organization=org,
        shift=shift(org, timezone.now() - timedelta(hours=5)),
        profile=volunteer(org, contact),
        status="attended",
    )
    mark()
    with suppress(ValidationError):
        volunteer_services.shift_thank(
            organization=org, assignment=done, message="You were brilliant.", actor=staff
        )


def milestone_thank_you(org, contact, staff, mark):
    Milestone.objects.create(
        organization=org,
        profile=volunteer(org, contact),
        code="first_shift",
        reached_on=timezone.localdate(),
    )
    mark()
    thankyou_services.run_batch(organization=org)


def impact_link_asked(org, contact, staff, mark):
    address = donor(org, contact).email
    mark()
    donor_services.impact_link_send(organization=org, email=address)


def impact_link_from_staff(org, contact, staff, mark):
    donor(org, contact)
    mark()
    with suppress(ValidationError):
        donor_services.impact_link_send(organization=org, email=contact.email, staff_sent=True)


def donor_update(org, contact, staff, mark):
    donor(org, contact)
    mark()
    updates.send(organization=org, update=DonorUpdateFactory(organization=org))


def gift_thank_you(org, contact, staff, mark):
    donor(org, contact)
    mark()
    thankyou_services.run_batch(organization=org)


def emailed(mailbox, address):
    return bool(mailbox.to(address))


def surveyed(mailbox, address):
    return any("/feedback/" in link for m in mailbox.to(address) for link in mailbox.links(m))


KINDS = {
    "client: request acknowledgement": (ASKED, request_acknowledgement, emailed),
    "client: staff reply": (ASKED, request_reply, emailed),
    "client: resolution": (ASKED, request_resolution, emailed),
    "client: satisfaction survey": (CONSENT, request_resolution, surveyed),
    "client: participation thank-you": (CONSENT, participation_thank_you, emailed),
    "volunteer: signup confirmation": (ASKED, signup_confirmation, emailed),
    "volunteer: welcome with portal link": (ASKED, volunteer_welcome, emailed),
    "volunteer: portal link asked for": (ASKED, portal_link_asked, emailed),
    "volunteer: portal link from staff": (SERVICE, portal_link_from_staff, emailed),
    "volunteer: place from the waiting list": (SERVICE, waiting_list_place, emailed),
    "volunteer: shift reminder": (SERVICE, shift_reminder, emailed),
    "volunteer: invitation": (CONSENT, opportunity_invitation, emailed),
    "volunteer: coordinator thank-you": (CONSENT, coordinator_thank_you, emailed),
    "volunteer: milestone thank-you": (CONSENT, milestone_thank_you, emailed),
    "donor: impact link asked for": (ASKED, impact_link_asked, emailed),
    "donor: impact link from staff": (SERVICE, impact_link_from_staff, emailed),
    "donor: update": (CONSENT, donor_update, emailed),
    "donor: gift thank-you": (CONSENT, gift_thank_you, emailed),
}


@pytest.mark.parametrize("who", PEOPLE)
@pytest.mark.parametrize("kind", KINDS)
def test_every_message_reaches_whom_its_kind_allows(
    org, admin_a, mailbox, django_capture_on_commit_callbacks, kind, who
):
    basis, send, delivered = KINDS[kind]
    contact = person(org, who)
    address = contact.email
    with django_capture_on_commit_callbacks(execute=True):
        send(org, contact, admin_a, lambda: mark(org, contact, who, admin_a))
    assert delivered(mailbox, address) == (who in REACHES[basis])


# --- The decision itself -------------------------------------------------------------------------


def test_the_reasons_in_their_order(org):
    def decide(contact, **message):
        return sending.decide(organization=org, contact=contact, **message).reason

    kept = ContactFactory(organization=org)
    gone = ContactFactory(organization=org, merged_into=kept, deceased=True)
    erased = ContactFactory(organization=org, erased_at=timezone.now(), deceased=True)  # email kept
    dead = ContactFactory(organization=org, deceased=True, do_not_contact=True)
    quiet = ContactFactory(organization=org, do_not_contact=True, email="")
    for message in ({"transactional": Transactional.ASKED}, {"purpose": "thank_yous"}):
        assert decide(gone, **message) == Reason.MERGED
        assert decide(erased, **message) == Reason.ERASED
        assert decide(dead, **message) == Reason.DECEASED
    assert decide(quiet, transactional=Transactional.SERVICE) == Reason.DO_NOT_CONTACT
    assert decide(quiet, transactional=Transactional.ASKED) == Reason.NO_ADDRESS
    assert decide(quiet, transactional=Transactional.ASKED, address="q@example.org") == ""
    with pytest.raises(ValueError):
        sending.decide(organization=org, contact=kept)
    with pytest.raises(ValueError):
        sending.decide(
            organization=org, contact=kept, purpose="surveys", transactional=Transactional.ASKED
        )


def test_silence_is_consent_only_for_thank_yous_and_surveys(org):
    contact = ContactFactory(organization=org, street="1 High Street", postal_code="BS1 1AA")

    def allowed(purpose, **options):
        return sending.decide(organization=org, contact=contact, purpose=purpose, **options).allowed

    assert allowed("thank_yous") and allowed("surveys")
    assert not allowed("donor_updates") and not allowed("volunteer_news")
    assert not allowed("thank_yous", needs_a_yes=True)
    stakeholder_services.consent_record(
        organization=org,
        contact=contact,
        channel="post",
        purpose="thank_yous",
        granted=True,
        source="form",
    )
    assert allowed("thank_yous", needs_a_yes=True, channel="post")
    assert not allowed("thank_yous", needs_a_yes=True)  # a yes by post is not one by email
    stakeholder_services.consent_record(
        organization=org,
        contact=contact,
        channel="email",
        purpose="surveys",
        granted=False,
        source="staff",
    )
    assert not allowed("surveys")


def test_the_frequency_cap_holds_non_transactional_messages_only(org, admin_a):
    contact = ContactFactory(organization=org)
    stakeholder_services.consent_record(
        organization=org,
        contact=contact,
        channel="email",
        purpose="donor_updates",
        granted=True,
        source="form",
    )
    InteractionFactory(
        organization=org,
        contact=contact,
        is_bulk_message=True,
        occurred_at=timezone.now() - timedelta(days=3),
    )

    def decide(**message):
        return sending.decide(organization=org, contact=contact, **message).reason

    assert decide(purpose="donor_updates", frequency_cap_days=7) == Reason.RECENTLY_MESSAGED
    assert decide(purpose="donor_updates", frequency_cap_days=2) == ""
    assert decide(transactional=Transactional.SERVICE, frequency_cap_days=7) == ""


def test_an_audience_is_decided_as_each_of_its_people(org, admin_a):
    people = [person(org, who) for who in PEOPLE]
    for who, contact in zip(PEOPLE, people, strict=True):
        mark(org, contact, who, admin_a)
    never_asked = ContactFactory(organization=org)
    no_email = ContactFactory(organization=org, email="")
    merged = ContactFactory(organization=org, merged_into=never_asked)
    everyone = Contact.objects.filter(organization=org)
    for purpose in ("thank_yous", "donor_updates"):
        eligible, counts = sending.audience(organization=org, contacts=everyone, purpose=purpose)
        one_by_one = {
            contact.pk
            for contact in everyone
            if sending.decide(organization=org, contact=contact, purpose=purpose)
        }
        assert {contact.pk for contact in eligible} == one_by_one
        assert counts["total"] == 8 and counts["eligible"] == len(one_by_one)
    assert counts == {
        Reason.MERGED: 1,
        Reason.ERASED: 1,
        Reason.DECEASED: 1,
        Reason.DO_NOT_CONTACT: 1,
        Reason.NO_ADDRESS: 1,
        Reason.NO_CONSENT: 2,  # refused, and never asked (donor updates need a yes)
        Reason.RECENTLY_MESSAGED: 0,
        # Suppressed addresses (bounces, complaints…): tests/test_deliverability.py
        Reason.EMAIL_BOUNCED: 0,
        Reason.EMAIL_SUPPRESSED: 0,
        Reason.SPAM_COMPLAINT: 0,
        Reason.UNSUBSCRIBED: 0,
        "total": 8,
        "eligible": 1,
    }
    assert merged not in eligible and no_email not in eligible


# --- Where a message that did not go is recorded -------------------------------------------------


def test_do_not_contact_lets_through_only_what_the_client_confirmed_they_asked(
    org, admin_a, mailbox
):
    """A request anyone could have sent in their name is acknowledged (so the address owner can
    confirm it); until they do, neither a reply nor the resolution reaches someone marked "do
    not contact", and the caseworker sees why."""
    contact = person(org, "quiet")
    stakeholder_services.contact_update(organization=org, contact=contact, do_not_contact=True)
    request = client_services.request_submit_public(
        organization=org,
        first_name="Q",
        last_name="Q",
        email=contact.email,
        subject="Help",
        description="Please call me back.",
    )
    assert len(mailbox.to(contact.email)) == 1  # the acknowledgement with the confirm link
    with pytest.raises(ValidationError, match="can't be emailed: do not contact"):
        client_services.request_reply(
            organization=org, request=request, author=admin_a, body="Hello"
        )
    client_services.request_resolve(
        organization=org, request=request, actor=admin_a, summary="Done."
    )
    assert len(mailbox.to(contact.email)) == 1
    [note] = RequestMessage.objects.filter(request=request, kind=MessageKind.NOTE)
    assert "(do not contact)" in note.body and "is resolved" in note.body

    confirmed = client_request(org, contact)  # opened by staff for them: they asked
    client_services.request_resolve(
        organization=org, request=confirmed, actor=admin_a, summary="Done."
    )
    [resolution] = mailbox.to(contact.email)[1:]
    assert "is resolved" in resolution["Subject"] and not surveyed(mailbox, contact.email)
    [note] = RequestMessage.objects.filter(request=confirmed, kind=MessageKind.NOTE)
    assert note.body == "No satisfaction survey was sent (do not contact)."


def test_a_request_typed_in_a_deceased_persons_name_is_not_acknowledged(org, admin_a, mailbox):
    contact = person(org, "deceased")
    mark(org, contact, "deceased", admin_a)
    request = client_services.request_submit_public(
        organization=org,
        first_name="D",
        last_name="D",
        email=contact.email,
        subject="Help",
        description="Hello",
    )
    assert request.contact == contact and not mailbox.messages
    [note] = RequestMessage.objects.filter(request=request, kind=MessageKind.NOTE)
    assert note.body.startswith("Not emailed to the client (deceased)")


def test_service_messages_withheld_are_on_the_timeline(org, admin_a, mailbox):
    contact = person(org, "quiet")
    shift_reminder(org, contact, admin_a, lambda: mark(org, contact, "do_not_contact", admin_a))
    assert not mailbox.messages
    assert Assignment.objects.get().reminded_at is not None  # not tried again every hour
    [event] = ContactEvent.objects.filter(contact=contact, kind=ContactEvent.Kind.NOT_SENT)
    assert event.summary == "Reminder of the shift Kitchen: not sent (do not contact)"


@pytest.mark.parametrize("who", PEOPLE)
def test_thank_you_skip_reasons_come_from_the_decision(org, admin_a, mailbox, who):
    contact = person(org, who)
    gift_thank_you(org, contact, admin_a, lambda: mark(org, contact, who, admin_a))
    row = Acknowledgment.objects.get()
    expected = {
        "may": "",
        "no_consent": "no consent",
        "do_not_contact": "do not contact",
        "deceased": "deceased",
        "erased": "erased",
    }
    assert row.skip_reason == expected[who]


def test_a_donor_update_asks_again_at_send_time(org, admin_a, mailbox):
    contact = donor(org, person(org, "may"))
    update = DonorUpdateFactory(organization=org)
    assert list(updates.audience(organization=org, update=update)[0]) == [contact]
    UpdateDelivery.objects.create(organization=org, update=update, contact=contact)
    mark(org, contact, "deceased", admin_a)
    assert updates.send(organization=org, update=update) == 0
    delivery = UpdateDelivery.objects.get()
    assert (delivery.status, delivery.reason) == ("skipped", "deceased")
    assert not mailbox.messages


def test_staff_are_told_why_a_link_or_invitation_was_not_sent(client, org, admin_a, mailbox):
    contact = person(org, "quiet")
    profile = volunteer(org, contact)
    donor(org, contact)
    mark(org, contact, "do_not_contact", admin_a)
    client.force_login(admin_a)
    page = client.post(
        f"/o/riverside/volunteers/people/{profile.pk}/", {"action": "portal_link"}, follow=True
    )
    assert b"We can&#x27;t email this person: do not contact." in page.content
    page = client.post(f"/o/riverside/donors/contacts/{contact.pk}/impact-link/", follow=True)
    assert b"We can&#x27;t email this person: do not contact." in page.content
    assert not mailbox.messages
