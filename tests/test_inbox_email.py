"""Email in, for everyone: the organization's inbound address takes email from a provider's
signed webhook (Anymail) or a local mail server's pipe; replies to any of our emails thread to
what they answer by signed Message-ID (over real SMTP, aiosmtpd); quoted history and signatures
are trimmed in every language we speak; attachments are checked as the request form checks them;
auto-replies and bounces open nothing; bad input is a clear 4xx / sysexit and stores nothing."""

import base64
import hashlib
import hmac
import io
import json
import os
import sys
import time
from decimal import Decimal
from email.message import EmailMessage

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone
from django_scopes import scopes_disabled

from clients.models import RequestMessage
from donors import services as donor_services
from stakeholders import uploads
from stakeholders.inbox import email_in, services, threads
from stakeholders.inbox.models import (
    Conversation,
    ConversationStatus,
    InboxSettings,
    Message,
    MessageAttachment,
    MessageKind,
)
from stakeholders.models import Interaction
from stakeholders.tenancy.models import organization_scope
from tests.factories import ContactFactory
from thankyous import services as thankyou_services
from thankyous.models import Acknowledgment

pytestmark = pytest.mark.django_db

SECRET = "steward:inbound-webhook-secret"
MAILGUN_KEY = "key-mailgun-webhook-signing-key"
DOMAIN = "in.steward.example"
PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n"


@pytest.fixture(autouse=True)
def inbound_settings(settings):
    settings.ANYMAIL = {"WEBHOOK_SECRET": [SECRET], "MAILGUN_WEBHOOK_SIGNING_KEY": MAILGUN_KEY}
    settings.INBOUND_EMAIL_DOMAIN = DOMAIN


def raw_email(
    body="Is the food bank open on Saturday?",
    *,
    sender="Ana Ruiz <ana@example.org>",
    subject="Saturday",
    message_id="<CAF1234@mail.example.org>",
    in_reply_to=None,
    headers=None,
    html=None,
    attachments=(),
):
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = sender, "inbox@x", subject
    if message_id:
        message["Message-ID"] = message_id
    if in_reply_to:
        message["In-Reply-To"] = message["References"] = in_reply_to
    for name, value in (headers or {}).items():
        message[name] = value
    if body is not None:
        message.set_content(body)
    if html is not None:
        if body is None:
            message.set_content(html, subtype="html")
        else:
            message.add_alternative(html, subtype="html")
    for filename, data, maintype, subtype in attachments:
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return message.as_bytes()


def pipe(monkeypatch, organization, raw, command="inbound_email"):  # (opens its own scope)
    """Run the pipe command as a mail server does: the raw message on stdin."""
    monkeypatch.setattr(sys, "stdin", type("In", (), {"buffer": io.BytesIO(raw)})())
    out = io.StringIO()
    call_command(command, "--org", organization.slug, stdout=out)
    return out.getvalue()


def refused_code(monkeypatch, organization, raw, command="inbound_email"):
    with pytest.raises(CommandError) as refused:
        pipe(monkeypatch, organization, raw, command)
    return refused.value.returncode


MAILGUN_TOKEN = "06c96bafc3f42a66b9edd546347a2fe18dc2346"


def mailgun_inbound(raw, *, key=MAILGUN_KEY, token=MAILGUN_TOKEN):
    """Mailgun's inbound (forward, raw MIME) webhook fields, signed as Mailgun signs them:
    HMAC-SHA256 of timestamp + token under the webhook signing key (Anymail checks it)."""
    timestamp = str(int(time.time()))
    signature = hmac.new(
        key=key.encode("ascii"), msg=f"{timestamp}{token}".encode("ascii"), digestmod=hashlib.sha256
    ).hexdigest()
    return {
        "recipient": f"riverside-key@{DOMAIN}",
        "sender": "ana@example.org",
        "body-mime": raw.decode("utf-8"),
        "timestamp": timestamp,
        "token": token,
        "signature": signature,
    }


def basic_auth(credentials=SECRET):
    return {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(credentials.encode()).decode()}


def post_mailgun(client, fields, *, slug="riverside", auth=True):
    return client.post(
        f"/o/{slug}/webhooks/email/mailgun/inbound_mime/",
        data=fields,
        **(basic_auth() if auth else {}),
    )


def messages(org):
    with scopes_disabled():
        return list(Message.objects.filter(organization=org).order_by("pk"))


# --- The address and the two ways in ------------------------------------------------------------


def test_the_inbound_address_is_the_slug_and_a_secret_key_on_the_configured_domain(
    scope_a, settings
):
    key = InboxSettings.objects.get_or_create(organization=scope_a)[0].inbound_key
    assert email_in.inbound_address(scope_a) == f"riverside-{key}@{DOMAIN}"
    settings.INBOUND_EMAIL_DOMAIN = ""
    assert email_in.inbound_address(scope_a) == ""


def test_a_signed_mailgun_inbound_email_lands_on_the_contacts_timeline_once(client, org_a):
    with organization_scope(org_a):
        ana = ContactFactory(organization=org_a, email="ana@example.org", is_donor=True)
    raw = raw_email("Is the food bank open on Saturday?\n\n-- \nAna Ruiz\n+44 7700 900123")
    assert post_mailgun(client, mailgun_inbound(raw)).status_code == 200
    # Mailgun retries with a new token (and signature): the Message-ID keeps it one message.
    assert post_mailgun(client, mailgun_inbound(raw, token="f" * 40)).status_code == 200
    (message,) = messages(org_a)
    with organization_scope(org_a):
        conversation = Conversation.objects.get(pk=message.conversation_id)
        assert conversation.contact == ana and conversation.area == "donor"
        assert conversation.our_address == email_in.inbound_address(org_a)
        assert conversation.reply_due_at is not None  # the clock runs
        assert message.body == "Is the food bank open on Saturday?"  # the signature trimmed
        assert message.provider_message_id == "<CAF1234@mail.example.org>"
        interaction = Interaction.objects.get(organization=org_a, contact=ana)
        assert interaction.direction == "inbound" and interaction.channel == "email"


@pytest.mark.parametrize("problem", ["forged", "unsigned", "no_basic_auth", "no_secret"])
def test_a_forged_or_unauthenticated_inbound_webhook_stores_nothing(
    client, org_a, settings, problem
):
    fields = mailgun_inbound(raw_email(), key="not-the-key" if problem == "forged" else MAILGUN_KEY)
    if problem == "unsigned":
        del fields["signature"]
    if problem == "no_secret":
        settings.ANYMAIL = {"MAILGUN_WEBHOOK_SIGNING_KEY": MAILGUN_KEY}
    response = post_mailgun(client, fields, auth=problem != "no_basic_auth")
    assert response.status_code == (403 if problem == "no_secret" else 400)
    assert messages(org_a) == []


def test_a_malformed_or_huge_inbound_webhook_is_a_4xx_and_stores_nothing(
    client, org_a, monkeypatch
):
    no_sender = raw_email(sender="")
    assert post_mailgun(client, mailgun_inbound(no_sender)).status_code == 400
    empty = raw_email(body="", subject="")
    assert post_mailgun(client, mailgun_inbound(empty)).status_code == 400
    monkeypatch.setattr(email_in, "MAX_REQUEST_BYTES", 4000)
    huge = raw_email(attachments=[("big.pdf", PDF + b"0" * 5000, "application", "pdf")])
    assert post_mailgun(client, mailgun_inbound(huge)).status_code == 413
    assert messages(org_a) == []


def test_the_pipe_command_stores_once_and_answers_in_sysexits(org_a, monkeypatch):
    raw = raw_email()
    assert "stored: message" in pipe(monkeypatch, org_a, raw)
    assert "already stored" in pipe(monkeypatch, org_a, raw)
    # no Message-ID at all: the bytes' hash keeps a second delivery out
    anonymous = raw_email("Another question", message_id=None)
    pipe(monkeypatch, org_a, anonymous)
    pipe(monkeypatch, org_a, anonymous)
    assert len(messages(org_a)) == 2
    assert refused_code(monkeypatch, org_a, b"") == os.EX_DATAERR
    assert refused_code(monkeypatch, org_a, b"this is not an email\n") == os.EX_DATAERR
    assert refused_code(monkeypatch, org_a, raw_email(sender="")) == os.EX_DATAERR
    monkeypatch.setattr(email_in, "MAX_RAW_BYTES", 2000)
    big = raw_email("x" * 3000, message_id="<big@mail.example.org>")
    assert refused_code(monkeypatch, org_a, big) == os.EX_DATAERR
    assert len(messages(org_a)) == 2


# --- Threading ---------------------------------------------------------------------------------


def test_a_reply_from_the_inbox_goes_out_over_smtp_and_the_answer_threads_back(
    org_a, admin_a, mailbox, monkeypatch, django_capture_on_commit_callbacks
):
    with organization_scope(org_a):
        ContactFactory(organization=org_a, email="ana@example.org")
    pipe(monkeypatch, org_a, raw_email())
    (first,) = messages(org_a)
    with organization_scope(org_a):
        conversation = Conversation.objects.get(pk=first.conversation_id)
        with django_capture_on_commit_callbacks(execute=True):  # the delivery task, eagerly
            services.reply(
                organization=org_a,
                conversation=conversation,
                author=admin_a,
                body="Yes, from 10 to 2.",
            )
        (sent,) = mailbox.to("ana@example.org")
        assert sent["Reply-To"] == email_in.inbound_address(org_a)
        assert sent["In-Reply-To"] == "<CAF1234@mail.example.org>"  # their client threads it
        services.close(organization=org_a, conversation=conversation)
        address = email_in.inbound_address(org_a)
    answer = raw_email(
        "Thank you! See you then.\n\nOn Mon, 7 Dec 2026 at 10:00, Riverside Food Bank <"
        f"\n{address}> wrote:\n> Yes, from 10 to 2.",
        subject="Re: Saturday",
        message_id="<CAF5678@mail.example.org>",
        in_reply_to=sent["Message-ID"],
    )
    pipe(monkeypatch, org_a, answer)
    *_, received = messages(org_a)
    with organization_scope(org_a):
        conversation.refresh_from_db()
        assert received.conversation_id == conversation.pk
        assert received.body == "Thank you! See you then."
        assert conversation.status == ConversationStatus.OPEN  # reopened
        assert Conversation.objects.filter(organization=org_a).count() == 1


def test_a_reply_to_a_thank_you_email_threads_to_the_thank_you(org_a, mailbox, monkeypatch):
    with organization_scope(org_a):
        contact = ContactFactory(organization=org_a, email="dana@example.org", first_name="Dana")
        donor_services.gift_record(
            organization=org_a,
            contact=contact,
            amount=Decimal("40"),
            received_on=timezone.localdate(),
        )
        thankyou_services.run_batch(organization=org_a)
        (thanks,) = mailbox.to("dana@example.org")
        acknowledgment = Acknowledgment.objects.get(organization=org_a, contact=contact)
        assert thanks["Reply-To"] == email_in.inbound_address(org_a)
        assert thanks["Message-ID"].strip() == acknowledgment.message_id
    reply = raw_email(
        "It was my pleasure.",
        sender="Dana <dana@example.org>",
        subject=f"Re: {thanks['Subject']}",
        in_reply_to=thanks["Message-ID"],
    )
    pipe(monkeypatch, org_a, reply)
    (message,) = messages(org_a)
    with organization_scope(org_a):
        conversation = Conversation.objects.get(pk=message.conversation_id)
    assert conversation.related_kind == "thankyous.acknowledgment"
    assert conversation.related_id == acknowledgment.pk
    assert conversation.contact_id == contact.pk and conversation.area == "donor"


def test_a_reply_to_a_request_email_joins_the_request_only_from_that_client(
    org_a, mailbox, monkeypatch
):
    from clients import inbound
    from clients.services import request_from_public

    help_email = raw_email(
        "My parcel did not come.", sender="Sam Okoro <sam@example.org>", subject="Parcel"
    )
    request, created = pipe_request(monkeypatch, org_a, help_email)
    (acknowledgement,) = mailbox.to("sam@example.org")
    with organization_scope(org_a):
        assert acknowledgement["Reply-To"] == email_in.inbound_address(org_a)
    # The client answers (to the inbound address): a message on the request, not the inbox.
    reply = raw_email(
        "Still waiting.\n\n> My parcel did not come.",
        sender="Sam <SAM@example.org>",
        subject=f"Re: {acknowledgement['Subject']}",
        message_id="<r1@mail.example.org>",
        in_reply_to=acknowledgement["Message-ID"],
    )
    assert "taken by what it answers" in pipe(monkeypatch, org_a, reply)
    with organization_scope(org_a):
        (message,) = RequestMessage.objects.filter(request=request, kind="client")
        assert message.body == "Still waiting."
    assert messages(org_a) == []
    # Someone else answering the same email (a forwarded copy): the inbox, with caseworkers.
    other = raw_email(
        "Cancel Sam's request.",
        sender="mallory@example.org",
        message_id="<r2@mail.example.org>",
        in_reply_to=acknowledgement["Message-ID"],
    )
    pipe(monkeypatch, org_a, other)
    (stranger,) = messages(org_a)
    with organization_scope(org_a):
        conversation = Conversation.objects.get(pk=stranger.conversation_id)
        assert (conversation.area, conversation.related_kind) == ("client", "clients.request")
        assert conversation.related_id == request.pk and conversation.contact is None
        assert RequestMessage.objects.filter(request=request, kind="client").count() == 1
        # An email sent before the shared inbox named the request in the old format: a reply
        # to it still joins the request, through the help address.
        from django.core import signing

        legacy = signing.Signer(salt=inbound.LEGACY_THREAD_SALT, sep=".").sign(
            f"{org_a.pk}.{request.pk}.00aa11bb22cc"
        )
        old_reply = raw_email(
            "Any news?",
            sender="sam@example.org",
            message_id="<r3@mail.example.org>",
            in_reply_to=f"<{legacy}@steward.localhost>",
        )
    again, created = pipe_request(monkeypatch, org_a, old_reply)
    assert again == request and not created
    with organization_scope(org_a):
        assert RequestMessage.objects.filter(request=request, kind="client").count() == 2
        assert request_from_public  # the help address still files new requests (above)


def pipe_request(monkeypatch, organization, raw):
    """The clients' help address (``clients_inbound_email``): the request it filed or joined."""
    from clients.models import ServiceRequest

    output = pipe(monkeypatch, organization, raw, command="clients_inbound_email")
    created = output.startswith("created")
    request_id = int(output.split()[-1])
    with scopes_disabled():
        return ServiceRequest.objects.get(pk=request_id), created


def test_a_message_id_of_ours_that_names_another_organization_opens_a_new_conversation(
    org_a, org_b, monkeypatch
):
    forged = threads.message_id(organization=org_b, kind=threads.CONVERSATION, object_id=1)
    pipe(monkeypatch, org_a, raw_email(in_reply_to=forged))
    (message,) = messages(org_a)
    with organization_scope(org_a):
        assert Conversation.objects.get(pk=message.conversation_id).related_kind == ""


# --- Parsing ------------------------------------------------------------------------------------

TRIMMED = {
    "en": [
        (
            "Yes, I can help on Saturday.\n\nOn Mon, Dec 7, 2026 at 10:00 AM Riverside Food Bank"
            " <\nnoreply@steward.example> wrote:\n\n> Thank you for your gift\n> of £40",
            "Yes, I can help on Saturday.",
        ),
        (
            "Happy to help.\n\n________________________________\nFrom: Riverside Food Bank "
            "<noreply@steward.example>\nSent: Monday, December 7, 2026 10:00 AM\nTo: Dana "
            "<dana@example.org>\nSubject: Thank you\n\nThank you for your gift",
            "Happy to help.",
        ),
        (
            "Sounds good\n\nSent from my iPhone\n\n> On 7 Dec 2026, at 10:00, Riverside "
            "<noreply@steward.example> wrote:\n> Hello",
            "Sounds good",
        ),
        ("Thanks, see you Friday.\n\n-- \nDana Smith\n0117 496 0000", "Thanks, see you Friday."),
    ],
    "es": [
        (
            "Sí, puedo el sábado.\n- pan\n- leche\n\nEl lun, 7 dic 2026 a las 10:00, Banco de "
            "Alimentos (<noreply@steward.example>) escribió:\n> Gracias por su donativo",
            "Sí, puedo el sábado.\n- pan\n- leche",
        ),
        (
            "Muchas gracias por todo.\n\nDe: Banco de Alimentos <noreply@steward.example>\n"
            "Enviado: lunes, 7 de diciembre de 2026 10:00\nPara: Ana\nAsunto: Gracias\n\nTexto",
            "Muchas gracias por todo.",
        ),
        ("Perfecto.\n\nEnviado desde mi iPhone", "Perfecto."),
    ],
    "fr": [
        (
            "Oui, samedi me convient.\n\nLe lun. 7 déc. 2026 à 10:00, Banque Alimentaire "
            "<noreply@steward.example> a écrit\u202f:\n> Merci pour votre don",
            "Oui, samedi me convient.",
        ),
        (
            "Merci beaucoup.\n\nDe : Banque Alimentaire <noreply@steward.example>\nEnvoyé : "
            "lundi 7 décembre 2026 10:00\nÀ : Luc\nObjet : Merci\n\nTexte",
            "Merci beaucoup.",
        ),
        ("D'accord.\n\nEnvoyé de mon iPhone", "D'accord."),
    ],
    "fa": [
        (
            "بله، شنبه می‌توانم بیایم.\n\n\u202bدر تاریخ دوشنبه ۷ دسامبر ۲۰۲۶ ساعت ۱۰:۰۰ بانک غذا "
            "<noreply@steward.example> نوشت:\u202c\n> از کمک شما سپاسگزاریم",
            "بله، شنبه می‌توانم بیایم.",
        ),
        (
            "ممنون از پیام شما.\n\nاز: بانک غذا <noreply@steward.example>\nارسال شده: دوشنبه ۷ "
            "دسامبر ۲۰۲۶\nبه: مریم\nموضوع: سپاس",
            "ممنون از پیام شما.",
        ),
        ("حتماً.\n\nارسال‌شده از iPhone من", "حتماً."),
    ],
    "km": [
        (
            "បាទ ខ្ញុំអាចមកថ្ងៃសៅរ៍។\n\nនៅ\u200bថ្ងៃ\u200bច័ន្ទ ទី 7 ខែ\u200bធ្នូ ឆ្នាំ 2026 "
            "នៅ\u200bម៉ោង 10:00 ធនាគារ\u200bស្បៀង <noreply@steward.example> "
            "បាន\u200bសរសេរ៖\n> សូមអរគុណ",
            "បាទ ខ្ញុំអាចមកថ្ងៃសៅរ៍។",
        ),
        (
            "អរគុណច្រើន។\n\nពី៖ ធនាគារស្បៀង <noreply@steward.example>\nបានផ្ញើ៖ ថ្ងៃច័ន្ទ 7 ធ្នូ "
            "2026\nទៅ៖ សុខា\nប្រធានបទ៖ អរគុណ",
            "អរគុណច្រើន។",
        ),
        ("យល់ព្រម។\n\nបាន\u200bផ្ញើ\u200bពី iPhone របស់\u200bខ្ញុំ", "យល់ព្រម។"),
    ],
    "kk": [
        (
            "Иә, сенбіде келе аламын.\n\n2026 ж. 7 жел., дс, 10:00 Азық-түлік банкі "
            "<noreply@steward.example> жазды:\n> Сыйлығыңыз үшін рақмет",
            "Иә, сенбіде келе аламын.",
        ),
        (
            "Рақмет!\n\nКімнен: Азық-түлік банкі <noreply@steward.example>\nЖіберілді: 7 "
            "желтоқсан 2026\nКімге: Айгүл\nТақырып: Рақмет",
            "Рақмет!",
        ),
        ("Жарайды.\n\niPhone құрылғысынан жіберілді", "Жарайды."),
        (
            "Спасибо, приду.\n\nпн, 7 дек. 2026 г. в 10:00, Банк еды <noreply@steward.example>:"
            "\n> Спасибо за помощь",
            "Спасибо, приду.",
        ),
    ],
}


def test_every_language_we_speak_has_trimming_samples(settings):
    assert {code for code, _name in settings.LANGUAGES} <= set(TRIMMED)


@pytest.mark.parametrize(
    "language,text,expected",
    [(language, text, expected) for language, pairs in TRIMMED.items() for text, expected in pairs],
)
def test_quoted_history_and_signatures_are_trimmed(language, text, expected):
    assert email_in.trim(text) == expected


def test_trimming_keeps_what_is_theirs():
    inline = "> Can you come at 10?\nYes.\n> And bring a friend?\nMaybe."
    assert email_in.trim(inline) == inline  # answers between quotes are not history
    assert email_in.trim("> only a quote") == "> only a quote"  # never empty


def test_an_html_only_email_becomes_text_without_its_quoted_history(org_a, monkeypatch):
    html = (
        "<html><head><style>p{color:red}</style></head><body><div dir='auto'>"
        "<p>Merci&nbsp;beaucoup&nbsp;!</p><p>À samedi.</p></div>"
        "<div class='gmail_quote'>Le lun. 7 déc. 2026, Banque a écrit :<blockquote>Bonjour"
        "</blockquote></div></body></html>"
    )
    pipe(monkeypatch, org_a, raw_email(None, html=html))
    (message,) = messages(org_a)
    assert message.body == "Merci beaucoup !\n\nÀ samedi."


def test_an_unknown_sender_opens_a_conversation_to_link_or_make_a_contact(org_a, monkeypatch):
    pipe(monkeypatch, org_a, raw_email(sender="Lena Park <LENA@example.net>"))
    (message,) = messages(org_a)
    with organization_scope(org_a):
        conversation = Conversation.objects.get(pk=message.conversation_id)
        assert conversation.contact is None and conversation.area == "general"
        assert (conversation.address, conversation.display_name) == (
            "lena@example.net",
            "Lena Park",
        )
        services.create_contact_for(
            organization=org_a, conversation=conversation, first_name="Lena", last_name="Park"
        )
        conversation.refresh_from_db()
        assert conversation.contact.email == "lena@example.net"
        assert Interaction.objects.filter(contact=conversation.contact).count() == 1


def test_attachments_are_checked_as_the_request_form_checks_them_and_the_text_stays(
    org_a, monkeypatch
):
    monkeypatch.setattr(uploads, "MAX_FILE_BYTES", 2000)
    raw = raw_email(
        "Here is my letter from the council.",
        attachments=[
            ("letter.pdf", PDF, "application", "pdf"),
            ("invoice.exe", b"MZ\x90\x00", "application", "octet-stream"),
            ("fake.pdf", b"MZ\x90\x00 not a pdf", "application", "pdf"),
            ("huge.pdf", PDF + b"0" * 3000, "application", "pdf"),
        ],
    )
    pipe(monkeypatch, org_a, raw)
    with organization_scope(org_a):
        message = Message.objects.get(organization=org_a, kind=MessageKind.MESSAGE)
        assert message.body == "Here is my letter from the council."
        (kept,) = MessageAttachment.objects.filter(organization=org_a, message=message)
        assert (kept.name, kept.content_type) == ("letter.pdf", "application/pdf")
        assert kept.file.read() == PDF
        note = Message.objects.get(organization=org_a, kind=MessageKind.NOTE)
        assert all(name in note.body for name in ("invoice.exe", "fake.pdf", "huge.pdf"))
        assert "letter.pdf" not in note.body


# --- Auto-replies and bounces --------------------------------------------------------------------


def delivery_status_notification(in_reply_to):
    report = EmailMessage()
    report["From"] = "Mail Delivery System <MAILER-DAEMON@mail.example.org>"
    report["Subject"] = "Undelivered Mail Returned to Sender"
    report["Message-ID"] = "<dsn1@mail.example.org>"
    report["In-Reply-To"] = in_reply_to
    report.set_content("I'm sorry to have to inform you that your message could not be delivered.")
    report.make_mixed()
    report.set_type("multipart/report")
    return report.as_bytes()


@pytest.mark.parametrize(
    "kind",
    ["auto_submitted", "x_autoreply", "precedence_bulk", "precedence_auto_reply", "bounce"],
)
def test_an_auto_reply_or_a_bounce_opens_nothing_and_restarts_no_clock(
    org_a, admin_a, monkeypatch, kind
):
    with organization_scope(org_a):
        ContactFactory(organization=org_a, email="ana@example.org")
    pipe(monkeypatch, org_a, raw_email())
    with organization_scope(org_a):
        conversation = Conversation.objects.get(organization=org_a)
        services.reply(organization=org_a, conversation=conversation, author=admin_a, body="Yes")
        ours = threads.message_id(
            organization=org_a, kind=threads.CONVERSATION, object_id=conversation.pk
        )
    headers = {
        "auto_submitted": {"Auto-Submitted": "auto-replied"},
        "x_autoreply": {"X-Autoreply": "yes"},
        "precedence_bulk": {"Precedence": "bulk"},
        "precedence_auto_reply": {"Precedence": "auto_reply"},
    }
    if kind == "bounce":
        raw = delivery_status_notification(ours)
    else:
        raw = raw_email(
            "I am out of the office until Monday.",
            subject="Out of office: Re: Saturday",
            message_id="<ooo@mail.example.org>",
            in_reply_to=ours,
            headers=headers[kind],
        )
    assert "not stored" in pipe(monkeypatch, org_a, raw)
    with organization_scope(org_a):
        conversation.refresh_from_db()
        assert conversation.awaiting_since is None and conversation.reply_due_at is None
        assert Conversation.objects.filter(organization=org_a).count() == 1
        assert Message.objects.filter(organization=org_a, direction="inbound").count() == 1
    # nor does it become a client request at the help address
    assert "not a request" in pipe(monkeypatch, org_a, raw, command="clients_inbound_email")


def test_a_postmark_inbound_email_bigger_than_djangos_form_limit_is_taken_whole(client, org_a):
    """Postmark posts JSON with the files base64-encoded, under basic auth: a 3 MB letter is over
    Django's 2.5 MB for request data, under our 25 MB for an email."""
    letter = PDF + b"0" * (3 * 1024 * 1024)
    payload = {
        "FromFull": {"Email": "ana@example.org", "Name": "Ana Ruiz"},
        "ToFull": [{"Email": f"riverside-key@{DOMAIN}", "Name": ""}],
        "Subject": "My letter",
        "MessageID": "22c74902-a0c1-4511-804f-341342852c90",
        "TextBody": "Here it is.\n\nEnviado desde mi iPhone",
        "Headers": [{"Name": "Message-ID", "Value": "<pm1@mail.example.org>"}],
        "Attachments": [
            {
                "Name": "letter.pdf",
                "Content": base64.b64encode(letter).decode(),
                "ContentType": "application/pdf",
                "ContentLength": len(letter),
            }
        ],
    }
    response = client.post(
        "/o/riverside/webhooks/email/postmark/inbound/",
        data=json.dumps(payload),
        content_type="application/json",
        **basic_auth(),
    )
    assert response.status_code == 200
    (message,) = messages(org_a)
    with organization_scope(org_a):
        assert message.body == "Here it is."
        assert message.provider_message_id == "<pm1@mail.example.org>"
        (kept,) = MessageAttachment.objects.filter(organization=org_a, message=message)
        assert kept.size == len(letter)
    wrong = client.post(
        "/o/riverside/webhooks/email/postmark/inbound/",
        data=json.dumps(payload),
        content_type="application/json",
        **basic_auth("steward:wrong"),
    )
    assert wrong.status_code == 400 and len(messages(org_a)) == 1
