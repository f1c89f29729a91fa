"""Community insights in the browser: the rising topics (examples for a caseworker, counts only
for a fundraiser), the activity charts with their tables, and the dashboard card — axe-clean on a
desktop and a phone, in English and in Persian (right to left)."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from community.models import Vote
from community.services import trends
from stakeholders.tenancy.models import organization_scope
from tests.e2e.conftest import SCREENSHOTS
from tests.e2e.test_accessibility import assert_accessible
from tests.e2e.test_experience_insights import WIDE
from tests.e2e.test_timeline import sign_in
from tests.factories import (
    CommunityAnswerFactory,
    CommunityMemberFactory,
    CommunityQuestionFactory,
    CommunitySpaceFactory,
    MembershipFactory,
    OrganizationFactory,
    RequestCategoryFactory,
    ServiceRequestFactory,
    UserFactory,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
URL = "/o/riverside/community/manage/insights/"


@pytest.fixture
def riverside():
    organization = OrganizationFactory(name="Riverside Food Bank", slug="riverside", country="GB")
    admin = MembershipFactory(organization=organization, role="admin").user
    fundraiser = MembershipFactory(organization=organization, role="fundraiser").user
    now = timezone.now()
    this_week = datetime.combine(
        trends.week_start_of(organization=organization, moment=now),
        time.min,
        tzinfo=ZoneInfo(organization.timezone),
    )

    def lately(n):
        """Earlier this week, newest first: in the report's week at any hour (hours before a
        Monday morning's run would be last week's)."""
        return this_week + (now - this_week) * (0.9 - 0.1 * n)

    with organization_scope(organization):
        space = CommunitySpaceFactory(organization=organization, name="Getting help", slug="help")
        members = [
            CommunityMemberFactory(organization=organization, display_name=name, reputation=rep)
            for name, rep in (("Marigold", 12), ("Rowan", 31), ("Juniper", 4), ("Ilse", 0))
        ]
        expert = CommunityMemberFactory(
            organization=organization,
            contact=None,
            user=UserFactory(),
            email="sam@riverside.example.org",
            display_name="Sam (team)",
            reputation=48,
        )
        for month in range(6):
            asked = now - timedelta(days=30 * month + 2)
            for n in range(month % 3 + 2):
                question = CommunityQuestionFactory(
                    space=space,
                    author=members[n % 4],
                    title=f"Opening hours over the holidays? ({month}-{n})",
                    tags=["opening-hours"],
                    created_at=asked,
                    first_answer_at=asked + timedelta(hours=2 + 3 * n),
                )
                CommunityAnswerFactory(
                    question=question,
                    author=expert if n % 2 else members[(n + 1) % 4],
                    created_at=asked + timedelta(hours=2 + 3 * n),
                )
                Vote.objects.create(
                    organization=organization,
                    member=members[3],
                    question=question,
                    created_at=asked,
                )
        for n, title in enumerate(
            [
                "Winter coat collection: where do I drop off?",
                "Is there a winter coat drive this year?",
                "Winter coats for children",
                "Coat sizes for the winter appeal",
            ]
        ):
            CommunityQuestionFactory(
                space=space,
                author=members[n],
                title=title,
                tags=["winter-appeal"],
                created_at=lately(n),
            )
        tenancy = RequestCategoryFactory(organization=organization, name="Tenancy")
        for n, subject in enumerate(
            [
                "Eviction notice from my landlord",
                "Landlord eviction next week",
                "Eviction: what are my rights?",
            ]
        ):
            ServiceRequestFactory(
                contact__organization=organization,
                subject=subject,
                category=tenancy,
                created_at=lately(n),
            )
        trends.report_current_week(organization=organization)
    return organization, admin, fundraiser


def test_insights_page_on_a_desktop_with_examples_for_an_admin(live_server, page, riverside):
    _organization, admin, _fundraiser = riverside
    sign_in(page, live_server, admin.email)
    page.goto(f"{live_server.url}{URL}")
    expect(page.get_by_role("heading", name="Rising topics", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="Landlord eviction next week").first).to_be_visible()
    expect(page.get_by_role("heading", name="Active members by month")).to_be_visible()
    page.screenshot(path=SCREENSHOTS / "insights-community-1280.png", full_page=True)
    assert_accessible(page, "community insights")
    page.goto(f"{live_server.url}/o/riverside/")
    card = page.locator("section", has=page.get_by_role("heading", name="Rising topics"))
    expect(card.get_by_text("winter", exact=True)).to_be_visible()
    card.screenshot(path=SCREENSHOTS / "insights-community-card.png")

    # Update now with the keyboard
    page.goto(f"{live_server.url}{URL}")
    page.get_by_role("button", name="Update this week's report").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_text("This week's report is up to date.")).to_be_visible()


def test_insights_on_a_phone_for_a_fundraiser_and_in_persian(live_server, browser, riverside):
    _organization, admin, fundraiser = riverside
    context = browser.new_context(viewport={"width": 375, "height": 812}, locale="en-GB")
    page = context.new_page()
    sign_in(page, live_server, fundraiser.email)
    page.goto(f"{live_server.url}{URL}")
    expect(page.get_by_role("heading", name="Who answers first")).to_be_visible()
    assert page.get_by_text("Landlord eviction next week").count() == 0  # not for fundraisers
    expect(page.locator('tr[data-topic="eviction"]')).to_have_count(1)
    page.screenshot(path=SCREENSHOTS / "insights-community-375.png", full_page=True)
    assert_accessible(page, "community insights on a phone")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"the page scrolls sideways ({width}px): {page.evaluate(WIDE)}"
    context.close()

    # Signed in (in English), then reading in Persian: the browser asks for it
    signed_in = browser.new_context(locale="en-GB")
    sign_in(signed_in.new_page(), live_server, admin.email)
    state = signed_in.storage_state()
    signed_in.close()
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, locale="fa-IR", storage_state=state
    )
    page = context.new_page()
    page.goto(f"{live_server.url}{URL}")
    assert page.locator("html").get_attribute("dir") == "rtl"
    page.screenshot(path=SCREENSHOTS / "insights-community-fa.png", full_page=True)
    context.close()
