"""Surveys in the browser: the rules with their response rates, the rule form, the settings, and
the person's answer page (opened from a score link, sent, in Persian right to left), on a
desktop and on a phone."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from stakeholders.experience import surveys
from stakeholders.models import Role
from stakeholders.tenancy.models import organization_scope
from tests.e2e.test_timeline import sign_in
from tests.factories import (
    ContactFactory,
    MembershipFactory,
    OrganizationFactory,
    SurveyInvitationFactory,
    SurveyRuleFactory,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def riverside():
    organization = OrganizationFactory(name="Riverside Food Bank", slug="riverside", country="GB")
    admin = MembershipFactory(
        organization=organization, user__email="amara@riverside.example.org", user__name="Amara"
    ).user
    MembershipFactory(organization=organization, role=Role.FUNDRAISER, user__name="Ben")
    now = timezone.now()
    calls = SurveyRuleFactory(
        organization=organization, name="After a phone call", interaction_channel="phone"
    )
    shifts = SurveyRuleFactory(
        organization=organization,
        name="After a shift",
        touchpoint="volunteers.shift_completed",
        interaction_channel="",
        ask_ces=True,
        ask_nps=True,
    )
    SurveyRuleFactory(
        organization=organization,
        name="After help with a request",
        touchpoint="clients.request_resolved",
        interaction_channel="",
        is_active=False,
    )
    answers = [
        (calls, "Fatima", {"csat": 5}, "Ben was so patient on the phone."),
        (calls, "Björn", {"csat": 2}, "Nobody called me back for a week."),
        (shifts, "Sok", {"csat": 4, "ces": 2, "nps": 9}, ""),
        (shifts, "Aigerim", {"csat": 5, "ces": 1, "nps": 10}, "Lovely team, I'll be back."),
    ]
    with organization_scope(organization):
        for rule, name, scores, comment in answers:
            invitation = SurveyInvitationFactory(
                rule=rule,
                contact__first_name=name,
                contact__last_name="Example",
                sent_at=now - timedelta(days=2),
            )
            surveys.survey_answer(
                organization=organization, invitation=invitation, scores=scores, comment=comment
            )
        for _i in range(3):
            SurveyInvitationFactory(rule=calls, sent_at=now - timedelta(days=1))
        person = ContactFactory(
            organization=organization, first_name="Dara", preferred_language="fa"
        )
        asked = SurveyInvitationFactory(rule=shifts, contact=person)
        token = surveys.answer_token(organization=organization, invitation=asked, score=4)
        english = SurveyInvitationFactory(rule=shifts)
        english_token = surveys.answer_token(organization=organization, invitation=english, score=5)
    return organization, admin, token, english_token


def test_survey_pages(live_server, page, browser, riverside, screenshot):
    organization, admin, token, english_token = riverside
    base = f"{live_server.url}/o/{organization.slug}"
    sign_in(page, live_server, admin.email)
    page.goto(f"{base}/experience/surveys/")
    expect(page.get_by_role("heading", name="Surveys", level=1)).to_be_visible()
    expect(page.get_by_text("Lovely team, I'll be back.")).to_be_visible()
    screenshot(page, "surveys-list")
    page.get_by_role("link", name="New survey").click()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("This field is required.").first).to_be_visible()
    screenshot(page, "surveys-form-errors")
    page.goto(f"{base}/experience/surveys/settings/")
    screenshot(page, "surveys-settings")

    phone = browser.new_context(viewport={"width": 390, "height": 844}, locale="en-GB")
    mobile = phone.new_page()
    sign_in(mobile, live_server, admin.email)
    mobile.goto(f"{base}/experience/surveys/")
    screenshot(mobile, "surveys-list-phone")
    phone.close()

    visitor = browser.new_context(viewport={"width": 390, "height": 844}, locale="en-GB")
    public = visitor.new_page()
    public.goto(f"{base}/experience/survey/{english_token}/")
    expect(public.get_by_role("heading", name="How did we do?")).to_be_visible()
    screenshot(public, "surveys-answer")
    public.get_by_role("button", name="Send").click()
    expect(public.get_by_role("heading", name="Thank you")).to_be_visible()
    public.goto(f"{base}/experience/survey/{token}/")
    expect(public.locator("html")).to_have_attribute("dir", "rtl")
    screenshot(public, "surveys-answer-fa")
    visitor.close()
