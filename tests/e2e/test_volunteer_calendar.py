"""A volunteer subscribes to their shifts from the portal (on a phone) and a coordinator makes the
address on the staff page; the feed the address opens is a calendar."""

from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from stakeholders.models import Role
from stakeholders.tenancy.models import organization_scope
from tests.e2e.test_timeline import sign_in
from tests.factories import (
    AssignmentFactory,
    MembershipFactory,
    OrganizationFactory,
    ShiftFactory,
    VolunteerProfileFactory,
)
from volunteers import services

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 390, "height": 844}


def test_calendar_address_in_the_portal_and_on_the_staff_page(
    live_server, browser, page, screenshot
):
    organization = OrganizationFactory(name="Riverside Food Bank", slug="riverside")
    coordinator = MembershipFactory(organization=organization, role=Role.VOLUNTEER_COORDINATOR).user
    with organization_scope(organization):
        volunteer = VolunteerProfileFactory(
            contact__organization=organization, contact__first_name="Amara", status="active"
        )
        start = timezone.now() + timedelta(days=2)
        AssignmentFactory(
            organization=organization,
            profile=volunteer,
            shift=ShiftFactory(
                opportunity__organization=organization,
                opportunity__title="Community kitchen",
                starts_at=start,
                ends_at=start + timedelta(hours=3),
            ),
        )
        token = services.portal_token(organization=organization, profile=volunteer)
    base = f"{live_server.url}/o/riverside"

    context = browser.new_context(viewport=PHONE, locale="en-GB")
    phone = context.new_page()
    phone.goto(f"{base}/volunteer/portal/enter/{token}/")
    phone.get_by_role("button", name="Open my volunteer page").click()
    expect(phone.get_by_role("heading", name="Hello, Amara")).to_be_visible()
    screenshot(phone, "volunteer-calendar-portal-phone")
    phone.get_by_role("button", name="Subscribe to your shifts in your calendar").click()
    address = phone.get_by_label("Calendar address")
    expect(address).to_be_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(phone, "volunteer-calendar-address-phone")
    feed = phone.request.get(live_server.url + urlsplit(address.input_value()).path)
    assert feed.status == 200 and b"BEGIN:VCALENDAR" in feed.body()
    context.close()

    sign_in(page, live_server, coordinator.email)
    page.goto(f"{base}/volunteers/people/{volunteer.pk}/")
    page.get_by_role("button", name="Stop the old link").click()
    expect(page.get_by_label("Calendar address")).to_be_visible()
    screenshot(page, "volunteer-calendar-staff")
