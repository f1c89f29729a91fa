"""Reads of the core: memberships, invitations, tokens."""

from allauth.account.models import EmailAddress
from allauth.mfa.adapter import get_adapter as get_mfa_adapter
from django.db.models import Q
from django.utils import timezone
from django_scopes import scopes_disabled

from stakeholders.models import ApiToken, Invitation, Membership, hash_secret


def membership_get(*, organization, user):
    if not user.is_authenticated:
        return None
    return Membership.objects.filter(organization=organization, user=user).first()


def memberships_for_user(*, user):
    return (
        Membership.objects.filter(user=user)
        .select_related("organization")
        .order_by("organization__name")
    )


def organization_members(*, organization, search=""):
    members = Membership.objects.filter(organization=organization)
    if search:
        members = members.filter(Q(user__name__icontains=search) | Q(user__email__icontains=search))
    return members.select_related("user").order_by("user__name", "user__email", "pk")


def admin_count(*, organization):
    return Membership.objects.filter(organization=organization, role="admin").count()


def invitations_pending(*, organization):
    return Invitation.objects.filter(organization=organization, accepted_at__isnull=True)


def invitation_get_by_key(*, key):
    """Find an invitation from the key in its link, in any organization (the key is the proof)."""
    with scopes_disabled():
        return (
            Invitation.objects.select_related("organization")
            .filter(key_hash=hash_secret(key), accepted_at__isnull=True)
            .first()
        )


def invitations_for_user(*, user):
    """Open, unexpired invitations sent to one of the user's verified addresses."""
    emails = EmailAddress.objects.filter(user=user, verified=True).values_list("email", flat=True)
    with scopes_disabled():
        return list(
            Invitation.objects.select_related("organization").filter(
                email__in=[e.lower() for e in emails],
                accepted_at__isnull=True,
                expires_at__gt=timezone.now(),
            )
        )


def api_tokens_for(*, organization, user):
    return ApiToken.objects.filter(organization=organization, user=user)


def user_has_mfa(*, user):
    return get_mfa_adapter().is_mfa_enabled(user)
