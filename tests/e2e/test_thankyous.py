"""Staff edit a thank-you template, preview it, thank a gift now and download its letter."""

import re
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from donors import services as donor_services
from stakeholders.tenancy.models import organization_scope
from tests.e2e.conftest import SCREENSHOTS
from tests.e2e.test_timeline import sign_in
from tests.factories import ContactFactory, MembershipFactory, OrganizationFactory
from thankyous.models import Acknowledgment

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_edit_preview_thank_now_and_download(live_server, page, mailbox, screenshot):
    organization = OrganizationFactory(
        name="Riverside Food Bank", slug="riverside", address="12 Mill Lane\nBristol"
    )
    staff = MembershipFactory(organization=organization, role="fundraiser").user
    with organization_scope(organization):
        ada = ContactFactory(
            organization=organization,
            first_name="Ada",
            last_name="Lovelace",
            email="ada@example.org",
        )
        gift = donor_services.gift_record(
            organization=organization,
            contact=ada,
            amount=Decimal("80"),
            received_on=timezone.localdate(),
        )
    sign_in(page, live_server, staff.email)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Thank-yous").click()
    page.get_by_role("link", name="Templates").click()
    page.get_by_role("link", name="Thank you for your gift").click()
    subject = page.get_by_label("Email subject")
    subject.fill("{{ first_name }}, {{ amount }} — thank you!")
    page.get_by_label("Email text").fill(
        "{{ salutation }},\n\nYour {{ amount }} is feeding families tonight.\n\n{{ signature }}"
    )
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_text("Template saved.")).to_be_visible()
    email = page.frame_locator("iframe[title='The email with a sample donor']")
    expect(email.get_by_text("Ada, £50.00 — thank you!")).to_be_visible()
    expect(
        email.get_by_text("Your £50.00 is feeding families tonight.", exact=True)
    ).to_be_visible()
    page.get_by_label("Email (HTML)").fill(
        "<p>Dear {{ first_name }}, <b>you are wonderful</b>.</p>"
    )
    expect(email.get_by_text("you are wonderful")).to_be_visible()  # live, before saving
    screenshot(page, "thankyou-template")
    page.locator("iframe.email-preview").screenshot(path=str(SCREENSHOTS / "thankyou-email.png"))
    subject.fill("{{ donor.secret }}")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_text(re.compile("This does not work"))).to_be_visible()

    page.goto(f"{live_server.url}/o/riverside/donors/gifts/{gift.pk}/")
    page.get_by_role("button", name="Thank now").click()
    expect(page.get_by_text("Thanking now")).to_be_visible()
    page.reload()
    expect(page.locator("#thanks-heading + p .badge")).to_have_text("Sent")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the letter (PDF)").click()
    assert download.value.suggested_filename.endswith(".pdf")
    assert mailbox.messages[0]["Subject"] == "Ada, £80.00 — thank you!"
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Thank-yous").click()
    expect(page.get_by_role("heading", name="Time to thank (30 days)")).to_be_visible()
    screenshot(page, "thankyous-queue")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Dashboard").click()
    expect(page.get_by_role("heading", name="Time to thank")).to_be_visible()
    screenshot(page, "dashboard-cards")
    with organization_scope(organization):
        assert Acknowledgment.objects.get().state == "sent"
