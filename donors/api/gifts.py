"""Gifts (with allocations, soft credits, refunds and corrections), funds, campaigns, impact
stories, pledges and recurring gifts."""

from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import F, OuterRef, Prefetch, TextField
from django.db.models.functions import Cast
from drf_spectacular.utils import (
    OpenApiExample,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from donors import services
from donors.api.common import READERS, WRITERS
from donors.models import (
    Appeal,
    Campaign,
    Fund,
    Gift,
    GiftAllocation,
    ImpactStory,
    Pledge,
    RecurringGift,
    SoftCredit,
)
from stakeholders.api import OrganizationRelatedField
from stakeholders.content_versions import VersionsViewSetMixin
from stakeholders.core_api.docs import resource_schema
from stakeholders.core_api.versions import VersionAddMixin, translation_examples
from stakeholders.models import Contact
from stakeholders.tenancy import sql_lines
from stakeholders.tenancy.api import OrganizationViewSet


class AllocationSerializer(serializers.Serializer):
    fund = OrganizationRelatedField(Fund)
    amount = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0)


class SoftCreditInputSerializer(serializers.Serializer):
    contact = OrganizationRelatedField(Contact)
    kind = serializers.ChoiceField(
        choices=["solicitor", "influencer", "household", "matched"], default="solicitor"
    )


class GiftSerializer(serializers.ModelSerializer):
    contact = OrganizationRelatedField(Contact)
    campaign = OrganizationRelatedField(Campaign, required=False, allow_null=True)
    appeal = OrganizationRelatedField(Appeal, required=False, allow_null=True)
    pledge = OrganizationRelatedField(Pledge, required=False, allow_null=True)
    recurring = OrganizationRelatedField(RecurringGift, required=False, allow_null=True)
    tribute_notify = OrganizationRelatedField(Contact, required=False, allow_null=True)
    fund = OrganizationRelatedField(Fund, required=False, allow_null=True, write_only=True)
    allocations = AllocationSerializer(many=True, required=False)
    soft_credits = SoftCreditInputSerializer(many=True, required=False)

    def plain_annotations(self):
        """Lists read plain rows (``tenancy.plain_rows``): a gift's allocations and soft
        credits as arrays of their columns, in the order the instance path lists them."""

        def column(model, **value):
            return ArraySubquery(
                model.objects.filter(gift=OuterRef("pk")).order_by("pk").values(**value)
            )

        return {
            "allocation_funds": column(GiftAllocation, value=F("fund_id")),
            "allocation_amounts": column(GiftAllocation, value=Cast("amount", TextField())),
            "credited_contacts": column(SoftCredit, value=F("contact_id")),
            "credit_kinds": column(SoftCredit, value=F("kind")),
        }

    def plain_allocations(self, row):
        return [
            {"fund": fund, "amount": amount}
            for fund, amount in zip(row["allocation_funds"], row["allocation_amounts"], strict=True)
        ]

    def plain_soft_credits(self, row):
        return [
            {"contact": contact, "kind": kind}
            for contact, kind in zip(row["credited_contacts"], row["credit_kinds"], strict=True)
        ]

    def plain_sql_allocations(self):
        return sql_lines.JsonObjectArray(fund=F("allocation_funds"), amount=F("allocation_amounts"))

    def plain_sql_soft_credits(self):
        return sql_lines.JsonObjectArray(contact=F("credited_contacts"), kind=F("credit_kinds"))

    class Meta:
        model = Gift
        fields = [
            "id",
            "contact",
            "kind",
            "status",
            "amount",
            "received_on",
            "payment_method",
            "reference",
            "campaign",
            "appeal",
            "tax_deductible_amount",
            "description",
            "hours",
            "tribute",
            "tribute_name",
            "tribute_notify",
            "pledge",
            "recurring",
            "do_not_acknowledge",
            "do_not_acknowledge_reason",
            "fund",
            "allocations",
            "soft_credits",
            "replaces",
            "refunded_on",
            "refund_reason",
            "created_at",
        ]
        read_only_fields = [
            "id",
            "status",
            "replaces",
            "refunded_on",
            "refund_reason",
            "created_at",
        ]
        validators = []  # the reference's uniqueness is checked by the service, in the organization


class GiftRefundSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=200)
    refunded_on = serializers.DateField(required=False, help_text="Default: today.")


class GiftCorrectionSerializer(serializers.Serializer):
    amount = serializers.DecimalField(max_digits=12, decimal_places=2)
    received_on = serializers.DateField()
    fund = OrganizationRelatedField(
        Fund,
        required=False,
        allow_null=True,
        help_text="Move the whole gift to this fund; empty: it stays where it is.",
    )
    tax_deductible_amount = serializers.DecimalField(
        max_digits=12,
        decimal_places=2,
        required=False,
        help_text="Default: the gift's; a lower amount needs a lower one.",
    )


class GiftReceivedSerializer(serializers.Serializer):
    received_on = serializers.DateField(required=False, help_text="Default: today.")
    amount = serializers.DecimalField(
        max_digits=12, decimal_places=2, required=False, help_text="Default: the expected amount."
    )


class GiftThankingSerializer(serializers.Serializer):
    do_not_acknowledge = serializers.BooleanField()
    reason = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


GIFT_EXAMPLE = {
    "id": 88120,
    "contact": 1042,
    "kind": "money",
    "status": "received",
    "amount": "50.00",
    "received_on": "2026-11-28",
    "payment_method": "card",
    "reference": "CH-2026-118",
    "campaign": 3,
    "appeal": 12,
    "tax_deductible_amount": "50.00",
    "description": "",
    "hours": None,
    "tribute": "",
    "tribute_name": "",
    "tribute_notify": None,
    "pledge": None,
    "recurring": None,
    "do_not_acknowledge": False,
    "do_not_acknowledge_reason": "",
    "allocations": [{"fund": 2, "amount": "50.00"}],
    "soft_credits": [],
    "replaces": None,
    "refunded_on": None,
    "refund_reason": "",
    "created_at": "2026-11-28T14:02:00Z",
}


@resource_schema(
    "gift",
    GIFT_EXAMPLE,
    create={
        "contact": 1042,
        "amount": "50.00",
        "received_on": "2026-11-28",
        "payment_method": "card",
        "allocations": [{"fund": 2, "amount": "30.00"}, {"fund": 5, "amount": "20.00"}],
    },
)
@extend_schema_view(
    refund=extend_schema(
        summary="Refund a gift",
        description="The gift stays, marked refunded: totals drop it, history keeps it.",
        request=GiftRefundSerializer,
        responses=GiftSerializer,
        examples=[
            OpenApiExample(
                "Card charge-back", value={"reason": "Card charge-back"}, request_only=True
            )
        ],
    ),
    correct=extend_schema(
        summary="Correct a gift",
        description="A corrected copy replaces the gift (its soft credits and, unless "
        "``fund`` is given, its funds come along); the original stays in the history, "
        "marked replaced. Answers with the new gift.",
        request=GiftCorrectionSerializer,
        responses={201: GiftSerializer},
        examples=[
            OpenApiExample(
                "Typo in the amount",
                value={"amount": "50.00", "received_on": "2026-12-01"},
                request_only=True,
            )
        ],
    ),
    received=extend_schema(
        summary="Mark an expected gift received",
        description="A bequest or an awarded grant payment has arrived.",
        request=GiftReceivedSerializer,
        responses=GiftSerializer,
        examples=[
            OpenApiExample("Arrived", value={"received_on": "2026-12-04"}, request_only=True)
        ],
    ),
    thanking=extend_schema(
        summary="Say whether a gift is thanked",
        description="``do_not_acknowledge`` keeps the gift out of the thank-you batch; say why.",
        request=GiftThankingSerializer,
        responses=GiftSerializer,
        examples=[
            OpenApiExample(
                "Not to be thanked",
                value={"do_not_acknowledge": True, "reason": "Anonymous gift"},
                request_only=True,
            )
        ],
    ),
)
class GiftViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, OrganizationViewSet
):
    """Gifts newest first. Create one with ``fund`` (all of it) or ``allocations`` (a split);
    refund, correct, mark received and (not) thank one as on its page."""

    model = Gift
    serializer_class = GiftSerializer
    read_roles = READERS
    write_roles = WRITERS
    filterset_fields = {
        "contact": ["exact"],
        "kind": ["exact"],
        "status": ["exact"],
        "campaign": ["exact"],
        "received_on": ["gte", "lte"],
        "reference": ["exact"],
    }
    keyset_ordering = ("-received_on", "-id")

    def scope_queryset(self, queryset):
        return queryset.prefetch_related(
            Prefetch("allocations", GiftAllocation.objects.order_by("pk")),
            Prefetch("soft_credits", SoftCredit.objects.order_by("pk")),
        )

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        allocations = [(a["fund"], a["amount"]) for a in data.pop("allocations", [])]
        soft_credits = [(c["contact"], c["kind"]) for c in data.pop("soft_credits", [])]
        serializer.instance = services.gift_record(
            organization=self.request.organization,
            created_by=self.request.user,
            allocations=allocations,
            soft_credits=soft_credits,
            **data,
        )

    def _input(self, serializer_class):
        data = serializer_class(data=self.request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        return data.validated_data

    def _answer(self, gift, status_code=status.HTTP_200_OK):
        gift = self.get_queryset().get(pk=gift.pk)  # with its allocations and soft credits
        return Response(self.get_serializer(gift).data, status=status_code)

    @action(detail=True, methods=["post"])
    def refund(self, request, *args, **kwargs):
        gift = self.get_object()
        data = self._input(GiftRefundSerializer)
        return self._answer(
            services.gift_refund(organization=request.organization, gift=gift, **data)
        )

    @action(detail=True, methods=["post"])
    def correct(self, request, *args, **kwargs):
        gift = self.get_object()
        changes = dict(self._input(GiftCorrectionSerializer))
        if changes.get("fund") is None:
            changes.pop("fund", None)
        new = services.gift_correct(
            organization=request.organization, gift=gift, created_by=request.user, **changes
        )
        return self._answer(new, status.HTTP_201_CREATED)

    @action(detail=True, methods=["post"])
    def received(self, request, *args, **kwargs):
        gift = self.get_object()
        data = self._input(GiftReceivedSerializer)
        return self._answer(
            services.gift_mark_received(organization=request.organization, gift=gift, **data)
        )

    @action(detail=True, methods=["post"])
    def thanking(self, request, *args, **kwargs):
        gift = self.get_object()
        data = self._input(GiftThankingSerializer)
        return self._answer(
            services.gift_set_acknowledgement(organization=request.organization, gift=gift, **data)
        )


class FundSerializer(serializers.ModelSerializer):
    class Meta:
        model = Fund
        fields = [
            "id",
            "name",
            "description",
            "impact_unit_amount",
            "impact_unit_label",
            "is_active",
        ]
        validators = []


class SavedThroughService:
    """Create and update through a ``save_service(organization=…, <model>=…, **fields)``."""

    instance_name = None

    def perform_create(self, serializer):
        serializer.instance = self.save_service(
            organization=self.request.organization, **serializer.validated_data
        )

    def perform_update(self, serializer):
        self.save_service(
            organization=self.request.organization,
            **{self.instance_name: serializer.instance},
            **serializer.validated_data,
        )


@resource_schema(
    "fund",
    {
        "id": 2,
        "name": "Food parcels",
        "description": "Parcels for families referred to us.",
        "impact_unit_amount": "25.00",
        "impact_unit_label": "a week of food for a family",
        "is_active": True,
    },
    create={
        "name": "Food parcels",
        "impact_unit_amount": "25",
        "impact_unit_label": "a week of food for a family",
    },
    update={"is_active": False},
)
class FundViewSet(
    SavedThroughService,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    OrganizationViewSet,
):
    model = Fund
    serializer_class = FundSerializer
    read_roles = READERS
    write_roles = WRITERS
    instance_name = "fund"
    save_service = staticmethod(services.fund_save)
    filterset_fields = ["is_active"]


class CampaignSerializer(serializers.ModelSerializer):
    class Meta:
        model = Campaign
        fields = ["id", "name", "starts_on", "ends_on", "goal"]
        validators = []


@resource_schema(
    "campaign",
    {
        "id": 3,
        "name": "Winter 2026",
        "starts_on": "2026-11-01",
        "ends_on": "2027-01-31",
        "goal": "15000.00",
    },
    create={"name": "Winter 2026", "starts_on": "2026-11-01", "goal": "15000"},
    update={"ends_on": "2027-02-28"},
)
class CampaignViewSet(
    SavedThroughService,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    OrganizationViewSet,
):
    model = Campaign
    serializer_class = CampaignSerializer
    read_roles = READERS
    write_roles = WRITERS
    instance_name = "campaign"
    save_service = staticmethod(services.campaign_save)


class StorySerializer(serializers.ModelSerializer):
    fund = OrganizationRelatedField(Fund, required=False, allow_null=True)
    translations = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = ImpactStory
        fields = [
            "id",
            "language",
            "original",
            "translations",
            "fund",
            "kind",
            "title",
            "body",
            "photo",
            "published_on",
        ]
        read_only_fields = ["photo", "original"]


@resource_schema(
    "impact story",
    {
        "id": 5,
        "language": "en",
        "original": None,
        "translations": [6],
        "fund": 2,
        "kind": "good_news",
        "title": "A warm winter",
        "body": "Thanks to you, 40 families had a hot meal every day.",
        "photo": None,
        "published_on": "2026-12-01",
    },
    plural="impact stories",
    create={
        "title": "A warm winter",
        "body": "Thanks to you…",
        "fund": 2,
        "published_on": "2026-12-01",
    },
    update={"title": "A warm winter for 40 families"},
    translations=translation_examples(StorySerializer, "story"),
)
class StoryViewSet(
    VersionAddMixin,
    VersionsViewSetMixin,
    SavedThroughService,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    OrganizationViewSet,
):
    model = ImpactStory
    serializer_class = StorySerializer
    read_roles = READERS
    write_roles = WRITERS
    instance_name = "story"
    save_service = staticmethod(services.story_save)
    filterset_fields = ["fund", "kind"]


class PledgeStatusSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Pledge.Status.choices)


class RecurringStatusSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=RecurringGift.Status.choices)


class PledgeSerializer(serializers.ModelSerializer):
    contact = OrganizationRelatedField(Contact)
    fund = OrganizationRelatedField(Fund, required=False, allow_null=True)

    class Meta:
        model = Pledge
        fields = ["id", "contact", "amount", "pledged_on", "due_by", "fund", "status", "notes"]


@resource_schema(
    "pledge",
    {
        "id": 14,
        "contact": 1042,
        "amount": "1200.00",
        "pledged_on": "2026-10-01",
        "due_by": "2027-09-30",
        "fund": 2,
        "status": "open",
        "notes": "Monthly over a year.",
    },
    create={"contact": 1042, "amount": "1200", "pledged_on": "2026-10-01", "due_by": "2027-09-30"},
)
class PledgeViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, OrganizationViewSet
):
    model = Pledge
    serializer_class = PledgeSerializer
    read_roles = READERS
    write_roles = WRITERS
    filterset_fields = ["contact", "status"]

    def perform_create(self, serializer):
        serializer.instance = services.pledge_create(
            organization=self.request.organization, **serializer.validated_data
        )

    @extend_schema(
        summary="Change a pledge's status",
        description="Open, fulfilled or cancelled, as on the donor's commitments page (a pledge "
        "paid in full is fulfilled by itself).",
        request=PledgeStatusSerializer,
        responses=PledgeSerializer,
        examples=[OpenApiExample("Cancelled", value={"status": "cancelled"}, request_only=True)],
    )
    @action(detail=True, methods=["post"])
    def status(self, request, *args, **kwargs):
        pledge = self.get_object()
        data = PledgeStatusSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        pledge = services.pledge_set_status(
            organization=request.organization, pledge=pledge, **data.validated_data
        )
        return Response(self.get_serializer(pledge).data)


class RecurringSerializer(serializers.ModelSerializer):
    contact = OrganizationRelatedField(Contact)
    fund = OrganizationRelatedField(Fund, required=False, allow_null=True)

    class Meta:
        model = RecurringGift
        fields = [
            "id",
            "contact",
            "amount",
            "frequency",
            "started_on",
            "next_due_on",
            "payment_method",
            "fund",
            "status",
        ]


@resource_schema(
    "recurring gift",
    {
        "id": 21,
        "contact": 1042,
        "amount": "10.00",
        "frequency": "monthly",
        "started_on": "2026-06-01",
        "next_due_on": "2027-01-01",
        "payment_method": "direct_debit",
        "fund": None,
        "status": "active",
    },
    create={"contact": 1042, "amount": "10", "frequency": "monthly", "started_on": "2026-06-01"},
)
class RecurringViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, OrganizationViewSet
):
    model = RecurringGift
    serializer_class = RecurringSerializer
    read_roles = READERS
    write_roles = WRITERS
    filterset_fields = ["contact", "status"]

    def perform_create(self, serializer):
        serializer.instance = services.recurring_create(
            organization=self.request.organization, **serializer.validated_data
        )

    @extend_schema(
        summary="Change a recurring gift's status",
        description="Active, paused or cancelled, as on the donor's commitments page.",
        request=RecurringStatusSerializer,
        responses=RecurringSerializer,
        examples=[OpenApiExample("Paused", value={"status": "paused"}, request_only=True)],
    )
    @action(detail=True, methods=["post"])
    def status(self, request, *args, **kwargs):
        recurring = self.get_object()
        data = RecurringStatusSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        recurring = services.recurring_set_status(
            organization=request.organization, recurring=recurring, **data.validated_data
        )
        return Response(self.get_serializer(recurring).data)
