"""Programmes, their sessions and attendance (through the attendance service, which completes a
programme when its sessions are reached)."""

from django.utils.translation import gettext as _
from rest_framework import mixins, serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from clients import services
from clients.api.common import ClientDataViewSet
from clients.models import (
    Attendance,
    Programme,
    Session,
)
from stakeholders.api import OrganizationRelatedField
from stakeholders.core_api.docs import action_schema, documented
from stakeholders.selectors import contacts_active
from stakeholders.services import EARLIEST_YEAR

# --- Programmes, sessions and attendance --------------------------------------------------------


def unique_name(model, *, request, instance, name, message):
    """Names are unique in the organization (as the pages check): the clash is named on the
    field rather than left to the database."""
    clash = model.objects.filter(organization=request.organization, name=name)
    if instance is not None:
        clash = clash.exclude(pk=instance.pk)
    if clash.exists():
        raise serializers.ValidationError(message)
    return name


class ProgrammeSerializer(serializers.ModelSerializer):
    class Meta:
        model = Programme
        fields = ["id", "name", "description", "unit", "sessions_to_complete", "is_active"]
        validators = []  # the name is checked inside the organization below

    def validate_name(self, value):
        return unique_name(
            Programme,
            request=self.context["request"],
            instance=self.instance,
            name=value,
            message=_("There is a programme with that name."),
        )


PROGRAMME_EXAMPLE = {
    "id": 12,
    "name": "Budgeting course",
    "description": "Six evenings on budgets, bills and benefits.",
    "unit": "sessions",
    "sessions_to_complete": 5,
    "is_active": True,
}


@documented(
    "programmes",
    example=PROGRAMME_EXAMPLE,
    request_example={"name": "Budgeting course", "unit": "sessions", "sessions_to_complete": 5},
    summaries={
        "list": "List programmes",
        "retrieve": "Get a programme",
        "create": "Add a programme",
        "update": "Replace a programme",
        "partial_update": "Change a programme (e.g. retire it with is_active false)",
    },
)
class ProgrammeViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    ClientDataViewSet,
):
    """The services the organization delivers (caseworkers and admins, as on the pages); a
    programme with records is retired (``is_active``), never deleted."""

    model = Programme
    serializer_class = ProgrammeSerializer
    keyset_ordering = ("name", "id")
    filterset_fields = ["is_active"]

    def perform_create(self, serializer):
        serializer.save(organization=self.request.organization)


class SessionSerializer(serializers.ModelSerializer):
    programme = OrganizationRelatedField(Programme)

    class Meta:
        model = Session
        fields = ["id", "programme", "title", "starts_at", "location"]

    def validate_starts_at(self, value):
        if value.year < EARLIEST_YEAR:  # a typo, and a time no client reads right
            raise serializers.ValidationError(
                _("Give a date from %(year)d on.") % {"year": EARLIEST_YEAR}
            )
        return value

    def validate_programme(self, value):
        if self.instance is not None and value != self.instance.programme:
            raise serializers.ValidationError(_("A session stays with its programme."))
        return value


class AttendanceSerializer(serializers.ModelSerializer):
    class Meta:
        model = Attendance
        fields = ["id", "session", "contact", "status"]
        read_only_fields = fields


class AttendanceRecordSerializer(serializers.Serializer):
    """The register of one session: clients who came and clients who did not (ids of
    contacts). Clients not named keep what was recorded before."""

    present = serializers.ListField(child=serializers.IntegerField(min_value=1), max_length=500)
    absent = serializers.ListField(
        child=serializers.IntegerField(min_value=1), max_length=500, required=False, default=list
    )

    def validate(self, attrs):
        both = sorted(set(attrs["present"]) & set(attrs["absent"]))
        if both:
            raise serializers.ValidationError(
                {
                    "absent": _("A client can't be both present and absent: %(ids)s.")
                    % {"ids": ", ".join(map(str, both))}
                }
            )
        if not attrs["present"] and not attrs["absent"]:
            raise serializers.ValidationError({"present": _("Name at least one client.")})
        return attrs


SESSION_EXAMPLE = {
    "id": 40,
    "programme": 12,
    "title": "Week 1: where the money goes",
    "starts_at": "2026-03-02T18:30:00Z",
    "location": "Community hall",
}


@documented(
    "sessions",
    example=SESSION_EXAMPLE,
    request_example={k: v for k, v in SESSION_EXAMPLE.items() if k != "id"},
    summaries={
        "list": "List sessions of programmes, latest first",
        "retrieve": "Get a session",
        "create": "Add a session to a programme",
        "update": "Replace a session",
        "partial_update": "Change a session's title, time or place",
    },
)
class SessionViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    ClientDataViewSet,
):
    """Sessions of programmes; ``POST …/{id}/attendance/`` takes the register, which completes
    the programme for clients who reach its number of sessions (as the session page does)."""

    model = Session
    serializer_class = SessionSerializer
    keyset_ordering = ("-starts_at", "-id")
    filterset_fields = {"programme": ["exact"], "starts_at": ["gte", "lt"]}

    def perform_create(self, serializer):
        serializer.save(organization=self.request.organization)

    @action_schema(
        "sessions",
        summary="Take attendance: who came and who did not",
        request=AttendanceRecordSerializer,
        responses=AttendanceSerializer(many=True),
        request_example={"present": [311, 312], "absent": [315]},
        example=[
            {"id": 901, "session": 40, "contact": 311, "status": "attended"},
            {"id": 902, "session": 40, "contact": 312, "status": "attended"},
            {"id": 903, "session": 40, "contact": 315, "status": "absent"},
        ],
    )
    @action(
        detail=True,
        methods=["post"],
        url_path="attendance",
        filter_backends=[],  # the session by its id alone; the answer is one register
        pagination_class=None,
    )
    def attendance(self, request, *args, **kwargs):
        session = self.get_object()
        serializer = AttendanceRecordSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        known = set(
            contacts_active(organization=request.organization)
            .filter(pk__in=[*data["present"], *data["absent"]])
            .values_list("pk", flat=True)
        )
        unknown = {
            field: [_("Choose clients of your organization.")]
            for field in ("present", "absent")
            if set(data[field]) - known
        }
        if unknown:
            raise serializers.ValidationError(unknown)
        services.attendance_record(
            organization=request.organization,
            session=session,
            present_ids=data["present"],
            absent_ids=data["absent"],
            actor=request.user,
        )
        rows = list(Attendance.objects.filter(organization=request.organization, session=session))
        services.access_record(
            organization=request.organization,
            user=request.user,
            objects=[("attendance", row.pk, row.contact_id) for row in rows],
            action="api",
            path=request.path,
        )
        return Response(AttendanceSerializer(rows, many=True).data)


ATTENDANCE_EXAMPLE = {"id": 901, "session": 40, "contact": 311, "status": "attended"}


@documented(
    "attendance",
    example=ATTENDANCE_EXAMPLE,
    summaries={"list": "List attendance (filter by session or client)", "retrieve": "Get one"},
)
class AttendanceViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ClientDataViewSet):
    """Who attended which session; each read is in the access log. Recorded through
    ``POST sessions/{id}/attendance/``."""

    model = Attendance
    serializer_class = AttendanceSerializer
    access_kind = "attendance"
    keyset_ordering = ("-id",)
    filterset_fields = ["session", "contact", "status"]
