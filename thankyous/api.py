"""API of the thank-you app: acknowledgments (filter, retry, skip), templates, print batches."""

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from stakeholders.content_versions import VersionsViewSetMixin
from stakeholders.models import Role
from stakeholders.tenancy.api import OrganizationViewSet
from thankyous import selectors, services
from thankyous.models import Acknowledgment, PrintBatch, ThankYouTemplate
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

    @extend_schema(request=None, responses=AcknowledgmentSerializer)
    @action(detail=True, methods=["post"])
    def retry(self, request, *args, **kwargs):
        acknowledgment = services.acknowledgment_retry(
            organization=request.organization, acknowledgment=self.get_object()
        )
        return Response(self.get_serializer(acknowledgment).data)

    @extend_schema(request=SkipSerializer, responses=AcknowledgmentSerializer)
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


class TemplateViewSet(
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

    @extend_schema(request=None, responses=PrintBatchSerializer)
    @action(detail=True, methods=["post"])
    def printed(self, request, *args, **kwargs):
        batch = services.print_batch_mark_printed(
            organization=request.organization, batch=self.get_object(), user=request.user
        )
        return Response(self.get_serializer(batch).data)


router = SimpleRouter()
router.register("acknowledgments", AcknowledgmentViewSet, basename="acknowledgment")
router.register("thank-you-templates", TemplateViewSet, basename="thank-you-template")
router.register("print-batches", PrintBatchViewSet, basename="print-batch")
