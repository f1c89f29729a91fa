"""Dates, times, numbers, money and percentages in the reader's conventions: the language with
the organization's country, time zone, calendar and digits (``stakeholders.formats``)."""

import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.template import Context, Template
from django.urls import reverse
from django.utils import translation

from donors import services as donor_services
from stakeholders import formats, services
from stakeholders.models import Organization
from stakeholders.templatetags.steward import (
    CHART_LABEL_WIDTH,
    CHART_WIDTH,
    bar_chart,
)
from stakeholders.tenancy.models import organization_scope
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory

DAY = date(2026, 6, 17)
MOMENT = datetime(2026, 6, 17, 12, 5, tzinfo=UTC)

# language, country, time zone, Solar Hijri, Khmer digits, currency →
# short date, long date, date and time, time, month, number, percentage, money
CONVENTIONS = [
    (
        ("en", "GB", "Europe/London", False, False, "GBP"),
        ("17/06/2026", "17 June 2026", "17/06/2026, 13:05", "13:05", "Jun 2026", "1,234.5",
         "12.5%", "£1,234.50"),
    ),
    (
        ("en", "US", "America/New_York", False, False, "USD"),
        ("6/17/2026", "June 17, 2026", "6/17/2026, 8:05\u202fAM", "8:05\u202fAM", "Jun 2026",
         "1,234.5", "12.5%", "$1,234.50"),
    ),
    (  # no country: international English, day first — never US conventions by default
        ("en", "", "UTC", False, False, "EUR"),
        ("17/06/2026", "17 June 2026", "17/06/2026, 12:05\u202fpm", "12:05\u202fpm", "Jun 2026",
         "1,234.5", "12.5%", "€1,234.50"),
    ),
    (  # Solar Hijri and Persian digits; a Gregorian month keeps its Gregorian name
        ("fa", "IR", "Asia/Tehran", True, False, "IRR"),
        ("۱۴۰۵/۳/۲۷", "۲۷ خرداد ۱۴۰۵", "۱۴۰۵/۳/۲۷, ۱۵:۳۵", "۱۵:۳۵", "ژوئن ۲۰۲۶", "۱٬۲۳۴٫۵",
         "۱۲٫۵٪", "\u200eریال\xa0۱٬۲۳۴"),
    ),
    (
        ("fa", "IR", "Asia/Tehran", False, False, "IRR"),
        ("2026/6/17", "17 ژوئن 2026", "2026/6/17, 15:35", "15:35", "ژوئن 2026", "1,234.5",
         "12.5%", "\u200eریال\xa01,234"),
    ),
    (
        ("km", "KH", "Asia/Phnom_Penh", False, False, "KHR"),
        ("17/6/2026", "17 មិថុនា 2026", "17/6/2026, 7:05 PM", "7:05 PM", "មិថុនា 2026",
         "1,234.5", "12.5%", "1,234.50៛"),
    ),
    (
        ("km", "KH", "Asia/Phnom_Penh", False, True, "KHR"),
        ("១៧/៦/២០២៦", "១៧ មិថុនា ២០២៦", "១៧/៦/២០២៦, ៧:០៥ PM", "៧:០៥ PM", "មិថុនា ២០២៦",
         "១.២៣៤,៥", "១២,៥%", "១.២៣៤,៥០៛"),
    ),
    (
        ("kk", "KZ", "Asia/Almaty", False, False, "KZT"),
        ("17.06.2026", "2026\u202fж. 17 маусым", "17.06.2026, 17:05", "17:05",
         "2026\u202fж. мау.", "1\xa0234,5", "12,5%", "1\xa0234,50\xa0₸"),
    ),
    (
        ("fr", "FR", "Europe/Paris", False, False, "EUR"),
        ("17/06/2026", "17 juin 2026", "17/06/2026 14:05", "14:05", "juin 2026",
         "1\u202f234,5", "12,5\xa0%", "1\u202f234,50\xa0€"),
    ),
]  # fmt: skip


def organization(country, time_zone, solar_hijri=False, khmer_digits=False):
    return Organization(
        country=country, timezone=time_zone, solar_hijri=solar_hijri, khmer_digits=khmer_digits
    )


@pytest.mark.parametrize(("setting", "expected"), CONVENTIONS)
def test_each_language_writes_as_its_readers_do(setting, expected):
    language, country, time_zone, solar_hijri, khmer_digits, currency = setting
    with (
        translation.override(language),
        formats.organization_conventions(
            organization(country, time_zone, solar_hijri, khmer_digits)
        ),
    ):
        assert (
            formats.format_date(DAY),
            formats.format_date(DAY, style="long"),
            formats.format_datetime(MOMENT),
            formats.format_time(MOMENT),
            formats.format_month(date(2026, 6, 1)),
            formats.format_number(Decimal("1234.5")),
            formats.format_percent(Decimal("12.5"), decimals=1),
            formats.format_money(Decimal("1234.5"), currency),
        ) == expected


def test_riel_amounts_have_no_cents_unless_they_have_a_fraction():
    """No sen is in circulation: a gift of 400,000 riels is 400,000៛, not 400,000.00៛."""
    assert formats.format_money(Decimal("400000.00"), "KHR", language="km") == "400,000៛"
    assert formats.format_money(Decimal("5.50"), "KHR", language="km") == "5.50៛"
    assert formats.format_money(400000, "KHR", language="km") == "400,000៛"  # a sum from SQL
    assert formats.format_money(Decimal("25"), "USD", language="km") == "25.00$"


@pytest.mark.parametrize(
    ("language", "country", "first"),
    [
        ("fa", "", 5),
        ("fa", "AF", 5),
        ("km", "KH", 6),
        ("kk", "KZ", 0),
        ("en", "GB", 0),
        ("en", "US", 6),
        ("en", "", 0),
    ],
)
def test_a_week_starts_where_its_readers_start_it(db, language, country, first):
    organization = OrganizationFactory(language=language, country=country)
    with organization_scope(organization), translation.override(language):
        assert formats.first_weekday() == first


def test_a_date_is_the_same_day_in_every_time_zone():
    """A calendar date is not an instant: Kiritimati (UTC+14) and Samoa see the same day."""
    for zone in ("Pacific/Kiritimati", "Pacific/Pago_Pago", "Asia/Tehran"):
        with translation.override("en"), formats.organization_conventions(organization("GB", zone)):
            assert formats.format_date(DAY) == "17/06/2026"


def test_an_instant_is_read_in_the_organizations_time_zone():
    late = datetime(2026, 6, 17, 23, 30, tzinfo=UTC)
    with translation.override("en"):
        with formats.organization_conventions(organization("GB", "Europe/London")):
            assert formats.format_datetime(late) == "18/06/2026, 00:30"
        with formats.organization_conventions(organization("US", "America/Los_Angeles")):
            assert formats.format_datetime(late) == "6/17/2026, 4:30\u202fPM"


def test_the_scope_brings_the_organizations_conventions(db):
    uk = OrganizationFactory(country="GB", timezone="Europe/London")
    with translation.override("en"):
        with organization_scope(uk):
            assert formats.format_datetime(MOMENT) == "17/06/2026, 13:05"
        assert formats.format_datetime(MOMENT) == "17/06/2026, 12:05\u202fpm"  # no organization


def test_persian_organizations_start_with_the_solar_hijri_calendar(db):
    creator = UserFactory()
    persian = services.organization_create(
        creator=creator, name="خانه", slug="khane", language="fa"
    )
    english = services.organization_create(creator=creator, name="Home", slug="home")
    assert persian.solar_hijri and not english.solar_hijri
    assert not persian.khmer_digits


def test_staff_choose_the_calendar_and_digits_in_the_settings(client, db):
    khmer = OrganizationFactory(language="km", country="KH", timezone="Asia/Phnom_Penh")
    admin = MembershipFactory(organization=khmer, role="admin").user
    client.force_login(admin)
    url = reverse("stakeholders:settings_profile", kwargs={"org_slug": khmer.slug})
    page = client.get(url)
    assert 'name="khmer_digits"' in page.text and 'name="solar_hijri"' in page.text
    form = {
        name: getattr(khmer, name)
        for name in ("name", "contact_email", "country", "timezone", "currency", "language")
    }
    assert client.post(url, {**form, "khmer_digits": "on"}).status_code == 302
    khmer.refresh_from_db()
    assert khmer.khmer_digits
    with translation.override("km"), organization_scope(khmer):
        assert formats.format_date(DAY) == "១៧/៦/២០២៦"


def test_the_template_filters(db):
    uk = OrganizationFactory(country="GB", timezone="Europe/London")
    template = Template(
        "{% load steward %}{{ day|local_date }}|{{ day|local_date:'long' }}|"
        "{{ moment|local_datetime }}|{{ moment|local_time }}|{{ day|local_month }}|"
        "{{ hours|local_number:1 }}|{{ share|local_percent }}|{{ amount|money:'GBP' }}|"
        "{{ nothing|local_date }}"
    )
    context = Context(
        {
            "day": DAY,
            "moment": MOMENT,
            "hours": Decimal("3.25"),
            "share": 83,
            "amount": Decimal("50"),
            "nothing": None,
        }
    )
    with translation.override("en"), organization_scope(uk):
        assert template.render(context) == (
            "17/06/2026|17 June 2026|17/06/2026, 13:05|13:05|Jun 2026|3.2|83%|£50.00|"
        )


US_DATE = re.compile(r"\b(0?[1-9]|1[0-2])/(1[3-9]|2\d|3[01])/\d{2,4}\b")  # month first
TWELVE_HOURS = re.compile(r"\b(midnight|noon|[ap]\.m\.)|\d\s?[AP]M\b")


@pytest.mark.django_db
def test_a_uk_organization_never_shows_a_us_date(client):
    """Every page with dates, in English, for an organization in the UK: day first, a 24-hour
    clock, never 06/17/2026 or "midnight"."""
    uk = OrganizationFactory(slug="riverside", country="GB", timezone="Europe/London")
    admin = MembershipFactory(organization=uk, role="admin").user
    came = date(2025, 3, 14)
    with organization_scope(uk):
        ada = services.contact_create(organization=uk, first_name="Ada", last_name="Lovelace")
        services.interaction_log(
            organization=uk,
            contact=ada,
            staff=admin,
            channel="phone",
            subject="Thank-you call",
            occurred_at=datetime(2025, 3, 14, 0, 0, tzinfo=UTC),
            follow_up_on=came + timedelta(days=1),
        )
        gift = donor_services.gift_record(
            organization=uk, contact=ada, amount=Decimal("40"), received_on=came
        )
    client.force_login(admin)
    pages = [
        reverse("stakeholders:contact_detail", kwargs={"org_slug": uk.slug, "contact_id": ada.pk}),
        reverse("stakeholders:index", kwargs={"org_slug": uk.slug}),
        reverse("stakeholders:follow_ups", kwargs={"org_slug": uk.slug}),
        reverse("donors:index", kwargs={"org_slug": uk.slug}),
        reverse("donors:gift_detail", kwargs={"org_slug": uk.slug, "gift_id": gift.pk}),
    ]
    shown = ""
    for url in pages:
        page = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
        assert page.status_code == 200, url
        text = re.sub(r'datetime="[^"]*"', "", page.text)  # machine attributes stay ISO
        assert not US_DATE.search(text), (url, US_DATE.search(text).group(0))
        assert not TWELVE_HOURS.search(text), (url, TWELVE_HOURS.search(text).group(0))
        shown += text
    assert "14/03/2025, 00:00" in shown  # the call, at midnight
    assert "15/03/2025" in shown  # its follow-up
    assert "14/03/2025" in shown  # the gift


def test_monthly_chart_labels_carry_the_year(client, db):
    uk = OrganizationFactory(slug="riverside", country="GB", timezone="Europe/London")
    admin = MembershipFactory(organization=uk, role="admin").user
    client.force_login(admin)
    page = client.get(reverse("donors:index", kwargs={"org_slug": uk.slug}))
    labels = [label for label, _value in page.context["retention_chart"]]
    assert labels and all(re.fullmatch(r"[A-Z][a-z]{2,3} \d{4}", label) for label in labels)


@pytest.mark.parametrize(("language", "rtl"), [("en", False), ("fa", True)])
def test_bar_charts_keep_every_text_inside_the_canvas(language, rtl):
    rows = [("Phone", 12), ("A very long channel name indeed", 3), ("Email", 0)]
    with translation.override(language):
        chart = bar_chart(rows, title="Channels", chart_id="c")
    assert chart["direction"] == ("rtl" if rtl else "ltr")
    for bar in chart["bars"]:
        assert bar["bar_x"] >= 0 and bar["bar_x"] + bar["width"] <= CHART_WIDTH
        if rtl:  # mirrored: labels at the right edge, bars growing leftwards from their column
            assert bar["label_x"] == CHART_WIDTH
            assert bar["bar_x"] + bar["width"] == CHART_WIDTH - CHART_LABEL_WIDTH
            assert bar["value_x"] <= bar["bar_x"]
        else:
            assert bar["label_x"] == 0 and bar["bar_x"] == CHART_LABEL_WIDTH
            assert bar["value_x"] >= bar["bar_x"] + bar["width"]
    assert [bar["value"] for bar in chart["bars"]] == (
        ["۱۲", "۳", "۰"] if rtl else ["12", "3", "0"]
    )


@pytest.mark.parametrize(
    ("language", "setting", "tag"),
    [
        ("en", organization("GB", "Europe/London"), "en-GB"),
        ("en", organization("", "UTC"), "en-001"),
        ("fa", organization("IR", "Asia/Tehran", solar_hijri=True), "fa-IR"),
        ("fa", organization("IR", "Asia/Tehran"), "fa-IR-u-nu-latn"),
        ("km", organization("KH", "Asia/Phnom_Penh", khmer_digits=True), "km-KH-u-nu-khmr"),
        ("kk", organization("KZ", "Asia/Almaty"), "kk-KZ"),
    ],
)
def test_scripts_count_in_the_same_locale(language, setting, tag):
    """The batch entry's running total is formatted by the browser's Intl in this locale."""
    with translation.override(language), formats.organization_conventions(setting):
        assert formats.bcp47_locale() == tag


@pytest.mark.parametrize(
    "number",
    [
        "+442079460958",  # United Kingdom
        "+12025550143",  # United States (the North American plan's code 1)
        "+390612345678",  # Italy: the leading zero is part of the number
        "+3900012345",  # …and several of them
        "+982188776655",  # Iran
        "+85512345678",  # Cambodia (a three-digit code)
        "+77012345678",  # Kazakhstan (code 7, shared with Russia)
        "+34912345678",  # Spain
        "+33142685300",  # France
        "+80012345678",  # a non-geographic code (freephone)
        "+999123",  # no such country code: left as it was stored
        "+44",  # a code and nothing after it
        "020 7946 0958",  # not E.164: parsed as before
        "",
    ],
)
def test_a_stored_number_reads_as_the_phone_number_library_reads_it(number):
    """``phone`` splits a stored E.164 number itself (a list shows fifty): exactly what
    ``phonenumbers.parse`` makes of it."""
    import phonenumbers

    from stakeholders.templatetags.steward import phone

    try:
        parsed = phonenumbers.parse(number, None)
    except phonenumbers.NumberParseException:
        expected = number
    else:
        expected = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    assert phone(number) == expected


def test_a_stored_number_is_parsed_in_full_where_the_library_keeps_its_steps_to_itself(
    monkeypatch,
):
    from stakeholders.templatetags import steward

    monkeypatch.setattr(steward, "_COUNTRY_CODE", None)
    assert steward.phone("+390612345678") == "+39 06 1234 5678"
