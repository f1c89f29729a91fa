"""journeys API: ``journeys`` (each journey's funnel, read from its precomputed summary; one by
its key) and ``journey-positions`` (who is where: filter by journey, stage, ``stuck=1``,
contact; paged by key, longest at their stage first). A member sees the journeys of the areas
their role sees; another area's journey is a 404, like another organization's."""

from django.db.models import Q
from django.forms import ModelChoiceField
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import exceptions, mixins, serializers

from stakeholders.experience import journeys
from stakeholders.experience.views.journeys import JOURNEY_ROLES
from stakeholders.models import Contact, JourneyPosition, JourneySummary
from stakeholders.tenancy.api import OrganizationViewSet


class StageSerializer(serializers.Serializer):
    stage = serializers.CharField()
    label = serializers.CharField()
    exit = serializers.BooleanField()
    stuck_after_days = serializers.IntegerField(allow_null=True)
    people = serializers.IntegerField(help_text="People who reached the stage.")
    now = serializers.IntegerField(help_text="People at the stage now.")
    conversion = serializers.FloatField(
        allow_null=True,
        help_text="Percent of those who reached the funnel stage before who reached this one "
        "(for a way out such as lapsed: percent of everyone on the journey).",
    )
    median_days = serializers.FloatField(allow_null=True)
    stuck = serializers.IntegerField()


class JourneySerializer(serializers.ModelSerializer):
    key = serializers.CharField(source="journey")
    label = serializers.SerializerMethodField()
    area = serializers.SerializerMethodField()
    stages = serializers.SerializerMethodField()

    class Meta:
        model = JourneySummary
        fields = ["key", "label", "area", "computed_at", "stages"]
        read_only_fields = fields

    def _journey(self, summary):
        return journeys.registry.get(summary.journey)

    def get_label(self, summary) -> str:
        return str(self._journey(summary).label)

    def get_area(self, summary) -> str:
        return self._journey(summary).area

    @extend_schema_field(StageSerializer(many=True))
    def get_stages(self, summary) -> list[dict]:
        views = self.context["stage_views"][summary.journey]
        funnel = journeys.funnel_of(self._journey(summary), summary, views)
        return StageSerializer(funnel["stages"], many=True).data


class JourneyViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, OrganizationViewSet):
    """The funnel of each journey the member's role sees (computed in the background; see
    ``computed_at``)."""

    model = JourneySummary
    serializer_class = JourneySerializer
    read_roles = JOURNEY_ROLES
    keyset_ordering = ("journey",)
    lookup_field = "journey"
    lookup_value_converter = "str"

    def scope_queryset(self, queryset):
        role = self.request.membership.role
        return queryset.filter(journey__in=[j.key for j in journeys.visible_journeys(role=role)])

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if getattr(self, "swagger_fake_view", False) or not hasattr(self.request, "membership"):
            return context
        keys = [j.key for j in journeys.visible_journeys(role=self.request.membership.role)]
        context["stage_views"] = journeys.stage_settings(
            organization=self.request.organization, journey_keys=keys
        )
        return context


class PositionSerializer(serializers.ModelSerializer):
    contact_name = serializers.CharField(source="contact.name", read_only=True)
    reached = serializers.SerializerMethodField()
    stuck = serializers.SerializerMethodField()

    class Meta:
        model = JourneyPosition
        fields = [
            "id",
            "contact",
            "contact_name",
            "journey",
            "stage",
            "entered_at",
            "stuck",
            "reached",
            "next_change_at",
            "computed_at",
        ]
        read_only_fields = fields

    def get_reached(self, position) -> dict:
        """When each stage was reached, by stage key (null: not reached)."""
        journey = journeys.registry.get(position.journey)
        field = serializers.DateTimeField()
        return {
            stage.key: field.to_representation(at) if at else None
            for stage, at in zip(journey.stages, position.reached, strict=False)
        }

    def get_stuck(self, position) -> bool:
        view = self.context["stage_views"][position.journey].get(position.stage)
        return bool(
            view
            and view.stuck_after_days
            and (self.context["now"] - position.entered_at).days >= view.stuck_after_days
        )


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter("journey", OpenApiTypes.STR, description="A journey key."),
            OpenApiParameter("stage", OpenApiTypes.STR, description="A stage key."),
            OpenApiParameter(
                "stuck", OpenApiTypes.BOOL, description="1: only people stuck at their stage."
            ),
            OpenApiParameter("contact", OpenApiTypes.INT),
        ]
    )
)
class JourneyPositionViewSet(mixins.ListModelMixin, OrganizationViewSet):
    """Where each person is on each journey the member's role sees."""

    model = JourneyPosition
    serializer_class = PositionSerializer
    read_roles = JOURNEY_ROLES
    keyset_ordering = ("entered_at", "id")

    def _views(self):
        if not hasattr(self, "_stage_views"):
            keys = [j.key for j in journeys.visible_journeys(role=self.request.membership.role)]
            self._stage_views = journeys.stage_settings(
                organization=self.request.organization, journey_keys=keys
            )
        return self._stage_views

    def scope_queryset(self, queryset):
        views = self._views()
        params = self.request.query_params
        journey = params.get("journey")
        if journey is not None and journey not in views:
            raise exceptions.NotFound()
        keys = [journey] if journey else list(views)
        queryset = queryset.filter(journey__in=keys).select_related("contact")
        if params.get("stage"):
            queryset = queryset.filter(stage=params["stage"])
        if params.get("contact"):
            # as the other endpoints' filters: a contact that is not the organization's is a 400
            contact_id = params["contact"]
            if not (
                contact_id.isdigit()
                and Contact.objects.filter(
                    organization=self.request.organization, pk=contact_id
                ).exists()
            ):
                raise exceptions.ValidationError(
                    {"contact": [ModelChoiceField.default_error_messages["invalid_choice"]]}
                )
            queryset = queryset.filter(contact_id=contact_id)
        if params.get("stuck") in ("1", "true"):
            now = timezone.now()
            condition = None
            for key in keys:
                q = journeys.stuck_filter(views[key], now=now, stage=params.get("stage")) & (
                    Q(journey=key)
                )
                condition = q if condition is None else condition | q
            queryset = queryset.filter(condition)
        return queryset

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if getattr(self, "swagger_fake_view", False) or not hasattr(self.request, "membership"):
            return context
        context["stage_views"] = {
            key: {view.key: view for view in views} for key, views in self._views().items()
        }
        context["now"] = timezone.now()
        return context


def register(router):
    router.register("journeys", JourneyViewSet, basename="journey")
    router.register("journey-positions", JourneyPositionViewSet, basename="journey-position")
