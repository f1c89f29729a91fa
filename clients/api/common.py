"""What the clients API shares: client data for caseworkers and admins only (others get 404), every
read written to the access log."""

from rest_framework import exceptions

from clients import services
from stakeholders.tenancy.api import OrganizationViewSet

CLIENT_ROLES = services.CLIENT_ROLES


class ClientDataViewSet(OrganizationViewSet):
    """Caseworkers and admins only; a member with another role is told the route is not found
    (as on the pages). Reads are written to the access log, one row per record."""

    read_roles = CLIENT_ROLES
    write_roles = CLIENT_ROLES
    access_kind = None

    def permission_denied(self, request, message=None, code=None):
        if request.user and request.user.is_authenticated:
            raise exceptions.NotFound()
        super().permission_denied(request, message=message, code=code)

    @property
    def plain_lists(self):
        """A list whose reads are logged with what its rows point to (a subclass's own
        ``_log_reads``) reads instances."""
        return type(self)._log_reads is ClientDataViewSet._log_reads

    def plain_keys(self):
        """A plain list page (``tenancy.plain_rows``) reads what the access log names too."""
        return ("id", "contact_id") if self.access_kind else ()

    def _log_reads(self, rows):
        if self.access_kind is None:
            return
        objects = [
            (self.access_kind, row["id"], row["contact_id"])
            if isinstance(row, dict)
            else (self.access_kind, row.pk, row.contact_id)
            for row in rows
        ]
        services.access_record(
            organization=self.request.organization,
            user=self.request.user,
            objects=objects,
            action="api",
            path=self.request.path,
        )

    # The mixins call these two for every read, whatever order the bases come in.
    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        self._log_reads(page if page is not None else [])
        return page

    def get_object(self):
        obj = super().get_object()
        self._log_reads([obj])
        return obj
