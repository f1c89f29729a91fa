"""The skills and causes volunteers choose from, and the milestones they reach."""

from django.db import transaction
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import mixins, serializers

from stakeholders.tenancy.api import OrganizationViewSet
from volunteers import selectors, services
from volunteers.api.common import READERS, WRITERS
from volunteers.models import (
    Cause,
    Milestone,
    Skill,
    VolunteerSettings,
)

# --- Skills and causes ------------------------------------------------------------------------


def one_line(name):
    """Skills and causes are kept as a list of lines (``services.settings_save``)."""
    return " ".join(name.split())


def names_field(model, organization):
    lister = selectors.skills if model is Skill else selectors.causes
    return [row.name for row in lister(organization=organization).order_by("name", "pk")]


@transaction.atomic
def _names_change(*, organization, model, add=None, remove=None):
    """Add or remove one skill or cause through the settings' service, which keeps exactly the
    names it is given (a removed one leaves profiles and opportunities too), as the settings
    page does. The settings row is locked first, so two changes at once don't lose one."""
    config = services.volunteer_settings(organization=organization)
    list(VolunteerSettings.objects.select_for_update().filter(pk=config.pk).values_list("pk"))
    lists = {Skill: names_field(Skill, organization), Cause: names_field(Cause, organization)}
    if add is not None:
        lists[model].append(add)
    if remove is not None:
        lists[model] = [name for name in lists[model] if name != remove.name]
    services.settings_save(
        organization=organization,
        skills_text="\n".join(lists[Skill]),
        causes_text="\n".join(lists[Cause]),
    )
    if add is None:
        return None
    wanted = add.casefold()  # the list keeps the first spelling of a name
    return next(
        row
        for row in model.objects.filter(organization=organization)
        if row.name.casefold() == wanted
    )


class SkillSerializer(serializers.ModelSerializer):
    name = serializers.CharField(max_length=80)

    class Meta:
        model = Skill
        fields = ["id", "name"]

    def validate_name(self, name):
        return one_line(name)


class CauseSerializer(SkillSerializer):
    class Meta:
        model = Cause
        fields = ["id", "name"]


class _NamesViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    OrganizationViewSet,
):
    """Skills or causes: read by the volunteer staff, added and removed by coordinators (the
    settings page's lists). Adding a name already there answers with that one."""

    read_roles = READERS
    write_roles = WRITERS
    keyset_ordering = ("name", "id")

    def perform_create(self, serializer):
        serializer.instance = _names_change(
            organization=self.request.organization,
            model=self.model,
            add=serializer.validated_data["name"],
        )

    def perform_destroy(self, instance):
        _names_change(organization=self.request.organization, model=self.model, remove=instance)


def _names_schema(name, plural, example):
    row = {"id": 6, "name": example}
    return extend_schema_view(
        list=extend_schema(
            summary=f"List {plural}",
            description=f"The {plural} volunteers choose from on the signup form and "
            "opportunities ask for, by name.",
            examples=[OpenApiExample(name.capitalize(), value=row, response_only=True)],
        ),
        retrieve=extend_schema(
            summary=f"Get one {name}",
            examples=[OpenApiExample(name.capitalize(), value=row, response_only=True)],
        ),
        create=extend_schema(
            summary=f"Add a {name}",
            description="A name already on the list (in any case) answers with that one.",
            examples=[OpenApiExample("New", value={"name": example}, request_only=True)],
        ),
        destroy=extend_schema(
            summary=f"Remove a {name}",
            description="It leaves the volunteers' profiles and the opportunities too.",
        ),
    )


@_names_schema("skill", "skills", "First aid")
class SkillViewSet(_NamesViewSet):
    model = Skill
    serializer_class = SkillSerializer


@_names_schema("cause", "causes", "Food poverty")
class CauseViewSet(_NamesViewSet):
    model = Cause
    serializer_class = CauseSerializer


# --- Milestones -------------------------------------------------------------------------------


class MilestoneSerializer(serializers.ModelSerializer):
    label = serializers.SerializerMethodField()

    class Meta:
        model = Milestone
        fields = ["id", "profile", "code", "label", "reached_on", "created_at"]
        read_only_fields = fields

    def get_label(self, milestone) -> str:
        return selectors.milestone_label(milestone.code)


MILESTONE_EXAMPLE = {
    "id": 301,
    "profile": 58,
    "code": "hours_50",
    "label": "50 hours",
    "reached_on": "2026-11-20",
    "created_at": "2026-11-21T02:00:00Z",
}


@extend_schema_view(
    list=extend_schema(
        summary="List volunteer milestones",
        description="Reached by the volunteers (first shift, hours, anniversaries), found by "
        "the nightly check and thanked by the thank-you batch. Newest first; filter by "
        "``profile``, ``code`` or a range of ``reached_on``.",
        examples=[OpenApiExample("50 hours", value=MILESTONE_EXAMPLE, response_only=True)],
    ),
    retrieve=extend_schema(
        summary="Get one volunteer milestone",
        examples=[OpenApiExample("50 hours", value=MILESTONE_EXAMPLE, response_only=True)],
    ),
)
class MilestoneViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, OrganizationViewSet):
    model = Milestone
    serializer_class = MilestoneSerializer
    read_roles = READERS
    filterset_fields = {"profile": ["exact"], "code": ["exact"], "reached_on": ["gte", "lte"]}
    keyset_ordering = ("-reached_on", "-id")
