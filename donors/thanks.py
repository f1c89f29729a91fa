"""Gifts as things to thank: what is not thanked yet, and the merge fields of their letters."""

from datetime import datetime, time, timedelta
from decimal import Decimal
from functools import partial
from zoneinfo import ZoneInfo

from babel import UnknownLocaleError
from babel.numbers import get_currency_name
from django.db.models import Min, Prefetch
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from num2words import CONVERTER_CLASSES, num2words

from donors import selectors, services, summaries
from donors.models import Gift, GiftAllocation, GiftKind, Tribute
from donors.updates import unsubscribe_url
from stakeholders import formats, text
from stakeholders.templatetags.steward import money
from thankyous.models import Rule
from thankyous.registry import DefaultTemplate, ThankItem

# Gifts older than this are history (imports, back-office entries): "Thank now" still works.
THANK_WINDOW_DAYS = 30
RULES = (  # the most specific first: a tribute letter beats a major-gift one
    Rule.TRIBUTE,
    Rule.MAJOR_GIFT,
    Rule.GRANT,
    Rule.IN_KIND,
    Rule.RECURRING,
    Rule.FIRST_GIFT,
    Rule.DEFAULT,
)
DEFAULT_TEMPLATE = DefaultTemplate(
    name=gettext_lazy("Thank you for your gift"),
    email_subject=gettext_lazy("Thank you, {{ first_name }}"),
    email_body=gettext_lazy(
        "{{ salutation }},\n\n"
        "Thank you for your gift of {{ amount }} on {{ date }} to {{ fund }}. "
        "{{ impact_sentence }}\n\n"
        "You can see what your support has changed here: {{ impact_page_link }}\n\n"
        "With gratitude,\n{{ signature }}"
    ),
    letter_body=gettext_lazy(
        "<p>{{ salutation }},</p>\n"
        "<p>Thank you for your generous gift of <strong>{{ amount }}</strong> "
        "({{ amount_in_words }}), received on {{ date }} for {{ fund }}.</p>\n"
        "<p>{{ impact_sentence }}</p>\n"
        "<p>For your records: the tax-deductible amount of this gift is "
        "{{ tax_deductible_amount }}.</p>"
    ),
)


def _received_at(gift, zone):
    """When the clock to thank starts: the gift's entry, or the end of the day it says it came
    in if it was entered later (a cheque typed in on Thursday that came on Monday has waited
    since Monday; a gift entered the day it came counts from its entry)."""
    end_of_day = datetime.combine(gift.received_on + timedelta(days=1), time.min, tzinfo=zone)
    return min(gift.created_at, end_of_day)


def candidates(organization):
    since = timezone.localdate() - timedelta(days=THANK_WINDOW_DAYS)
    return Gift.objects.filter(
        organization=organization, status=Gift.Status.RECEIVED, received_on__gte=since
    )


def candidates_version(organization):
    """The giving version: bumped (in the gifts' transaction) by every statement that adds,
    removes or changes a received gift — all ``candidates`` depends on besides the day."""
    return summaries.giving_version(organization=organization)


NUM2WORDS_LANGUAGES = {"kk": "kz"}  # num2words names Kazakh after the country


def _in_words(amount, currency):
    """ "fifty pounds sterling" (not "…, zero pence") in the letter's language. num2words knows
    currencies' own words in some languages ("pounds sterling", "pence"); elsewhere ICU spells
    the number (Khmer, Persian, Kazakh and every other CLDR language) and Babel names the
    currency. From a Decimal: num2words reads an int as pence."""
    amount = Decimal(amount).quantize(Decimal("0.01"))
    whole = int(amount) if amount == amount.to_integral_value() else None
    language = (get_language() or "en").split("-")[0]
    converter = CONVERTER_CLASSES.get(NUM2WORDS_LANGUAGES.get(language, language))
    if converter is not None:
        try:
            if whole is None:
                return num2words(amount, lang=language, to="currency", currency=currency)
            forms = getattr(converter, "CURRENCY_FORMS", {}).get(currency)
            if forms:
                return f"{converter.to_cardinal(whole)} {converter.pluralize(whole, forms[0])}"
        except (NotImplementedError, KeyError, ValueError, TypeError):
            pass  # num2words has no currencies in this language: ICU below
    try:
        name = get_currency_name(currency, count=whole if whole is not None else 2, locale=language)
    except UnknownLocaleError:
        name = currency
    return f"{text.spell_out(whole if whole is not None else amount, language)} {name}"


def _fields(organization, gift, first_gift_ids):
    contact = gift.contact
    funds = [a.fund for a in gift.allocation_list]
    impact = [
        _("%(units)s × %(label)s")
        % {
            "units": formats.format_number(a.amount // a.fund.impact_unit_amount),
            "label": a.fund.impact_unit_label,
        }
        for a in gift.allocation_list
        if a.fund.impact_unit_amount and a.amount >= a.fund.impact_unit_amount
    ]
    manager = contact.relationship_manager
    return {
        "donor_name": contact.name,
        "first_name": contact.first_name or contact.name,
        "salutation": contact.salutation
        or _("Dear %(name)s") % {"name": contact.first_name or contact.name},
        "postal_address": "\n".join(
            p
            for p in (
                contact.street,
                f"{contact.postal_code} {contact.city}".strip(),
                contact.country,
            )
            if p
        ),
        "amount": money(gift.amount, organization.currency),
        "amount_in_words": _in_words(gift.amount, organization.currency),
        "date": formats.format_date(gift.received_on, style="long"),
        "fund": ", ".join(f.name for f in funds) or _("where it is needed most"),
        "impact_sentence": (_("Your gift provides %(impact)s.") % {"impact": ", ".join(impact)})
        if impact
        else "",
        "tax_deductible_amount": money(gift.tax_deductible_amount or 0, organization.currency),
        "tribute": f"{gift.get_tribute_display()} {gift.tribute_name}" if gift.tribute else "",
        "relationship_manager": str(manager) if manager else organization.sender_name,
        "impact_page_link": services.impact_url(organization=organization, contact=contact),
        "unsubscribe_link": unsubscribe_url(organization=organization, contact=contact),
        "organization_name": organization.name,
        "signature": organization.sender_name or organization.name,
        "first_gift": "yes" if gift.pk in first_gift_ids else "",
    }


def describe(organization, ids):
    zone = ZoneInfo(organization.timezone)
    gifts = list(
        Gift.objects.filter(organization=organization, pk__in=ids)
        .select_related("contact", "contact__relationship_manager")
        # Into a list: a prefetched manager would build a scoped queryset per gift, which
        # costs more than the letter's database work.
        .prefetch_related(
            Prefetch(
                "allocations",
                GiftAllocation.objects.select_related("fund"),
                to_attr="allocation_list",
            )
        )
    )
    firsts = dict(
        selectors.counted_gifts(organization=organization)
        .filter(contact_id__in={g.contact_id for g in gifts})
        .values_list("contact_id")
        .annotate(first=Min("pk"))
        .values_list("contact_id", "first")
    )
    first_gift_ids = set(firsts.values())
    items = {}
    for gift in gifts:
        rules = set()
        if gift.pk in first_gift_ids:
            rules.add("first_gift")
        if gift.kind == GiftKind.RECURRING or gift.recurring_id:
            rules.add("recurring")
        if gift.kind == GiftKind.IN_KIND:
            rules.add("in_kind")
        if gift.kind == GiftKind.GRANT:
            rules.add("grant")
        if gift.tribute in (Tribute.HONOUR, Tribute.MEMORY):
            rules.add("tribute")
        skip = ""
        if gift.do_not_acknowledge:
            skip = "do not thank"
        elif gift.status != Gift.Status.RECEIVED:
            skip = gift.status
        items[gift.pk] = ThankItem(
            contact=gift.contact,
            received_at=_received_at(gift, zone),
            make_fields=partial(_fields, organization, gift, first_gift_ids),
            rules=rules,
            amount=gift.amount,
            skip_reason=skip,
        )
    return items


def sample(organization):
    """Merge fields for previews and for checking a template when it is saved."""
    return {
        "donor_name": "Ada Lovelace",
        "first_name": "Ada",
        "salutation": _("Dear Ada"),
        "postal_address": "12 Mill Lane\nBS1 4DJ Bristol",
        "amount": money(50, organization.currency),
        "amount_in_words": _in_words(50, organization.currency),
        "date": formats.format_date(timezone.localdate(), style="long"),
        "fund": _("Meals"),
        "impact_sentence": _("Your gift provides 2 × one week of meals."),
        "tax_deductible_amount": money(50, organization.currency),
        "tribute": "",
        "relationship_manager": organization.sender_name or "Amara Okafor",
        "impact_page_link": "https://example.org/impact",
        "unsubscribe_link": "https://example.org/unsubscribe",
        "organization_name": organization.name,
        "signature": organization.sender_name or organization.name,
        "first_gift": "yes",
    }
