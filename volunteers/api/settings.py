"""The volunteers settings (coordinators)."""

from django.conf import settings
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import mixins, serializers

from stakeholders.tenancy.api import OrganizationViewSet
from volunteers import services
from volunteers.api.catalogue import names_field, one_line
from volunteers.api.common import WRITERS
from volunteers.models import (
    Cause,
    Skill,
    VolunteerSettings,
)

# --- Volunteer settings -----------------------------------------------------------------------

LANGUAGE_CODES = {code for code, _name in settings.LANGUAGES}


class VolunteerSettingsSerializer(serializers.ModelSerializer):
    skills = serializers.ListField(
        child=serializers.CharField(max_length=80), required=False, max_length=500
    )
    causes = serializers.ListField(
        child=serializers.CharField(max_length=80), required=False, max_length=500
    )
    text_translations = serializers.DictField(
        child=serializers.DictField(child=serializers.CharField(allow_blank=True)),
        required=False,
        help_text="The signup form's introduction and consent wording in other languages: "
        '``{"fa": {"signup_intro": "…", "consent_wording": "…"}}``; a language given with '
        "empty texts is removed.",
    )

    class Meta:
        model = VolunteerSettings
        fields = [
            "id",
            "hourly_rate",
            "signup_intro",
            "consent_wording",
            "embed_origins",
            "text_translations",
            "skills",
            "causes",
        ]

    def validate_text_translations(self, value):
        if set(value) - LANGUAGE_CODES:
            raise serializers.ValidationError(_("Choose a language from the list."))
        names = VolunteerSettings.translated_fields
        return {
            code: {name: text for name, text in texts.items() if name in names}
            for code, texts in value.items()
        }

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["skills"] = names_field(Skill, instance.organization)
        data["causes"] = names_field(Cause, instance.organization)
        return data


VOLUNTEER_SETTINGS_EXAMPLE = {
    "id": 1,
    "hourly_rate": "15.00",
    "signup_intro": "Give a few hours a month: sort food, drive, welcome visitors.",
    "consent_wording": "I agree that Riverside Food Bank keeps my details to arrange volunteering.",
    "embed_origins": "https://www.riverside.example",
    "text_translations": {"fa": {"signup_intro": "چند ساعت در ماه کمک کنید."}},
    "skills": ["Driving", "First aid"],
    "causes": ["Food poverty"],
}


@extend_schema_view(
    list=extend_schema(
        summary="Get the volunteer settings",
        description="The organization's one row: the value of an hour, the signup form's "
        "texts and where it may be embedded, the skills and causes to choose from "
        "(coordinators).",
        examples=[OpenApiExample("Settings", value=VOLUNTEER_SETTINGS_EXAMPLE, response_only=True)],
    ),
    retrieve=extend_schema(
        summary="Get the volunteer settings by id",
        examples=[OpenApiExample("Settings", value=VOLUNTEER_SETTINGS_EXAMPLE, response_only=True)],
    ),
    update=extend_schema(summary="Replace the volunteer settings"),
    partial_update=extend_schema(
        summary="Update the volunteer settings",
        description="``skills`` and ``causes``, when given, become exactly those lists (a "
        "removed one leaves profiles and opportunities too).",
        examples=[
            OpenApiExample(
                "New skills list",
                value={"skills": ["Driving", "First aid", "Cooking"]},
                request_only=True,
            )
        ],
    ),
)
class VolunteerSettingsViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.UpdateModelMixin, OrganizationViewSet
):
    """Saved through the settings page's service, with its checks (embed origins…)."""

    model = VolunteerSettings
    serializer_class = VolunteerSettingsSerializer
    read_roles = write_roles = WRITERS

    def list(self, request, *args, **kwargs):
        services.volunteer_settings(organization=request.organization)  # made on first reading
        return super().list(request, *args, **kwargs)

    def perform_update(self, serializer):
        organization = self.request.organization
        data = dict(serializer.validated_data)
        lists = {}
        for name, model in (("skills", Skill), ("causes", Cause)):
            given = data.pop(name, None)
            names = names_field(model, organization) if given is None else map(one_line, given)
            lists[f"{name}_text"] = "\n".join(names)
        serializer.instance = services.settings_save(organization=organization, **lists, **data)
