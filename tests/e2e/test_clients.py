"""A client asks for help on a phone, follows the link in the real email and adds a message; a
caseworker answers from the queue and resolves it."""

import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from clients import services
from clients.models import ServiceRequest
from stakeholders.tenancy.models import organization_scope
from tests.e2e.test_timeline import sign_in
from tests.factories import (
    ArticleCategoryFactory,
    ArticleFactory,
    MembershipFactory,
    OrganizationFactory,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def riverside(settings):
    settings.CLIENTS_FORM_MIN_SECONDS = 0
    organization = OrganizationFactory(name="Riverside Food Bank", slug="riverside", country="GB")
    caseworker = MembershipFactory(
        organization=organization, role="caseworker", user__name="Cara Mensah"
    ).user
    with organization_scope(organization):
        services.client_settings_save(organization=organization, around_the_clock=True)
        category = ArticleCategoryFactory(organization=organization, name="Food parcels")
        article = ArticleFactory.build(
            organization=organization,
            category=category,
            title="How to get a food parcel",
            summary="Who can get one and what to bring.",
            body="Bring proof of address to the hall on Tuesday.",
        )
        services.article_save(organization=organization, article=article, actor=caseworker)
    return organization, caseworker


def test_client_asks_on_a_phone_and_a_caseworker_resolves_it(
    live_server, browser, riverside, mailbox, screenshot
):
    organization, caseworker = riverside
    phone = browser.new_context(viewport={"width": 390, "height": 844}, locale="en-GB")
    client_page = phone.new_page()
    client_page.set_default_timeout(15_000)
    client_page.goto(f"{live_server.url}/o/riverside/help/request/")
    client_page.get_by_label("First name").fill("Samira")
    client_page.get_by_label("Last name").fill("Haddad")
    client_page.get_by_label("Email").fill("samira@example.org")
    client_page.get_by_label("Your question in a few words").press_sequentially("food parc")
    suggestion = client_page.get_by_role("link", name="How to get a food parcel")
    expect(suggestion).to_be_visible()  # the help centre answers as they type
    client_page.get_by_label("Your question in a few words").fill("My food parcel did not come")
    client_page.get_by_label("Tell us more").fill("It was due on Tuesday.")
    assert client_page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(client_page, "client-request-phone")
    client_page.get_by_role("button", name="Send my request").click()
    expect(
        client_page.get_by_role("heading", name=re.compile("we have your request"))
    ).to_be_visible()

    (email,) = mailbox.to("samira@example.org")
    link = urlsplit(next(url for url in mailbox.links(email) if "/help/request/confirm/" in url))
    client_page.goto(f"{live_server.url}{link.path}")
    client_page.get_by_role("button", name="Confirm and see my request").click()
    expect(client_page.get_by_text("My food parcel did not come")).to_be_visible()
    status_url = client_page.url
    client_page.get_by_label("Your message").fill("I am at home all day Friday.")
    client_page.get_by_role("button", name="Send message").click()
    expect(client_page.get_by_text("your message has been added")).to_be_visible()
    screenshot(client_page, "client-status-phone")

    # The caseworker picks it up from the queue, replies, then resolves it.
    page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="en-GB")
    page.set_default_timeout(15_000)
    sign_in(page, live_server, caseworker.email)
    page.goto(f"{live_server.url}/o/riverside/clients/")
    screenshot(page, "client-queue")
    page.get_by_role("link", name=re.compile("My food parcel did not come")).click()
    expect(page.get_by_text("I am at home all day Friday.")).to_be_visible()
    page.get_by_label("Reply to the client (sent by email)").fill(
        "Sorry about that — we will deliver on Friday morning."
    )
    page.get_by_role("button", name="Send reply").click()
    expect(page.get_by_text("Reply sent to samira@example.org")).to_be_visible()
    page.get_by_text("Resolve", exact=True).click()
    page.get_by_label("How it was resolved (sent to the client)").fill("Delivered on Friday.")
    page.get_by_role("button", name="Resolve and tell the client").click()
    expect(page.get_by_text("Resolved. The client has been told.")).to_be_visible()
    screenshot(page, "client-request-detail")

    with organization_scope(organization):
        request = ServiceRequest.objects.get()
    assert request.status == "resolved" and request.first_responded_at is not None
    assert len(mailbox.to("samira@example.org")) == 3  # received, reply, resolved with survey

    client_page.goto(status_url)
    expect(client_page.get_by_text("we will deliver on Friday morning")).to_be_visible()
    expect(client_page.locator("[aria-current='step']")).to_have_text("Resolved")
    phone.close()
    page.close()
