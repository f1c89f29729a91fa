"""API of the core: members and invitations of the organization in the URL."""

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from stakeholders import services
from stakeholders.models import Invitation, Membership, Role
from stakeholders.tenancy.api import OrganizationViewSet


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
