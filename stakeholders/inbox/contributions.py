"""What the shared inbox plugs into the core's registries: the kinds an interaction may point
at (a client's conversation walled like a client request), and the person's conversations moved
on merge, wiped on erasure and exported for a data subject request."""

from django.utils.translation import gettext as _

from stakeholders.inbox.models import Conversation, Message, MessageAttachment, MessageKind
from stakeholders.inbox.services import CLIENT_INTERACTION_KIND, INTERACTION_KIND
from stakeholders.models import Role
from stakeholders.registries import contact_hooks, related_objects, restricted_interactions

COVERS = ["stakeholders.Conversation.contact", "stakeholders.MessageAttachment.file"]


def _conversations(organization, contact):
    return Conversation.objects.filter(organization=organization, contact=contact)


def merge_conversations(*, organization, keep, remove):
    _conversations(organization, remove).update(contact=keep)


def erase_conversations(*, organization, contact):
    """Their words and files go; that a conversation happened (channel, times) stays for the
    response-time reports, with no address that could name them."""
    conversations = _conversations(organization, contact)
    messages = Message.objects.filter(organization=organization, conversation__in=conversations)
    for attachment in MessageAttachment.objects.filter(
        organization=organization, message__in=messages
    ):
        attachment.file.delete(save=False)
        attachment.delete()
    messages.update(body="", subject="", from_address="", to_address="")
    conversations.update(contact=None, address=_("erased"), display_name="", subject="")


def export_conversations(*, organization, contact):
    conversations = _conversations(organization, contact).order_by("created_at")
    return {
        "conversations": [
            {
                "channel": conversation.channel,
                "subject": conversation.subject,
                "address": conversation.address,
                "created_at": conversation.created_at,
                "messages": [
                    {
                        "direction": message.direction,
                        "at": message.created_at,
                        "subject": message.subject,
                        "text": message.body,
                        "status": message.status,
                    }
                    for message in Message.objects.filter(
                        organization=organization,
                        conversation=conversation,
                        kind=MessageKind.MESSAGE,
                    ).order_by("created_at", "pk")
                ],
            }
            for conversation in conversations
        ]
    }


def attachment_files(*, organization, contact):
    return [
        (attachment.name, attachment.file)
        for attachment in MessageAttachment.objects.filter(
            organization=organization,
            message__conversation__in=_conversations(organization, contact),
        )
    ]


def register():
    from stakeholders.inbox import email_in, received
    from stakeholders.registries import platform_metrics

    def rows(organization):
        return Conversation.objects.filter(organization=organization)

    email_in.connect()  # Anymail's inbound webhooks file emails in the inbox

    _register_pages()
    related_objects.register(INTERACTION_KIND, rows=rows)
    related_objects.register(CLIENT_INTERACTION_KIND, rows=rows)
    restricted_interactions.register(CLIENT_INTERACTION_KIND, roles=(Role.ADMIN, Role.CASEWORKER))
    contact_hooks.register(
        "inbox",
        merge=merge_conversations,
        erase=erase_conversations,
        export=export_conversations,
        files=attachment_files,
        covers=COVERS,
        no_personal_data={
            "stakeholders.Message": "reached through its conversation (covered above)",
            "stakeholders.ReceivedText": "a text waiting seconds to be filed into its "
            "conversation (then covered above); one set aside is deleted after a week",
        },
    )
    platform_metrics.register(
        "steward_inbox_texts_waiting",
        "Texts received and not filed into the inbox yet (set_aside: failed too often)",
        received.platform_backlog,
        labels=["state"],
    )


def _register_pages():
    """The inbox card on the dashboard and the person's conversations on their page (each
    shows only the teams the reader's role sees)."""
    from stakeholders.inbox.views import conversations as views
    from stakeholders.registries import contact_panels, dashboard_cards

    dashboard_cards.register(
        "inbox",
        template="inbox/_dashboard_card.html",
        context=views.dashboard_card,
        roles=views.INBOX_ROLES,
    )
    contact_panels.register(
        "inbox_conversations",
        template="inbox/_contact_panel.html",
        context=views.contact_panel,
        roles=views.INBOX_ROLES,
    )
