"""API of the integrations: webhook endpoints and their deliveries (admins only), and background
exports (every member, of the lists they may read)."""

from django.http import FileResponse, HttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import exceptions, mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from stakeholders import audit
from stakeholders.core_api.docs import resource_schema
from stakeholders.integrations import export_jobs, selectors, services
from stakeholders.integrations.events import event_types
from stakeholders.integrations.models import ExportJob, WebhookDelivery, WebhookEndpoint
from stakeholders.models import ALL_ROLES, AuditAction, Role
from stakeholders.tenancy.api import OrganizationViewSet
from stakeholders.tenancy.exports import EXPORT_FORMATS

ADMINS = (Role.ADMIN,)


class WebhookEndpointSerializer(serializers.ModelSerializer):
    events = serializers.ListField(
        child=serializers.CharField(max_length=60),
        allow_empty=False,
        max_length=100,
        help_text="Event types to receive, e.g. gift.created (see the Integrations docs).",
    )

    class Meta:
        model = WebhookEndpoint
        fields = [
            "id",
            "url",
            "description",
            "events",
            "role",
            "is_active",
            "disabled_reason",
            "consecutive_failures",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "id",
            "disabled_reason",
            "consecutive_failures",
            "created_at",
            "updated_at",
        ]
        extra_kwargs = {"role": {"required": True}}


class WebhookEndpointCreatedSerializer(WebhookEndpointSerializer):
    secret = serializers.CharField(
        read_only=True, help_text="The signing secret (whsec_…): shown in this answer only."
    )

    class Meta(WebhookEndpointSerializer.Meta):
        fields = [*WebhookEndpointSerializer.Meta.fields, "secret"]


class RollSecretSerializer(serializers.Serializer):
    keep_previous_hours = serializers.IntegerField(
        min_value=0,
        max_value=24,
        default=24,
        help_text="How long the old secret still signs deliveries (0: not at all).",
    )


class WebhookEndpointViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    OrganizationViewSet,
):
    """Where the organization's events are sent, signed (``Steward-Signature``)."""

    model = WebhookEndpoint
    serializer_class = WebhookEndpointSerializer
    read_roles = write_roles = ADMINS
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    filterset_fields = ["is_active", "role"]
    keyset_ordering = ("-created_at", "-id")

    @extend_schema(
        request=WebhookEndpointSerializer, responses={201: WebhookEndpointCreatedSerializer}
    )
    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        endpoint, secret = services.webhook_endpoint_create(
            organization=request.organization, actor=request.user, **serializer.validated_data
        )
        endpoint.secret = secret
        data = WebhookEndpointCreatedSerializer(endpoint, context=self.get_serializer_context())
        return Response(data.data, status=status.HTTP_201_CREATED)

    def perform_update(self, serializer):
        services.webhook_endpoint_update(
            organization=self.request.organization,
            endpoint=serializer.instance,
            actor=self.request.user,
            **serializer.validated_data,
        )

    def perform_destroy(self, instance):
        services.webhook_endpoint_delete(
            organization=self.request.organization, endpoint=instance, actor=self.request.user
        )

    @extend_schema(
        request=RollSecretSerializer,
        responses=inline_serializer("RolledSecret", {"secret": serializers.CharField()}),
    )
    @action(detail=True, methods=["post"], url_path="roll-secret")
    def roll_secret(self, request, *args, **kwargs):
        """Replace the signing secret (the new one is in this answer only)."""
        endpoint = self.get_object()
        data = RollSecretSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        secret = services.webhook_endpoint_roll_secret(
            organization=request.organization,
            endpoint=endpoint,
            actor=request.user,
            **data.validated_data,
        )
        return Response({"secret": secret})

    @extend_schema(
        request=None,
        responses=inline_serializer(
            "WebhookEventTypes",
            {"types": serializers.ListField(child=serializers.CharField())},
        ),
    )
    @action(detail=False, methods=["get"], url_path="event-types")
    def event_types(self, request, *args, **kwargs):
        """The event types an endpoint may subscribe to."""
        return Response({"types": event_types.names()})


class WebhookDeliverySerializer(serializers.ModelSerializer):
    event_id = serializers.CharField(source="event.key", read_only=True)
    event_type = serializers.CharField(source="event.type", read_only=True)

    class Meta:
        model = WebhookDelivery
        fields = [
            "id",
            "endpoint",
            "event_id",
            "event_type",
            "attempt",
            "manual",
            "status",
            "response_status",
            "response_body",
            "error",
            "duration_ms",
            "next_retry_at",
            "created_at",
        ]
        read_only_fields = fields


class WebhookDeliveryViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, OrganizationViewSet):
    """Every attempt to send an event to an endpoint, with the answer (newest first)."""

    model = WebhookDelivery
    serializer_class = WebhookDeliverySerializer
    read_roles = write_roles = ADMINS
    filterset_fields = ["endpoint", "status"]
    keyset_ordering = ("-created_at", "-id")

    def scope_queryset(self, queryset):
        return queryset.select_related("event")

    @extend_schema(request=None, responses={202: WebhookDeliverySerializer})
    @action(detail=True, methods=["post"])
    def redeliver(self, request, *args, **kwargs):
        """Send this delivery's event to its endpoint again, now."""
        again = services.webhook_redeliver(
            organization=request.organization, delivery=self.get_object()
        )
        again = selectors.webhook_deliveries(organization=request.organization).get(pk=again.pk)
        return Response(self.get_serializer(again).data, status=status.HTTP_202_ACCEPTED)


class ExportJobSerializer(serializers.ModelSerializer):
    list = serializers.CharField(
        source="list_name",
        max_length=60,
        help_text="The list to export, as in its URL: contacts, gifts, interactions…",
    )
    filters = serializers.DictField(
        child=serializers.CharField(max_length=200, allow_blank=True),
        required=False,
        help_text='The list\'s filters, as its query parameters (e.g. {"tag": "gala"}).',
    )
    format = serializers.ChoiceField(choices=ExportJob.Format.choices)

    class Meta:
        model = ExportJob
        fields = [
            "id",
            "list",
            "filters",
            "format",
            "status",
            "rows",
            "size",
            "error",
            "created_at",
            "started_at",
            "finished_at",
            "expires_at",
        ]
        read_only_fields = [
            "id",
            "status",
            "rows",
            "size",
            "error",
            "created_at",
            "started_at",
            "finished_at",
            "expires_at",
        ]


class ExportNotReady(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "export_not_ready"


EXPORT_EXAMPLE = {
    "id": 12,
    "list": "contacts",
    "filters": {"tag": "gala"},
    "format": "csv",
    "status": "done",
    "rows": 48210,
    "size": 10371840,
    "error": "",
    "created_at": "2026-12-06T09:00:00Z",
    "started_at": "2026-12-06T09:00:01Z",
    "finished_at": "2026-12-06T09:00:05Z",
    "expires_at": "2026-12-13T09:00:00Z",
}


@resource_schema(
    "export",
    EXPORT_EXAMPLE,
    create={"list": "contacts", "format": "csv", "filters": {"tag": "gala"}},
    download=extend_schema(
        summary="Download an export's file once it is ready",
        responses={(200, "application/octet-stream"): OpenApiTypes.BINARY},
    ),
)
class ExportJobViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, OrganizationViewSet
):
    """A whole list, with its filters, written to a file in the background: for exports too
    large to stream in one request. Ask with ``POST`` (202), poll the job until its ``status``
    is ``done``, then ``GET …/download/``. A member sees only their own exports (the file holds
    what their role may read); files are deleted after ``EXPORTS_KEEP_DAYS``."""

    model = ExportJob
    serializer_class = ExportJobSerializer
    read_roles = write_roles = ALL_ROLES  # the list's own walls apply, at once and in the job
    reading_actions = ("create",)  # it writes nothing of the organization: read-only tokens too
    filterset_fields = ["status", "list_name", "format"]
    keyset_ordering = ("-created_at", "-id")

    def scope_queryset(self, queryset):
        return queryset.filter(requested_by=self.request.user)

    @extend_schema(responses={202: ExportJobSerializer})
    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            job = export_jobs.export_job_create(
                organization=request.organization,
                user=request.user,
                list_name=data["list_name"],
                export_format=data["format"],
                filters=data.get("filters", {}),
            )
        except export_jobs.ListRefused as refused:
            return HttpResponse(
                refused.response.content,
                status=refused.response.status_code,
                content_type="application/json",
            )
        return Response(self.get_serializer(job).data, status=status.HTTP_202_ACCEPTED)

    @action(detail=True, methods=["get"])
    def download(self, request, *args, **kwargs):
        job = self.get_object()
        if job.status != ExportJob.Status.DONE or not job.file:
            raise ExportNotReady(
                _("This export is not ready: its status is %(status)s.") % {"status": job.status}
            )
        audit.record(
            organization=request.organization,
            action=AuditAction.EXPORT,
            summary=f"{job.list_name} {job.format.upper()} (background export #{job.pk})",
            changes={"filters": job.filters, "format": job.format, "rows": job.rows},
        )
        response = FileResponse(
            job.file.open("rb"),
            as_attachment=True,
            filename=f"{job.list_name}.{job.format}",
            content_type=f"{EXPORT_FORMATS[job.format].media_type}; charset=utf-8",
        )
        response["Cache-Control"] = "no-store"
        return response


router = SimpleRouter()
router.register("exports", ExportJobViewSet, basename="export")
router.register("webhook-endpoints", WebhookEndpointViewSet, basename="webhook-endpoint")
router.register("webhook-deliveries", WebhookDeliveryViewSet, basename="webhook-delivery")
