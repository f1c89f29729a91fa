"""A notice to a person on the channel they chose (``Contact.preferred_channel``): the one
function feature apps call for reminders and updates (``send_notice``).

Which channel, in this order (the first that can carry it wins):

1. **WhatsApp**, for someone who prefers it: free text inside the 24-hour window (they wrote to
   us on WhatsApp less than a day ago); outside it only as an approved template
   (``WhatsAppTemplate`` named by the caller, in the person's language, else the
   organization's) — Meta refuses anything else.
2. **SMS**: for someone who prefers it, and for someone who prefers WhatsApp when WhatsApp
   can't carry this notice (a text to the same phone is closer to what they asked for than an
   email).
3. **Email**, through the caller's own ``email`` callable (each app keeps its email, its
   template and its attachments): for everyone else, and whenever no text can go.

A text can go when the person has a mobile number, the organization has an active Twilio
account and a number on that channel, and the core's sending decision allows it *on that
channel* (``stakeholders.sending.decide``: do-not-contact, consent for the purpose on SMS or
WhatsApp, a STOP they texted us, the frequency cap). When a text can't go, the email goes (they
asked to hear from us; email is the channel everyone has), and the result says why the text
didn't. When nothing can go, the person's timeline says so (``message_not_sent_record``) —
except for a client's notice (the timeline is read by every role).

A text is an outbound ``Message`` in a ``Conversation`` with that phone number — the latest one
of the same team on that channel, else a new one, closed until they answer (a notice wants no
reply, so the open list is not filled with reminders) — queued with ``delivery.enqueue`` (the
Twilio delivery records its SID, status and segments; the status callback the price). It is on
the person's timeline as an interaction (``services._interaction_for``: a client's is restricted
and carries no text). Their answer joins the same conversation in the inbox.
"""

import logging
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from stakeholders import formats, sending
from stakeholders.inbox import delivery, services, twilio
from stakeholders.inbox.models import (
    Conversation,
    ConversationStatus,
    Message,
    MessageChannel,
    MessageStatus,
    WhatsAppTemplate,
)
from stakeholders.languages import language_for, reading_as
from stakeholders.models import ConsentChannel, Direction, Interaction
from stakeholders.services import message_not_sent_record

logger = logging.getLogger(__name__)

SMS_LIMIT = 480  # characters: three segments at most (a notice is short; the link counts too)
CONSENT_CHANNEL = {
    MessageChannel.SMS: ConsentChannel.SMS,
    MessageChannel.WHATSAPP: ConsentChannel.WHATSAPP,
}


class Why:
    """Why a text was not used (besides the sending decision's ``sending.Reason``)."""

    NO_MOBILE = "no mobile"
    NO_ACCOUNT = "no messaging account"
    NO_NUMBER = "no number"
    NO_TEMPLATE = "no template"  # outside WhatsApp's 24-hour window, no approved template
    NO_EMAIL = "no email"  # the notice has no email version


WHY_LABELS = {
    Why.NO_MOBILE: _("no mobile number"),
    Why.NO_ACCOUNT: _("no text messaging account"),
    Why.NO_NUMBER: _("no number to send texts from"),
    Why.NO_TEMPLATE: _("no approved WhatsApp template"),
    Why.NO_EMAIL: _("no email for this notice"),
}


def reason_label(reason):
    """A reason of a NoticeResult (a ``sending.Reason`` or a ``Why``), in words."""
    if reason in sending.Reason.values:
        return sending.Reason(reason).label
    return WHY_LABELS.get(reason, reason)


@dataclass(frozen=True)
class NoticeResult:
    """What became of a notice: ``channel`` it went on ("" when it did not go), the queued
    ``message`` for a text, and ``reasons``: why each channel tried before it was passed over
    (channel → reason), so callers and tests can say why."""

    channel: str = ""
    message: Message | None = None
    reasons: tuple = ()

    @property
    def sent(self):
        return bool(self.channel)

    def __bool__(self):
        return self.sent

    @property
    def reason(self):
        """The last reason (why it did not go at all, or why the preferred channel was not used)."""
        return self.reasons[-1][1] if self.reasons else ""


def _render(text):
    return str(text() if callable(text) else text or "").strip()


def _sender(organization, channel):
    """(our number on ``channel``, Why): the number "" with the reason when texts can't go
    (the Twilio module's account and numbers; the file backend of development needs no
    account, as for replies)."""
    if twilio.account_for(organization) is None and settings.MESSAGING_BACKEND != "file":
        return "", Why.NO_ACCOUNT
    number = twilio.number_for(organization, channel)
    return (number, "") if number else ("", Why.NO_NUMBER)


def texted_stop(*, organization, contact, channel):
    """Whether the person's latest keyword on ``channel`` was STOP (``twilio.opted_out``): a
    service message needs no consent, but nothing goes to someone who texted STOP until START
    (carriers enforce it too)."""
    probe = Conversation(
        organization=organization, contact=contact, channel=channel, address=contact.mobile
    )
    return twilio.opted_out(organization=organization, conversation=probe)


def _conversation(organization, contact, channel, area, our_number, now):
    """The latest conversation of this team with this phone number on this channel (locked),
    and with this person (or no one yet: a household shares a phone, a timeline doesn't), else
    a new one, closed until they answer."""
    conversation = (
        Conversation.objects.select_for_update()
        .filter(organization=organization, channel=channel, address=contact.mobile, area=area)
        .filter(Q(contact=contact) | Q(contact__isnull=True))
        .order_by("-pk")
        .first()
    )
    if conversation is None:
        conversation = Conversation.objects.create(
            organization=organization,
            channel=channel,
            area=area,
            contact=contact,
            address=contact.mobile,
            our_address=our_number,
            status=ConversationStatus.CLOSED,
            closed_at=now,
            created_at=now,
            last_message_at=now,
        )
    return conversation


def _template_for(organization, contact, name):
    """The approved WhatsApp template ``name`` in the person's language, else the
    organization's, else None."""
    if not name:
        return None
    rows = {
        row.language: row
        for row in WhatsAppTemplate.objects.filter(organization=organization, name=name)
    }
    return rows.get(language_for(contact, organization)) or rows.get(organization.language)


def _text_plan(organization, contact, channel, decision_args, whatsapp_template):
    """(number, template, reason) for a text on ``channel``: reason "" when it can go."""
    if not contact.mobile:
        return None, None, Why.NO_MOBILE
    decision = sending.decide(
        organization=organization,
        contact=contact,
        channel=CONSENT_CHANNEL[channel],
        **decision_args,
    )
    if not decision:
        return None, None, decision.reason
    if texted_stop(organization=organization, contact=contact, channel=channel):
        return None, None, sending.Reason.NO_CONSENT
    number, why = _sender(organization, channel)
    if not number:
        return None, None, why
    template = None
    if channel == MessageChannel.WHATSAPP:
        latest = (
            Conversation.objects.filter(
                organization=organization, channel=channel, address=contact.mobile
            )
            .order_by("-last_inbound_at")
            .exclude(last_inbound_at__isnull=True)
            .first()
        )
        if latest is None or not services.whatsapp_window_open(latest):
            template = _template_for(organization, contact, whatsapp_template)
            if template is None:
                return None, None, Why.NO_TEMPLATE
    return number, template, ""


def _queue_text(
    organization, contact, channel, area, number, template, body, variables, bulk, interaction
):
    now = timezone.now()
    conversation = _conversation(organization, contact, channel, area, number, now)
    message = Message.objects.create(
        organization=organization,
        conversation=conversation,
        direction=Direction.OUTBOUND,
        channel=channel,
        body=template.body if template is not None else body,
        from_address=number,
        to_address=contact.mobile,
        status=MessageStatus.QUEUED,
        template=template,
        created_at=now,
    )
    conversation.last_message_at = max(conversation.last_message_at, now)
    if conversation.contact_id is None:
        conversation.contact = contact
    conversation.save(update_fields=["last_message_at", "contact"])
    message.interaction = interaction or services._interaction_for(
        organization, conversation, message
    )
    if interaction is not None:
        message.save(update_fields=["interaction"])
    elif message.interaction is not None:
        message.save(update_fields=["interaction"])
        if bulk:
            # Sent for a consent purpose: it counts towards the frequency cap like an email.
            Interaction.objects.filter(organization=organization, pk=message.interaction.pk).update(
                is_bulk_message=True
            )
    delivery.enqueue(organization=organization, message=message, template_variables=variables)
    return message


def _order(contact):
    """The text channels to try for ``contact``, in order (email comes after them all)."""
    return {
        MessageChannel.WHATSAPP: [MessageChannel.WHATSAPP, MessageChannel.SMS],
        MessageChannel.SMS: [MessageChannel.SMS],
    }.get(contact.preferred_channel or MessageChannel.EMAIL, [])


def channel_for(
    *,
    organization,
    contact,
    purpose=None,
    transactional=None,
    needs_a_yes=False,
    frequency_cap_days=None,
    whatsapp_template="",
):
    """(channel, reasons): the channel a notice would go on now, "" for none (read only: for a
    caller that must know before it writes, e.g. which channel a reply's timeline entry names).
    ``reasons`` as NoticeResult's."""
    decision_args = {
        "purpose": purpose,
        "transactional": transactional,
        "needs_a_yes": needs_a_yes,
        "frequency_cap_days": frequency_cap_days,
    }
    reasons = []
    for channel in _order(contact):
        why = _text_plan(organization, contact, channel, decision_args, whatsapp_template)[2]
        if not why:
            return channel, tuple(reasons)
        reasons.append((channel, why))
    decision = sending.decide(
        organization=organization, contact=contact, channel=ConsentChannel.EMAIL, **decision_args
    )
    if decision:
        return MessageChannel.EMAIL, tuple(reasons)
    return "", (*reasons, (MessageChannel.EMAIL, decision.reason))


def send_notice(
    *,
    organization,
    contact,
    text,
    area,
    email=None,
    purpose=None,
    transactional=None,
    needs_a_yes=False,
    frequency_cap_days=None,
    whatsapp_template="",
    template_variables=None,
    what="",
    record_not_sent=True,
    interaction=None,
):
    """Send one notice to ``contact`` on their channel (see the module's order); returns a
    NoticeResult.

    ``text``: the text message (a string or a callable, rendered in the person's language and
    time zone), short and with nothing confidential in it. ``email``: a callable that sends
    (or queues) the caller's email and returns whether it did, or None when the notice has no
    email. ``purpose``/``transactional``/``needs_a_yes``/``frequency_cap_days``: as for
    ``sending.decide`` (asked here for every channel; the email is only called when it allows
    email). ``area``: the team a text's conversation belongs to ("volunteer", "client"…).
    ``whatsapp_template``: the name of the approved template for outside the 24-hour window,
    with its ``template_variables`` ({"1": …}). ``what``: how the timeline names the notice when
    nothing could go (e.g. "Reminder of the shift …"); ``record_not_sent`` False for a notice
    the caller records itself, or one that must not be on the timeline (a client's).
    ``interaction``: the timeline entry the caller already wrote for this notice (a request's
    reply): a text is linked to it rather than making a second one.
    """
    decision_args = {
        "purpose": purpose,
        "transactional": transactional,
        "needs_a_yes": needs_a_yes,
        "frequency_cap_days": frequency_cap_days,
    }
    reasons = []
    for channel in _order(contact):
        with transaction.atomic():
            number, template, why = _text_plan(
                organization, contact, channel, decision_args, whatsapp_template
            )
            if why:
                reasons.append((channel, why))
                continue
            with (
                reading_as(organization=organization, contact=contact),
                formats.organization_conventions(organization),
            ):
                body = _render(text)[:SMS_LIMIT]
            message = _queue_text(
                organization,
                contact,
                channel,
                area,
                number,
                template,
                body,
                template_variables,
                bulk=purpose is not None,
                interaction=interaction,
            )
        logger.info("notice queued", extra={"message_id": message.pk, "channel": str(channel)})
        return NoticeResult(channel=channel, message=message, reasons=tuple(reasons))
    decision = sending.decide(
        organization=organization, contact=contact, channel=ConsentChannel.EMAIL, **decision_args
    )
    if email is None:
        reasons.append((MessageChannel.EMAIL, Why.NO_EMAIL))
    elif not decision:
        reasons.append((MessageChannel.EMAIL, decision.reason))
    elif email():
        return NoticeResult(channel=MessageChannel.EMAIL, reasons=tuple(reasons))
    else:
        return NoticeResult(reasons=tuple(reasons))
    if record_not_sent and what:
        # The most telling reason: the decision's, else the preferred channel's.
        reason = decision.reason or (reasons[0][1] if reasons else "")
        message_not_sent_record(
            organization=organization,
            contact=contact,
            message=what,
            decision=_Label(reason),
        )
    return NoticeResult(reasons=tuple(reasons))


@dataclass(frozen=True)
class _Label:
    """A reason in the shape ``message_not_sent_record`` reads (a Decision's)."""

    reason: str

    @property
    def reason_label(self):
        return reason_label(self.reason)
