"""The platform admin behind allauth and MFA, the audit log, and append-only tables enforced by
PostgreSQL itself."""

import pytest
from django.db import connection, transaction
from django.db.utils import ProgrammingError
from django_scopes import scopes_disabled

from stakeholders import services
from stakeholders.models import AuditAction, AuditEvent, Consent, Organization, Role
from stakeholders.tenancy.models import organization_scope
from tests.factories import PASSWORD, ConsentFactory, ContactFactory, UserFactory
from tests.processes import last_line, manage
from tests.test_auth import enrol_totp, login, totp_now

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator(db):
    return UserFactory(is_staff=True, is_superuser=True)


# --- The platform admin --------------------------------------------------------------------------


def test_the_admin_password_form_no_longer_signs_anyone_in(client, operator):
    response = client.post("/admin/login/", {"username": operator.email, "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")
    assert client.get("/admin/").status_code == 302  # still signed out


def test_a_staff_account_without_mfa_must_enrol_before_the_admin_opens(client, operator, settings):
    settings.MFA_TOTP_TOLERANCE = 1
    login(client, operator.email)
    response = client.get("/admin/stakeholders/organization/")
    assert response["Location"].startswith("/accounts/2fa/totp/activate/?next=")
    secret = enrol_totp(client)
    assert client.get("/admin/stakeholders/organization/").status_code == 200

    client.post("/accounts/logout/")
    response = login(client, operator.email)  # through allauth: the second factor is asked
    assert response["Location"] == "/accounts/2fa/authenticate/"
    assert client.get("/admin/").status_code == 302
    client.post("/accounts/2fa/authenticate/", {"code": totp_now(secret, step=1)})
    assert client.get("/admin/").status_code == 200


def test_admin_sign_in_is_throttled_like_every_sign_in(client, operator):
    client.get("/admin/")  # sends the operator to allauth's sign-in, with its rate limits
    for _attempt in range(5):
        client.post("/accounts/login/?next=/admin/", {"login": operator.email, "password": "x"})
    response = client.post(
        "/accounts/login/?next=/admin/", {"login": operator.email, "password": PASSWORD}
    )
    assert b"Too many failed login attempts" in response.content
    assert client.get("/admin/").status_code == 302


def test_the_admin_path_is_configurable_or_off():
    probe = (
        "from django.urls import resolve, Resolver404\n"
        "for path in ('/admin/', '/ops-7f3a/'):\n"
        "    try: resolve(path); print(path, 'yes')\n"
        "    except Resolver404: print(path, 'no')\n"
    )
    moved = manage("shell", "-c", probe, ADMIN_URL="ops-7f3a")
    assert "/admin/ no" in moved.stdout and last_line(moved) == "/ops-7f3a/ yes"
    off = manage("shell", "-c", probe, ADMIN_ENABLED="false")
    assert "/admin/ no" in off.stdout and last_line(off) == "/ops-7f3a/ no"


def test_platform_admin_changes_are_in_the_organization_audit_log(client, operator, org_a):
    operator_with_mfa(client, operator)
    response = client.post(
        f"/admin/stakeholders/organization/{org_a.pk}/change/",
        {
            "name": "Riverside Food Bank (renamed)",
            "slug": org_a.slug,
            "timezone": org_a.timezone,
            "currency": org_a.currency,
            "language": org_a.language,
            "country": org_a.country,
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    with organization_scope(org_a):
        [event] = AuditEvent.objects.filter(action=AuditAction.PLATFORM_ADMIN)
    assert event.actor_email == operator.email and "changed" in event.summary
    assert event.ip_address == "127.0.0.1" and event.request_id


def operator_with_mfa(client, operator):
    from allauth.mfa.models import Authenticator

    Authenticator.objects.create(user=operator, type=Authenticator.Type.TOTP, data={"secret": "x"})
    client.force_login(operator)


# --- The audit log -----------------------------------------------------------------------------


def test_roles_tokens_settings_exports_and_erasures_are_audited(
    client, org_a, admin_a, member_factory
):
    client.force_login(admin_a)
    viewer = member_factory(org_a, role=Role.VIEWER)
    membership = viewer.memberships.get(organization=org_a)
    client.post(
        f"/o/{org_a.slug}/settings/members/{membership.pk}/role/", {"role": Role.FUNDRAISER}
    )
    client.post(f"/o/{org_a.slug}/settings/tokens/", {"name": "Zapier", "scope": "read"})
    client.get(f"/o/{org_a.slug}/contacts/export.csv?q=smith")
    contact = ContactFactory(organization=org_a, first_name="Ana", last_name="Silva")
    client.get(f"/o/{org_a.slug}/contacts/{contact.pk}/data/")
    client.post(f"/o/{org_a.slug}/contacts/{contact.pk}/erase/", {"confirm": contact.name})
    with organization_scope(org_a):
        events = {event.action: event for event in AuditEvent.objects.all()}
    assert set(events) >= {
        AuditAction.MEMBER_ROLE,
        AuditAction.TOKEN_CREATED,
        AuditAction.EXPORT,
        AuditAction.SUBJECT_EXPORT,
        AuditAction.ERASED,
    }, set(events)
    role = events[AuditAction.MEMBER_ROLE]
    assert role.actor_id == admin_a.pk and role.changes == {"role": ["viewer", "fundraiser"]}
    assert events[AuditAction.EXPORT].changes["filters"]["query"] == "smith"

    page = client.get(f"/o/{org_a.slug}/settings/audit/", {"action": AuditAction.MEMBER_ROLE})
    text = page.content.decode()
    assert page.status_code == 200 and "viewer → fundraiser" in text and "Zapier" not in text
    client.force_login(viewer)  # a fundraiser now: not for them
    assert client.get(f"/o/{org_a.slug}/settings/audit/").status_code in (403, 404)


# --- Append-only, in the database --------------------------------------------------------------


def refused(sql, params=()):
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL steward.allow_truncate = off")  # as in production
            cursor.execute(sql, params)
    except ProgrammingError as error:
        return "append-only" in str(error)
    return False


@pytest.mark.django_db(transaction=True)  # TRUNCATE needs the rows committed
def test_consent_and_audit_rows_refuse_update_delete_and_truncate(org_a, admin_a):
    with organization_scope(org_a):
        consent = ConsentFactory(contact=ContactFactory(organization=org_a), recorded_by=admin_a)
        services.organization_update(organization=org_a, name="Riverside Pantry")
    for table in ("stakeholders_consent", "stakeholders_auditevent"):
        with organization_scope(org_a):  # rows it may see: the trigger is what refuses
            assert refused(f"UPDATE {table} SET organization_id = organization_id")  # noqa: S608
            assert refused(f"DELETE FROM {table}")  # noqa: S608
        assert refused(f"TRUNCATE {table} CASCADE")
    # Deleting a staff account keeps the consent row, without the link to the account.
    admin_a.memberships.all().delete()
    with scopes_disabled():  # a platform operation: it must see every row that points at them
        admin_a.delete()
    with organization_scope(org_a):
        consent.refresh_from_db()
    assert consent.recorded_by is None and consent.granted == consent.granted


def test_a_merge_copies_consent_to_the_kept_record_and_leaves_the_history(org_a, admin_a):
    with organization_scope(org_a):
        keep = ContactFactory(organization=org_a)
        remove = ContactFactory(organization=org_a)
        ConsentFactory(contact=remove, granted=False, wording="No thank-you letters, please")
        services.contact_merge(organization=org_a, keep=keep, remove=remove, actor=admin_a)
        assert Consent.objects.filter(contact=remove).count() == 1  # untouched
        copy = Consent.objects.get(contact=keep)
        assert copy.granted is False and copy.wording == "No thank-you letters, please"
        assert AuditEvent.objects.get(action=AuditAction.MERGED).actor_id == admin_a.pk


def test_only_the_platform_service_deletes_an_organization_with_its_append_only_rows(org_a):
    with organization_scope(org_a):
        ConsentFactory(contact=ContactFactory(organization=org_a))
        services.organization_update(organization=org_a, name="Closing down")
    with (
        pytest.raises(ProgrammingError, match="append-only"),
        transaction.atomic(),
        scopes_disabled(),
    ):
        Organization.objects.filter(pk=org_a.pk).delete()
    services.organization_delete(organization=org_a)
    with scopes_disabled():
        assert not Consent.objects.filter(organization_id=org_a.pk).exists()
    assert not Organization.objects.filter(pk=org_a.pk).exists()
