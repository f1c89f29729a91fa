"""The community's main flow in a browser (issue 20, point 11): a visitor joins with their email
(double opt-in: the link in the email confirms and signs them in), asks a question in a public
space, a staff expert answers it, and the asker accepts the answer — each step as people do
it, keyboard-friendly labels and buttons, in the organization's real pages. Screenshots in
``var/screenshots/community-flow-*.png``."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from community.models import CommunitySettings, Question
from stakeholders.tenancy.models import organization_scope
from tests.e2e.conftest import SCREENSHOTS
from tests.e2e.test_timeline import sign_in
from tests.factories import CommunitySpaceFactory, MembershipFactory, OrganizationFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def riverside(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.COMMUNITY_FORM_MIN_SECONDS = 0  # a browser fills the forms faster than a person
    organization = OrganizationFactory(name="Riverside Food Bank", slug="riverside", country="GB")
    expert = MembershipFactory(organization=organization, role="caseworker").user
    with organization_scope(organization):
        CommunitySettings.objects.create(
            organization=organization, enabled=True, approve_first_posts=0
        )
        CommunitySpaceFactory(organization=organization, name="Getting help", slug="help")
    return organization, expert


def test_join_ask_answer_accept(live_server, browser, riverside):
    organization, expert = riverside
    base = f"{live_server.url}/o/riverside/community"
    asker = browser.new_context(viewport={"width": 375, "height": 800}).new_page()

    # Join: email and a display name; the confirmation link comes by email.
    asker.goto(f"{base}/join/")
    asker.get_by_label("Your email address").fill("marigold@example.org")
    asker.get_by_label("Display name").fill("Marigold")
    asker.get_by_label(re.compile("I will be kind")).check()
    asker.get_by_role("button", name="Join").click()
    expect(asker.get_by_role("heading", level=1)).to_be_visible()
    (message,) = [m for m in mail.outbox if "marigold@example.org" in m.to]
    path = re.search(r"/o/riverside/community/join/[^\s/]+/", message.body).group(0)
    asker.goto(f"{live_server.url}{path}")
    # The link shows a button (a mail scanner following it confirms nothing); it signs in.
    asker.get_by_role("button", name=re.compile("confirm", re.I)).click()
    expect(asker.get_by_text("Welcome, Marigold!")).to_be_visible()
    asker.screenshot(path=SCREENSHOTS / "community-flow-1-joined.png", full_page=True)

    # Ask in the space.
    asker.goto(f"{base}/s/help/ask/")
    asker.get_by_label("Your question").fill("Can I collect a parcel for my neighbour?")
    asker.get_by_label("Details").fill("She can't walk to the centre. What should I bring?")
    asker.get_by_label("Tags").fill("food parcels, neighbours")
    asker.get_by_role("button", name="Post your question").click()
    expect(
        asker.get_by_role("heading", name="Can I collect a parcel for my neighbour?")
    ).to_be_visible()
    asker.screenshot(path=SCREENSHOTS / "community-flow-2-asked.png", full_page=True)
    with organization_scope(organization):
        question = Question.objects.get(organization=organization)
    assert question.status == "published"

    # A staff expert answers.
    staff = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    sign_in(staff, live_server, expert.email)
    staff.goto(f"{base}/q/{question.pk}/")
    staff.get_by_role("textbox", name="Your answer").fill(
        "Yes: bring a note from her with her name and address, and your own ID."
    )
    staff.get_by_role("button", name="Post your answer").click()
    expect(staff.get_by_text("Yes: bring a note from her")).to_be_visible()

    # The asker accepts it.
    asker.goto(f"{base}/q/{question.pk}/")
    asker.get_by_role("button", name="Accept this answer").click()
    expect(asker.get_by_role("button", name="Undo accept")).to_be_visible()
    asker.screenshot(path=SCREENSHOTS / "community-flow-3-accepted.png", full_page=True)
    with organization_scope(organization):
        question.refresh_from_db()
        assert question.accepted_answer is not None
        assert question.accepted_answer.author.is_expert
