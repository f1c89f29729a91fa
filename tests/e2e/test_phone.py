"""On a phone and a desktop: every staff and public page fits 375 and 1280 px (no sideways
scrolling) and passes axe (WCAG 2.1 AA) at both; tables keep their
labels, the navigation folds into a menu button, batch gift entry is one gift per card, dark mode
passes axe, and the API docs open without a console error.

The pages are enumerated from the URL resolver as tests/test_pages_on_get.py does (one object of
each kind made by the isolation test's factories), so a new page is covered without anyone
remembering it. Screenshots: var/screenshots/phone-<page>-<width>.png (kept by CI)."""

import os
import re
from decimal import Decimal
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from donors import services as donor_services
from stakeholders import services
from stakeholders.tenancy.models import organization_scope
from tests.factories import PASSWORD, FundFactory, MembershipFactory, OrganizationFactory
from tests.test_isolation import organization_page_paths

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
AXE = Axe()
WCAG = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}
# Platform pages outside any organization that a signed-in member opens.
GLOBAL_PAGES = [
    "organization_picker",
    "organization_create",
    "account_email",
    "account_change_password",
    "account_language",
    "mfa_index",
]
# A copy of some screenshots for an issue's before/after notes, when asked for.
NOTES = os.environ.get("PHONE_SCREENS_DIR")
NOTES_STAGE = os.environ.get("PHONE_SCREENS_STAGE", "after")


@pytest.fixture
def riverside():
    """A food bank with an admin, a few people, an interaction and two gifts."""
    organization = OrganizationFactory(name="Riverside Food Bank", slug="riverside", country="GB")
    admin = MembershipFactory(
        organization=organization, role="admin", user__email="amara@riverside.example.org"
    ).user
    with organization_scope(organization):
        meals = FundFactory(organization=organization, name="Hot meals")
        for first, last in [("Ada", "Lovelace"), ("Grace", "Hopper"), ("Fatima", "Al-Fihri")]:
            contact = services.contact_create(
                organization=organization,
                first_name=first,
                last_name=last,
                email=f"{first.lower()}@example.org",
            )
            services.interaction_log(
                organization=organization,
                contact=contact,
                staff=admin,
                channel="phone",
                subject=f"Thank-you call to {first}",
            )
            donor_services.gift_record(
                organization=organization,
                contact=contact,
                amount=Decimal("125.50"),
                received_on=timezone.localdate(),
                fund=meals,
            )
    return organization, admin


def html_pages(organization, admin):
    """(name, path) of every HTML page an admin opens with GET: the organization's staff and
    public pages (one object of each kind for detail pages) and the platform's own."""
    client = Client(raise_request_exception=False)  # a broken page is another test's failure
    client.force_login(admin)
    found = organization_page_paths(organization)
    found += [(name, reverse(name)) for name in GLOBAL_PAGES]
    pages = []
    for name, path in found:
        response = client.get(path)
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        if response.streaming or b"<html" in response.content:  # not a fragment of a page
            pages.append((name, path))
    return pages


def sign_in(page, live_server, email):
    page.goto(f"{live_server.url}/accounts/login/")
    page.locator("input[name=login]").fill(email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("input[name=password]").press("Enter")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def slug(name):
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def overflow(page):
    return page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )


def widest(page):
    """The element that sticks out furthest past the viewport (to name it in a failure)."""
    return page.evaluate(
        """() => {
          const width = document.documentElement.clientWidth;
          let worst = null, most = 0;
          for (const el of document.body.querySelectorAll('*')) {
            const box = el.getBoundingClientRect();
            const past = Math.max(box.right - width, -box.left);
            const off = box.right <= 0 || box.width === 0;  // a skip link parked off-screen
            if (past > most && !off) { most = past; worst = el; }
          }
          if (!worst) return '';
          const svg = worst.className.baseVal !== undefined;
          const cls = worst.className && !svg ? worst.className : '';
          return worst.tagName.toLowerCase() + (cls ? '.' + cls.split(' ').join('.') : '')
            + ' by ' + Math.round(most) + ' px';
        }"""
    )


def keep_for_notes(page, name, width):
    if NOTES:
        Path(NOTES).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=f"{NOTES}/17-phone-{name}-{NOTES_STAGE}-{width}.png", full_page=True)


@pytest.mark.parametrize("width", [375, 1280])
def test_every_page_fits_the_screen_and_passes_axe(
    live_server, browser, riverside, screenshot, width
):
    organization, admin = riverside
    pages = html_pages(organization, admin)
    assert len(pages) > 60, pages
    context = browser.new_context(viewport={"width": width, "height": 800}, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{live_server.url}/accounts/login/")
    too_wide, inaccessible = [], []
    if overflow(page) > 0:
        too_wide.append(f"account_login ({widest(page)})")
    sign_in(page, live_server, admin.email)
    for name, path in pages:
        page.goto(live_server.url + path)
        screenshot(page, f"phone-{slug(name)}-{width}")
        keep_for_notes(page, slug(name), width)
        if overflow(page) > 0:
            too_wide.append(f"{name} {path} ({widest(page)})")
        results = AXE.run(page, options=WCAG)
        if results.violations_count:
            inaccessible.append(f"{name} {path}:\n{results.generate_report()}")
    context.close()
    assert too_wide == [], f"pages wider than {width} px:\n" + "\n".join(too_wide)
    assert inaccessible == [], f"axe at {width} px:\n" + "\n".join(inaccessible)


def phone(browser, **options):
    context = browser.new_context(viewport={"width": 375, "height": 740}, locale="en-GB", **options)
    page = context.new_page()
    page.set_default_timeout(15_000)
    return context, page


def test_the_navigation_folds_into_a_menu_button(live_server, browser, riverside):
    organization, admin = riverside
    context, page = phone(browser)
    sign_in(page, live_server, admin.email)
    page.goto(f"{live_server.url}/o/{organization.slug}/contacts/")
    menu = page.get_by_role("button", name="Menu")
    navigation = page.get_by_role("navigation", name="Main")
    assert menu.get_attribute("aria-expanded") == "false"
    assert not navigation.get_by_role("link", name="Donors").is_visible()
    # the page's own heading is on the first screen, not below the navigation
    assert page.locator("main h1").bounding_box()["y"] < 740 / 2
    menu.focus()
    page.keyboard.press("Enter")
    assert menu.get_attribute("aria-expanded") == "true"
    navigation.get_by_role("link", name="Donors").click()
    page.wait_for_url(re.compile(r"/donors/$"))
    page.get_by_role("button", name="Menu").click()
    page.keyboard.press("Escape")  # closes and gives focus back to the button
    assert page.get_by_role("button", name="Menu").get_attribute("aria-expanded") == "false"
    context.close()
    desktop = browser.new_context(viewport={"width": 1280, "height": 800}, locale="en-GB")
    page = desktop.new_page()
    sign_in(page, live_server, admin.email)
    page.goto(f"{live_server.url}/o/{organization.slug}/contacts/")
    assert not page.get_by_role("button", name="Menu").is_visible()
    assert (
        page.get_by_role("navigation", name="Main").get_by_role("link", name="Donors").is_visible()
    )
    desktop.close()


def test_tables_keep_their_labels_on_a_phone(live_server, browser, riverside):
    organization, admin = riverside
    context, page = phone(browser)
    sign_in(page, live_server, admin.email)
    page.goto(f"{live_server.url}/o/{organization.slug}/contacts/")
    cells = page.locator("table.table tbody td")
    assert cells.count() >= 3
    labels = cells.evaluate_all(
        "cells => cells.map(td => getComputedStyle(td, '::before').content)"
    )
    headers = page.locator("table.table thead th").evaluate_all(
        "ths => ths.map(th => th.textContent.trim())"
    )
    named = [label.strip('"') for label in labels if label not in ("none", "normal", '""')]
    assert named and set(named) <= set(headers), (labels, headers)
    context.close()


def test_batch_gift_entry_is_one_gift_per_card_on_a_phone(live_server, browser, riverside):
    organization, admin = riverside
    context, page = phone(browser)
    sign_in(page, live_server, admin.email)
    page.goto(f"{live_server.url}/o/{organization.slug}/donors/gifts/new/")
    rows = page.locator("[data-batch] tbody tr")
    first, second = rows.nth(0).bounding_box(), rows.nth(1).bounding_box()
    assert first["width"] <= 375 and second["y"] >= first["y"] + first["height"] - 1
    amount = rows.nth(0).locator("input[name$='-amount']")
    assert amount.is_visible() and amount.bounding_box()["width"] > 150
    assert overflow(page) <= 0
    context.close()


DARK_PAGES = [
    "",
    "contacts/",
    "donors/",
    "donors/gifts/new/",
    "thank-yous/",
    "clients/reports/",
    "volunteers/",
    "settings/",
    "volunteer/",
    "help/",
]


def test_dark_mode_passes_axe(live_server, browser, riverside, screenshot):
    organization, admin = riverside
    context, page = phone(browser, color_scheme="dark")
    sign_in(page, live_server, admin.email)
    failures = []
    for path in DARK_PAGES:
        page.goto(f"{live_server.url}/o/{organization.slug}/{path}")
        assert page.evaluate("matchMedia('(prefers-color-scheme: dark)').matches")
        background = page.evaluate("getComputedStyle(document.documentElement).backgroundColor")
        assert background != "rgb(245, 247, 250)", "the dark palette is not applied"
        screenshot(page, f"phone-dark-{slug(path) or 'dashboard'}-375")
        results = AXE.run(page, options=WCAG)
        if results.violations_count:
            failures.append(f"{path}:\n{results.generate_report()}")
    context.close()
    assert failures == [], "\n".join(failures)


def test_the_api_docs_group_operations_and_log_no_error(live_server, browser):
    context, page = phone(browser)
    messages = []
    page.on("console", lambda message: messages.append(message))
    page.on("pageerror", lambda error: messages.append(error))
    page.goto(f"{live_server.url}/api/docs/")
    page.locator(".opblock-tag").first.wait_for()
    # Swagger UI renders a long document as the reader scrolls: scroll through it, gathering tags.
    tags = set()
    for _step in range(60):
        found = set(page.locator(".opblock-tag").all_text_contents())
        if found <= tags and _step > 2:
            break
        tags |= found
        page.mouse.wheel(0, 2000)
        page.wait_for_timeout(150)
    assert len(tags) > 10 and not any(tag.strip().startswith("v1") for tag in tags), tags
    errors = [m for m in messages if not hasattr(m, "type") or m.type == "error"]
    assert errors == [], [str(getattr(m, "text", m)) for m in errors]
    context.close()
