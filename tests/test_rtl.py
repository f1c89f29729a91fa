"""Right to left without a browser: stylesheets that mirror themselves, documents whose
direction follows their language, letters and emails laid out for Persian. (The pages
themselves are checked in Chromium by tests/e2e/test_rtl.py.)"""

import io
import re
from datetime import date
from decimal import Decimal

import pytest
from django.utils import translation
from pypdf import PdfReader

from donors import services as donor_services
from donors.thanks import describe
from stakeholders.templatetags.steward import lines_in_their_direction
from stakeholders.tenancy.models import organization_scope
from tests.factories import ContactFactory, OrganizationFactory
from tests.processes import ROOT
from thankyous import rendering
from thankyous.models import ThankYouTemplate

STYLESHEETS = [*ROOT.glob("*/static/**/*.css"), ROOT / "templates" / "letters" / "letter.css"]
TEMPLATES = sorted((ROOT / "templates").glob("**/*.html"))
# Properties that hold whatever the reading direction: left and right are not among them.
PHYSICAL = re.compile(
    r"\b(?:margin|padding|border|inset)-(?:left|right)\b"
    r"|(?<![-\w])(?:left|right)\s*:"
    r"|\b(?:text-align|float|clear)\s*:\s*(?:left|right)\b"
)
SHORTHAND = re.compile(r"\b(?:margin|padding|inset)\s*:\s*([^;}\"]+)")
DIRECTION = 'lang="{{ LANGUAGE_CODE }}" dir="{% if LANGUAGE_BIDI %}rtl{% else %}ltr{% endif %}"'


def styles(path):
    """The CSS of a stylesheet, or of a template's <style> blocks and style attributes."""
    text = path.read_text()
    if path.suffix == ".css":
        return [text]
    blocks = re.findall(r"<style>(.*?)</style>", text, re.S)
    return blocks + re.findall(r'style="([^"]*)"', text)


def test_layouts_use_logical_properties():
    """margin-inline-start, not margin-left: what is at the start in English is at the end in
    Persian. A four-value shorthand must be the same on both sides."""
    wrong = []
    for path in [*STYLESHEETS, *TEMPLATES]:
        for css in styles(path):
            wrong += [f"{path.relative_to(ROOT)}: {m.group(0)}" for m in PHYSICAL.finditer(css)]
            for match in SHORTHAND.finditer(css):
                values = match.group(1).split()
                if len(values) == 4 and values[1] != values[3]:
                    wrong.append(f"{path.relative_to(ROOT)}: {match.group(0)}")
    assert wrong == []


def test_the_audit_finds_physical_properties():
    assert PHYSICAL.search(".sender { float: right; }")
    assert PHYSICAL.search("p { margin-left: 1rem }")
    assert PHYSICAL.search("div { left: 0 }")
    assert not PHYSICAL.search("p { margin-inline-start: 1rem; inset-inline-start: 0 }")


def test_every_document_takes_its_language_and_direction_from_the_active_language():
    """Pages, emails, letters, the print batch's cover sheet, embeds: <html lang dir>."""
    documents = [path for path in TEMPLATES if "<html" in path.read_text()]
    assert len(documents) >= 8
    fixed = [str(path.relative_to(ROOT)) for path in documents if DIRECTION not in path.read_text()]
    assert fixed == []


@pytest.fixture
def persian_org(db):
    organization = OrganizationFactory(
        name="Riverside",
        address="12 Mill Lane\nBristol",
        language="fa",
        country="IR",
        timezone="Asia/Tehran",
        currency="IRR",
    )
    with organization_scope(organization):
        yield organization


def address_line(pdf):
    """The sender's street as drawn, left to right, and where across the page it starts
    (0 = left, 1 = right)."""
    page = PdfReader(io.BytesIO(pdf)).pages[0]
    width = float(page.mediabox.width)
    found = []

    def visit(text, matrix, text_matrix, font, size):
        if "Mill Lane" in text:
            found.append(
                (
                    text.replace("\u200e", "").strip(),
                    (matrix[4] + text_matrix[4] * matrix[0]) / width,
                )
            )

    page.extract_text(visitor_text=visit)
    assert found, "the sender's address is missing"
    return found[0]


@pytest.mark.parametrize(("language", "side"), [("en", "right"), ("fa", "left")])
def test_the_letters_sender_block_sits_at_the_end_of_the_line(persian_org, language, side):
    template = ThankYouTemplate(organization=persian_org, letter_body="<p>{{ donor_name }}</p>")
    fields = {"donor_name": "Ada", "date": "", "postal_address": "", "signature": ""}
    with translation.override(language):
        html = rendering.letter_html(organization=persian_org, template=template, fields=fields)
        pdf = rendering.letter_pdf(organization=persian_org, template=template, fields=fields)
    assert f'lang="{language}"' in html
    street, x = address_line(pdf)
    assert (x > 0.5) if side == "right" else (x < 0.5)
    assert street == "12 Mill Lane"  # a Latin line of a Persian letter is not "Mill Lane 12"


def test_each_line_of_an_address_is_marked_with_its_own_direction():
    assert lines_in_their_direction("12 Mill Lane\nتهران، خیابان ولیعصر\n1234") == (
        "\u200e12 Mill Lane\n\u200fتهران، خیابان ولیعصر\n1234"
    )


def test_a_persian_donors_letter_is_dated_in_the_solar_hijri_calendar(persian_org):
    contact = ContactFactory(organization=persian_org, first_name="Ada", preferred_language="fa")
    gift = donor_services.gift_record(
        organization=persian_org,
        contact=contact,
        amount=Decimal("1250000"),
        received_on=date(2026, 6, 17),
    )
    with translation.override("fa"):
        fields = describe(persian_org, [gift.pk])[gift.pk].make_fields()
    assert fields["date"] == "۲۷ خرداد ۱۴۰۵"
    assert fields["amount"] == "\u200eریال\xa0۱٬۲۵۰٬۰۰۰"


def test_persian_emails_say_right_to_left_where_mail_clients_keep_it(persian_org):
    """Mail clients drop <html> and <body> attributes: the layout's own block says it again."""
    with translation.override("fa"):
        html = rendering.email_html(organization=persian_org, body="<p>سپاس</p>")
    assert '<div lang="fa" dir="rtl"' in html
