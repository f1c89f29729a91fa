"""``canned-replies`` and ``whatsapp-templates``: what the shared inbox inserts into replies.
Saved replies are the inbox members' (one row per language of a title, merge fields checked
by the sandbox when saved); WhatsApp templates are the admins', as on the messaging settings
page. Both go through the services those pages use."""

import re

from django.utils.translation import gettext as _
from rest_framework import mixins, serializers

from stakeholders.api import EDITOR_ROLES
from stakeholders.core_api.docs import documented
from stakeholders.inbox import canned, twilio
from stakeholders.inbox.models import CannedReply, WhatsAppTemplate
from stakeholders.models import Role
from stakeholders.tenancy.api import OrganizationViewSet


class CannedReplySerializer(serializers.ModelSerializer):
    class Meta:
        model = CannedReply
        fields = ["id", "title", "language", "body", "created_at", "updated_at"]
        read_only_fields = ["id", "created_at", "updated_at"]
        validators = []  # one version per language: the service says so on ``language``


CANNED_EXAMPLE = {
    "id": 14,
    "title": "Opening hours",
    "language": "en",
    "body": "Hello {{ contact.first_name }}, we are open Monday to Friday, 9:00 to 17:00.",
    "created_at": "2026-03-02T09:15:00Z",
    "updated_at": "2026-03-02T09:15:00Z",
}


@documented(
    "canned-replies",
    example=CANNED_EXAMPLE,
    request_example={k: CANNED_EXAMPLE[k] for k in ("title", "language", "body")},
    summaries={
        "list": "List saved replies (every language version)",
        "retrieve": "Get a saved reply",
        "create": "Save a reply (or its version in another language)",
        "update": "Replace a saved reply",
        "partial_update": "Change a saved reply",
        "destroy": "Delete a saved reply",
    },
)
class CannedReplyViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    OrganizationViewSet,
):
    """Saved replies of the shared inbox, by title then language; filter by ``language``."""

    model = CannedReply
    serializer_class = CannedReplySerializer
    read_roles = write_roles = EDITOR_ROLES  # the inbox's members, as its pages
    keyset_ordering = ("title", "id")
    filterset_fields = ["language"]

    def perform_create(self, serializer):
        serializer.instance = canned.reply_create(
            organization=self.request.organization,
            actor=self.request.user,
            **serializer.validated_data,
        )

    def perform_update(self, serializer):
        reply = serializer.instance
        data = {
            name: serializer.validated_data.get(name, getattr(reply, name))
            for name in ("title", "language", "body")
        }
        canned.reply_update(organization=self.request.organization, reply=reply, **data)

    def perform_destroy(self, instance):
        canned.reply_delete(organization=self.request.organization, reply=instance)


class WhatsAppTemplateSerializer(serializers.ModelSerializer):
    class Meta:
        model = WhatsAppTemplate
        fields = ["id", "name", "language", "content_sid", "body", "created_at"]
        read_only_fields = ["id", "created_at"]
        validators = []  # the service checks the name in each language

    def validate_content_sid(self, value):
        value = value.strip()
        if not re.fullmatch(r"HX[0-9a-fA-F]{32}", value):
            raise serializers.ValidationError(
                _("A content SID is HX followed by 32 letters and digits.")
            )
        return value


TEMPLATE_EXAMPLE = {
    "id": 3,
    "name": "appointment_reminder",
    "language": "en",
    "content_sid": "HX0123456789abcdef0123456789abcdef",
    "body": "Hello {{1}}, a reminder of your appointment on {{2}}.",
    "created_at": "2026-03-02T09:15:00Z",
}


@documented(
    "whatsapp-templates",
    example=TEMPLATE_EXAMPLE,
    request_example={k: v for k, v in TEMPLATE_EXAMPLE.items() if k not in ("id", "created_at")},
    summaries={
        "list": "List approved WhatsApp templates",
        "retrieve": "Get a WhatsApp template",
        "create": "Add an approved WhatsApp template (admins)",
        "update": "Replace a WhatsApp template (admins)",
        "partial_update": "Change a WhatsApp template (admins)",
        "destroy": "Remove a WhatsApp template (admins)",
    },
)
class WhatsAppTemplateViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    OrganizationViewSet,
):
    """Templates WhatsApp approved (Twilio content SIDs): the only messages that may open a
    conversation. The inbox members read them, admins manage them."""

    model = WhatsAppTemplate
    serializer_class = WhatsAppTemplateSerializer
    read_roles = EDITOR_ROLES
    write_roles = (Role.ADMIN,)
    keyset_ordering = ("name", "id")
    filterset_fields = ["language"]

    def _save(self, serializer):
        template = serializer.instance
        data = {
            name: serializer.validated_data.get(name, getattr(template, name, None))
            for name in ("name", "language", "content_sid", "body")
        }
        serializer.instance = twilio.template_save(
            organization=self.request.organization, template=template, **data
        )

    perform_create = perform_update = _save

    def perform_destroy(self, instance):
        twilio.template_remove(organization=self.request.organization, template_id=instance.pk)


def register(router):
    router.register("canned-replies", CannedReplyViewSet, basename="canned-reply")
    router.register("whatsapp-templates", WhatsAppTemplateViewSet, basename="whatsapp-template")
