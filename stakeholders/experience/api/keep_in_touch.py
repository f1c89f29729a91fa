"""Keep-in-touch API: the steps (admins write them; each member reads those of the journeys
their role sees, with a preview) and each member's own open tasks (mark one done)."""

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from stakeholders.experience import keep_in_touch
from stakeholders.experience.models import KeepInTouchRun, KeepInTouchStep
from stakeholders.models import ALL_ROLES, Channel, Role, User
from stakeholders.tenancy.api import OrganizationViewSet


class StepSerializer(serializers.ModelSerializer):
    task_owner = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.all(), allow_null=True, required=False
    )
    missing_languages = serializers.SerializerMethodField()

    class Meta:
        model = KeepInTouchStep
        fields = [
            "id",
            "name",
            "journey",
            "stage",
            "after_days",
            "action",
            "task_owner",
            "subject",
            "body",
            "text_translations",
            "is_active",
            "created_at",
            "missing_languages",
        ]
        read_only_fields = ["id", "created_at", "missing_languages"]
        # The constraint "an email has a text" is the service's to check, per field.
        validators = []

    def get_missing_languages(self, step) -> list[str]:
        return step.missing_languages() if step.action == KeepInTouchStep.Action.EMAIL else []

    def validate_text_translations(self, value):
        if not isinstance(value, dict) or not all(
            isinstance(texts, dict) and all(isinstance(text, str) for text in texts.values())
            for texts in value.values()
        ):
            raise serializers.ValidationError('Give {"<language>": {"subject": …, "body": …}}.')
        return value


class StepViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    OrganizationViewSet,
):
    """Keep-in-touch steps of the journeys your role sees; admins create, change and delete
    them. ``preview``: who gets what next and why others are left out."""

    model = KeepInTouchStep
    serializer_class = StepSerializer
    read_roles = ALL_ROLES
    write_roles = (Role.ADMIN,)
    filterset_fields = ["journey", "stage", "action", "is_active"]
    keyset_ordering = ("journey", "stage", "id")

    def scope_queryset(self, queryset):
        keys = [journey.key for journey in keep_in_touch.journeys_for(self.request.membership.role)]
        return queryset.filter(journey__in=keys).select_related("organization")

    def perform_create(self, serializer):
        serializer.instance = keep_in_touch.step_save(
            organization=self.request.organization, **serializer.validated_data
        )

    def perform_update(self, serializer):
        serializer.instance = keep_in_touch.step_save(
            organization=self.request.organization,
            step=serializer.instance,
            **serializer.validated_data,
        )

    def perform_destroy(self, instance):
        keep_in_touch.step_delete(organization=self.request.organization, step=instance)

    @extend_schema(request=None, responses=None)
    @action(detail=True, methods=["get"])
    def preview(self, request, *args, **kwargs):
        step = self.get_object()
        result = keep_in_touch.preview(organization=request.organization, step=step)
        upcoming = []
        for row in result["upcoming"]:
            item = {
                "contact": row["contact"].pk,
                "name": row["contact"].name,
                "due_on": row["due_on"],
            }
            if "subject" in row:
                item.update(language=row["language"], subject=row["subject"])
            else:
                item["owner"] = row["owner"].pk if row.get("owner") else None
            upcoming.append(item)
        return Response({**result, "upcoming": upcoming})


class TaskSerializer(serializers.ModelSerializer):
    contact_name = serializers.CharField(source="contact.name", read_only=True)
    step_name = serializers.CharField(source="step.name", read_only=True)

    class Meta:
        model = KeepInTouchRun
        fields = [
            "id",
            "step",
            "step_name",
            "contact",
            "contact_name",
            "stage_entered_at",
            "status",
            "owner",
            "due_on",
            "done_at",
        ]
        read_only_fields = fields


class DoneSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=4000, required=False, allow_blank=True, default="")
    channel = serializers.ChoiceField(choices=Channel.choices, default=Channel.PHONE)


class TaskViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, OrganizationViewSet):
    """Your open keep-in-touch tasks (an admin reads anyone's with ``?owner=``), the oldest due
    first. ``done``: mark one done, with an optional note that goes on the timeline."""

    model = KeepInTouchRun
    serializer_class = TaskSerializer
    read_roles = write_roles = ALL_ROLES
    keyset_ordering = ("due_on", "id")

    def scope_queryset(self, queryset):
        request = self.request
        role = request.membership.role
        keys = [journey.key for journey in keep_in_touch.journeys_for(role)]
        queryset = queryset.filter(
            step__action=KeepInTouchStep.Action.TASK, step__journey__in=keys
        ).select_related("contact", "step")
        if role != Role.ADMIN:
            queryset = queryset.filter(owner=request.user)
        if getattr(self, "action", None) == "list":
            owner = request.user.pk
            if role == Role.ADMIN and request.query_params.get("owner"):
                owner = _int(request.query_params["owner"])
            queryset = queryset.filter(owner_id=owner, status=KeepInTouchRun.Status.OPEN)
        return queryset

    @extend_schema(request=DoneSerializer, responses=TaskSerializer)
    @action(detail=True, methods=["post"])
    def done(self, request, *args, **kwargs):
        run = self.get_object()
        data = DoneSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        run = keep_in_touch.task_done(
            organization=request.organization, run=run, user=request.user, **data.validated_data
        )
        return Response(self.get_serializer(run).data, status=status.HTTP_200_OK)


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def register(router):
    router.register("keep-in-touch-steps", StepViewSet, basename="keep-in-touch-step")
    router.register("keep-in-touch-tasks", TaskViewSet, basename="keep-in-touch-task")
