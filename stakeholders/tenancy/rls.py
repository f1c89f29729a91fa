"""Row-level security on every tenant table, applied after each ``migrate`` (as the owner of the
tables), so a new tenant model is covered without anyone remembering to.

The policy: a row is visible and writable only when its ``organization_id`` is the session's
``steward.organization`` (set by ``stakeholders.tenancy.postgresql``), or when that is ``*``.
The application connects as a role that owns no table and has no BYPASSRLS, so a query that
forgot its scope, a raw SQL statement or a bug in a manager sees nothing of another organization.
The owner (who runs migrations and backups) is not subject to the policies.
"""

from contextlib import contextmanager

from django.apps import apps
from django.conf import settings
from django.db import connections

from stakeholders.tenancy.models import TenantOwned

POLICY = "tenant_isolation"
FUNCTIONS = """
CREATE OR REPLACE FUNCTION steward_scope_organization() RETURNS bigint
    LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN current_setting('steward.organization', true) ~ '^[0-9]+$'
                THEN current_setting('steward.organization', true)::bigint END
$$;
CREATE OR REPLACE FUNCTION steward_scope_all() RETURNS boolean
    LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT coalesce(current_setting('steward.organization', true) = '*', false)
$$;
"""


def tenant_tables():
    return sorted(
        model._meta.db_table
        for model in apps.get_models()
        if issubclass(model, TenantOwned) and model._meta.managed and not model._meta.proxy
    )


@contextmanager
def as_owner(using="default"):
    """Run the block connected as the owner of the tables (migrations, backups, restores), when
    the application connects as another role."""
    owner = settings.DATABASE_OWNER
    connection = connections[using]
    if not owner or connection.settings_dict["USER"] == owner["USER"]:
        yield
        return
    saved = {name: connection.settings_dict[name] for name in owner}
    connection.close()
    connection.settings_dict.update(owner)
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict.update(saved)


def application_role():
    """The role to grant data access to, when it is not the owner itself."""
    owner = settings.DATABASE_OWNER
    if owner and owner["USER"] != settings.DATABASE_APP_USER:
        return settings.DATABASE_APP_USER
    return None


def ensure_application_role(*, using="default"):
    """Create the application's role (named, with its password, in DATABASE_URL) when it does
    not exist yet: it may log in and nothing else — no superuser, no BYPASSRLS, no ownership.
    Needs an owner with CREATEROLE (the compose file's is); otherwise create it by hand (see the
    README) and this does nothing."""
    role = application_role()
    if not role:
        return
    with connections[using].cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
        if cursor.fetchone() is None:
            password = settings.DATABASE_APP_PASSWORD or None
            cursor.execute(
                f"CREATE ROLE {connections[using].ops.quote_name(role)} LOGIN NOSUPERUSER "
                "NOBYPASSRLS NOCREATEDB NOCREATEROLE PASSWORD %s",
                [password],
            )


def apply_row_level_security(*, using="default", app_role=None):
    """Enable RLS and (re)create the policy on every tenant table; grant the application role
    what it needs (data, not ownership) when one is named."""
    quote = connections[using].ops.quote_name
    with connections[using].cursor() as cursor:
        cursor.execute(FUNCTIONS)
        for table in tenant_tables():
            cursor.execute(
                f"ALTER TABLE {quote(table)} ENABLE ROW LEVEL SECURITY;"
                f"DROP POLICY IF EXISTS {POLICY} ON {quote(table)};"
                f"CREATE POLICY {POLICY} ON {quote(table)} "
                "USING (steward_scope_all() OR organization_id = steward_scope_organization()) "
                "WITH CHECK (steward_scope_all() OR organization_id = steward_scope_organization())"
            )
        if app_role:
            role = quote(app_role)
            cursor.execute(
                f"GRANT USAGE ON SCHEMA public TO {role};"
                f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role};"
                f"GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO {role};"
                f"GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA public TO {role};"
            )


def tables_without_policy(*, using="default"):
    """Tenant tables where RLS is off or the policy is missing (a test keeps this empty)."""
    with connections[using].cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = 'public' AND c.relkind = 'r' AND c.relrowsecurity "
            "AND EXISTS (SELECT 1 FROM pg_policies p WHERE p.tablename = c.relname "
            "AND p.policyname = %s)",
            [POLICY],
        )
        protected = {row[0] for row in cursor.fetchall()}
    return [table for table in tenant_tables() if table not in protected]
