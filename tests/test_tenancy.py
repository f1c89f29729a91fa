"""The tenancy core: every tenant model is TenantOwned, queries fail closed, entry points scope."""

import pytest
from celery import shared_task
from django.apps import apps
from django.core.management import call_command
from django.core.management.base import CommandError
from django_scopes import ScopeError
from rest_framework import mixins

from stakeholders.models import Invitation, Role
from stakeholders.tenancy.api import OrganizationViewSet
from stakeholders.tenancy.commands import OrganizationCommand
from stakeholders.tenancy.models import TenantOwned, organization_scope
from stakeholders.tenancy.tasks import OrganizationTask
from tests.factories import InvitationFactory

TENANT_APPS = ["stakeholders", "donors", "volunteers", "clients", "thankyous", "community"]
# Platform-wide models: the tenant itself, who belongs to it, and the people who sign in.
GLOBAL_MODELS = {"stakeholders.Organization", "stakeholders.Membership", "stakeholders.User"}


def tenant_app_models():
    for app_label in TENANT_APPS:
        yield from apps.get_app_config(app_label).get_models()


def test_every_model_of_the_feature_apps_is_tenant_owned():
    offenders = [
        model._meta.label
        for model in tenant_app_models()
        if model._meta.label not in GLOBAL_MODELS and not issubclass(model, TenantOwned)
    ]
    assert offenders == [], f"not TenantOwned (or list them in GLOBAL_MODELS): {offenders}"


def test_every_unique_constraint_of_a_tenant_model_includes_organization():
    offenders = []
    for model in tenant_app_models():
        if not issubclass(model, TenantOwned):
            continue
        for constraint in model._meta.constraints:
            fields = getattr(constraint, "fields", ())
            if fields and "organization" not in fields:
                offenders.append(f"{model._meta.label}.{constraint.name}")
        for field in model._meta.fields:
            if field.unique and not field.primary_key and not field.name.endswith("hash"):
                offenders.append(f"{model._meta.label}.{field.name}")
    assert offenders == []


@pytest.mark.django_db
def test_a_query_outside_a_scope_raises(org_a):
    InvitationFactory(organization=org_a)
    with pytest.raises(ScopeError):
        list(Invitation.objects.all())
    with pytest.raises(ScopeError):
        Invitation.objects.filter(email__startswith="invitee").count()


@pytest.mark.django_db
def test_a_scope_shows_only_its_organization(org_a, org_b):
    mine = InvitationFactory(organization=org_a)
    InvitationFactory(organization=org_b)
    with organization_scope(org_a):
        assert list(Invitation.objects.all()) == [mine]
        assert not Invitation.objects.filter(organization=org_b).exists()


def test_a_scope_needs_a_saved_organization():
    with pytest.raises(ValueError), organization_scope(None):
        pass


@shared_task(base=OrganizationTask)
def count_open_invitations(organization, role):
    return Invitation.objects.filter(role=role).count()


@pytest.mark.django_db
def test_the_base_task_takes_an_id_and_runs_in_its_scope(org_a, org_b):
    InvitationFactory.create_batch(2, organization=org_a, role=Role.VIEWER)
    InvitationFactory(organization=org_b, role=Role.VIEWER)
    result = count_open_invitations.delay(organization_id=org_a.id, role=Role.VIEWER)
    assert result.get() == 2


@pytest.mark.django_db
def test_the_base_task_does_nothing_for_a_deleted_organization(org_a):
    org_id = org_a.id
    org_a.delete()
    assert count_open_invitations.delay(organization_id=org_id, role=Role.VIEWER).get() is None


class CountCommand(OrganizationCommand):
    def handle_organization(self, organization, *args, **options):
        self.stdout.write(f"{organization.slug}:{Invitation.objects.count()}")


@pytest.mark.django_db
def test_the_base_command_runs_in_the_scope_of_org(org_a, org_b, capsys):
    InvitationFactory(organization=org_a)
    InvitationFactory.create_batch(3, organization=org_b)
    call_command(CountCommand(), "--org", "hope")
    assert capsys.readouterr().out.strip() == "hope:3"
    with pytest.raises(CommandError, match="No organization"):
        call_command(CountCommand(), "--org", "nowhere")


@pytest.mark.django_db
def test_invite_member_command(org_a, mailbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        call_command(
            "invite_member", "new.admin@example.org", "--org", "riverside", "--role", "admin"
        )
    with organization_scope(org_a):
        assert Invitation.objects.get().role == Role.ADMIN
    assert mailbox.to("new.admin@example.org")


def test_the_base_viewset_cannot_be_unscoped_by_a_subclass():
    with pytest.raises(TypeError, match="get_queryset"):

        class Leaky(mixins.ListModelMixin, OrganizationViewSet):
            model = Invitation

            def get_queryset(self):
                return Invitation.objects.all()

    with pytest.raises(TypeError, match="permission_classes"):

        class Open(OrganizationViewSet):
            permission_classes = ()


@pytest.mark.django_db
def test_unknown_organization_is_404(client, admin_a):
    client.force_login(admin_a)
    assert client.get("/o/does-not-exist/").status_code == 404
    response = client.get("/api/v1/o/does-not-exist/members/")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}


@pytest.mark.django_db
def test_non_member_gets_404_and_anonymous_is_sent_to_login(client, org_a, admin_b):
    response = client.get("/o/riverside/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/o/riverside/")
    client.force_login(admin_b)
    assert client.get("/o/riverside/").status_code == 404
    assert client.get("/o/hope/").status_code == 200


@pytest.mark.django_db
def test_the_session_does_not_carry_an_organization(client, admin_a, admin_b, org_b):
    """The organization comes from the URL alone: visiting A first gives no access to B."""
    client.force_login(admin_a)
    assert client.get("/o/riverside/").status_code == 200
    assert client.get("/o/hope/settings/members/").status_code == 404


def test_an_organizations_pages_are_in_its_own_time_zone(rf, org_a, admin_a):
    from django.http import HttpResponse
    from django.utils import timezone

    from stakeholders.tenancy.middleware import OrganizationMiddleware

    org_a.timezone = "Asia/Tehran"
    org_a.save()
    middleware = OrganizationMiddleware(
        lambda request: HttpResponse(timezone.get_current_timezone_name())
    )
    request = rf.get("/o/riverside/help/")
    request.user = admin_a
    assert middleware(request).content == b"Asia/Tehran"
    assert timezone.get_current_timezone_name() == "UTC"  # and nothing leaks out of the request
