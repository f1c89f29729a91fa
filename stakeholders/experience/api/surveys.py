"""surveys API: the rules (admins write; every member reads the rules of the areas their role
sees) and the invitations with their answers (read-only)."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import mixins, serializers

from stakeholders.experience import surveys
from stakeholders.models import ALL_ROLES, Channel, Feedback, Role, SurveyInvitation, SurveyRule
from stakeholders.tenancy.api import OrganizationViewSet


class SurveyRuleSerializer(serializers.ModelSerializer):
    # Checked by the service against the touchpoints the member's role may see (the registry's
    # keys are not known when the schema is made).
    touchpoint = serializers.CharField(max_length=40)
    interaction_channel = serializers.ChoiceField(
        choices=[("", ""), *list(Channel.choices)], required=False, allow_blank=True
    )

    class Meta:
        model = SurveyRule
        fields = ["id", *surveys.RULE_FIELDS, "created_at"]
        read_only_fields = ["id", "created_at"]
        validators = []  # the service checks one rule per touchpoint, naming the field


class SurveyRuleViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    OrganizationViewSet,
):
    """Survey rules: which touchpoint, which questions, after how long. Another area's rules
    (a client's, for a fundraiser) are not found."""

    model = SurveyRule
    serializer_class = SurveyRuleSerializer
    read_roles = ALL_ROLES
    write_roles = (Role.ADMIN,)
    filterset_fields = ["touchpoint", "is_active"]

    def scope_queryset(self, queryset):
        visible = surveys.rules_visible(
            organization=self.request.organization, role=self.request.membership.role
        )
        return queryset & visible

    def perform_create(self, serializer):
        serializer.instance = surveys.rule_save(
            organization=self.request.organization,
            role=self.request.membership.role,
            **serializer.validated_data,
        )

    def perform_update(self, serializer):
        serializer.instance = surveys.rule_save(
            organization=self.request.organization,
            role=self.request.membership.role,
            rule=serializer.instance,
            **serializer.validated_data,
        )

    def perform_destroy(self, instance):
        surveys.rule_delete(organization=self.request.organization, rule=instance)


class SurveyAnswerSerializer(serializers.Serializer):
    measure = serializers.ChoiceField(choices=surveys.MEASURES)
    score = serializers.IntegerField()
    comment = serializers.CharField(allow_blank=True)
    created_at = serializers.DateTimeField()


class SurveyInvitationSerializer(serializers.ModelSerializer):
    answers = serializers.SerializerMethodField()

    class Meta:
        model = SurveyInvitation
        fields = [
            "id",
            "rule",
            "contact",
            "related_kind",
            "related_id",
            "touchpoint_at",
            "due_at",
            "status",
            "reason",
            "sent_at",
            "answered_at",
            "answers",
        ]
        read_only_fields = fields

    @extend_schema_field(SurveyAnswerSerializer(many=True))
    def get_answers(self, invitation):
        answers = self.context.get("answers")
        if answers is None:  # one invitation: its own query
            answers = answers_by_invitation(self.context["request"].organization, [invitation.pk])
        return answers.get(invitation.pk, [])


def answers_by_invitation(organization, ids):
    rows = (
        Feedback.objects.filter(organization=organization, invitation_id__in=ids)
        .order_by("created_at", "pk")
        .values("invitation_id", "measure", "score", "comment", "created_at")
    )
    found = {}
    for row in rows:
        found.setdefault(row.pop("invitation_id"), []).append(row)
    return found


class SurveyInvitationViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, OrganizationViewSet
):
    """Who was asked what, when, whether it went (and why not) and what they answered."""

    model = SurveyInvitation
    serializer_class = SurveyInvitationSerializer
    read_roles = ALL_ROLES
    filterset_fields = ["rule", "status", "contact"]

    def scope_queryset(self, queryset):
        keys = [t.key for t in surveys.touchpoints_visible_to(self.request.membership.role)]
        return queryset.filter(rule__touchpoint__in=keys)

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if getattr(self, "page_answers", None) is not None:
            context["answers"] = self.page_answers
        return context

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        self.page_answers = answers_by_invitation(request.organization, [i.pk for i in page])
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


def register(router):
    router.register("survey-rules", SurveyRuleViewSet, basename="survey-rule")
    router.register("survey-invitations", SurveyInvitationViewSet, basename="survey-invitation")
