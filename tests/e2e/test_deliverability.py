"""Deliverability in the browser: the bounce on the person's page and the delivery-health card
on the dashboard, on a desktop and on a phone."""

import pytest
from playwright.sync_api import expect

from stakeholders import deliverability
from stakeholders.models import EmailSuppression
from stakeholders.tenancy.models import organization_scope
from tests.e2e.test_timeline import sign_in
from tests.factories import ContactFactory, MembershipFactory, OrganizationFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_bounce_on_the_contact_page_and_the_dashboard(live_server, page, browser, screenshot):
    organization = OrganizationFactory(name="Riverside Food Bank", slug="riverside", country="GB")
    admin = MembershipFactory(
        organization=organization, user__email="amara@riverside.example.org", user__name="Amara"
    ).user
    fatima = ContactFactory(
        organization=organization,
        first_name="Fatima",
        last_name="Adeyemi",
        name="Fatima Adeyemi",
        email="fatima@example.org",
    )
    with organization_scope(organization):
        deliverability.suppression_record(
            organization=organization,
            email="fatima@example.org",
            reason=EmailSuppression.Reason.HARD_BOUNCE,
            provider="Postmark",
            detail="The server was unable to deliver your message",
        )
        deliverability.suppression_record(
            organization=organization,
            email="someone@example.org",
            reason=EmailSuppression.Reason.COMPLAINT,
        )
    base = f"{live_server.url}/o/{organization.slug}"
    sign_in(page, live_server, admin.email)
    page.goto(f"{base}/")
    expect(page.get_by_role("heading", name="Delivery health")).to_be_visible()
    screenshot(page, "deliverability-dashboard")
    page.goto(f"{base}/contacts/{fatima.pk}/")
    expect(page.get_by_text("Email bounced on")).to_be_visible()
    screenshot(page, "deliverability-contact")

    phone = browser.new_context(viewport={"width": 390, "height": 844}, locale="en-GB")
    mobile = phone.new_page()
    sign_in(mobile, live_server, admin.email)
    mobile.goto(f"{base}/contacts/{fatima.pk}/")
    screenshot(mobile, "deliverability-contact-phone")
    phone.close()
