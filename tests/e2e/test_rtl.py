"""Persian reads right to left: the pages staff and the public use most, on a phone and on a
desktop, are mirrored (``dir="rtl"``), fit the screen without sideways scrolling, keep Latin
names, emails, phone numbers and amounts readable inside Persian text, and pass axe."""

from datetime import timedelta
from decimal import Decimal
from urllib.parse import urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.utils import timezone

from donors import services as donor_services
from stakeholders import services
from stakeholders.tenancy.models import organization_scope
from tests.factories import (
    PASSWORD,
    ArticleCategoryFactory,
    ArticleFactory,
    FundFactory,
    HoursEntryFactory,
    ImpactStoryFactory,
    MembershipFactory,
    OpportunityFactory,
    OrganizationFactory,
    VolunteerProfileFactory,
)
from thankyous.models import ThankYouTemplate
from volunteers.models import HoursEntry, Skill

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
AXE = Axe()
WIDTHS = (375, 1280)


@pytest.fixture
def persian():
    """A Tehran food bank that writes Persian (Solar Hijri dates, Persian digits), with a donor
    whose name, email and phone are Latin."""
    organization = OrganizationFactory(
        name="بانک غذای ریورساید",
        slug="riverside",
        language="fa",
        country="IR",
        timezone="Asia/Tehran",
        currency="IRR",
        address="تهران، خیابان ولیعصر، پلاک ۱۲",
    )
    assert organization.solar_hijri
    admin = MembershipFactory(
        organization=organization, role="admin", user__email="amara@riverside.example.org"
    ).user
    with organization_scope(organization):
        ada = services.contact_create(
            organization=organization,
            first_name="Ada",
            last_name="Lovelace",
            email="ada.lovelace@example.org",
            phone="+98 21 1234 5678",
        )
        maryam = services.contact_create(
            organization=organization, first_name="مریم", last_name="رضایی"
        )
        for contact, channel, subject in [
            (ada, "phone", "تماس تشکر برای کمک Ada"),
            (ada, "email", "Receipt sent to ada.lovelace@example.org"),
            (maryam, "in_person", "دیدار در انبار"),
        ]:
            services.interaction_log(
                organization=organization,
                contact=contact,
                staff=admin,
                channel=channel,
                subject=subject,
            )
        meals = FundFactory(
            organization=organization,
            name="وعده‌های غذایی",
            impact_unit_amount=Decimal("500000"),
            impact_unit_label="یک هفته غذا",
        )
        donor_services.gift_record(
            organization=organization,
            contact=ada,
            amount=Decimal("1250000"),
            received_on=timezone.localdate() - timedelta(days=3),
            fund=meals,
        )
        ImpactStoryFactory(
            organization=organization,
            title="زمستانی گرم",
            body="به لطف شما ۴۰ خانواده هر روز یک وعده غذای گرم داشتند.",
        )
        Skill.objects.create(organization=organization, name="آشپزی")
        OpportunityFactory(organization=organization, title="آشپزخانه محله")
        HoursEntryFactory(
            profile=VolunteerProfileFactory(contact=maryam),
            hours=Decimal("3.5"),
            status=HoursEntry.Status.APPROVED,
        )
        ArticleFactory(
            organization=organization,
            category=ArticleCategoryFactory(organization=organization, name="بسته غذایی"),
            title="چگونه بسته غذایی بگیریم",
            body="سه‌شنبه‌ها با مدرک نشانی به سالن بیایید.",
        )
        impact = urlsplit(donor_services.impact_url(organization=organization, contact=ada))
    return organization, admin, ada, f"{impact.path}?{impact.query}"


def sign_in(page, live_server, email):
    page.goto(f"{live_server.url}/accounts/login/")
    page.locator("input[name=login]").fill(email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("input[name=password]").press("Enter")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def check(page, name, width, screenshot):
    screenshot(page, f"rtl-{name}-{width}")
    assert page.get_attribute("html", "dir") == "rtl", name
    assert page.get_attribute("html", "lang") == "fa", name
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"{name} at {width} px scrolls sideways by {overflow} px"
    results = AXE.run(
        page,
        options={
            "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}
        },
    )
    assert results.violations_count == 0, f"{name} at {width} px:\n{results.generate_report()}"


def assert_inside_the_canvas(chart):
    """Every label and value of an SVG chart is drawn within its box."""
    canvas = chart.bounding_box()
    for text in chart.locator("text").all():
        box = text.bounding_box()
        assert canvas["x"] - 1 <= box["x"], text.text_content()
        assert box["x"] + box["width"] <= canvas["x"] + canvas["width"] + 1, text.text_content()


@pytest.mark.parametrize("width", WIDTHS)
def test_persian_pages_read_right_to_left(live_server, browser, persian, screenshot, width):
    organization, admin, ada, impact_path = persian
    context = browser.new_context(viewport={"width": width, "height": 900}, locale="fa-IR")
    page = context.new_page()
    page.set_default_timeout(15_000)
    base = f"{live_server.url}/o/{organization.slug}"

    page.goto(f"{base}/volunteer/")
    check(page, "volunteer-signup", width, screenshot)
    page.goto(f"{base}/help/")
    check(page, "help-centre", width, screenshot)
    page.goto(live_server.url + impact_path)
    check(page, "impact", width, screenshot)
    assert page.locator("html").inner_text().count("۱٬۲۵۰٬۰۰۰") >= 1  # Persian digits

    sign_in(page, live_server, admin.email)
    page.goto(f"{base}/")
    check(page, "dashboard", width, screenshot)
    assert_inside_the_canvas(page.locator("svg.chart__svg").first)
    page.goto(f"{base}/contacts/{ada.pk}/")
    check(page, "contact", width, screenshot)
    email = page.get_by_role("link", name="ada.lovelace@example.org", exact=True)
    assert email.evaluate("link => getComputedStyle(link).direction") == "ltr"
    page.goto(f"{base}/thank-yous/templates/")  # its first visit makes the default templates
    with organization_scope(organization):
        template = ThankYouTemplate.objects.filter(organization=organization).first()
    page.goto(f"{base}/thank-yous/templates/{template.pk}/")
    page.frame_locator("iframe.email-preview").locator("bdi").first.wait_for()  # the subject
    check(page, "thankyou-template", width, screenshot)
    context.close()
