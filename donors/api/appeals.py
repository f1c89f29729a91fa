"""Appeals and grants."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import (
    OpenApiExample,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, serializers

from donors import services
from donors.api.common import READERS, WRITERS
from donors.api.gifts import SavedThroughService
from donors.models import (
    Appeal,
    Campaign,
    Fund,
    Grant,
)
from stakeholders.api import OrganizationRelatedField
from stakeholders.models import Contact
from stakeholders.tenancy.api import OrganizationViewSet

# --- Appeals ----------------------------------------------------------------------------------


class AppealSerializer(serializers.ModelSerializer):
    campaign = OrganizationRelatedField(Campaign, required=False, allow_null=True)

    class Meta:
        model = Appeal
        fields = ["id", "name", "campaign"]
        validators = []  # the name's uniqueness is checked in the organization, below

    def validate_name(self, name):
        """Gift imports create appeals by name: the name is their key in the organization."""
        request = self.context["request"]
        taken = Appeal.objects.filter(organization=request.organization, name=name)
        if self.instance is not None:
            taken = taken.exclude(pk=self.instance.pk)
        if taken.exists():
            raise serializers.ValidationError(_("There is already an appeal with this name."))
        return name


APPEAL_EXAMPLE = {"id": 12, "name": "Winter letter 2026", "campaign": 3}


@extend_schema_view(
    list=extend_schema(
        summary="List appeals",
        description="The asks within campaigns (a letter, an email, an event), by name. Filter "
        "by ``campaign``.",
        examples=[OpenApiExample("An appeal", value=APPEAL_EXAMPLE, response_only=True)],
    ),
    retrieve=extend_schema(
        summary="Get one appeal",
        examples=[OpenApiExample("An appeal", value=APPEAL_EXAMPLE, response_only=True)],
    ),
    create=extend_schema(
        summary="Create an appeal",
        examples=[
            OpenApiExample(
                "A letter in a campaign",
                value={"name": "Winter letter 2026", "campaign": 3},
                request_only=True,
            )
        ],
    ),
    update=extend_schema(
        summary="Replace an appeal",
        examples=[
            OpenApiExample(
                "Renamed", value={"name": "Winter letter", "campaign": 3}, request_only=True
            )
        ],
    ),
    partial_update=extend_schema(
        summary="Update an appeal",
        examples=[
            OpenApiExample("Out of its campaign", value={"campaign": None}, request_only=True)
        ],
    ),
)
class AppealViewSet(
    SavedThroughService,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    OrganizationViewSet,
):
    """Appeals: a gift names the one that brought it (gift imports create them by name)."""

    model = Appeal
    serializer_class = AppealSerializer
    read_roles = READERS
    write_roles = WRITERS
    instance_name = "appeal"
    save_service = staticmethod(services.appeal_save)
    filterset_fields = ["campaign"]


# --- Grants -----------------------------------------------------------------------------------


class GrantSerializer(serializers.ModelSerializer):
    funder = OrganizationRelatedField(Contact)
    funder_name = serializers.CharField(source="funder.name", read_only=True)
    fund = OrganizationRelatedField(Fund, required=False, allow_null=True)

    class Meta:
        model = Grant
        fields = [
            "id",
            "funder",
            "funder_name",
            "title",
            "stage",
            "fund",
            "amount_requested",
            "amount_awarded",
            "submitted_on",
            "decided_on",
            "next_report_due",
            "notes",
        ]


GRANT_EXAMPLE = {
    "id": 7,
    "funder": 412,
    "funder_name": "Riverside Community Trust",
    "title": "Youth club 2027",
    "stage": "awarded",
    "fund": 2,
    "amount_requested": "12000.00",
    "amount_awarded": "10000.00",
    "submitted_on": "2026-09-01",
    "decided_on": "2026-11-15",
    "next_report_due": "2027-06-30",
    "notes": "Report on attendance and two case studies.",
}


@extend_schema_view(
    list=extend_schema(
        summary="List grants",
        description="Grants from foundations and trusts, from prospect to the last report. "
        "Filter by ``stage``, ``funder``, ``fund`` or a range of ``next_report_due``.",
        examples=[OpenApiExample("An awarded grant", value=GRANT_EXAMPLE, response_only=True)],
    ),
    retrieve=extend_schema(
        summary="Get one grant",
        examples=[OpenApiExample("An awarded grant", value=GRANT_EXAMPLE, response_only=True)],
    ),
    create=extend_schema(
        summary="Create a grant",
        description="An awarded (or reporting) grant needs ``amount_awarded``; the decision "
        "can't come before the application. The funder becomes a donor.",
        examples=[
            OpenApiExample(
                "A prospect",
                value={"funder": 412, "title": "Youth club 2027", "amount_requested": "12000"},
                request_only=True,
            )
        ],
    ),
    update=extend_schema(summary="Replace a grant"),
    partial_update=extend_schema(
        summary="Update a grant",
        examples=[
            OpenApiExample(
                "Awarded",
                value={"stage": "awarded", "amount_awarded": "10000", "decided_on": "2026-11-15"},
                request_only=True,
            )
        ],
    ),
)
class GrantViewSet(
    SavedThroughService,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    OrganizationViewSet,
):
    model = Grant
    serializer_class = GrantSerializer
    read_roles = READERS
    write_roles = WRITERS
    instance_name = "grant"
    save_service = staticmethod(services.grant_save)
    filterset_fields = {
        "stage": ["exact"],
        "funder": ["exact"],
        "fund": ["exact"],
        "next_report_due": ["gte", "lte"],
    }

    def scope_queryset(self, queryset):
        return queryset.select_related("funder")
