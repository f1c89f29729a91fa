"""Sending a conversation's outbound messages on their channel, after the transaction that
queued them commits (a Celery task: the database, not the queue, says what is still to go).

Email goes through Django's email (the organization as the sender, a signed Message-ID naming the
conversation so the answer threads back); SMS and WhatsApp go through the organization's Twilio
account (``stakeholders.inbox.twilio``). A message is claimed (``queued`` → ``sending``) before
it leaves, so a task run twice never sends twice.
"""

import logging

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from stakeholders import sending
from stakeholders.branding import email_message
from stakeholders.inbox import threads
from stakeholders.inbox.models import Message, MessageChannel, MessageStatus
from stakeholders.models import EmailSuppression

logger = logging.getLogger(__name__)


def check_can_send(*, organization, conversation, body, template=None):
    """Raise a ValidationError (on ``body``) saying why a reply can't go, before it is queued."""
    if conversation.channel == MessageChannel.EMAIL:
        if template is not None:
            raise ValidationError({"template": [_("Templates are for WhatsApp.")]})
        reason = _email_refusal(organization, conversation)
    else:
        from stakeholders.inbox import twilio

        reason = twilio.refusal(
            organization=organization, conversation=conversation, body=body, template=template
        )
    if reason:
        raise ValidationError({"body": [reason]})


def _email_refusal(organization, conversation):
    """A reply is something they asked for by writing: only what stops even that stops it."""
    if conversation.contact is not None:
        decision = sending.decide(
            organization=organization,
            contact=conversation.contact,
            transactional=sending.Transactional.ASKED,
            address=conversation.address,
        )
        return "" if decision else _("Not sent: %(reason)s.") % {"reason": decision.reason_label}
    if EmailSuppression.objects.filter(
        organization=organization,
        email=conversation.address,
        reason=EmailSuppression.Reason.HARD_BOUNCE,
    ).exists():
        return _("Not sent: %(reason)s.") % {"reason": sending.Reason.EMAIL_BOUNCED.label}
    return ""


def enqueue(*, organization, message, template_variables=None):
    from stakeholders.inbox import tasks

    transaction.on_commit(
        lambda: tasks.deliver_message.delay(
            organization_id=organization.pk,
            message_id=message.pk,
            template_variables=template_variables or {},
        )
    )


def deliver(*, organization, message_id, template_variables=None):
    """Send one queued message (idempotent: only a ``queued`` message is claimed, committed as
    ``sending``, and sent; one a killed worker left ``sending`` is never sent twice)."""
    claimed = Message.objects.filter(
        organization=organization, pk=message_id, status=MessageStatus.QUEUED
    ).update(status=MessageStatus.SENDING, sent_at=timezone.now())
    if not claimed:
        return False
    message = Message.objects.select_related("conversation", "template").get(
        organization=organization, pk=message_id
    )
    try:
        if message.channel == MessageChannel.EMAIL:
            _send_email(organization, message)
            Message.objects.filter(organization=organization, pk=message.pk).update(
                status=MessageStatus.SENT
            )
        else:
            from stakeholders.inbox import twilio

            # Records Twilio's message SID, status, segments (and price when reported).
            twilio.deliver(
                organization=organization, message=message, variables=template_variables or {}
            )
    except Exception as error:  # any failure is recorded on the message
        logger.warning(
            "message not delivered",
            extra={"message_id": message.pk, "error": type(error).__name__},
        )
        Message.objects.filter(organization=organization, pk=message.pk).update(
            status=MessageStatus.FAILED, error=str(error)[:300]
        )
        return False
    return True


def _send_email(organization, message):
    conversation = message.conversation
    email = email_message(
        organization=organization,
        subject=message.subject or conversation.subject or organization.name,
        body=message.body,
        to=[conversation.address],
        headers=_in_reply_to(organization, conversation),
        thread=(threads.CONVERSATION, conversation.pk),
    )
    email.send()


def _in_reply_to(organization, conversation):
    """Their mail client shows our answer in their thread: it answers their last email."""
    last = (
        Message.objects.filter(
            organization=organization,
            conversation=conversation,
            direction="inbound",
            provider_message_id__startswith="<",
        )
        .order_by("-created_at", "-pk")
        .values_list("provider_message_id", flat=True)
        .first()
    )
    return {"In-Reply-To": last, "References": last} if last else None
