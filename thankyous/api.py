"""API of the thank-you app: acknowledgments (filter, retry, skip), templates (and their
versions in other languages), print batches, the thank-you settings. Admins and fundraisers
manage them, as on the pages; viewers read the acknowledgments."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from stakeholders.content_versions import VersionsViewSetMixin
from stakeholders.core_api.docs import resource_schema
from stakeholders.core_api.versions import VersionAddMixin, translation_examples
from stakeholders.models import Role
from stakeholders.tenancy.api import OrganizationViewSet
from thankyous import selectors, services
from thankyous.models import Acknowledgment, PrintBatch, ThankYouSettings, ThankYouTemplate
from thankyous.registry import thankables

READERS = (Role.ADMIN, Role.FUNDRAISER, Role.VIEWER)
MANAGERS = (Role.ADMIN, Role.FUNDRAISER)


class AcknowledgmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Acknowledgment
        fields = [
            "id",
            "kind",
            "target_id",
            "contact",
            "state",
            "skip_reason",
            "channel",
            "template",
            "message_id",
            "received_at",
            "created_at",
            "sent_at",
            "attempts",
            "last_error",
        ]
        read_only_fields = fields
        extra_kwargs = {"channel": {"allow_blank": True}}  # empty until the row is decided


class SkipSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=40)


ACKNOWLEDGMENT_EXAMPLE = {
    "id": 40512,
    "kind": "gift",
    "target_id": 88120,
    "contact": 1042,
    "state": "review",
    "skip_reason": "",
    "channel": "email",
    "template": 4,
    "message_id": "",
    "received_at": "2026-11-28T00:00:00Z",
    "created_at": "2026-11-28T14:02:00Z",
    "sent_at": None,
    "attempts": 3,
    "last_error": "Mailbox unavailable",
}


@resource_schema(
    "acknowledgment",
    ACKNOWLEDGMENT_EXAMPLE,
    retry=extend_schema(
        summary="Send an acknowledgment again",
        description="A row in review goes back in the queue.",
        request=None,
        responses=AcknowledgmentSerializer,
        examples=[
            OpenApiExample(
                "Queued", value={**ACKNOWLEDGMENT_EXAMPLE, "state": "pending"}, response_only=True
            )
        ],
    ),
    skip=extend_schema(
        summary="Mark an acknowledgment as not to be sent",
        request=SkipSerializer,
        responses=AcknowledgmentSerializer,
        examples=[
            OpenApiExample("Sent by hand", value={"reason": "thanked_by_phone"}, request_only=True)
        ],
    ),
)
class AcknowledgmentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, OrganizationViewSet):
    """One per thing thanked. ``retry`` puts a row in review back in the queue; ``skip`` marks
    it as not to be sent (e.g. the mail log shows it did go out)."""

    model = Acknowledgment
    serializer_class = AcknowledgmentSerializer
    read_roles = READERS
    write_roles = MANAGERS
    filterset_fields = ["state", "kind", "contact", "channel"]
    keyset_ordering = ("-created_at", "-id")

    def scope_queryset(self, queryset):
        hidden = thankables.hidden_from(self.request.membership.role)
        return queryset.exclude(kind__in=hidden)

    @action(detail=True, methods=["post"])
    def retry(self, request, *args, **kwargs):
        acknowledgment = services.acknowledgment_retry(
            organization=request.organization, acknowledgment=self.get_object()
        )
        return Response(self.get_serializer(acknowledgment).data)

    @action(detail=True, methods=["post"])
    def skip(self, request, *args, **kwargs):
        target = self.get_object()
        data = SkipSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        acknowledgment = services.acknowledgment_skip(
            organization=request.organization,
            acknowledgment=target,
            user=request.user,
            **data.validated_data,
        )
        return Response(self.get_serializer(acknowledgment).data)


class TemplateSerializer(serializers.ModelSerializer):
    translations = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = ThankYouTemplate
        fields = [
            "id",
            "language",
            "original",
            "translations",
            "name",
            "rule",
            "major_threshold",
            "email_subject",
            "email_body",
            "email_html",
            "letter_body",
            "paper_size",
            "attach_letter",
            "post_letter_too",
            "is_active",
            "updated_at",
        ]
        read_only_fields = ["id", "original", "updated_at"]
        validators = []


TEMPLATE_EXAMPLE = {
    "id": 4,
    "language": "en",
    "original": None,
    "translations": [9],
    "name": "First gift",
    "rule": "first_gift",
    "major_threshold": None,
    "email_subject": "Thank you, {{ first_name }}",
    "email_body": "Dear {{ first_name }},\n\nYour gift of {{ amount }} arrived on {{ date }}…",
    "email_html": "",
    "letter_body": "<p>Dear {{ first_name }},</p><p>Your gift of {{ amount }}…</p>",
    "paper_size": "A4",
    "attach_letter": True,
    "post_letter_too": False,
    "is_active": True,
    "updated_at": "2026-11-30T16:20:00Z",
}


@extend_schema_view(
    list=extend_schema(
        summary="List thank-you templates",
        description="The originals, each with the ids of its versions in other languages.",
        examples=[OpenApiExample("A template", value=TEMPLATE_EXAMPLE, response_only=True)],
    ),
    retrieve=extend_schema(
        summary="Get one thank-you template",
        examples=[OpenApiExample("A template", value=TEMPLATE_EXAMPLE, response_only=True)],
    ),
    create=extend_schema(
        summary="Create a thank-you template",
        description="Rendered with a sample when saved: a bad merge field is a 400 naming it.",
        examples=[
            OpenApiExample(
                "Major gifts",
                value={
                    "name": "Major gift",
                    "rule": "major_gift",
                    "major_threshold": "1000",
                    "email_subject": "Thank you, {{ first_name }}",
                    "email_body": "Your gift of {{ amount }} changes a great deal.",
                },
                request_only=True,
            )
        ],
    ),
    update=extend_schema(summary="Replace a thank-you template"),
    partial_update=extend_schema(
        summary="Update a thank-you template",
        examples=[OpenApiExample("Not in use", value={"is_active": False}, request_only=True)],
    ),
    translations=translation_examples(TemplateSerializer, "thank-you template"),
)
class TemplateViewSet(
    VersionAddMixin,
    VersionsViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    OrganizationViewSet,
):
    """Templates are checked with a sample donor when saved: a bad merge field is a 400. The
    list holds originals; a translation is read and changed by its id (``translations``)."""

    model = ThankYouTemplate
    serializer_class = TemplateSerializer
    read_roles = write_roles = MANAGERS

    def perform_create(self, serializer):
        serializer.instance = services.template_save(
            organization=self.request.organization, **serializer.validated_data
        )

    def perform_update(self, serializer):
        services.template_save(
            organization=self.request.organization,
            template=serializer.instance,
            **serializer.validated_data,
        )


class PrintBatchSerializer(serializers.ModelSerializer):
    class Meta:
        model = PrintBatch
        fields = ["id", "created_at", "letters", "printed_at"]
        read_only_fields = fields


PRINT_BATCH_EXAMPLE = {
    "id": 15,
    "created_at": "2026-12-06T08:30:00Z",
    "letters": 42,
    "printed_at": None,
}


@extend_schema_view(
    list=extend_schema(
        summary="List print batches",
        examples=[OpenApiExample("A batch", value=PRINT_BATCH_EXAMPLE, response_only=True)],
    ),
    retrieve=extend_schema(
        summary="Get one print batch",
        examples=[OpenApiExample("A batch", value=PRINT_BATCH_EXAMPLE, response_only=True)],
    ),
    create=extend_schema(
        summary="Make print batches of the letters waiting for the post",
        description="The letters the caller's role may read are merged into PDFs sorted for "
        "mailing, each with a cover sheet; letters only some roles may read get a batch of "
        "their own. Nothing waiting is a 400.",
        request=None,
        responses={201: PrintBatchSerializer(many=True)},
        examples=[
            OpenApiExample("One batch", value=[PRINT_BATCH_EXAMPLE], response_only=True),
        ],
    ),
    printed=extend_schema(
        summary="Mark a print batch printed",
        request=None,
        responses=PrintBatchSerializer,
        examples=[
            OpenApiExample(
                "Printed",
                value={**PRINT_BATCH_EXAMPLE, "printed_at": "2026-12-06T09:10:00Z"},
                response_only=True,
            )
        ],
    ),
)
class PrintBatchViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, OrganizationViewSet):
    """Print batches, but none holding a letter the member's role may not read."""

    model = PrintBatch
    serializer_class = PrintBatchSerializer
    read_roles = write_roles = MANAGERS

    def scope_queryset(self, queryset):
        visible = selectors.print_batches(
            organization=self.request.organization, staff_role=self.request.membership.role
        )
        return queryset & visible

    def create(self, request, *args, **kwargs):
        batches = services.print_batch_create(
            organization=request.organization,
            user=request.user,
            staff_role=request.membership.role,
        )
        return Response(
            self.get_serializer(batches, many=True).data, status=status.HTTP_201_CREATED
        )

    @action(detail=True, methods=["post"])
    def printed(self, request, *args, **kwargs):
        batch = services.print_batch_mark_printed(
            organization=request.organization, batch=self.get_object(), user=request.user
        )
        return Response(self.get_serializer(batch).data)


class ThankYouSettingsSerializer(serializers.ModelSerializer):
    class Meta:
        model = ThankYouSettings
        fields = ["id", "batch_hour", "target_hours", "thank_on_entry"]

    def validate_batch_hour(self, hour):
        if hour > 23:
            raise serializers.ValidationError(_("An hour from 0 to 23."))
        return hour


THANKYOU_SETTINGS_EXAMPLE = {"id": 1, "batch_hour": 2, "target_hours": 48, "thank_on_entry": True}


@extend_schema_view(
    list=extend_schema(
        summary="Get the thank-you settings",
        description="The organization's one row: the nightly batch's local hour, the time to "
        "thank it aims for, and whether a gift is thanked as soon as it is entered.",
        examples=[OpenApiExample("Settings", value=THANKYOU_SETTINGS_EXAMPLE, response_only=True)],
    ),
    retrieve=extend_schema(
        summary="Get the thank-you settings by id",
        examples=[OpenApiExample("Settings", value=THANKYOU_SETTINGS_EXAMPLE, response_only=True)],
    ),
    update=extend_schema(summary="Replace the thank-you settings"),
    partial_update=extend_schema(
        summary="Update the thank-you settings",
        examples=[
            OpenApiExample("Thank within a day", value={"target_hours": 24}, request_only=True)
        ],
    ),
)
class ThankYouSettingsViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.UpdateModelMixin, OrganizationViewSet
):
    """Saved as the settings page saves them (the form's checks, no service of its own)."""

    model = ThankYouSettings
    serializer_class = ThankYouSettingsSerializer
    read_roles = write_roles = MANAGERS

    def list(self, request, *args, **kwargs):
        services.thankyou_settings(organization=request.organization)  # made on first reading
        return super().list(request, *args, **kwargs)


router = SimpleRouter()
router.register("acknowledgments", AcknowledgmentViewSet, basename="acknowledgment")
router.register("thank-you-templates", TemplateViewSet, basename="thank-you-template")
router.register("print-batches", PrintBatchViewSet, basename="print-batch")
router.register("thank-you-settings", ThankYouSettingsViewSet, basename="thank-you-settings")
