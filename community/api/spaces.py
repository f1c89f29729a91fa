"""Spaces: staff read them, admins create, edit and archive them."""

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import (
    OpenApiExample,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import mixins, serializers

from community.api.common import (
    LANGUAGE_CODES,
    CommunityViewSet,
)
from community.models import (
    AUDIENCES,
    Space,
)
from community.services import questions as question_services
from stakeholders.models import Role


class SpaceTranslationSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    description = serializers.CharField(max_length=300, required=False, allow_blank=True)


@extend_schema_field(
    {
        "type": "object",
        "additionalProperties": {"$ref": "#/components/schemas/SpaceTranslation"},
        "description": "The name and description in the organization's other languages, by "
        "language code.",
        "example": {"fr": {"name": "Obtenir de l'aide", "description": "Posez vos questions."}},
    }
)
class SpaceTranslationsField(serializers.DictField):
    child = SpaceTranslationSerializer()

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        unknown = sorted(code for code in value if code not in LANGUAGE_CODES)
        if unknown:
            raise serializers.ValidationError(
                _("Unknown language: %(codes)s.") % {"codes": ", ".join(unknown)}
            )
        return {
            code: {"name": text["name"], "description": text.get("description", "")}
            for code, text in value.items()
        }


class SpaceSerializer(serializers.ModelSerializer):
    translations = SpaceTranslationsField(required=False)
    audiences = serializers.ListField(
        child=serializers.ChoiceField(choices=AUDIENCES),
        required=False,
        max_length=len(AUDIENCES),
        help_text=gettext_lazy("The stakeholder types it is open to; empty: everyone."),
    )

    class Meta:
        model = Space
        fields = [
            "id",
            "name",
            "slug",
            "description",
            "translations",
            "visibility",
            "audiences",
            "position",
            "is_archived",
            "created_at",
        ]
        read_only_fields = ["id", "created_at"]
        validators = []  # the address is checked against the organization's by the service

    def validate_audiences(self, value):
        return sorted(set(value))


SPACE_EXAMPLE = {
    "id": 3,
    "name": "Getting help",
    "slug": "getting-help",
    "description": "Ask how to get food parcels, advice and support.",
    "translations": {"es": {"name": "Pedir ayuda", "description": "Pregunte cómo recibir ayuda."}},
    "visibility": "public",
    "audiences": ["client"],
    "position": 0,
    "is_archived": False,
    "created_at": "2026-11-02T09:30:00Z",
}


@extend_schema_view(
    list=extend_schema(
        summary="List spaces",
        description="Every space, archived ones too, in the order the community shows them.",
        examples=[OpenApiExample("A space for clients", value=SPACE_EXAMPLE)],
    ),
    retrieve=extend_schema(
        summary="Get one space", examples=[OpenApiExample("A space", value=SPACE_EXAMPLE)]
    ),
    create=extend_schema(
        summary="Create a space",
        examples=[
            OpenApiExample(
                "Volunteers only",
                value={
                    "name": "Volunteers",
                    "slug": "volunteers",
                    "visibility": "members",
                    "audiences": ["volunteer"],
                },
                request_only=True,
            )
        ],
    ),
    partial_update=extend_schema(
        summary="Update a space",
        examples=[OpenApiExample("Archive it", value={"is_archived": True}, request_only=True)],
    ),
    destroy=extend_schema(
        summary="Archive a space",
        description="A space is archived, not deleted: it is no longer listed on the community "
        "and takes no new posts, and its questions keep their links. ``PATCH`` "
        "``is_archived: false`` brings it back.",
    ),
)
@extend_schema(tags=["community spaces"])
class SpaceViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    CommunityViewSet,
):
    """The community's spaces ("Getting help", "Volunteers"…): staff read them, admins change
    them. Filter by ``visibility`` and ``is_archived``."""

    model = Space
    serializer_class = SpaceSerializer
    write_roles = (Role.ADMIN,)
    keyset_ordering = ("id",)
    filterset_fields = ["visibility", "is_archived"]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        archived = data.pop("is_archived", False)
        with transaction.atomic():
            space = question_services.space_create(
                organization=self.request.organization, data=data, actor=self.request.user
            )
            if archived:
                space = question_services.space_archive(
                    organization=self.request.organization, space=space, actor=self.request.user
                )
        serializer.instance = space

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        space = serializer.instance
        archived = data.pop("is_archived", None)
        with transaction.atomic():
            if data:
                space = question_services.space_update(
                    organization=self.request.organization,
                    space=space,
                    data=data,
                    actor=self.request.user,
                )
            if archived is not None and archived != space.is_archived:
                space = question_services.space_archive(
                    organization=self.request.organization,
                    space=space,
                    archived=archived,
                    actor=self.request.user,
                )
        serializer.instance = space

    def perform_destroy(self, instance):
        """A space is archived, never deleted: its questions keep their links."""
        question_services.space_archive(
            organization=self.request.organization, space=instance, actor=self.request.user
        )
