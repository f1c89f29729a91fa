"""The contacts API: search, filters, writes through the services, errors naming fields."""

import pytest

from stakeholders import services
from stakeholders.models import Consent, Contact, Interaction, Role
from stakeholders.tenancy.models import organization_scope
from tests.factories import ApiTokenFactory, ContactFactory, InteractionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(client, org_a, admin_a):
    org_a.country = "GB"
    org_a.save()
    token = ApiTokenFactory(organization=org_a, user=admin_a)
    client.defaults["HTTP_AUTHORIZATION"] = f"Token {token.key}"
    client.get("/api/v1/o/riverside/tags/")  # record the token's "last used"
    with organization_scope(org_a):
        yield client


def test_create_contact_normalises_and_reports_bad_fields(api, org_a):
    response = api.post(
        "/api/v1/o/riverside/contacts/",
        {
            "first_name": "Ada",
            "last_name": "Lovelace",
            "phone": "020 7946 0958",
            "tags": ["newsletter"],
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["phone"] == "+442079460958" and body["name"] == "Ada Lovelace"
    assert body["tags"] == ["newsletter"]
    response = api.post(
        "/api/v1/o/riverside/contacts/",
        {"first_name": "", "last_name": "", "phone": "12", "email": "x"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert {"email"} <= set(response.json())
    response = api.post(
        "/api/v1/o/riverside/contacts/",
        {"last_name": "X", "phone": "12"},
        content_type="application/json",
    )
    assert response.status_code == 400 and "phone" in response.json()
    assert Contact.objects.count() == 1


def test_search_and_filters(api, org_a):
    ada = services.contact_create(
        organization=org_a, first_name="Ada", last_name="Lovelace", email="ada@example.org"
    )
    services.contact_create(organization=org_a, first_name="Grace", last_name="Hopper")
    assert [
        c["id"] for c in api.get("/api/v1/o/riverside/contacts/?search=lovelac").json()["results"]
    ] == [ada.pk]
    assert [
        c["id"]
        for c in api.get("/api/v1/o/riverside/contacts/?email=ADA@example.org").json()["results"]
    ] == [ada.pk]
    assert len(api.get("/api/v1/o/riverside/contacts/").json()["results"]) == 2


def test_contact_list_queries_do_not_grow_with_the_page(api, org_a, django_assert_num_queries):
    for i in range(25):
        services.contact_create(
            organization=org_a, first_name=f"P{i}", last_name="Q", tags=["a", "b"]
        )
    # the token with its membership, the page with its tags (the organization is cached)
    with django_assert_num_queries(2):
        small = api.get("/api/v1/o/riverside/contacts/?page_size=2")
    with django_assert_num_queries(2):
        big = api.get("/api/v1/o/riverside/contacts/?page_size=25")
    assert len(small.json()["results"]) == 2 and len(big.json()["results"]) == 25
    assert big.json()["results"][0]["tags"] == ["a", "b"]


def test_interactions_api_lists_newest_first_and_logs(api, org_a, org_b, django_assert_num_queries):
    contact = ContactFactory(organization=org_a)
    InteractionFactory.create_batch(30, contact=contact, organization=org_a)
    with django_assert_num_queries(2):  # the token with its membership, the page
        page = api.get("/api/v1/o/riverside/interactions/?page_size=10").json()
    dates = [row["occurred_at"] for row in page["results"]]
    assert dates == sorted(dates, reverse=True) and page["next"]
    with django_assert_num_queries(2):
        api.get("/api/v1/o/riverside/interactions/?page_size=30")
    response = api.post(
        "/api/v1/o/riverside/interactions/",
        {
            "contact": contact.pk,
            "channel": "whatsapp",
            "direction": "inbound",
            "subject": "Food parcel?",
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    assert Interaction.objects.get(pk=response.json()["id"]).staff.memberships.exists()


def test_ids_of_another_organization_are_refused(api, org_a, org_b):
    with organization_scope(org_b):
        theirs = ContactFactory(organization=org_b)
    response = api.post(
        "/api/v1/o/riverside/interactions/",
        {"contact": theirs.pk, "channel": "phone", "subject": "x"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json()["contact"] == [f'Invalid pk "{theirs.pk}" - object does not exist.']


def test_consents_are_created_never_changed(api, org_a):
    contact = ContactFactory(organization=org_a)
    response = api.post(
        "/api/v1/o/riverside/consents/",
        {
            "contact": contact.pk,
            "channel": "email",
            "purpose": "appeals",
            "granted": True,
            "source": "api",
            "wording": "Tick box",
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    consent_id = response.json()["id"]
    assert (
        api.patch(
            f"/api/v1/o/riverside/consents/{consent_id}/",
            {"granted": False},
            content_type="application/json",
        ).status_code
        == 405
    )
    assert api.delete(f"/api/v1/o/riverside/consents/{consent_id}/").status_code == 405
    assert Consent.objects.get().granted is True


def test_feedback_out_of_range_names_the_field(api, org_a):
    contact = ContactFactory(organization=org_a)
    response = api.post(
        "/api/v1/o/riverside/feedback/",
        {"contact": contact.pk, "measure": "csat", "score": 7},
        content_type="application/json",
    )
    assert response.status_code == 400 and response.json() == {
        "score": ["Give a score from 1 to 5."]
    }


def test_viewers_cannot_write(client, org_a, member_factory):
    viewer = member_factory(org_a, role=Role.VIEWER)
    token = ApiTokenFactory(organization=org_a, user=viewer)
    response = client.post(
        "/api/v1/o/riverside/contacts/",
        {"last_name": "X"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Token {token.key}",
    )
    assert response.status_code == 403
