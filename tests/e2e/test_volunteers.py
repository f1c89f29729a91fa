"""A newcomer signs up to volunteer on a phone, confirms the address from the real email, opens
the portal from the welcome email, takes a shift and logs hours; a bot's fast post and a filled
honeypot leave nothing behind."""

import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.utils import timezone
from django_scopes import scopes_disabled
from playwright.sync_api import expect

from stakeholders.models import Contact, Role
from stakeholders.tenancy.models import organization_scope
from tests.factories import MembershipFactory, OpportunityFactory, OrganizationFactory, ShiftFactory
from volunteers.models import Assignment, HoursEntry, PendingSignup, Skill, VolunteerProfile

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def riverside():
    organization = OrganizationFactory(name="Riverside Food Bank", slug="riverside", country="GB")
    coordinator = MembershipFactory(organization=organization, role=Role.VOLUNTEER_COORDINATOR).user
    with organization_scope(organization):
        Skill.objects.create(organization=organization, name="Cooking")
        Skill.objects.create(organization=organization, name="Driving")
        kitchen = OpportunityFactory(
            organization=organization, title="Community kitchen", location="12 Mill Lane"
        )
        start = timezone.now() + timedelta(days=2)
        shift = ShiftFactory(
            organization=organization,
            opportunity=kitchen,
            starts_at=start,
            ends_at=start + timedelta(hours=3),
            capacity=2,
        )
    return organization, coordinator, shift


def local(live_server, url):
    parts = urlsplit(url)
    return f"{live_server.url}{parts.path}" + (f"?{parts.query}" if parts.query else "")


def no_sideways_scroll(page):
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_newcomer_signs_up_confirms_takes_a_shift_and_logs_hours(
    live_server, browser, riverside, mailbox, settings, screenshot
):
    settings.VOLUNTEER_SIGNUP_MIN_SECONDS = 1
    organization, coordinator, shift = riverside
    context = browser.new_context(viewport=PHONE, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{live_server.url}/o/riverside/volunteer/")
    expect(page.get_by_role("heading", name="Volunteer with Riverside Food Bank")).to_be_visible()
    no_sideways_scroll(page)
    page.get_by_label("First name").fill("Amara")
    page.get_by_label("Last name").fill("Okafor")
    page.get_by_label(re.compile(r"^Email:?$")).fill("amara@example.org")
    page.get_by_label(re.compile(r"^Phone:?$")).fill("07911 123456")
    page.get_by_role("group", name="Skills").get_by_label("Cooking").check()
    page.get_by_label("Saturday Morning").check()
    page.get_by_label("Saturday Afternoon").check()
    page.get_by_label("How did you hear about us?").select_option("friend")
    guardian = page.get_by_role("group", name="If you are under 18")
    expect(guardian).to_be_hidden()  # asked only of people under 18
    page.get_by_label("I am under 18").check()
    expect(guardian).to_be_visible()
    page.get_by_label("I am under 18").uncheck()
    page.get_by_label(re.compile("^I agree that")).check()
    screenshot(page, "volunteer-signup-phone")
    page.wait_for_timeout(1100)  # people take a moment; bots don't
    page.get_by_role("button", name="Sign up to volunteer").click()
    expect(page.get_by_role("heading", name="Thank you! Please check your inbox")).to_be_visible()

    [confirmation] = mailbox.to("amara@example.org")
    link = next(u for u in mailbox.links(confirmation) if "/volunteer/confirm/" in u)
    page.goto(local(live_server, link))
    page.get_by_role("button", name="Confirm and sign up").click()
    expect(page.get_by_role("heading", name="Welcome, Amara!")).to_be_visible()
    welcome = mailbox.to("amara@example.org")[-1]
    portal_link = next(u for u in mailbox.links(welcome) if "/volunteer/portal/enter/" in u)
    assert mailbox.to(coordinator.email), "the coordinator is told"

    # the portal, opened from the email in a fresh browser (no session yet)
    context.close()
    context = browser.new_context(viewport=PHONE, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(15_000)
    # the used confirmation link (a forwarded email) says so and opens no portal
    page.goto(local(live_server, link))
    expect(page.get_by_text("Your address was already confirmed")).to_be_visible()
    no_sideways_scroll(page)
    screenshot(page, "volunteer-confirm-used-link-phone")
    page.get_by_role("link", name="Email me a link").click()
    expect(page.get_by_role("button", name="Send me a link")).to_be_visible()
    page.goto(local(live_server, portal_link))
    page.get_by_role("button", name="Open my volunteer page").click()  # the press spends it
    expect(page.get_by_role("heading", name="Hello, Amara")).to_be_visible()
    no_sideways_scroll(page)
    screenshot(page, "volunteer-portal-home-phone")
    page.get_by_role("navigation", name="Your volunteering").get_by_role(
        "link", name="Shifts"
    ).click()
    expect(page.get_by_role("heading", name="Community kitchen")).to_be_visible()
    page.get_by_role("button", name=re.compile("^Sign up")).click()
    expect(page.get_by_text("You're on the shift. See you there!")).to_be_visible()
    screenshot(page, "volunteer-portal-shifts-phone")
    no_sideways_scroll(page)

    page.get_by_role("link", name="Log hours").click()
    page.get_by_label("Date").fill(timezone.localdate().isoformat())
    page.get_by_label("Hours").fill("2.5")
    page.get_by_label("What did you do?").fill("Sorted the food donations")
    page.get_by_role("button", name="Log hours").click()
    expect(page.get_by_text("A coordinator will confirm your hours")).to_be_visible()
    expect(page.get_by_role("cell", name="Waiting for approval")).to_be_visible()
    screenshot(page, "volunteer-portal-hours-phone")
    context.close()

    with organization_scope(organization):
        contact = Contact.objects.get(email="amara@example.org")
        profile = VolunteerProfile.objects.get(contact=contact)
        assert contact.is_volunteer and contact.mobile == "+447911123456"
        assert Assignment.objects.get(profile=profile).shift_id == shift.pk
        entry = HoursEntry.objects.get(profile=profile)
        assert (str(entry.hours), entry.status) == ("2.50", "pending")


def test_a_fast_bot_and_a_filled_honeypot_create_nothing(live_server, page, riverside, settings):
    settings.VOLUNTEER_SIGNUP_MIN_SECONDS = 60

    def fill(email):
        page.goto(f"{live_server.url}/o/riverside/volunteer/")
        page.get_by_label("First name").fill("Bot")
        page.get_by_label("Last name").fill("Net")
        page.get_by_label(re.compile(r"^Email:?$")).fill(email)
        page.get_by_label(re.compile("^I agree that")).check()

    fill("fast@example.org")
    page.get_by_role("button", name="Sign up to volunteer").click()
    expect(page.get_by_role("alert")).to_contain_text("That was very quick")

    settings.VOLUNTEER_SIGNUP_MIN_SECONDS = 0
    fill("honey@example.org")
    page.evaluate("document.getElementById('id_website').value = 'http://spam.example'")
    page.get_by_role("button", name="Sign up to volunteer").click()
    expect(page.get_by_role("heading", name="Thank you! Please check your inbox")).to_be_visible()

    with scopes_disabled():
        assert not PendingSignup.objects.exists()
        assert not Contact.objects.exists()


def test_coordinator_finds_who_fits_and_takes_attendance(live_server, page, riverside, screenshot):
    from tests.e2e.test_timeline import sign_in
    from tests.factories import AssignmentFactory, VolunteerProfileFactory

    organization, coordinator, shift = riverside
    with organization_scope(organization):
        cooking = Skill.objects.get(name="Cooking")
        ada = VolunteerProfileFactory(
            contact__organization=organization,
            contact__first_name="Ada",
            contact__last_name="Lovelace",
        )
        ada.skills.add(cooking, through_defaults={"organization": organization})
        shift.opportunity.skills.add(cooking, through_defaults={"organization": organization})
        VolunteerProfileFactory(
            contact__organization=organization,
            contact__first_name="Newbie",
            status=VolunteerProfile.Status.APPLICANT,
        )
        earlier = ShiftFactory(
            organization=organization,
            opportunity=shift.opportunity,
            starts_at=timezone.now() - timedelta(hours=4),
            ends_at=timezone.now() - timedelta(hours=1),
        )
        AssignmentFactory(organization=organization, shift=earlier, profile=ada)
    sign_in(page, live_server, coordinator.email)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Volunteers").click()
    expect(page.get_by_role("heading", name="New signups to review")).to_be_visible()
    screenshot(page, "volunteers-overview")
    page.goto(
        f"{live_server.url}/o/riverside/volunteers/opportunities/{shift.opportunity_id}/matches/"
    )
    first = page.get_by_role("row").nth(1)
    expect(first).to_contain_text("Ada Lovelace")
    expect(first).to_contain_text("Skills: Cooking")
    screenshot(page, "volunteers-matching")
    page.goto(f"{live_server.url}/o/riverside/volunteers/shifts/{earlier.pk}/")
    page.get_by_role("button", name="Attended Ada Lovelace").click()
    expect(page.get_by_role("button", name="Attended Ada Lovelace")).to_have_attribute(
        "aria-pressed", "true"
    )
    screenshot(page, "volunteers-shift-roster")
    with organization_scope(organization):
        assert HoursEntry.objects.get(profile=ada).status == "approved"
    page.goto(f"{live_server.url}/o/riverside/volunteers/people/{ada.pk}/")
    expect(page.get_by_text("First shift")).to_be_visible()  # the milestone, reached just now
    screenshot(page, "volunteers-profile")
    page.goto(f"{live_server.url}/o/riverside/")
    expect(page.get_by_role("heading", name="Hours this month")).to_be_visible()
    screenshot(page, "dashboard-with-volunteers")
