"""Recovery cases in the browser: the list, a case worked to "asked", the person's answer page,
the dashboard card and the contact panel, on a desktop and on a phone."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from stakeholders.experience import recovery
from stakeholders.experience.models import RecoveryCase
from stakeholders.models import Role
from stakeholders.tenancy.models import organization_scope
from tests.e2e.test_timeline import sign_in
from tests.factories import MembershipFactory, OrganizationFactory, RecoveryCaseFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def riverside():
    organization = OrganizationFactory(name="Riverside Food Bank", slug="riverside", country="GB")
    admin = MembershipFactory(
        organization=organization, user__email="amara@riverside.example.org", user__name="Amara"
    ).user
    MembershipFactory(organization=organization, role=Role.CASEWORKER, user__name="Chen")
    now = timezone.now()
    with organization_scope(organization):
        late = RecoveryCaseFactory(
            contact__organization=organization,
            contact__first_name="Fatima",
            contact__last_name="Adeyemi",
            area="client",
            owner=admin,
            summary="Satisfaction score: 1 — the parcel was missing half the items",
            opened_at=now - timedelta(days=2),
            respond_by=now - timedelta(hours=3),
            resolve_by=now - timedelta(hours=1),
        )
        recovery.case_add_note(
            organization=organization, case=late, actor=admin, note="Called her, apologised."
        )
        RecoveryCaseFactory(
            contact__organization=organization,
            contact__first_name="Björn",
            contact__last_name="Nguyen",
            area="donor",
            owner=admin,
            summary="Thank-you letter spelt his name wrong",
            respond_by=now + timedelta(hours=3),
        )
        asked = RecoveryCaseFactory(
            contact__organization=organization,
            contact__first_name="Sok",
            contact__last_name="Dara",
            area="volunteer",
            status=RecoveryCase.Status.ASKED,
        )
        token = recovery.answer_token(organization=organization, case=asked)
    return organization, admin, late, token


def test_recovery_pages(live_server, page, browser, riverside, screenshot):
    organization, admin, late, token = riverside
    base = f"{live_server.url}/o/{organization.slug}"
    sign_in(page, live_server, admin.email)
    page.goto(f"{base}/experience/recovery/")
    expect(page.get_by_role("heading", name="Recovery cases", level=1)).to_be_visible()
    expect(page.get_by_text("Overdue").first).to_be_visible()
    screenshot(page, "recovery-list")
    page.get_by_role("link", name="Satisfaction score: 1").click()
    expect(page.get_by_text("Called her, apologised.")).to_be_visible()
    screenshot(page, "recovery-detail")
    page.goto(f"{base}/")
    expect(page.get_by_role("heading", name="Your open recovery cases")).to_be_visible()
    screenshot(page, "recovery-dashboard")
    page.goto(f"{base}/contacts/{late.contact_id}/")
    expect(page.get_by_role("heading", name="Recovery cases")).to_be_visible()
    screenshot(page, "recovery-contact")

    phone = browser.new_context(viewport={"width": 390, "height": 844}, locale="en-GB")
    mobile = phone.new_page()
    sign_in(mobile, live_server, admin.email)
    mobile.goto(f"{base}/experience/recovery/")
    screenshot(mobile, "recovery-list-phone")
    mobile.goto(f"{base}/experience/recovery/{late.pk}/")
    screenshot(mobile, "recovery-detail-phone")
    phone.close()

    visitor = browser.new_context(viewport={"width": 390, "height": 844}, locale="en-GB")
    public = visitor.new_page()
    public.goto(f"{base}/experience/put-right/{token}/")
    expect(public.get_by_role("heading", name="Is this put right?")).to_be_visible()
    public.get_by_role("button", name="Send").click()
    expect(public.get_by_text("Choose yes or no.")).to_be_visible()
    screenshot(public, "recovery-answer-error")
    public.get_by_label("Yes, it is put right").check()
    public.get_by_role("button", name="Send").click()
    expect(public.get_by_role("heading", name="Thank you")).to_be_visible()
    screenshot(public, "recovery-answer-thanks")
    visitor.close()
