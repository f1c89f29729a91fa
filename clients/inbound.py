"""Requests by email: a message sent to the organization's help address becomes a request (or a
message on one, when it answers one of our emails about it — In-Reply-To or References carry
our signed Message-ID — and comes from that client; a From header alone is easy to forge).

The mail server hands each message to ``manage.py clients_inbound_email --org <slug>`` (e.g. a
Postfix alias ``help-riverside: "|/srv/steward/manage.py clients_inbound_email --org riverside"``),
so every organization can have its own address without a mailbox to poll.

A new request is filed unconfirmed, like one from the public form: a From header proves nothing,
so the sender's record changes only once the address owner follows our acknowledgement's link.
Past the organization's ceiling on new public requests the command exits with EX_TEMPFAIL, and
the mail server keeps the message and tries again later.
"""

import re
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import parseaddr

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from clients import selectors, services
from clients.models import RequestChannel, Status

MAX_BODY = 20_000


class TryLater(Exception):
    """The organization's ceiling on new public requests is reached for this hour."""


def parse(raw: bytes) -> EmailMessage:
    return BytesParser(policy=policy.default).parsebytes(raw)


def _text(message):
    body = message.get_body(preferencelist=("plain", "html"))
    if body is None:
        return ""
    content = body.get_content()
    if body.get_content_type() == "text/html":
        content = re.sub(r"<[^>]+>", " ", content)
    # Leave the quoted history out: it is already on the request.
    lines = []
    for line in content.splitlines():
        if line.startswith(">") or re.match(r"^On .+ wrote:$", line.strip()):
            break
        lines.append(line)
    return "\n".join(lines).strip()[:MAX_BODY]


def _files(message):
    return [
        SimpleUploadedFile(
            part.get_filename() or "attachment", part.get_payload(decode=True) or b""
        )
        for part in message.iter_attachments()
    ][: services.MAX_FILES]


def receive(*, organization, raw):
    """Turn one email into a request or a client message. Returns (request, created)."""
    message = parse(raw)
    name, address = parseaddr(str(message.get("From", "")))
    address = address.strip().lower()
    if "@" not in address:
        raise ValidationError({"from": "The message has no sender address."})
    subject = " ".join(str(message.get("Subject", "")).split())[:200]
    body = _text(message)
    files = _files(message)
    thread = services.request_id_from_thread(
        organization=organization,
        references=[str(message.get("In-Reply-To", "")), str(message.get("References", ""))],
    )
    if thread:
        existing = selectors.request_get(organization=organization, request_id=thread)
        if (
            existing is not None
            and existing.status != Status.CLOSED
            and address in (existing.contact.email, existing.contact.email_alt)
        ):
            services.request_client_message(
                organization=organization, request=existing, body=body or subject, files=files
            )
            return existing, False
    if not services.public_requests_allowed(organization=organization):
        raise TryLater
    first, _sep, last = (name or address.split("@")[0]).strip().partition(" ")
    with transaction.atomic():
        request = services.request_from_public(
            organization=organization,
            first_name=first,
            last_name=last or first,
            email=address,
            subject=subject or body[:80] or "—",
            description=body,
            channel=RequestChannel.EMAIL,
            files=files,
        )
    services.request_acknowledge(organization=organization, request=request)
    return request, True
