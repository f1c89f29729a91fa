"""Platform admin for volunteer data (across organizations, openly unscoped)."""

from django.contrib import admin

from stakeholders.admin import UnscopedAdmin
from volunteers.models import (
    Assignment,
    HoursEntry,
    Opportunity,
    PendingSignup,
    Shift,
    Training,
    VolunteerProfile,
)


@admin.register(VolunteerProfile)
class VolunteerProfileAdmin(UnscopedAdmin):
    list_display = ["contact", "status", "organization", "joined_at"]
    list_filter = ["status"]
    raw_id_fields = ["contact"]


@admin.register(Opportunity)
class OpportunityAdmin(UnscopedAdmin):
    list_display = ["title", "organization", "is_active"]


@admin.register(Shift)
class ShiftAdmin(UnscopedAdmin):
    list_display = ["opportunity", "starts_at", "capacity", "organization"]
    raw_id_fields = ["opportunity", "series"]


@admin.register(Assignment)
class AssignmentAdmin(UnscopedAdmin):
    list_display = ["shift", "profile", "status", "organization"]
    list_filter = ["status"]
    raw_id_fields = ["shift", "profile"]


@admin.register(HoursEntry)
class HoursEntryAdmin(UnscopedAdmin):
    list_display = ["profile", "worked_on", "hours", "status", "organization"]
    list_filter = ["status", "source"]
    raw_id_fields = ["profile", "opportunity", "assignment"]


@admin.register(Training)
class TrainingAdmin(UnscopedAdmin):
    list_display = ["name", "valid_months", "organization"]


@admin.register(PendingSignup)
class PendingSignupAdmin(UnscopedAdmin):
    list_display = ["email", "created_at", "confirmation_sent_at", "confirmed_at", "organization"]
    raw_id_fields = ["profile"]
