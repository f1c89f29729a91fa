"""The shared inbox's writes: a message comes in (any channel), staff answer, assign, snooze,
close; a notice goes out on the person's channel. Channels only parse and deliver
(``email_in``, ``twilio``, ``delivery``); every rule lives here, once.

- **Exactly once**: a provider's message id is unique per organization and channel, so a
  webhook delivered twice (providers retry) stores one message; the second call returns the first.
- **Threading**: an email that answers one of ours names what it answers (``threads``); a text
  or WhatsApp message joins the latest conversation with that number; a closed conversation
  reopens on a new message from them.
- **The clock**: a message of theirs that waits for an answer starts ``reply_due_at`` (the
  organization's working time and per-channel target, the core's clock); our reply stops it
  and the first one is the conversation's first response.
- **Timeline**: each message to or from a known contact is an ``Interaction``. A client's
  conversation's interactions are restricted as client requests are (caseworkers and admins),
  and carry no text: the message itself stays encrypted in the inbox.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from stakeholders import clock
from stakeholders import selectors as core_selectors
from stakeholders import services as core_services
from stakeholders.inbox import selectors, threads
from stakeholders.inbox.models import (
    Conversation,
    ConversationStatus,
    InboxSettings,
    Message,
    MessageAttachment,
    MessageChannel,
    MessageKind,
    MessageStatus,
)
from stakeholders.inbox.threads import CONVERSATION, thread_kinds
from stakeholders.models import Channel, Direction, Interaction, Membership

MAX_BODY = 20_000  # characters kept of one message (an SMS is at most 1,600)
CLIENT_AREA = "client"
GENERAL_AREA = "general"
# The related_kind of a message's interaction: a client's is restricted (stakeholders.apps).
INTERACTION_KIND = "inbox.conversation"
CLIENT_INTERACTION_KIND = "inbox.client_conversation"
WHATSAPP_WINDOW = timedelta(hours=24)


@dataclass
class InboundMessage:
    """One message as a channel parsed it, before the inbox decides where it goes."""

    channel: str
    address: str  # their email address (any case) or phone number (E.164)
    body: str
    display_name: str = ""
    subject: str = ""
    our_address: str = ""
    provider_message_id: str = ""
    references: tuple = ()  # In-Reply-To and References header values (email)
    attachments: list = field(default_factory=list)  # checked UploadedFiles
    received_at: datetime | None = None


def inbox_settings(*, organization):
    settings_row, _created = InboxSettings.objects.get_or_create(organization=organization)
    return settings_row


def _reply_due(organization, settings_row, channel, start):
    calendar = core_selectors.calendar_for(organization=organization)
    return clock.deadline(calendar, start, timedelta(minutes=settings_row.target_minutes(channel)))


def _area_for(contact, answers, organization=None):
    """The team a new conversation belongs to: what it answers says, else the person: anyone
    who is a client stays with caseworkers (fail closed), unknown senders are general."""
    if answers:
        kind = thread_kinds.get(answers[0])
        area = kind.area_for(organization, answers[1]) if kind is not None else None
        if area:
            return area
    if contact is not None:
        if contact.is_client:
            return CLIENT_AREA
        if contact.is_volunteer and not contact.is_donor:
            return "volunteer"
        if contact.is_donor:
            return "donor"
    return GENERAL_AREA


def _interaction_for(organization, conversation, message, staff=None):
    if conversation.contact_id is None or message.kind != MessageKind.MESSAGE:
        return None
    client = conversation.area == CLIENT_AREA
    inbound = message.direction == Direction.INBOUND
    subject = message.subject or conversation.subject
    if client or not subject:
        subject = (_("%(channel)s from them") if inbound else _("%(channel)s to them")) % {
            "channel": Channel(message.channel).label
        }
    return core_services.interaction_log(
        organization=organization,
        contact=conversation.contact,
        staff=staff,
        channel=message.channel,
        direction=message.direction,
        initiated_by_contact=inbound,
        occurred_at=message.created_at,
        subject=subject[:200],
        notes="" if client else message.body[:5000],
        related_kind=CLIENT_INTERACTION_KIND if client else INTERACTION_KIND,
        related_id=conversation.pk,
    )


def _conversation_for(organization, inbound, contact, answers):
    """The conversation an inbound message joins (locked), or None for a new one."""
    rows = Conversation.objects.select_for_update().filter(organization=organization)
    if answers and answers[0] == CONVERSATION:
        return rows.filter(pk=answers[1], channel=inbound.channel).first()
    if inbound.channel == MessageChannel.EMAIL:
        # An email that names nothing of ours starts a new thread: a new subject is a new topic.
        return None
    return rows.filter(channel=inbound.channel, address=inbound.address).order_by("-pk").first()


def receive(*, organization, inbound):
    """Store one inbound message; returns (message, created). ``message`` is None when a feature
    app's thread handler took it (a client's reply about their request). A provider message id
    seen before returns the stored message and ``created`` False: nothing is written twice."""
    inbound.address = inbound.address.strip().lower()
    inbound.body = (inbound.body or "").strip()[:MAX_BODY]
    inbound.subject = " ".join((inbound.subject or "").split())[:200]
    if not inbound.address:
        raise ValidationError({"from": _("The message has no sender.")})
    if not (inbound.body or inbound.attachments or inbound.subject):
        raise ValidationError({"body": _("The message is empty.")})
    if inbound.provider_message_id and inbound.references:
        # Before the thread handlers: a feature app's handler must not take a retry twice.
        seen = _seen(organization, inbound)
        if seen is not None:
            return seen, False
    answers = None
    if inbound.references:
        answers = threads.resolve(organization=organization, references=inbound.references)
        kind = thread_kinds.get(answers[0]) if answers else None
        if kind is not None and kind.on_reply and kind.on_reply(organization, answers[1], inbound):
            return None, True
    # No savepoint (two round trips per message): the id is checked under the sender's lock, and
    # a provider retries a message from the same sender, so a concurrent delivery of it waits
    # for the first to commit and finds it here. Only the same id from another sender could
    # still clash: in a caller's transaction that error spoils it (the provider retries and
    # finds it stored); on its own, the stored message is returned.
    try:
        with transaction.atomic(savepoint=False):
            _lock_sender(organization, inbound)
            seen = _seen(organization, inbound)
            if seen is not None:
                return seen, False
            return _store_inbound(organization, inbound, answers), True
    except IntegrityError:
        if connection.in_atomic_block:
            raise
        seen = _seen(organization, inbound)
        if seen is None:
            raise
        return seen, False


def _seen(organization, inbound):
    """The message stored before with this provider message id, or None. Asked of every
    message and almost always "no": the id alone first (a lighter query), the row if seen."""
    if not inbound.provider_message_id:
        return None
    seen = (
        Message.objects.filter(
            organization=organization,
            channel=inbound.channel,
            provider_message_id=inbound.provider_message_id,
        )
        .values_list("pk", flat=True)
        .first()
    )
    if seen is None:
        return None
    return Message.objects.get(organization=organization, pk=seen)


def _lock_sender(organization, inbound):
    """Serialise messages from one sender (two texts from a new number arriving together must
    open one conversation, not two): a transaction-scoped advisory lock on the address."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))",
            [f"inbox:{organization.pk}:{inbound.channel}:{inbound.address}"],
        )


# The fields an inbound message may change on an existing conversation.
INBOUND_UPDATES = [
    "contact",
    "status",
    "snoozed_until",
    "closed_at",
    "awaiting_since",
    "reply_due_at",
    "breached_at",
    "escalation",
    "last_message_at",
    "last_inbound_at",
]


def _store_inbound(organization, inbound, answers):
    now = inbound.received_at or timezone.now()
    contact = selectors.contact_for_address(
        organization=organization, channel=inbound.channel, address=inbound.address
    )
    conversation = _conversation_for(organization, inbound, contact, answers)
    if conversation is not None and contact is not None and conversation.contact_id == contact.pk:
        conversation.contact = contact  # already read: the timeline entry needs no second query
    if conversation is None:  # inserted below, with its clock: one INSERT
        conversation = Conversation(
            organization=organization,
            channel=inbound.channel,
            area=_area_for(contact, answers, organization),
            contact=contact,
            address=inbound.address,
            display_name=inbound.display_name[:200],
            our_address=inbound.our_address[:254],
            subject=inbound.subject,
            related_kind=answers[0] if answers and answers[0] != CONVERSATION else "",
            related_id=answers[1] if answers and answers[0] != CONVERSATION else None,
            created_at=now,
            last_message_at=now,
        )
    # Written once the conversation and the timeline entry are: one INSERT, no UPDATE after it.
    message = Message(
        organization=organization,
        conversation=conversation,
        direction=Direction.INBOUND,
        channel=inbound.channel,
        subject=inbound.subject,
        body=inbound.body,
        from_address=inbound.address,
        to_address=inbound.our_address[:254],
        status=MessageStatus.RECEIVED,
        provider_message_id=inbound.provider_message_id[:200],
        created_at=now,
    )
    if conversation.contact_id is None and contact is not None:
        conversation.contact = contact
    if conversation.status != ConversationStatus.OPEN:
        conversation.status = ConversationStatus.OPEN
        conversation.snoozed_until = None
        conversation.closed_at = None
    if conversation.awaiting_since is None:
        settings_row = inbox_settings(organization=organization)  # only to start the clock
        conversation.awaiting_since = now
        conversation.reply_due_at = _reply_due(organization, settings_row, inbound.channel, now)
        conversation.breached_at = None
        conversation.escalation = 0
    conversation.last_message_at = max(conversation.last_message_at, now)
    conversation.last_inbound_at = now
    if conversation.pk is None:
        conversation.save()
    else:  # locked above; only what a message changes (a shorter UPDATE to build and send)
        conversation.save(update_fields=INBOUND_UPDATES)
    message.interaction = _interaction_for(organization, conversation, message)
    message.save(force_insert=True)
    for upload in inbound.attachments:
        MessageAttachment.objects.create(
            organization=organization,
            message=message,
            file=upload,
            name=(upload.name or "attachment")[:200],
            content_type=(getattr(upload, "content_type", "") or "")[:100],
            size=upload.size or 0,
        )
    return message


# --- Staff actions -------------------------------------------------------------------------------


def _check_member(organization, user, field_name):
    if (
        user is not None
        and not Membership.objects.filter(organization=organization, user=user).exists()
    ):
        raise ValidationError({field_name: [_("Choose a member of your organization.")]})


def _locked(organization, conversation):
    return Conversation.objects.select_for_update().get(
        organization=organization, pk=conversation.pk
    )


@transaction.atomic
def reply(*, organization, conversation, author, body, template=None, template_variables=None):
    """Answer on the conversation's channel; the message is queued and delivered after commit
    (``delivery.deliver``). Stops the reply clock; the first reply is the first response."""
    from stakeholders.inbox import delivery

    body = (body or "").strip()
    if not body and template is None:
        raise ValidationError({"body": [_("Write a reply.")]})
    if len(body) > MAX_BODY:
        raise ValidationError(
            {"body": [_("A reply can be at most %(count)d characters.") % {"count": MAX_BODY}]}
        )
    conversation = _locked(organization, conversation)
    delivery.check_can_send(
        organization=organization, conversation=conversation, body=body, template=template
    )
    now = timezone.now()
    message = Message.objects.create(
        organization=organization,
        conversation=conversation,
        direction=Direction.OUTBOUND,
        channel=conversation.channel,
        subject=_reply_subject(conversation),
        body=body or (template.body if template else ""),
        from_address=conversation.our_address,
        to_address=conversation.address,
        author=author,
        status=MessageStatus.QUEUED,
        template=template,
        created_at=now,
    )
    _answered(organization, conversation, now)
    conversation.save()
    message.interaction = _interaction_for(organization, conversation, message, staff=author)
    if message.interaction is not None:
        message.save(update_fields=["interaction"])
    delivery.enqueue(
        organization=organization, message=message, template_variables=template_variables
    )
    return message


def _reply_subject(conversation):
    if conversation.channel != MessageChannel.EMAIL:
        return ""
    subject = conversation.subject or ""
    return subject if subject.lower().startswith("re:") else f"Re: {subject}".strip()


def _answered(organization, conversation, now):
    if conversation.awaiting_since is not None:
        if conversation.first_response_at is None:
            conversation.first_response_at = now
            calendar = core_selectors.calendar_for(organization=organization)
            conversation.first_response_minutes = int(
                clock.elapsed(calendar, conversation.awaiting_since, now).total_seconds() // 60
            )
        conversation.awaiting_since = None
        conversation.reply_due_at = None
    conversation.last_message_at = max(conversation.last_message_at, now)


@transaction.atomic
def add_note(*, organization, conversation, author, body):
    """An internal note: only staff see it; it never leaves Steward and stops no clock."""
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": [_("Write a note.")]})
    return Message.objects.create(
        organization=organization,
        conversation=conversation,
        kind=MessageKind.NOTE,
        direction=Direction.OUTBOUND,
        channel=conversation.channel,
        body=body[:MAX_BODY],
        author=author,
        status=MessageStatus.SENT,
    )


@transaction.atomic
def assign(*, organization, conversation, assignee):
    _check_member(organization, assignee, "assignee")
    conversation = _locked(organization, conversation)
    conversation.assignee = assignee
    conversation.save(update_fields=["assignee"])
    return conversation


@transaction.atomic
def snooze(*, organization, conversation, until):
    """Out of the open list until ``until``, or until they write again (whichever is first)."""
    if until is None or until <= timezone.now():
        raise ValidationError({"until": [_("Choose a time in the future.")]})
    conversation = _locked(organization, conversation)
    conversation.status = ConversationStatus.SNOOZED
    conversation.snoozed_until = until
    conversation.save(update_fields=["status", "snoozed_until"])
    return conversation


@transaction.atomic
def close(*, organization, conversation):
    """Done: off the open list and its clock stopped; a new message from them reopens it."""
    conversation = _locked(organization, conversation)
    conversation.status = ConversationStatus.CLOSED
    conversation.closed_at = timezone.now()
    conversation.snoozed_until = None
    conversation.awaiting_since = None
    conversation.reply_due_at = None
    conversation.save()
    return conversation


@transaction.atomic
def reopen(*, organization, conversation):
    conversation = _locked(organization, conversation)
    conversation.status = ConversationStatus.OPEN
    conversation.closed_at = None
    conversation.snoozed_until = None
    conversation.save(update_fields=["status", "closed_at", "snoozed_until"])
    return conversation


def wake_snoozed(*, organization, now=None):
    """Snoozed conversations whose time has come are open again (a beat task, every minute)."""
    return Conversation.objects.filter(
        organization=organization,
        status=ConversationStatus.SNOOZED,
        snoozed_until__lte=now or timezone.now(),
    ).update(status=ConversationStatus.OPEN, snoozed_until=None)


@transaction.atomic
def move(*, organization, conversation, area):
    """Hand the conversation to another team (the experience registry's areas)."""
    from stakeholders.experience.registry import areas

    if area not in {known.key for known in areas}:
        raise ValidationError({"area": [_("Choose a team.")]})
    conversation = _locked(organization, conversation)
    conversation.area = area
    conversation.save(update_fields=["area"])
    # The timeline entries follow: restricted (and without text) in the clients' team.
    interactions = Interaction.objects.filter(
        organization=organization,
        related_kind__in=[INTERACTION_KIND, CLIENT_INTERACTION_KIND],
        related_id=conversation.pk,
    )
    if area == CLIENT_AREA:
        interactions.update(related_kind=CLIENT_INTERACTION_KIND, notes="")
    else:
        interactions.update(related_kind=INTERACTION_KIND)
    return conversation


@transaction.atomic
def link_contact(*, organization, conversation, contact):
    """An unknown sender is this contact: the conversation and its messages join their
    timeline (and the conversation follows them into the clients' team if they are one)."""
    if contact.organization_id != organization.pk or contact.merged_into_id or contact.erased_at:
        raise ValidationError({"contact": [_("Choose a contact of your organization.")]})
    conversation = _locked(organization, conversation)
    conversation.contact = contact
    if conversation.area == GENERAL_AREA:
        conversation.area = _area_for(contact, None)
    conversation.save(update_fields=["contact", "area"])
    for message in Message.objects.filter(
        organization=organization,
        conversation=conversation,
        kind=MessageKind.MESSAGE,
        interaction__isnull=True,
    ).order_by("created_at"):
        message.interaction = _interaction_for(organization, conversation, message, message.author)
        message.save(update_fields=["interaction"])
    return conversation


def create_contact_for(*, organization, conversation, first_name, last_name, actor=None):
    """Make a contact of an unknown sender, with their address, and link the conversation."""
    fields = {"first_name": first_name, "last_name": last_name}
    if conversation.channel == MessageChannel.EMAIL:
        fields["email"] = conversation.address
    else:
        fields["mobile"] = conversation.address
    with transaction.atomic():
        contact = core_services.contact_create(organization=organization, actor=actor, **fields)
        return link_contact(organization=organization, conversation=conversation, contact=contact)


def message_status_update(
    *, organization, channel, provider_message_id, status, error="", cost=None, currency=""
):
    """A provider's delivery report for one of our messages (idempotent, order-tolerant: a
    late "sent" never overwrites "delivered")."""
    order = [
        MessageStatus.QUEUED,
        MessageStatus.SENT,
        MessageStatus.DELIVERED,
        MessageStatus.READ,
    ]
    message = (
        Message.objects.filter(
            organization=organization, channel=channel, provider_message_id=provider_message_id
        )
        .select_for_update()
        .first()
    )
    if message is None:
        return None
    if (
        status in order
        and message.status in order
        and order.index(status) < order.index(message.status)
    ):
        status = message.status
    message.status = status
    if error:
        message.error = error[:300]
    if cost is not None:
        message.cost, message.cost_currency = abs(cost), (currency or "")[:3].upper()
    message.save(update_fields=["status", "error", "cost", "cost_currency"])
    return message


def whatsapp_window_open(conversation, now=None):
    """WhatsApp lets a business write freely only within 24 hours of the person's last message."""
    return conversation.last_inbound_at is not None and (
        (now or timezone.now()) - conversation.last_inbound_at < WHATSAPP_WINDOW
    )
