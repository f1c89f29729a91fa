"""The charity's own face: every public page carries the organization's name, logo, colour and
contact details, never the product's tagline, on a phone and on a desktop.

Screenshots go to var/screenshots (kept as CI artifacts)."""

from datetime import timedelta
from decimal import Decimal
from urllib.parse import urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from donors import services as donor_services
from donors import updates as donor_updates
from donors.models import DonorSettings
from stakeholders import services
from stakeholders.models import Contact
from stakeholders.tenancy.models import organization_scope
from tests.e2e.test_rtl import sign_in
from tests.factories import (
    ArticleCategoryFactory,
    ArticleFactory,
    FundFactory,
    MembershipFactory,
    OpportunityFactory,
    OrganizationFactory,
    VolunteerProfileFactory,
)
from tests.test_organizations import png_bytes
from volunteers import services as volunteer_services

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
WIDTHS = (375, 1280)
TAGLINE = "the CRM that treats every stakeholder as a customer"
AXE = Axe()


@pytest.fixture
def riverside():
    organization = OrganizationFactory(
        name="Riverside Food Bank",
        slug="riverside",
        contact_email="hello@riverside.example.org",
        address="12 Mill Lane\nRiverside RS1 2AB",
        phone="+44 20 7946 0000",
        brand_color="#0f766e",
        logo=SimpleUploadedFile("logo.png", png_bytes(), content_type="image/png"),
    )
    with organization_scope(organization):
        ada = services.contact_create(
            organization=organization,
            first_name="Ada",
            last_name="Lovelace",
            email="ada@example.org",
        )
        meals = FundFactory(organization=organization, name="Meals")
        donor_services.gift_record(
            organization=organization,
            contact=ada,
            amount=Decimal("120"),
            received_on=timezone.localdate() - timedelta(days=3),
            fund=meals,
        )
        DonorSettings.objects.create(
            organization=organization, donation_url="https://give.example.org/riverside"
        )
        OpportunityFactory(organization=organization, title="Warehouse sorting")
        ArticleFactory(
            organization=organization,
            category=ArticleCategoryFactory(organization=organization, name="Food parcels"),
            title="How to get a food parcel",
            body="Come to the hall on Tuesdays with proof of address.",
        )
        interaction = services.interaction_log(
            organization=organization,
            contact=ada,
            staff=None,
            channel="phone",
            subject="Thank-you call",
        )
        profile = VolunteerProfileFactory(contact=ada)
        paths = {
            "impact": donor_services.impact_url(organization=organization, contact=ada),
            "unsubscribe": donor_updates.unsubscribe_url(organization=organization, contact=ada),
            "portal": volunteer_services.portal_url(organization=organization, profile=profile),
            "survey": reverse(
                "stakeholders:feedback_public",
                kwargs={
                    "org_slug": "riverside",
                    "token": services.feedback_link_token(
                        organization=organization, interaction=interaction
                    ),
                },
            )
            + "?score=5",
        }
    paths = {
        name: (lambda parts: f"{parts.path}?{parts.query}" if parts.query else parts.path)(
            urlsplit(url)
        )
        for name, url in paths.items()
    }
    return organization, paths


def public_pages(paths):
    return [
        ("volunteer-signup", "/o/riverside/volunteer/"),
        ("help-centre", "/o/riverside/help/"),
        ("request-form", "/o/riverside/help/request/"),
        ("request-status", "/o/riverside/help/request/status/"),
        ("impact", paths["impact"]),
        ("impact-link", reverse("donors:impact_link", kwargs={"org_slug": "riverside"})),
        ("unsubscribe", paths["unsubscribe"]),
        ("survey", paths["survey"]),
        ("portal", paths["portal"]),
    ]


def save(page, name, width, screenshot):
    screenshot(page, f"brand-{name}-{width}")


@pytest.mark.parametrize("width", WIDTHS)
def test_public_pages_wear_the_organizations_brand(
    live_server, browser, riverside, screenshot, width
):
    _organization, paths = riverside
    context = browser.new_context(viewport={"width": width, "height": 900}, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(15_000)
    for name, path in public_pages(paths):
        page.goto(live_server.url + path)
        if name == "portal":
            page.wait_for_load_state("networkidle")
        save(page, name, width, screenshot)
        text = page.locator("body").inner_text()
        assert TAGLINE not in text and "Steward" not in text, name
        assert "Riverside Food Bank" in text and "+44 20 7946 0000" in text, name
        header = page.locator(".site-header").evaluate("h => getComputedStyle(h).backgroundColor")
        assert header == "rgb(15, 118, 110)", name  # #0f766e
        assert page.locator(".site-header .brand__logo").is_visible(), name
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"{name} at {width} px scrolls sideways by {overflow} px"
        results = AXE.run(page, options={"runOnly": {"type": "tag", "values": ["wcag2aa"]}})
        assert results.violations_count == 0, f"{name}:\n{results.generate_report()}"
        if name == "impact":
            give = page.locator("[data-give-again]")
            assert give.get_attribute("href") == "https://give.example.org/riverside"
    context.close()


@pytest.mark.parametrize("width", WIDTHS)
def test_staff_copy_and_open_a_donors_impact_link(
    live_server, browser, riverside, screenshot, width, settings
):
    settings.SITE_URL = live_server.url  # the link staff copy is absolute
    organization, _paths = riverside
    admin = MembershipFactory(organization=organization, role="admin").user
    with organization_scope(organization):
        ada = Contact.objects.get(organization=organization, email="ada@example.org")
    context = browser.new_context(
        viewport={"width": width, "height": 900},
        locale="en-GB",
        permissions=["clipboard-read", "clipboard-write"],
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    sign_in(page, live_server, admin.email)
    page.goto(f"{live_server.url}/o/riverside/contacts/{ada.pk}/")
    field = page.get_by_label("Their impact page")
    link = field.input_value()
    assert "/o/riverside/donors/impact/?t=" in link
    page.get_by_role("button", name="Copy link").click()
    page.locator("[data-copy-status]", has_text="Link copied").wait_for(state="attached")
    assert page.evaluate("navigator.clipboard.readText()") == link
    page.locator("#donor-heading").scroll_into_view_if_needed()
    save(page, "donor-impact-link", width, screenshot)
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"the donor's page at {width} px scrolls sideways by {overflow} px"
    with page.expect_popup() as opened:
        page.get_by_role("link", name="Open their page").click()
    impact = opened.value
    impact.wait_for_load_state()
    assert impact.locator("#gifts-heading").is_visible()
    page.goto(f"{live_server.url}/o/riverside/settings/")
    save(page, "settings", width, screenshot)
    context.close()
