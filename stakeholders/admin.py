"""The platform operator's admin. Tenant rows are listed across organizations, openly unscoped."""

import json

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from stakeholders import audit, services
from stakeholders.models import ApiToken, AuditAction, Invitation, Membership, Organization, User


class UnscopedAdmin(admin.ModelAdmin):
    """The admin is a platform tool: it sees every organization, and says so here."""

    def get_queryset(self, request):
        return self.model._default_manager.with_scopes_disabled().all()


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ["email"]
    list_display = ["email", "name", "is_active", "is_staff", "last_login"]
    search_fields = ["email", "name"]
    fieldsets = [
        (None, {"fields": ["email", "password", "name"]}),
        ("Permissions", {"fields": ["is_active", "is_staff", "is_superuser"]}),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]})]


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


class AuditedAdmin(admin.ModelAdmin):
    """What a platform operator adds, changes or deletes here lands in the audit log of the
    organization concerned, beside Django's own admin history."""

    def _audit(self, request, obj, verb, message=""):
        organization = obj if isinstance(obj, Organization) else obj.organization
        detail = message if isinstance(message, str) else json.dumps(message, default=str)
        audit.record(
            organization=organization,
            action=AuditAction.PLATFORM_ADMIN,
            target=obj,
            summary=f"{verb} {obj._meta.verbose_name} “{obj}” {detail}".strip(),
            actor=request.user,
        )

    def log_addition(self, request, obj, message):
        self._audit(request, obj, "added", message)
        return super().log_addition(request, obj, message)

    def log_change(self, request, obj, message):
        self._audit(request, obj, "changed", message)
        return super().log_change(request, obj, message)

    def log_deletions(self, request, queryset):
        for obj in queryset:
            if not isinstance(obj, Organization):  # a deleted organization takes its log along
                self._audit(request, obj, "deleted")
        return super().log_deletions(request, queryset)


@admin.register(Organization)
class OrganizationAdmin(AuditedAdmin):
    list_display = ["name", "slug", "timezone", "currency", "created_at"]
    search_fields = ["name", "slug"]
    inlines = [MembershipInline]

    def delete_model(self, request, obj):
        services.organization_delete(organization=obj)

    def delete_queryset(self, request, queryset):
        for organization in queryset:
            services.organization_delete(organization=organization)


@admin.register(Membership)
class MembershipAdmin(AuditedAdmin):
    list_display = ["user", "organization", "role", "created_at"]
    list_filter = ["role"]
    search_fields = ["user__email", "organization__slug"]
    autocomplete_fields = ["user", "organization"]


@admin.register(Invitation)
class InvitationAdmin(UnscopedAdmin):
    list_display = ["email", "organization", "role", "created_at", "expires_at", "accepted_at"]
    list_filter = ["role"]
    search_fields = ["email"]
    readonly_fields = ["organization", "invited_by", "accepted_by"]


@admin.register(ApiToken)
class ApiTokenAdmin(UnscopedAdmin):
    list_display = ["name", "prefix", "user", "organization", "created_at", "last_used_at"]
    readonly_fields = ["organization", "user", "prefix", "created_at", "last_used_at"]
