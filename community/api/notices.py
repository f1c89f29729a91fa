"""Known-issue notices: created, changed and ended through the notices service."""

import django_filters
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import (
    OpenApiExample,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from community.api.common import (
    CommunityViewSet,
    UtcDateTimeField,
)
from community.models import (
    Notice,
    NoticePlace,
)
from community.services import notices as notice_services
from community.services.notices import NOTICE_ROLES
from stakeholders.tenancy.filters import OrganizationFilterSet


class NoticeSerializer(serializers.ModelSerializer):
    places = serializers.ListField(
        child=serializers.ChoiceField(choices=NoticePlace.choices),
        min_length=1,
        max_length=len(NoticePlace.choices),
        help_text=gettext_lazy(
            "Where it shows: community, help (the help centre), request (the request form)."
        ),
    )
    starts_at = UtcDateTimeField(required=False)
    ends_at = UtcDateTimeField()
    language = serializers.ChoiceField(
        choices=settings.LANGUAGES,
        required=False,
        allow_blank=True,
        help_text=gettext_lazy("Shown to readers of this language only; empty: to everyone."),
    )

    class Meta:
        model = Notice
        fields = [
            "id",
            "title",
            "body",
            "severity",
            "places",
            "language",
            "starts_at",
            "ends_at",
            "created_by",
            "created_at",
        ]
        read_only_fields = ["id", "created_by", "created_at"]

    def validate_places(self, value):
        return sorted(set(value))


class NoticeFilter(OrganizationFilterSet):
    severity = django_filters.ChoiceFilter(choices=Notice.Severity.choices)
    place = django_filters.ChoiceFilter(
        choices=NoticePlace.choices, method="filter_place", label="Shown on this place"
    )
    current = django_filters.BooleanFilter(
        method="filter_current", label="Showing now (true) or not (false)"
    )

    class Meta:
        model = Notice
        fields = []

    def filter_place(self, queryset, name, value):
        return queryset.filter(places__contains=[value])

    def filter_current(self, queryset, name, value):
        now = timezone.now()
        showing = Q(starts_at__lte=now, ends_at__gt=now)
        return queryset.filter(showing) if value else queryset.exclude(showing)


NOTICE_EXAMPLE = {
    "id": 9,
    "title": "The food bank is closed on Friday",
    "body": "Parcels will be handed out on Thursday from 9 to 6 instead.",
    "severity": "warning",
    "places": ["community", "help", "request"],
    "language": "",
    "starts_at": "2026-12-01T08:00:00Z",
    "ends_at": "2026-12-05T18:00:00Z",
    "created_by": 7,
    "created_at": "2026-11-30T15:12:00Z",
}


@extend_schema_view(
    list=extend_schema(
        summary="List notices",
        description="Latest start first, ended ones too; ``?current=true`` for those showing now.",
        examples=[OpenApiExample("A closure", value=NOTICE_EXAMPLE)],
    ),
    retrieve=extend_schema(
        summary="Get one notice", examples=[OpenApiExample("A closure", value=NOTICE_EXAMPLE)]
    ),
    create=extend_schema(
        summary="Post a notice",
        examples=[
            OpenApiExample(
                "The online form is down",
                value={
                    "title": "The online request form is down",
                    "body": "Call us on 020 7946 0000 until it is back.",
                    "severity": "warning",
                    "places": ["help", "request"],
                    "ends_at": "2026-12-02T18:00:00Z",
                },
                request_only=True,
            )
        ],
    ),
    partial_update=extend_schema(
        summary="Update a notice",
        examples=[
            OpenApiExample(
                "Until Monday", value={"ends_at": "2026-12-07T09:00:00Z"}, request_only=True
            )
        ],
    ),
)
@extend_schema(tags=["community notices"])
class NoticeViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    CommunityViewSet,
):
    """Known-issue notices ("the food bank is closed on Friday") shown on the community, the
    help centre and the request form for a set time."""

    model = Notice
    serializer_class = NoticeSerializer
    write_roles = NOTICE_ROLES
    keyset_ordering = ("-starts_at", "-id")
    http_method_names = ["get", "post", "patch", "head", "options"]

    filterset_class = NoticeFilter

    def _save(self, serializer):
        notice = serializer.instance or Notice(organization=self.request.organization)
        for name, value in serializer.validated_data.items():
            setattr(notice, name, value)
        serializer.instance = notice_services.notice_save(
            organization=self.request.organization, notice=notice, actor=self.request.user
        )

    perform_create = perform_update = _save

    @extend_schema(
        summary="End a notice now",
        description="It stops showing at once (one that had not started never shows) and is "
        "kept in the list.",
        request=None,
        responses={200: NoticeSerializer},
    )
    @action(detail=True, methods=["post"])
    def end(self, request, *args, **kwargs):
        notice = self.get_object()
        with transaction.atomic():
            notice_services.notice_end(
                organization=request.organization, notice=notice, actor=request.user
            )
        notice.refresh_from_db()
        return Response(self.get_serializer(notice).data, status=status.HTTP_200_OK)
