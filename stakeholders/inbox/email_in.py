"""Email in, for everyone: one inbound address per organization, two ways in (an email provider's
inbound webhook through Anymail, or a local mail server's pipe: ``manage.py inbound_email``),
one parser that turns either into the inbox's ``InboundMessage``.

- **The address**: ``<slug>-<inbound key>@INBOUND_EMAIL_DOMAIN``; every email we send names it
  as Reply-To (``branding.email_message(thread=…)``), with a signed Message-ID that the reply
  carries back in In-Reply-To/References (``threads``), so replies find what they answer.
- **What is kept**: the sender, the subject, the new text only — the quoted history and the
  signature are trimmed in every language Steward speaks (``trim``), with ``mail-parser-reply``
  for the languages it knows and our own rules for the rest — and the attachments that pass the
  request form's checks (``stakeholders.uploads``); the others are named in a staff note.
- **Exactly once**: the Message-ID header (the same on every retry), else the provider's own id,
  else a hash of the raw message is the message's provider id: delivered twice, stored once.
- **Never a loop**: auto-replies ("out of office"), bulk mail and delivery status notifications
  (bounces) are **not stored at all**: they open no conversation and restart no clock, so two
  robots can't answer each other forever. Bounces reach us through the providers' tracking
  webhooks (``stakeholders.deliverability``) instead. Only a count-free log line says one came.
- **Bad input**: a message over ``MAX_RAW_BYTES`` is refused (413 / EX_DATAERR), a malformed one
  (no sender, nothing in it) too (400 / EX_DATAERR), and nothing of it is stored.
"""

import hashlib
import logging
import re
from dataclasses import dataclass
from email import policy
from email.parser import BytesParser
from email.utils import getaddresses, parseaddr
from html.parser import HTMLParser

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _
from mailparser_reply import EmailMessage as MailReply

from stakeholders import uploads
from stakeholders.inbox import services
from stakeholders.inbox.models import MessageChannel

logger = logging.getLogger(__name__)

MAX_RAW_BYTES = 25 * 1024 * 1024  # what the big mail providers accept, attachments included
# A webhook carries the message base64-encoded (JSON) or as form fields: a third more.
MAX_REQUEST_BYTES = MAX_RAW_BYTES * 3 // 2
AUTOMATIC_PRECEDENCE = {"bulk", "auto_reply", "junk"}
ROBOT_SENDERS = {"mailer-daemon", "postmaster"}


class Unusable(Exception):
    """A message we refuse as it is (the webhook answers ``status``, the pipe EX_DATAERR)."""

    def __init__(self, reason, status=400):
        super().__init__(reason)
        self.status = status


@dataclass
class Received:
    """What became of one email: a message stored in the inbox (``created`` False when it was
    stored before), taken by a feature app (``message`` None), or ``ignored`` (automatic)."""

    message: object = None
    created: bool = False
    ignored: bool = False


# --- The address ---------------------------------------------------------------------------------


def inbound_address(organization):
    """The organization's inbound address, or "" when this installation receives no email
    (``INBOUND_EMAIL_DOMAIN`` unset)."""
    domain = (getattr(settings, "INBOUND_EMAIL_DOMAIN", "") or "").strip().lstrip("@")
    if not domain:
        return ""
    key = services.inbox_settings(organization=organization).inbound_key
    return f"{organization.slug}-{key}@{domain}".lower()


# --- Parsing -------------------------------------------------------------------------------------


def parse_raw(raw):
    """The email.message of ``raw`` bytes (RFC 5322), refused when too big or not an email."""
    if len(raw) > MAX_RAW_BYTES:
        raise Unusable("the message is larger than the limit", status=413)
    if not raw.strip():
        raise Unusable("the message is empty")
    return BytesParser(policy=policy.default).parsebytes(raw)


def is_automatic(message):
    """An auto-reply, bulk mail or a delivery status notification (RFC 3834, RFC 3464)."""
    auto_submitted = str(message.get("Auto-Submitted", "") or "").strip().lower()
    if auto_submitted and auto_submitted != "no":
        return True
    if message.get("X-Autoreply") or message.get("X-Autorespond"):
        return True
    if str(message.get("Precedence", "") or "").strip().lower() in AUTOMATIC_PRECEDENCE:
        return True
    if message.get_content_type() == "multipart/report":  # bounces and read receipts
        return True
    if str(message.get("Return-Path", "") or "").strip() == "<>":  # the null sender: a bounce
        return True
    address = parseaddr(str(message.get("From", "") or ""))[1].lower()
    return address.split("@", 1)[0] in ROBOT_SENDERS


class _HTMLText(HTMLParser):
    """Text of an HTML email: blocks become lines; scripts, styles and quoted history go."""

    SKIP = {"script", "style", "head", "title", "blockquote"}
    BLOCKS = {"p", "div", "br", "tr", "li", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "table"}
    # Where mail clients start the history they quote (Gmail, Outlook, Yahoo, Apple Mail):
    # nothing after one of these is the new message.
    QUOTE_CLASSES = ("gmail_quote", "yahoo_quoted", "moz-cite-prefix")
    QUOTE_IDS = ("appendonsend", "divrplyfwdmsg", "mail-editor-reference-message-container")

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts, self.skipping, self.done = [], 0, False

    def handle_starttag(self, tag, attrs):
        attrs = {key: (value or "").lower() for key, value in attrs}
        if (
            any(name in attrs.get("class", "") for name in self.QUOTE_CLASSES)
            or attrs.get("id", "") in self.QUOTE_IDS
        ):
            self.done = True
        if tag in self.SKIP:
            self.skipping += 1
        if tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag in self.SKIP and self.skipping:
            self.skipping -= 1
        if tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data):
        if not self.skipping and not self.done:
            self.parts.append(data)


def html_to_text(html):
    parser = _HTMLText()
    parser.feed(html)
    parser.close()
    lines = (" ".join(line.split()) for line in "".join(parser.parts).splitlines())
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _content(part):
    try:
        return part.get_content()
    except (LookupError, UnicodeError, AssertionError):  # an unknown or lying charset
        return (part.get_payload(decode=True) or b"").decode("utf-8", errors="replace")


def body_text(message):
    """The message's text: the plain part, else its HTML as text."""
    part = message.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    content = _content(part)
    if not isinstance(content, str):
        return ""
    if part.get_content_type() == "text/html":
        return html_to_text(content)
    return content


# --- Trimming ------------------------------------------------------------------------------------

_MARKS = "\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff"  # direction marks around RTL lines
_COLON = r"\s*[:：៖]"
# "On … wrote:" as Gmail, Outlook and Apple Mail write it, in each of our languages (and in
# Russian, which many of our Kazakh readers' phones are set to).
WROTE = [
    r"^On\b.*\bwrote" + _COLON,  # en
    r"^El\b.*\bescribi[óo]" + _COLON,  # es
    r"^Le\b.*\ba\s+[ée]crit" + _COLON,  # fr
    r"^(?:در|روز|در\s+تاریخ)\b.*\bنوشت" + _COLON,  # fa
    r"^.*\bنوشت" + _COLON,  # fa, however the date was written
    r"^(?:នៅ|ថ្ងៃ).*បាន\u200b?\s?សរសេរ" + _COLON,  # km
    r"^.*\bжазды" + _COLON,  # kk
    r"^.*\bнаписал(?:\(а\)|а)?" + _COLON,  # ru
    r"^.*\d.*<[^<>@\s]+@[^<>\s]+>\)?" + _COLON,  # "date, Name <address>:" in any language
]
# Outlook's block over the quoted message: "From: …" then "Sent: …"/"Date: …" within a few lines.
FROM_WORDS = r"From|De|Von|از|ពី|Кімнен|Кімден|От"
SENT_WORDS = (
    r"Sent|Date|Enviado|Fecha|Envoy[ée]|ارسال\s?\u200c?شده|تاریخ|បាន\u200b?\s?ផ្ញើ|កាលបរិច្ឆេទ"
    r"|Жіберілді|Жіберілген|Күні|Отправлено|Дата"
)
ORIGINAL = (
    r"Original Message|Mensaje original|Message d'origine|Message original|پیام اصلی"
    r"|សារ\u200b?ដើម|Бастапқы хабар(?:лама)?|Исходное сообщение"
)
SENT_FROM = [
    r"Sent from my\b.*",
    r"Sent from (?:Outlook|Mail for Windows|Yahoo Mail).*",
    r"Get Outlook for\b.*",
    r"Enviado desde mi\b.*",
    r"Obtener Outlook para\b.*",
    r"Envoy[ée] (?:de|depuis) mon\b.*",
    r"(?:Télécharger|Obtenir) Outlook pour\b.*",
    r"ارسال\s?\u200c?شده\s+از\b.*",
    r"បាន\u200b?\s?ផ្ញើ\u200b?\s?ពី\s.*",  # (no \b: Khmer vowel signs are not "word" characters)
    r".*(?:құрылғысынан|арқылы) жіберілді",
    r"Отправлено (?:с|из)\b.*",
]


def _compile(patterns):
    return re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE)


_WROTE = _compile(WROTE)
_FROM = re.compile(rf"^\**\s*(?:{FROM_WORDS})\s*\**{_COLON}", re.IGNORECASE)
_SENT = re.compile(rf"^\**\s*(?:{SENT_WORDS})\s*\**{_COLON}", re.IGNORECASE)
_ORIGINAL = re.compile(rf"^-{{2,}}\s*(?:{ORIGINAL})\s*-{{2,}}$", re.IGNORECASE)
_SENT_FROM = re.compile(rf"^(?:{'|'.join(SENT_FROM)})$", re.IGNORECASE)
LIBRARY_LANGUAGES = ("en", "es", "fr")  # what mail-parser-reply knows of ours


def _cut_at(lines):
    """The index of the first line of quoted history or signature, or None."""
    cleaned = [re.sub(f"[{_MARKS}]", "", line).strip() for line in lines]
    for index, line in enumerate(cleaned):
        if lines[index].rstrip("\n") in ("-- ", "--"):  # the signature separator
            return index
        if _ORIGINAL.match(line) or _SENT_FROM.match(line):
            return index
        following = cleaned[index + 1] if index + 1 < len(cleaned) else ""
        if _WROTE.match(line) or (  # Gmail wraps a long header over two lines
            line and not _WROTE.match(following) and _WROTE.match(f"{line} {following}")
        ):
            return index
        if _FROM.match(line) and any(
            _SENT.match(later) for later in cleaned[index + 1 : index + 5]
        ):
            return index
        if line.startswith(">") and all(
            later.startswith(">") or not later for later in cleaned[index:]
        ):
            return index  # the quoted history at the bottom (not answers written between quotes)
    return None


def trim(text):
    """The new part of a reply: quoted history and signature trimmed, in every language of
    ``settings.LANGUAGES`` (our rules), then by ``mail-parser-reply`` for the patterns it knows.
    Never empty when ``text`` is not: a message that is all quote is kept whole."""
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    cut = _cut_at(lines)
    mine = "\n".join(lines[:cut] if cut is not None else lines).strip()
    if mine:
        try:
            parsed = MailReply(
                text=mine, languages=list(LIBRARY_LANGUAGES), keep_hyphen_lists=True
            ).read()
            theirs = (parsed.latest_reply or "").strip()
        except Exception:  # a library's regular expressions are not worth losing a message for
            theirs = ""
        mine = theirs or mine
    return mine or text.strip()


# --- From an email.message to the inbox ----------------------------------------------------------


def _attachments(message):
    files = []
    for part in message.iter_attachments():
        if part.get("Content-ID") and part.get_content_disposition() != "attachment":
            continue  # an image inside the HTML (a logo in a signature), not a file they sent
        payload = part.get_payload(decode=True)
        files.append(
            SimpleUploadedFile(
                (part.get_filename() or "attachment")[-200:],
                payload if isinstance(payload, bytes) else b"",
                content_type=part.get_content_type(),
            )
        )
    return files


def _message_id(message, provider_id, raw):
    """The sender's Message-ID first: it is the same on every retry of every provider (some
    providers' event ids are per delivery attempt), then the provider's id, then the bytes'."""
    header = " ".join(str(message.get("Message-ID", "") or "").split())
    if header:
        return header[:200]
    if provider_id:
        return str(provider_id)[:200]
    if raw is None:
        try:
            raw = message.as_bytes()
        except Exception:  # a message Python can't write back: no id, no dedupe
            return ""
    return "sha256:" + hashlib.sha256(raw).hexdigest()


def to_inbound(*, organization, message, provider_id="", raw=None):
    """(InboundMessage, refused attachments [(name, reason)]) of an email.message (an
    ``AnymailInboundMessage`` is one)."""
    display_name, address = parseaddr(str(message.get("From", "") or ""))
    if "@" not in address:
        raise Unusable("the message has no sender address")
    accepted, refused = uploads.sort_files(_attachments(message))
    for upload, content_type in accepted:
        upload.content_type = content_type
    recipients = [a for _n, a in getaddresses([str(message.get("To", "") or "")]) if a]
    inbound = services.InboundMessage(
        channel=MessageChannel.EMAIL,
        address=address,
        display_name=display_name,
        subject=str(message.get("Subject", "") or ""),
        body=trim(body_text(message))[: services.MAX_BODY],
        our_address=inbound_address(organization) or (recipients[0] if recipients else ""),
        provider_message_id=_message_id(message, provider_id, raw),
        references=(
            str(message.get("In-Reply-To", "") or ""),
            str(message.get("References", "") or ""),
        ),
        attachments=[upload for upload, _type in accepted],
    )
    return inbound, refused


def refused_note(organization, refused):
    """What staff read about files that were not kept (in the organization's language)."""
    with translation.override(organization.language):
        return _("Attachments not kept: %(files)s") % {
            "files": "; ".join(f"{name} ({reason})" for name, reason in refused)
        }


def receive_message(*, organization, message, provider_id="", raw=None):
    """Store one email in the inbox (or hand it to what it answers). See the module's rules."""
    if is_automatic(message):
        logger.info("inbound email: an automatic message was not stored")
        return Received(ignored=True)
    inbound, refused = to_inbound(
        organization=organization, message=message, provider_id=provider_id, raw=raw
    )
    inbound.refused = refused  # for a feature app's thread handler (a client request's note)
    try:
        with transaction.atomic():
            stored, created = services.receive(organization=organization, inbound=inbound)
            if refused and created and stored is not None:
                services.add_note(
                    organization=organization,
                    conversation=stored.conversation,
                    author=None,
                    body=refused_note(organization, refused),
                )
    except ValidationError as error:
        raise Unusable("; ".join(error.messages)) from error
    return Received(message=stored, created=created)


def receive_raw(*, organization, raw):
    """One raw email (the pipe command)."""
    return receive_message(organization=organization, message=parse_raw(raw), raw=raw)


def receive_anymail(sender, event, esp_name, **kwargs):
    """Anymail's ``inbound`` signal, from the organization's inbound webhook
    (``stakeholders.email_webhooks`` names the organization for the length of the request)."""
    from stakeholders import deliverability

    organization = deliverability.webhook_organization.get()
    if organization is None:
        return
    if event.message is None:
        raise Unusable("the webhook carried no message")
    receive_message(organization=organization, message=event.message, provider_id=event.event_id)


def connect():
    from anymail.signals import inbound

    inbound.connect(receive_anymail, dispatch_uid="stakeholders.inbox.email_in")
