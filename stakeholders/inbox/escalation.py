"""Conversations left too long: the assignee hears before the first-response target runs out
(or whoever the organization escalates to, else its admins, when nobody is assigned); once it has
run out the conversation is breached and they hear again.

Like ``clients.services.escalate``: each level is claimed with a conditional UPDATE before
anyone is emailed, so a rerun or a second worker sends nothing twice. Emails name no message
text (it may be a client's) and reach only staff whose role may read the conversation's team.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from stakeholders.experience.registry import areas
from stakeholders.inbox.models import Conversation, ConversationStatus, MessageChannel
from stakeholders.inbox.services import inbox_settings
from stakeholders.languages import reading_as
from stakeholders.models import Membership, Role

logger = logging.getLogger(__name__)
WARNED, BREACHED = 1, 2
BATCH = 500


def _readers(organization, conversation, users):
    """Only the users whose role may read the conversation's team (a client's conversation is
    never announced to a fundraiser set as the escalation contact)."""
    roles = areas.get(conversation.area).roles
    allowed = set(
        Membership.objects.filter(
            organization=organization, user__in=[u.pk for u in users], role__in=roles
        ).values_list("user_id", flat=True)
    )
    return [user for user in users if user.pk in allowed and user.email and user.is_active]


def _admins(organization):
    return [
        membership.user
        for membership in Membership.objects.filter(
            organization=organization, role=Role.ADMIN
        ).select_related("user")
    ]


def recipients(*, organization, conversation, level, settings_row):
    """Level 1 (due soon): the assignee, else the escalation contact, else the admins. Level 2
    (breached): the escalation contact (else the admins) and the assignee."""
    people = []
    if conversation.assignee is not None:
        people.append(conversation.assignee)
    if level == BREACHED or not people:
        lead = settings_row.escalate_to
        people.extend([lead] if lead is not None else _admins(organization))
    unique = list({user.pk: user for user in people}.values())
    found = _readers(organization, conversation, unique)
    if not found and level == BREACHED:
        found = _readers(organization, conversation, _admins(organization))
    return found


def escalate(*, organization, now=None):
    """Warn, then escalate, the open conversations whose reply clock is about to run out or
    has. Returns how many emails (one per conversation and level) went out."""
    now = now or timezone.now()
    settings_row = inbox_settings(organization=organization)
    warn = timedelta(minutes=settings_row.warn_before_minutes)
    waiting = Conversation.objects.filter(
        organization=organization,
        status=ConversationStatus.OPEN,
        reply_due_at__isnull=False,
    )
    sent = 0
    for level, cutoff in ((BREACHED, now), (WARNED, now + warn)):
        due = waiting.filter(reply_due_at__lte=cutoff, escalation__lt=level)
        for conversation_id in list(due.values_list("pk", flat=True)[:BATCH]):
            with transaction.atomic():
                update = {"escalation": level}
                if level == BREACHED:
                    update["breached_at"] = now
                claimed = Conversation.objects.filter(
                    organization=organization,
                    pk=conversation_id,
                    escalation__lt=level,
                    reply_due_at__isnull=False,
                ).update(**update)
                if not claimed:
                    continue
                conversation = Conversation.objects.select_related("assignee").get(
                    organization=organization, pk=conversation_id
                )
                people = recipients(
                    organization=organization,
                    conversation=conversation,
                    level=level,
                    settings_row=settings_row,
                )
            if people:
                sent += _send(organization, conversation, level, people)
    return sent


def _send(organization, conversation, level, people):
    """One email per staff member, each in their own interface language."""
    path = reverse(
        "inbox:conversation",
        kwargs={"org_slug": organization.slug, "conversation_id": conversation.pk},
    )
    emails = []
    for user in people:
        with reading_as(organization=organization, user=user):
            channel = MessageChannel(conversation.channel).label
            subject = (
                _("Overdue: a %(channel)s conversation is past its first-response target")
                if level == BREACHED
                else _("Due soon: a %(channel)s conversation waits for a first response")
            ) % {"channel": channel}
            body = render_to_string(
                "inbox/email_escalation.txt",
                {
                    "organization": organization,
                    "conversation": conversation,
                    "channel": channel,
                    "team": _team_label(conversation.area),
                    "level": level,
                    "link": f"{settings.SITE_URL.rstrip('/')}{path}",
                },
            )
        emails.append(
            EmailMultiAlternatives(
                subject=subject, body=body, from_email=settings.DEFAULT_FROM_EMAIL, to=[user.email]
            )
        )
    try:
        get_connection().send_messages(emails)
    except OSError:
        logger.exception("inbox: escalation email for conversation %s failed", conversation.pk)
        return 0
    return 1


def _team_label(area):
    from stakeholders.experience.recovery import area_label

    return str(area_label(area))
