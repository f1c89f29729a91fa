"""Journeys in the browser: the Experience hub with a funnel per journey, a journey's page with
who is stuck, the stage settings and the person's panel, on a desktop and on a phone."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from stakeholders.experience import journeys
from stakeholders.tenancy.models import organization_scope
from tests.e2e.test_timeline import sign_in
from tests.factories import (
    AcknowledgmentFactory,
    ContactFactory,
    GiftFactory,
    MembershipFactory,
    OrganizationFactory,
    ServiceRequestFactory,
    VolunteerProfileFactory,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def riverside():
    organization = OrganizationFactory(name="Riverside Food Bank", slug="riverside", country="GB")
    admin = MembershipFactory(
        organization=organization, user__email="amara@riverside.example.org", user__name="Amara"
    ).user
    today = timezone.localdate()
    names = ["Fatima Adeyemi", "Björn Lindqvist", "Sokha Chea", "Zoë Müller", "Reza Karimi"]
    with organization_scope(organization):
        donors = []
        for n in range(40):
            first, last = names[n % len(names)].split()
            donor = ContactFactory(organization=organization, first_name=first, last_name=last)
            first_gift = GiftFactory(
                contact=donor,
                organization=organization,
                received_on=today - timedelta(days=400 - n * 9),
            )
            if n % 5:
                AcknowledgmentFactory(
                    contact=donor,
                    target_id=first_gift.pk,
                    state="sent",
                    sent_at=timezone.now() - timedelta(days=398 - n * 9),
                )
            if n % 3 == 0:
                GiftFactory(
                    contact=donor,
                    organization=organization,
                    received_on=today - timedelta(days=100 - n),
                )
            if n % 9 == 0:
                GiftFactory(
                    contact=donor, organization=organization, received_on=today - timedelta(days=30)
                )
            donors.append(donor)
        for n in range(12):
            VolunteerProfileFactory(
                contact__organization=organization, approved_at=None if n % 3 else timezone.now()
            )
        for n in range(15):
            ServiceRequestFactory(
                contact__organization=organization,
                created_at=timezone.now() - timedelta(days=20 + n),
                resolved_at=timezone.now() - timedelta(days=10) if n % 2 else None,
                status="resolved" if n % 2 else "open",
            )
        journeys.journeys_refresh(organization=organization, now=timezone.now())
    return organization, admin, donors


def test_journey_pages(live_server, page, browser, riverside, screenshot):
    organization, admin, donors = riverside
    base = f"{live_server.url}/o/{organization.slug}"
    sign_in(page, live_server, admin.email)
    page.goto(f"{base}/experience/")
    expect(page.get_by_role("heading", name="Experience", level=1)).to_be_visible()
    expect(page.get_by_role("heading", name="Donors", level=2)).to_be_visible()
    expect(page.get_by_text("Computed less than a minute ago.").first).to_be_visible()
    screenshot(page, "journeys-hub")
    page.locator("#journey-donor a").click()
    expect(page.get_by_role("heading", name="Who is stuck")).to_be_visible()
    screenshot(page, "journeys-donor")
    page.get_by_role("link", name="Stages and thresholds").click()
    page.get_by_label("Name").first.fill("Newcomer")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Stages saved.")).to_be_visible()
    page.goto(f"{base}/experience/journeys/donor/settings/")
    screenshot(page, "journeys-settings")
    page.goto(f"{base}/contacts/{donors[0].pk}/")
    expect(page.get_by_role("heading", name="Journeys")).to_be_visible()
    screenshot(page, "journeys-contact")

    phone = browser.new_context(viewport={"width": 390, "height": 844}, locale="en-GB")
    mobile = phone.new_page()
    sign_in(mobile, live_server, admin.email)
    mobile.goto(f"{base}/experience/")
    screenshot(mobile, "journeys-hub-phone")
    mobile.goto(f"{base}/experience/journeys/donor/")
    screenshot(mobile, "journeys-donor-phone")
    phone.close()
