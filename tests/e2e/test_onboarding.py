"""A nonprofit signs up, confirms its email, creates its organization and invites a colleague."""

import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from stakeholders.models import Invitation, Membership, Organization
from stakeholders.tenancy.models import organization_scope

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_sign_up_create_organization_and_invite(live_server, page, mailbox, screenshot):
    page.goto(f"{live_server.url}/accounts/signup/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    screenshot(page, "signup")
    page.get_by_label("Email").fill("director@lakeside.example.org")
    page.get_by_label("Your name").fill("Lena Director")
    page.get_by_label(re.compile(r"^Password:?$")).fill("a-long-unusual-passphrase")
    page.get_by_label("Password (again)").fill("a-long-unusual-passphrase")
    page.get_by_role("button", name="Sign Up").click()
    expect(page.get_by_role("heading", name="Verify Your Email Address")).to_be_visible()

    [message] = mailbox.to("director@lakeside.example.org")
    link = next(u for u in mailbox.links(message) if "confirm-email" in u)
    page.goto(live_server.url + urlsplit(link).path)
    page.get_by_role("button", name="Confirm").click()

    # Logged in with no organization yet: create one, keyboard only.
    expect(page.get_by_role("heading", name="Your organizations")).to_be_visible()
    page.get_by_role("link", name="Create an organization").click()
    page.get_by_label("Name of your organization").focus()
    page.keyboard.type("Lakeside Shelter")
    page.get_by_label("Time zone").select_option("Europe/Dublin")
    page.get_by_label("Currency").select_option("EUR")
    page.get_by_label("Name of your organization").press("Enter")

    expect(page).to_have_url(re.compile(r"/o/lakeside-shelter/$"))
    expect(page.get_by_role("heading", name="Lakeside Shelter", level=1)).to_be_visible()
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()
    screenshot(page, "dashboard")
    organization = Organization.objects.get(slug="lakeside-shelter")
    assert Membership.objects.get(organization=organization).user.email == (
        "director@lakeside.example.org"
    )

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Settings").click()
    page.get_by_role("link", name="Invite someone").click()
    page.get_by_label("Email address").fill("no-email")
    page.get_by_role("button", name="Send invitation").click()
    expect(page.get_by_text("Enter a valid email address.")).to_be_visible()
    screenshot(page, "invite-error")
    page.get_by_label("Email address").fill("fundraiser@lakeside.example.org")
    page.get_by_label("Role").select_option(label="Fundraiser")
    page.get_by_role("button", name="Send invitation").click()
    expect(page.get_by_text("Invitation sent to fundraiser@lakeside.example.org.")).to_be_visible()
    expect(
        page.get_by_role("cell", name="fundraiser@lakeside.example.org", exact=True)
    ).to_be_visible()
    screenshot(page, "team")
    assert mailbox.to("fundraiser@lakeside.example.org")
    with organization_scope(organization):
        assert Invitation.objects.get().role == "fundraiser"

    page.get_by_role("link", name="API tokens").click()
    page.get_by_label("Token name").fill("Website donations form")
    page.get_by_role("button", name="Create token").click()
    key = page.get_by_label("New token").input_value()
    assert key.startswith("stw_")
    expect(page.get_by_role("cell", name="Website donations form", exact=True)).to_be_visible()
    screenshot(page, "tokens")
    page.get_by_role("link", name="Organization", exact=True).click()
    expect(page.get_by_label("Require two-factor authentication")).not_to_be_checked()
    screenshot(page, "settings")

    # Sign out and back in: straight to the only organization.
    page.get_by_role("button", name="Sign out").click()
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill("director@lakeside.example.org")
    page.get_by_label(re.compile(r"^Password:?$")).fill("a-long-unusual-passphrase")
    page.get_by_role("button", name="Sign In").click()
    expect(page).to_have_url(re.compile(r"/o/lakeside-shelter/$"))


def test_login_page_on_a_phone_in_persian(live_server, browser, screenshot):
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="fa-IR")
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page scrolls sideways on a phone ({width}px)"
    screenshot(page, "login-phone-rtl")
    context.close()
