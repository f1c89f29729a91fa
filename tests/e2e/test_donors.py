"""A donor opens the link from an email and changes a preference; staff enter three gifts with
the keyboard only."""

import re
from decimal import Decimal
from urllib.parse import urlsplit

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from donors import services
from donors.models import Gift
from stakeholders.models import Consent
from stakeholders.tenancy.models import organization_scope
from tests.e2e.test_timeline import sign_in
from tests.factories import ContactFactory, FundFactory, MembershipFactory, OrganizationFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def riverside():
    organization = OrganizationFactory(
        name="Riverside Food Bank", slug="riverside", country="GB", currency="GBP"
    )
    staff = MembershipFactory(
        organization=organization, role="fundraiser", user__name="Tom Becker"
    ).user
    with organization_scope(organization):
        meals = FundFactory(
            organization=organization,
            name="Meals",
            impact_unit_amount=Decimal("25"),
            impact_unit_label="one week of meals",
        )
        ada = ContactFactory(
            organization=organization,
            first_name="Ada",
            last_name="Lovelace",
            relationship_manager=staff,
        )
        grace = ContactFactory(organization=organization, first_name="Grace", last_name="Hopper")
        services.gift_record(
            organization=organization,
            contact=ada,
            amount=Decimal("75"),
            received_on=timezone.localdate(),
            fund=meals,
        )
    return organization, staff, ada, grace, meals


def test_donor_opens_the_link_and_changes_a_preference(live_server, browser, riverside, screenshot):
    organization, _staff, ada, _grace, _meals = riverside
    link = urlsplit(services.impact_url(organization=organization, contact=ada))
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.goto(f"{live_server.url}{link.path}?{link.query}")
    expect(page.get_by_role("heading", name="Thank you, Ada")).to_be_visible()
    expect(page.get_by_text("3 × one week of meals")).to_be_visible()
    expect(page.get_by_role("link", name=re.compile("Write to Tom"))).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "impact-phone")
    page.get_by_role("group", name="Donor updates").get_by_label("Email").check()
    page.get_by_role("button", name="Save my preferences").click()
    expect(page.get_by_text("your preferences are saved")).to_be_visible()
    expect(page.get_by_role("group", name="Donor updates").get_by_label("Email")).to_be_checked()
    with organization_scope(organization):
        consent = Consent.objects.get()
    assert (consent.channel, consent.purpose, consent.granted, consent.source) == (
        "email",
        "donor_updates",
        True,
        "preferences",
    )
    context.close()


def tab_to(page, element_id, presses=10):
    """Press Tab until the field has focus (a date input has a stop per part, per browser)."""
    for _press in range(presses):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == element_id:
            return
    raise AssertionError(f"Tab never reached #{element_id}")


def test_staff_enter_three_gifts_with_the_keyboard(live_server, page, riverside, screenshot):
    organization, staff, ada, grace, meals = riverside
    sign_in(page, live_server, staff.email)
    page.goto(f"{live_server.url}/o/riverside/donors/gifts/new/")
    page.wait_for_load_state()
    rows = [("ada", "25"), ("grace", "40.50"), ("lovel", "10")]
    page.locator("#id_gifts-0-contact_label").focus()
    for index, (name, amount) in enumerate(rows):
        page.keyboard.type(name)
        expect(page.locator(f"#gifts-{index}-list [role='option']").first).to_be_visible()
        page.keyboard.press("Enter")  # pick the donor; focus moves to the amount
        page.keyboard.type(amount)
        tab_to(page, f"id_gifts-{index}-fund")  # past the date (today) and the method
        page.keyboard.press("ArrowDown")  # "Meals"
        tab_to(page, f"id_gifts-{index}-reference")
        page.keyboard.type(f"REF-{index}")
        if index + 1 < len(rows):
            tab_to(page, f"id_gifts-{index + 1}-contact_label")
    expect(page.locator("[data-batch-total]")).to_have_text("£75.50")
    screenshot(page, "gift-batch")
    page.keyboard.press("Control+Enter")
    expect(page.get_by_text("3 gifts saved")).to_be_visible()
    with organization_scope(organization):
        gifts = list(Gift.objects.filter(reference__startswith="REF-").order_by("reference"))
        funds = [g.allocations.get().fund for g in gifts]
        donors = [(g.contact, g.amount) for g in gifts]
    assert funds == [meals, meals, meals]
    assert donors == [
        (ada, Decimal("25")),
        (grace, Decimal("40.50")),
        (ada, Decimal("10")),
    ]


def test_a_fundraiser_logs_a_welcome_call_from_the_list(live_server, page, riverside, screenshot):
    _organization, staff, ada, _grace, _meals = riverside
    sign_in(page, live_server, staff.email)
    page.goto(f"{live_server.url}/o/riverside/")
    page.get_by_role("link", name="1 first-time donor to call").click()
    row = page.get_by_role("row").filter(has_text="Ada Lovelace")
    expect(row).to_contain_text("£75.00")
    screenshot(page, "welcome-calls")
    row.get_by_label("How did the call with Ada Lovelace go?").select_option("reached")
    row.get_by_label("Notes").fill("Delighted; wants to volunteer too")
    row.get_by_role("button", name="Log").click()
    expect(page.get_by_text("Call with Ada Lovelace logged on their timeline.")).to_be_visible()
    expect(page.get_by_text("No one is waiting for a welcome call here.")).to_be_visible()
    page.goto(f"{live_server.url}/o/riverside/contacts/{ada.pk}/")
    expect(page.get_by_text("Delighted; wants to volunteer too")).to_be_visible()
