"""Volunteer profiles: status, skills, causes, availability and languages, as the profile page
changes them."""

from django.db.models import DecimalField, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from rest_framework import mixins, serializers

from stakeholders.api import OrganizationRelatedField
from stakeholders.core_api.docs import resource_schema
from stakeholders.tenancy.api import OrganizationViewSet
from volunteers import selectors, services
from volunteers.api.common import READERS, WRITERS
from volunteers.forms import availability_mask, availability_values
from volunteers.models import (
    Cause,
    HoursEntry,
    Skill,
    VolunteerProfile,
)

AVAILABILITY_SLOTS = [f"{day}-{part}" for day in range(7) for part in range(3)]
# What a coordinator changes on the profile page (notes and date of birth stay on the page).
EDITABLE_PROFILE_FIELDS = {"status", "skills", "causes", "other_skills", "languages"}
PREFERENCES = {"skills", "causes", "availability", "other_skills", "languages"}


class AvailabilityField(serializers.ListField):
    """When a volunteer can come, as the profile page's grid: ``<weekday>-<part of day>``."""

    child = serializers.ChoiceField(choices=AVAILABILITY_SLOTS)

    def to_representation(self, mask):
        return availability_values(mask)

    def to_internal_value(self, data):
        return availability_mask(super().to_internal_value(data))


class ProfileSerializer(serializers.ModelSerializer):
    contact_name = serializers.CharField(source="contact.name", read_only=True)
    email = serializers.CharField(source="contact.email", read_only=True)
    skills = OrganizationRelatedField(Skill, many=True, required=False)
    causes = OrganizationRelatedField(Cause, many=True, required=False)
    availability = serializers.SerializerMethodField()
    availability_slots = AvailabilityField(
        source="availability",
        required=False,
        help_text="Weekday (0 = Monday) and part of the day (0 morning, 1 afternoon, 2 evening): "
        "``5-0`` is Saturday morning.",
    )
    approved_hours = serializers.DecimalField(max_digits=10, decimal_places=2, read_only=True)

    class Meta:
        model = VolunteerProfile
        fields = [
            "id",
            "contact",
            "contact_name",
            "email",
            "status",
            "skills",
            "other_skills",
            "causes",
            "availability",
            "availability_slots",
            "languages",
            "under_18",
            "joined_at",
            "approved_at",
            "approved_hours",
        ]
        read_only_fields = [f for f in fields if f not in EDITABLE_PROFILE_FIELDS]

    def get_availability(self, profile) -> list[str]:
        return selectors.availability_labels(profile.availability)


@resource_schema(
    "volunteer profile",
    {
        "id": 58,
        "contact": 1042,
        "contact_name": "Amira Haddad",
        "email": "amira@example.org",
        "status": "active",
        "skills": [6],
        "other_skills": "Arabic interpreting",
        "causes": [2],
        "availability": ["Saturday morning"],
        "availability_slots": ["5-0"],
        "languages": "English, Arabic",
        "under_18": False,
        "joined_at": "2026-03-02T18:40:00Z",
        "approved_at": "2026-03-04T09:00:00Z",
        "approved_hours": "46.50",
    },
    update={"skills": [6, 9], "availability_slots": ["5-0", "5-1"]},
)
class ProfileViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.UpdateModelMixin, OrganizationViewSet
):
    """Volunteer profiles with their approved hours. Coordinators change the status, skills,
    causes, availability and languages as on the profile page."""

    model = VolunteerProfile
    serializer_class = ProfileSerializer
    read_roles = READERS
    write_roles = WRITERS
    filterset_fields = ["status", "contact"]
    keyset_ordering = ("-joined_at", "-id")

    def scope_queryset(self, queryset):
        hours = (
            HoursEntry.objects.filter(
                organization=self.request.organization,
                profile=OuterRef("pk"),
                status=HoursEntry.Status.APPROVED,
            )
            .values("profile")
            .annotate(total=Sum("hours"))
            .values("total")
        )
        return (
            queryset.select_related("contact")
            .prefetch_related("skills", "causes")
            .annotate(
                approved_hours=Coalesce(
                    Subquery(hours),
                    Value(0),
                    output_field=DecimalField(max_digits=10, decimal_places=2),
                )
            )
        )

    def perform_update(self, serializer):
        data, profile = serializer.validated_data, serializer.instance
        if not PREFERENCES & set(data):
            if "status" in data:
                services.profile_set_status(
                    organization=self.request.organization, profile=profile, status=data["status"]
                )
            return
        services.preferences_save(
            organization=self.request.organization,
            profile=profile,
            availability=data.get("availability", profile.availability),
            skill_ids=[skill.pk for skill in data.get("skills", profile.skills.all())],
            cause_ids=[cause.pk for cause in data.get("causes", profile.causes.all())],
            other_skills=data.get("other_skills", profile.other_skills),
            languages=data.get("languages", profile.languages),
            status=data.get("status", profile.status),
        )
