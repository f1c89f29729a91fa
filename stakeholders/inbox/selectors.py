"""The shared inbox's reads: who wrote, which conversations a member may see, the open list."""

from django.db.models import Q

from stakeholders.experience.registry import areas
from stakeholders.inbox.models import Conversation, ConversationStatus, Message, MessageChannel
from stakeholders.models import Contact


def message_by_provider_id(*, organization, channel, provider_message_id):
    return Message.objects.filter(
        organization=organization, channel=channel, provider_message_id=provider_message_id
    ).first()


def contact_for_address(*, organization, channel, address):
    """The contact an email address or phone number (E.164) belongs to, or None. When several
    share it (a household's landline), the one we heard from last."""
    if not address:
        return None
    if channel == MessageChannel.EMAIL:
        match = Q(email__iexact=address) | Q(email_alt__iexact=address)
    else:
        match = Q(mobile=address) | Q(phone=address)
    return (
        Contact.objects.filter(organization=organization, merged_into__isnull=True)
        .filter(erased_at__isnull=True)
        .filter(match)
        .order_by("-last_interaction_at", "-pk")
        .first()
    )


def visible_areas(role):
    """The teams whose conversations ``role`` may read (none for no role: fail closed)."""
    return areas.visible_to(role)


def conversations_for(*, organization, role):
    """Every conversation a member with ``role`` may read: the role walls of the areas hold
    (a client's conversation is for caseworkers and admins)."""
    return Conversation.objects.filter(organization=organization, area__in=visible_areas(role))


def conversation_get(*, organization, role, conversation_id):
    return (
        conversations_for(organization=organization, role=role)
        .select_related("contact", "assignee")
        .filter(pk=conversation_id)
        .first()
    )


def open_conversations(*, organization, role):
    return conversations_for(organization=organization, role=role).filter(
        status=ConversationStatus.OPEN
    )


def messages_of(*, organization, conversation):
    return (
        Message.objects.filter(organization=organization, conversation=conversation)
        .select_related("author", "template")
        .order_by("created_at", "pk")
    )
