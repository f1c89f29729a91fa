"""API of the core: members and invitations of the organization in the URL."""

from functools import cached_property

import django_filters
from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import Case, F, OuterRef, Subquery, TextField, Value, When
from django.db.models.functions import Collate
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from stakeholders import selectors, services
from stakeholders.models import (
    CONTACT_EDITABLE_FIELDS,
    CONTACT_ROLES,
    ComplaintCategory,
    Consent,
    Contact,
    ContactKind,
    ContactTag,
    Feedback,
    Interaction,
    Invitation,
    Membership,
    Role,
    Tag,
    User,
)
from stakeholders.registries import (
    related_objects,
    restricted_contact_roles,
    restricted_interactions,
)
from stakeholders.tenancy import sql_lines
from stakeholders.tenancy.api import OrganizationViewSet
from stakeholders.tenancy.filters import MemberFilter, OrganizationFilterSet


class MemberSerializer(serializers.ModelSerializer):
    email = serializers.EmailField(source="user.email", read_only=True)
    name = serializers.CharField(source="user.name", read_only=True)

    class Meta:
        model = Membership
        fields = ["id", "email", "name", "role", "created_at"]
        read_only_fields = ["id", "email", "name", "created_at"]


class MemberViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    OrganizationViewSet,
):
    """Members see the team; admins change roles and remove people."""

    model = Membership
    serializer_class = MemberSerializer
    filterset_fields = ["role"]

    def scope_queryset(self, queryset):
        return queryset.select_related("user")

    def perform_update(self, serializer):
        services.membership_set_role(
            organization=self.request.organization,
            membership=serializer.instance,
            role=serializer.validated_data.get("role", serializer.instance.role),
        )

    def perform_destroy(self, instance):
        services.membership_remove(organization=self.request.organization, membership=instance)


class InvitationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Invitation
        fields = ["id", "email", "role", "created_at", "expires_at"]
        read_only_fields = ["id", "created_at", "expires_at"]
        # Left out, the invitation gives the least: an admin raises the role once they join.
        extra_kwargs = {"role": {"default": Role.VIEWER}}


class InvitationViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    OrganizationViewSet,
):
    """Open invitations; creating one emails the link, deleting one withdraws it."""

    model = Invitation
    serializer_class = InvitationSerializer
    read_roles = write_roles = (Role.ADMIN,)
    filterset_fields = ["role"]

    def scope_queryset(self, queryset):
        return queryset.filter(accepted_at__isnull=True)

    @extend_schema(responses={201: InvitationSerializer})
    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        invitation = services.invitation_create(
            organization=request.organization, invited_by=request.user, **serializer.validated_data
        )
        return Response(self.get_serializer(invitation).data, status=status.HTTP_201_CREATED)

    def perform_destroy(self, instance):
        services.invitation_revoke(organization=self.request.organization, invitation=instance)


router = SimpleRouter()
router.register("members", MemberViewSet, basename="member")
router.register("invitations", InvitationViewSet, basename="invitation")


# --- Contacts and their history ---------------------------------------------------------------

EDITOR_ROLES = (Role.ADMIN, Role.FUNDRAISER, Role.VOLUNTEER_COORDINATOR, Role.CASEWORKER)


@extend_schema_field(OpenApiTypes.INT)
class OrganizationRelatedField(serializers.PrimaryKeyRelatedField):
    """An id of a related row, looked up in the request's organization only (else "not found")."""

    def __init__(self, model, **kwargs):
        self.model = model
        super().__init__(**kwargs)

    def get_queryset(self):
        request = self.context["request"]
        return self.model._default_manager.filter(organization=request.organization)


@extend_schema_field(OpenApiTypes.INT)
class MemberField(serializers.PrimaryKeyRelatedField):
    """A staff user id that must belong to the request's organization."""

    def get_queryset(self):
        return User.objects.filter(memberships__organization=self.context["request"].organization)


class TagNamesField(serializers.ListField):
    """Tags as a list of names: written as names, read from the prefetched tags."""

    child = serializers.CharField(max_length=60)

    def to_representation(self, manager):
        return sorted(tag.name for tag in manager.all())


class ContactSerializer(serializers.ModelSerializer):
    relationship_manager = MemberField(required=False, allow_null=True)
    tags = TagNamesField(required=False)
    roles = serializers.SerializerMethodField()
    # Lists read plain rows (tenancy.plain_rows): the tags in one array, the roles from the flags.
    plain_columns = tuple(f"is_{code}" for code, _label in CONTACT_ROLES)

    class Meta:
        model = Contact
        fields = [
            "id",
            "name",
            *CONTACT_EDITABLE_FIELDS,
            "tags",
            "roles",
            "last_interaction_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "id",
            "name",
            "roles",
            "last_interaction_at",
            "created_at",
            "updated_at",
        ]
        validators = []  # uniqueness is checked by the service, inside the organization

    def get_roles(self, contact) -> list[str]:
        role = self.context["request"].membership.role
        return [code for code, _label in contact.roles_seen_by(role)]

    def plain_annotations(self):
        # Each tag's name by its key, not a join: PostgreSQL would hash the organization's tags
        # once per contact (a third of a large export's time). Code point order, as ``sorted``
        # gives the instance path.
        name = Subquery(Tag.objects.filter(pk=OuterRef("tag_id")).order_by().values("name"))
        names = ContactTag.objects.filter(contact=OuterRef("pk")).annotate(tag_name=name)
        names = names.order_by(Collate("tag_name", "C")).values("tag_name")
        return {"tag_names": ArraySubquery(names)}

    def plain_tags(self, row):
        return row["tag_names"]

    def plain_sql_list_tags(self):
        return F("tag_names")

    def plain_sql_tags(self):
        return sql_lines.JsonValue(self.plain_sql_list_tags())

    @cached_property
    def _visible_roles(self):
        hidden = restricted_contact_roles.hidden_from(self.context["request"].membership.role)
        return [code for code, _label in CONTACT_ROLES if code not in hidden]

    def plain_roles(self, row):
        return [code for code in self._visible_roles if row[f"is_{code}"]]

    def plain_sql_list_roles(self):
        visible = [When(**{f"is_{code}": True}, then=Value(code)) for code in self._visible_roles]
        return sql_lines.TextArray(*[Case(case, output_field=TextField()) for case in visible])

    def plain_sql_roles(self):
        return sql_lines.JsonValue(self.plain_sql_list_roles())


class ContactFilter(OrganizationFilterSet):
    search = django_filters.CharFilter(
        method="filter_noop", label="Name, email, phone or external id"
    )
    role = django_filters.ChoiceFilter(
        method="filter_noop",
        choices=[("donor", "donor"), ("volunteer", "volunteer"), ("client", "client")],
    )
    tag = django_filters.CharFilter(method="filter_noop")
    manager = MemberFilter(field_name="relationship_manager", method="filter_noop")
    last_interaction_after = django_filters.DateFilter(method="filter_noop")
    last_interaction_before = django_filters.DateFilter(method="filter_noop")
    kind = django_filters.ChoiceFilter(choices=ContactKind.choices)
    external_id = django_filters.CharFilter()
    email = django_filters.CharFilter(method="filter_email")

    class Meta:
        model = Contact
        fields = []  # all declared above: generating them would query outside a scope

    def filter_noop(self, queryset, name, value):
        return queryset  # applied by contact_search() in the viewset, with the search ordering

    def filter_email(self, queryset, name, value):
        return queryset.filter(email=value.strip().lower())


class ContactViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    OrganizationViewSet,
):
    """Contacts: search and filter, create and update (phones normalised, duplicates flagged)."""

    model = Contact
    serializer_class = ContactSerializer
    filterset_class = ContactFilter
    write_roles = EDITOR_ROLES

    def scope_queryset(self, queryset):
        params = self.request.query_params
        if self.action == "list":
            manager = params.get("manager")
            queryset = selectors.contact_search(
                organization=self.request.organization,
                query=params.get("search", ""),
                role=params.get("role"),
                tag=params.get("tag"),
                manager_id=int(manager) if (manager or "").isdigit() else None,
                last_interaction_after=parse_date(params.get("last_interaction_after") or ""),
                last_interaction_before=parse_date(params.get("last_interaction_before") or ""),
                staff_role=self.request.membership.role,
            )
        return queryset.select_related("relationship_manager").prefetch_related("tags")

    def relevance_ordered(self):
        """Search results come best match first: one page, no keyset cursor."""
        return self.action == "list" and bool(self.request.query_params.get("search"))

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        tags = data.pop("tags", [])
        serializer.instance = services.contact_create(
            organization=self.request.organization, actor=self.request.user, tags=tags, **data
        )

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        tags = data.pop("tags", None)
        services.contact_update(
            organization=self.request.organization,
            contact=serializer.instance,
            actor=self.request.user,
            **data,
        )
        if tags is not None:
            services.contact_set_tags(
                organization=self.request.organization, contact=serializer.instance, names=tags
            )


class RelatedObjectMixin:
    """``related_kind`` and ``related_id`` (given together) name a row of the request's
    organization, of a kind an app registered in ``related_objects`` and the member's role may
    see."""

    def validate(self, attrs):
        attrs = super().validate(attrs)
        if not {"related_kind", "related_id"} & attrs.keys():
            return attrs
        kind = attrs.get("related_kind", getattr(self.instance, "related_kind", ""))
        related_id = attrs.get("related_id", getattr(self.instance, "related_id", None))
        if not kind and related_id is None:
            return attrs
        request = self.context["request"]
        hidden = restricted_interactions.hidden_from(request.membership.role)
        kinds = [name for name in related_objects.kinds() if name not in hidden]
        if kind not in kinds:
            raise serializers.ValidationError(
                {"related_kind": _("Choose one of: %(kinds)s.") % {"kinds": ", ".join(kinds)}}
            )
        if related_id is None:
            message = _("Give the id of the %(kind)s.") % {"kind": kind}
            raise serializers.ValidationError({"related_id": message})
        if not related_objects.exists(
            organization=request.organization, kind=kind, related_id=related_id
        ):
            message = _("There is no such %(kind)s in this organization.") % {"kind": kind}
            raise serializers.ValidationError({"related_id": message})
        return attrs


class InteractionSerializer(RelatedObjectMixin, serializers.ModelSerializer):
    contact = OrganizationRelatedField(Contact)
    complaint_category = OrganizationRelatedField(
        ComplaintCategory, required=False, allow_null=True
    )
    follow_up_owner = MemberField(required=False, allow_null=True)
    staff = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)  # account gone

    class Meta:
        model = Interaction
        fields = [
            "id",
            "contact",
            "kind",
            "channel",
            "direction",
            "initiated_by_contact",
            "occurred_at",
            "staff",
            "subject",
            "notes",
            "outcome",
            "follow_up_on",
            "follow_up_owner",
            "follow_up_done_at",
            "complaint_category",
            "resolution",
            "resolved_at",
            "related_kind",
            "related_id",
            "created_at",
        ]
        read_only_fields = ["id", "staff", "follow_up_done_at", "created_at"]
        extra_kwargs = {
            "occurred_at": {"required": False},
            "subject": {"required": False, "allow_blank": True},  # a note alone will do
        }


class InteractionViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    OrganizationViewSet,
):
    """Interactions on every channel, newest first; filter by contact, channel, kind, date."""

    model = Interaction
    serializer_class = InteractionSerializer
    write_roles = EDITOR_ROLES
    filterset_fields = {
        "contact": ["exact"],
        "channel": ["exact"],
        "kind": ["exact"],
        "direction": ["exact"],
        "occurred_at": ["gte", "lt"],
        "follow_up_owner": ["exact"],
    }
    keyset_ordering = ("-occurred_at", "-id")

    def scope_queryset(self, queryset):
        hidden = restricted_interactions.hidden_from(self.request.membership.role)
        return queryset.exclude(related_kind__in=hidden)

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        contact = data.pop("contact")
        serializer.instance = services.interaction_log(
            organization=self.request.organization, contact=contact, staff=self.request.user, **data
        )

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        data.pop("contact", None)  # an interaction stays with its contact
        services.interaction_update(
            organization=self.request.organization, interaction=serializer.instance, **data
        )


class TagSerializer(serializers.ModelSerializer):
    class Meta:
        model = Tag
        fields = ["id", "name"]
        validators = []


class TagViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, OrganizationViewSet):
    model = Tag
    serializer_class = TagSerializer
    filterset_fields = {"name": ["exact", "istartswith"]}


class ConsentSerializer(serializers.ModelSerializer):
    contact = OrganizationRelatedField(Contact)

    class Meta:
        model = Consent
        fields = [
            "id",
            "contact",
            "channel",
            "purpose",
            "granted",
            "source",
            "wording",
            "recorded_by",
            "recorded_at",
        ]
        read_only_fields = ["id", "recorded_by", "recorded_at"]


class ConsentViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, OrganizationViewSet
):
    """Consent decisions: append-only (a change is a new decision)."""

    model = Consent
    serializer_class = ConsentSerializer
    write_roles = EDITOR_ROLES
    filterset_fields = ["contact", "channel", "purpose", "granted"]
    keyset_ordering = ("-recorded_at", "-id")

    def perform_create(self, serializer):
        serializer.instance = services.consent_record(
            organization=self.request.organization,
            recorded_by=self.request.user,
            **serializer.validated_data,
        )


class VisibleInteractionField(OrganizationRelatedField):
    """An interaction the member's role may read: casework is not every role's to score."""

    def get_queryset(self):
        request = self.context["request"]
        return selectors.interactions_visible(
            organization=request.organization, staff_role=request.membership.role
        )


class FeedbackSerializer(RelatedObjectMixin, serializers.ModelSerializer):
    contact = OrganizationRelatedField(Contact)
    interaction = VisibleInteractionField(Interaction, required=False, allow_null=True)
    category = OrganizationRelatedField(ComplaintCategory, required=False, allow_null=True)

    class Meta:
        model = Feedback
        fields = [
            "id",
            "contact",
            "interaction",
            "related_kind",
            "related_id",
            "measure",
            "score",
            "comment",
            "by_contact",
            "created_at",
            "category",
        ]
        read_only_fields = ["id", "by_contact", "created_at"]
        validators = []

    def get_fields(self):
        fields = super().get_fields()
        if isinstance(self.instance, Feedback):  # an answer given stays as given: only its tag
            for name, field in fields.items():
                if name != "category":
                    field.read_only = True
        return fields

    def to_internal_value(self, data):
        if isinstance(self.instance, Feedback) and hasattr(data, "keys"):
            fixed = sorted(set(data.keys()) & (set(self.Meta.fields) - {"category"}))
            if fixed:
                message = _("An answer stays as given: only its category can change.")
                raise serializers.ValidationError({name: [message] for name in fixed})
        return super().to_internal_value(data)


class FeedbackViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    OrganizationViewSet,
):
    """CSAT (1–5), CES (1–7) and NPS (0–10) scores against an interaction or a request; PATCH
    ``category`` tags the comment as a complaint or an expectation (null clears it)."""

    model = Feedback
    serializer_class = FeedbackSerializer
    write_roles = EDITOR_ROLES
    http_method_names = ["get", "post", "patch", "head", "options"]
    filterset_fields = ["contact", "interaction", "measure", "category"]
    keyset_ordering = ("-created_at", "-id")

    def scope_queryset(self, queryset):
        visible = selectors.feedback_visible(
            organization=self.request.organization, staff_role=self.request.membership.role
        )
        return queryset & visible

    def perform_create(self, serializer):
        from stakeholders.experience import insights

        data = dict(serializer.validated_data)
        category = data.pop("category", None)
        serializer.instance = services.feedback_record(
            organization=self.request.organization, recorded_by=self.request.user, **data
        )
        if category is not None:
            insights.feedback_tag(
                organization=self.request.organization,
                feedback=serializer.instance,
                category=category,
            )

    def perform_update(self, serializer):
        from stakeholders.experience import insights

        insights.feedback_tag(
            organization=self.request.organization,
            feedback=serializer.instance,
            category=serializer.validated_data.get("category", serializer.instance.category),
        )


router.register("contacts", ContactViewSet, basename="contact")
router.register("interactions", InteractionViewSet, basename="interaction")
router.register("tags", TagViewSet, basename="tag")
router.register("consents", ConsentViewSet, basename="consent")
router.register("feedback", FeedbackViewSet, basename="feedback")

# Complaint categories, relationships, duplicates and merge, imports, data subject requests.
from stakeholders import core_api  # noqa: E402 (its modules import the serializers above)

core_api.register(router)
