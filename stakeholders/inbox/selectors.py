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


# --- The inbox list ------------------------------------------------------------------------------

COUNT_CAP = 99  # counts above this show as "99+": never an exact COUNT(*) over a big inbox
STAKEHOLDER_FLAGS = {"donor": "is_donor", "volunteer": "is_volunteer", "client": "is_client"}


def inbox_filtered(
    *,
    organization,
    role,
    user,
    status="open",
    channel="",
    stakeholder="",
    assignee="",
    area="",
    breached=False,
    now=None,
):
    """The conversations a member sees, narrowed by the list's filters. ``assignee`` is "me",
    "none" or a user id; ``stakeholder`` a kind of contact — "client" only for roles that see
    clients' conversations (the area wall already hides the rest; this keeps the filter honest)."""
    rows = conversations_for(organization=organization, role=role)
    if status in ConversationStatus.values:
        rows = rows.filter(status=status)
    if channel in MessageChannel.values:
        rows = rows.filter(channel=channel)
    if stakeholder in STAKEHOLDER_FLAGS:
        if stakeholder == "client" and "client" not in visible_areas(role):
            return rows.none()
        rows = rows.filter(**{f"contact__{STAKEHOLDER_FLAGS[stakeholder]}": True})
    if assignee == "me":
        rows = rows.filter(assignee=user)
    elif assignee == "none":
        rows = rows.filter(assignee__isnull=True)
    elif str(assignee).isdigit():
        rows = rows.filter(assignee_id=int(assignee))
    if area:
        rows = rows.filter(area=area)
    if breached:
        rows = rows.filter(_breached(now))
    return rows


def _breached(now=None):
    from django.utils import timezone

    now = now or timezone.now()
    return Q(reply_due_at__isnull=False) & (Q(reply_due_at__lte=now) | Q(breached_at__isnull=False))


def inbox_page(*, rows, after=None, size=50):
    """One page of ``rows``, newest activity first, paged by key (``after`` is the last row's
    (last_message_at, pk)): the same cost on page 1 and page 1,000, no OFFSET. Returns
    (conversations, next key or None)."""
    rows = rows.select_related("contact", "assignee").order_by("-last_message_at", "-pk")
    if after is not None:
        at, pk = after
        rows = rows.filter(Q(last_message_at__lt=at) | Q(last_message_at=at, pk__lt=pk))
    page = list(rows[: size + 1])
    more = len(page) > size
    page = page[:size]
    if not more or not page:
        return page, None
    return page, (page[-1].last_message_at, page[-1].pk)


def latest_messages(*, organization, conversations):
    """{conversation id: its latest message (not a note)}, in one query for a whole page."""
    ids = [conversation.pk for conversation in conversations]
    if not ids:
        return {}
    rows = (
        Message.objects.filter(organization=organization, conversation_id__in=ids, kind="message")
        .order_by("conversation_id", "-created_at", "-pk")
        .distinct("conversation_id")
        .only("conversation_id", "body", "direction", "created_at")
    )
    return {message.conversation_id: message for message in rows}


def capped_count(rows, cap=COUNT_CAP):
    """How many, counted up to ``cap`` + 1 only (shown as "99+")."""
    return rows.order_by().values("pk")[: cap + 1].count()


def inbox_counts(*, organization, role, user):
    """The views' counts (open conversations: mine, unassigned, all; and breached), capped."""
    open_rows = open_conversations(organization=organization, role=role)
    return {
        "mine": capped_count(open_rows.filter(assignee=user)),
        "unassigned": capped_count(open_rows.filter(assignee__isnull=True)),
        "all": capped_count(open_rows),
        "breached": capped_count(open_rows.filter(_breached())),
    }


def conversations_of_contact(*, organization, role, contact):
    """The person's conversations in the teams the reader sees, newest first."""
    return (
        conversations_for(organization=organization, role=role)
        .filter(contact=contact)
        .select_related("contact", "assignee")
        .order_by("-last_message_at", "-pk")
    )


def attachment_get(*, organization, role, attachment_id):
    """An attachment, only if the reader may read its conversation (the role walls hold)."""
    from stakeholders.inbox.models import MessageAttachment

    return (
        MessageAttachment.objects.filter(
            organization=organization,
            pk=attachment_id,
            message__conversation__area__in=visible_areas(role),
        )
        .select_related("message")
        .first()
    )


def attachments_of(*, organization, conversation):
    """{message id: [attachments]} of a conversation, in one query."""
    from stakeholders.inbox.models import MessageAttachment

    found = {}
    for attachment in MessageAttachment.objects.filter(
        organization=organization, message__conversation=conversation
    ).order_by("pk"):
        found.setdefault(attachment.message_id, []).append(attachment)
    return found


def members(*, organization):
    """The organization's staff, for the assignee pickers."""
    from stakeholders.models import User

    return User.objects.filter(memberships__organization=organization, is_active=True).order_by(
        "name", "email"
    )


def message_costs(*, organization, since):
    """What texts cost, by month (the organization's time zone) and channel, since ``since``:
    [{"month": the month's first moment, "channel", "cost_currency", "cost", "messages",
    "segments"}], oldest month first. The provider reports each message's price after it went
    (Twilio's status callback): messages whose price is not known yet are a row of their own
    (``cost_currency`` "", ``cost`` None)."""
    from zoneinfo import ZoneInfo

    from django.db.models import Count, Sum
    from django.db.models.functions import TruncMonth

    from stakeholders.models import Direction

    return list(
        Message.objects.filter(
            organization=organization,
            direction=Direction.OUTBOUND,
            kind="message",
            channel__in=[MessageChannel.SMS, MessageChannel.WHATSAPP],
            created_at__gte=since,
        )
        .annotate(month=TruncMonth("created_at", tzinfo=ZoneInfo(organization.timezone)))
        .values("month", "channel", "cost_currency")
        .annotate(cost=Sum("cost"), messages=Count("pk"), segments=Sum("segments"))
        .order_by("month", "channel", "cost_currency")
    )
