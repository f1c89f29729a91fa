"""Staff find a person by part of their name and log a phone call with the keyboard only."""

import re

import pytest
from playwright.sync_api import expect

from stakeholders import services
from stakeholders.models import Contact, Interaction
from stakeholders.tenancy.models import organization_scope
from tests.factories import PASSWORD, MembershipFactory, OrganizationFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def riverside():
    organization = OrganizationFactory(name="Riverside Food Bank", slug="riverside", country="GB")
    admin = MembershipFactory(
        organization=organization, user__email="amara@riverside.example.org"
    ).user
    with organization_scope(organization):
        fatima = services.contact_create(
            organization=organization,
            first_name="Fatima",
            last_name="Adeyemi",
            phone="020 7946 0958",
        )
        services.contact_create(organization=organization, first_name="Björn", last_name="Nguyen")
        services.interaction_log(
            organization=organization,
            contact=fatima,
            staff=admin,
            channel="email",
            subject="Sent the leaflet",
        )
    return organization, admin, fatima


def sign_in(page, live_server, email):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label(re.compile(r"^Password:?$")).fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()


def test_find_a_contact_and_log_a_call_with_the_keyboard(live_server, page, riverside, screenshot):
    organization, admin, fatima = riverside
    sign_in(page, live_server, admin.email)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Stakeholders").click()
    page.wait_for_load_state()  # htmx wires the search box up once the page has loaded
    page.keyboard.press("/")  # the search shortcut
    page.keyboard.type("adeye")
    results = page.locator("#results")
    expect(results.get_by_role("link", name="Fatima Adeyemi")).to_be_visible()
    expect(results.get_by_role("link", name="Björn Nguyen")).to_have_count(0)
    page.wait_for_load_state("networkidle")  # a slower search for "adey" must not replace it
    screenshot(page, "contacts-search")
    results.get_by_role("link", name="Fatima Adeyemi").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Fatima Adeyemi", level=1)).to_be_visible()

    page.evaluate("window.__noReload = true")
    page.locator("#quick-log #id_channel").focus()
    page.keyboard.press("Tab")  # direction
    page.keyboard.press("Tab")  # "they got in touch"
    page.keyboard.press("Space")
    page.keyboard.press("Tab")  # subject
    page.keyboard.type("Called about the winter food parcel")
    page.keyboard.press("Tab")  # notes
    page.keyboard.type("She will pick it up on Friday.")
    page.keyboard.press("Control+Enter")

    first = page.locator("#timeline-items > li").first
    expect(first).to_contain_text("Called about the winter food parcel")
    expect(first).to_contain_text("Phone")
    expect(page.locator("#quick-log #id_subject")).to_have_value(
        ""
    )  # a fresh form for the next call
    assert page.evaluate("window.__noReload") is True  # no page reload
    screenshot(page, "contact-timeline")
    with organization_scope(organization):
        logged = Interaction.objects.select_related("contact").order_by("-pk").first()
    assert (logged.channel, logged.staff, logged.contact) == ("phone", admin, fatima)
    assert logged.initiated_by_contact


def test_the_filters_narrow_the_results_and_leaving_the_search_box_asks_nothing_again(
    live_server, page, riverside
):
    """The results follow the search box as one types and each filter as it changes; leaving
    the box (its ``change``) sends no second search, whose answer would replace the results
    under the focus."""
    organization, admin, fatima = riverside
    with organization_scope(organization):
        Contact.objects.filter(pk=fatima.pk).update(is_donor=True)
    sign_in(page, live_server, admin.email)
    page.goto(f"{live_server.url}/o/riverside/contacts/")
    page.wait_for_load_state()
    searches = []
    page.on("request", lambda request: "/contacts/?" in request.url and searches.append(request))
    results = page.locator("#results")
    page.get_by_label("Search").fill("n")
    expect(results.get_by_role("link", name="Björn Nguyen")).to_be_visible()
    page.wait_for_load_state("networkidle")
    asked = len(searches)
    page.get_by_label("Search").blur()
    page.wait_for_timeout(400)  # more than the box's delay
    assert len(searches) == asked
    page.get_by_label("Search").fill("")
    page.get_by_label("Role").select_option("donor")
    expect(results.get_by_role("link", name="Fatima Adeyemi")).to_be_visible()
    expect(results.get_by_role("link", name="Björn Nguyen")).to_have_count(0)


def test_quick_log_errors_are_shown_next_to_the_field(live_server, page, riverside):
    _organization, admin, fatima = riverside
    sign_in(page, live_server, admin.email)
    page.goto(f"{live_server.url}/o/riverside/contacts/{fatima.pk}/")
    page.get_by_role("button", name="Log it").click()
    expect(page.locator("#quick-log")).to_contain_text("Write a subject or a note.")
    expect(page.locator("#quick-log #id_subject")).to_have_attribute("aria-invalid", "true")


def test_global_log_shortcut_picks_a_contact_from_the_api(live_server, page, riverside, screenshot):
    _organization, admin, _fatima = riverside
    sign_in(page, live_server, admin.email)
    page.wait_for_load_state()
    page.keyboard.press("Alt+Shift+L")
    expect(page.get_by_role("heading", name="Log an interaction")).to_be_visible()
    page.get_by_role("combobox", name="Who with?").fill("fatim")
    expect(page.get_by_role("option", name=re.compile("Fatima Adeyemi"))).to_be_visible()
    screenshot(page, "log-shortcut")
    page.keyboard.press("Enter")
    page.get_by_label("Subject").fill("Met at the drop-in")
    page.get_by_label("Channel").select_option("in_person")
    page.get_by_role("button", name="Log it").click()
    expect(page.get_by_role("heading", name="Fatima Adeyemi", level=1)).to_be_visible()
    expect(page.locator("#timeline-items > li").first).to_contain_text("Met at the drop-in")
