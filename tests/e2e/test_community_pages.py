"""The community in a browser (issue 20, point 11): every public page axe-clean (WCAG 2.1 A/AA)
at 375 and 1280 px without sideways scrolling, and a moderator's day done with the keyboard —
the dashboard card leads to the queue, a newcomer's held question is approved, a reported
answer is hidden with a reason, the member who posted it is blocked, a word is added to the
held list — each step in the audit log."""

import re

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from community.models import (
    Answer,
    CommunitySettings,
    ExpertSession,
    Idea,
    Member,
    MemberStatus,
    Notice,
    PostStatus,
    Question,
    Report,
)
from community.services import ideas as idea_services
from community.services import moderation, questions
from stakeholders.models import AuditEvent
from stakeholders.tenancy.models import organization_scope
from tests.e2e.conftest import SCREENSHOTS
from tests.e2e.test_accessibility import assert_accessible
from tests.e2e.test_timeline import sign_in
from tests.factories import (
    CommunityMemberFactory,
    CommunitySpaceFactory,
    MembershipFactory,
    OrganizationFactory,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
WIDE = "document.documentElement.scrollWidth"


@pytest.fixture
def community(settings):
    settings.COMMUNITY_FORM_MIN_SECONDS = 0
    organization = OrganizationFactory(name="Riverside Food Bank", slug="riverside", country="GB")
    admin = MembershipFactory(organization=organization, role="admin").user
    now = timezone.now()
    with organization_scope(organization):
        CommunitySettings.objects.create(organization=organization, enabled=True)
        space = CommunitySpaceFactory(organization=organization, name="Getting help", slug="help")
        regular = CommunityMemberFactory(organization=organization, approved_posts=5)
        newcomer = CommunityMemberFactory(organization=organization, display_name="Newcomer")
        question = questions.question_ask(
            organization=organization,
            member=regular,
            space=space,
            title="Is the food bank open on Friday afternoons?",
            body="I work until 2pm on Fridays. Can I still collect a parcel?",
            tags=["food-parcels", "opening-hours"],
            language="en",
        )
        answer = questions.answer_post(
            organization=organization,
            member=regular,
            question=question,
            body="Yes, until 6pm. Bring your referral letter the first time.",
        )
        rude = questions.answer_post(
            organization=organization,
            member=newcomer,
            question=question,
            body="Nobody there knows anything.",
        )
        moderation.approve(organization=organization, user=admin, kind="answer", post=rude)
        held = questions.question_ask(
            organization=organization,
            member=newcomer,
            space=space,
            title="Where do I register?",
            body="Call me on 07700 900123 please.",
            tags=[],
            language="en",
        )
        idea_services.idea_propose(
            organization=organization,
            space=space,
            member=regular,
            title="Open on Saturday mornings",
            body="Many of us work on weekdays.",
        )
        Notice.objects.create(
            organization=organization,
            title="Closed on Monday for the bank holiday",
            places=["community", "help"],
            ends_at=now + timezone.timedelta(days=3),
        )
        ExpertSession.objects.create(
            organization=organization,
            space=space,
            title="Ask a benefits adviser",
            host=admin,
            starts_at=now + timezone.timedelta(days=2),
            ends_at=now + timezone.timedelta(days=2, hours=1),
        )
    return organization, admin, question, answer, rude, held, newcomer


def test_public_pages_are_accessible_at_phone_and_desktop_widths(live_server, browser, community):
    _organization, _admin, question, *_rest = community
    base = f"{live_server.url}/o/riverside/community"
    pages = [
        "/",
        "/s/help/",
        "/s/help/?q=parcel",
        f"/q/{question.pk}/",
        "/join/",
        "/sign-in/",
        "/s/help/ideas/",
        "/sessions/",
    ]
    for width in (375, 1280):
        context = browser.new_context(viewport={"width": width, "height": 900})
        page = context.new_page()
        for path in pages:
            response = page.goto(f"{base}{path}")
            assert response.status == 200, (path, response.status)
            assert_accessible(page, f"{path} at {width}px")
            assert page.evaluate(WIDE) <= width, f"{path} scrolls sideways at {width}px"
        page.goto(f"{base}/q/{question.pk}/")
        page.screenshot(path=SCREENSHOTS / f"community-question-{width}.png", full_page=True)
        context.close()


def test_a_member_signs_in_and_asks_with_the_keyboard_on_accessible_pages(
    live_server, browser, community, settings
):
    """The signed-in member's pages (ask, their settings, an idea, a question with the answer
    form) are axe-clean at both widths; signing in and asking are done with the keyboard."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    organization, _admin, question, *_rest = community
    with organization_scope(organization):
        member = Member.objects.exclude(display_name="Newcomer").get(organization=organization)
        idea = Idea.objects.get(organization=organization)
    base = f"{live_server.url}/o/riverside/community"
    page = browser.new_context(viewport={"width": 375, "height": 900}).new_page()
    page.goto(f"{base}/sign-in/")
    page.get_by_label("Your email address").focus()
    page.keyboard.type(member.email)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    links = [
        found.group(0)
        for m in mail.outbox
        if member.email in m.to
        and (found := re.search(r"/o/riverside/community/sign-in/[^\s/]+/", m.body))
    ]
    (link,) = links
    page.goto(f"{live_server.url}{link}")
    button = page.get_by_role("button").filter(has_text=re.compile("sign in", re.I)).first
    button.focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    for width in (375, 1280):
        page.set_viewport_size({"width": width, "height": 900})
        for path in ("/s/help/ask/", "/me/", f"/s/help/ideas/{idea.pk}/", f"/q/{question.pk}/"):
            assert page.goto(f"{base}{path}").status == 200, path
            assert_accessible(page, f"{path} signed in at {width}px")
            assert page.evaluate(WIDE) <= width, f"{path} scrolls sideways at {width}px"
    page.goto(f"{base}/s/help/ask/")
    page.get_by_label("Your question").focus()
    page.keyboard.type("Do you deliver parcels to people who can't travel?")
    page.keyboard.press("Tab")
    page.keyboard.type("My mother is housebound since her operation.")
    page.get_by_role("button", name="Post your question").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(
        page.get_by_role("heading", name="Do you deliver parcels to people who can't travel?")
    ).to_be_visible()


def test_a_moderators_day_with_the_keyboard(live_server, page, community):
    organization, admin, question, _answer, rude, held, newcomer = community
    sign_in(page, live_server, admin.email)
    page.goto(f"{live_server.url}/o/riverside/")
    # The navigation and the dashboard's card lead to the queue.
    expect(page.locator('a[href="/o/riverside/community/manage/"]').first).to_be_visible()
    page.goto(f"{live_server.url}/o/riverside/community/manage/")
    assert_accessible(page, "moderation queue")
    expect(page.get_by_role("link", name="Where do I register?", exact=True)).to_be_visible()
    expect(page.get_by_text("first posts of a new member").first).to_be_visible()

    # Approve the newcomer's question with the keyboard.
    approve = page.get_by_role("button", name="Approve").first
    approve.focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    with organization_scope(organization):
        assert Question.objects.get(pk=held.pk).status == PostStatus.PUBLISHED

    # Three visitors report the rude answer: it is hidden until reviewed; the moderator agrees
    # and keeps it hidden, with a reason (the reports are resolved).
    with organization_scope(organization):
        for address in ("192.0.2.1", "192.0.2.2", "192.0.2.3"):
            moderation.report_post(
                organization=organization,
                kind="answer",
                post=Answer.objects.get(pk=rude.pk),
                reason="Rude",
                address=address,
            )
        assert Answer.objects.get(pk=rude.pk).status == PostStatus.HIDDEN
    page.goto(f"{live_server.url}/o/riverside/community/manage/?view=reports")
    assert_accessible(page, "reports")
    page.goto(f"{live_server.url}/o/riverside/community/manage/posts/answer/{rude.pk}/")
    assert_accessible(page, "a reported answer")
    page.get_by_label("Reason", exact=True).fill("Unkind to the volunteers.")
    with page.expect_navigation():
        page.get_by_role("button", name="Keep it hidden").press("Enter")

    # Block the member who wrote it.
    page.goto(f"{live_server.url}/o/riverside/community/manage/members/{newcomer.pk}/")
    assert_accessible(page, "a member")
    page.get_by_label("Reason").fill("Repeated unkind posts.")
    with page.expect_navigation():
        page.get_by_role("button", name="Block the member").press("Enter")
    expect(page.get_by_text("Blocked").first).to_be_visible()

    # Hold a word from now on.
    page.goto(f"{live_server.url}/o/riverside/community/manage/settings/")
    assert_accessible(page, "community settings")
    page.get_by_label("Words that hold a post for moderation").fill("idiot")
    with page.expect_navigation():
        page.get_by_role("button", name="Save").press("Enter")
    page.screenshot(path=SCREENSHOTS / "community-moderators-day.png", full_page=True)

    with organization_scope(organization):
        assert Member.objects.get(pk=newcomer.pk).status == MemberStatus.BLOCKED
        assert Answer.objects.get(pk=rude.pk).status == PostStatus.HIDDEN
        assert not Report.objects.filter(answer=rude, resolved_at__isnull=True).exists()
        assert CommunitySettings.objects.get(organization=organization).held_words == "idiot"
        actions = list(
            AuditEvent.objects.filter(organization=organization)
            .order_by("id")
            .values_list("action", flat=True)
        )
    assert actions.count("community.moderation") >= 3  # approve, hide, block
    assert "organization.settings" in actions
    assert question.pk  # the page of the question the answer was on still opens
