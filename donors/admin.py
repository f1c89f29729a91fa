"""Platform admin for donor data (across organizations, openly unscoped)."""

from django.contrib import admin

from donors.models import Campaign, Fund, Gift, ImpactStory
from stakeholders.admin import UnscopedAdmin


@admin.register(Gift)
class GiftAdmin(UnscopedAdmin):
    list_display = ["received_on", "amount", "kind", "status", "organization"]
    list_filter = ["kind", "status"]
    raw_id_fields = ["contact", "tribute_notify", "pledge", "recurring", "campaign", "appeal"]


@admin.register(Fund)
class FundAdmin(UnscopedAdmin):
    list_display = ["name", "organization", "is_active"]


@admin.register(Campaign)
class CampaignAdmin(UnscopedAdmin):
    list_display = ["name", "organization", "starts_on", "ends_on"]


@admin.register(ImpactStory)
class ImpactStoryAdmin(UnscopedAdmin):
    list_display = ["title", "organization", "kind", "published_on"]
