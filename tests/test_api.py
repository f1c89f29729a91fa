"""The API: token auth, roles, JSON errors, keyset pagination, constant query counts, the schema."""

import pytest

from stakeholders.models import Membership, Role
from stakeholders.tenancy.models import organization_scope
from tests.factories import ApiTokenFactory, InvitationFactory, MembershipFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(client, org_a, admin_a):
    token = ApiTokenFactory(organization=org_a, user=admin_a)
    client.defaults["HTTP_AUTHORIZATION"] = f"Token {token.key}"
    return client


def test_anonymous_is_401_with_a_json_message(client, org_a):
    response = client.get("/api/v1/o/riverside/members/")
    assert response.status_code == 401
    assert response.json() == {"detail": "Authentication credentials were not provided."}
    response = client.get("/api/v1/o/riverside/members/", HTTP_AUTHORIZATION="Token nope")
    assert response.status_code == 401 and response.json() == {"detail": "Invalid token."}


def test_list_members_pages_by_key_in_constant_queries(api, org_a, django_assert_num_queries):
    MembershipFactory.create_batch(7, organization=org_a, role=Role.VIEWER)
    # organization (then cached), the token with its membership, its "last used" (once a
    # minute), the page
    with django_assert_num_queries(4):
        first = api.get("/api/v1/o/riverside/members/?page_size=3")
    body = first.json()
    assert len(body["results"]) == 3 and body["next"] and body["previous"] is None
    assert set(body["results"][0]) == {"id", "email", "name", "role", "created_at"}
    with django_assert_num_queries(2):  # the token with its membership, the page
        big = api.get("/api/v1/o/riverside/members/?page_size=100")
    assert len(big.json()["results"]) == 8


def test_query_count_does_not_grow_with_the_page(api, org_a, django_assert_num_queries):
    MembershipFactory.create_batch(30, organization=org_a)
    api.get("/api/v1/o/riverside/members/")  # records the token's "last used"
    with django_assert_num_queries(2):  # the token with its membership, the page
        api.get("/api/v1/o/riverside/members/?page_size=2")
    with django_assert_num_queries(2):
        api.get("/api/v1/o/riverside/members/?page_size=31")


def test_filter_members_by_role(api, org_a):
    MembershipFactory.create_batch(2, organization=org_a, role=Role.CASEWORKER)
    results = api.get("/api/v1/o/riverside/members/?role=caseworker").json()["results"]
    assert [m["role"] for m in results] == ["caseworker", "caseworker"]


def test_create_invitation_and_field_errors(
    api, org_a, mailbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(
            "/api/v1/o/riverside/invitations/",
            {"email": "new.person@example.org", "role": "fundraiser"},
            content_type="application/json",
        )
    assert response.status_code == 201, response.content
    assert response.json()["email"] == "new.person@example.org"
    assert mailbox.to("new.person@example.org")

    response = api.post(
        "/api/v1/o/riverside/invitations/",
        {"email": "nope", "role": "emperor"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert set(response.json()) == {"email", "role"}


def test_service_errors_name_their_field(api, org_a, admin_a):
    mine = Membership.objects.get(user=admin_a)
    response = api.patch(
        f"/api/v1/o/riverside/members/{mine.pk}/",
        {"role": "viewer"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json() == {"role": ["An organization needs at least one admin."]}


def test_roles_limit_writes(client, org_a, member_factory):
    viewer = member_factory(org_a, role=Role.VIEWER)
    other = MembershipFactory(organization=org_a, role=Role.FUNDRAISER)
    token = ApiTokenFactory(organization=org_a, user=viewer)
    client.defaults["HTTP_AUTHORIZATION"] = f"Token {token.key}"
    assert client.get("/api/v1/o/riverside/members/").status_code == 200
    response = client.delete(f"/api/v1/o/riverside/members/{other.pk}/")
    assert response.status_code == 403
    assert client.get("/api/v1/o/riverside/invitations/").status_code == 403
    assert Membership.objects.filter(pk=other.pk).exists()


def test_admin_withdraws_an_invitation(api, org_a):
    invitation = InvitationFactory(organization=org_a)
    assert api.delete(f"/api/v1/o/riverside/invitations/{invitation.pk}/").status_code == 204
    with organization_scope(org_a):
        assert not type(invitation).objects.exists()


def test_unknown_api_paths_are_json_404(api):
    response = api.get("/api/v1/o/riverside/nothing-here/")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}
    assert api.get("/api/v1/o/riverside/members/999999/").json() == {
        "detail": "No Membership matches the given query."
    }


def test_session_auth_works_for_the_staff_ui(client, org_a, admin_a):
    client.force_login(admin_a)
    assert client.get("/api/v1/o/riverside/members/").status_code == 200


def test_schema_and_docs_are_served_offline(client):
    schema = client.get("/api/schema/?format=json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    assert "/api/v1/o/{org_slug}/members/" in paths
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    body = docs.content.decode()
    assert "cdn" not in body.lower() and "/static/drf_spectacular_sidecar/" in body
