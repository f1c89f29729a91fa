"""Keeping donors close: donor updates (and their versions in other languages, scheduling,
audiences) and welcome calls."""

import datetime

from django.db import transaction
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    extend_schema,
    extend_schema_view,
)
from rest_framework import exceptions, mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response

from donors import selectors, services
from donors import updates as donor_updates
from donors.api.common import READERS, WRITERS
from donors.models import (
    DonorUpdate,
    Fund,
    ImpactStory,
    WelcomeCallOutcome,
)
from stakeholders.api import OrganizationRelatedField
from stakeholders.content_versions import VersionsViewSetMixin
from stakeholders.core_api.versions import VersionAddMixin, translation_examples
from stakeholders.models import Contact
from stakeholders.tenancy.api import OrganizationViewSet
from stakeholders.tenancy.pagination import KeysetPagination

# --- Donor updates ----------------------------------------------------------------------------


class DonorUpdateSerializer(serializers.ModelSerializer):
    story = OrganizationRelatedField(ImpactStory, required=False, allow_null=True)
    fund = OrganizationRelatedField(Fund, required=False, allow_null=True)
    translations = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = DonorUpdate
        fields = [
            "id",
            "language",
            "original",
            "translations",
            "title",
            "body",
            "story",
            "fund",
            "status",
            "send_after",
            "created_at",
            "sent_at",
        ]
        read_only_fields = ["original", "status", "send_after", "created_at", "sent_at"]
        extra_kwargs = {"language": {"required": False}}

    def validate_story(self, story):
        """An update tells a story: the story itself, each donor reading it in their language."""
        return story.root if story is not None else None


class AudienceSerializer(serializers.Serializer):
    donors = serializers.IntegerField(help_text="Donors the update is meant for.")
    eligible = serializers.IntegerField(help_text="Those it would be sent to now.")
    do_not_contact = serializers.IntegerField()
    no_email = serializers.IntegerField()
    no_consent = serializers.IntegerField()
    recently_messaged = serializers.IntegerField(
        help_text="Within the organization's frequency cap."
    )


UPDATE_EXAMPLE = {
    "id": 31,
    "language": "en",
    "original": None,
    "translations": [32],
    "title": "The shelter stayed open all winter",
    "body": "Thanks to you, 140 people slept in the warm this winter.",
    "story": 5,
    "fund": None,
    "status": "draft",
    "send_after": None,
    "created_at": "2026-12-01T10:12:00Z",
    "sent_at": None,
}


@extend_schema_view(
    list=extend_schema(
        summary="List donor updates",
        description="The originals, newest first, each with the ids of its versions in other "
        "languages (read and changed by their own id). Filter by ``status`` or ``fund``.",
        examples=[OpenApiExample("A draft", value=UPDATE_EXAMPLE, response_only=True)],
    ),
    retrieve=extend_schema(
        summary="Get one donor update",
        examples=[OpenApiExample("A draft", value=UPDATE_EXAMPLE, response_only=True)],
    ),
    create=extend_schema(
        summary="Write a donor update",
        description="A draft. ``fund`` sends it to that fund's donors only; ``schedule`` sends "
        "it at the next slot the organization's cadence allows.",
        examples=[
            OpenApiExample(
                "News with a story",
                value={
                    "title": "The shelter stayed open all winter",
                    "body": "Thanks to you, 140 people slept in the warm this winter.",
                    "story": 5,
                },
                request_only=True,
            )
        ],
    ),
    update=extend_schema(summary="Replace a donor update"),
    partial_update=extend_schema(
        summary="Update a donor update",
        description="A draft, or a version in another language until its original goes out. "
        "A version takes only its words (``title``, ``body``); story and audience are the "
        "original's.",
        examples=[
            OpenApiExample(
                "Translated words",
                value={"title": "Le refuge est resté ouvert", "body": "Grâce à vous…"},
                request_only=True,
            )
        ],
    ),
    schedule=extend_schema(
        summary="Schedule a donor update",
        description="A draft original goes out at the next slot the organization's cadence "
        "allows, to donors who agreed to updates and have not heard from it within the "
        "frequency cap, each in their language.",
        request=None,
        responses=DonorUpdateSerializer,
        examples=[
            OpenApiExample(
                "Scheduled",
                value={**UPDATE_EXAMPLE, "status": "scheduled", "send_after": "2026-12-06T18:00Z"},
                response_only=True,
            )
        ],
    ),
    audience=extend_schema(
        summary="Who a donor update would reach",
        description="How many donors it is for and why the others would not get it now, as "
        "the sender will see it.",
        responses=AudienceSerializer,
        examples=[
            OpenApiExample(
                "Counts",
                value={
                    "donors": 420,
                    "eligible": 310,
                    "do_not_contact": 6,
                    "no_email": 40,
                    "no_consent": 52,
                    "recently_messaged": 12,
                },
                response_only=True,
            )
        ],
    ),
    translations=translation_examples(DonorUpdateSerializer, "donor update"),
)
class DonorUpdateViewSet(
    VersionAddMixin,
    VersionsViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    OrganizationViewSet,
):
    """News for donors, sent at the organization's cadence under its frequency cap."""

    model = DonorUpdate
    serializer_class = DonorUpdateSerializer
    read_roles = READERS
    write_roles = WRITERS
    filterset_fields = ["status", "fund"]
    keyset_ordering = ("-created_at", "-id")
    translation_fields = donor_updates.TRANSLATION_FIELDS

    def translatable(self, original):
        return original.status in donor_updates.TRANSLATABLE

    def perform_create(self, serializer):
        serializer.instance = services.update_save(
            organization=self.request.organization,
            created_by=self.request.user,
            **serializer.validated_data,
        )

    def perform_update(self, serializer):
        update = serializer.instance
        if not donor_updates.editable(update):
            raise exceptions.ValidationError(
                {"status": [_("This update is scheduled or sent: it can no longer be changed.")]}
            )
        data = dict(serializer.validated_data)
        if update.original_id:  # a version: its words; story and audience follow the original
            data = {name: data[name] for name in ("title", "body") if name in data}
        serializer.instance = services.update_save(
            organization=self.request.organization, update=update, **data
        )

    @action(detail=True, methods=["post"])
    def schedule(self, request, *args, **kwargs):
        update = self.get_object()
        if update.original_id:
            raise exceptions.ValidationError(
                {"original": [_("A translation goes out with its original.")]}
            )
        if update.status not in donor_updates.TRANSLATABLE:
            raise exceptions.ValidationError({"status": [_("Only a draft can be scheduled.")]})
        with transaction.atomic():
            update = donor_updates.schedule(organization=request.organization, update=update)
        return Response(self.get_serializer(update).data)

    @action(detail=True, methods=["get"])
    def audience(self, request, *args, **kwargs):
        update = self.get_object()
        _eligible, counts = donor_updates.audience(
            organization=request.organization, update=update.root
        )
        return Response(AudienceSerializer(counts).data)


# --- Welcome calls ----------------------------------------------------------------------------


class WelcomeCallSerializer(serializers.Serializer):
    """A first-time donor waiting for a thank-you call (read from ``welcome_calls_due``)."""

    contact = serializers.IntegerField(source="pk", read_only=True)
    name = serializers.CharField(read_only=True)
    phone = serializers.CharField(read_only=True)
    email = serializers.CharField(read_only=True)
    relationship_manager = serializers.IntegerField(
        source="relationship_manager_id", read_only=True, allow_null=True
    )
    first_gift = serializers.IntegerField(source="first_gift_id", read_only=True)
    first_gift_on = serializers.DateField(read_only=True)
    first_gift_amount = serializers.DecimalField(max_digits=12, decimal_places=2, read_only=True)
    attempts = serializers.IntegerField(
        read_only=True, help_text="Calls that found nobody home (the donor stays on the list)."
    )


class WelcomeCallLogSerializer(serializers.Serializer):
    contact = OrganizationRelatedField(Contact)
    outcome = serializers.ChoiceField(choices=WelcomeCallOutcome.choices)
    notes = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class WelcomeCallLoggedSerializer(serializers.Serializer):
    interaction = serializers.IntegerField(help_text="The call, on the donor's timeline.")
    contact = serializers.IntegerField()
    outcome = serializers.ChoiceField(choices=WelcomeCallOutcome.choices)
    notes = serializers.CharField()
    occurred_at = serializers.DateTimeField()


class WelcomeCallPagination(KeysetPagination):
    """The longest-waiting donor first: pages by the first gift's date (an annotation)."""

    def decode_cursor(self, request):
        cursor = CursorPagination.decode_cursor(self, request)
        if cursor is not None and cursor.position is not None:
            try:
                datetime.date.fromisoformat(cursor.position)
            except (TypeError, ValueError):
                raise exceptions.NotFound(self.invalid_cursor_message) from None
        return cursor


WHOSE = {"all", "me", "none"}


@extend_schema_view(
    list=extend_schema(
        summary="List donors waiting for a welcome call",
        description="First-time donors of the last 30 days whom nobody has reached by phone "
        "yet, the longest waiting first (the welcome-call page's list).",
        parameters=[
            OpenApiParameter(
                "manager",
                OpenApiTypes.STR,
                enum=sorted(WHOSE),
                description="``me``: the caller's donors; ``none``: donors nobody manages; "
                "``all`` (default): everyone's.",
            )
        ],
        examples=[
            OpenApiExample(
                "A new donor",
                value={
                    "contact": 1042,
                    "name": "Amira Haddad",
                    "phone": "+447700900123",
                    "email": "amira@example.org",
                    "relationship_manager": 5,
                    "first_gift": 88120,
                    "first_gift_on": "2026-11-28",
                    "first_gift_amount": "50.00",
                    "attempts": 1,
                },
                response_only=True,
            )
        ],
    ),
    create=extend_schema(
        summary="Log a welcome call",
        description="The call goes on the donor's timeline, linked to their first gift; every "
        "outcome but ``no_answer`` takes them off the list.",
        request=WelcomeCallLogSerializer,
        responses={201: WelcomeCallLoggedSerializer},
        examples=[
            OpenApiExample(
                "Reached",
                value={"contact": 1042, "outcome": "reached", "notes": "Delighted; may volunteer."},
                request_only=True,
            ),
            OpenApiExample(
                "Logged",
                value={
                    "interaction": 99120,
                    "contact": 1042,
                    "outcome": "reached",
                    "notes": "Delighted; may volunteer.",
                    "occurred_at": "2026-12-06T10:05:00Z",
                },
                response_only=True,
            ),
        ],
    ),
)
class WelcomeCallViewSet(mixins.ListModelMixin, mixins.CreateModelMixin, OrganizationViewSet):
    """New donors to thank by phone, and the calls made."""

    model = Contact
    serializer_class = WelcomeCallSerializer
    pagination_class = WelcomeCallPagination
    read_roles = READERS
    write_roles = WRITERS
    keyset_ordering = ("first_gift_on", "pk")

    def scope_queryset(self, queryset):
        try:
            whose = serializers.ChoiceField(choices=sorted(WHOSE)).run_validation(
                self.request.query_params.get("manager", "all")
            )
        except serializers.ValidationError as error:
            raise serializers.ValidationError({"manager": error.detail}) from None
        manager = {"me": self.request.user, "none": None}.get(whose, selectors.ANY_MANAGER)
        return selectors.welcome_calls_due(organization=self.request.organization, manager=manager)

    def create(self, request, *args, **kwargs):
        data = WelcomeCallLogSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        interaction = services.welcome_call_log(
            organization=request.organization, user=request.user, **data.validated_data
        )
        logged = {
            "interaction": interaction.pk,
            "contact": interaction.contact_id,
            "outcome": data.validated_data["outcome"],
            "notes": interaction.notes,
            "occurred_at": interaction.occurred_at,
        }
        return Response(WelcomeCallLoggedSerializer(logged).data, status=status.HTTP_201_CREATED)
