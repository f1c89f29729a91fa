"""Dates, times, numbers, money and percentages as the reader writes them, from CLDR through ICU
(icu4py): the active language with the organization's country, time zone, calendar and digits.

- The locale is the language with the organization's country: English for a UK organization
  reads 17/06/2026 and 13:05, for a US one 6/17/2026 and 1:05 PM. A pair CLDR does not know
  falls back to the language, and English without a country to international English (en_001,
  day first) — never silently to US conventions.
- Persian pages use the Solar Hijri calendar and Persian digits when the organization chose
  them (on by default for Persian organizations), else Gregorian dates in Latin digits; Khmer
  pages use Khmer digits when the organization chose them. Every other language keeps the
  Gregorian calendar whatever its country's custom, and only people's view changes: what is
  stored stays Gregorian and UTC.
- One style per kind of document: short numeric dates in pages (17/06/2026, ۱۴۰۵/۳/۲۷), long
  dates in letters and emails (17 June 2026), the locale's own clock (13:05, 1:05 PM).

The organization comes from ``organization_scope()`` (every entry point opens one), the language
from ``translation.override()``/the request, so an email rendered in a task for a Persian donor
of a UK organization reads Persian in London time without anyone passing either.
"""

from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal
from functools import lru_cache
from zoneinfo import ZoneInfo

from babel import core as babel_core
from babel import lists as babel_lists
from babel import localedata
from django.conf import settings
from django.utils import timezone, translation
from icu4py.messageformat import MessageFormat

# Currencies whose minor unit ISO and CLDR still list but nobody uses: the riel has had no sen in
# circulation for decades, so 400,000៛ — never 400,000.00៛ — unless an amount has a fraction.
WHOLE_UNITS_ONLY = frozenset({"KHR"})
DATE_SKELETONS = {"short": "yMd", "long": "yMMMMd"}
DATETIME_SKELETONS = {"short": "yMdjmm", "long": "yMMMMdjmm"}
TIME_SKELETON = "jmm"
MONTH_SKELETON = "yMMM"
DAY_SKELETON = "MMMd"


@dataclass(frozen=True)
class Conventions:
    """What an organization decides about how its people read dates and numbers."""

    country: str = ""
    time_zone: str = "UTC"
    solar_hijri: bool = False
    khmer_digits: bool = False

    @classmethod
    def of(cls, organization):
        return cls(
            country=organization.country,
            time_zone=organization.timezone,
            solar_hijri=organization.solar_hijri,
            khmer_digits=organization.khmer_digits,
        )


_organization = ContextVar("steward_formats_organization", default=None)


@contextmanager
def organization_conventions(organization):
    """Format in ``organization``'s conventions inside the block (``organization_scope`` opens
    this with the scope). Read when something is formatted, not before: a scope that formats
    nothing never loads a deferred field."""
    token = _organization.set(organization)
    try:
        yield
    finally:
        _organization.reset(token)


def active_conventions():
    """The organization's conventions, or, outside any organization (sign-in, the organization
    picker), the language's own (Persian in its calendar and digits) in the active time zone."""
    organization = _organization.get()
    if organization is None:
        return Conventions(time_zone=timezone.get_current_timezone_name(), solar_hijri=True)
    return Conventions.of(organization)


def _language(language):
    code = language or translation.get_language() or settings.LANGUAGE_CODE
    return translation.to_locale(code).split("_")[0]


@lru_cache(maxsize=256)
def _base_locale(language, country):
    if country and localedata.exists(f"{language}_{country}"):
        return f"{language}_{country}"
    return "en_001" if language == "en" else language


def icu_locale(language=None, *, time_zone=None, gregorian=False):
    """The ICU locale for the reader: "en_GB@calendar=gregorian;timezone=Europe/London",
    "fa_IR@calendar=persian;timezone=Asia/Tehran". ``gregorian`` keeps Persian digits but not
    the Solar Hijri calendar (for Gregorian months counted in the database)."""
    language = _language(language)
    conventions = active_conventions()
    keywords = {"calendar": "gregorian", "timezone": time_zone or conventions.time_zone}
    if language == "fa":
        if not conventions.solar_hijri:
            keywords["numbers"] = "latn"
        elif not gregorian:
            keywords["calendar"] = "persian"
    elif language == "km" and conventions.khmer_digits:
        keywords["numbers"] = "khmr"
    options = ";".join(f"{key}={value}" for key, value in sorted(keywords.items()))
    return f"{_base_locale(language, conventions.country)}@{options}"


def first_weekday(language=None):
    """The day a week starts on for the reader, 0 = Monday (CLDR): Saturday in Iran and
    Afghanistan, Sunday in Cambodia and the US, Monday in Kazakhstan and the UK. Without a
    country, the language's own (Persian: Iran's)."""
    language = _language(language)
    country = active_conventions().country
    if not country and language != "en":
        likely = babel_core.get_global("likely_subtags").get(language, "")
        country = likely.split("_")[-1] if likely.count("_") else ""
    return babel_core.Locale.parse(_base_locale(language, country)).first_week_day


def bcp47_locale(language=None):
    """The reader's locale for the browser's ``Intl`` (the same CLDR), where a page counts as
    people type: "en-GB", "fa-IR" (Persian digits), "fa-IR-u-nu-latn", "km-KH-u-nu-khmr"."""
    language = _language(language)
    conventions = active_conventions()
    tag = _base_locale(language, conventions.country).replace("_", "-")
    if language == "fa" and not conventions.solar_hijri:
        return f"{tag}-u-nu-latn"
    if language == "km" and conventions.khmer_digits:
        return f"{tag}-u-nu-khmr"
    return tag


@lru_cache(maxsize=512)
def _message(pattern, locale):
    return MessageFormat(pattern, locale)


def _format(pattern, value, locale):
    return _message(pattern, locale).format({"v": value})


def _moment(value):
    """An aware datetime (a naive one is read in the organization's time zone)."""
    if timezone.is_naive(value):
        return timezone.make_aware(value, ZoneInfo(active_conventions().time_zone))
    return value


def _noon_utc(day):
    """A calendar date as an instant that is that date in UTC, where dates are formatted."""
    return datetime(day.year, day.month, day.day, 12, tzinfo=UTC)


def format_date(value, *, style="short", language=None, locale=None):
    """17/06/2026 (en-GB), 6/17/2026 (en-US), ۱۴۰۵/۳/۲۷ (fa, Solar Hijri); ``style="long"``
    for letters and emails: 17 June 2026, ۲۷ خرداد ۱۴۰۵. A datetime is read in the
    organization's time zone; ``locale``, its ``icu_locale()`` already built (a page of
    dates)."""
    if value in (None, ""):
        return ""
    pattern = f"{{v, date, ::{DATE_SKELETONS[style]}}}"
    if isinstance(value, datetime):
        return _format(pattern, _moment(value), locale or icu_locale(language))
    return _format(pattern, _noon_utc(value), icu_locale(language, time_zone="UTC"))


def format_datetime(value, *, style="short", language=None):
    """17/06/2026, 13:05 (en-GB), 6/17/2026, 1:05 PM (en-US), in the organization's time zone.
    A date without a time is formatted as a date."""
    if value in (None, ""):
        return ""
    if not isinstance(value, datetime):
        return format_date(value, style=style, language=language)
    pattern = f"{{v, date, ::{DATETIME_SKELETONS[style]}}}"
    return _format(pattern, _moment(value), icu_locale(language))


def format_time(value, *, language=None):
    """13:05 (en-GB, fr, fa), 1:05 PM (en-US): a datetime in the organization's time zone, or a
    time of day as it is."""
    if value in (None, ""):
        return ""
    pattern = f"{{v, time, ::{TIME_SKELETON}}}"
    if isinstance(value, time):
        moment = datetime.combine(date(2000, 1, 1), value, tzinfo=UTC)
        return _format(pattern, moment, icu_locale(language, time_zone="UTC"))
    return _format(pattern, _moment(value), icu_locale(language))


def format_month(value, *, language=None):
    """A Gregorian month as counted in the database: "Jun 2026", "juin 2026", "ژوئن ۲۰۲۶". Its
    name stays Gregorian with the Solar Hijri calendar too: such a month straddles two Persian
    ones, and naming it after either would misdate half its figures."""
    if value in (None, ""):
        return ""
    day = value.date() if isinstance(value, datetime) else value
    pattern = f"{{v, date, ::{MONTH_SKELETON}}}"
    return _format(pattern, _noon_utc(day), icu_locale(language, time_zone="UTC", gregorian=True))


def format_day(value, *, language=None):
    """A day of this year, for charts: "17 Jun", "Jun 17", "۲۷ خرداد"."""
    pattern = f"{{v, date, ::{DAY_SKELETON}}}"
    return _format(pattern, _noon_utc(value), icu_locale(language, time_zone="UTC"))


def _decimal(value):
    return value if isinstance(value, (int, Decimal)) else Decimal(str(value))


def format_number(value, *, decimals=None, language=None):
    """1,234.5 (en), 1 234,5 (fr, kk), ۱٬۲۳۴٫۵ (fa), ១.២៣៤,៥ (km with Khmer digits), with at
    most ``decimals`` decimal places (trailing zeros dropped) when given."""
    if value in (None, ""):
        return ""
    pattern = "{v, number}" if decimals is None else f"{{v, number, ::{_precision(decimals)}}}"
    return _format(pattern, _decimal(value), icu_locale(language))


def _precision(decimals):
    """An ICU number skeleton's precision: at most ``decimals`` places."""
    return "precision-integer" if decimals == 0 else "." + "#" * decimals


def format_percent(points, *, decimals=0, language=None):
    """A percentage given in points (12.5 → "12.5%", "۱۲٫۵٪", "12,5 %")."""
    if points in (None, ""):
        return ""
    pattern = f"{{v, number, ::percent {_precision(decimals)}}}"
    return _format(pattern, _decimal(points), icu_locale(language))


def format_money(amount, currency, *, language=None):
    """An amount of money: "£1,234.50" (en-GB), "1 234,50 €" (fr), "‎£۱٬۲۳۴٫۵۰" (fa)."""
    if amount in (None, ""):
        return ""
    value = _decimal(amount)
    precision = " precision-integer" if currency in WHOLE_UNITS_ONLY and value == int(value) else ""
    pattern = f"{{v, number, ::currency/{currency}{precision}}}"
    return _format(pattern, value, icu_locale(language))


def format_duration(value, *, language=None):
    """A length of time in words, its two largest units: "1 day 17 hours", "3 hours 5 minutes",
    "۴۵ دقیقه" — CLDR's unit names and plurals through ICU, joined as the locale lists units.
    ``value`` is a timedelta or seconds; the sign is dropped (the page says left or overdue)."""
    if value in (None, ""):
        return ""
    seconds = abs(value.total_seconds() if hasattr(value, "total_seconds") else float(value))
    days, minutes = divmod(round(seconds / 60), 24 * 60)
    hours, minutes = divmod(minutes, 60)
    if days:
        parts = [("day", days), ("hour", hours)]
    elif hours:
        parts = [("hour", hours), ("minute", minutes)]
    else:
        parts = [("minute", minutes)]
    parts = parts[:1] + [part for part in parts[1:] if part[1]]
    locale = icu_locale(language)
    words = [
        _format(f"{{v, number, ::measure-unit/duration-{unit} unit-width-full-name}}", n, locale)
        for unit, n in parts
    ]
    list_locale = _base_locale(_language(language), active_conventions().country)
    return babel_lists.format_list(words, style="unit-narrow", locale=list_locale)
