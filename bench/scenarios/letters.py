"""A thank-you letter in every script: the same one-page letter rendered in English, Khmer,
Persian and Kazakh, one process, one after the other, as the batch makes it (merge fields in
the recipient's language, the render thread, the shared FontConfiguration and stylesheet).

What a script costs: HarfBuzz shaping Khmer clusters and Arabic joining, ICU finding Khmer word
breaks, the ActualText spans that let Khmer be copied (``stakeholders/pdf.py``), and the
embedded subset of each Noto face. Not large: ``make bench`` runs it.

The organizations, donors and gifts are made by the owner of the tables; the letters are made
as the application's role, under row-level security (``bench/roles.py``).
"""

import io
import statistics
import time
from decimal import Decimal

from django.utils import timezone, translation
from pypdf import PdfReader

from bench import roles
from donors import services as donor_services
from donors.thanks import describe
from stakeholders.models import Contact, Organization
from stakeholders.tenancy.models import organization_scope
from stakeholders.text import normalise_text
from thankyous import rendering
from thankyous.models import Rule, ThankYouTemplate

LETTERS = 100  # per language
DATABASE = "steward_bench_letters"  # its own: runs beside the other scenarios
# A few letters: the test suite runs every scenario so (tests/test_bench.py).
TINY = {"letters": 2}
# (language, organization, donor, amount, letter body): the letter each language's staff write.
SCRIPTS = [
    (
        "en",
        {
            "name": "Riverside Food Bank",
            "country": "GB",
            "timezone": "Europe/London",
            "currency": "GBP",
            "address": "12 Mill Lane\nBristol",
        },
        ("Ada", "Lovelace", "2 Mill Lane", "BS1 4DJ", "Bristol"),
        "50",
        "<p>{{ salutation }},</p><p>Thank you for your generous gift of {{ amount }} "
        "({{ amount_in_words }}), received on {{ date }}. Your support brings meals to families "
        "in our neighbourhood and lets children go to school without being hungry.</p>",
    ),
    (
        "km",
        {
            "name": "អង្គការទន្លេមេត្តា",
            "country": "KH",
            "timezone": "Asia/Phnom_Penh",
            "currency": "KHR",
            "address": "ផ្ទះលេខ ១២ ផ្លូវ ២៧១\nភ្នំពេញ",
        },
        ("ចាន់ថា", "សុខ", "ផ្ទះលេខ ៤៥ ផ្លូវ ៣៦០", "12302", "ភ្នំពេញ"),
        "400000",
        "<p>{{ salutation }}</p><p>យើងខ្ញុំសូមថ្លែងអំណរគុណយ៉ាងជ្រាលជ្រៅចំពោះអំណោយដ៏សប្បុរស"
        "របស់លោកអ្នកចំនួន {{ amount }} ({{ amount_in_words }}) ដែលយើងខ្ញុំបានទទួលនៅថ្ងៃទី "
        "{{ date }}។ ជំនួយរបស់លោកអ្នកនឹងជួយផ្តល់អាហារដល់ក្រុមគ្រួសារក្រីក្រនៅក្នុងសហគមន៍របស់"
        "យើង ហើយធ្វើឱ្យកុមារជាច្រើនអាចទៅសាលារៀនបានដោយមិនឃ្លាន។</p>",
    ),
    (
        "fa",
        {
            "name": "بنیاد مهر",
            "country": "IR",
            "timezone": "Asia/Tehran",
            "currency": "IRR",
            "address": "تهران، خیابان آزادی، شماره ۱۲",
            "solar_hijri": True,
        },
        ("مریم", "رضایی", "خیابان ولیعصر، کوچه نسترن، شماره ۴۵", "1416753955", "تهران"),
        "25000000",
        "<p>{{ salutation }}،</p><p>از هدیهٔ سخاوتمندانهٔ شما به مبلغ {{ amount }} "
        "({{ amount_in_words }}) که در تاریخ {{ date }} به دست ما رسید، صمیمانه سپاسگزاریم. "
        "کمک شما به خانواده‌های نیازمند محله غذا می‌رساند و به کودکان امکان می‌دهد بدون "
        "گرسنگی به مدرسه بروند.</p>",
    ),
    (
        "kk",
        {
            "name": "Мейірім қоры",
            "country": "KZ",
            "timezone": "Asia/Almaty",
            "currency": "KZT",
            "address": "Абай даңғылы, 12\nАлматы",
        },
        ("Әлия", "Нұрланқызы", "Төле би көшесі, 45", "050000", "Алматы"),
        "50000",
        "<p>{{ salutation }},</p><p>{{ date }} күні келіп түскен {{ amount }} "
        "({{ amount_in_words }}) көлеміндегі жомарт сыйлығыңыз үшін шын жүректен алғыс айтамыз. "
        "Сіздің көмегіңіз мұқтаж отбасыларға азық-түлік жеткізуге және балалардың мектепке аш "
        "бармауына мүмкіндік береді.</p>",
    ),
]


def _generate():
    """One organization per language, a donor, a gift and the letter template (as the owner)."""
    made = []
    for language, organization_fields, person, amount, body in SCRIPTS:
        organization = Organization.objects.create(
            slug=f"letters-{language}",
            language=language,
            sender_name="Director",
            **organization_fields,
        )
        first, last, street, postal_code, city = person
        contact = Contact.objects.create(
            organization=organization,
            first_name=first,
            last_name=last,
            name=f"{last} {first}" if language == "km" else f"{first} {last}",
            street=street,
            postal_code=postal_code,
            city=city,
            is_donor=True,
            search_name=normalise_text(f"{first} {last}"),
        )
        template = ThankYouTemplate.objects.create(
            organization=organization,
            name="Thank you",
            rule=Rule.DEFAULT,
            email_subject="-",
            email_body="-",
            letter_body=body,
        )
        with organization_scope(organization):
            gift = donor_services.gift_record(
                organization=organization,
                contact=contact,
                amount=Decimal(amount),
                received_on=timezone.localdate(),
            )
        made.append((language, organization, template, gift.pk))
    return made


def _time(language, organization, template, gift_id, letters):
    """ms per letter as the batch makes it: the merge fields in the letter's language, then the
    PDF (the first letter of each language is a warm-up: fonts loaded, template compiled)."""
    with organization_scope(organization), translation.override(language):
        template = ThankYouTemplate.objects.get(pk=template.pk)
        fields = describe(organization, [gift_id])[gift_id].make_fields()
        pdf = rendering.letter_pdf(organization=organization, template=template, fields=fields)
        timings = []
        for _ in range(letters):
            start = time.perf_counter()
            fields = describe(organization, [gift_id])[gift_id].make_fields()
            pdf = rendering.letter_pdf(organization=organization, template=template, fields=fields)
            timings.append((time.perf_counter() - start) * 1000)
    timings.sort()
    return {
        "letters": letters,
        "p50_ms": round(statistics.median(timings), 1),
        "p95_ms": round(timings[max(int(len(timings) * 0.95) - 1, 0)], 1),
        "letters_per_s": round(1000 * letters / sum(timings), 1),
        "pages": len(PdfReader(io.BytesIO(pdf)).pages),
        "pdf_kib": round(len(pdf) / 1024, 1),
    }


def run(*, letters=LETTERS):
    with roles.loading():
        made = _generate()
    results = {"measured_as": roles.current_role()}
    with roles.measuring():
        for language, organization, template, gift_id in made:
            results[language] = _time(language, organization, template, gift_id, letters)
    english = results["en"]["p50_ms"]
    results["p50_against_english"] = {
        language: round(results[language]["p50_ms"] / english, 2) for language, *_ in made
    }
    return results
