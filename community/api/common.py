"""What the community API's resources share: the staff walls (a route a role may not use
is a 404), who sees posts that are not published, authors as the community shows them."""

from datetime import UTC

from django.conf import settings
from django.db.models import Q
from rest_framework import exceptions, serializers

from community.models import (
    PostStatus,
    Space,
)
from community.selectors.moderation import MODERATOR_ROLES, spaces_moderated
from stakeholders.models import Role
from stakeholders.tenancy.api import OrganizationViewSet

LANGUAGE_CODES = [code for code, _name in settings.LANGUAGES]


def staff_role(request):
    membership = getattr(request, "membership", None)
    return membership.role if membership is not None else None


def moderated_or_published(request, queryset, *, status_field="status", space_path="space"):
    """Published rows, and the others in the spaces the reader's role moderates (admins: all;
    fundraisers, volunteer coordinators and caseworkers: the spaces open to their stakeholders
    or to everyone; viewers: none) — the moderation queue's own walls."""
    role = staff_role(request)
    if role == Role.ADMIN:
        return queryset
    published = Q(**{status_field: PostStatus.PUBLISHED})
    if role not in MODERATOR_ROLES:
        return queryset.filter(published)
    spaces = spaces_moderated(organization=request.organization, role=role)
    return queryset.filter(published | Q(**{f"{space_path}__in": spaces.values("pk")}))


class UtcDateTimeField(serializers.DateTimeField):
    """An ISO 8601 time, read and written in UTC (a far past time in the server's zone would
    carry a local-mean-time offset no client parses); one Python can read but PostgreSQL
    can't store is a 400."""

    def __init__(self, **kwargs):
        kwargs.setdefault("default_timezone", UTC)
        super().__init__(**kwargs)

    def to_internal_value(self, value):
        parsed = super().to_internal_value(value)
        try:
            return parsed.astimezone(UTC)
        except OverflowError:
            self.fail("invalid", format="YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z]")


class CommunityViewSet(OrganizationViewSet):
    """Staff of the organization; a route a role may not use is a 404, as on the pages."""

    def permission_denied(self, request, message=None, code=None):
        if request.user and request.user.is_authenticated:
            raise exceptions.NotFound()
        super().permission_denied(request, message=message, code=code)

    def _validated(self, serializer_class, instance=None, partial=False):
        serializer = serializer_class(
            instance, data=self.request.data, partial=partial, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data


class AuthorFields(serializers.Serializer):
    """The author as the community shows them (selected in the same query)."""

    author_name = serializers.CharField(source="author.shown_name", read_only=True)
    author_is_expert = serializers.BooleanField(source="author.is_expert", read_only=True)


def organization_spaces(request):
    organization = getattr(request, "organization", None)
    if organization is None:
        return Space.objects.none()
    return Space.objects.filter(organization=organization)
