"""The API's tenancy: the base viewset, its permission and JSON errors."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from django_scopes import scopes_disabled
from drf_spectacular.generators import SchemaGenerator
from rest_framework import exceptions, permissions, viewsets
from rest_framework.views import exception_handler as drf_exception_handler

from stakeholders.integrations.machines import MachineFriendlyMixin
from stakeholders.models import ALL_ROLES, ApiToken, ApiTokenScope, Role
from stakeholders.tenancy.exports import ExportMixin
from stakeholders.tenancy.filters import OrganizationFilterBackend
from stakeholders.tenancy.plain_rows import PlainListMixin


class MfaRequired(exceptions.PermissionDenied):
    default_detail = _(
        "This organization requires two-factor authentication. Turn it on in your account "
        "(/accounts/2fa/) to use the API."
    )
    default_code = "mfa_required"


class ReadOnlyToken(exceptions.PermissionDenied):
    default_detail = _("This token is read-only: it may only read (GET, HEAD, OPTIONS).")
    default_code = "token_read_only"


class OrganizationMemberPermission(permissions.BasePermission):
    """Non-members get 404 (never confirm that an organization exists); members without MFA
    where the organization requires it get 403, whether they come with a session or a token
    (a token made before MFA was required opens nothing); roles decide the rest."""

    def has_permission(self, request, view):
        from stakeholders import selectors

        if not request.user or not request.user.is_authenticated:
            return False
        if request.organization is None:
            raise exceptions.NotFound()
        token = request.auth if isinstance(request.auth, ApiToken) else None
        if token is not None and hasattr(token, "membership"):  # read with the token
            membership = token.membership
        else:
            membership = selectors.membership_get(
                organization=request.organization, user=request.user
            )
        if membership is None:
            raise exceptions.NotFound()
        if request.organization.require_mfa and not selectors.user_has_mfa(user=request.user):
            raise MfaRequired()
        request.membership = membership
        # A view's ``reading_actions`` write nothing of the organization's (asking for an export).
        safe = request.method in permissions.SAFE_METHODS or (
            getattr(view, "action", None) in getattr(view, "reading_actions", ())
        )
        if token is not None and token.scope == ApiTokenScope.READ and not safe:
            raise ReadOnlyToken()
        roles = view.read_roles if safe else view.write_roles
        return membership.role in roles


class OrganizationViewSet(
    PlainListMixin, ExportMixin, MachineFriendlyMixin, viewsets.GenericViewSet
):
    """Base of every API viewset under /api/v1/o/<slug>/.

    Subclasses name a ``model`` and may narrow the rows with ``scope_queryset``; they cannot
    override ``get_queryset``, ``permission_classes`` or ``initial``, so every row they touch is
    filtered by the URL's organization (on top of the fail-closed manager) and every request is
    checked for membership and role. A POST with an ``Idempotency-Key`` runs once and a detail
    answers ``If-None-Match`` (``stakeholders.integrations.machines``); a list asked for with
    ``?format=ndjson`` or ``?format=csv`` streams every filtered row (``tenancy.exports``); a
    list whose serializer reads plain columns is read with ``values()`` (``tenancy.plain_rows``).
    Example::

        class InvitationViewSet(mixins.ListModelMixin, OrganizationViewSet):
            model = Invitation
            serializer_class = InvitationSerializer
            read_roles = write_roles = [Role.ADMIN]

            def scope_queryset(self, queryset):
                return queryset.filter(accepted_at__isnull=True)
    """

    model = None
    permission_classes = (permissions.IsAuthenticated, OrganizationMemberPermission)
    filter_backends = (OrganizationFilterBackend,)  # a filter on a user takes members only
    read_roles = ALL_ROLES
    write_roles = (Role.ADMIN,)
    lookup_value_converter = "int"

    _sealed = ("get_queryset", "permission_classes", "initial", "get_permissions")

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        overridden = [name for name in cls._sealed if name in cls.__dict__]
        if overridden:
            raise TypeError(f"{cls.__name__} must not override {', '.join(overridden)}")

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no request, no scope
            with scopes_disabled():
                return self.model._default_manager.none()
        queryset = self.model._default_manager.filter(organization=self.request.organization)
        return self.scope_queryset(queryset)

    def scope_queryset(self, queryset):
        """Narrow or annotate the organization's rows (select_related, filters by role)."""
        return queryset


def exception_handler(exc, context):
    """JSON errors everywhere; a service's ValidationError becomes a 400 naming the field."""
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
        exc = exceptions.ValidationError(detail)
    return drf_exception_handler(exc, context)


class UnscopedSchemaGenerator(SchemaGenerator):
    """Builds the OpenAPI schema (endpoint, system check, ``manage.py spectacular``).

    It inspects models and filters but reads no tenant rows, so it runs outside any organization,
    openly unscoped.
    """

    def get_schema(self, *args, **kwargs):
        with scopes_disabled():
            return super().get_schema(*args, **kwargs)
