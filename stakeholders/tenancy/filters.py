"""API filters that name a staff member: only the organization's members are valid choices, so
another organization's user is refused (400) like an unknown id, never a quiet empty page. And
filters on a time, which PostgreSQL must be able to read."""

from datetime import UTC

import django_filters
from django.core.exceptions import ValidationError
from django.db import models
from django_filters.fields import IsoDateTimeField
from django_filters.rest_framework import DjangoFilterBackend, FilterSet
from django_filters.rest_framework.filterset import FILTER_FOR_DBFIELD_DEFAULTS

from stakeholders.models import User


def organization_members(request):
    """The users a filter may name: members of the request's organization (none without one,
    e.g. while the schema is generated)."""
    organization = getattr(request, "organization", None)
    if organization is None:
        return User.objects.none()
    return User.objects.filter(memberships__organization=organization)


class MemberFilter(django_filters.ModelChoiceFilter):
    """A staff user id, chosen among the organization's members."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("queryset", organization_members)
        super().__init__(*args, **kwargs)


class UtcDateTimeField(IsoDateTimeField):
    """An ISO 8601 time, in UTC: Python takes offsets up to ±23:59, PostgreSQL up to ±15:59."""

    def to_python(self, value):
        value = super().to_python(value)
        try:
            return value and value.astimezone(UTC)
        except OverflowError:  # e.g. year 1 at +02:00
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None


class UtcDateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = UtcDateTimeField


class OrganizationFilterSet(FilterSet):
    """Base of the API's filter sets: a filter generated for a foreign key to a user (assignee,
    follow-up owner) takes members of the organization only; one on a time reads it in UTC."""

    FILTER_DEFAULTS = {
        **FILTER_FOR_DBFIELD_DEFAULTS,
        models.DateTimeField: {"filter_class": UtcDateTimeFilter},
    }

    @classmethod
    def filter_for_field(cls, field, field_name, lookup_expr=None):
        generated = super().filter_for_field(field, field_name, lookup_expr)
        if isinstance(generated, django_filters.ModelChoiceFilter) and field.related_model is User:
            return MemberFilter(
                field_name=field_name, lookup_expr=generated.lookup_expr, label=generated.label
            )
        return generated


# Query parameters that page or format a list and filter nothing.
NOT_FILTERS = frozenset({"cursor", "page_size", "format"})


class OrganizationFilterBackend(DjangoFilterBackend):
    """django-filter's backend, building ``filterset_fields`` on ``OrganizationFilterSet``.

    A request without any other parameter than paging ones filters nothing, so its filter set
    is not built: building one (its filters deep-copied, its form validated) was a tenth of a
    list page's time."""

    filterset_base = OrganizationFilterSet

    def filter_queryset(self, request, queryset, view):
        if NOT_FILTERS.issuperset(request.query_params):
            return queryset
        return super().filter_queryset(request, queryset, view)
