"""recovery API: ``recovery-cases`` (list, retrieve; add a note, reassign, ask "Is this put
right?", close). A member sees the cases of the areas their role sees; any other case is a 404,
like another organization's."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, mixins, serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from stakeholders.api import MemberField
from stakeholders.experience import recovery
from stakeholders.experience.models import RecoveryAction, RecoveryCase
from stakeholders.experience.registry import areas
from stakeholders.tenancy.api import OrganizationViewSet


class RecoveryActionSerializer(serializers.ModelSerializer):
    class Meta:
        model = RecoveryAction
        fields = ["id", "kind", "note", "actor", "occurred_at"]
        read_only_fields = fields


class RecoveryCaseSerializer(serializers.ModelSerializer):
    contact_name = serializers.CharField(source="contact.name", read_only=True)
    next_due = serializers.SerializerMethodField()

    class Meta:
        model = RecoveryCase
        fields = [
            "id",
            "contact",
            "contact_name",
            "area",
            "status",
            "summary",
            "owner",
            "feedback",
            "interaction",
            "related_kind",
            "related_id",
            "opened_at",
            "first_action_at",
            "respond_by",
            "resolve_by",
            "next_due",
            "escalated_at",
            "asked_at",
            "closed_at",
        ]
        read_only_fields = fields

    def get_next_due(self, case) -> str | None:
        due = recovery.next_due(case)
        return serializers.DateTimeField().to_representation(due) if due else None


class RecoveryCaseDetailSerializer(RecoveryCaseSerializer):
    actions = serializers.SerializerMethodField()

    class Meta(RecoveryCaseSerializer.Meta):
        fields = [*RecoveryCaseSerializer.Meta.fields, "actions"]
        read_only_fields = fields

    def get_actions(self, case) -> list[dict]:
        organization = self.context["request"].organization
        rows = recovery.case_actions(organization=organization, case=case)
        return RecoveryActionSerializer(rows, many=True).data


class NoteSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=4000)


class ReassignSerializer(serializers.Serializer):
    owner = MemberField()


class RecoveryCaseViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, OrganizationViewSet):
    """Recovery cases, newest first; filter by status, area, owner, contact."""

    model = RecoveryCase
    serializer_class = RecoveryCaseSerializer
    read_roles = recovery.CASE_ROLES
    write_roles = recovery.CASE_ROLES
    keyset_ordering = ("-opened_at", "-id")
    filterset_fields = ["status", "area", "owner", "contact"]

    def permission_denied(self, request, message=None, code=None):
        """A role that sees no case is told the route is not found (as on the pages)."""
        if request.user and request.user.is_authenticated:
            raise exceptions.NotFound()
        super().permission_denied(request, message=message, code=code)

    def scope_queryset(self, queryset):
        membership = getattr(self.request, "membership", None)
        role = membership.role if membership is not None else None
        return queryset.filter(area__in=areas.visible_to(role)).select_related("contact")

    def get_serializer_class(self):
        if self.action == "retrieve":
            return RecoveryCaseDetailSerializer
        return super().get_serializer_class()

    def _answer(self, case):
        case = self.get_queryset().get(pk=case.pk)
        return Response(
            RecoveryCaseDetailSerializer(case, context=self.get_serializer_context()).data
        )

    @extend_schema(request=NoteSerializer, responses=RecoveryCaseDetailSerializer)
    @action(detail=True, methods=["post"])
    def note(self, request, *args, **kwargs):
        case = self.get_object()
        data = NoteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        recovery.case_add_note(
            organization=request.organization,
            case=case,
            actor=request.user,
            note=data.validated_data["note"],
        )
        return self._answer(case)

    @extend_schema(request=ReassignSerializer, responses=RecoveryCaseDetailSerializer)
    @action(detail=True, methods=["post"])
    def reassign(self, request, *args, **kwargs):
        case = self.get_object()
        data = ReassignSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        recovery.case_reassign(
            organization=request.organization,
            case=case,
            owner=data.validated_data["owner"],
            actor=request.user,
        )
        return self._answer(case)

    @extend_schema(request=None, responses=RecoveryCaseDetailSerializer)
    @action(detail=True, methods=["post"])
    def ask(self, request, *args, **kwargs):
        case = self.get_object()
        decision = recovery.case_ask(
            organization=request.organization, case=case, actor=request.user
        )
        if not decision:
            raise serializers.ValidationError(
                {
                    "contact": [
                        _("Not asked: %(reason)s. You can close the case with a note.")
                        % {"reason": decision.reason_label}
                    ],
                    "reason": decision.reason,
                }
            )
        return self._answer(case)

    @extend_schema(request=NoteSerializer, responses=RecoveryCaseDetailSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, *args, **kwargs):
        case = self.get_object()
        data = NoteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        recovery.case_close(
            organization=request.organization,
            case=case,
            actor=request.user,
            note=data.validated_data["note"],
        )
        return self._answer(case)


def register(router):
    router.register("recovery-cases", RecoveryCaseViewSet, basename="recovery-case")
