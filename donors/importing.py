"""Gift import: CiviCRM contributions, Salesforce NPSP data import rows, payment processor
exports. Donors are matched by external id, email, then exact name; idempotent on the
transaction id (the same file twice creates no duplicates)."""

import re
from datetime import datetime
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from donors import services, summaries
from donors.models import Appeal, Campaign, Fund, Gift, GiftAllocation, GiftKind, PaymentMethod
from stakeholders import selectors as stakeholder_selectors
from stakeholders import services as stakeholder_services
from stakeholders.importing import Importer
from stakeholders.models import Contact, ContactEvent, Role

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
    label = gettext_lazy("gifts")
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
        ({"amount"}, gettext_lazy("Map the amount column.")),
        ({"received_on"}, gettext_lazy("Map the date column.")),
        (
            {"external_id", "email", "last_name"},
            gettext_lazy("Map a column that finds the donor: external id, email or name."),
        ),
    ]
    same_row_message = gettext_lazy("Same transaction id as an earlier row.")
    summary_labels = {
        "create": gettext_lazy("New gifts"),
        "update": gettext_lazy("Already imported (same transaction id)"),
        "duplicate": gettext_lazy("New donors created"),
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

    @staticmethod
    def _donor_keys(donor):
        name = ""
        if donor.get("last_name"):
            name = stakeholder_services.normalise_text(
                f"{donor.get('first_name', '')} {donor['last_name']}"
            )
        return donor.get("external_id", ""), donor.get("email", ""), name

    def prepare(self, organization, job):
        return {"new_donors": set(), "named": {}}

    def resolve(self, organization, rows, state):
        """Look a whole chunk up at once: known transaction ids, and donors by external id,
        email, then exact name (a name shared by two people matches nobody)."""
        references = [
            r.payload["gift"]["reference"] for r in rows if r.payload["gift"]["reference"]
        ]
        imported = set(
            Gift.objects.filter(organization=organization, reference__in=references)
            .exclude(status=Gift.Status.REPLACED)
            .values_list("reference", flat=True)
        )
        keys = [self._donor_keys(r.payload["donor"]) for r in rows]
        live = stakeholder_selectors.contacts_active(organization=organization)
        by_external = dict(
            live.filter(external_id__in=[k[0] for k in keys if k[0]]).values_list(
                "external_id", "pk"
            )
        )
        by_email = dict(
            live.filter(email__in=[k[1] for k in keys if k[1]]).values_list("email", "pk")
        )
        names = {}
        for name, pk in live.filter(search_name__in=[k[2] for k in keys if k[2]]).values_list(
            "search_name", "pk"
        ):
            names.setdefault(name, []).append(pk)
        for row, (external_id, email, name) in zip(rows, keys, strict=True):
            reference = row.payload["gift"]["reference"]
            row.existing = reference if reference in imported else None
            row.donor_id = (
                by_external.get(external_id)
                or by_email.get(email)
                or (names[name][0] if len(names.get(name, [])) == 1 else None)
                or state["named"].get((external_id, email, name))
            )

    def flagged(self, organization, row, state):
        """Counted once per new donor, however many of their gifts the file holds."""
        if row.existing is not None or row.donor_id:
            return False
        key = self._donor_keys(row.payload["donor"])
        if key in state["new_donors"]:
            return False
        state["new_donors"].add(key)
        return True

    def apply_chunk(self, organization, job, rows, state):
        """Bulk-write a chunk: new donors, gifts, their funds. Should the chunk fail as a whole
        (a transaction id entered meanwhile), each row goes through the careful path."""
        try:
            with transaction.atomic():
                self._bulk_apply(organization, job, rows, state)
        except (IntegrityError, ValidationError):
            for row in rows:
                row.flagged, row.error = False, None
            super().apply_chunk(organization, job, rows, state)

    def _bulk_apply(self, organization, job, rows, state):
        todo = [r for r in rows if r.existing is None]
        new_contacts = {}
        for row in todo:
            key = self._donor_keys(row.payload["donor"])
            if row.donor_id or key in new_contacts:
                continue
            donor = row.payload["donor"]
            if not donor.get("last_name"):
                row.error = ValidationError(
                    {"donor": [_("No donor matches, and the row has no name to create one.")]}
                )
                continue
            contact = Contact(organization=organization, is_donor=True, **donor)
            stakeholder_services.clean_contact(contact, organization=organization)
            new_contacts[key] = contact
        Contact.objects.bulk_create(new_contacts.values())
        ContactEvent.objects.bulk_create(
            ContactEvent(
                organization=organization,
                contact=c,
                kind=ContactEvent.Kind.IMPORTED,
                summary=_("Imported"),
                actor=job.created_by,
            )
            for c in new_contacts.values()
        )
        state["named"].update({key: c.pk for key, c in new_contacts.items()})
        gifts, funds, counted = [], [], set()
        for row in todo:
            if row.error is not None:
                continue
            key = self._donor_keys(row.payload["donor"])
            row.flagged = key in new_contacts and key not in counted  # each new donor once
            counted.add(key)
            contact_id = row.donor_id or new_contacts[key].pk
            names = row.payload["names"]
            gift = Gift(
                organization=organization,
                contact_id=contact_id,
                campaign=self._named(organization, Campaign, names["campaign"], state),
                appeal=self._named(organization, Appeal, names["appeal"], state),
                created_by=job.created_by,
                **row.payload["gift"],
            )
            if gift.tax_deductible_amount is None and gift.kind == GiftKind.MONEY:
                gift.tax_deductible_amount = gift.amount
            gifts.append(gift)
            funds.append(self._named(organization, Fund, names["fund"], state))
        Gift.objects.bulk_create(gifts)
        summaries.refresh_soon(organization=organization)
        GiftAllocation.objects.bulk_create(
            GiftAllocation(organization=organization, gift=gift, fund=fund, amount=gift.amount)
            for gift, fund in zip(gifts, funds, strict=True)
            if fund is not None
        )
        Contact.objects.filter(
            organization=organization, pk__in={g.contact_id for g in gifts}, is_donor=False
        ).update(is_donor=True)

    def _named(self, organization, model, name, state):
        """A campaign, appeal or fund by name, created the first time a file names it."""
        if not name:
            return None
        cache = state.setdefault(model.__name__, {})
        if name not in cache:
            cache[name] = model.objects.get_or_create(organization=organization, name=name)[0]
        return cache[name]

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
        external_id, email, name = self._donor_keys(donor)
        live = stakeholder_selectors.contacts_active(organization=organization)
        found = (
            (external_id and live.filter(external_id=external_id).first())
            or (email and live.filter(email=email).first())
            or None
        )
        if found is None and name:
            matches = list(live.filter(search_name=name)[:2])
            found = matches[0] if len(matches) == 1 else None
        return found

    def apply(self, organization, job, payload, existing):
        """The careful path for one row (used when a bulk chunk can't be written whole)."""
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
        names, cache = payload["names"], {}
        services.gift_record(
            organization=organization,
            contact=contact,
            fund=self._named(organization, Fund, names["fund"], cache),
            campaign=self._named(organization, Campaign, names["campaign"], cache),
            appeal=self._named(organization, Appeal, names["appeal"], cache),
            created_by=job.created_by,
            **payload["gift"],
        )
        return created

    def finish(self, organization, job, state):
        """Donors created in bulk were not checked for duplicates: queue that, in chunks."""
        from stakeholders.tasks import check_new_contacts_for_duplicates

        created = sorted(state["named"].values())
        for start in range(0, len(created), 1000):
            ids = created[start : start + 1000]
            transaction.on_commit(
                lambda ids=ids: check_new_contacts_for_duplicates.delay(
                    organization_id=organization.pk, contact_ids=ids
                )
            )
