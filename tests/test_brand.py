"""The charity's own face (issue 17, item 9): its colour, logo and contact details on public
pages, emails and letters; emails from its name with replies to its inbox; the impact page's
"give again"; staff copying a donor's impact link; a warm impact-link email."""

from datetime import timedelta
from decimal import Decimal
from email import message_from_bytes
from email.header import decode_header, make_header
from email.utils import parseaddr

import pytest
from django.utils import timezone

from donors import services as donor_services
from donors.forms import DonorSettingsForm
from donors.models import DonorSettings
from stakeholders import branding
from stakeholders.forms import OrganizationProfileForm
from stakeholders.models import Role
from stakeholders.tenancy.models import organization_scope
from tests.factories import (
    ContactFactory,
    FundFactory,
    MembershipFactory,
    OrganizationFactory,
    VolunteerProfileFactory,
)
from volunteers import services as volunteer_services

pytestmark = pytest.mark.django_db
TAGLINE = "the CRM that treats every stakeholder as a customer"


@pytest.fixture
def riverside(org_a):
    org_a.contact_email = "hello@riverside.example.org"
    org_a.phone = "+44 20 7946 0000"
    org_a.address = "12 Mill Lane\nRiverside RS1 2AB"
    org_a.brand_color = "#0f766e"
    org_a.save()
    return org_a


@pytest.fixture
def donor(riverside):
    with organization_scope(riverside):
        ada = ContactFactory(organization=riverside, first_name="Ada", email="ada@example.org")
        donor_services.gift_record(
            organization=riverside,
            contact=ada,
            amount=Decimal("120"),
            received_on=timezone.localdate() - timedelta(days=3),
            fund=FundFactory(organization=riverside, name="Meals"),
        )
    return ada


# --- Colours ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "color",
    ["#000000", "#ffffff", "#1d4ed8", "#facc15", "#777777", "#808080", "#0f766e", "#ff0000"],
)
def test_the_text_on_any_brand_colour_reads_at_wcag_aa(color):
    text = branding.text_color_on(color)
    assert branding.contrast_ratio(color, text) >= 4.5
    assert branding.contrast_ratio(branding.readable_on_white(color), "#ffffff") >= 4.5


def test_light_colours_get_dark_text_and_dark_colours_white_text():
    assert branding.text_color_on("#facc15") == branding.DARK_TEXT  # yellow
    assert branding.text_color_on("#1e3a8a") == branding.LIGHT_TEXT  # navy
    assert branding.readable_on_white("#1e3a8a") == "#1e3a8a"  # already readable: unchanged


@pytest.mark.parametrize("value", ["red", "#12345", "1d4ed8", "#1d4ed8;}", "#gggggg"])
def test_the_settings_refuse_a_colour_that_is_not_hex(riverside, value):
    form = OrganizationProfileForm(
        data=_profile_data(riverside, brand_color=value), instance=riverside
    )
    assert not form.is_valid() and "brand_color" in form.errors


def test_the_settings_keep_a_colour_a_phone_and_a_contact_address(riverside):
    form = OrganizationProfileForm(
        data=_profile_data(riverside, brand_color="#0F766E", phone="+44 20 1234 5678"),
        instance=riverside,
    )
    assert form.is_valid(), form.errors
    organization = form.save()
    assert (organization.brand_color, organization.phone) == ("#0f766e", "+44 20 1234 5678")


def _profile_data(organization, **changes):
    data = {
        "name": organization.name,
        "contact_email": organization.contact_email,
        "phone": organization.phone,
        "sender_name": "",
        "address": organization.address,
        "brand_color": organization.brand_color,
        "country": "",
        "timezone": organization.timezone,
        "currency": organization.currency,
        "language": organization.language,
    }
    return {**data, **changes}


def test_the_donation_page_must_be_https(riverside):
    with organization_scope(riverside):
        instance = DonorSettings(organization=riverside)
        base = {"update_interval_days": 30, "frequency_cap_days": 14, "welcome_call_hour": 9}
        insecure = DonorSettingsForm(
            data={**base, "donation_url": "http://give.example.org/"}, instance=instance
        )
        assert not insecure.is_valid() and "donation_url" in insecure.errors
        secure = DonorSettingsForm(
            data={**base, "donation_url": "https://give.example.org/"}, instance=instance
        )
        assert secure.is_valid(), secure.errors


# --- Emails -------------------------------------------------------------------------------------


def _headers(message):
    return message_from_bytes(message.message().as_bytes())


def test_the_impact_link_email_comes_from_the_organization_and_reads_warmly(
    riverside, donor, mailoutbox, django_capture_on_commit_callbacks, settings
):
    settings.DEFAULT_FROM_EMAIL = "Steward <noreply@steward.example>"
    with organization_scope(riverside), django_capture_on_commit_callbacks(execute=True):
        assert donor_services.impact_link_send(organization=riverside, email="ada@example.org")
    (message,) = mailoutbox
    headers = _headers(message)
    assert headers["From"] == "Riverside Food Bank <noreply@steward.example>"
    assert headers["Reply-To"] == "hello@riverside.example.org"
    body = message.body
    assert "just for you" in body and "keep it to yourself" in body  # still personal
    assert "ignore this email" not in body and "did not ask" not in body  # not a warning
    assert "Thank you for all you give to Riverside Food Bank" in body
    assert TAGLINE not in body and "Steward" not in body
    # its contact details sign the email
    assert "-- \nRiverside Food Bank\n12 Mill Lane\nRiverside RS1 2AB\n" in body
    assert "+44 20 7946 0000 · hello@riverside.example.org" in body


def test_a_non_latin_name_is_encoded_in_the_from_header(settings):
    settings.DEFAULT_FROM_EMAIL = "Steward <noreply@steward.example>"
    organization = OrganizationFactory(name="بانک غذای ریورساید", contact_email="")
    message = branding.email_message(
        organization=organization, subject="سلام", body="متن", to=["a@example.org"]
    )
    raw = message.message().as_bytes()
    assert raw.isascii() or b"From: =?utf-8?" in raw
    header = _headers(message)["From"]
    assert "=?utf-8?" in header.lower()  # RFC 2047, never raw UTF-8 in a header
    name, address = parseaddr(str(make_header(decode_header(header))))
    assert (name, address) == ("بانک غذای ریورساید", "noreply@steward.example")
    assert _headers(message)["Reply-To"] is None  # no inbox of its own: no Reply-To


def test_a_sender_name_signs_instead_of_the_name(riverside, settings):
    settings.DEFAULT_FROM_EMAIL = "noreply@steward.example"
    riverside.sender_name = "Riverside Food Bank, Supporter Care"
    message = branding.email_message(organization=riverside, subject="s", body="b", to=["a@b.c"])
    assert _headers(message)["From"] == (
        '"Riverside Food Bank, Supporter Care" <noreply@steward.example>'
    )


def test_volunteer_emails_come_from_the_organization_too(
    riverside, mailoutbox, django_capture_on_commit_callbacks, settings
):
    settings.DEFAULT_FROM_EMAIL = "Steward <noreply@steward.example>"
    with organization_scope(riverside):
        VolunteerProfileFactory(
            contact=ContactFactory(organization=riverside, email="grace@example.org")
        )
        with django_capture_on_commit_callbacks(execute=True):
            volunteer_services.portal_link_send(organization=riverside, email="grace@example.org")
    (message,) = mailoutbox
    assert _headers(message)["From"] == "Riverside Food Bank <noreply@steward.example>"
    assert message.reply_to == ["hello@riverside.example.org"]


def test_the_html_email_layout_wears_the_brand(riverside, donor):
    from thankyous import rendering

    riverside.logo = "logos/riverside.png"
    html = rendering.email_html(organization=riverside, body="<p>Thank you</p>")
    assert "background: #0f766e; color: #ffffff" in html  # its colour, with readable text
    assert "/o/riverside/logo/" in html and 'alt="Riverside Food Bank"' in html
    assert "+44 20 7946 0000" in html and "mailto:hello@riverside.example.org" in html
    assert TAGLINE not in html


# --- Public pages -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path", ["/o/riverside/volunteer/", "/o/riverside/help/", "/o/riverside/help/request/"]
)
def test_public_pages_carry_the_organizations_face_not_the_products(client, riverside, path):
    page = client.get(path).content.decode()
    assert TAGLINE not in page and "Powered by Steward" not in page
    assert "<title>" in page and "· Steward</title>" not in page
    assert "/o/riverside/brand.css?v=0f766e" in page
    assert '<meta name="theme-color" content="#0f766e">' in page
    assert "tel:+442079460000" in page and "mailto:hello@riverside.example.org" in page
    assert "12 Mill Lane" in page


def test_the_brand_stylesheet_sets_the_colour_and_its_readable_text(client, riverside):
    response = client.get("/o/riverside/brand.css")
    assert response["Content-Type"].startswith("text/css")
    css = response.content.decode()
    assert "--brand: #0f766e; --brand-text: #ffffff;" in css
    riverside.brand_color = "#facc15"
    riverside.save()
    css = client.get("/o/riverside/brand.css").content.decode()
    assert f"--brand-text: {branding.DARK_TEXT};" in css


def test_staff_pages_say_powered_by_steward_quietly(client, riverside, admin_a):
    client.force_login(admin_a)
    page = client.get("/o/riverside/").content.decode()
    assert TAGLINE not in page and "Powered by Steward" in page
    assert "brand.css" not in page  # staff pages keep Steward's own look


# --- The impact page and the donor's page -------------------------------------------------------


def _impact_page(client, riverside, donor):
    with organization_scope(riverside):
        url = donor_services.impact_url(organization=riverside, contact=donor)
    return client.get(url.split("testserver", 1)[-1] if "testserver" in url else url)


def _set_giving(riverside, **fields):
    with organization_scope(riverside):
        DonorSettings.objects.update_or_create(organization=riverside, defaults=fields)


def test_give_again_goes_to_the_organizations_donation_page(client, riverside, donor):
    _set_giving(riverside, donation_url="https://give.example.org/riverside")
    page = _impact_page(client, riverside, donor).content.decode()
    assert 'href="https://give.example.org/riverside"' in page and "data-give-again" in page


def test_give_again_is_not_shown_without_a_donation_page(client, riverside, donor):
    _set_giving(riverside, donation_url="", giving_instructions="")
    page = _impact_page(client, riverside, donor).content.decode()
    assert 'id="give-heading"' not in page
    assert "Reply to our emails and we will tell you how." not in page


def test_an_old_http_donation_page_is_not_linked(client, riverside, donor):
    _set_giving(riverside, donation_url="http://give.example.org/", giving_instructions="")
    page = _impact_page(client, riverside, donor).content.decode()
    assert "give.example.org" not in page and 'id="give-heading"' not in page


def test_staff_can_copy_and_open_a_donors_impact_link(client, riverside, donor, admin_a):
    client.force_login(admin_a)
    page = client.get(f"/o/riverside/contacts/{donor.pk}/panels/").content.decode()
    field = f'id="impact-link-{donor.pk}" type="url" readonly value="'
    assert field in page  # visible: the fallback when the browser can't copy
    url = page.split(field, 1)[1].split('"', 1)[0].replace("&amp;", "&")
    assert f'data-copy="impact-link-{donor.pk}"' in page
    assert f'href="{url.replace("&", "&amp;")}" target="_blank"' in page
    client.logout()
    opened = client.get(url.split("testserver", 1)[-1] if "testserver" in url else url)
    assert opened.status_code == 200 and 'id="gifts-heading"' in opened.content.decode()


def test_a_viewer_does_not_get_the_impact_link(client, riverside, donor):
    viewer = MembershipFactory(organization=riverside, role=Role.VIEWER).user
    client.force_login(viewer)
    page = client.get(f"/o/riverside/contacts/{donor.pk}/panels/").content.decode()
    assert f'id="impact-link-{donor.pk}"' not in page
