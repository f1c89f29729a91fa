"""Requests by email: a message sent to the organization's help address becomes a request (or a
message on one, when it answers one of our emails about it — In-Reply-To or References carry
our signed Message-ID — and comes from that client; a From header alone is easy to forge).

The mail server hands each message to ``manage.py clients_inbound_email --org <slug>`` (e.g. a
Postfix alias ``help-riverside: "|/srv/steward/manage.py clients_inbound_email --org riverside"``),
so every organization can have its own address without a mailbox to poll. Parsing (quoted
history and signatures trimmed, attachments checked, auto-replies dropped) is the shared
inbox's (``stakeholders.inbox.email_in``); threading is the core's (``stakeholders.inbox.threads``,
kind ``clients.request``), so a client's reply that reaches the organization's inbound address
instead joins their request the same way (``on_reply``). A reply to another of our emails (a
thank-you, a volunteer notice) that reaches the help address goes to the shared inbox.

A new request is filed unconfirmed, like one from the public form: a From header proves nothing,
so the sender's record changes only once the address owner follows our acknowledgement's link.
Past the organization's ceiling on new public requests the command exits with EX_TEMPFAIL, and
the mail server keeps the message and tries again later.
"""

import re

from django.core import signing
from django.db import transaction

from clients import selectors, services
from clients.models import RequestChannel, Status
from stakeholders.inbox import email_in, threads

# Before the shared inbox, request emails carried a Message-ID of their own format: replies to
# those emails still name it, and still join their request.
LEGACY_THREAD_SALT = "steward.clients.thread"


class TryLater(Exception):
    """The organization's ceiling on new public requests is reached for this hour."""


def _legacy_request_id(*, organization, references):
    signer = signing.Signer(salt=LEGACY_THREAD_SALT, sep=".")
    for message_id in re.findall(r"<([^<>@\s]+)@[^<>\s]+>", " ".join(references)):
        try:
            organization_id, request_id, _nonce = signer.unsign(message_id).split(".")
        except (signing.BadSignature, ValueError):
            continue
        if organization_id == str(organization.pk) and request_id.isdigit():
            return int(request_id)
    return None


def _with_refused(organization, body, reply):
    refused = getattr(reply, "refused", ())
    if not refused:
        return body
    return f"{body}\n\n{email_in.refused_note(organization, refused)}".strip()


def on_reply(organization, request_id, reply):
    """The thread handler of ``clients.request``: a reply from the request's client, while the
    request is not closed, is a message on the request (not in the inbox). True when taken."""
    request = selectors.request_get(organization=organization, request_id=request_id)
    if request is None or request.status == Status.CLOSED:
        return False
    theirs = {(request.contact.email or "").lower(), (request.contact.email_alt or "").lower()}
    if reply.address.strip().lower() not in theirs - {""}:
        return False
    services.request_client_message(
        organization=organization,
        request=request,
        body=_with_refused(organization, reply.body or reply.subject, reply),
        files=reply.attachments,
    )
    return True


def receive(*, organization, raw):
    """Turn one email into a request or a client message. Returns (request, created); (None,
    False) when it was an automatic message (dropped) or went to the shared inbox."""
    message = email_in.parse_raw(raw)
    if email_in.is_automatic(message):
        return None, False
    inbound, refused = email_in.to_inbound(organization=organization, message=message, raw=raw)
    inbound.refused = refused
    answers = threads.resolve(organization=organization, references=inbound.references)
    if answers and answers[0] != services.RELATED_KIND:
        email_in.receive_message(organization=organization, message=message, raw=raw)
        return None, False
    request_id = (
        answers[1]
        if answers
        else _legacy_request_id(organization=organization, references=inbound.references)
    )
    if request_id is not None:
        with transaction.atomic():
            if on_reply(organization, request_id, inbound):
                return selectors.request_get(
                    organization=organization, request_id=request_id
                ), False
    if not services.public_requests_allowed(organization=organization):
        raise TryLater
    address = inbound.address.strip().lower()
    first, _sep, last = (inbound.display_name or address.split("@")[0]).strip().partition(" ")
    body = _with_refused(organization, inbound.body, inbound)
    with transaction.atomic():
        request = services.request_from_public(
            organization=organization,
            first_name=first,
            last_name=last or first,
            email=address,
            subject=" ".join(inbound.subject.split())[:200] or body[:80] or "—",
            description=body,
            channel=RequestChannel.EMAIL,
            files=inbound.attachments,
        )
    services.request_acknowledge(organization=organization, request=request)
    return request, True
