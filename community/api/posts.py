"""Questions and answers: published ones for every staff role, the others for the roles that
moderate their space (approve and hide through the moderation services)."""

import django_filters
from django.conf import settings
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import (
    OpenApiExample,
    extend_schema,
    extend_schema_view,
)
from rest_framework import exceptions, mixins, serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from community.api.common import (
    AuthorFields,
    CommunityViewSet,
    moderated_or_published,
    organization_spaces,
    staff_role,
)
from community.models import (
    Answer,
    PostStatus,
    Question,
)
from community.selectors.moderation import MODERATOR_ROLES, post_get
from community.services import moderation as moderation_services
from stakeholders.tenancy.filters import OrganizationFilterSet, UtcDateTimeFilter


class QuestionSerializer(AuthorFields, serializers.ModelSerializer):
    class Meta:
        model = Question
        fields = [
            "id",
            "space",
            "title",
            "body",
            "tags",
            "language",
            "status",
            "hold_reason",
            "author",
            "author_name",
            "author_is_expert",
            "score",
            "answer_count",
            "accepted_answer",
            "is_locked",
            "merged_into",
            "article_id",
            "created_at",
            "edited_at",
            "first_answer_at",
            "last_activity_at",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "status": {
                "help_text": gettext_lazy("published, pending (waiting for a moderator) or hidden.")
            },
            "article_id": {"help_text": gettext_lazy("The help-centre article it became.")},
        }


class AnswerSerializer(AuthorFields, serializers.ModelSerializer):
    class Meta:
        model = Answer
        fields = [
            "id",
            "question",
            "body",
            "status",
            "hold_reason",
            "author",
            "author_name",
            "author_is_expert",
            "score",
            "is_accepted",
            "created_at",
            "edited_at",
        ]
        read_only_fields = fields


def _organization_questions(request):
    organization = getattr(request, "organization", None)
    if organization is None:
        return Question.objects.none()
    return Question.objects.filter(organization=organization)


class QuestionFilter(OrganizationFilterSet):
    space = django_filters.ModelChoiceFilter(queryset=organization_spaces)
    status = django_filters.ChoiceFilter(choices=PostStatus.choices)
    tag = django_filters.CharFilter(
        method="filter_tag", max_length=40, label="Tagged with this tag (exact, lowercase)"
    )
    answered = django_filters.BooleanFilter(
        method="filter_answered", label="Has at least one published answer (true) or none (false)"
    )
    accepted = django_filters.BooleanFilter(
        field_name="accepted_answer",
        lookup_expr="isnull",
        exclude=True,
        label="Has an accepted answer (true) or not (false)",
    )
    language = django_filters.ChoiceFilter(choices=settings.LANGUAGES)
    updated_since = UtcDateTimeFilter(
        field_name="last_activity_at",
        lookup_expr="gte",
        label="Last activity at or after this time (ISO 8601)",
    )

    class Meta:
        model = Question
        fields = []  # all declared above: generating them would query outside a scope

    def filter_tag(self, queryset, name, value):
        return queryset.filter(tags__contains=[value.strip().lower()])

    def filter_answered(self, queryset, name, value):
        return queryset.filter(answer_count__gt=0) if value else queryset.filter(answer_count=0)


class AnswerFilter(OrganizationFilterSet):
    question = django_filters.ModelChoiceFilter(queryset=_organization_questions)
    status = django_filters.ChoiceFilter(choices=PostStatus.choices)
    is_accepted = django_filters.BooleanFilter()

    class Meta:
        model = Answer
        fields = []


QUESTION_EXAMPLE = {
    "id": 128,
    "space": 3,
    "title": "Can I collect a food parcel for my neighbour?",
    "body": "She can't walk to the centre any more. What do I need to bring?",
    "tags": ["food-parcels"],
    "language": "en",
    "status": "published",
    "hold_reason": "",
    "author": 41,
    "author_name": "Marigold",
    "author_is_expert": False,
    "score": 4,
    "answer_count": 2,
    "accepted_answer": 311,
    "is_locked": False,
    "merged_into": None,
    "article_id": None,
    "created_at": "2026-11-20T08:14:00Z",
    "edited_at": None,
    "first_answer_at": "2026-11-20T09:02:00Z",
    "last_activity_at": "2026-11-21T16:40:00Z",
}
ANSWER_EXAMPLE = {
    "id": 311,
    "question": 128,
    "body": "Yes: bring a note signed by her and your own ID. The team keeps her parcel aside.",
    "status": "published",
    "hold_reason": "",
    "author": 7,
    "author_name": "Sam (food bank team)",
    "author_is_expert": True,
    "score": 6,
    "is_accepted": True,
    "created_at": "2026-11-20T09:02:00Z",
    "edited_at": None,
}


class HideSerializer(serializers.Serializer):
    reason = serializers.CharField(
        max_length=200, help_text=gettext_lazy("Why, for the other moderators (kept on the post).")
    )


class ModerationActions:
    """Approve a waiting post, or reject/hide one, through the moderation pages' own services
    (same audit trail, counters and notifications). Only a role that moderates the post's
    space may: for anyone else the post is not found."""

    kind = None

    def _moderated(self):
        post = post_get(
            organization=self.request.organization,
            role=staff_role(self.request),
            kind=self.kind,
            post_id=self.kwargs["pk"],
        )
        if post is None:
            raise exceptions.NotFound()
        return post

    def _answer(self, post):
        return Response(self.get_serializer(self.get_queryset().get(pk=post.pk)).data)

    @extend_schema(
        summary="Approve a waiting post",
        description="Publishes a post that waited for a moderator (as the moderation queue "
        "does: counters, the author's approved posts, followers told).",
        request=None,
    )
    @action(detail=True, methods=["post"])
    def approve(self, request, *args, **kwargs):
        post = self._moderated()
        moderation_services.approve(
            organization=request.organization, user=request.user, kind=self.kind, post=post
        )
        return self._answer(post)

    @extend_schema(
        summary="Reject or hide a post",
        description="A waiting post is rejected, a published one hidden; the reason is kept "
        "on the post and its open reports are resolved with it.",
        request=HideSerializer,
        examples=[
            OpenApiExample(
                "Personal details",
                value={"reason": "Shares a phone number: asked the author to post again."},
                request_only=True,
            )
        ],
    )
    @action(detail=True, methods=["post"])
    def hide(self, request, *args, **kwargs):
        post = self._moderated()
        data = self._validated(HideSerializer)
        moderation_services.hide(
            organization=request.organization,
            user=request.user,
            kind=self.kind,
            post=post,
            reason=data["reason"],
        )
        return self._answer(post)


class PostViewSet(
    ModerationActions, mixins.ListModelMixin, mixins.RetrieveModelMixin, CommunityViewSet
):
    """Posts: published ones for every role, the others for the roles that moderate their
    space; those roles approve or hide them."""

    write_roles = MODERATOR_ROLES

    space_path = "space"

    def scope_queryset(self, queryset):
        return moderated_or_published(
            self.request, queryset.select_related("author"), space_path=self.space_path
        )


@extend_schema_view(
    list=extend_schema(
        summary="List questions",
        description="Latest activity first. Filter by space, status, tag, answered, accepted, "
        "language and ``updated_since``. Questions waiting for a moderator or hidden are "
        "listed for admins only.",
        examples=[OpenApiExample("An answered question", value=QUESTION_EXAMPLE)],
    ),
    retrieve=extend_schema(
        summary="Get one question",
        examples=[OpenApiExample("An answered question", value=QUESTION_EXAMPLE)],
    ),
)
@extend_schema(tags=["community questions"])
class QuestionViewSet(PostViewSet):
    """Questions asked in the community's spaces. Asking, answering and voting are the
    members' (on the community's pages); moderators approve or hide here too."""

    model = Question
    kind = "question"
    serializer_class = QuestionSerializer
    filterset_class = QuestionFilter
    keyset_ordering = ("-last_activity_at", "-id")


@extend_schema_view(
    list=extend_schema(
        summary="List answers",
        description="Newest first; ``?question=<id>`` lists one question's answers. Answers "
        "waiting for a moderator or hidden are listed for admins only.",
        examples=[OpenApiExample("An accepted answer by staff", value=ANSWER_EXAMPLE)],
    ),
    retrieve=extend_schema(
        summary="Get one answer",
        examples=[OpenApiExample("An accepted answer by staff", value=ANSWER_EXAMPLE)],
    ),
)
@extend_schema(tags=["community answers"])
class AnswerViewSet(PostViewSet):
    """Answers to the community's questions, by peers and by staff; moderators approve or
    hide them here too."""

    model = Answer
    kind = "answer"
    serializer_class = AnswerSerializer
    filterset_class = AnswerFilter
    keyset_ordering = ("-created_at", "-id")

    space_path = "question__space"

    def scope_queryset(self, queryset):
        # nor a published answer under a question the reader may not see
        questions = moderated_or_published(
            self.request, Question.objects.filter(organization=self.request.organization)
        )
        return super().scope_queryset(queryset).filter(question__in=questions.values("pk"))
