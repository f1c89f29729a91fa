"""Admin: the access log is read-only (no add, change or delete for anyone)."""

from django.contrib import admin

from clients.models import AccessLog


@admin.register(AccessLog)
class AccessLogAdmin(admin.ModelAdmin):
    list_display = ("at", "organization", "user", "object_kind", "object_id", "action")
    list_filter = ("action", "object_kind")

    def get_queryset(self, request):
        return AccessLog.objects.with_scopes_disabled().select_related("organization", "user")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
