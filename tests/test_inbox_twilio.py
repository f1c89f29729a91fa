"""SMS and WhatsApp through Twilio: inbound webhooks signed with Twilio's own RequestValidator
and posted as Twilio posts them, replies sent to a fake Twilio on loopback (tests/twilio_server),
delivery reports, STOP/START/HELP in the organization's languages, WhatsApp's 24-hour window,
the file backend and the admins' messaging settings page."""

import json
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from stakeholders import services as core_services
from stakeholders.inbox import services, twilio
from stakeholders.inbox.models import (
    Conversation,
    Message,
    MessageStatus,
    MessagingAccount,
    MessagingNumber,
    WhatsAppTemplate,
)
from stakeholders.models import Consent, ConsentPurpose, ConsentSource, Contact, Interaction, Role
from stakeholders.tenancy.models import organization_scope
from tests.concurrency import at_once
from tests.factories import (
    ConsentFactory,
    MessagingAccountFactory,
    MessagingNumberFactory,
    OrganizationFactory,
    WhatsAppTemplateFactory,
)
from tests.twilio_server import (
    AUTH_TOKEN,
    UNSUBSCRIBED,
    inbound_params,
    signed_post,
)

pytestmark = pytest.mark.django_db

SMS_NUMBER = "+447700900001"
WHATSAPP_NUMBER = "+447700900002"
THEM = "+447911123456"


def set_up_messaging(organization):
    with organization_scope(organization):
        MessagingAccountFactory(organization=organization)
        MessagingNumberFactory(organization=organization, channel="sms", number=SMS_NUMBER)
        MessagingNumberFactory(
            organization=organization, channel="whatsapp", number=WHATSAPP_NUMBER
        )


@pytest.fixture
def org(org_a):
    org_a.country = "GB"
    org_a.phone = "+44 20 7946 0000"
    org_a.save()
    set_up_messaging(org_a)
    return org_a


def url(org, kind):
    return f"/o/{org.slug}/webhooks/twilio/{kind}/"


def post_text(client, org, body="Is the food bank open on Saturday?", *, sid=None, **kwargs):
    channel = kwargs.pop("channel", "sms")
    params = inbound_params(
        from_=kwargs.pop("from_", THEM),
        to=kwargs.pop("to", WHATSAPP_NUMBER if channel == "whatsapp" else SMS_NUMBER),
        body=body,
        sid=sid,
        channel=channel,
        **kwargs.pop("params", {}),
    )
    return signed_post(url(org, channel), params, client=client, **kwargs)


def stored(org):
    with organization_scope(org):
        return list(Message.objects.filter(organization=org).order_by("pk"))


def conversation_of(org):
    with organization_scope(org):
        return Conversation.objects.get(organization=org)


def keyword_consents(org, contact):
    with organization_scope(org):
        return list(
            Consent.objects.filter(organization=org, contact=contact, source=ConsentSource.KEYWORD)
            .order_by("pk")
            .values_list("channel", "purpose", "granted")
        )


def contact_typed_by_staff(org, mobile="07911 123456"):
    with organization_scope(org):
        contact = core_services.contact_create(
            organization=org, first_name="Ana", last_name="Silva", mobile=mobile
        )
        Contact.objects.filter(pk=contact.pk).update(is_donor=True)
        contact.refresh_from_db()
        return contact


# --- Inbound ----------------------------------------------------------------------------------


def test_a_signed_text_is_stored_once_when_twilio_retries_and_matched_to_a_typed_mobile(
    client, org
):
    contact = contact_typed_by_staff(org)  # staff typed it nationally: stored as E.164
    assert contact.mobile == THEM
    first = post_text(client, org, sid="SM" + "a" * 32)
    again = post_text(client, org, sid="SM" + "a" * 32)
    assert first.status_code == again.status_code == 200
    assert first["Content-Type"].startswith("text/xml") and b"<Response" in first.content
    (message,) = stored(org)
    assert message.body == "Is the food bank open on Saturday?"
    assert message.from_address == THEM and message.to_address == SMS_NUMBER
    conversation = conversation_of(org)
    assert conversation.contact_id == contact.pk and conversation.our_address == SMS_NUMBER
    assert conversation.reply_due_at is not None  # an ordinary message starts the clock
    with organization_scope(org):
        interaction = Interaction.objects.get(organization=org, contact=contact)
    assert interaction.channel == "sms" and "Saturday" in interaction.notes


def test_the_same_text_posted_by_twilio_twice_at_once_is_stored_once(transactional_db):
    organization = OrganizationFactory(country="GB")
    set_up_messaging(organization)
    params = inbound_params(from_=THEM, to=SMS_NUMBER, body="Hello?", sid="SM" + "b" * 32)
    statuses = []

    def deliver(barrier):
        own_client = Client()
        barrier.wait()
        statuses.append(signed_post(url(organization, "sms"), params, client=own_client))

    at_once(deliver, workers=3)
    assert [r.status_code for r in statuses] == [200, 200, 200]
    assert len(stored(organization)) == 1


@pytest.mark.parametrize(
    "signature,token",
    [("", AUTH_TOKEN), ("bm90IGEgc2lnbmF0dXJl", AUTH_TOKEN), (None, "f" * 32)],
    ids=["missing", "forged", "another-token"],
)
def test_a_bad_signature_is_403_and_stores_nothing(client, org, signature, token):
    response = post_text(client, org, signature=signature, auth_token=token)
    assert response.status_code == 403
    assert stored(org) == []
    with organization_scope(org):
        assert not Conversation.objects.filter(organization=org).exists()


def test_a_signature_for_another_url_is_refused(client, org):
    params = inbound_params(from_=THEM, to=SMS_NUMBER, body="Hello")
    from tests.twilio_server import sign

    response = signed_post(
        url(org, "sms"), params, client=client, signature=sign(url(org, "whatsapp"), params)
    )
    assert response.status_code == 403 and stored(org) == []


def test_an_organization_without_a_twilio_account_refuses_every_webhook(client, org_b):
    with organization_scope(org_b):
        MessagingNumberFactory(organization=org_b, channel="sms", number=SMS_NUMBER)
    response = post_text(client, org_b)
    assert response.status_code == 403 and stored(org_b) == []


@pytest.mark.parametrize(
    "to,channel",
    [("+447700900999", "sms"), (WHATSAPP_NUMBER, "sms"), (SMS_NUMBER, "whatsapp")],
    ids=["not-ours", "whatsapp-number-on-sms", "sms-number-on-whatsapp"],
)
def test_a_number_not_ours_on_that_channel_is_404(client, org, to, channel):
    response = post_text(client, org, to=to, channel=channel)
    assert response.status_code == 404 and stored(org) == []


@pytest.mark.parametrize("missing", ["From", "MessageSid", "To"])
def test_a_malformed_payload_is_400_and_stores_nothing(client, org, missing):
    params = inbound_params(from_=THEM, to=SMS_NUMBER, body="Hello")
    del params[missing]
    response = signed_post(url(org, "sms"), params, client=client)
    assert response.status_code == 400 and stored(org) == []


def test_a_sender_that_is_not_a_phone_number_is_400(client, org):
    response = post_text(client, org, from_="not-a-number")
    assert response.status_code == 400 and stored(org) == []


def test_a_huge_message_is_400_and_stores_nothing(client, org):
    response = post_text(client, org, body="x" * (2 * 1024 * 1024))
    assert response.status_code == 400 and stored(org) == []
    response = post_text(client, org, body="x" * 1601)  # more than Twilio's 1,600 characters
    assert response.status_code == 400 and stored(org) == []


def test_an_empty_message_is_400(client, org):
    response = post_text(client, org, body="   ")
    assert response.status_code == 400 and stored(org) == []


def test_a_whatsapp_message_opens_the_window_and_keeps_their_profile_name(client, org):
    response = post_text(
        client, org, "Hola, ¿puedo ayudar?", channel="whatsapp", params={"profile_name": "Ana"}
    )
    assert response.status_code == 200
    conversation = conversation_of(org)
    assert conversation.channel == "whatsapp" and conversation.address == THEM
    assert conversation.our_address == WHATSAPP_NUMBER and conversation.display_name == "Ana"
    assert services.whatsapp_window_open(conversation)


def test_media_are_kept_as_links_to_twilio_only(client, org):
    media = [
        ("https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME1", "image/jpeg"),
        ("https://evil.example/x.jpg", "image/jpeg"),
    ]
    response = post_text(client, org, "Photo of the leak", params={"media": media})
    assert response.status_code == 200
    (message,) = stored(org)
    assert "https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME1" in message.body
    assert "evil.example" not in message.body


# --- Keywords ---------------------------------------------------------------------------------


KEYWORD_CASES = [
    # language, STOP, START, HELP, whether Twilio itself answers STOP/START (English on SMS)
    ("en", "Stop", "START", "help", True),
    ("es", "Baja", "ALTA", "Ayuda", False),
    ("fr", "arrêt", "Arret fin", "AIDE", False),
    ("fa", "لغو۱۱", "شروع", "راهنما", False),
    ("km", "ឈប់", "ចាប់ផ្ដើម", "ជំនួយ", False),
    ("kk", "Тоқтату", "Бастау", "Көмек", False),
]


@pytest.mark.parametrize(
    "language,stop,start,help_word,twilio_answers",
    KEYWORD_CASES,
    ids=[case[0] for case in KEYWORD_CASES],
)
def test_stop_start_and_help_change_consent_at_once_in_the_organizations_languages(
    client,
    org,
    twilio_server,
    django_capture_on_commit_callbacks,
    language,
    stop,
    start,
    help_word,
    twilio_answers,
):
    org.other_languages = [language] if language != "en" else []
    org.save()
    contact = contact_typed_by_staff(org)
    with organization_scope(org):
        # Before STOP they had said yes to donor updates on SMS (and nothing about appeals).
        ConsentFactory(
            organization=org,
            contact=contact,
            channel="sms",
            purpose=ConsentPurpose.DONOR_UPDATES,
            granted=True,
        )

    with django_capture_on_commit_callbacks(execute=True):
        assert post_text(client, org, stop, sid="SM" + "1" * 32).status_code == 200
    consents = keyword_consents(org, contact)
    assert sorted(consents) == sorted(("sms", p, False) for p in ConsentPurpose.values)
    conversation = conversation_of(org)
    assert conversation.reply_due_at is None  # the keyword starts no clock
    assert stored(org)[0].body == stop  # but staff see it
    confirmations = twilio_server.sent_to(THEM)
    assert len(confirmations) == (0 if twilio_answers else 1)
    with organization_scope(org):
        reason = twilio.refusal(
            organization=org, conversation=conversation, body="Hello", template=None
        )
        assert "STOP" in reason
        assert twilio.contact_opted_out(organization=org, contact=contact, channel="sms")
        assert not twilio.contact_opted_out(organization=org, contact=contact, channel="whatsapp")
        with pytest.raises(ValidationError):
            services.reply(organization=org, conversation=conversation, author=None, body="Hi")

    with django_capture_on_commit_callbacks(execute=True):
        assert post_text(client, org, start, sid="SM" + "2" * 32).status_code == 200
    granted_again = {p for channel, p, granted in keyword_consents(org, contact) if granted}
    # What they had before: donor updates (their yes), thank-yous and surveys (silence is
    # consent there); not appeals or volunteer news (never a yes).
    assert granted_again == {
        ConsentPurpose.DONOR_UPDATES,
        ConsentPurpose.THANK_YOUS,
        ConsentPurpose.SURVEYS,
    }
    assert len(twilio_server.sent_to(THEM)) == (0 if twilio_answers else 2)
    with organization_scope(org):
        assert not twilio.refusal(
            organization=org, conversation=conversation_of(org), body="Hi", template=None
        )
        assert not twilio.contact_opted_out(organization=org, contact=contact, channel="sms")

    with django_capture_on_commit_callbacks(execute=True):
        assert post_text(client, org, help_word, sid="SM" + "3" * 32).status_code == 200
    answer = twilio_server.sent_to(THEM)[-1]
    assert org.name in answer["Body"] and org.phone in answer["Body"]
    assert answer["From"] == SMS_NUMBER
    assert conversation_of(org).reply_due_at is None


def test_stop_on_whatsapp_records_whatsapp_consent_and_is_confirmed(
    client, org, twilio_server, django_capture_on_commit_callbacks
):
    contact = contact_typed_by_staff(org)
    with django_capture_on_commit_callbacks(execute=True):
        post_text(client, org, "STOP", channel="whatsapp")
    assert {channel for channel, _p, _g in keyword_consents(org, contact)} == {"whatsapp"}
    (confirmation,) = twilio_server.messages
    assert confirmation["To"] == f"whatsapp:{THEM}"


def test_yes_without_an_earlier_stop_is_an_ordinary_answer(client, org):
    contact = contact_typed_by_staff(org)
    post_text(client, org, "Yes")
    assert keyword_consents(org, contact) == []
    assert conversation_of(org).reply_due_at is not None


def test_a_keyword_inside_a_sentence_is_not_a_keyword(client, org):
    contact = contact_typed_by_staff(org)
    post_text(client, org, "Please don't stop the Saturday deliveries")
    assert keyword_consents(org, contact) == []


def test_an_unknown_sender_who_texted_stop_gets_nothing_more(client, org):
    org.other_languages = ["es"]
    org.save()
    post_text(client, org, "BAJA", from_="+34600123456")
    conversation = conversation_of(org)
    assert conversation.contact_id is None and conversation.reply_due_at is None
    with organization_scope(org):
        assert "STOP" in twilio.refusal(
            organization=org, conversation=conversation, body="Hi", template=None
        )
    post_text(client, org, "Alta", from_="+34600123456")
    with organization_scope(org):
        assert not twilio.refusal(
            organization=org, conversation=conversation_of(org), body="Hi", template=None
        )


# --- Sending ----------------------------------------------------------------------------------


def text_conversation(client, org, channel="sms"):
    contact_typed_by_staff(org)
    post_text(client, org, channel=channel)
    return conversation_of(org)


def test_a_reply_goes_to_twilio_from_our_number_and_records_the_sid(
    client, org, twilio_server, django_capture_on_commit_callbacks
):
    conversation = text_conversation(client, org)
    with organization_scope(org), django_capture_on_commit_callbacks(execute=True):
        message = services.reply(
            organization=org, conversation=conversation, author=None, body="Yes, 9 to 1."
        )
    (sent,) = twilio_server.messages
    assert (sent["From"], sent["To"], sent["Body"]) == (SMS_NUMBER, THEM, "Yes, 9 to 1.")
    assert sent["StatusCallback"] == twilio.status_callback_url(org)
    assert twilio_server.requests[-1].account_sid.startswith("AC")
    message.refresh_from_db()
    assert message.provider_message_id == sent["sid"] and message.status == MessageStatus.SENT
    assert message.segments == 1 and message.from_address == SMS_NUMBER


def test_the_status_callback_sets_delivered_and_the_cost(
    client, org, twilio_server, django_capture_on_commit_callbacks
):
    conversation = text_conversation(client, org)
    with organization_scope(org), django_capture_on_commit_callbacks(execute=True):
        message = services.reply(
            organization=org, conversation=conversation, author=None, body="Hi"
        )
    sid = twilio_server.last_message["sid"]
    response = twilio_server.status_callback(sid, "delivered", client=client, price="-0.04000")
    assert response.status_code in (200, 204)
    message.refresh_from_db()
    assert message.status == MessageStatus.DELIVERED
    assert message.cost == Decimal("0.04") and message.cost_currency == "USD"
    # A late "sent" doesn't undo "delivered"; a forged report changes nothing.
    twilio_server.status_callback(sid, "sent", client=client)
    forged = signed_post(
        url(org, "status"),
        {"MessageSid": sid, "MessageStatus": "failed"},
        client=client,
        auth_token="f" * 32,
    )
    assert forged.status_code == 403
    message.refresh_from_db()
    assert message.status == MessageStatus.DELIVERED


def test_undelivered_is_failed_with_twilios_error_code(
    client, org, twilio_server, django_capture_on_commit_callbacks
):
    conversation = text_conversation(client, org)
    with organization_scope(org), django_capture_on_commit_callbacks(execute=True):
        message = services.reply(
            organization=org, conversation=conversation, author=None, body="Hi"
        )
    twilio_server.status_callback(
        twilio_server.last_message["sid"], "undelivered", client=client, error_code=30003
    )
    message.refresh_from_db()
    assert message.status == MessageStatus.FAILED and "30003" in message.error


def test_a_refusal_by_twilio_is_recorded_on_the_message(
    client, org, twilio_server, django_capture_on_commit_callbacks
):
    post_text(client, org, "Hello", from_=UNSUBSCRIBED)
    conversation = conversation_of(org)
    with organization_scope(org), django_capture_on_commit_callbacks(execute=True):
        message = services.reply(
            organization=org, conversation=conversation, author=None, body="Hi"
        )
    message.refresh_from_db()
    assert message.status == MessageStatus.FAILED and "STOP" in message.error
    assert twilio_server.requests[-1].status == 400 and twilio_server.messages == []


def test_whatsapp_outside_the_window_needs_a_template_and_sends_its_content_sid(
    client, org, twilio_server, django_capture_on_commit_callbacks
):
    conversation = text_conversation(client, org, channel="whatsapp")
    with organization_scope(org):
        Conversation.objects.filter(pk=conversation.pk).update(
            last_inbound_at=timezone.now() - timedelta(hours=25)
        )
        conversation.refresh_from_db()
        template = WhatsAppTemplateFactory(organization=org)
        with pytest.raises(ValidationError) as refused:
            services.reply(organization=org, conversation=conversation, author=None, body="Hi")
        assert "24 hours" in str(refused.value)
        with pytest.raises(ValidationError):  # a template goes as approved
            services.reply(
                organization=org,
                conversation=conversation,
                author=None,
                body="Something else",
                template=template,
            )
        with django_capture_on_commit_callbacks(execute=True):
            message = services.reply(
                organization=org,
                conversation=conversation,
                author=None,
                body="",
                template=template,
                template_variables={"1": "Ana"},
            )
    (sent,) = twilio_server.messages
    assert sent["ContentSid"] == template.content_sid and "Body" not in sent
    assert json.loads(sent["ContentVariables"]) == {"1": "Ana"}
    assert (sent["From"], sent["To"]) == (f"whatsapp:{WHATSAPP_NUMBER}", f"whatsapp:{THEM}")
    message.refresh_from_db()
    assert message.provider_message_id == sent["sid"]


def test_whatsapp_inside_the_window_takes_free_text(
    client, org, twilio_server, django_capture_on_commit_callbacks
):
    conversation = text_conversation(client, org, channel="whatsapp")
    with organization_scope(org), django_capture_on_commit_callbacks(execute=True):
        services.reply(organization=org, conversation=conversation, author=None, body="Sí, claro")
    assert twilio_server.last_message["Body"] == "Sí, claro"


def test_an_sms_longer_than_1600_characters_is_refused(client, org):
    conversation = text_conversation(client, org)
    with organization_scope(org), pytest.raises(ValidationError):
        services.reply(organization=org, conversation=conversation, author=None, body="x" * 1601)


def test_the_file_backend_writes_each_message_as_a_json_file(
    client, org, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.MESSAGING_BACKEND = "file"
    settings.MESSAGING_FILE_PATH = tmp_path
    conversation = text_conversation(client, org)
    with organization_scope(org), django_capture_on_commit_callbacks(execute=True):
        message = services.reply(
            organization=org, conversation=conversation, author=None, body="Written to a file"
        )
    (written,) = list(tmp_path.glob("*.json"))
    record = json.loads(written.read_text())
    assert (record["to"], record["from_"], record["body"]) == (
        THEM,
        SMS_NUMBER,
        "Written to a file",
    )
    message.refresh_from_db()
    assert message.provider_message_id == record["sid"] and message.status == MessageStatus.SENT


def test_send_for_other_code_uses_the_first_number_of_the_channel(org, twilio_server):
    with organization_scope(org):
        assert twilio.number_for(org, "sms") == SMS_NUMBER
        sent = twilio.send(organization=org, channel="sms", to=THEM, body="Shift at 9")
        with pytest.raises(twilio.SendError) as refused:
            twilio.send(organization=org, channel="sms", to=UNSUBSCRIBED, body="Shift at 9")
    assert refused.value.code == 21610
    assert sent.sid == twilio_server.last_message["sid"] and sent.segments == 1


# --- Settings page ----------------------------------------------------------------------------

SETTINGS = "/o/riverside/inbox/messaging/"


@pytest.mark.parametrize("role", [Role.FUNDRAISER, Role.CASEWORKER, Role.VIEWER])
def test_the_messaging_settings_are_for_admins_only(client, org, member_factory, role):
    client.force_login(member_factory(org, role=role))
    assert client.get(SETTINGS).status_code == 403
    response = client.post(
        SETTINGS + "numbers/", {"number-channel": "sms", "number-number": "+447700900555"}
    )
    assert response.status_code == 403
    with organization_scope(org):
        assert MessagingNumber.objects.filter(organization=org).count() == 2


def test_the_settings_page_shows_the_webhooks_and_never_the_token(client, org, admin_a):
    client.force_login(admin_a)
    response = client.get(SETTINGS)
    assert response.status_code == 200
    page = response.content.decode()
    assert "/o/riverside/webhooks/twilio/sms/" in page
    assert "/o/riverside/webhooks/twilio/status/" in page
    assert AUTH_TOKEN not in page and "Saved. Type a new one only to replace it." in page


def test_a_wrong_auth_token_is_an_error_next_to_the_field(client, org, admin_a, twilio_server):
    client.force_login(admin_a)
    twilio_server.register("AC" + "1" * 32, "a" * 32)
    response = client.post(
        SETTINGS + "account/",
        {
            "account-account_sid": "AC" + "1" * 32,
            "account-auth_token": "b" * 32,
            "account-active": "on",
        },
    )
    assert response.status_code == 400
    form = response.context["account_form"]
    assert form.errors["auth_token"] == ["Twilio did not accept this account SID and auth token."]
    assert b'id="id_account-auth_token_error"' in response.content
    response = client.post(
        SETTINGS + "account/",
        {
            "account-account_sid": "AC" + "1" * 32,
            "account-auth_token": "a" * 32,
            "account-active": "on",
        },
    )
    assert response.status_code == 302
    with organization_scope(org):
        account = MessagingAccount.objects.get(organization=org)
    assert account.account_sid == "AC" + "1" * 32 and account.auth_token == "a" * 32
    # A blank token keeps the saved one (tested against Twilio again).
    response = client.post(
        SETTINGS + "account/", {"account-account_sid": "AC" + "1" * 32, "account-active": "on"}
    )
    assert response.status_code == 302
    account.refresh_from_db()
    assert account.auth_token == "a" * 32
    assert twilio_server.requests[-1].path.endswith("/Accounts/AC" + "1" * 32 + ".json")


def test_numbers_are_added_as_e164_and_removed(client, org, admin_a):
    client.force_login(admin_a)
    response = client.post(
        SETTINGS + "numbers/",
        {"number-channel": "sms", "number-number": "07400 123456", "number-label": "Helpline"},
    )
    assert response.status_code == 302
    with organization_scope(org):
        number = MessagingNumber.objects.get(organization=org, number="+447400123456")
    response = client.post(SETTINGS + "numbers/", {"number-channel": "sms", "number-number": "12"})
    assert response.status_code == 400 and response.context["number_form"].errors["number"]
    response = client.post(
        SETTINGS + "numbers/", {"number-channel": "sms", "number-number": SMS_NUMBER}
    )
    assert response.status_code == 400 and response.context["number_form"].errors["number"]
    assert client.post(f"{SETTINGS}numbers/{number.pk}/remove/").status_code == 302
    with organization_scope(org):
        assert not MessagingNumber.objects.filter(pk=number.pk).exists()


def test_whatsapp_templates_are_added_edited_and_removed(client, org, admin_a):
    client.force_login(admin_a)
    data = {
        "name": "shift_reminder",
        "language": "es",
        "content_sid": "HX" + "c" * 32,
        "body": "Hola {{1}}, tu turno es mañana.",
    }
    assert client.post(SETTINGS + "templates/new/", data).status_code == 302
    with organization_scope(org):
        template = WhatsAppTemplate.objects.get(organization=org)
    response = client.post(SETTINGS + "templates/new/", data)  # the same name and language
    assert response.status_code == 400 and response.context["form"].errors["name"]
    response = client.post(
        f"{SETTINGS}templates/{template.pk}/", {**data, "content_sid": "not a sid"}
    )
    assert response.status_code == 400 and response.context["form"].errors["content_sid"]
    data["body"] = "Hola {{1}}, tu turno es el sábado."
    assert client.post(f"{SETTINGS}templates/{template.pk}/", data).status_code == 302
    template.refresh_from_db()
    assert template.body.endswith("sábado.")
    assert client.post(f"{SETTINGS}templates/{template.pk}/remove/").status_code == 302
    with organization_scope(org):
        assert not WhatsAppTemplate.objects.filter(organization=org).exists()
