"""API of the donors app: gifts, funds, campaigns, stories, pledges and recurring schedules."""

from rest_framework import mixins, serializers
from rest_framework.routers import SimpleRouter

from donors import services
from donors.models import (
    Campaign,
    Fund,
    Gift,
    ImpactStory,
    Pledge,
    RecurringGift,
)
from stakeholders.api import OrganizationRelatedField
from stakeholders.content_versions import VersionsViewSetMixin
from stakeholders.models import Contact, Role
from stakeholders.tenancy.api import OrganizationViewSet

READERS = (Role.ADMIN, Role.FUNDRAISER, Role.VIEWER)
WRITERS = (Role.ADMIN, Role.FUNDRAISER)


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
    pledge = OrganizationRelatedField(Pledge, required=False, allow_null=True)
    recurring = OrganizationRelatedField(RecurringGift, required=False, allow_null=True)
    tribute_notify = OrganizationRelatedField(Contact, required=False, allow_null=True)
    fund = OrganizationRelatedField(Fund, required=False, allow_null=True, write_only=True)
    allocations = AllocationSerializer(many=True, required=False)
    soft_credits = SoftCreditInputSerializer(many=True, required=False)

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


class GiftViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, OrganizationViewSet
):
    """Gifts newest first. Create one with ``fund`` (all of it) or ``allocations`` (a split)."""

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
        return queryset.prefetch_related("allocations", "soft_credits")

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


class _SavedThroughService:
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


class FundViewSet(
    _SavedThroughService,
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


class CampaignViewSet(
    _SavedThroughService,
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


class StoryViewSet(
    VersionsViewSetMixin,
    _SavedThroughService,
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


class PledgeSerializer(serializers.ModelSerializer):
    contact = OrganizationRelatedField(Contact)
    fund = OrganizationRelatedField(Fund, required=False, allow_null=True)

    class Meta:
        model = Pledge
        fields = ["id", "contact", "amount", "pledged_on", "due_by", "fund", "status", "notes"]


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


router = SimpleRouter()
router.register("gifts", GiftViewSet, basename="gift")
router.register("funds", FundViewSet, basename="fund")
router.register("campaigns", CampaignViewSet, basename="campaign")
router.register("stories", StoryViewSet, basename="story")
router.register("pledges", PledgeViewSet, basename="pledge")
router.register("recurring-gifts", RecurringViewSet, basename="recurring-gift")
