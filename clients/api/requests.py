"""Service requests, service levels, help-centre articles and service records."""

from django.db import transaction
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers
from rest_framework.response import Response

from clients import services
from clients.api.common import ClientDataViewSet
from clients.models import (
    Article,
    ArticleCategory,
    Programme,
    RequestCategory,
    ServiceLevel,
    ServiceRecord,
    ServiceRequest,
)
from stakeholders.api import MemberField, OrganizationRelatedField
from stakeholders.models import ComplaintCategory, Contact, Role


class ServiceRequestSerializer(serializers.ModelSerializer):
    contact = OrganizationRelatedField(Contact)
    category = OrganizationRelatedField(RequestCategory, required=False, allow_null=True)
    complaint_category = OrganizationRelatedField(
        ComplaintCategory, required=False, allow_null=True
    )
    assignee = MemberField(required=False, allow_null=True)
    subject = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True)

    class Meta:
        model = ServiceRequest
        fields = [
            "id",
            "number",
            "contact",
            "kind",
            "category",
            "complaint_category",
            "priority",
            "status",
            "channel",
            "subject",
            "description",
            "assignee",
            "created_at",
            "first_response_due_at",
            "resolution_due_at",
            "next_due_at",
            "first_responded_at",
            "resolved_at",
            "first_response_breached",
            "resolution_breached",
            "satisfaction_restored",
            "confirmed_at",
        ]
        read_only_fields = [
            "id",
            "status",
            "created_at",
            "confirmed_at",
            "first_response_due_at",
            "resolution_due_at",
            "next_due_at",
            "first_responded_at",
            "resolved_at",
            "first_response_breached",
            "resolution_breached",
            "satisfaction_restored",
        ]


class ServiceRequestUpdateSerializer(serializers.Serializer):
    """What may change through the API: what it is about, priority, assignee, status. Any other
    field is refused by name rather than silently ignored."""

    kind = serializers.ChoiceField(choices=ServiceRequest._meta.get_field("kind").choices)
    category = OrganizationRelatedField(RequestCategory, required=False, allow_null=True)
    complaint_category = OrganizationRelatedField(
        ComplaintCategory, required=False, allow_null=True
    )
    priority = serializers.ChoiceField(choices=ServiceRequest._meta.get_field("priority").choices)
    assignee = MemberField(required=False, allow_null=True)
    status = serializers.ChoiceField(choices=["new", "open", "waiting", "closed"], required=False)

    def to_internal_value(self, data):
        refused = sorted(set(data) - set(self.fields))
        if refused:
            message = _("This field can't be changed here.")
            raise serializers.ValidationError({name: [message] for name in refused})
        return super().to_internal_value(data)


class ServiceRequestViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    ClientDataViewSet,
):
    """Service requests, most urgent first; filter by status, priority, category, assignee,
    contact."""

    model = ServiceRequest
    serializer_class = ServiceRequestSerializer
    access_kind = "request"
    keyset_ordering = ("-created_at", "-id")
    filterset_fields = ["status", "priority", "category", "assignee", "contact", "kind"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def scope_queryset(self, queryset):
        return queryset.select_related("contact")

    def perform_create(self, serializer):
        serializer.instance = services.request_create(
            organization=self.request.organization,
            actor=self.request.user,
            **serializer.validated_data,
        )

    @extend_schema(request=ServiceRequestUpdateSerializer, responses=ServiceRequestSerializer)
    def partial_update(self, request, *args, **kwargs):
        instance = self.get_object()
        current = {
            "kind": instance.kind,
            "category": instance.category,
            "complaint_category": instance.complaint_category,
            "priority": instance.priority,
            "assignee": instance.assignee,
        }
        serializer = ServiceRequestUpdateSerializer(
            data={**{k: getattr(v, "pk", v) for k, v in current.items()}, **request.data},
            context=self.get_serializer_context(),
        )
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        organization = request.organization
        with transaction.atomic():
            services.request_update(
                organization=organization,
                request=instance,
                kind=data["kind"],
                category=data.get("category"),
                complaint_category=data.get("complaint_category"),
                priority=data["priority"],
                actor=request.user,
            )
            if data.get("assignee") != instance.assignee:
                services.request_assign(
                    organization=organization,
                    request=instance,
                    assignee=data.get("assignee"),
                    actor=request.user,
                )
            if data.get("status"):
                services.request_set_status(
                    organization=organization,
                    request=instance,
                    status=data["status"],
                    actor=request.user,
                )
        return Response(self.get_serializer(instance).data)


class ServiceLevelSerializer(serializers.ModelSerializer):
    category = OrganizationRelatedField(RequestCategory, required=False, allow_null=True)

    class Meta:
        model = ServiceLevel
        fields = ["id", "category", "priority", "first_response_minutes", "resolution_minutes"]

    def validate(self, attrs):
        request = self.context["request"]
        category = attrs.get("category", getattr(self.instance, "category", None))
        priority = attrs.get("priority", getattr(self.instance, "priority", None))
        clash = ServiceLevel.objects.filter(
            organization=request.organization, category=category, priority=priority
        )
        if self.instance is not None:
            clash = clash.exclude(pk=self.instance.pk)
        if clash.exists():
            raise serializers.ValidationError(
                {"priority": _("There are already targets for that category and priority.")}
            )
        for field in ("first_response_minutes", "resolution_minutes"):
            if field in attrs and attrs[field] <= 0:
                raise serializers.ValidationError({field: _("Give a number of minutes above 0.")})
        return attrs


class ServiceLevelViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    ClientDataViewSet,
):
    """Response targets: caseworkers read them, admins change them."""

    model = ServiceLevel
    serializer_class = ServiceLevelSerializer
    write_roles = (Role.ADMIN,)
    keyset_ordering = ("id",)

    def scope_queryset(self, queryset):
        return queryset.select_related("category")

    def perform_create(self, serializer):
        with transaction.atomic():
            serializer.save(organization=self.request.organization)
            services.refresh_open_clocks(organization=self.request.organization)

    def perform_update(self, serializer):
        with transaction.atomic():
            serializer.save()
            services.refresh_open_clocks(organization=self.request.organization)

    def perform_destroy(self, instance):
        with transaction.atomic():
            instance.delete()
            services.refresh_open_clocks(organization=self.request.organization)


class ArticleSerializer(serializers.ModelSerializer):
    category = OrganizationRelatedField(ArticleCategory)

    class Meta:
        model = Article
        fields = [
            "id",
            "language",
            "original",
            "category",
            "title",
            "summary",
            "body",
            "is_faq",
            "is_published",
            "helpful_count",
            "unhelpful_count",
            "deflection_count",
            "updated_at",
        ]
        # A version is added on the article's page (or its language changed there): here it is
        # read and edited like any article.
        read_only_fields = [
            "language",
            "original",
            "helpful_count",
            "unhelpful_count",
            "deflection_count",
            "updated_at",
        ]


class ArticleViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    ClientDataViewSet,
):
    """Help-centre articles (published ones are public on the help centre itself). The list
    has the originals; ``?original=<id>`` lists an article's versions in other languages."""

    model = Article
    serializer_class = ArticleSerializer
    keyset_ordering = ("id",)
    filterset_fields = ["category", "is_published", "is_faq", "language", "original"]

    def scope_queryset(self, queryset):
        if self.action == "list" and not self.request.query_params.get("original"):
            return queryset.filter(original__isnull=True)
        return queryset

    def _save(self, serializer):
        article = serializer.instance or Article(organization=self.request.organization)
        for name, value in serializer.validated_data.items():
            setattr(article, name, value)
        serializer.instance = services.article_save(
            organization=self.request.organization, article=article, actor=self.request.user
        )

    perform_create = perform_update = _save


@extend_schema_field({"type": "string", "format": "decimal"})
class QuantityField(serializers.DecimalField):
    pass


class ServiceRecordSerializer(serializers.ModelSerializer):
    contact = OrganizationRelatedField(Contact)
    programme = OrganizationRelatedField(Programme)
    quantity = QuantityField(max_digits=9, decimal_places=2, min_value=0)

    class Meta:
        model = ServiceRecord
        fields = ["id", "contact", "programme", "delivered_on", "quantity", "staff", "notes"]
        read_only_fields = ["staff"]


class ServiceRecordViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, ClientDataViewSet
):
    """Services delivered to clients; filter by contact, programme, date."""

    model = ServiceRecord
    serializer_class = ServiceRecordSerializer
    access_kind = "service_record"
    keyset_ordering = ("-delivered_on", "-id")
    filterset_fields = {
        "contact": ["exact"],
        "programme": ["exact"],
        "delivered_on": ["gte", "lte"],
    }

    def perform_create(self, serializer):
        serializer.instance = services.service_record_add(
            organization=self.request.organization,
            staff=self.request.user,
            **serializer.validated_data,
        )
