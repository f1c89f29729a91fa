"""SMS and WhatsApp through each organization's Twilio account: sending, the checks before a
reply is queued, inbound messages and the STOP/START/HELP keywords.

**Backends** (``settings.MESSAGING_BACKEND``): ``"twilio"`` sends with ``twilio.rest.Client``
and the organization's ``MessagingAccount``; ``TWILIO_API_BASE`` (empty: Twilio's own API) points
the library's HTTP client elsewhere (the tests' fake Twilio). ``"file"`` writes each message as a
JSON file into ``MESSAGING_FILE_PATH`` (development), as Django's file email backend does.

**For other code** (e.g. ``stakeholders.inbox.outbound``, texting someone with no conversation
yet): ``number_for(organization, channel)`` is the number we send from; ``send(...)`` sends one
message and returns a ``Sent`` (sid, status, segments, price) or raises ``SendError`` (with
Twilio's error code and a translated message); ``status_callback_url(organization)`` is where
Twilio reports delivery (pass ``provider_message_id=sent.sid`` on your Message so the report
finds it); ``refusal(...)`` says why a reply must not go and ``contact_opted_out(...)`` whether
someone texted STOP (ask ``sending.decide`` too).

**Keywords** (``keyword_of``): a message that is nothing but a keyword (case, accents,
punctuation and digits ignored: "Stop!", "arrêt", "لغو۱۱") in English or one of the
organization's languages. STOP records a "no" on the channel (SMS or WhatsApp) for every purpose
(``ConsentSource.KEYWORD``); nothing more goes to that number (``refusal``) until START, which
records "yes" again for the purposes the person had before (their latest decision not made by
keyword; for thank-yous and surveys, where silence is consent, a "yes" when they had said
nothing). START/YES only act after a STOP: otherwise "yes" is an ordinary answer. HELP answers
with the organization's name and contact details in the keyword's language. Twilio answers
English STOP/START keywords on SMS itself (Advanced Opt-Out, on by default, and it blocks the
number: error 21610), so we confirm only what Twilio doesn't: other languages' keywords and every
keyword on WhatsApp. A keyword message lands in the conversation but starts no reply clock.

**Unknown senders**: a STOP from a number that is no contact's can't be a consent row (no one to
hang it on); ``refusal`` then reads the conversation's own keyword messages instead.
"""

import contextlib
import json
import logging
import re
import secrets
import time
import unicodedata
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from stakeholders import languages, sending
from stakeholders import services as core_services
from stakeholders.inbox import services
from stakeholders.inbox.models import (
    Conversation,
    Message,
    MessageChannel,
    MessageKind,
    MessageStatus,
    MessagingAccount,
    MessagingNumber,
)
from stakeholders.models import Consent, ConsentChannel, ConsentPurpose, ConsentSource, Direction
from stakeholders.text import normalise_text

logger = logging.getLogger(__name__)
# The library logs every request at INFO (URLs, headers): ours stays quiet below WARNING.
_http_logger = logging.getLogger("stakeholders.inbox.twilio.http")
_http_logger.setLevel(logging.WARNING)

TWILIO_API = "https://api.twilio.com"
MAX_LENGTH = {MessageChannel.SMS: 1600, MessageChannel.WHATSAPP: 4096}
WHATSAPP_PREFIX = "whatsapp:"
CONSENT_CHANNEL = {
    MessageChannel.SMS: ConsentChannel.SMS,
    MessageChannel.WHATSAPP: ConsentChannel.WHATSAPP,
}
# Twilio's own error codes that say the person asked not to hear from us (or can't).
UNSUBSCRIBED_ERRORS = {21610, 63016}


class SendError(Exception):
    """A message the provider refused; ``code`` is Twilio's error code (0 when unknown)."""

    def __init__(self, message, code=0):
        super().__init__(message)
        self.code = code


@dataclass
class Sent:
    sid: str
    status: str  # a MessageStatus
    segments: int | None = None
    price: Decimal | None = None
    price_unit: str = ""


# --- Accounts and numbers ------------------------------------------------------------------------


def account_for(organization):
    """The organization's active Twilio account, or None."""
    return MessagingAccount.objects.filter(organization=organization, active=True).first()


def number_for(organization, channel):
    """The number (E.164, no "whatsapp:" prefix) we send from on ``channel``, or ""."""
    number = (
        MessagingNumber.objects.filter(organization=organization, channel=channel)
        .order_by("created_at", "pk")
        .values_list("number", flat=True)
        .first()
    )
    return number or ""


def is_our_number(organization, channel, number):
    return MessagingNumber.objects.filter(
        organization=organization, channel=channel, number=number
    ).exists()


# --- Webhook routing: the account and numbers a webhook is checked against, cached ---------------
# Each webhook needs the organization's account (the signature) and numbers ("To"): two queries
# per request before, now one read per organization every ROUTING_SECONDS per process. Saving or
# deleting an account or number forgets it in this process; in the others a stale entry only
# ever causes a fresh read, never a refusal: a signature that fails or a number not found is
# checked again against the database. What stays stale for at most ROUTING_SECONDS elsewhere is
# an account just deactivated or a number just removed (the messages of those seconds, genuinely
# Twilio's, are still taken in).
ROUTING_SECONDS = 10
_routes = {}


@dataclass(frozen=True)
class Routing:
    account: MessagingAccount | None
    numbers: frozenset  # {(channel, number)}
    cached: bool = False  # came from the cache: worth a fresh read before refusing


def _routing_key(organization):
    # created_at too: after the tests' TRUNCATE a new organization may get an old id.
    return (organization.pk, getattr(organization, "created_at", None))


def webhook_routing(organization, *, fresh=False):
    """The organization's active account and numbers for checking a webhook (a ``Routing``)."""
    key = _routing_key(organization)
    now = time.monotonic()
    entry = None if fresh else _routes.get(key)
    if entry is not None and entry[0] > now:
        return entry[1]
    numbers = frozenset(
        MessagingNumber.objects.filter(organization=organization).values_list("channel", "number")
    )
    routing = Routing(account=account_for(organization), numbers=numbers)
    _routes[key] = (now + ROUTING_SECONDS, Routing(routing.account, numbers, cached=True))
    return routing


def webhook_number_known(organization, routing, channel, number):
    """Whether ``number`` is one of the organization's on ``channel`` (a cached "no" is read
    again: a number added a moment ago in another process)."""
    if (channel, number) in routing.numbers:
        return True
    if routing.cached:
        return (channel, number) in webhook_routing(organization, fresh=True).numbers
    return False


def _forget_routing(sender, instance, **kwargs):
    for key in [key for key in _routes if key[0] == instance.organization_id]:
        _routes.pop(key, None)


for _model in (MessagingAccount, MessagingNumber):
    post_save.connect(_forget_routing, sender=_model, dispatch_uid=f"twilio-routing-{_model}")
    post_delete.connect(_forget_routing, sender=_model, dispatch_uid=f"twilio-routing-d-{_model}")


def status_callback_url(organization):
    """The absolute URL Twilio posts delivery reports to (``settings.SITE_URL`` + path)."""
    path = reverse("inbox_webhooks:twilio_status", kwargs={"org_slug": organization.slug})
    return settings.SITE_URL.rstrip("/") + path


def webhook_urls(organization):
    """The three URLs to paste into Twilio's console: {"sms": …, "whatsapp": …, "status": …}."""
    base = settings.SITE_URL.rstrip("/")
    return {
        name: base
        + reverse(f"inbox_webhooks:twilio_{name}", kwargs={"org_slug": organization.slug})
        for name in ("sms", "whatsapp", "status")
    }


def _address(channel, number):
    return WHATSAPP_PREFIX + number if channel == MessageChannel.WHATSAPP else number


# --- The Twilio client ---------------------------------------------------------------------------


class _HttpClient(TwilioHttpClient):
    """The library's HTTP client, sending to ``TWILIO_API_BASE`` instead of api.twilio.com
    when that is set (the tests' fake Twilio), with a timeout and a quiet logger."""

    def __init__(self, base=""):
        super().__init__(timeout=settings.TWILIO_TIMEOUT, logger=_http_logger)
        self.base = base.rstrip("/")

    def request(self, method, url, *args, **kwargs):
        if self.base and url.startswith(TWILIO_API):
            url = self.base + url[len(TWILIO_API) :]
        return super().request(method, url, *args, **kwargs)


def client_for(account_sid, auth_token):
    return Client(
        account_sid, auth_token, http_client=_HttpClient(getattr(settings, "TWILIO_API_BASE", ""))
    )


def check_credentials(*, account_sid, auth_token):
    """ "" when Twilio accepts the SID and token, else a translated reason (for the form)."""
    if getattr(settings, "MESSAGING_BACKEND", "twilio") == "file":
        return ""
    try:
        client_for(account_sid, auth_token).api.v2010.accounts(account_sid).fetch()
    except TwilioRestException as error:
        if error.status in (401, 403, 404):
            return _("Twilio did not accept this account SID and auth token.")
        return _("Twilio answered with an error (%(code)s); try again later.") % {
            "code": error.code or error.status
        }
    except (TwilioException, OSError):
        return _("Twilio could not be reached; try again later.")
    return ""


# --- Sending -------------------------------------------------------------------------------------


def _twilio_status(value):
    if value in ("delivered",):
        return MessageStatus.DELIVERED
    if value in ("read",):
        return MessageStatus.READ
    if value in ("failed", "undelivered"):
        return MessageStatus.FAILED
    # queued, accepted, scheduled, sending, sent: Twilio has it.
    return MessageStatus.SENT


def price_of(value):
    """Twilio's price ("-0.00790", a charge) as a positive Decimal, or None."""
    if value in (None, ""):
        return None
    try:
        return abs(Decimal(str(value)))
    except InvalidOperation:
        return None


def send(
    *,
    organization,
    channel,
    to,
    body="",
    from_="",
    content_sid="",
    content_variables=None,
    status_callback="",
):
    """Send one SMS or WhatsApp message now (no checks: ask ``refusal`` first). ``to`` and
    ``from_`` are E.164 without prefix (``from_`` defaults to ``number_for``). Returns a ``Sent``;
    raises ``SendError`` when there is no account or number or Twilio refuses."""
    from_ = from_ or number_for(organization, channel)
    if not from_:
        raise SendError(_("There is no number to send from on this channel."))
    backend = getattr(settings, "MESSAGING_BACKEND", "twilio")
    payload = {
        "to": _address(channel, to),
        "from_": _address(channel, from_),
        "status_callback": status_callback or status_callback_url(organization),
    }
    if content_sid:
        payload["content_sid"] = content_sid
        if content_variables:
            payload["content_variables"] = json.dumps(
                {str(key): str(value) for key, value in content_variables.items()}
            )
    else:
        payload["body"] = body
    if backend == "file":
        return _send_to_file(organization, channel, payload)
    account = account_for(organization)
    if account is None:
        raise SendError(_("No Twilio account is set up."))
    try:
        created = client_for(account.account_sid, account.auth_token).messages.create(**payload)
    except TwilioRestException as error:
        raise SendError(_error_text(error.code, error.msg), code=error.code or 0) from None
    except (TwilioException, OSError) as error:
        raise SendError(
            _("Twilio could not be reached (%(error)s).") % {"error": type(error).__name__}
        ) from None
    segments = None
    with contextlib.suppress(TypeError, ValueError):
        segments = int(created.num_segments) if created.num_segments else None
    return Sent(
        sid=created.sid,
        status=_twilio_status(created.status),
        segments=segments,
        price=price_of(created.price),
        price_unit=(created.price_unit or "")[:3],
    )


def _error_text(code, text):
    if code in UNSUBSCRIBED_ERRORS:
        return _("They asked not to get messages from this number (they texted STOP).")
    return _("Twilio refused the message: error %(code)s.") % {"code": code or "?"}


def _send_to_file(organization, channel, payload):
    folder = Path(settings.MESSAGING_FILE_PATH)
    folder.mkdir(parents=True, exist_ok=True)
    sid = "file-" + secrets.token_hex(16)
    record = {
        "sid": sid,
        "organization": organization.slug,
        "channel": channel,
        "created_at": timezone.now().isoformat(),
        **payload,
    }
    name = f"{timezone.now():%Y%m%d-%H%M%S}-{sid}.json"
    (folder / name).write_text(json.dumps(record, ensure_ascii=False, indent=2), encoding="utf-8")
    return Sent(sid=sid, status=MessageStatus.SENT, segments=None)


def deliver(*, organization, message, variables):
    """Send one claimed message of a conversation (called by ``delivery.deliver``); records
    Twilio's SID, status, segments and price on it. Raises on failure."""
    conversation = message.conversation
    template = message.template
    from_ = conversation.our_address or number_for(organization, message.channel)
    sent = send(
        organization=organization,
        channel=message.channel,
        to=conversation.address,
        from_=from_,
        body="" if template else message.body,
        content_sid=template.content_sid if template else "",
        content_variables=variables if template else None,
    )
    updates = {
        "provider_message_id": sent.sid,
        "status": sent.status,
        "segments": sent.segments,
        "from_address": from_,
    }
    if sent.price is not None:
        updates.update(cost=sent.price, cost_currency=sent.price_unit.upper())
    Message.objects.filter(organization=organization, pk=message.pk).update(**updates)
    return sent


# --- The checks before a reply is queued ---------------------------------------------------------


def refusal(*, organization, conversation, body, template):
    """ "" when a reply may go, else why not (translated): no account or number, they texted
    STOP, do-not-contact, WhatsApp's 24-hour window closed without a template, a template with
    free text, a text too long."""
    channel = conversation.channel
    if channel not in MAX_LENGTH:
        return _("This channel can't send text messages.")
    if account_for(organization) is None and settings.MESSAGING_BACKEND != "file":
        return _("No Twilio account is set up: an admin adds it in the messaging settings.")
    if not (conversation.our_address or number_for(organization, channel)):
        return _("There is no number to send from on this channel.")
    if template is not None:
        if channel != MessageChannel.WHATSAPP:
            return _("Templates are for WhatsApp.")
        if body and body.strip() != template.body.strip():
            return _("A template goes as approved: leave the text empty.")
    elif channel == MessageChannel.WHATSAPP and not services.whatsapp_window_open(conversation):
        return _(
            "More than 24 hours have passed since their last WhatsApp message: choose an "
            "approved template."
        )
    if template is None and len(body or "") > MAX_LENGTH[channel]:
        return _("A message can be at most %(count)d characters.") % {"count": MAX_LENGTH[channel]}
    if opted_out(organization=organization, conversation=conversation):
        return _("They texted STOP: nothing more may be sent until they text START.")
    contact = conversation.contact
    if contact is not None:
        decision = sending.decide(
            organization=organization,
            contact=contact,
            channel=CONSENT_CHANNEL[channel],
            transactional=sending.Transactional.ASKED,
            address=conversation.address,
        )
        if not decision:
            return _("Not sent: %(reason)s.") % {"reason": decision.reason_label}
    return ""


def opted_out(*, organization, conversation, before=None):
    """Whether the person's latest keyword on this channel was STOP: their latest consent
    recorded by keyword, or for an unknown sender the conversation's own keyword messages
    (``before``: a message not to count, the keyword being handled)."""
    if conversation.contact_id is not None:
        latest = (
            Consent.objects.filter(
                organization=organization,
                contact_id=conversation.contact_id,
                channel=CONSENT_CHANNEL[conversation.channel],
                source=ConsentSource.KEYWORD,
            )
            .order_by("-recorded_at", "-pk")
            .values_list("granted", flat=True)
            .first()
        )
        return latest is False
    inbound = Message.objects.filter(
        organization=organization,
        conversation__channel=conversation.channel,
        conversation__address=conversation.address,
        direction=Direction.INBOUND,
        kind=MessageKind.MESSAGE,
    ).order_by("-created_at", "-pk")
    if before is not None:
        inbound = inbound.exclude(pk=before.pk)
    languages_used = organization_languages(organization)
    for message in inbound[:50]:
        found = keyword_of(message.body, languages_used)
        if found and found.action in (STOP, START):
            return found.action == STOP
    return False


def contact_opted_out(*, organization, contact, channel):
    """Whether ``contact`` texted STOP on ``channel`` (and not START since): for code that texts
    someone who has no conversation yet (``stakeholders.inbox.outbound``)."""
    return opted_out(
        organization=organization,
        conversation=Conversation(
            organization=organization, contact=contact, channel=channel, address=contact.mobile
        ),
    )


# --- Keywords ------------------------------------------------------------------------------------

STOP, START, HELP = "stop", "start", "help"
# Per language: the words people text, in their script and in Latin where that is common.
KEYWORDS = {
    "en": {
        STOP: ["STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "OPTOUT", "REVOKE"],
        START: ["START", "YES", "UNSTOP"],
        HELP: ["HELP", "INFO"],
    },
    "es": {
        STOP: ["BAJA", "PARAR", "ALTO", "DETENER", "CANCELAR", "DARSE DE BAJA"],
        START: ["ALTA", "SI", "SÍ", "COMENZAR", "EMPEZAR"],
        HELP: ["AYUDA", "INFORMACION", "INFORMACIÓN"],
    },
    "fr": {
        STOP: ["ARRET", "ARRÊT", "STOP SMS", "DESABONNER", "DÉSABONNER", "DESINSCRIRE"],
        START: ["ARRET FIN", "REPRENDRE", "DEMARRER", "DÉMARRER", "OUI"],
        HELP: ["AIDE"],
    },
    "fa": {
        STOP: ["لغو", "توقف", "انصراف", "قطع", "laghv", "laqv", "enseraf"],
        START: ["شروع", "عضویت", "ادامه", "shoroo", "shoro"],
        HELP: ["راهنما", "کمک", "rahnama", "komak"],
    },
    "km": {
        STOP: ["ឈប់", "បញ្ឈប់", "chhob", "chhop", "chob"],
        START: ["ចាប់ផ្តើម", "ចាប់ផ្ដើម", "បាទ", "ចាស", "chab pdaem", "chapphdaem"],
        HELP: ["ជំនួយ", "chomnuoy", "jomnuoy"],
    },
    "kk": {
        STOP: ["ТОҚТАТУ", "ТОҚТА", "СТОП", "ОТПИСКА", "toqtatu", "toqta", "toktatu", "tokta"],
        START: ["БАСТАУ", "СТАРТ", "ИӘ", "bastau", "ia"],
        HELP: ["КӨМЕК", "АНЫҚТАМА", "ПОМОЩЬ", "komek", "kömek"],
    },
}
# English keywords Twilio's Advanced Opt-Out answers on SMS itself.
TWILIO_ANSWERS = {
    STOP: {"stop", "stopall", "unsubscribe", "cancel", "end", "quit", "optout", "revoke"},
    START: {"start", "yes", "unstop"},
}
E164 = re.compile(r"\+[1-9][0-9]{6,14}")
_NOT_LETTERS = re.compile(r"[\W\d_]+")


def _folded(text):
    """A keyword as compared: lower-case, accents and digits gone, no spaces or punctuation
    (Khmer's signs kept by ``normalise_text``; joiners gone)."""
    plain = normalise_text(text)
    plain = "".join(c for c in plain if unicodedata.category(c) not in ("Cf",))
    return _NOT_LETTERS.sub("", plain)


def _index():
    table = {}
    for language, actions in KEYWORDS.items():
        for action, words in actions.items():
            for word in words:
                table.setdefault(_folded(word), []).append((language, action))
    return table


_KEYWORDS = _index()


@dataclass(frozen=True)
class Keyword:
    action: str  # STOP, START or HELP
    language: str
    word: str  # as compared (folded)


def organization_languages(organization):
    """English (Twilio's keywords) and every language the organization's readers use."""
    return {"en", organization.language, *(organization.other_languages or [])}


def keyword_of(body, languages_used):
    """The keyword ``body`` is (a Keyword), or None: only a message that is nothing else."""
    text = (body or "").strip()
    if not text or len(text) > 40:
        return None
    folded = _folded(text)
    if not folded:
        return None
    for language, action in _KEYWORDS.get(folded, ()):
        if language in languages_used:
            return Keyword(action=action, language=language, word=folded)
    return None


def _stop_word(language):
    return KEYWORDS.get(language, KEYWORDS["en"])[STOP][0]


def _start_word(language):
    return KEYWORDS.get(language, KEYWORDS["en"])[START][0]


def _record_stop(organization, contact, channel):
    for purpose in ConsentPurpose.values:
        core_services.consent_record(
            organization=organization,
            contact=contact,
            channel=CONSENT_CHANNEL[channel],
            purpose=purpose,
            granted=False,
            source=ConsentSource.KEYWORD,
        )


def _record_start(organization, contact, channel):
    """A "yes" for each purpose they had before STOP: their latest decision not made by
    keyword, or silence where silence is consent (thank-yous, surveys)."""
    consent_channel = CONSENT_CHANNEL[channel]
    before = {}
    for purpose, granted in (
        Consent.objects.filter(organization=organization, contact=contact, channel=consent_channel)
        .exclude(source=ConsentSource.KEYWORD)
        .order_by("recorded_at", "pk")
        .values_list("purpose", "granted")
    ):
        before[purpose] = granted  # the last wins
    for purpose in ConsentPurpose.values:
        had = before.get(purpose)
        if had is None:
            had = purpose in sending.SILENCE_IS_CONSENT
        if had:
            core_services.consent_record(
                organization=organization,
                contact=contact,
                channel=consent_channel,
                purpose=purpose,
                granted=True,
                source=ConsentSource.KEYWORD,
            )


def _answer_text(organization, keyword, contact):
    """In the keyword's language ("AYUDA" is answered in Spanish), else the person's."""
    language = keyword.language
    if language == "en":
        language = languages.language_for(contact, organization)
    with translation.override(language):
        if keyword.action == STOP:
            return _(
                "%(organization)s: you will get no more messages from us on this number. "
                "Text %(start)s to get them again."
            ) % {"organization": organization.name, "start": _start_word(keyword.language)}
        if keyword.action == START:
            return _(
                "%(organization)s: you will get our messages again. Text %(stop)s to stop them."
            ) % {"organization": organization.name, "stop": _stop_word(keyword.language)}
        details = [d for d in (organization.phone, organization.contact_email) if d]
        if details:
            return _(
                "%(organization)s: for help, call or write to us: %(details)s. Text %(stop)s to "
                "stop our messages."
            ) % {
                "organization": organization.name,
                "details": ", ".join(details),
                "stop": _stop_word(keyword.language),
            }
        return _("%(organization)s: text %(stop)s to stop our messages.") % {
            "organization": organization.name,
            "stop": _stop_word(keyword.language),
        }


def _we_answer(channel, keyword):
    if keyword.action == HELP:
        return True
    if channel == MessageChannel.WHATSAPP:
        return True
    return keyword.word not in TWILIO_ANSWERS.get(keyword.action, ())


def _queue_answer(organization, conversation, keyword):
    from stakeholders.inbox import delivery

    message = Message.objects.create(
        organization=organization,
        conversation=conversation,
        direction=Direction.OUTBOUND,
        channel=conversation.channel,
        body=_answer_text(organization, keyword, conversation.contact),
        from_address=conversation.our_address,
        to_address=conversation.address,
        status=MessageStatus.QUEUED,
    )
    delivery.enqueue(organization=organization, message=message)
    return message


# --- Inbound -------------------------------------------------------------------------------------


def receive(*, organization, inbound):
    """Store one inbound SMS or WhatsApp message (``services.receive``), then act on a keyword:
    consent at once, the answer queued, and no reply clock for it. Returns (message, created).
    Inside a caller's transaction (filing a received text) it takes no savepoint: an error
    spoils the caller's transaction, which is then rolled back whole."""
    with transaction.atomic(savepoint=False):
        message, created = services.receive(organization=organization, inbound=inbound)
        if not created or message is None or inbound.attachments:
            return message, created
        keyword = keyword_of(inbound.body, organization_languages(organization))
        if keyword is None:
            return message, created
        conversation = Conversation.objects.select_for_update().get(
            organization=organization, pk=message.conversation_id
        )
        if keyword.action == START and not opted_out(
            organization=organization, conversation=conversation, before=message
        ):
            return message, created  # "yes" to a question: an ordinary answer
        if conversation.awaiting_since == message.created_at:
            # Nothing else of theirs waits for an answer: a keyword starts no clock.
            conversation.awaiting_since = None
            conversation.reply_due_at = None
            conversation.save(update_fields=["awaiting_since", "reply_due_at"])
        contact = conversation.contact
        if contact is not None and keyword.action == STOP:
            _record_stop(organization, contact, conversation.channel)
        elif contact is not None and keyword.action == START:
            _record_start(organization, contact, conversation.channel)
        if _we_answer(conversation.channel, keyword):
            _queue_answer(organization, conversation, keyword)
        logger.info(
            "text message keyword",
            extra={"action": keyword.action, "language": keyword.language},
        )
        return message, created


def media_links(form, limit=10):
    """The media of an inbound message as links (Twilio's own URLs only): we don't fetch them
    (they need the account's credentials and would be files of unknown kind and size)."""
    links = []
    try:
        count = min(int(form.get("NumMedia") or 0), limit)
    except ValueError:
        count = 0
    for index in range(count):
        url = form.get(f"MediaUrl{index}", "")
        host = urlsplit(url).hostname or ""
        if url.startswith("https://") and (host == "twilio.com" or host.endswith(".twilio.com")):
            kind = form.get(f"MediaContentType{index}", "")[:100]
            links.append(f"[{kind or _('attachment')}] {url}")
    return links


def normalise_from(value, organization):
    """Their number as E.164 (raises ValidationError). Twilio sends E.164 already: a number in
    that shape which the phone-number metadata doesn't know yet (a new range) is kept as it is,
    rather than losing the message."""
    number = (value or "").removeprefix(WHATSAPP_PREFIX).strip()
    if not number:
        raise ValidationError(_("The message has no sender."))
    try:
        return core_services.normalise_phone(number, country=organization.country)
    except ValidationError:
        if E164.fullmatch(number):
            return number
        raise


# --- Settings (admins) ---------------------------------------------------------------------------


def account_save(
    *, organization, account_sid, auth_token="", messaging_service_sid="", active=True
):
    """Create or change the organization's Twilio account. A blank ``auth_token`` keeps the saved
    one; the credentials are tested against Twilio's API first (a ValidationError on
    ``auth_token`` when Twilio refuses them), so a typo is seen now, not at the first reply."""
    account = MessagingAccount.objects.filter(organization=organization).first()
    token = auth_token or (account.auth_token if account else "")
    if not token:
        raise ValidationError({"auth_token": [_("Enter the auth token.")]})
    problem = check_credentials(account_sid=account_sid, auth_token=token)
    if problem:
        raise ValidationError({"auth_token": [problem]})
    if account is None:
        account = MessagingAccount(organization=organization)
    account.account_sid = account_sid
    account.auth_token = token
    account.messaging_service_sid = messaging_service_sid
    account.active = active
    account.save()
    return account


def number_add(*, organization, channel, number, label=""):
    """Add one of the organization's numbers (typed in any format; stored as E.164)."""
    if channel not in MAX_LENGTH:
        raise ValidationError({"channel": [_("Choose SMS or WhatsApp.")]})
    try:
        number = core_services.normalise_phone(number, country=organization.country)
    except ValidationError as error:
        raise ValidationError({"number": error.messages}) from None
    if not number:
        raise ValidationError({"number": [_("Enter the number.")]})
    if is_our_number(organization, channel, number):
        raise ValidationError({"number": [_("This number is already added on this channel.")]})
    return MessagingNumber.objects.create(
        organization=organization, channel=channel, number=number, label=label
    )


def number_remove(*, organization, number_id):
    return MessagingNumber.objects.filter(organization=organization, pk=number_id).delete()[0]


def template_save(*, organization, template, name, language, content_sid, body):
    """Create (``template`` None) or change a WhatsApp template."""
    from stakeholders.inbox.models import WhatsAppTemplate

    clash = WhatsAppTemplate.objects.filter(organization=organization, name=name, language=language)
    if template is not None:
        clash = clash.exclude(pk=template.pk)
    if clash.exists():
        raise ValidationError({"name": [_("A template of this name exists in this language.")]})
    template = template or WhatsAppTemplate(organization=organization)
    template.name, template.language = name, language
    template.content_sid, template.body = content_sid, body
    template.save()
    return template


def template_remove(*, organization, template_id):
    from stakeholders.inbox.models import WhatsAppTemplate

    return WhatsAppTemplate.objects.filter(organization=organization, pk=template_id).delete()[0]


def templates_for(*, organization, conversation=None):
    """The WhatsApp templates staff may choose (the person's language first)."""
    from stakeholders.inbox.models import WhatsAppTemplate

    rows = list(WhatsAppTemplate.objects.filter(organization=organization))
    if conversation is not None:
        language = languages.language_for(conversation.contact, organization)
        rows.sort(key=lambda row: (row.language != language, row.name, row.language))
    return rows
