"""The webhook pages in a browser: an admin adds an endpoint (the secret shown once), reads the
delivery log with a receiver's answers and sends one again; every page passes axe. Screenshots
go to var/screenshots/webhooks-*.png."""

import pytest

from stakeholders import services
from stakeholders.integrations import tasks
from stakeholders.integrations.models import WebhookDelivery, WebhookEndpoint
from stakeholders.tenancy.models import organization_scope
from tests.e2e.test_accessibility import assert_accessible
from tests.e2e.test_timeline import sign_in
from tests.factories import MembershipFactory, OrganizationFactory
from tests.test_webhooks_out import Receiver

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def receiver(settings):
    settings.WEBHOOKS_ALLOW_PRIVATE, settings.WEBHOOKS_REQUIRE_HTTPS = True, False
    started = Receiver(status=500, answer=b'{"error": "ledger locked"}')
    yield started
    started.close()


def test_an_admin_adds_an_endpoint_and_reads_its_deliveries(
    live_server, page, receiver, screenshot
):
    organization = OrganizationFactory(name="Riverside Food Bank", slug="riverside", country="GB")
    admin = MembershipFactory(organization=organization, role="admin").user
    sign_in(page, live_server, admin.email)

    page.goto(f"{live_server.url}/o/riverside/settings/webhooks/")
    assert_accessible(page, "webhook list (empty)")
    page.get_by_role("link", name="Add an endpoint").click()
    page.get_by_label("Endpoint URL").fill(receiver.url)
    page.get_by_label("Description").fill("Accounting sync")
    page.get_by_label("Receives what this role may see").select_option("fundraiser")
    page.get_by_label("A gift was recorded (gift.created)").check()
    page.get_by_label("A contact was created (contact.created)").check()
    assert_accessible(page, "add an endpoint")
    screenshot(page, "webhooks-add")
    page.get_by_role("button", name="Add endpoint").click()
    secret = page.locator("#new-secret").input_value()
    assert secret.startswith("whsec_")
    screenshot(page, "webhooks-secret-once")

    with organization_scope(organization):
        services.contact_create(organization=organization, first_name="Ada", last_name="Byron")
    tasks.deliver_due()  # the receiver answers 500: the log shows it, a retry is queued
    receiver.status, receiver.answer = 200, b'{"received": true}'
    with organization_scope(organization):
        endpoint = WebhookEndpoint.objects.get()
    page.goto(f"{live_server.url}/o/riverside/settings/webhooks/{endpoint.pk}/")
    assert page.locator("#new-secret").count() == 0  # shown once only
    assert "ledger locked" in page.content()
    page.get_by_role("button", name="Send again").first.click()
    page.wait_for_load_state()
    with organization_scope(organization):
        assert WebhookDelivery.objects.filter(manual=True, status="succeeded").exists()
    page.get_by_text("What it answered").first.click()
    assert_accessible(page, "endpoint and its deliveries")
    screenshot(page, "webhooks-deliveries")

    page.goto(f"{live_server.url}/o/riverside/settings/webhooks/")
    assert_accessible(page, "webhook list")
    screenshot(page, "webhooks-list")
    page.set_viewport_size({"width": 375, "height": 800})
    page.goto(page.url.replace("/settings/webhooks/", "/settings/webhooks/"))
    screenshot(page, "webhooks-list-phone")
