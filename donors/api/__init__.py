"""API of the donors app: gifts, funds, campaigns, appeals, stories, pledges, recurring
schedules, grants, donor updates (and their versions in other languages), the welcome-call list
and the donor settings.

Every write goes through the same service as the page that makes it, so the API refuses the same
input (a 400 naming the field) and the roles are the pages': admins and fundraisers write,
viewers read; the donor settings are the admins'."""

from rest_framework.routers import SimpleRouter

from donors.api.appeals import AppealViewSet, GrantViewSet
from donors.api.gifts import (
    CampaignViewSet,
    FundViewSet,
    GiftViewSet,
    PledgeViewSet,
    RecurringViewSet,
    StoryViewSet,
)
from donors.api.settings import DonorSettingsViewSet
from donors.api.stewardship import DonorUpdateViewSet, WelcomeCallViewSet

router = SimpleRouter()
router.register("gifts", GiftViewSet, basename="gift")
router.register("funds", FundViewSet, basename="fund")
router.register("campaigns", CampaignViewSet, basename="campaign")
router.register("stories", StoryViewSet, basename="story")
router.register("pledges", PledgeViewSet, basename="pledge")
router.register("recurring-gifts", RecurringViewSet, basename="recurring-gift")
router.register("appeals", AppealViewSet, basename="appeal")
router.register("grants", GrantViewSet, basename="grant")
router.register("donor-updates", DonorUpdateViewSet, basename="donor-update")
router.register("welcome-calls", WelcomeCallViewSet, basename="welcome-call")
router.register("donor-settings", DonorSettingsViewSet, basename="donor-settings")
