"""axe-core (WCAG 2 A/AA rules) on the pages people use most: no violations allowed."""

from decimal import Decimal
from urllib.parse import urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.utils import timezone

from donors import services as donor_services
from stakeholders import services
from stakeholders.tenancy.models import organization_scope
from tests.e2e.test_timeline import sign_in
from tests.factories import MembershipFactory, OrganizationFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
AXE = Axe()


@pytest.fixture
def data():
    organization = OrganizationFactory(name="Riverside Food Bank", slug="riverside", country="GB")
    admin = MembershipFactory(organization=organization, role="admin").user
    with organization_scope(organization):
        ada = services.contact_create(
            organization=organization,
            first_name="Ada",
            last_name="Lovelace",
            email="ada@example.org",
        )
        services.interaction_log(
            organization=organization,
            contact=ada,
            staff=admin,
            channel="phone",
            subject="Thank-you call",
        )
        donor_services.gift_record(
            organization=organization,
            contact=ada,
            amount=Decimal("40"),
            received_on=timezone.localdate(),
        )
    return organization, admin, ada


def assert_accessible(page, name):
    results = AXE.run(
        page,
        options={
            "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}
        },
    )
    assert results.violations_count == 0, f"{name}:\n{results.generate_report()}"


def test_the_checker_catches_a_violation(page):
    page.set_content("<html><body><input type='text'><img src='x.png'></body></html>")
    assert AXE.run(page).violations_count >= 2  # no lang, unlabeled input, image without alt


def test_staff_pages_have_no_accessibility_violations(live_server, page, data):
    _organization, admin, ada = data
    page.goto(f"{live_server.url}/accounts/login/")
    assert_accessible(page, "login")
    sign_in(page, live_server, admin.email)
    for path in [
        "/o/riverside/",
        "/o/riverside/contacts/",
        f"/o/riverside/contacts/{ada.pk}/",
        "/o/riverside/interactions/log/",
        "/o/riverside/follow-ups/",
        "/o/riverside/contacts/import/",
        "/o/riverside/donors/",
        "/o/riverside/donors/gifts/new/",
        "/o/riverside/donors/gifts/new/one/",
        "/o/riverside/donors/funds/",
        "/o/riverside/donors/welcome-calls/?manager=all",
        "/o/riverside/thank-yous/",
        "/o/riverside/thank-yous/templates/",
        "/o/riverside/settings/",
        "/o/riverside/settings/members/",
        "/o/riverside/settings/tokens/",
    ]:
        page.goto(live_server.url + path)
        assert_accessible(page, path)
    # A template with its live preview (made on the templates page's first visit).
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Thank-yous").click()
    page.get_by_role("link", name="Templates").click()
    page.get_by_role("link", name="Thank you for your gift").click()
    page.frame_locator("iframe.email-preview").get_by_text("Subject:").wait_for()
    assert_accessible(page, "thank-you template")


def test_public_pages_have_no_accessibility_violations(live_server, page, data):
    organization, _admin, ada = data
    link = urlsplit(donor_services.impact_url(organization=organization, contact=ada))
    page.goto(f"{live_server.url}{link.path}?{link.query}")
    assert_accessible(page, "impact page")
    page.goto(f"{live_server.url}/o/riverside/donors/impact/?t=expired")
    assert_accessible(page, "expired link")


def test_client_pages_have_no_accessibility_violations(live_server, page, data):
    from clients import services as client_services
    from tests.factories import ArticleCategoryFactory, ArticleFactory

    organization, admin, ada = data
    with organization_scope(organization):
        request = client_services.request_create(
            organization=organization,
            contact=ada,
            subject="My food parcel did not arrive",
            description="It was due on Tuesday.",
            channel="phone",
            kind="complaint",
        )
        article = client_services.article_save(
            organization=organization,
            article=ArticleFactory.build(
                organization=organization,
                category=ArticleCategoryFactory(organization=organization, name="Food"),
                title="How to get a food parcel",
            ),
            actor=admin,
        )
        status_link = urlsplit(
            client_services.status_url(organization=organization, request=request)
        )
        confirm_link = urlsplit(
            client_services.confirm_url(organization=organization, request=request)
        )
    for path in [
        "/o/riverside/help/",
        "/o/riverside/help/?q=parcel",
        f"/o/riverside/help/articles/{article.pk}/",
        "/o/riverside/help/request/",
        confirm_link.path,
        f"{status_link.path}?{status_link.query}",
    ]:
        page.goto(live_server.url + path)
        assert_accessible(page, path)
    sign_in(page, live_server, admin.email)
    for path in [
        "/o/riverside/clients/",
        f"/o/riverside/clients/requests/{request.pk}/",
        "/o/riverside/clients/requests/new/",
        "/o/riverside/clients/reports/",
        "/o/riverside/clients/settings/",
        "/o/riverside/clients/articles/",
        f"/o/riverside/clients/articles/{article.pk}/",
        "/o/riverside/clients/programmes/",
        f"/o/riverside/clients/contacts/{ada.pk}/services/",
        "/o/riverside/clients/access-log/",
    ]:
        page.goto(live_server.url + path)
        assert_accessible(page, path)


def test_volunteer_pages_have_no_accessibility_violations(live_server, page, data):
    from datetime import timedelta

    from tests.factories import (
        AssignmentFactory,
        OpportunityFactory,
        ShiftFactory,
        TrainingFactory,
        VolunteerProfileFactory,
    )
    from volunteers import services as volunteer_services
    from volunteers.models import Skill

    organization, admin, _ada = data
    with organization_scope(organization):
        Skill.objects.create(organization=organization, name="Cooking")
        TrainingFactory(organization=organization, name="Food hygiene")
        volunteer = VolunteerProfileFactory(contact__organization=organization)
        kitchen = OpportunityFactory(organization=organization, title="Community kitchen")
        start = timezone.now() + timedelta(days=2)
        shift = ShiftFactory(
            organization=organization,
            opportunity=kitchen,
            starts_at=start,
            ends_at=start + timedelta(hours=3),
        )
        AssignmentFactory(organization=organization, shift=shift, profile=volunteer)
        portal = urlsplit(
            volunteer_services.portal_url(organization=organization, profile=volunteer)
        )
    page.goto(f"{live_server.url}/o/riverside/volunteer/")
    assert_accessible(page, "signup form")
    page.get_by_role("button", name="Sign up to volunteer").click()  # errors shown
    assert_accessible(page, "signup with errors")
    for path in ["/o/riverside/volunteer/embed/", "/o/riverside/volunteer/portal/"]:
        page.goto(live_server.url + path)
        assert_accessible(page, path)
    page.goto(f"{live_server.url}{portal.path}")
    assert_accessible(page, "portal link")
    page.get_by_role("button", name="Open my volunteer page").click()
    for path in [
        "/o/riverside/volunteer/portal/",
        "/o/riverside/volunteer/portal/shifts/",
        "/o/riverside/volunteer/portal/hours/",
        "/o/riverside/volunteer/portal/preferences/",
    ]:
        page.goto(live_server.url + path)
        assert_accessible(page, path)
    sign_in(page, live_server, admin.email)
    for path in [
        "/o/riverside/volunteers/",
        "/o/riverside/volunteers/people/",
        f"/o/riverside/volunteers/people/{volunteer.pk}/",
        "/o/riverside/volunteers/opportunities/",
        f"/o/riverside/volunteers/opportunities/{kitchen.pk}/",
        f"/o/riverside/volunteers/opportunities/{kitchen.pk}/matches/",
        f"/o/riverside/volunteers/shifts/{shift.pk}/",
        "/o/riverside/volunteers/hours/",
        "/o/riverside/volunteers/trainings/",
        "/o/riverside/volunteers/settings/",
    ]:
        page.goto(live_server.url + path)
        assert_accessible(page, path)
