"""Staff see which languages an impact story misses and add a Persian version from the panel."""

import pytest
from playwright.sync_api import expect

from donors.models import ImpactStory
from stakeholders.tenancy.models import organization_scope
from tests.e2e.test_timeline import sign_in
from tests.factories import ImpactStoryFactory, MembershipFactory, OrganizationFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_the_languages_panel_adds_a_version(live_server, page, screenshot):
    organization = OrganizationFactory(
        name="Riverside Food Bank", slug="riverside", other_languages=["fa", "km", "fr"]
    )
    staff = MembershipFactory(organization=organization, role="fundraiser").user
    with organization_scope(organization):
        story = ImpactStoryFactory(organization=organization, title="Forty families fed")
    sign_in(page, live_server, staff.email)
    page.goto(f"{live_server.url}/o/riverside/donors/stories/{story.pk}/")
    panel = page.get_by_role("complementary", name="Languages")
    expect(panel.get_by_role("button", name="Add Persian version")).to_be_visible()
    screenshot(page, "versions-panel")
    panel.get_by_role("button", name="Add Persian version").click()
    expect(page.get_by_label("Title")).to_have_value("Forty families fed")  # to translate
    with organization_scope(organization):
        assert ImpactStory.objects.get(original=story).language == "fa"
