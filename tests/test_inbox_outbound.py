"""Notices on the person's channel (issue 19 point 4): shift reminders and request updates by
SMS or WhatsApp for those who chose it, email for everyone else and whenever a text can't go.
Real parts: the fake Twilio on loopback (tests/twilio_server.py), aiosmtpd for email, signed
status callbacks through Steward's own webhook."""

from datetime import datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from clients import services as client_services
from clients.models import RequestMessage, ServiceRequest
from stakeholders import services as core_services
from stakeholders.inbox import outbound, selectors
from stakeholders.inbox.models import Conversation, Message
from stakeholders.models import (
    ConsentChannel,
    ConsentPurpose,
    ConsentSource,
    Contact,
    ContactEvent,
    Interaction,
    Role,
)
from stakeholders.public_forms import form_started_token
from stakeholders.sending import Reason, Transactional
from stakeholders.tenancy.models import organization_scope
from tests.factories import (
    AssignmentFactory,
    ContactFactory,
    ConversationFactory,
    MessagingAccountFactory,
    MessagingNumberFactory,
    OpportunityFactory,
    ServiceRequestFactory,
    ShiftFactory,
    VolunteerProfileFactory,
    WhatsAppTemplateFactory,
)
from volunteers import services as volunteer_services

pytestmark = pytest.mark.django_db

MOBILE = "+447911123456"
OTHER_MOBILE = "+447911654321"
SMS_NUMBER = "+447700900001"
WHATSAPP_NUMBER = "+447700900002"


@pytest.fixture
def org(org_a, settings):
    settings.CLIENTS_FORM_MIN_SECONDS = 0
    org_a.country = "GB"
    org_a.save()
    with organization_scope(org_a):
        MessagingAccountFactory(organization=org_a)
        MessagingNumberFactory(organization=org_a, channel="sms", number=SMS_NUMBER)
        MessagingNumberFactory(organization=org_a, channel="whatsapp", number=WHATSAPP_NUMBER)
        yield org_a


def volunteer_on_tomorrows_shift(org, **contact):
    """A volunteer on tomorrow's kitchen shift (one shift, made on first use)."""
    from volunteers.models import Shift

    shift = Shift.objects.filter(organization=org, opportunity__title="Kitchen help").first()
    if shift is None:
        zone = ZoneInfo(org.timezone)
        start = datetime.combine(
            timezone.localdate(timezone=zone) + timedelta(days=1), time(10), tzinfo=zone
        )
        shift = ShiftFactory(
            organization=org,
            opportunity=OpportunityFactory(organization=org, title="Kitchen help"),
            starts_at=start,
            ends_at=start + timedelta(hours=2),
            capacity=5,
        )
    profile = VolunteerProfileFactory(
        organization=org,
        contact__organization=org,
        **{f"contact__{k}": v for k, v in contact.items()},
    )
    return AssignmentFactory(organization=org, shift=shift, profile=profile)


def remind(org, capture):
    with capture(execute=True):  # the texts' delivery is queued on commit
        return volunteer_services.reminders_send(organization=org)


# --- Shift reminders -------------------------------------------------------------------------


def test_a_volunteer_who_chose_sms_gets_the_reminder_by_text_once_and_others_by_email(
    org, mailbox, twilio_server, django_capture_on_commit_callbacks
):
    texter = volunteer_on_tomorrows_shift(
        org, email="sam@example.org", mobile=MOBILE, preferred_channel="sms"
    )
    volunteer_on_tomorrows_shift(org, email="emma@example.org", mobile=OTHER_MOBILE)

    assert remind(org, django_capture_on_commit_callbacks) == 2

    (sms,) = twilio_server.messages
    assert sms["To"] == MOBILE and sms["From"] == SMS_NUMBER
    assert "Kitchen help" in sms["Body"] and "tomorrow" in sms["Body"]
    assert len(sms["Body"]) <= outbound.SMS_LIMIT
    assert mailbox.to("sam@example.org") == []  # the text instead of the email
    assert len(mailbox.to("emma@example.org")) == 1
    assert twilio_server.sent_to(OTHER_MOBILE) == []  # she chose email

    message = Message.objects.get(organization=org)
    assert message.direction == "outbound" and message.channel == "sms"
    assert message.provider_message_id == sms["sid"]  # Twilio's SID, for its status callbacks
    assert message.status in ("queued", "sent") and message.segments == 1
    assert "portal" not in sms["Body"]  # a login link is no text's business: they answer it
    conversation = message.conversation
    assert conversation.area == "volunteer" and conversation.address == MOBILE
    assert conversation.contact_id == texter.profile.contact_id
    assert conversation.status == "closed"  # a notice waits for no answer: not in the open list
    interaction = Interaction.objects.get(pk=message.interaction_id)
    assert interaction.contact_id == texter.profile.contact_id
    assert (interaction.channel, interaction.direction) == ("sms", "outbound")
    assert "Kitchen help" in interaction.notes  # a volunteer's text is on their timeline

    # exactly once: a second run reminds nobody
    assert remind(org, django_capture_on_commit_callbacks) == 0
    assert len(twilio_server.messages) == 1 and Message.objects.count() == 1
    assert len(mailbox.to("emma@example.org")) == 1


def test_their_answer_to_a_reminder_lands_in_the_same_conversation(
    org, mailbox, twilio_server, django_capture_on_commit_callbacks
):
    from stakeholders.inbox import services as inbox_services

    volunteer_on_tomorrows_shift(org, mobile=MOBILE, preferred_channel="sms")
    remind(org, django_capture_on_commit_callbacks)
    sent = Message.objects.get()
    answer, created = inbox_services.receive(
        organization=org,
        inbound=inbox_services.InboundMessage(
            channel="sms", address=MOBILE, body="Running 10 min late", our_address=SMS_NUMBER
        ),
    )
    assert created and answer.conversation_id == sent.conversation_id
    conversation = Conversation.objects.get(pk=sent.conversation_id)
    assert conversation.status == "open" and conversation.reply_due_at is not None


def test_the_reminder_text_is_in_the_volunteers_language(
    org, mailbox, twilio_server, django_capture_on_commit_callbacks
):
    from stakeholders.content_versions import translation_add

    assignment = volunteer_on_tomorrows_shift(
        org, mobile=MOBILE, preferred_channel="sms", preferred_language="fr"
    )
    translation_add(assignment.shift.opportunity, language="fr", title="Aide en cuisine")
    remind(org, django_capture_on_commit_callbacks)
    body = twilio_server.last_message["Body"]
    assert "Aide en cuisine" in body and "Kitchen help" not in body


def test_a_stop_by_text_sends_the_reminder_by_email_instead(
    org, mailbox, twilio_server, django_capture_on_commit_callbacks
):
    """Decided: a STOP (or a "no" to texts) is about texts, not about the shift. The reminder
    is part of the service they signed up for, so it still goes, by email."""
    assignment = volunteer_on_tomorrows_shift(
        org, email="sam@example.org", mobile=MOBILE, preferred_channel="sms"
    )
    contact = assignment.profile.contact
    for purpose in ConsentPurpose:
        core_services.consent_record(
            organization=org,
            contact=contact,
            channel=ConsentChannel.SMS,
            purpose=purpose,
            granted=False,
            source=ConsentSource.KEYWORD,
        )
    assert outbound.texted_stop(organization=org, contact=contact, channel="sms")
    assert remind(org, django_capture_on_commit_callbacks) == 1
    assert twilio_server.messages == [] and Message.objects.count() == 0
    assert len(mailbox.to("sam@example.org")) == 1


def test_no_mobile_means_email(org, mailbox, twilio_server, django_capture_on_commit_callbacks):
    # preferred_channel "sms" with no mobile can't be saved through the services; an old row can
    volunteer_on_tomorrows_shift(org, email="sam@example.org", mobile="", preferred_channel="sms")
    assert remind(org, django_capture_on_commit_callbacks) == 1
    assert twilio_server.messages == []
    assert len(mailbox.to("sam@example.org")) == 1


def test_without_a_twilio_account_the_reminder_goes_by_email(
    org, mailbox, twilio_server, django_capture_on_commit_callbacks
):
    from stakeholders.inbox.models import MessagingAccount

    MessagingAccount.objects.filter(organization=org).update(active=False)
    assignment = volunteer_on_tomorrows_shift(
        org, email="sam@example.org", mobile=MOBILE, preferred_channel="sms"
    )
    result = outbound.channel_for(
        organization=org, contact=assignment.profile.contact, transactional=Transactional.SERVICE
    )
    assert result == ("email", (("sms", outbound.Why.NO_ACCOUNT),))
    assert remind(org, django_capture_on_commit_callbacks) == 1
    assert twilio_server.messages == [] and len(mailbox.to("sam@example.org")) == 1


def test_do_not_contact_stops_every_channel_and_the_timeline_says_why(
    org, mailbox, twilio_server, django_capture_on_commit_callbacks
):
    assignment = volunteer_on_tomorrows_shift(
        org, email="sam@example.org", mobile=MOBILE, preferred_channel="sms", do_not_contact=True
    )
    assert remind(org, django_capture_on_commit_callbacks) == 0
    assert twilio_server.messages == [] and mailbox.messages == []
    event = ContactEvent.objects.get(contact=assignment.profile.contact, kind="not_sent")
    assert "Kitchen help" in event.summary and "do not contact" in event.summary


def test_a_place_opening_up_is_texted_to_who_chose_sms(
    org, mailbox, twilio_server, django_capture_on_commit_callbacks
):
    assignment = volunteer_on_tomorrows_shift(org, email="amy@example.org")
    shift = assignment.shift
    shift.capacity = 1
    shift.save()
    waiting = AssignmentFactory(
        organization=org,
        shift=shift,
        status="waitlisted",
        profile=VolunteerProfileFactory(
            organization=org,
            contact__organization=org,
            contact__mobile=MOBILE,
            contact__preferred_channel="sms",
        ),
    )
    with django_capture_on_commit_callbacks(execute=True):
        volunteer_services.assignment_cancel(organization=org, assignment=assignment)
    waiting.refresh_from_db()
    assert waiting.status == "confirmed"
    (sms,) = twilio_server.sent_to(MOBILE)
    assert "Kitchen help" in sms["Body"]
    assert mailbox.to(waiting.profile.contact.email) == []


# --- Costs -----------------------------------------------------------------------------------


def test_the_price_from_the_status_callback_is_recorded_and_summed_by_month_and_channel(
    org, mailbox, twilio_server, django_capture_on_commit_callbacks
):
    volunteer_on_tomorrows_shift(org, mobile=MOBILE, preferred_channel="sms")
    volunteer_on_tomorrows_shift(org, mobile=OTHER_MOBILE, preferred_channel="sms")
    remind(org, django_capture_on_commit_callbacks)
    first, second = twilio_server.messages
    webhook = Client()
    response = twilio_server.status_callback(
        first["sid"], "delivered", client=webhook, price="-0.00790"
    )
    assert response.status_code in (200, 204)
    twilio_server.status_callback(second["sid"], "sent", client=webhook, price="-0.0079")
    twilio_server.status_callback(first["sid"], "sent", client=webhook)  # late: no step back

    message = Message.objects.get(provider_message_id=first["sid"])
    assert message.status == "delivered"
    assert message.cost == Decimal("0.00790") and message.cost_currency == "USD"

    (row,) = selectors.message_costs(organization=org, since=timezone.now() - timedelta(days=31))
    assert row["channel"] == "sms" and row["cost_currency"] == "USD"
    assert row["cost"] == Decimal("0.01580") and row["messages"] == 2
    assert row["segments"] == sum(Message.objects.values_list("segments", flat=True))
    assert row["month"].month == timezone.localtime(timezone.now(), ZoneInfo(org.timezone)).month
    assert selectors.message_costs(organization=org, since=timezone.now() + timedelta(days=1)) == []


# --- The frequency cap and consent per channel -------------------------------------------------


def test_the_cap_holds_across_channels(
    org, mailbox, twilio_server, django_capture_on_commit_callbacks
):
    contact = ContactFactory(
        organization=org, email="sam@example.org", mobile=MOBILE, preferred_channel="sms"
    )
    for channel in (ConsentChannel.SMS, ConsentChannel.EMAIL):
        core_services.consent_record(
            organization=org,
            contact=contact,
            channel=channel,
            purpose=ConsentPurpose.VOLUNTEER_NEWS,
            granted=True,
            source=ConsentSource.FORM,
        )
    emails = []

    def news():
        with django_capture_on_commit_callbacks(execute=True):
            return outbound.send_notice(
                organization=org,
                contact=contact,
                area="volunteer",
                text="New shifts are open: reply YES for details",
                email=lambda: emails.append(1) or True,
                purpose=ConsentPurpose.VOLUNTEER_NEWS,
                frequency_cap_days=7,
                what="Volunteer news",
            )

    first = news()
    assert first.channel == "sms" and len(twilio_server.messages) == 1
    assert Interaction.objects.get(pk=first.message.interaction_id).is_bulk_message
    second = news()  # within the cap: neither a text nor the email
    assert not second and second.reasons == (
        ("sms", Reason.RECENTLY_MESSAGED),
        ("email", Reason.RECENTLY_MESSAGED),
    )
    assert len(twilio_server.messages) == 1 and emails == []
    event = ContactEvent.objects.get(contact=contact, kind="not_sent")
    assert "Volunteer news" in event.summary and "too recently" in event.summary


def test_news_by_text_needs_a_yes_to_texts(org, mailbox, twilio_server):
    contact = ContactFactory(
        organization=org, email="sam@example.org", mobile=MOBILE, preferred_channel="sms"
    )
    core_services.consent_record(
        organization=org,
        contact=contact,
        channel=ConsentChannel.EMAIL,
        purpose=ConsentPurpose.VOLUNTEER_NEWS,
        granted=True,
        source=ConsentSource.FORM,
    )
    result = outbound.send_notice(
        organization=org,
        contact=contact,
        area="volunteer",
        text="News",
        email=lambda: True,
        purpose=ConsentPurpose.VOLUNTEER_NEWS,
    )
    assert result.channel == "email" and result.reasons == (("sms", Reason.NO_CONSENT),)
    assert Message.objects.count() == 0


# --- Client requests ---------------------------------------------------------------------------


@pytest.fixture
def caseworker(org, member_factory):
    return member_factory(org, role=Role.CASEWORKER)


def client_request(org, **contact):
    person = ContactFactory(organization=org, is_client=True, **contact)
    return ServiceRequestFactory(organization=org, contact=person, confirmed_at=timezone.now())


def test_a_reply_inside_the_whatsapp_window_goes_as_free_text_without_the_reply(
    org, mailbox, twilio_server, caseworker, django_capture_on_commit_callbacks
):
    request = client_request(org, mobile=MOBILE, preferred_channel="whatsapp")
    ConversationFactory(
        organization=org,
        contact=request.contact,
        channel="whatsapp",
        area="client",
        address=MOBILE,
        last_inbound_at=timezone.now() - timedelta(hours=2),
    )
    with django_capture_on_commit_callbacks(execute=True):
        client_services.request_reply(
            organization=org,
            request=request,
            author=caseworker,
            body="Your housing benefit appeal was accepted.",
        )
    (sent,) = twilio_server.messages
    assert sent["To"] == f"whatsapp:{MOBILE}" and sent["From"] == f"whatsapp:{WHATSAPP_NUMBER}"
    assert f"#{request.number}" in sent["Body"] and "/help/request/status/" in sent["Body"]
    assert "appeal" not in sent["Body"]  # nothing confidential in a text
    assert mailbox.messages == []

    message = Message.objects.get(channel="whatsapp", direction="outbound")
    assert message.conversation.area == "client"  # caseworkers' and admins' only
    reply = RequestMessage.objects.get(request=request, kind="reply")
    # one timeline entry: the request's own, naming the channel, linked to the text
    assert message.interaction_id == reply.interaction_id
    interaction = Interaction.objects.get(pk=reply.interaction_id)
    assert interaction.channel == "whatsapp" and interaction.related_kind == "clients.request"
    assert not Interaction.objects.filter(related_kind="inbox.client_conversation").exists()


def test_outside_the_window_the_approved_template_goes(
    org, mailbox, twilio_server, caseworker, django_capture_on_commit_callbacks
):
    request = client_request(
        org, mobile=MOBILE, preferred_channel="whatsapp", preferred_language="fr"
    )
    WhatsAppTemplateFactory(organization=org, name=client_services.WHATSAPP_UPDATE, language="en")
    french = WhatsAppTemplateFactory(
        organization=org,
        name=client_services.WHATSAPP_UPDATE,
        language="fr",
        body="Votre demande n°{{1}} a du nouveau : {{2}}",
    )
    with django_capture_on_commit_callbacks(execute=True):
        client_services.request_resolve(
            organization=org, request=request, actor=caseworker, summary="Appeal accepted."
        )
    (sent,) = twilio_server.messages
    assert sent["To"] == f"whatsapp:{MOBILE}"
    assert sent["ContentSid"] == french.content_sid and not sent.get("Body")
    assert str(request.number) in sent["ContentVariables"]
    message = Message.objects.get(channel="whatsapp")
    assert message.template_id == french.pk and message.provider_message_id == sent["sid"]
    assert mailbox.messages == []


def test_outside_the_window_without_a_template_a_whatsapp_client_gets_an_sms(
    org, mailbox, twilio_server, caseworker, django_capture_on_commit_callbacks
):
    request = client_request(org, mobile=MOBILE, preferred_channel="whatsapp")
    with django_capture_on_commit_callbacks(execute=True):
        client_services.request_reply(
            organization=org, request=request, author=caseworker, body="Please call us."
        )
    (sent,) = twilio_server.messages
    assert sent["To"] == MOBILE and sent["From"] == SMS_NUMBER
    assert Message.objects.get().channel == "sms"


def test_an_unconfirmed_request_is_answered_by_email_only(
    org, mailbox, twilio_server, caseworker, django_capture_on_commit_callbacks
):
    """The public form and an email take anyone's word for an address: nothing is texted until
    its owner confirmed the request."""
    request = client_request(org, email="cat@example.org", mobile=MOBILE, preferred_channel="sms")
    ServiceRequest.objects.filter(pk=request.pk).update(confirmed_at=None)
    request.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        client_services.request_reply(
            organization=org, request=request, author=caseworker, body="We can help."
        )
    assert twilio_server.messages == []
    assert len(mailbox.to("cat@example.org")) == 1


def test_a_client_who_chose_sms_and_has_no_email_can_be_answered(
    org, mailbox, twilio_server, caseworker, django_capture_on_commit_callbacks
):
    request = client_request(org, email="", mobile=MOBILE, preferred_channel="sms")
    with django_capture_on_commit_callbacks(execute=True):
        client_services.request_reply(
            organization=org, request=request, author=caseworker, body="We can help."
        )
    assert len(twilio_server.sent_to(MOBILE)) == 1


# --- The public form ---------------------------------------------------------------------------

FORM = "/o/riverside/help/request/"


def form(**overrides):
    return {
        "first_name": "Cat",
        "last_name": "Nguyen",
        "email": "cat@example.org",
        "phone": "",
        "subject": "Help with rent",
        "description": "",
        "started": form_started_token(),
        "website": "",
        **overrides,
    }


def test_the_public_form_asks_how_to_reply_and_needs_a_mobile_for_texts(
    client, org, mailbox, twilio_server
):
    page = client.get(FORM)
    assert b"How should we reply?" in page.content and b'name="mobile"' in page.content

    refused = client.post(FORM, form(reply_channel="sms"))
    assert refused.status_code == 400 and ServiceRequest.objects.count() == 0
    assert "mobile" in refused.context["form"].errors

    sent = client.post(FORM, form(reply_channel="sms", mobile="07911 123456"))
    assert sent.status_code == 200
    contact = ServiceRequest.objects.get().contact
    assert contact.mobile == MOBILE and contact.preferred_channel == "sms"
    # the acknowledgement (its confirmation link) is an email, whatever they chose
    assert len(mailbox.to("cat@example.org")) == 1 and twilio_server.messages == []


def test_the_public_form_never_changes_a_known_contacts_channel(client, org, mailbox):
    known = ContactFactory(organization=org, email="cat@example.org")
    client.post(FORM, form(reply_channel="whatsapp", mobile="+447911123457"))
    known.refresh_from_db()
    assert known.mobile == "" and known.preferred_channel == "email"
    assert ServiceRequest.objects.get().contact_id == known.pk


# --- Staff set the channel --------------------------------------------------------------------


def test_a_text_channel_needs_a_mobile(org):
    with pytest.raises(ValidationError) as refused:
        core_services.contact_create(
            organization=org, first_name="Sam", last_name="Lee", preferred_channel="sms"
        )
    assert "preferred_channel" in refused.value.message_dict
    contact = core_services.contact_create(
        organization=org,
        first_name="Sam",
        last_name="Lee",
        mobile="07911 123456",
        preferred_channel="whatsapp",
    )
    assert contact.preferred_channel == "whatsapp" and contact.mobile == MOBILE


def test_the_contact_form_and_api_set_the_channel(client, org, admin_a):
    client.force_login(admin_a)
    contact = ContactFactory(organization=org, first_name="Sam", last_name="Lee")
    url = f"/o/riverside/contacts/{contact.pk}/edit/"
    page = client.get(url)
    assert page.status_code == 200 and b'name="preferred_channel"' in page.content
    data = {"kind": "person", "first_name": "Sam", "last_name": "Lee", "preferred_channel": "sms"}
    refused = client.post(url, data)
    assert refused.status_code == 200
    assert "preferred_channel" in refused.context["form"].errors
    assert client.post(url, {**data, "mobile": "+447911123456"}).status_code == 302
    assert Contact.objects.get(pk=contact.pk).preferred_channel == "sms"


def test_the_api_sets_the_channel(client, org, admin_a):
    from tests.factories import ApiTokenFactory

    token = ApiTokenFactory(organization=org, user=admin_a)
    api = Client(HTTP_AUTHORIZATION=f"Token {token.key}")
    contact = ContactFactory(organization=org)
    url = f"/api/v1/o/riverside/contacts/{contact.pk}/"
    refused = api.patch(url, {"preferred_channel": "whatsapp"}, content_type="application/json")
    assert refused.status_code == 400 and "preferred_channel" in refused.json()
    done = api.patch(
        url,
        {"preferred_channel": "whatsapp", "mobile": "+447911123456"},
        content_type="application/json",
    )
    assert done.status_code == 200 and done.json()["preferred_channel"] == "whatsapp"
