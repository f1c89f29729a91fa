"""API of the volunteers app: profiles, opportunities, shifts, assignments, hours, trainings.
Writes go through the services (the same checks as the pages: overlaps, places, trainings)."""

from django.db.models import Count, DecimalField, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from stakeholders.api import OrganizationRelatedField
from stakeholders.models import Role
from stakeholders.tenancy.api import OrganizationViewSet
from volunteers import selectors, services
from volunteers.models import (
    Assignment,
    Cause,
    HoursEntry,
    Opportunity,
    Shift,
    Skill,
    Training,
    TrainingRecord,
    VolunteerProfile,
)

READERS = (Role.ADMIN, Role.VOLUNTEER_COORDINATOR, Role.VIEWER)
WRITERS = (Role.ADMIN, Role.VOLUNTEER_COORDINATOR)


class ProfileSerializer(serializers.ModelSerializer):
    contact_name = serializers.CharField(source="contact.name", read_only=True)
    email = serializers.CharField(source="contact.email", read_only=True)
    skills = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    causes = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    availability = serializers.SerializerMethodField()
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
            "languages",
            "under_18",
            "joined_at",
            "approved_at",
            "approved_hours",
        ]
        read_only_fields = [f for f in fields if f != "status"]

    def get_availability(self, profile) -> list[str]:
        return selectors.availability_labels(profile.availability)


class ProfileViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.UpdateModelMixin, OrganizationViewSet
):
    """Volunteer profiles with their approved hours. Only the status is changed here."""

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
        if "status" in serializer.validated_data:
            services.profile_set_status(
                organization=self.request.organization,
                profile=serializer.instance,
                status=serializer.validated_data["status"],
            )


class OpportunitySerializer(serializers.ModelSerializer):
    cause = OrganizationRelatedField(Cause, required=False, allow_null=True)
    skills = OrganizationRelatedField(Skill, many=True, required=False)
    trainings = OrganizationRelatedField(Training, many=True, required=False)

    class Meta:
        model = Opportunity
        fields = [
            "id",
            "language",
            "original",
            "title",
            "description",
            "cause",
            "skills",
            "trainings",
            "location",
            "city",
            "minimum_age",
            "is_active",
        ]
        validators = []  # the title's uniqueness is checked by the service, in the organization
        # A version in another language is added and edited on the opportunity's page.
        read_only_fields = ["language", "original"]


class OpportunityViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    OrganizationViewSet,
):
    model = Opportunity
    serializer_class = OpportunitySerializer
    read_roles = READERS
    write_roles = WRITERS
    filterset_fields = ["is_active", "cause", "language", "original"]

    def scope_queryset(self, queryset):
        """The list has the originals; ``?original=<id>`` lists one's versions."""
        if self.action == "list" and not self.request.query_params.get("original"):
            queryset = queryset.filter(original__isnull=True)
        return queryset.prefetch_related("skills", "trainings")

    def perform_create(self, serializer):
        serializer.instance = services.opportunity_save(
            organization=self.request.organization, **serializer.validated_data
        )

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        instance = serializer.instance
        if serializer.partial:  # keep the links not sent
            data.setdefault("skills", list(instance.skills.all()))
            data.setdefault("trainings", list(instance.trainings.all()))
            data.setdefault("cause", instance.cause)
        serializer.instance = services.opportunity_save(
            organization=self.request.organization, opportunity=instance, **data
        )


class ShiftSerializer(serializers.ModelSerializer):
    opportunity = OrganizationRelatedField(Opportunity)
    taken = serializers.IntegerField(read_only=True)
    waiting = serializers.IntegerField(read_only=True)

    class Meta:
        model = Shift
        fields = [
            "id",
            "opportunity",
            "series",
            "starts_at",
            "ends_at",
            "capacity",
            "location",
            "notes",
            "taken",
            "waiting",
        ]
        read_only_fields = ["series"]


class ShiftViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    OrganizationViewSet,
):
    model = Shift
    serializer_class = ShiftSerializer
    read_roles = READERS
    write_roles = WRITERS
    filterset_fields = {"opportunity": ["exact"], "starts_at": ["gte", "lte"]}
    keyset_ordering = ("starts_at", "id")

    def scope_queryset(self, queryset):
        return queryset.annotate(
            taken=Count("assignments", filter=Q(assignments__status__in=Assignment.HOLDS_A_PLACE)),
            waiting=Count(
                "assignments", filter=Q(assignments__status=Assignment.Status.WAITLISTED)
            ),
        )

    def perform_create(self, serializer):
        shift = services.shift_add(
            organization=self.request.organization, **serializer.validated_data
        )
        shift.taken = shift.waiting = 0
        serializer.instance = shift

    def perform_update(self, serializer):
        fields = dict(serializer.validated_data)
        fields.pop("opportunity", None)
        shift = services.shift_update(
            organization=self.request.organization, shift=serializer.instance, **fields
        )
        shift.taken, shift.waiting = serializer.instance.taken, serializer.instance.waiting
        serializer.instance = shift


class AssignmentSerializer(serializers.ModelSerializer):
    shift = OrganizationRelatedField(Shift)
    profile = OrganizationRelatedField(VolunteerProfile)

    class Meta:
        model = Assignment
        fields = ["id", "shift", "profile", "status", "source", "created_at", "reminded_at"]
        read_only_fields = ["status", "source", "created_at", "reminded_at"]
        validators = []


class AttendanceSerializer(serializers.Serializer):
    attended = serializers.BooleanField()


class AssignmentViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, OrganizationViewSet
):
    """Create = put a volunteer on a shift (confirmed, or waitlisted when full; overlapping
    shifts and missing trainings are refused with the reason)."""

    model = Assignment
    serializer_class = AssignmentSerializer
    read_roles = READERS
    write_roles = WRITERS
    filterset_fields = ["shift", "profile", "status"]

    def perform_create(self, serializer):
        serializer.instance = services.shift_signup(
            organization=self.request.organization,
            source=Assignment.Source.COORDINATOR,
            **serializer.validated_data,
        )

    @extend_schema(request=None, responses=AssignmentSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, *args, **kwargs):
        assignment = services.assignment_cancel(
            organization=request.organization, assignment=self.get_object()
        )
        return Response(self.get_serializer(assignment).data)

    @extend_schema(request=AttendanceSerializer, responses=AssignmentSerializer)
    @action(detail=True, methods=["post"])
    def attendance(self, request, *args, **kwargs):
        target = self.get_object()
        data = AttendanceSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        assignment = services.attendance_record(
            organization=request.organization,
            assignment=target,
            attended=data.validated_data["attended"],
            actor=request.user,
        )
        return Response(self.get_serializer(assignment).data)


class HoursSerializer(serializers.ModelSerializer):
    profile = OrganizationRelatedField(VolunteerProfile)
    opportunity = OrganizationRelatedField(Opportunity, required=False, allow_null=True)

    class Meta:
        model = HoursEntry
        fields = [
            "id",
            "profile",
            "opportunity",
            "worked_on",
            "hours",
            "description",
            "status",
            "source",
            "decided_at",
            "created_at",
        ]
        read_only_fields = ["status", "source", "decided_at", "created_at"]


class HoursViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, OrganizationViewSet
):
    """Hours logged by a coordinator are approved at once; the volunteers' own wait here for
    ``approve`` or ``reject``."""

    model = HoursEntry
    serializer_class = HoursSerializer
    read_roles = READERS
    write_roles = WRITERS
    filterset_fields = {"profile": ["exact"], "status": ["exact"], "worked_on": ["gte", "lte"]}
    keyset_ordering = ("-worked_on", "-id")

    def perform_create(self, serializer):
        serializer.instance = services.hours_log(
            organization=self.request.organization,
            actor=self.request.user,
            **serializer.validated_data,
        )

    def _decide(self, request, approve):
        entry = services.hours_decide(
            organization=request.organization,
            entry=self.get_object(),
            approve=approve,
            actor=request.user,
        )
        return Response(self.get_serializer(entry).data)

    @extend_schema(request=None, responses=HoursSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, *args, **kwargs):
        return self._decide(request, True)

    @extend_schema(request=None, responses=HoursSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request, *args, **kwargs):
        return self._decide(request, False)


class TrainingSerializer(serializers.ModelSerializer):
    grants_skill = OrganizationRelatedField(Skill, required=False, allow_null=True)

    class Meta:
        model = Training
        fields = ["id", "name", "description", "valid_months", "grants_skill"]
        validators = []


class TrainingViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    OrganizationViewSet,
):
    model = Training
    serializer_class = TrainingSerializer
    read_roles = READERS
    write_roles = WRITERS

    def perform_create(self, serializer):
        serializer.instance = services.training_save(
            organization=self.request.organization, **serializer.validated_data
        )

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        if serializer.partial:
            data.setdefault("grants_skill", serializer.instance.grants_skill)
        serializer.instance = services.training_save(
            organization=self.request.organization, training=serializer.instance, **data
        )


class TrainingRecordSerializer(serializers.ModelSerializer):
    profile = OrganizationRelatedField(VolunteerProfile)
    training = OrganizationRelatedField(Training)

    class Meta:
        model = TrainingRecord
        fields = ["id", "profile", "training", "completed_on", "expires_on"]
        read_only_fields = ["expires_on"]
        validators = []


class TrainingRecordViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, OrganizationViewSet
):
    model = TrainingRecord
    serializer_class = TrainingRecordSerializer
    read_roles = READERS
    write_roles = WRITERS
    filterset_fields = ["profile", "training"]

    def perform_create(self, serializer):
        serializer.instance = services.training_record(
            organization=self.request.organization,
            actor=self.request.user,
            **serializer.validated_data,
        )


router = SimpleRouter()
router.register("volunteer-profiles", ProfileViewSet, basename="volunteer-profile")
router.register("opportunities", OpportunityViewSet, basename="opportunity")
router.register("shifts", ShiftViewSet, basename="shift")
router.register("assignments", AssignmentViewSet, basename="assignment")
router.register("volunteer-hours", HoursViewSet, basename="volunteer-hours")
router.register("trainings", TrainingViewSet, basename="training")
router.register("training-records", TrainingRecordViewSet, basename="training-record")
