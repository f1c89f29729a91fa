"""Opportunities (and their versions in other languages), shifts, assignments, hours, trainings and
training records."""

from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import Count, OuterRef, Q
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import mixins, serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from stakeholders.api import OrganizationRelatedField
from stakeholders.core_api.docs import resource_schema
from stakeholders.core_api.versions import VersionAddMixin, translation_examples
from stakeholders.tenancy.api import OrganizationViewSet
from volunteers import services
from volunteers.api.common import READERS, WRITERS
from volunteers.models import (
    Assignment,
    Cause,
    HoursEntry,
    Opportunity,
    Shift,
    ShiftSeries,
    Skill,
    Training,
    TrainingRecord,
    VolunteerProfile,
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


class OpportunityVersionSerializer(serializers.Serializer):
    """What a version of an opportunity in another language has of its own: its words."""

    title = serializers.CharField(max_length=150)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    location = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


@resource_schema(
    "opportunity",
    {
        "id": 9,
        "language": "en",
        "original": None,
        "title": "Sort food at the depot",
        "description": "Check dates and pack parcels with the team.",
        "cause": 2,
        "skills": [],
        "trainings": [4],
        "location": "Mill Lane depot",
        "city": "Leeds",
        "minimum_age": 16,
        "is_active": True,
    },
    plural="opportunities",
    create={"title": "Sort food at the depot", "trainings": [4], "minimum_age": 16},
    update={"is_active": False},
)
@extend_schema_view(
    partial_update=extend_schema(
        description="On an original: any field (skills, trainings and cause left out are "
        "kept). On a version in another language: its ``title``, ``description`` and "
        "``location`` only; shifts and matching belong to the original."
    ),
    translations=translation_examples(OpportunitySerializer, "opportunity"),
)
class OpportunityViewSet(
    VersionAddMixin,
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
        if instance.original_id:  # a version in another language: its words only
            words = {
                name: data.get(name, getattr(instance, name))
                for name in ("title", "description", "location")
            }
            checked = OpportunityVersionSerializer(data=words)
            checked.is_valid(raise_exception=True)
            serializer.instance = services.opportunity_version_save(
                organization=self.request.organization, version=instance, **checked.validated_data
            )
            return
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


@resource_schema(
    "shift",
    {
        "id": 301,
        "opportunity": 9,
        "series": None,
        "starts_at": "2026-12-12T09:00:00Z",
        "ends_at": "2026-12-12T12:00:00Z",
        "capacity": 6,
        "location": "",
        "notes": "Wear closed shoes.",
        "taken": 4,
        "waiting": 0,
    },
    create={
        "opportunity": 9,
        "starts_at": "2026-12-12T09:00:00Z",
        "ends_at": "2026-12-12T12:00:00Z",
        "capacity": 6,
    },
    update={"capacity": 8},
)
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


class ShiftSeriesSerializer(serializers.ModelSerializer):
    """A repeating shift as the opportunity page makes it: the first date, the times of day in
    the organization's time zone, every so many weeks until a last date; each occurrence is
    then an ordinary shift (``shifts`` lists them; change or cancel them one by one)."""

    opportunity = OrganizationRelatedField(Opportunity)
    starts = serializers.TimeField(write_only=True, help_text="Local start time, e.g. 09:00")
    ends = serializers.TimeField(write_only=True, help_text="Local end time (next day if earlier)")
    capacity = serializers.IntegerField(min_value=1, max_value=10_000, write_only=True)
    location = serializers.CharField(max_length=200, required=False, write_only=True)
    notes = serializers.CharField(required=False, allow_blank=True, write_only=True)
    shifts = serializers.SerializerMethodField()

    class Meta:
        model = ShiftSeries
        fields = [
            "id",
            "opportunity",
            "every_weeks",
            "first_date",
            "until_date",
            "starts",
            "ends",
            "capacity",
            "location",
            "notes",
            "shifts",
            "created_at",
        ]
        read_only_fields = ["id", "created_at"]
        extra_kwargs = {"every_weeks": {"min_value": 1, "max_value": 52}}

    def get_shifts(self, series) -> list[int]:
        return list(getattr(series, "shift_ids", None) or [])


SERIES_EXAMPLE = {
    "id": 12,
    "opportunity": 9,
    "every_weeks": 1,
    "first_date": "2027-01-09",
    "until_date": "2027-03-27",
    "shifts": [301, 302, 303],
    "created_at": "2026-12-06T10:00:00Z",
}


@resource_schema(
    "shift series",
    SERIES_EXAMPLE,
    plural="shift series",
    create={
        "opportunity": 9,
        "every_weeks": 1,
        "first_date": "2027-01-09",
        "until_date": "2027-03-27",
        "starts": "09:00",
        "ends": "12:00",
        "capacity": 6,
    },
)
class ShiftSeriesViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, OrganizationViewSet
):
    model = ShiftSeries
    serializer_class = ShiftSeriesSerializer
    read_roles = READERS
    write_roles = WRITERS
    filterset_fields = ["opportunity"]

    def scope_queryset(self, queryset):
        shifts = Shift.objects.filter(
            organization=self.request.organization, series=OuterRef("pk")
        ).order_by("starts_at", "id")
        return queryset.annotate(shift_ids=ArraySubquery(shifts.values("id")))

    def perform_create(self, serializer):
        data = serializer.validated_data
        shifts = services.shift_create(
            organization=self.request.organization,
            opportunity=data["opportunity"],
            date=data["first_date"],
            starts=data["starts"],
            ends=data["ends"],
            capacity=data["capacity"],
            location=data.get("location", ""),
            notes=data.get("notes", ""),
            repeat_weeks=data.get("every_weeks", 1),
            until=data["until_date"],
        )
        series = ShiftSeries.objects.get(
            organization=self.request.organization, pk=shifts[0].series_id
        )
        series.shift_ids = [shift.pk for shift in shifts]
        serializer.instance = series


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


ASSIGNMENT_EXAMPLE = {
    "id": 7001,
    "shift": 301,
    "profile": 58,
    "status": "confirmed",
    "source": "coordinator",
    "created_at": "2026-12-01T10:00:00Z",
    "reminded_at": None,
}


@resource_schema(
    "assignment",
    ASSIGNMENT_EXAMPLE,
    create={"shift": 301, "profile": 58},
    cancel=extend_schema(
        summary="Take a volunteer off a shift",
        description="The first on the waiting list, if any, gets the place and is told.",
        request=None,
        responses=AssignmentSerializer,
        examples=[
            OpenApiExample(
                "Cancelled", value={**ASSIGNMENT_EXAMPLE, "status": "cancelled"}, response_only=True
            )
        ],
    ),
    attendance=extend_schema(
        summary="Record whether a volunteer came",
        description="Once the shift has started; attended shifts log their hours.",
        request=AttendanceSerializer,
        responses=AssignmentSerializer,
        examples=[OpenApiExample("Came", value={"attended": True}, request_only=True)],
    ),
)
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

    @action(detail=True, methods=["post"])
    def cancel(self, request, *args, **kwargs):
        assignment = services.assignment_cancel(
            organization=request.organization, assignment=self.get_object()
        )
        return Response(self.get_serializer(assignment).data)

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


HOURS_EXAMPLE = {
    "id": 5120,
    "profile": 58,
    "opportunity": 9,
    "worked_on": "2026-12-05",
    "hours": "3.00",
    "description": "Packed parcels",
    "status": "pending",
    "source": "self",
    "decided_at": None,
    "created_at": "2026-12-05T16:00:00Z",
}


@resource_schema(
    "hours entry",
    HOURS_EXAMPLE,
    plural="hours entries",
    create={"profile": 58, "opportunity": 9, "worked_on": "2026-12-05", "hours": "3"},
    approve=extend_schema(
        summary="Approve hours a volunteer logged",
        request=None,
        responses=HoursSerializer,
        examples=[
            OpenApiExample(
                "Approved",
                value={**HOURS_EXAMPLE, "status": "approved", "decided_at": "2026-12-06T09:00Z"},
                response_only=True,
            )
        ],
    ),
    reject=extend_schema(
        summary="Reject hours a volunteer logged",
        request=None,
        responses=HoursSerializer,
        examples=[
            OpenApiExample(
                "Rejected",
                value={**HOURS_EXAMPLE, "status": "rejected", "decided_at": "2026-12-06T09:00Z"},
                response_only=True,
            )
        ],
    ),
)
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

    @action(detail=True, methods=["post"])
    def approve(self, request, *args, **kwargs):
        return self._decide(request, True)

    @action(detail=True, methods=["post"])
    def reject(self, request, *args, **kwargs):
        return self._decide(request, False)


class TrainingSerializer(serializers.ModelSerializer):
    grants_skill = OrganizationRelatedField(Skill, required=False, allow_null=True)

    class Meta:
        model = Training
        fields = ["id", "name", "description", "valid_months", "grants_skill"]
        validators = []


@resource_schema(
    "training",
    {
        "id": 4,
        "name": "Food hygiene",
        "description": "Level 2, online.",
        "valid_months": 36,
        "grants_skill": None,
    },
    create={"name": "Food hygiene", "valid_months": 36},
    update={"valid_months": 24},
)
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


@resource_schema(
    "training record",
    {
        "id": 77,
        "profile": 58,
        "training": 4,
        "completed_on": "2026-05-10",
        "expires_on": "2029-05-10",
    },
    create={"profile": 58, "training": 4, "completed_on": "2026-05-10"},
)
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
