"""Thank-you letters in every script, read back with ``pdftotext``: a Khmer, a Persian and a
Kazakh letter made by the nightly batch are drawn in their own Noto faces (shaped by HarfBuzz),
read back word for word, laid out right to left in Persian, and written in the recipient's
language down to the layout's own words (the date). Wrapping and copying Khmer:
``stakeholders/pdf.py``."""

import io
import re
import shutil
import subprocess
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime, time
from decimal import Decimal

import pytest
from babel.dates import format_date
from django.utils import timezone
from icu4py.messageformat import MessageFormat
from pypdf import PdfReader

from donors import services as donor_services
from stakeholders import pdf as stakeholder_pdf
from stakeholders import text
from stakeholders.tenancy.models import organization_scope
from tests.factories import ContactFactory, OrganizationFactory
from thankyous import services
from thankyous.models import Acknowledgment, Rule, ThankYouTemplate

pytestmark = pytest.mark.skipif(
    shutil.which("pdftotext") is None,
    reason="pdftotext is missing: install poppler-utils (`make test` does)",
)
TODAY = timezone.localdate()
# Where the text starts and ends across an A4 page, in points: letter.css's 20 mm side margins
# and the body's own 8 px.
LEFT = 20 / 25.4 * 72 + 6
RIGHT = 595.28 - LEFT
BIDI_CONTROLS = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069]")


@dataclass
class Letter:
    organization: dict
    contact: dict
    amount: str
    body: str  # what staff wrote, with merge fields
    sentence: str  # words of the body as they must read back
    amount_in_words: str
    fonts: tuple  # the faces drawn in the PDF (pdffonts' names without the subset prefix)


LETTERS = {
    "km": Letter(
        organization={
            "name": "អង្គការទន្លេមេត្តា",
            "address": "ផ្ទះលេខ ១២ ផ្លូវ ២៧១\nភ្នំពេញ",
            "country": "KH",
            "timezone": "Asia/Phnom_Penh",
            "currency": "KHR",
        },
        contact={
            "first_name": "ចាន់ថា",
            "last_name": "សុខ",
            "name": "សុខ ចាន់ថា",
            "street": "ផ្ទះលេខ ៤៥ ផ្លូវ ៣៦០",
            "postal_code": "12302",
            "city": "ភ្នំពេញ",
        },
        amount="400000",
        body=(
            "<p>{{ salutation }}</p><p>យើងខ្ញុំសូមថ្លែងអំណរគុណយ៉ាងជ្រាលជ្រៅចំពោះអំណោយដ៏សប្បុរស"
            "របស់លោកអ្នកចំនួន {{ amount }} ({{ amount_in_words }}) ដែលយើងខ្ញុំបានទទួលនៅថ្ងៃទី "
            "{{ date }}។ ជំនួយរបស់លោកអ្នកនឹងជួយផ្តល់អាហារដល់ក្រុមគ្រួសារក្រីក្រនៅក្នុងសហគមន៍របស់"
            "យើង ហើយធ្វើឱ្យកុមារជាច្រើនអាចទៅសាលារៀនបានដោយមិនឃ្លាន។</p>"
        ),
        sentence="ជំនួយរបស់លោកអ្នកនឹងជួយផ្តល់អាហារដល់ក្រុមគ្រួសារក្រីក្រនៅក្នុងសហគមន៍របស់យើង",
        amount_in_words="បួនសែន រៀលកម្ពុជា",
        fonts=("Noto-Sans-Khmer",),
    ),
    "fa": Letter(
        organization={
            "name": "بنیاد مهر",
            "address": "تهران، خیابان آزادی، شماره ۱۲",
            "country": "IR",
            "timezone": "Asia/Tehran",
            "currency": "IRR",
        },
        contact={
            "first_name": "مریم",
            "last_name": "رضایی",
            "name": "مریم رضایی",
            "street": "خیابان ولیعصر، کوچه نسترن، شماره ۴۵",
            "postal_code": "1416753955",
            "city": "تهران",
        },
        amount="25000000",
        body=(
            "<p>{{ salutation }}،</p><p>از هدیهٔ سخاوتمندانهٔ شما به مبلغ {{ amount }} "
            "({{ amount_in_words }}) که در تاریخ {{ date }} به دست ما رسید، صمیمانه "
            "سپاسگزاریم. کمک شما به خانواده‌های نیازمند محله غذا می‌رساند و به کودکان امکان "
            "می‌دهد بدون گرسنگی به مدرسه بروند.</p>"
        ),
        # No word with lam-alef (لا) here or in the addresses: pdftotext reads its ligature back
        # as "ال" (poppler reverses a right-to-left line's text glyph by glyph, and the ligature
        # is one glyph for two letters). Other readers keep it whole.
        sentence="کمک شما به خانواده‌های نیازمند محله غذا می‌رساند",
        amount_in_words="بیست و پنج میلیون ریال ایران",
        fonts=("Noto-Sans-Arabic",),
    ),
    "kk": Letter(
        organization={
            "name": "Мейірім қоры",
            "address": "Абай даңғылы, 12\nАлматы",
            "country": "KZ",
            "timezone": "Asia/Almaty",
            "currency": "KZT",
        },
        contact={
            "first_name": "Әлия",
            "last_name": "Нұрланқызы",
            "name": "Әлия Нұрланқызы",
            "street": "Төле би көшесі, 45",
            "postal_code": "050000",
            "city": "Алматы",
        },
        amount="50000",
        body=(
            "<p>{{ salutation }},</p><p>{{ date }} күні келіп түскен {{ amount }} "
            "({{ amount_in_words }}) көлеміндегі жомарт сыйлығыңыз үшін шын жүректен алғыс "
            "айтамыз. Сіздің көмегіңіз мұқтаж отбасыларға азық-түлік жеткізуге мүмкіндік "
            "береді.</p>"
        ),
        sentence="Сіздің көмегіңіз мұқтаж отбасыларға азық-түлік жеткізуге мүмкіндік береді",
        amount_in_words="елу мың теңге",
        fonts=("Noto-Sans",),
    ),
}


def organization_in(language, **changes):
    letter = LETTERS[language]
    return OrganizationFactory(
        language=language, sender_name="Director", **{**letter.organization, **changes}
    )


def thank(organization, language, **contact_fields):
    """A gift from a contact of ``language``'s sample, thanked by the nightly batch with a
    template staff wrote in that language: the acknowledgment row."""
    letter = LETTERS[language]
    contact = ContactFactory(
        organization=organization, **{"email": "", **letter.contact, **contact_fields}
    )
    ThankYouTemplate.objects.get_or_create(
        organization=organization,
        name="Thank you",
        defaults={
            "rule": Rule.DEFAULT,
            "email_subject": "{{ first_name }}",
            "email_body": "{{ date }}: {{ amount_in_words }}",
            "letter_body": letter.body,
        },
    )
    gift = donor_services.gift_record(
        organization=organization, contact=contact, amount=Decimal(letter.amount), received_on=TODAY
    )
    services.run_batch(organization=organization)
    return Acknowledgment.objects.get(target_id=gift.pk)


@pytest.fixture(params=list(LETTERS))
def posted(request, db):
    """(language, the letter's PDF) for a donor with no email: the letter goes to the print
    batch, in the organization's language (the donor has none of their own)."""
    organization = organization_in(request.param)
    with organization_scope(organization):
        row = thank(organization, request.param)
        assert row.state == Acknowledgment.State.PRINT
        yield request.param, row.pdf.read()


def pdftotext(pdf, *options):
    result = subprocess.run(
        ["pdftotext", *options, "-", "-"], input=pdf, capture_output=True, check=True
    )
    return result.stdout.decode()


def normal(value):
    """As Steward matches text (joiners, zero-width spaces, Arabic marks and letter forms, digits
    unified), without the direction marks a reader puts around right-to-left words."""
    return text.normalise_text(BIDI_CONTROLS.sub("", value))


def missing(pdf_text, phrase, language):
    """The words of ``phrase`` that ``pdf_text`` lacks. Right-to-left lines come back word by
    word in the order they are drawn, so Persian is compared word by word; elsewhere the whole
    phrase must be there (Khmer has no spaces between words, and a line may end between two)."""
    if language == "fa":
        found = set(text.words(normal(pdf_text), "fa"))
        return [word for word in text.words(normal(phrase), "fa") if word not in found]
    squeezed = "".join(normal(pdf_text).split())
    return [] if "".join(normal(phrase).split()) in squeezed else [phrase]


def long_month(language):
    """The month of a letter dated today, as CLDR names it in ``language`` (the Solar Hijri month
    in Persian), computed apart from Steward's own formatting."""
    if language == "fa":
        noon = datetime.combine(TODAY, time(12), tzinfo=UTC)
        return MessageFormat("{v, date, ::MMMM}", "fa_IR@calendar=persian").format({"v": noon})
    return format_date(TODAY, "MMMM", locale=language)


def test_a_letter_in_each_script_reads_back_word_for_word(posted):
    language, pdf = posted
    letter = LETTERS[language]
    words = pdftotext(pdf, "-raw")
    for phrase in (
        letter.contact["name"],
        letter.contact["street"],
        letter.organization["name"],
        letter.sentence,
        letter.amount_in_words,
    ):
        assert missing(words, phrase, language) == [], (phrase, words)


def test_a_letters_own_words_are_in_the_recipients_language(posted):
    """The date is the layout's: a Khmer, Persian (Solar Hijri) or Kazakh month, never English."""
    language, pdf = posted
    words = pdftotext(pdf, "-raw")
    assert missing(words, long_month(language), language) == []
    assert format_date(TODAY, "MMMM", locale="en") not in words
    assert PdfReader(io.BytesIO(pdf)).trailer["/Root"].get("/Lang") == language


def test_each_script_is_drawn_in_its_own_noto_face(posted):
    language, pdf = posted
    fonts = set()
    for page in PdfReader(io.BytesIO(pdf)).pages:
        for font in page["/Resources"]["/Font"].values():
            fonts.add(str(font.get_object()["/BaseFont"]).lstrip("/").split("+", 1)[-1])
    assert set(LETTERS[language].fonts) <= fonts, fonts
    scripts = {"Noto-Sans-Khmer": "km", "Noto-Naskh-Arabic": "fa", "Noto-Sans-Arabic": "fa"}
    faces = {font.removesuffix("-Bold") for font in fonts}
    assert {scripts[face] for face in faces if face in scripts} <= {language}


def lines(pdf):
    """[(text, xMin, xMax)] of each line pdftotext finds, in points from the page's left."""
    layout = pdftotext(pdf, "-bbox-layout")
    return [
        (
            " ".join(re.findall(r">([^<]*)</word>", body)),
            float(attributes["xMin"]),
            float(attributes["xMax"]),
        )
        for head, body in re.findall(r"<line ([^>]*)>(.*?)</line>", layout, re.S)
        for attributes in [dict(re.findall(r'(\w+)="([^"]*)"', head))]
    ]


@pytest.mark.django_db
def test_a_persian_letter_runs_right_to_left_with_the_sender_on_the_left():
    organization = organization_in("fa")
    with organization_scope(organization):
        pdf = thank(organization, "fa").pdf.read()
    drawn = lines(pdf)  # each line's text as drawn: a right-to-left word reversed
    body = [line for line in drawn if "میرازگساپس" in line[0] or "دنورب" in line[0]]
    assert len(body) == 2
    for line, _start, end in body:  # every line of the paragraph starts at the right margin
        assert abs(end - RIGHT) < 3, (line, end)
    for name in ("ییاضر", "یمارگ"):  # the address and the salutation too
        (end,) = {round(end) for line, _start, end in drawn if name in line}
        assert abs(end - RIGHT) < 3
    sender = [line for line in drawn if "یدازآ" in line[0]]
    assert sender and all(abs(start - LEFT) < 3 for _line, start, _end in sender), sender


@pytest.mark.django_db
def test_a_long_khmer_phrase_wraps_between_its_words_inside_the_page():
    """Khmer puts no spaces between words: the phrase wraps where ICU finds a word's end, and
    reads back as written (no zero-width space in what is copied)."""
    organization = organization_in("km")
    phrase = LETTERS["km"].sentence * 3  # three times as wide as the line, not one space
    with organization_scope(organization):
        ThankYouTemplate.objects.create(
            organization=organization,
            name="Thank you",
            rule=Rule.DEFAULT,
            email_subject="-",
            email_body="-",
            letter_body=f"<p>{phrase}</p>",
        )
        pdf = thank(organization, "km").pdf.read()
    drawn = [line for line in lines(pdf) if "ក្រុមគ្រួសារ" in line[0] or "សហគមន៍" in line[0]]
    assert len(drawn) >= 3
    assert all(end <= RIGHT + 1 for _line, _start, end in drawn), drawn
    words = pdftotext(pdf, "-raw")
    assert "\u200b" not in words
    assert phrase in "".join(words.split())


@pytest.mark.django_db
def test_the_email_and_its_letter_follow_the_recipients_language(mailbox):
    """A Persian organization: its donor without a language of their own gets Persian (the Solar
    Hijri date, right to left), and one who reads English gets English, letter and email alike."""
    organization = organization_in("fa")
    with organization_scope(organization):
        thank(organization, "fa", email="maryam@example.org")
        thank(
            organization, "fa", email="sara@example.org", first_name="Sara", preferred_language="en"
        )
    messages = {message["To"]: message for message in mailbox.messages}
    for address, language in (("maryam@example.org", "fa"), ("sara@example.org", "en")):
        message = messages[address]
        email_text = message.get_body(preferencelist=("plain",)).get_content()
        email_html = message.get_body(preferencelist=("html",)).get_content()
        (attachment,) = message.iter_attachments()
        letter = pdftotext(attachment.get_content(), "-raw")
        month = long_month(language)
        assert month in email_text and missing(letter, month, language) == []
        assert f'lang="{language}" dir="{"rtl" if language == "fa" else "ltr"}"' in email_html
        words = "بیست و پنج میلیون" if language == "fa" else "twenty-five million"
        assert words in email_text and missing(letter, words, language) == []


def test_khmer_wraps_between_words_never_before_its_full_stop():
    assert stakeholder_pdf.breakable("សហគមន៍របស់យើង។") == "សហគមន៍\u200bរបស់\u200bយើង។"
    assert stakeholder_pdf.breakable("Dear Ada, 12 Mill Lane") == "Dear Ada, 12 Mill Lane"
    html = '<p class="x">ជំនួយរបស់លោកអ្នក</p><img alt="សហគមន៍">'
    assert stakeholder_pdf.breakable_html(html) == (
        '<p class="x">ជំនួយ\u200bរបស់\u200bលោកអ្នក</p><img alt="សហគមន៍">'
    )
    assert all(unicodedata.category(c) != "Zs" for c in stakeholder_pdf.breakable("សហគមន៍"))
