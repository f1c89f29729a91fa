"""The database as the second lock: row-level security on every tenant table, for a role that
owns no table and can't bypass it. A forgotten scope, raw SQL or a manager bug sees nothing of
another organization."""

import pytest
from django.db import connection, transaction
from django.db.utils import ProgrammingError
from django_scopes import scopes_disabled

from stakeholders.models import Contact
from stakeholders.tenancy import rls
from stakeholders.tenancy.models import organization_scope
from tests.factories import ContactFactory

pytestmark = pytest.mark.django_db


def scalar(sql, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


@pytest.fixture
def two_organizations(org_a, org_b):
    with organization_scope(org_a):
        ContactFactory.create_batch(3, organization=org_a)
    with organization_scope(org_b):
        ContactFactory.create_batch(2, organization=org_b, notes="B's own notes")
    return org_a, org_b


def test_every_tenant_table_has_row_level_security():
    assert len(rls.tenant_tables()) > 40
    assert rls.tables_without_policy() == []


def test_the_application_connects_as_a_role_that_owns_nothing_and_cannot_bypass():
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user")
        assert cursor.fetchone() == (False, False)
        cursor.execute("SELECT count(*) FROM pg_tables WHERE tableowner = current_user")
        assert cursor.fetchone()[0] == 0


def test_raw_sql_outside_a_scope_sees_no_tenant_rows(two_organizations):
    assert scalar("SELECT count(*) FROM stakeholders_contact") == 0


def test_inside_a_scope_raw_sql_reads_and_writes_only_that_organization(two_organizations):
    org_a, org_b = two_organizations
    with organization_scope(org_a):
        assert scalar("SELECT count(*) FROM stakeholders_contact") == 3
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE stakeholders_contact SET notes = 'overwritten' WHERE organization_id = %s",
                [org_b.pk],
            )
            assert cursor.rowcount == 0
            cursor.execute(
                "DELETE FROM stakeholders_contact WHERE organization_id = %s", [org_b.pk]
            )
            assert cursor.rowcount == 0
        # Writing a row for another organization is refused by the policy's check.
        contact = Contact.objects.first()
        with (
            pytest.raises(ProgrammingError, match="row-level security"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(
                "UPDATE stakeholders_contact SET organization_id = %s WHERE id = %s",
                [org_b.pk, contact.pk],
            )
    with scopes_disabled():  # openly across organizations: everything, and B untouched
        assert scalar("SELECT count(*) FROM stakeholders_contact") == 5
        notes = scalar(
            "SELECT min(notes) FROM stakeholders_contact WHERE organization_id = %s", [org_b.pk]
        )
        assert notes == "B's own notes"


def test_a_manager_that_loses_its_scope_still_gets_only_its_organization(two_organizations):
    org_a, _org_b = two_organizations
    with organization_scope(org_a):
        # A bug that unscopes a queryset inside a request for A: the database still says no.
        assert Contact.objects.with_scopes_disabled().count() == 3
