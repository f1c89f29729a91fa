"""The shared inbox's API: conversations (list, filter, read; note, assign, snooze, close,
reopen, move to a team, link to a contact) and their messages (list, read; POST a reply on the
conversation's channel).

The role walls of the pages hold here: a member sees the conversations of the teams (the
experience registry's areas) their role sees — a client's conversation, its messages and their
text are for caseworkers and admins — and anything else is a 404, like another organization's.
A viewer sees no team, so every route is a 404 for them and nothing can be written.

Lists page by key and read plain columns (the contact's and the assignee's names come in the
same query; a page of messages adds one query for its attachments), so a page of 200 costs the
same number of queries as a page of 2. Every write goes through ``stakeholders.inbox.services``:
its ``ValidationError`` comes back as a 400 naming the field (``{"body": ["Not sent: …"]}``).
"""

from datetime import UTC

import django_filters
from django.db.models import F, Q
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import exceptions, mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from stakeholders.api import MemberField, OrganizationRelatedField
from stakeholders.experience.registry import areas
from stakeholders.inbox import selectors, services
from stakeholders.inbox.models import (
    Conversation,
    ConversationStatus,
    Message,
    MessageAttachment,
    MessageChannel,
    WhatsAppTemplate,
)
from stakeholders.models import Contact, Role
from stakeholders.tenancy.api import OrganizationViewSet
from stakeholders.tenancy.filters import MemberFilter, OrganizationFilterSet, UtcDateTimeFilter


def inbox_roles():
    """The roles that see at least one team's conversations (everyone but the viewer)."""
    return tuple(role for role in Role.values if selectors.visible_areas(role))


def _area_choices():
    return [(area.key, str(area.label)) for area in areas]


# --- Serializers -----------------------------------------------------------------------------


class ConversationSerializer(serializers.ModelSerializer):
    """One conversation, read from its own columns and its contact's and assignee's names
    (selected in the same query)."""

    contact_name = serializers.CharField(source="contact.name", read_only=True, allow_null=True)
    assignee_name = serializers.CharField(source="assignee.name", read_only=True, allow_null=True)
    breached = serializers.SerializerMethodField()
    whatsapp_window_open = serializers.SerializerMethodField()

    class Meta:
        model = Conversation
        fields = [
            "id",
            "channel",
            "area",
            "status",
            "contact",
            "contact_name",
            "address",
            "display_name",
            "our_address",
            "subject",
            "assignee",
            "assignee_name",
            "snoozed_until",
            "related_kind",
            "related_id",
            "awaiting_since",
            "reply_due_at",
            "breached",
            "breached_at",
            "first_response_at",
            "first_response_minutes",
            "last_message_at",
            "last_inbound_at",
            "whatsapp_window_open",
            "closed_at",
            "created_at",
        ]
        read_only_fields = fields
        extra_kwargs = {"area": {"help_text": _("The team: donor, volunteer, client, general.")}}

    def get_breached(self, conversation) -> bool:
        """Waiting on us past the first-response target (before the escalation task ran, too)."""
        due = conversation.reply_due_at
        return due is not None and due <= self.context["now"]

    def get_whatsapp_window_open(self, conversation) -> bool | None:
        """WhatsApp only: may a free-text reply go now (else a template)?"""
        if conversation.channel != MessageChannel.WHATSAPP:
            return None
        return services.whatsapp_window_open(conversation, now=self.context["now"])


class AttachmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = MessageAttachment
        fields = ["id", "name", "content_type", "size"]
        read_only_fields = fields


class MessageSerializer(serializers.ModelSerializer):
    """One message or internal note. The attachments of a page come from one query (the
    viewset puts them in the context)."""

    author_name = serializers.CharField(source="author.name", read_only=True, allow_null=True)
    attachments = serializers.SerializerMethodField()

    class Meta:
        model = Message
        fields = [
            "id",
            "conversation",
            "kind",
            "direction",
            "channel",
            "subject",
            "body",
            "from_address",
            "to_address",
            "author",
            "author_name",
            "status",
            "error",
            "provider_message_id",
            "template",
            "segments",
            "cost",
            "cost_currency",
            "interaction",
            "attachments",
            "created_at",
            "sent_at",
        ]
        read_only_fields = fields

    @extend_schema_field(AttachmentSerializer(many=True))
    def get_attachments(self, message):
        rows = self.context.get("attachments", {}).get(message.pk, [])
        return AttachmentSerializer(rows, many=True).data


class UtcDateTimeField(serializers.DateTimeField):
    """An ISO 8601 time, in UTC: a time Python can read but PostgreSQL can't store is a 400."""

    def to_internal_value(self, value):
        parsed = super().to_internal_value(value)
        try:
            return parsed.astimezone(UTC)
        except OverflowError:
            self.fail("invalid", format="YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z]")


class ReplySerializer(serializers.Serializer):
    body = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=services.MAX_BODY,
        help_text=_("The text. Leave it out when a WhatsApp template says it all."),
    )
    template = OrganizationRelatedField(
        WhatsAppTemplate,
        required=False,
        allow_null=True,
        help_text=_(
            "A WhatsApp template's id: the only way to write 24 hours after their last message."
        ),
    )
    template_variables = serializers.DictField(
        child=serializers.CharField(max_length=1000, allow_blank=True),
        required=False,
        help_text=_('The template\'s placeholders by number: {"1": "Ana"}.'),
    )

    def validate_template_variables(self, value):
        if len(value) > 20:
            raise serializers.ValidationError(_("At most 20 variables."))
        return value


class ConversationNoteSerializer(serializers.Serializer):
    body = serializers.CharField(max_length=services.MAX_BODY)


class AssignSerializer(serializers.Serializer):
    assignee = MemberField(allow_null=True, help_text=_("A member's user id; null unassigns."))


class SnoozeSerializer(serializers.Serializer):
    until = UtcDateTimeField(help_text=_("Back in the open list then, or when they write again."))


class MoveSerializer(serializers.Serializer):
    area = serializers.ChoiceField(choices=[], help_text=_("The team to hand it to."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].choices = _area_choices()  # feature apps register theirs at start


class LinkContactSerializer(serializers.Serializer):
    contact = OrganizationRelatedField(Contact, help_text=_("The contact this sender is."))


# --- Filters ---------------------------------------------------------------------------------


def _organization_contacts(request):
    organization = getattr(request, "organization", None)
    if organization is None:
        return Contact.objects.none()
    return Contact.objects.filter(organization=organization)


class ConversationFilter(OrganizationFilterSet):
    status = django_filters.ChoiceFilter(choices=ConversationStatus.choices)
    channel = django_filters.ChoiceFilter(choices=MessageChannel.choices)
    area = django_filters.CharFilter(label="Team (donor, volunteer, client, general)")
    assignee = MemberFilter(label="Assigned to this member (user id)")
    unassigned = django_filters.BooleanFilter(
        field_name="assignee", lookup_expr="isnull", label="Nobody's (true) or someone's (false)"
    )
    contact = django_filters.ModelChoiceFilter(queryset=_organization_contacts)
    breached = django_filters.BooleanFilter(
        method="filter_breached", label="Waiting on us past the first-response target"
    )
    updated_since = UtcDateTimeFilter(
        method="filter_updated_since",
        label="Last message, or closed, at or after this time (ISO 8601)",
    )

    class Meta:
        model = Conversation
        fields = []  # all declared above: generating them would query outside a scope

    def filter_breached(self, queryset, name, value):
        late = Q(reply_due_at__lte=timezone.now())
        return queryset.filter(late) if value else queryset.exclude(late)

    def filter_updated_since(self, queryset, name, value):
        changed = Greatest(
            F("last_message_at"), Coalesce(F("closed_at"), F("last_message_at")), F("created_at")
        )
        return queryset.alias(changed=changed).filter(changed__gte=value)


# --- Viewsets --------------------------------------------------------------------------------

CONVERSATION_EXAMPLE = {
    "id": 42,
    "channel": "sms",
    "area": "volunteer",
    "status": "open",
    "contact": 1207,
    "contact_name": "Ana Ruiz",
    "address": "+447700900123",
    "display_name": "",
    "our_address": "+447700900001",
    "subject": "",
    "assignee": 3,
    "assignee_name": "Sam Patel",
    "snoozed_until": None,
    "related_kind": "",
    "related_id": None,
    "awaiting_since": "2026-05-04T09:12:00Z",
    "reply_due_at": "2026-05-04T11:12:00Z",
    "breached": False,
    "breached_at": None,
    "first_response_at": None,
    "first_response_minutes": None,
    "last_message_at": "2026-05-04T09:12:00Z",
    "last_inbound_at": "2026-05-04T09:12:00Z",
    "whatsapp_window_open": None,
    "closed_at": None,
    "created_at": "2026-05-04T09:12:00Z",
}

MESSAGE_EXAMPLE = {
    "id": 981,
    "conversation": 42,
    "kind": "message",
    "direction": "outbound",
    "channel": "sms",
    "subject": "",
    "body": "Hi Ana, yes: Saturday's shift starts at 9. See you there!",
    "from_address": "+447700900001",
    "to_address": "+447700900123",
    "author": 3,
    "author_name": "Sam Patel",
    "status": "queued",
    "error": "",
    "provider_message_id": "",
    "template": None,
    "segments": None,
    "cost": None,
    "cost_currency": "",
    "interaction": 5521,
    "attachments": [],
    "created_at": "2026-05-04T09:40:00Z",
    "sent_at": None,
}


class InboxViewSet(OrganizationViewSet):
    """Members whose role sees a team's conversations; anyone else is told the route is not
    found (as on the pages), which also keeps the viewer from writing anything."""

    @property
    def read_roles(self):
        return inbox_roles()

    write_roles = read_roles

    def permission_denied(self, request, message=None, code=None):
        if request.user and request.user.is_authenticated:
            raise exceptions.NotFound()
        super().permission_denied(request, message=message, code=code)

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "now": timezone.now()}

    def _role(self):
        membership = getattr(self.request, "membership", None)
        return membership.role if membership is not None else None


@extend_schema_view(
    list=extend_schema(
        summary="List conversations",
        description="The conversations of the teams your role sees, latest activity first. "
        "Client conversations are listed for caseworkers and admins only.",
        examples=[OpenApiExample("An SMS waiting on us", value=CONVERSATION_EXAMPLE)],
    ),
    retrieve=extend_schema(
        summary="Get one conversation",
        examples=[OpenApiExample("An SMS waiting on us", value=CONVERSATION_EXAMPLE)],
    ),
)
class ConversationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, InboxViewSet):
    """Conversations of the shared inbox: email, SMS and WhatsApp threads with one person each.
    Filter by status, channel, team (``area``), assignee, contact, ``breached`` and
    ``updated_since``; act on one with the actions below."""

    model = Conversation
    serializer_class = ConversationSerializer
    filterset_class = ConversationFilter
    keyset_ordering = ("-last_message_at", "-id")

    def scope_queryset(self, queryset):
        visible = selectors.visible_areas(self._role())
        return queryset.filter(area__in=visible).select_related("contact", "assignee")

    def _answer(self, conversation, code=status.HTTP_200_OK):
        conversation = self.get_queryset().filter(pk=conversation.pk).first()
        if conversation is None:  # moved to a team this member does not see
            return Response(status=status.HTTP_204_NO_CONTENT)
        return Response(self.get_serializer(conversation).data, status=code)

    def _validated(self, serializer_class):
        data = serializer_class(data=self.request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        return data.validated_data

    @extend_schema(
        summary="Add an internal note",
        description="A note only staff see: it never leaves Steward and stops no clock.",
        request=ConversationNoteSerializer,
        responses={201: MessageSerializer},
        examples=[
            OpenApiExample(
                "A note", value={"body": "Called her back, no answer."}, request_only=True
            )
        ],
    )
    @action(detail=True, methods=["post"])
    def note(self, request, *args, **kwargs):
        conversation = self.get_object()
        data = self._validated(ConversationNoteSerializer)
        message = services.add_note(
            organization=request.organization,
            conversation=conversation,
            author=request.user,
            body=data["body"],
        )
        message = Message.objects.select_related("author").get(
            organization=request.organization, pk=message.pk
        )
        return Response(
            MessageSerializer(message, context=self.get_serializer_context()).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(
        summary="Assign a conversation",
        request=AssignSerializer,
        responses={200: ConversationSerializer},
        examples=[OpenApiExample("To a member", value={"assignee": 3}, request_only=True)],
    )
    @action(detail=True, methods=["post"])
    def assign(self, request, *args, **kwargs):
        conversation = self.get_object()
        data = self._validated(AssignSerializer)
        services.assign(
            organization=request.organization,
            conversation=conversation,
            assignee=data["assignee"],
        )
        return self._answer(conversation)

    @extend_schema(
        summary="Snooze a conversation",
        description="Out of the open list until then, or until they write again.",
        request=SnoozeSerializer,
        responses={200: ConversationSerializer},
        examples=[
            OpenApiExample(
                "Until Monday morning", value={"until": "2026-05-11T08:00:00Z"}, request_only=True
            )
        ],
    )
    @action(detail=True, methods=["post"])
    def snooze(self, request, *args, **kwargs):
        conversation = self.get_object()
        data = self._validated(SnoozeSerializer)
        services.snooze(
            organization=request.organization, conversation=conversation, until=data["until"]
        )
        return self._answer(conversation)

    @extend_schema(
        summary="Close a conversation",
        description="Done: off the open list, its clock stopped; a new message from them "
        "reopens it.",
        request=None,
        responses={200: ConversationSerializer},
    )
    @action(detail=True, methods=["post"])
    def close(self, request, *args, **kwargs):
        conversation = self.get_object()
        services.close(organization=request.organization, conversation=conversation)
        return self._answer(conversation)

    @extend_schema(
        summary="Reopen a conversation", request=None, responses={200: ConversationSerializer}
    )
    @action(detail=True, methods=["post"])
    def reopen(self, request, *args, **kwargs):
        conversation = self.get_object()
        services.reopen(organization=request.organization, conversation=conversation)
        return self._answer(conversation)

    @extend_schema(
        summary="Move a conversation to another team",
        description="Its timeline entries follow: in the clients' team they are restricted to "
        "caseworkers and admins and carry no text. Moved to a team you don't see, the answer is "
        "204 with no body.",
        request=MoveSerializer,
        responses={200: ConversationSerializer, 204: None},
        examples=[
            OpenApiExample("To the clients' team", value={"area": "client"}, request_only=True)
        ],
    )
    @action(detail=True, methods=["post"])
    def move(self, request, *args, **kwargs):
        conversation = self.get_object()
        data = self._validated(MoveSerializer)
        services.move(
            organization=request.organization, conversation=conversation, area=data["area"]
        )
        return self._answer(conversation)

    @extend_schema(
        summary="Link a conversation to a contact",
        description="An unknown sender is this contact: the conversation and its messages join "
        "their timeline (and a client's conversation moves to the clients' team; then the "
        "answer is 204 for a role that doesn't see clients).",
        request=LinkContactSerializer,
        responses={200: ConversationSerializer, 204: None},
        examples=[OpenApiExample("A contact", value={"contact": 1207}, request_only=True)],
    )
    @action(detail=True, methods=["post"])
    def link_contact(self, request, *args, **kwargs):
        conversation = self.get_object()
        data = self._validated(LinkContactSerializer)
        services.link_contact(
            organization=request.organization, conversation=conversation, contact=data["contact"]
        )
        return self._answer(conversation)


CONVERSATION_ID = OpenApiParameter(
    "conversation_id", OpenApiTypes.INT, OpenApiParameter.PATH, description="The conversation."
)


@extend_schema_view(
    list=extend_schema(
        summary="List a conversation's messages",
        description="Messages and internal notes (``kind``), oldest first.",
        parameters=[CONVERSATION_ID],
        examples=[OpenApiExample("A reply on its way", value=MESSAGE_EXAMPLE)],
    ),
    retrieve=extend_schema(
        summary="Get one message",
        description="Poll it for the delivery status (queued, sending, sent, delivered, read, "
        "failed, not sent), the segments and the cost.",
        parameters=[CONVERSATION_ID],
        examples=[OpenApiExample("A reply on its way", value=MESSAGE_EXAMPLE)],
    ),
    create=extend_schema(
        summary="Reply to a conversation",
        description="Sends a reply on the conversation's channel (email, SMS or WhatsApp): it is "
        "queued and delivered in the background; poll the message for its status. Refused with "
        "a 400 naming the field when it can't go: no consent or do-not-contact, a bounced "
        "address, no messaging account or number, WhatsApp's 24-hour window closed without a "
        "template, a text too long.",
        parameters=[CONVERSATION_ID],
        request=ReplySerializer,
        responses={201: MessageSerializer},
        examples=[
            OpenApiExample(
                "A text",
                value={"body": "Hi Ana, yes: Saturday's shift starts at 9. See you there!"},
                request_only=True,
            ),
            OpenApiExample(
                "A WhatsApp template",
                value={"template": 7, "template_variables": {"1": "Ana"}},
                request_only=True,
            ),
            OpenApiExample("Queued", value=MESSAGE_EXAMPLE, response_only=True, status_codes=[201]),
            OpenApiExample(
                "Refused",
                value={"body": ["Not sent: they asked not to be contacted."]},
                response_only=True,
                status_codes=[400],
            ),
        ],
    ),
)
class MessageViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, InboxViewSet
):
    """The messages of one conversation; POST answers it on its channel."""

    model = Message
    serializer_class = MessageSerializer
    keyset_ordering = ("created_at", "id")
    filterset_fields = ["kind", "direction"]

    def _conversation(self):
        """The conversation in the URL, if this member's role sees its team (else 404)."""
        if not hasattr(self, "_conversation_row"):
            conversation_id = self.kwargs.get("conversation_id")
            conversation = None
            if str(conversation_id or "").isdigit() and int(conversation_id) < 2**63:
                conversation = selectors.conversation_get(
                    organization=self.request.organization,
                    role=self._role(),
                    conversation_id=int(conversation_id),
                )
            if conversation is None:
                raise exceptions.NotFound()
            self._conversation_row = conversation
        return self._conversation_row

    def scope_queryset(self, queryset):
        return queryset.filter(conversation=self._conversation()).select_related("author")

    def get_serializer_class(self):
        return ReplySerializer if self.action == "create" else MessageSerializer

    def list(self, request, *args, **kwargs):
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        context = {**self.get_serializer_context(), "attachments": self._attachments(page)}
        return self.get_paginated_response(MessageSerializer(page, many=True, context=context).data)

    def retrieve(self, request, *args, **kwargs):
        message = self.get_object()
        context = {**self.get_serializer_context(), "attachments": self._attachments([message])}
        return Response(MessageSerializer(message, context=context).data)

    def create(self, request, *args, **kwargs):
        conversation = self._conversation()
        data = self.get_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        message = services.reply(
            organization=request.organization,
            conversation=conversation,
            author=request.user,
            body=data.validated_data.get("body", ""),
            template=data.validated_data.get("template"),
            template_variables=data.validated_data.get("template_variables"),
        )
        message = self.get_queryset().get(pk=message.pk)
        return Response(
            MessageSerializer(message, context=self.get_serializer_context()).data,
            status=status.HTTP_201_CREATED,
        )

    def _attachments(self, messages):
        """The attachments of these messages, in one query: message id → rows."""
        found = {}
        ids = [message.pk for message in messages]
        if ids:
            for row in MessageAttachment.objects.filter(
                organization=self.request.organization, message_id__in=ids
            ).order_by("pk"):
                found.setdefault(row.message_id, []).append(row)
        return found


router = SimpleRouter()
router.register("conversations", ConversationViewSet, basename="conversation")
router.register(
    r"conversations/(?P<conversation_id>[0-9]+)/messages",
    MessageViewSet,
    basename="conversation-message",
)
