"""The donors settings (admins)."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import (
    OpenApiExample,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, serializers

from donors import services
from donors.models import (
    DonorSettings,
)
from stakeholders.models import Role
from stakeholders.tenancy.api import OrganizationViewSet

# --- Donor settings ---------------------------------------------------------------------------


class DonorSettingsSerializer(serializers.ModelSerializer):
    class Meta:
        model = DonorSettings
        fields = [
            "id",
            "donation_url",
            "giving_instructions",
            "update_interval_days",
            "frequency_cap_days",
            "welcome_call_hour",
        ]
        validators = []

    def validate_donation_url(self, url):
        """Donors type their card details there: only an encrypted page is linked to."""
        if url and not url.lower().startswith("https://"):
            raise serializers.ValidationError(
                _("Use the page's secure address, starting with https://.")
            )
        return url


DONOR_SETTINGS_EXAMPLE = {
    "id": 1,
    "donation_url": "https://give.example.org/riverside",
    "giving_instructions": "Bank transfer: Riverside Food Bank, sort code 00-00-00.",
    "update_interval_days": 30,
    "frequency_cap_days": 14,
    "welcome_call_hour": 9,
}


@extend_schema_view(
    list=extend_schema(
        summary="Get the donor settings",
        description="The organization's one row: its giving page, the cadence of updates, the "
        "frequency cap and the hour of the daily welcome-call lists (admins).",
        examples=[OpenApiExample("Settings", value=DONOR_SETTINGS_EXAMPLE, response_only=True)],
    ),
    retrieve=extend_schema(
        summary="Get the donor settings by id",
        examples=[OpenApiExample("Settings", value=DONOR_SETTINGS_EXAMPLE, response_only=True)],
    ),
    update=extend_schema(summary="Replace the donor settings"),
    partial_update=extend_schema(
        summary="Update the donor settings",
        examples=[
            OpenApiExample(
                "Fewer updates",
                value={"update_interval_days": 60, "frequency_cap_days": 21},
                request_only=True,
            )
        ],
    ),
)
class DonorSettingsViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.UpdateModelMixin, OrganizationViewSet
):
    model = DonorSettings
    serializer_class = DonorSettingsSerializer
    read_roles = write_roles = (Role.ADMIN,)

    def list(self, request, *args, **kwargs):
        services.donor_settings(organization=request.organization)  # made on first reading
        return super().list(request, *args, **kwargs)
