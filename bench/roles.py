"""Who does what in a benchmark: the owner of the tables loads the data, the application's role
is measured.

Loading is not the application: it runs as the **owner** (``DATABASE_OWNER``: ``steward`` on the
embedded server, ``DATABASE_OWNER_URL`` elsewhere). The owner is not subject to row-level
security (the policies are not FORCEd), may ``COPY … FROM STDIN`` into its tables, drop and
re-create their indexes and foreign keys, ``VACUUM`` and ``ANALYZE`` them and create its
databases — everything loading needs, and it exists wherever Steward runs, a managed database
included. The superuser is not needed for any of it (and a managed database has none), so the
benchmarks never use it.

Everything timed runs as the **application's role** (``steward_app``: owns nothing, no
BYPASSRLS), through the same backend that keeps ``steward.organization`` equal to the
organization scope, so row-level security is in every measured query, as in production.
"""

import os
import warnings
from contextlib import contextmanager

from django.conf import settings
from django.db import connection
from django_scopes import scopes_disabled

from config import dbserver
from stakeholders.tenancy import rls

APPLICATION = "application"
OWNER = "owner"


def separate_owner():
    """Whether the owner is another role than the application's (else RLS is not measured)."""
    return rls.application_role() is not None


def warn_without_owner():
    if not separate_owner():
        warnings.warn(
            "The application connects as the owner of the tables: row-level security does not "
            "apply to what is measured. Set DATABASE_OWNER_URL (or leave DATABASE_URL unset for "
            "the embedded server's two roles).",
            stacklevel=2,
        )


def compare_owner(requested=None):
    """Whether to time each case as the owner too, right after the application's role (for
    comparison only: what row-level security costs): ``requested``, else BENCH_COMPARE_OWNER=1."""
    if requested is None:
        requested = os.environ.get("BENCH_COMPARE_OWNER") == "1"
    return bool(requested) and separate_owner()


def current_role():
    return connection.settings_dict["USER"]


@contextmanager
def loading():
    """Build data as the owner of the tables, outside any organization scope (loading crosses
    organizations: every row names its own)."""
    with rls.as_owner(), scopes_disabled():
        yield


@contextmanager
def measuring(role=APPLICATION):
    """Time as the application's role (the default), or, for comparison only, as the owner
    (row-level security does not apply to it)."""
    if role == OWNER:
        with rls.as_owner():
            yield
        return
    assert current_role() == settings.DATABASE_APP_USER, current_role()
    yield


def application_database_url():
    """DATABASE_URL for a process the benchmark starts (gunicorn, a Celery worker): the current
    database, as the application's role."""
    assert current_role() == settings.DATABASE_APP_USER, "not while loading as the owner"
    return dbserver.url_for(connection.settings_dict)
