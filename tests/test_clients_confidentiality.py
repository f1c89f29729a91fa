"""Client data is for caseworkers and admins only: every client URL and API route, enumerated
from the resolver like test_isolation does, is a 404 for the other roles; every read of a client
record is in the access log. Plus the API itself (constant query counts, field errors)."""

import pytest
from django.urls import reverse
from django_scopes import scopes_disabled

from clients.api.common import ClientDataViewSet
from clients.models import AccessLog, ServiceRequest
from stakeholders.models import Role
from stakeholders.tenancy.models import organization_scope
from tests.factories import (
    ApiTokenFactory,
    ArticleFactory,
    ContactFactory,
    RequestCategoryFactory,
    ServiceLevelFactory,
    ServiceRecordFactory,
    ServiceRequestFactory,
)
from tests.test_isolation import METHODS, _factory_for, _params, _request, all_routes, snapshot

pytestmark = pytest.mark.django_db
OTHER_ROLES = (Role.FUNDRAISER, Role.VOLUNTEER_COORDINATOR, Role.VIEWER)


def client_pages():
    return [
        r
        for r in all_routes()
        if r[1]
        and r[1].startswith("clients:")
        and not getattr(r[2].callback, "organization_public", False)
    ]


def client_api_routes():
    return [
        r
        for r in all_routes()
        if r[0].startswith("api/v1/o/")
        and isinstance(getattr(r[2].callback, "cls", None), type)
        and issubclass(r[2].callback.cls, ClientDataViewSet)
    ]


def test_the_route_lists_are_not_empty():
    assert len(client_pages()) >= 14
    assert {r[1] for r in client_api_routes()} >= {
        "service-request-list",
        "service-request-detail",
        "service-level-list",
        "article-list",
        "service-record-list",
    }


def _url(org, route, name, entry):
    params = _params(route, entry)
    with scopes_disabled():
        kwargs = {p: _factory_for(p, entry)(org).pk for p in params}
    return reverse(name, kwargs={"org_slug": org.slug, **kwargs})


@pytest.mark.parametrize("role", OTHER_ROLES)
@pytest.mark.parametrize("route,name,entry", client_pages(), ids=[r[0] for r in client_pages()])
def test_other_roles_get_404_on_every_client_page(
    client, org_a, member_factory, role, route, name, entry
):
    client.force_login(member_factory(org_a, role=role))
    url = _url(org_a, route, name, entry)
    before = snapshot(org_a)
    for method in METHODS:
        response = _request(client, method, url)
        assert response.status_code in (404, 405), f"{role} {method} {url}: {response.status_code}"
    assert snapshot(org_a) == before


@pytest.mark.parametrize("role", OTHER_ROLES)
@pytest.mark.parametrize(
    "route,name,entry", client_api_routes(), ids=[r[0] for r in client_api_routes()]
)
def test_other_roles_get_404_on_every_client_api_route(
    client, org_a, member_factory, role, route, name, entry
):
    user = member_factory(org_a, role=role)
    token = ApiTokenFactory(organization=org_a, user=user)
    url = _url(org_a, route, name, entry)
    headers = {"HTTP_AUTHORIZATION": f"Token {token.key}"}
    assert client.get(url, **headers).status_code == 404  # and the token's "last used" is set
    before = snapshot(org_a)
    for method in METHODS:
        kwargs = {"content_type": "application/json", "data": {}} if method != "get" else {}
        response = getattr(client, method)(url, HTTP_AUTHORIZATION=f"Token {token.key}", **kwargs)
        assert response.status_code in (404, 405), f"{role} {method} {url}: {response.status_code}"
    assert snapshot(org_a) == before


def test_caseworkers_and_admins_get_in(client, org_a, member_factory, admin_a):
    for user in (member_factory(org_a, role=Role.CASEWORKER), admin_a):
        client.force_login(user)
        assert client.get("/o/riverside/clients/").status_code == 200


# --- Every read is logged ------------------------------------------------------------------


@pytest.fixture
def caseworker(org_a, member_factory):
    return member_factory(org_a, role=Role.CASEWORKER)


@pytest.fixture
def api(client, org_a, caseworker):
    token = ApiTokenFactory(organization=org_a, user=caseworker)
    client.defaults["HTTP_AUTHORIZATION"] = f"Token {token.key}"
    client.get("/api/v1/o/riverside/service-levels/")  # records the token's "last used"
    return client


def logged(**filters):
    with scopes_disabled():
        return AccessLog.objects.filter(**filters).count()


def test_every_read_of_a_client_record_is_logged(client, org_a, caseworker, api):
    with scopes_disabled():
        request = ServiceRequestFactory(contact__organization=org_a)
        record = ServiceRecordFactory(contact__organization=org_a)
    client.force_login(caseworker)
    client.get(f"/o/riverside/clients/requests/{request.pk}/")
    assert logged(object_kind="request", object_id=request.pk, action="view", user=caseworker) == 1
    client.get("/o/riverside/clients/")
    assert logged(object_kind="request", object_id=request.pk, action="list") == 1
    api.get("/api/v1/o/riverside/service-requests/")
    api.get(f"/api/v1/o/riverside/service-requests/{request.pk}/")
    assert logged(object_kind="request", object_id=request.pk, action="api") == 2
    api.get(f"/api/v1/o/riverside/service-records/{record.pk}/")
    assert (
        logged(object_kind="service_record", object_id=record.pk, contact_id=record.contact_id) == 1
    )
    client.get(f"/o/riverside/clients/contacts/{record.contact_id}/services/")
    assert logged(object_kind="service_record", object_id=record.pk, action="view") == 1


# --- The API ---------------------------------------------------------------------------------


def test_create_a_request_through_the_api_with_field_errors(api, org_a):
    with scopes_disabled():
        contact = ContactFactory(organization=org_a)
        category = RequestCategoryFactory(organization=org_a)
        other_org_category = RequestCategoryFactory()
    bad = api.post(
        "/api/v1/o/riverside/service-requests/",
        {"contact": contact.pk, "subject": "", "channel": "fax", "category": other_org_category.pk},
        content_type="application/json",
    )
    assert bad.status_code == 400 and set(bad.json()) >= {"subject", "channel", "category"}
    ok = api.post(
        "/api/v1/o/riverside/service-requests/",
        {
            "contact": contact.pk,
            "subject": "Needs a food parcel",
            "channel": "phone",
            "category": category.pk,
            "priority": "high",
        },
        content_type="application/json",
    )
    assert ok.status_code == 201, ok.content
    body = ok.json()
    assert body["status"] == "new" and body["first_response_due_at"]
    changed = api.patch(
        f"/api/v1/o/riverside/service-requests/{body['id']}/",
        {"priority": "urgent", "status": "waiting"},
        content_type="application/json",
    )
    assert changed.status_code == 200, changed.content
    assert changed.json()["priority"] == "urgent" and changed.json()["next_due_at"] is None


@pytest.mark.parametrize(
    "path,make",
    [
        (
            "service-requests",
            lambda org: ServiceRequestFactory(
                contact=ContactFactory(organization=org), subject="Hi"
            ),
        ),
        ("service-records", lambda org: ServiceRecordFactory(contact__organization=org)),
    ],
)
def test_list_query_count_does_not_grow_with_the_page(
    api, org_a, django_assert_num_queries, path, make
):
    with organization_scope(org_a):
        for _n in range(12):
            make(org_a)
    # the token with its membership, the page, the access-log insert (the organization is cached)
    with django_assert_num_queries(3):
        small = api.get(f"/api/v1/o/riverside/{path}/?page_size=2")
    with django_assert_num_queries(3):
        big = api.get(f"/api/v1/o/riverside/{path}/?page_size=12")
    assert len(small.json()["results"]) == 2 and len(big.json()["results"]) == 12


def test_service_levels_and_articles_lists_are_constant(api, org_a, django_assert_num_queries):
    with organization_scope(org_a):
        for priority in ("low", "normal", "high", "urgent"):
            ServiceLevelFactory(
                organization=org_a,
                priority=priority,
                category=RequestCategoryFactory(organization=org_a),
            )
        ArticleFactory.create_batch(6, category__organization=org_a)
    for path in ("service-levels", "articles"):
        with django_assert_num_queries(2):
            small = api.get(f"/api/v1/o/riverside/{path}/?page_size=1")
        with django_assert_num_queries(2):
            big = api.get(f"/api/v1/o/riverside/{path}/?page_size=50")
        assert len(small.json()["results"]) == 1 and len(big.json()["results"]) >= 4


def test_only_admins_change_targets(api, org_a, admin_a, client):
    refused = api.post(
        "/api/v1/o/riverside/service-levels/",
        {"priority": "high", "first_response_minutes": 30, "resolution_minutes": 60},
        content_type="application/json",
    )
    assert refused.status_code == 404
    token = ApiTokenFactory(organization=org_a, user=admin_a)
    made = client.post(
        "/api/v1/o/riverside/service-levels/",
        {"priority": "high", "first_response_minutes": 30, "resolution_minutes": 60},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Token {token.key}",
    )
    assert made.status_code == 201, made.content
    again = client.post(
        "/api/v1/o/riverside/service-levels/",
        {"priority": "high", "first_response_minutes": 30, "resolution_minutes": 60},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Token {token.key}",
    )
    assert again.status_code == 400 and "priority" in again.json()
    with scopes_disabled():
        assert ServiceRequest.objects.count() == 0


def test_the_clients_section_is_offered_only_to_roles_that_can_open_it(
    client, org_a, member_factory
):
    client.force_login(member_factory(org_a, role=Role.FUNDRAISER))
    assert b'href="/o/riverside/clients/"' not in client.get("/o/riverside/").content
    client.force_login(member_factory(org_a, role=Role.CASEWORKER))
    assert b'href="/o/riverside/clients/"' in client.get("/o/riverside/").content


def test_casework_on_the_timeline_and_in_the_api_is_for_caseworkers_only(
    client, org_a, caseworker, member_factory
):
    from clients import services as client_services
    from stakeholders import services as stakeholder_services

    with organization_scope(org_a):
        person = ContactFactory(organization=org_a, first_name="Sam", email="sam@example.org")
        stakeholder_services.interaction_log(
            organization=org_a,
            contact=person,
            staff=caseworker,
            channel="phone",
            subject="Asked about the autumn appeal",
        )
        client_services.request_create(
            organization=org_a,
            contact=person,
            subject="Housing benefit letter",
            channel="phone",
            actor=caseworker,
        )
    page = f"/o/riverside/contacts/{person.pk}/"
    api = f"/api/v1/o/riverside/interactions/?contact={person.pk}"
    client.force_login(caseworker)
    assert "Service request" in client.get(page).content.decode()
    assert len(client.get(api).json()["results"]) == 2

    client.force_login(member_factory(org_a, role=Role.FUNDRAISER))
    content = client.get(page).content.decode()
    assert "Asked about the autumn appeal" in content and "Service request" not in content
    rows = client.get(api).json()["results"]
    assert [row["subject"] for row in rows] == ["Asked about the autumn appeal"]
    with organization_scope(org_a):
        from stakeholders.models import Interaction

        casework = Interaction.objects.get(related_kind="clients.request")
    assert client.get(f"/api/v1/o/riverside/interactions/{casework.pk}/").status_code == 404
