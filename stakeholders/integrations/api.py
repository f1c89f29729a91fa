"""API of the integrations: webhook endpoints and their deliveries (admins only)."""

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from stakeholders.integrations import selectors, services
from stakeholders.integrations.events import event_types
from stakeholders.integrations.models import WebhookDelivery, WebhookEndpoint
from stakeholders.models import Role
from stakeholders.tenancy.api import OrganizationViewSet

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


router = SimpleRouter()
router.register("webhook-endpoints", WebhookEndpointViewSet, basename="webhook-endpoint")
router.register("webhook-deliveries", WebhookDeliveryViewSet, basename="webhook-delivery")
