"""Insights in the browser: what separates the satisfied (with its highlights and charts), the
top fives on the dashboard, and tagging a comment with the keyboard — on a desktop and a phone."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from stakeholders.experience import insights
from stakeholders.models import ComplaintCategory, Feedback
from stakeholders.tenancy.models import organization_scope
from tests.e2e.conftest import SCREENSHOTS
from tests.e2e.test_timeline import sign_in
from tests.factories import (
    ContactFactory,
    FeedbackFactory,
    MembershipFactory,
    OrganizationFactory,
    RequestCategoryFactory,
    ServiceRequestFactory,
)

SHOTS = SCREENSHOTS  # var/screenshots: looked at by whoever changes these pages

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def riverside():
    organization = OrganizationFactory(name="Riverside Food Bank", slug="riverside", country="GB")
    admin = MembershipFactory(
        organization=organization, user__email="amara@riverside.example.org", user__name="Amara"
    ).user
    with organization_scope(organization):
        waiting = ComplaintCategory.objects.create(organization=organization, name="Waiting times")
        evenings = ComplaintCategory.objects.create(
            organization=organization, name="Evening opening", kind="expectation"
        )
        housing = RequestCategoryFactory(organization=organization, name="Housing")
        benefits = RequestCategoryFactory(organization=organization, name="Benefits")
        for index, (score, hours, topic) in enumerate(
            [(5, 3, benefits)] * 6
            + [(4, 2, housing)]
            + [(1, 26, housing)] * 6
            + [(2, 30, benefits)]
        ):
            person = ContactFactory(organization=organization)
            request = ServiceRequestFactory(
                contact=person,
                category=topic,
                first_response_seconds=hours * 3600,
                created_at=timezone.now() - timedelta(days=20 + index * 9),
            )
            answer = FeedbackFactory(
                contact=person,
                related_kind="clients.request",
                related_id=request.pk,
                score=score,
                created_at=timezone.now() - timedelta(days=18 + index * 9),
                comment="Nobody called me back for days" if score < 3 else "",
            )
            if index % 3 == 0 and score < 3:
                insights.feedback_tag(organization=organization, feedback=answer, category=waiting)
        for days in (5, 40, 70):
            wish = FeedbackFactory(
                contact=ContactFactory(organization=organization),
                comment="Could you open in the evening?",
                created_at=timezone.now() - timedelta(days=days),
            )
            insights.feedback_tag(organization=organization, feedback=wish, category=evenings)
        FeedbackFactory(
            contact=ContactFactory(organization=organization, first_name="Ada", last_name="Okafor"),
            score=2,
            comment="The parcel was missing the rice.",
        )
    return organization, admin


def test_insights_page_and_tagging_a_comment(live_server, page, riverside):
    organization, admin = riverside
    sign_in(page, live_server, admin.email)
    page.goto(f"{live_server.url}/o/riverside/experience/insights/")
    expect(
        page.get_by_role("heading", name="What separates the satisfied from the rest")
    ).to_be_visible()
    expect(page.get_by_text("Time to first response: a median of 26 working hours")).to_be_visible()
    page.screenshot(path=SHOTS / "insights.png", full_page=True)

    page.goto(f"{live_server.url}/o/riverside/")
    expect(page.get_by_role("heading", name="Top five expectations")).to_be_visible()
    page.screenshot(path=SHOTS / "insights-dashboard.png", full_page=True)

    page.goto(f"{live_server.url}/o/riverside/experience/insights/comments/")
    page.wait_for_load_state()
    item = page.locator("li", has_text="The parcel was missing the rice.")
    item.get_by_label("Tag as").focus()
    page.keyboard.press("ArrowDown")  # the first complaint category (native select: keyboard)
    item.get_by_label("Tag as").select_option(label="Waiting times")
    item.get_by_role("button", name="Tag").press("Enter")
    expect(item.get_by_text("Tagged as Complaint: Waiting times")).to_be_visible()
    page.screenshot(path=SHOTS / "insights-comments.png", full_page=True)
    with organization_scope(organization):
        tagged = Feedback.objects.get(organization=organization, comment__startswith="The parcel")
        assert tagged.category.name == "Waiting times"


WIDE = (  # the elements reaching past a phone's width, when something does
    "[...document.querySelectorAll('body *')]"
    ".filter(e => e.getBoundingClientRect().right > 391).slice(0, 8)"
    ".map(e => e.tagName + '.' + e.className)"
)


def test_insights_on_a_phone(live_server, browser, riverside):
    _organization, admin = riverside
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="en-GB")
    page = context.new_page()
    sign_in(page, live_server, admin.email)
    page.goto(f"{live_server.url}/o/riverside/experience/insights/")
    expect(page.get_by_role("heading", name="Top five complaints")).to_be_visible()
    page.screenshot(path=SHOTS / "insights-phone.png", full_page=True)
    width = page.evaluate("document.documentElement.scrollWidth")
    wide = page.evaluate(WIDE)
    assert width <= 390, f"the page scrolls sideways ({width}px): {wide}"
    page.goto(f"{live_server.url}/o/riverside/experience/insights/comments/")
    page.screenshot(path=SHOTS / "insights-comments-phone.png", full_page=True)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page scrolls sideways ({width}px)"
    context.close()
