"""API token authentication (kept apart from the viewsets: DRF imports it while loading itself)."""

from datetime import timedelta
from functools import cache

from django.db import DEFAULT_DB_ALIAS, connection
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication

from stakeholders.models import ApiToken, Membership, User, hash_secret
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
            token = _token_with_member(self.organization, hash_secret(key))
        if token is None or not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        now = timezone.now()
        if token.expires_at is not None and token.expires_at <= now:
            raise exceptions.AuthenticationFailed(_("This token has expired."))
        if token.last_used_at is None or now - token.last_used_at > LAST_USED_PRECISION:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        return token.user, token


@cache
def _lookup_statement():
    """The token lookup's SQL and the fields it reads, built once from the models: the same
    statement as the ORM would write for it, whose compilation (two joins, every column) was a
    third of an API list's time."""
    token_fields = ApiToken._meta.concrete_fields
    user_fields = User._meta.concrete_fields
    columns = [f't."{field.column}"' for field in token_fields]
    columns += [f'u."{field.column}"' for field in user_fields]
    # Only the models' own table and column names are formatted in; the values are parameters.
    sql = (
        f"SELECT {', '.join(columns)}, m.id, m.role "  # noqa: S608
        f'FROM "{ApiToken._meta.db_table}" t '
        f'JOIN "{User._meta.db_table}" u ON u.id = t.user_id '
        f'LEFT JOIN "{Membership._meta.db_table}" m '
        "ON m.organization_id = t.organization_id AND m.user_id = t.user_id "
        "WHERE t.organization_id = %s AND t.key_hash = %s"
    )
    return sql, [f.attname for f in token_fields], [f.attname for f in user_fields]


def _token_with_member(organization, key_hash):
    """The organization's token with this hash, its user (``token.user``) and the user's
    membership of the organization (``token.membership``, None for a former member), in one
    statement (row-level security also limits it to the organization in scope)."""
    sql, token_names, user_names = _lookup_statement()
    with connection.cursor() as cursor:
        cursor.execute(sql, [organization.pk, key_hash])
        row = cursor.fetchone()
    if row is None:
        return None
    split = len(token_names)
    token = ApiToken.from_db(DEFAULT_DB_ALIAS, token_names, row[:split])
    user = User.from_db(DEFAULT_DB_ALIAS, user_names, row[split : split + len(user_names)])
    token.user = user
    membership_id, role = row[-2:]
    token.membership = None
    if membership_id is not None:
        token.membership = Membership.from_db(
            DEFAULT_DB_ALIAS,
            ["id", "organization_id", "user_id", "role"],
            [membership_id, organization.pk, user.pk, role],
        )
        token.membership.organization = organization
        token.membership.user = user
    return token
