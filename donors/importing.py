"""Gift import: CiviCRM contributions, Salesforce NPSP data import rows, payment processor
exports. Donors are matched by external id, email, then exact name; idempotent on the
transaction id (the same file twice creates no duplicates)."""

import re
from datetime import datetime
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from donors import services
from donors.models import Appeal, Campaign, Fund, Gift, GiftKind, PaymentMethod
from stakeholders import selectors as stakeholder_selectors
from stakeholders import services as stakeholder_services
from stakeholders.importing import Importer
from stakeholders.models import ContactEvent, Role

PAYMENT_METHODS = {
    "credit card": PaymentMethod.CARD,
    "debit card": PaymentMethod.CARD,
    "card": PaymentMethod.CARD,
    "check": PaymentMethod.CHEQUE,
    "cheque": PaymentMethod.CHEQUE,
    "cash": PaymentMethod.CASH,
    "eft": PaymentMethod.BANK_TRANSFER,
    "bank transfer": PaymentMethod.BANK_TRANSFER,
    "ach": PaymentMethod.BANK_TRANSFER,
    "wire": PaymentMethod.BANK_TRANSFER,
    "direct debit": PaymentMethod.DIRECT_DEBIT,
    "standing order": PaymentMethod.DIRECT_DEBIT,
    "paypal": PaymentMethod.ONLINE,
    "stripe": PaymentMethod.ONLINE,
    "online": PaymentMethod.ONLINE,
}
KINDS = {
    "in-kind": GiftKind.IN_KIND,
    "in kind": GiftKind.IN_KIND,
    "grant": GiftKind.GRANT,
    "bequest": GiftKind.BEQUEST,
}
COMPLETED = {"", "completed", "complete", "paid", "received", "closed won", "posted"}
DATE_FORMATS_DAY_FIRST = [
    "%Y-%m-%d",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%d/%m/%Y",
    "%d.%m.%Y",
    "%d-%m-%Y",
    "%d/%m/%y",
]
DATE_FORMATS_MONTH_FIRST = [
    "%Y-%m-%d",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%m/%d/%Y",
    "%m/%d/%y",
    "%m-%d-%Y",
]


def parse_amount(text):
    """Decimal from "1,234.50", "1.234,50", "€ 25", "25,00" — or a ValidationError."""
    cleaned = re.sub(r"[^\d,.\-]", "", text or "")
    if not cleaned:
        raise ValidationError(_("Enter the amount."))
    if "," in cleaned and "." in cleaned:
        decimal_mark = "," if cleaned.rfind(",") > cleaned.rfind(".") else "."
    elif "," in cleaned:
        decimal_mark = "," if len(cleaned.rsplit(",", 1)[1]) in (1, 2) else None
    else:
        decimal_mark = "."
    thousands = {",": ".", ".": ",", None: ","}[decimal_mark]
    normal = cleaned.replace(thousands, "")
    if decimal_mark == ",":
        normal = normal.replace(",", ".")
    try:
        return Decimal(normal).quantize(Decimal("0.01"))
    except InvalidOperation as error:
        raise ValidationError(_("“%(value)s” is not an amount.") % {"value": text}) from error


def parse_day(text, *, month_first):
    text = (text or "").strip()
    for fmt in DATE_FORMATS_MONTH_FIRST if month_first else DATE_FORMATS_DAY_FIRST:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValidationError(_("“%(value)s” is not a date we can read.") % {"value": text})


class GiftImporter(Importer):
    kind = "gifts"
    label = _lazy("gifts")
    roles = (Role.ADMIN, Role.FUNDRAISER)
    aliases = {
        "amount": [
            "total_amount",
            "amount",
            "donation_amount",
            "gift_amount",
            "gross",
            "net_amount",
        ],
        "received_on": [
            "receive_date",
            "date_received",
            "donation_date",
            "close_date",
            "gift_date",
            "date",
            "payment_date",
        ],
        "reference": [
            "trxn_id",
            "transaction_id",
            "payment_check_reference_number",
            "check_number",
            "reference",
            "charge_id",
        ],
        "kind": ["financial_type", "gift_type", "type"],
        "payment_method": ["payment_method", "payment_instrument", "method"],
        "campaign": ["campaign", "donation_campaign_name", "campaign_name"],
        "appeal": ["source", "appeal", "contribution_source"],
        "fund": ["fund", "designation", "gau", "general_accounting_unit"],
        "non_deductible_amount": ["non_deductible_amount", "non_deductible"],
        "status": ["contribution_status", "status", "stage"],
        "currency": ["currency", "currency_code"],
        "external_id": ["external_identifier", "external_id", "contact_external_id", "donor_id"],
        "email": ["email", "personal_email", "preferred_email", "donor_email"],
        "first_name": ["first_name", "firstname"],
        "last_name": ["last_name", "lastname", "surname"],
        "phone": ["mobile_phone", "phone", "home_phone"],
        "street": ["home_street", "street", "street_address"],
        "city": ["home_city", "city"],
        "postal_code": ["home_zip_postal_code", "postal_code", "zip", "postcode"],
        "country": ["home_country", "country"],
    }
    required = [
        ({"amount"}, _lazy("Map the amount column.")),
        ({"received_on"}, _lazy("Map the date column.")),
        (
            {"external_id", "email", "last_name"},
            _lazy("Map a column that finds the donor: external id, email or name."),
        ),
    ]
    same_row_message = _lazy("Same transaction id as an earlier row.")
    summary_labels = {
        "create": _lazy("New gifts"),
        "update": _lazy("Already imported (same transaction id)"),
        "duplicate": _lazy("New donors created"),
    }

    def parse(self, row, mapping, organization):
        values = {target: (row.get(header) or "").strip() for header, target in mapping.items()}
        errors, gift = {}, {}
        month_first = organization.country in ("US", "PH", "CA")
        try:
            gift["amount"] = parse_amount(values.get("amount"))
            if gift["amount"] < 0:
                errors["amount"] = [
                    _("A negative amount is a refund: mark the original gift refunded.")
                ]
        except ValidationError as error:
            errors["amount"] = error.messages
        try:
            gift["received_on"] = parse_day(values.get("received_on"), month_first=month_first)
            if gift["received_on"] > timezone.localdate():
                errors["received_on"] = [_("A gift can't be received in the future.")]
        except ValidationError as error:
            errors["received_on"] = error.messages
        status = values.get("status", "").lower()
        if status not in COMPLETED:
            errors["status"] = [
                _("Only completed gifts are imported (this one is “%(status)s”).")
                % {"status": values["status"]}
            ]
        currency = values.get("currency", "").upper()
        if currency and currency != organization.currency:
            errors["currency"] = [
                _("The gift is in %(currency)s; the organization's currency is %(ours)s.")
                % {"currency": currency, "ours": organization.currency}
            ]
        if values.get("non_deductible_amount") and "amount" in gift:
            try:
                gift["tax_deductible_amount"] = max(
                    gift["amount"] - parse_amount(values["non_deductible_amount"]), Decimal("0")
                )
            except ValidationError as error:
                errors["non_deductible_amount"] = error.messages
        gift["reference"] = values.get("reference", "")[:100]
        gift["kind"] = KINDS.get(values.get("kind", "").lower(), GiftKind.MONEY)
        method = values.get("payment_method", "").lower()
        gift["payment_method"] = PAYMENT_METHODS.get(
            method, PaymentMethod.OTHER if method else PaymentMethod.CARD
        )
        if gift["kind"] == GiftKind.IN_KIND:
            gift["payment_method"] = PaymentMethod.NONE
        donor = {
            k: values[k]
            for k in (
                "external_id",
                "email",
                "first_name",
                "last_name",
                "phone",
                "street",
                "city",
                "postal_code",
                "country",
            )
            if values.get(k)
        }
        if donor.get("email"):
            try:
                validate_email(donor["email"])
                donor["email"] = donor["email"].lower()
            except ValidationError:
                errors["email"] = [_("Enter a valid email address.")]
        if not (donor.get("external_id") or donor.get("email") or donor.get("last_name")):
            errors["donor"] = [_("Nothing in this row says who gave it.")]
        names = {k: values.get(k, "")[:150] for k in ("campaign", "appeal", "fund")}
        if errors:
            raise ValidationError(errors)
        return {"gift": gift, "donor": donor, "names": names}

    def key(self, payload):
        return payload["gift"]["reference"] or None

    def existing(self, organization, payload):
        reference = payload["gift"]["reference"]
        if not reference:
            return None
        return (
            Gift.objects.filter(organization=organization, reference=reference)
            .exclude(status=Gift.Status.REPLACED)
            .first()
        )

    def _donor(self, organization, donor):
        live = stakeholder_selectors.contacts_active(organization=organization)
        if donor.get("external_id"):
            found = live.filter(external_id=donor["external_id"]).first()
            if found:
                return found
        if donor.get("email"):
            found = live.filter(email=donor["email"]).first()
            if found:
                return found
        if donor.get("last_name"):
            name = stakeholder_services.normalise_text(
                f"{donor.get('first_name', '')} {donor['last_name']}"
            )
            matches = list(live.filter(search_name=name)[:2])
            if len(matches) == 1:
                return matches[0]
        return None

    def flagged(self, organization, payload, existing):
        return existing is None and self._donor(organization, payload["donor"]) is None

    def apply(self, organization, job, payload, existing):
        if existing is not None:
            return False  # imported before: nothing to do (idempotent on the transaction id)
        donor = payload["donor"]
        contact = self._donor(organization, donor)
        created = contact is None
        if created:
            if not donor.get("last_name"):
                raise ValidationError(
                    {"donor": [_("No donor matches, and the row has no name to create one.")]}
                )
            contact = stakeholder_services.contact_create(
                organization=organization,
                actor=job.created_by,
                event=ContactEvent.Kind.IMPORTED,
                **donor,
            )
        names = payload["names"]
        campaign = (
            Campaign.objects.get_or_create(organization=organization, name=names["campaign"])[0]
            if names["campaign"]
            else None
        )
        appeal = (
            Appeal.objects.get_or_create(
                organization=organization, name=names["appeal"], defaults={"campaign": campaign}
            )[0]
            if names["appeal"]
            else None
        )
        fund = (
            Fund.objects.get_or_create(organization=organization, name=names["fund"])[0]
            if names["fund"]
            else None
        )
        services.gift_record(
            organization=organization,
            contact=contact,
            fund=fund,
            campaign=campaign,
            appeal=appeal,
            created_by=job.created_by,
            **payload["gift"],
        )
        return created
