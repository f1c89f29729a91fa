"""An admin writes a keep-in-touch email step, previews it and saves it; a fundraiser marks a
task done — on a desktop and on a phone."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from stakeholders.models import ConsentPurpose, JourneyPosition
from stakeholders.tenancy.models import organization_scope
from tests.e2e.test_timeline import sign_in
from tests.factories import (
    ConsentFactory,
    ContactFactory,
    KeepInTouchRunFactory,
    KeepInTouchStepFactory,
    MembershipFactory,
    OrganizationFactory,
)
from tests.test_experience_keep_in_touch import DONOR, kit_journeys  # noqa: F401

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def riverside():
    organization = OrganizationFactory(
        name="Riverside Food Bank", slug="riverside", other_languages=["fa"]
    )
    admin = MembershipFactory(organization=organization, role="admin", user__name="Ana Admin").user
    fundraiser = MembershipFactory(
        organization=organization, role="fundraiser", user__name="Tom Becker"
    ).user
    with organization_scope(organization):
        for index, name in enumerate(("Ada", "Grace", "Katherine")):
            person = ContactFactory(organization=organization, first_name=name, last_name="Test")
            ConsentFactory(contact=person, purpose=ConsentPurpose.DONOR_UPDATES, granted=True)
            JourneyPosition.objects.create(
                organization=organization,
                contact=person,
                journey=DONOR,
                stage="thanked",
                entered_at=timezone.now() - timedelta(days=5 + index),
            )
        step = KeepInTouchStepFactory(
            organization=organization, journey=DONOR, name="Thank-you call"
        )
        KeepInTouchRunFactory(
            step=step,
            owner=fundraiser,
            contact=ContactFactory(
                organization=organization, first_name="Mary", last_name="Jackson"
            ),
        )
    return organization, admin, fundraiser


def test_an_admin_previews_and_saves_an_email_step(live_server, page, riverside, screenshot):
    organization, admin, _fundraiser = riverside
    sign_in(page, live_server, admin.email)
    page.goto(f"{live_server.url}/o/{organization.slug}/experience/keep-in-touch/new/")
    page.get_by_label("Name").fill("Three months on")
    page.get_by_label("Journey stage").select_option(f"{DONOR}:thanked")
    page.get_by_label("Days at that stage").fill("1")
    page.get_by_label("An email").check()
    page.get_by_label("Email subject", exact=True).fill("How are you, {first_name}?")
    page.get_by_label("Email text", exact=True).fill("Thank you again, {first_name}.")
    page.get_by_role("button", name="Preview without saving").click()
    expect(page.get_by_role("heading", name="Who gets what next")).to_be_visible()
    screenshot(page, "keep-in-touch-step-preview")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Keep-in-touch step saved.")).to_be_visible()
    page.goto(f"{live_server.url}/o/{organization.slug}/experience/keep-in-touch/")
    expect(page.get_by_role("link", name="Three months on")).to_be_visible()
    screenshot(page, "keep-in-touch-steps")


def test_a_fundraiser_marks_a_task_done_on_a_phone(live_server, browser, riverside, screenshot):
    organization, _admin, fundraiser = riverside
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="en-GB")
    page = context.new_page()
    sign_in(page, live_server, fundraiser.email)
    page.goto(f"{live_server.url}/o/{organization.slug}/experience/keep-in-touch/tasks/")
    expect(page.get_by_role("link", name="Mary Jackson")).to_be_visible()
    screenshot(page, "keep-in-touch-tasks-phone")
    page.get_by_label("What happened (optional)").fill("Lovely chat")
    page.get_by_role("button", name="Done").click()
    expect(page.get_by_text("Done: Mary Jackson.")).to_be_visible()
    context.close()
