"""API token authentication (kept apart from the viewsets: DRF imports it while loading itself)."""

from datetime import timedelta

from django.db.models import OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication

from stakeholders.models import ApiToken, Membership, hash_secret
from stakeholders.tenancy.middleware import ORGANIZATION_PATH

# "Last used" is shown to people; a write per request would be a cost for no one's benefit.
LAST_USED_PRECISION = timedelta(minutes=1)


class ApiTokenAuthentication(TokenAuthentication):
    """``Authorization: Token <key>``. Tokens are stored hashed and belong to one organization.

    The lookup runs inside the scope of the organization in the URL, so a token of another
    organization is simply unknown here. Outside an organization (the schema and its docs, which
    need no credentials) a token is not looked up at all; under an organization that does not
    exist it is refused like any unknown token, so the answer doesn't tell which slugs exist.
    """

    def authenticate(self, request):
        self.organization = getattr(request, "organization", None)
        if self.organization is None and ORGANIZATION_PATH.match(request.path_info) is None:
            return None
        return super().authenticate(request)

    def authenticate_credentials(self, key):
        """One query finds the token, its user and the user's membership of the organization
        (``token.membership``, None for a former member), which the API's permission then reads
        instead of asking again."""
        token = None
        if self.organization is not None:
            membership = Membership.objects.filter(
                organization=self.organization, user=OuterRef("user")
            )
            token = (
                ApiToken.objects.select_related("user")
                .annotate(
                    membership_id=Subquery(membership.values("pk")[:1]),
                    membership_role=Subquery(membership.values("role")[:1]),
                )
                .filter(key_hash=hash_secret(key))
                .first()
            )
        if token is None or not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        now = timezone.now()
        if token.expires_at is not None and token.expires_at <= now:
            raise exceptions.AuthenticationFailed(_("This token has expired."))
        if token.last_used_at is None or now - token.last_used_at > LAST_USED_PRECISION:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.membership = None
        if token.membership_id is not None:
            token.membership = Membership(
                pk=token.membership_id,
                organization=self.organization,
                user=token.user,
                role=token.membership_role,
            )
        return token.user, token
