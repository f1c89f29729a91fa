"""The donor's impact page: signed expiring links, never another organization's data, GET
changes nothing, preferences become consent rows, fresh links by email without enumeration."""

from decimal import Decimal
from unittest import mock
from urllib.parse import parse_qs, urlsplit

import pytest

from donors import services
from stakeholders.models import Consent
from stakeholders.tenancy.models import organization_scope
from tests.factories import ContactFactory, FundFactory, ImpactStoryFactory, MembershipFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def donor(org_a, admin_a):
    with organization_scope(org_a):
        contact = ContactFactory(
            organization=org_a,
            first_name="Ada",
            last_name="Lovelace",
            email="ada@example.org",
            relationship_manager=admin_a,
        )
        meals = FundFactory(
            organization=org_a,
            name="Meals",
            impact_unit_amount=Decimal("25"),
            impact_unit_label="one week of meals",
        )
        services.gift_record(
            organization=org_a,
            contact=contact,
            amount=Decimal("100"),
            received_on=contact.created_at.date(),
            fund=meals,
        )
        ImpactStoryFactory(organization=org_a, fund=meals, title="Forty families fed")
        ImpactStoryFactory(
            organization=org_a, fund=None, title="Winter appeal: coats needed", kind="urgent_need"
        )
    return contact


def url_for(org, contact):
    return urlsplit(services.impact_url(organization=org, contact=contact))


def test_the_page_shows_gifts_impact_stories_manager_and_preferences(
    client, org_a, donor, admin_a, django_assert_max_num_queries
):
    link = url_for(org_a, donor)
    with django_assert_max_num_queries(14):
        response = client.get(f"{link.path}?{link.query}")
    assert response.status_code == 200
    body = response.content.decode()
    assert "Thank you, <bdi>Ada</bdi>" in body and "£100.00" in body  # names isolated
    assert "4 × <bdi>one week of meals</bdi>" in body
    assert "Forty families fed" in body and "Winter appeal" in body
    assert admin_a.email in body and "How we keep in touch" in body
    assert response["Referrer-Policy"] == "no-referrer" and "no-store" in response["Cache-Control"]
    assert not Consent.objects.with_scopes_disabled().exists()  # GET changed nothing


def test_preferences_are_saved_as_new_consent_rows(client, org_a, donor):
    link = url_for(org_a, donor)
    token = parse_qs(link.query)["t"][0]
    page = client.get(f"{link.path}?{link.query}")
    assert page.status_code == 200
    response = client.post(
        link.path, {"t": token, "pref-email-donor_updates": "yes", "pref-post-appeals": "yes"}
    )
    assert response.status_code == 302
    with organization_scope(org_a):
        rows = {(c.channel, c.purpose, c.granted, c.source) for c in Consent.objects.all()}
    assert rows == {
        ("email", "donor_updates", True, "preferences"),
        ("post", "appeals", True, "preferences"),
    }
    client.post(link.path, {"t": token, "pref-post-appeals": "yes"})
    with organization_scope(org_a):
        assert Consent.objects.count() == 3  # the withdrawal of email updates is a new row
        assert not Consent.objects.filter(channel="email").order_by("-pk").first().granted


def test_tampered_expired_and_foreign_links_get_a_friendly_page(client, org_a, org_b, donor):
    link = url_for(org_a, donor)
    assert client.get(f"{link.path}?t=abc").status_code == 400
    with mock.patch("donors.services.IMPACT_LINK_DAYS", -1):
        page = client.get(f"{link.path}?{link.query}")
    assert page.status_code == 400 and b"Send me a new link" in page.content
    # A valid token of organization A opens nothing under organization B.
    response = client.get(f"/o/hope/donors/impact/?{link.query}")
    assert response.status_code == 400 and b"Lovelace" not in response.content


def test_a_fresh_link_by_email_without_revealing_who_is_a_donor(
    client, org_a, donor, mailbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        known = client.post("/o/riverside/donors/impact/link/", {"email": "ADA@example.org"})
        unknown = client.post("/o/riverside/donors/impact/link/", {"email": "stranger@example.org"})
    assert known.status_code == unknown.status_code == 200
    assert b"link is on its way" in known.content and b"link is on its way" in unknown.content
    [message] = mailbox.to("ada@example.org")
    [link] = [u for u in mailbox.links(message) if "/donors/impact/" in u]
    assert client.get(urlsplit(link).path + "?" + urlsplit(link).query).status_code == 200


def test_link_requests_are_rate_limited(client, org_a, donor):
    statuses = [
        client.post("/o/riverside/donors/impact/link/", {"email": "ada@example.org"}).status_code
        for _ in range(4)
    ]
    assert statuses[:3] == [200, 200, 200] and statuses[3] == 429


def test_staff_session_is_not_needed_and_not_enough(client, org_a, donor):
    """A staff member of another organization, signed in, still sees only what the token opens."""
    client.force_login(MembershipFactory(organization=org_a).user)
    assert client.get("/o/riverside/donors/impact/").status_code == 400
