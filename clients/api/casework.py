"""Completions, messages on requests (reply, call, note), the working-time clock (working hours,
holidays) and request attachments."""

from django.db import transaction
from django.http import FileResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import exceptions, mixins, serializers
from rest_framework.decorators import action

from clients import services
from clients.api.common import ClientDataViewSet
from clients.models import (
    Attachment,
    MessageKind,
    Programme,
    ProgrammeCompletion,
    RequestMessage,
    ServiceRequest,
    Status,
)
from stakeholders.api import OrganizationRelatedField
from stakeholders.core_api.docs import action_schema, documented
from stakeholders.core_api.relationships import ActiveContactField
from stakeholders.models import Contact, Direction, Holiday, Role, WorkingHours

# --- Completions, messages on requests, the working-time clock ----------------------------------


class CompletionSerializer(serializers.ModelSerializer):
    contact = ActiveContactField(Contact)
    programme = OrganizationRelatedField(Programme)
    consent = serializers.BooleanField(
        write_only=True,
        required=False,
        allow_null=True,
        default=None,
        help_text="Their answer to “may we send you a thank-you?”; null or left out: not asked.",
    )

    class Meta:
        model = ProgrammeCompletion
        fields = ["id", "contact", "programme", "completed_on", "consent", "created_at"]
        read_only_fields = ["id", "created_at"]
        extra_kwargs = {"completed_on": {"required": False}}
        validators = []  # recording a completion twice keeps the first (the service)


@documented(
    "programme-completions",
    example={
        "id": 55,
        "contact": 311,
        "programme": 12,
        "completed_on": "2026-03-30",
        "created_at": "2026-03-30T19:40:00Z",
    },
    request_example={"contact": 311, "programme": 12, "consent": True},
    summaries={
        "list": "List programme completions (filter by client or programme)",
        "retrieve": "Get a programme completion",
        "create": "Record that a client completed a programme",
    },
)
class ProgrammeCompletionViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, ClientDataViewSet
):
    """Completed programmes, which the participation thank-you thanks; with ``consent`` the
    client's answer about being thanked is recorded too (as on the client's services page)."""

    model = ProgrammeCompletion
    serializer_class = CompletionSerializer
    access_kind = "completion"
    keyset_ordering = ("-completed_on", "-id")
    filterset_fields = ["contact", "programme"]

    def perform_create(self, serializer):
        serializer.instance = services.completion_record(
            organization=self.request.organization,
            actor=self.request.user,
            **serializer.validated_data,
        )


class RequestMessageSerializer(serializers.ModelSerializer):
    request = OrganizationRelatedField(ServiceRequest)
    kind = serializers.ChoiceField(
        choices=[MessageKind.REPLY, MessageKind.CALL, MessageKind.NOTE],
        help_text="reply: emailed to the client; call: a phone call logged; note: team only.",
    )
    then = serializers.ChoiceField(
        choices=[Status.WAITING, Status.OPEN],
        default=Status.WAITING,
        write_only=True,
        help_text="After a reply: wait for the client, or keep the request open.",
    )
    direction = serializers.ChoiceField(
        choices=Direction.choices,
        default=Direction.OUTBOUND,
        write_only=True,
        help_text="Of a call: who called.",
    )
    body = serializers.CharField(allow_blank=True)
    author = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)

    class Meta:
        model = RequestMessage
        fields = ["id", "request", "kind", "body", "author", "then", "direction", "created_at"]
        read_only_fields = ["id", "author", "created_at"]


class ReadMessageSerializer(RequestMessageSerializer):
    kind = serializers.ChoiceField(choices=MessageKind.choices, read_only=True)


@documented(
    "request-messages",
    example={
        "id": 88,
        "request": 1021,
        "kind": "reply",
        "body": "We have booked you an appointment on Tuesday at 10:00.",
        "author": 4,
        "created_at": "2026-03-02T09:15:00Z",
    },
    request_example={
        "request": 1021,
        "kind": "reply",
        "body": "We have booked you an appointment on Tuesday at 10:00.",
        "then": "waiting",
    },
    summaries={
        "list": "List messages, calls and notes on requests (filter by request)",
        "retrieve": "Get a message",
        "create": "Reply to the client, log a call or add an internal note",
    },
)
class RequestMessageViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, ClientDataViewSet
):
    """The conversation of a request, oldest first, as on the request's page. A reply goes
    through the sending decision (consent, do-not-contact): one that can't be sent is refused
    on ``body`` and nothing is saved."""

    model = RequestMessage
    keyset_ordering = ("created_at", "id")
    filterset_fields = ["request", "kind"]

    def get_serializer_class(self):
        return RequestMessageSerializer if self.action == "create" else ReadMessageSerializer

    def scope_queryset(self, queryset):
        return queryset.select_related("request")

    def _log_reads(self, rows):
        services.access_record(
            organization=self.request.organization,
            user=self.request.user,
            objects=[("request", row.request_id, row.request.contact_id) for row in rows],
            action="api",
            path=self.request.path,
        )

    def perform_create(self, serializer):
        data = serializer.validated_data
        common = {
            "organization": self.request.organization,
            "request": data["request"],
            "author": self.request.user,
            "body": data["body"],
        }
        if data["kind"] == MessageKind.REPLY:
            message = services.request_reply(**common, then=data["then"])
        elif data["kind"] == MessageKind.CALL:
            message = services.request_log_call(**common, direction=data["direction"])
        else:
            message = services.request_note(**common)
        serializer.instance = message


@extend_schema_field(
    {"type": "string", "pattern": r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?$"}
)
class ClockTimeField(serializers.TimeField):
    """A local wall-clock time, "09:00" (no zone: the organization's time zone applies; JSON
    Schema's "time" format would demand an offset)."""

    def __init__(self, **kwargs):
        super().__init__(format="%H:%M", **kwargs)


class WorkingHoursSerializer(serializers.ModelSerializer):
    weekday = serializers.IntegerField(min_value=0, max_value=6, help_text="0 = Monday.")
    opens = ClockTimeField()
    closes = ClockTimeField()

    class Meta:
        model = WorkingHours
        fields = ["id", "weekday", "opens", "closes"]
        validators = []

    def validate(self, attrs):
        weekday = attrs.get("weekday", getattr(self.instance, "weekday", None))
        opens = attrs.get("opens", getattr(self.instance, "opens", None))
        closes = attrs.get("closes", getattr(self.instance, "closes", None))
        if opens is not None and closes is not None and closes <= opens:
            raise serializers.ValidationError(
                {"closes": _("The closing time must be after the opening time.")}
            )
        clash = WorkingHours.objects.filter(
            organization=self.context["request"].organization, weekday=weekday, opens=opens
        )
        if self.instance is not None:
            clash = clash.exclude(pk=self.instance.pk)
        if clash.exists():
            raise serializers.ValidationError(
                {"opens": _("Two periods on the same day open at the same time.")}
            )
        return attrs


class ClockSettingsViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    ClientDataViewSet,
):
    """The working-time clock of response targets: caseworkers read it, admins change it (the
    settings page) and every open request's deadlines follow at once."""

    write_roles = (Role.ADMIN,)

    def _changed(self, change):
        with transaction.atomic():
            change()
            services.refresh_open_clocks(organization=self.request.organization)

    def perform_create(self, serializer):
        self._changed(lambda: serializer.save(organization=self.request.organization))

    def perform_update(self, serializer):
        self._changed(serializer.save)

    def perform_destroy(self, instance):
        self._changed(instance.delete)


@documented(
    "working-hours",
    example={"id": 2, "weekday": 0, "opens": "09:00", "closes": "17:00"},
    request_example={"weekday": 0, "opens": "09:00", "closes": "17:00"},
    summaries={
        "list": "List opening periods of the week",
        "retrieve": "Get an opening period",
        "create": "Add an opening period (admins)",
        "update": "Replace an opening period (admins)",
        "partial_update": "Change an opening period (admins)",
        "destroy": "Remove an opening period (admins)",
    },
)
class WorkingHoursViewSet(ClockSettingsViewSet):
    model = WorkingHours
    serializer_class = WorkingHoursSerializer
    keyset_ordering = ("weekday", "opens", "id")


class HolidaySerializer(serializers.ModelSerializer):
    class Meta:
        model = Holiday
        fields = ["id", "date", "name"]
        validators = []

    def validate_date(self, value):
        clash = Holiday.objects.filter(
            organization=self.context["request"].organization, date=value
        )
        if self.instance is not None:
            clash = clash.exclude(pk=self.instance.pk)
        if clash.exists():
            raise serializers.ValidationError(_("That day is already a holiday."))
        return value


@documented(
    "holidays",
    example={"id": 4, "date": "2026-12-25", "name": "Christmas Day"},
    request_example={"date": "2026-12-25", "name": "Christmas Day"},
    summaries={
        "list": "List holidays (the clock stops on them)",
        "retrieve": "Get a holiday",
        "create": "Add a holiday (admins)",
        "update": "Replace a holiday (admins)",
        "partial_update": "Change a holiday (admins)",
        "destroy": "Remove a holiday (admins)",
    },
)
class HolidayViewSet(ClockSettingsViewSet):
    model = Holiday
    serializer_class = HolidaySerializer
    keyset_ordering = ("date", "id")
    filterset_fields = {"date": ["gte", "lte"]}


class RequestAttachmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Attachment
        fields = [
            "id",
            "request",
            "message",
            "original_name",
            "content_type",
            "size",
            "uploaded_by",
            "created_at",
        ]
        read_only_fields = fields


@documented(
    "attachments",
    example={
        "id": 31,
        "request": 1021,
        "message": 88,
        "original_name": "tenancy-letter.pdf",
        "content_type": "application/pdf",
        "size": 48213,
        "uploaded_by": None,
        "created_at": "2026-03-02T09:15:00Z",
    },
    summaries={
        "list": "List files of requests (filter by request or message)",
        "retrieve": "Get a file's details",
    },
)
class AttachmentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ClientDataViewSet):
    """Files clients and caseworkers added to requests. Their content is only served by
    ``download`` (as on the request's page: a download, in the access log)."""

    model = Attachment
    serializer_class = RequestAttachmentSerializer
    keyset_ordering = ("created_at", "id")
    filterset_fields = ["request", "message"]

    def scope_queryset(self, queryset):
        return queryset.select_related("request")

    def _log_reads(self, rows):
        services.access_record(
            organization=self.request.organization,
            user=self.request.user,
            objects=[("attachment", row.pk, row.request.contact_id) for row in rows],
            action="api",
            path=self.request.path,
        )

    @action_schema(
        "attachments",
        summary="Download a file",
        responses={(200, "*/*"): OpenApiTypes.BINARY},
    )
    @action(detail=True, methods=["get"])
    def download(self, request, *args, **kwargs):
        attachment = self.get_object()  # logged as read, like the page's download
        try:
            handle = attachment.file.open("rb")
        except FileNotFoundError as error:
            raise exceptions.NotFound() from error
        response = FileResponse(
            handle,
            as_attachment=True,
            filename=attachment.original_name,
            content_type=attachment.content_type,
        )
        response["X-Content-Type-Options"] = "nosniff"
        response["Cache-Control"] = "private, no-store"
        return response
