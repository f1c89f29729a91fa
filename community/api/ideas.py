"""Ideas: their status and the team's note, set through the ideas service."""

import django_filters
from django.utils.translation import gettext as _
from drf_spectacular.utils import (
    OpenApiExample,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from community.api.common import (
    AuthorFields,
    CommunityViewSet,
    moderated_or_published,
    organization_spaces,
)
from community.models import (
    Idea,
    IdeaStatus,
    PostStatus,
)
from community.services import ideas as idea_services
from community.services.ideas import IDEA_ROLES
from stakeholders.tenancy.filters import OrganizationFilterSet


class IdeaSerializer(AuthorFields, serializers.ModelSerializer):
    class Meta:
        model = Idea
        fields = [
            "id",
            "space",
            "title",
            "body",
            "status",
            "staff_note",
            "moderation",
            "author",
            "author_name",
            "author_is_expert",
            "vote_count",
            "created_at",
            "status_changed_at",
        ]
        read_only_fields = fields


class IdeaStatusSerializer(serializers.Serializer):
    """What staff decide about an idea: its status and a note the community reads."""

    status = serializers.ChoiceField(choices=IdeaStatus.choices)
    staff_note = serializers.CharField(
        required=False, allow_blank=True, max_length=2000, trim_whitespace=True
    )

    def to_internal_value(self, data):
        if isinstance(data, dict):
            refused = sorted(set(data) - set(self.fields))
            if refused:
                message = _("This field can't be changed here.")
                raise serializers.ValidationError({name: [message] for name in refused})
        return super().to_internal_value(data)


class IdeaFilter(OrganizationFilterSet):
    space = django_filters.ModelChoiceFilter(queryset=organization_spaces)
    status = django_filters.ChoiceFilter(choices=IdeaStatus.choices)
    moderation = django_filters.ChoiceFilter(choices=PostStatus.choices)

    class Meta:
        model = Idea
        fields = []


IDEA_EXAMPLE = {
    "id": 17,
    "space": 5,
    "title": "Open the food bank on Saturday mornings",
    "body": "Many of us work on weekdays and can't come before 5 pm.",
    "status": "planned",
    "staff_note": "We are recruiting volunteers for a Saturday shift from January.",
    "moderation": "published",
    "author": 52,
    "author_name": "Nightingale",
    "author_is_expert": False,
    "vote_count": 23,
    "created_at": "2026-10-03T18:21:00Z",
    "status_changed_at": "2026-11-12T10:00:00Z",
}


@extend_schema_view(
    list=extend_schema(
        summary="List ideas",
        description="Most votes first. Filter by space, status and moderation; ideas waiting "
        "for a moderator or hidden are listed for admins only.",
        examples=[OpenApiExample("A planned idea", value=IDEA_EXAMPLE)],
    ),
    retrieve=extend_schema(
        summary="Get one idea", examples=[OpenApiExample("A planned idea", value=IDEA_EXAMPLE)]
    ),
)
@extend_schema(tags=["community ideas"])
class IdeaViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, CommunityViewSet):
    """Ideas members proposed and voted for; admins set their status and a note."""

    model = Idea
    serializer_class = IdeaSerializer
    filterset_class = IdeaFilter
    write_roles = IDEA_ROLES
    keyset_ordering = ("-vote_count", "-id")

    def scope_queryset(self, queryset):
        return moderated_or_published(
            self.request, queryset.select_related("author"), status_field="moderation"
        )

    @extend_schema(
        summary="Set an idea's status",
        description="Under review, planned, done or not now, with a note the community "
        "reads. When it becomes planned or done, its author and voters are told by email "
        "once.",
        request=IdeaStatusSerializer,
        responses={200: IdeaSerializer},
        examples=[
            OpenApiExample(
                "Planned",
                value={"status": "planned", "staff_note": "Starting in January."},
                request_only=True,
            )
        ],
    )
    @action(detail=True, methods=["post"], url_path="status")
    def set_status(self, request, *args, **kwargs):
        idea = self.get_object()
        data = self._validated(IdeaStatusSerializer)
        idea_services.idea_set_status(
            organization=request.organization,
            idea=idea,
            status=data["status"],
            note=data.get("staff_note", idea.staff_note),
            actor=request.user,
        )
        idea = self.get_queryset().get(pk=idea.pk)
        return Response(self.get_serializer(idea).data)
