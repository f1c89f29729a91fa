"""Gifts of every kind, where they went (funds), why they came (campaigns, appeals), and what
they changed (impact units and stories)."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from stakeholders.content_versions import LanguageVersions
from stakeholders.tenancy.models import TenantOwned, TriggerKept

MONEY = {"max_digits": 12, "decimal_places": 2}
ZERO = Decimal("0.00")


class Fund(TenantOwned):
    """A fund or programme a gift can be designated to, with what a unit of money achieves."""

    name = models.CharField(_("name"), max_length=150)
    description = models.TextField(_("description"), blank=True)
    impact_unit_amount = models.DecimalField(
        _("impact unit amount"),
        **MONEY,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.01"))],
        help_text=_("e.g. 25.00 for “£25 = one week of meals”."),
    )
    impact_unit_label = models.CharField(
        _("impact unit"), max_length=120, blank=True, help_text=_("e.g. “one week of meals”.")
    )
    is_active = models.BooleanField(_("open for gifts"), default=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="uniq_fund_name")
        ]

    def __str__(self):
        return self.name


class Campaign(TenantOwned):
    name = models.CharField(_("name"), max_length=150)
    starts_on = models.DateField(_("starts"), null=True, blank=True)
    ends_on = models.DateField(_("ends"), null=True, blank=True)
    goal = models.DecimalField(_("goal"), **MONEY, null=True, blank=True)

    class Meta:
        ordering = ["-starts_on", "name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="uniq_campaign_name")
        ]

    def __str__(self):
        return self.name


class Appeal(TenantOwned):
    """One ask within a campaign (a letter, an email, an event)."""

    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    name = models.CharField(_("name"), max_length=150)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="uniq_appeal_name")
        ]

    def __str__(self):
        return self.name


class Frequency(models.TextChoices):
    MONTHLY = "monthly", _("Monthly")
    QUARTERLY = "quarterly", _("Quarterly")
    ANNUALLY = "annually", _("Annually")


class RecurringGift(TenantOwned):
    """A standing order or card subscription: each instalment arrives as a gift."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        PAUSED = "paused", _("Paused")
        CANCELLED = "cancelled", _("Cancelled")

    contact = models.ForeignKey("stakeholders.Contact", on_delete=models.PROTECT, related_name="+")
    amount = models.DecimalField(
        _("amount"), **MONEY, validators=[MinValueValidator(Decimal("0.01"))]
    )
    frequency = models.CharField(_("frequency"), max_length=10, choices=Frequency.choices)
    started_on = models.DateField(_("started"))
    next_due_on = models.DateField(_("next due"), null=True, blank=True)
    payment_method = models.CharField(_("payment method"), max_length=20, blank=True)
    fund = models.ForeignKey(
        Fund, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-started_on"]


class Pledge(TenantOwned):
    """A promise to give a total, paid by gifts that point at it."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        FULFILLED = "fulfilled", _("Fulfilled")
        CANCELLED = "cancelled", _("Cancelled")

    contact = models.ForeignKey("stakeholders.Contact", on_delete=models.PROTECT, related_name="+")
    amount = models.DecimalField(
        _("amount pledged"), **MONEY, validators=[MinValueValidator(Decimal("0.01"))]
    )
    pledged_on = models.DateField(_("pledged on"))
    due_by = models.DateField(_("due by"), null=True, blank=True)
    fund = models.ForeignKey(
        Fund, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["-pledged_on"]


class GiftKind(models.TextChoices):
    MONEY = "money", _("Gift of money")
    RECURRING = "recurring", _("Recurring gift instalment")
    PLEDGE_PAYMENT = "pledge_payment", _("Pledge payment")
    IN_KIND = "in_kind", _("In-kind gift")
    PRO_BONO = "pro_bono", _("Pro bono service")
    GRANT = "grant", _("Foundation grant")
    SPONSORSHIP = "sponsorship", _("Corporate sponsorship")
    BEQUEST = "bequest", _("Bequest")


class PaymentMethod(models.TextChoices):
    CASH = "cash", _("Cash")
    CHEQUE = "cheque", _("Cheque")
    CARD = "card", _("Card")
    BANK_TRANSFER = "bank_transfer", _("Bank transfer")
    DIRECT_DEBIT = "direct_debit", _("Direct debit")
    ONLINE = "online", _("Online")
    OTHER = "other", _("Other")
    NONE = "none", _("Not money (goods or time)")


class Tribute(models.TextChoices):
    NONE = "", _("No tribute")
    HONOUR = "honour", _("In honour of")
    MEMORY = "memory", _("In memory of")


class Gift(TenantOwned):
    """What a donor gave. Amounts are Decimal in the organization's currency. A refund or a
    correction never edits history: the gift is marked and a correcting gift replaces it."""

    class Status(models.TextChoices):
        RECEIVED = "received", _("Received")
        EXPECTED = "expected", _("Expected")  # bequests and awarded grants not yet paid
        REFUNDED = "refunded", _("Refunded")
        REPLACED = "replaced", _("Replaced by a correction")

    contact = models.ForeignKey(
        "stakeholders.Contact", verbose_name=_("donor"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(
        _("kind"), max_length=16, choices=GiftKind.choices, default=GiftKind.MONEY
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RECEIVED)
    amount = models.DecimalField(_("amount"), **MONEY, validators=[MinValueValidator(ZERO)])
    received_on = models.DateField(_("date received"))
    payment_method = models.CharField(
        _("payment method"),
        max_length=16,
        choices=PaymentMethod.choices,
        default=PaymentMethod.CARD,
    )
    reference = models.CharField(
        _("reference"), max_length=100, blank=True, help_text=_("Transaction id, cheque number…")
    )
    campaign = models.ForeignKey(
        Campaign,
        verbose_name=_("campaign"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    appeal = models.ForeignKey(
        Appeal,
        verbose_name=_("appeal"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    tax_deductible_amount = models.DecimalField(
        _("tax-deductible amount"),
        **MONEY,
        null=True,
        blank=True,
        validators=[MinValueValidator(ZERO)],
    )
    description = models.TextField(
        _("description"), blank=True, help_text=_("What was given (in-kind) or done (pro bono).")
    )
    hours = models.DecimalField(_("hours"), max_digits=7, decimal_places=2, null=True, blank=True)
    tribute = models.CharField(_("tribute"), max_length=8, choices=Tribute.choices, blank=True)
    tribute_name = models.CharField(_("in honour or memory of"), max_length=200, blank=True)
    tribute_notify = models.ForeignKey(
        "stakeholders.Contact",
        verbose_name=_("person to notify"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    pledge = models.ForeignKey(
        Pledge, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    recurring = models.ForeignKey(
        RecurringGift, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    grant = models.ForeignKey(
        "donors.Grant", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    do_not_acknowledge = models.BooleanField(_("do not thank"), default=False)
    do_not_acknowledge_reason = models.CharField(_("why not"), max_length=200, blank=True)
    replaces = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, editable=False, related_name="+"
    )
    refunded_on = models.DateField(null=True, blank=True, editable=False)
    refund_reason = models.CharField(max_length=200, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-received_on", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "reference"],
                condition=~models.Q(reference="") & ~models.Q(status="replaced"),
                name="uniq_gift_reference",
            ),
            models.CheckConstraint(
                condition=models.Q(amount__gte=0), name="gift_amount_not_negative"
            ),
        ]
        indexes = [
            models.Index(
                fields=["organization", "contact", "-received_on", "-id"], name="gift_donor"
            ),
            models.Index(fields=["organization", "-received_on", "-id"], name="gift_recent"),
        ]

    def __str__(self):
        return f"{self.amount} ({self.received_on})"

    @property
    def counts(self):
        """Whether the gift counts in totals (refunded and replaced gifts don't)."""
        return self.status in (self.Status.RECEIVED,)


class GiftAllocation(TenantOwned):
    """The part of a gift designated to a fund; a gift may be split across several."""

    gift = models.ForeignKey(Gift, on_delete=models.CASCADE, related_name="allocations")
    fund = models.ForeignKey(Fund, on_delete=models.PROTECT, related_name="+")
    amount = models.DecimalField(**MONEY, validators=[MinValueValidator(ZERO)])

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "gift", "fund"], name="uniq_gift_fund")
        ]
        indexes = [models.Index(fields=["organization", "fund"], name="allocation_fund")]


class SoftCredit(TenantOwned):
    """Credit for someone who solicited or influenced a gift they did not give themselves."""

    class Kind(models.TextChoices):
        SOLICITOR = "solicitor", _("Asked for it")
        INFLUENCER = "influencer", _("Influenced it")
        HOUSEHOLD = "household", _("Household member")
        MATCHED = "matched", _("Employer match")

    gift = models.ForeignKey(Gift, on_delete=models.CASCADE, related_name="soft_credits")
    contact = models.ForeignKey("stakeholders.Contact", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.SOLICITOR)
    amount = models.DecimalField(**MONEY, null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "gift", "contact"], name="uniq_soft_credit"
            )
        ]


class ImpactStory(TenantOwned, LanguageVersions):
    """What gifts changed, told to donors; a translation carries its own title and story."""

    class Kind(models.TextChoices):
        GOOD_NEWS = "good_news", _("Good news")
        URGENT_NEED = "urgent_need", _("Urgent need")

    fund = models.ForeignKey(
        Fund, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.GOOD_NEWS)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("story"))
    photo = models.ImageField(_("photo"), upload_to="stories/", blank=True)
    published_on = models.DateField(_("date"))

    class Meta:
        ordering = ["-published_on", "-pk"]
        verbose_name_plural = _("impact stories")
        constraints = LanguageVersions.version_constraints("impact_story")

    def __str__(self):
        return self.title


class DonorSettings(TenantOwned):
    """How an organization keeps in touch with donors (one row per organization)."""

    donation_url = models.URLField(
        _("online giving page"), blank=True, help_text=_("Where donors can give again online.")
    )
    giving_instructions = models.TextField(
        _("other ways to give"), blank=True, help_text=_("Bank details, cheques, legacy giving…")
    )
    update_interval_days = models.PositiveSmallIntegerField(
        _("send updates every (days)"), default=30, validators=[MinValueValidator(7)]
    )
    frequency_cap_days = models.PositiveSmallIntegerField(
        _("at most one message per (days)"),
        default=14,
        validators=[MinValueValidator(1)],
        help_text=_("Counted across every non-transactional message a person gets."),
    )

    welcome_call_hour = models.PositiveSmallIntegerField(
        _("send the welcome-call list at (hour)"),
        default=9,
        validators=[MaxValueValidator(23)],
        help_text=_("Each relationship manager gets their list of new donors to call, daily."),
    )
    welcome_calls_sent_on = models.DateField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name_plural = _("donor settings")
        constraints = [models.UniqueConstraint(fields=["organization"], name="uniq_donor_settings")]

    @property
    def give_url(self):
        """The giving page donors are sent to: only an https one (they type card details there;
        an older http address saved before the form required https is not linked)."""
        url = self.donation_url or ""
        return url if url.lower().startswith("https://") else ""


class WelcomeCallOutcome(models.TextChoices):
    """How a welcome call went; all but "no answer" take the donor off the list."""

    REACHED = "reached", _("Spoke with them")
    MESSAGE = "message", _("Left a message")
    NO_ANSWER = "no_answer", _("No answer")
    WRONG_NUMBER = "wrong_number", _("Wrong number")


class DonorUpdate(TenantOwned, LanguageVersions):
    """News for donors (a story and a need), sent by the beat job at the organization's cadence
    to donors who agreed to updates and have not heard from it within the frequency cap. Only
    the original is scheduled and sent; each donor gets the version in their language."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SCHEDULED = "scheduled", _("Scheduled")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")

    title = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("message"))
    story = models.ForeignKey(
        ImpactStory,
        verbose_name=_("story"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    fund = models.ForeignKey(
        Fund,
        verbose_name=_("donors to"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Empty: every donor."),
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    send_after = models.DateTimeField(_("not before"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = LanguageVersions.version_constraints("donor_update")

    def __str__(self):
        return self.title


class UpdateDelivery(TenantOwned):
    """One donor's copy of an update: created before sending, so a rerun never sends twice."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENT = "sent", _("Sent")
        SKIPPED = "skipped", _("Skipped")

    update = models.ForeignKey(DonorUpdate, on_delete=models.CASCADE, related_name="+")
    contact = models.ForeignKey("stakeholders.Contact", on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    reason = models.CharField(max_length=40, blank=True)
    message_id = models.CharField(max_length=200, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("update delivery")
        verbose_name_plural = _("update deliveries")
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "update", "contact"], name="uniq_update_delivery"
            )
        ]


class Grant(TenantOwned):
    """A grant from a foundation or trust, from application to the last report."""

    class Stage(models.TextChoices):
        PROSPECT = "prospect", _("Prospect")
        SUBMITTED = "submitted", _("Application submitted")
        AWARDED = "awarded", _("Awarded")
        DECLINED = "declined", _("Declined")
        REPORTING = "reporting", _("Reporting")
        CLOSED = "closed", _("Closed")

    funder = models.ForeignKey(
        "stakeholders.Contact", verbose_name=_("funder"), on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField(_("title"), max_length=200)
    stage = models.CharField(
        _("stage"), max_length=10, choices=Stage.choices, default=Stage.PROSPECT
    )
    fund = models.ForeignKey(
        Fund,
        verbose_name=_("fund"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    amount_requested = models.DecimalField(_("amount requested"), **MONEY, null=True, blank=True)
    amount_awarded = models.DecimalField(_("amount awarded"), **MONEY, null=True, blank=True)
    submitted_on = models.DateField(_("submitted on"), null=True, blank=True)
    decided_on = models.DateField(_("decision on"), null=True, blank=True)
    next_report_due = models.DateField(_("next report due"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        ordering = ["next_report_due", "-submitted_on", "title"]

    def __str__(self):
        return self.title


class DonorYear(TenantOwned):
    """One donor's counted giving (received gifts) in one calendar year, with their running
    total and whether it is their latest year: lapsed donors, retention and the welcome-call
    list read about one row per donor and year instead of every gift. Kept by statement-level
    triggers on ``donors_gift`` (migration 0008) so every way a gift is written — the services,
    an import's ``bulk_create``, a merge's ``update()``, COPY — keeps it exact; nothing in
    Python writes it but ``donors.summaries.rebuild``."""

    contact = models.ForeignKey("stakeholders.Contact", on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    amount = models.DecimalField(max_digits=16, decimal_places=2)  # the year's total
    count = models.PositiveIntegerField()
    first_on = models.DateField()
    last_on = models.DateField()
    # Up to and including this year; the donor's first gift ever; no later year has a gift.
    running_total = models.DecimalField(max_digits=16, decimal_places=2)
    first_ever_on = models.DateField()
    latest = models.BooleanField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "contact", "year"], name="uniq_donor_year"
            )
        ]
        indexes = [
            # LYBUNT: last year's latest rows, largest first (then by name, an incremental sort)
            models.Index(
                fields=["organization", "year", "-amount"],
                condition=models.Q(latest=True),
                name="donor_year_lapsed",
            ),
            # SYBUNT: every donor's latest row by lifetime giving. The page's columns and the year
            # are in the index: the rows of this year's donors (most of the largest) are passed
            # over in the index alone, not fetched one by one (page 20: 44 ms -> ~10 ms at 200,000).
            models.Index(
                fields=["organization", "-running_total"],
                include=["year", "contact", "last_on"],
                condition=models.Q(latest=True),
                name="donor_year_lifetime",
            ),
            # New donors (welcome calls): by their first gift
            models.Index(
                fields=["organization", "first_ever_on"],
                condition=models.Q(latest=True),
                name="donor_year_newcomers",
            ),
            # Retention: donors with a gift in a window
            models.Index(fields=["organization", "year", "contact"], name="donor_year_year"),
        ]


class GivingVersion(TriggerKept):
    """Bumped by the same triggers once per statement that changes counted giving: the key of
    the cached report figures (``donors.summaries.figures``), so a cached figure is never older
    than the gifts it was computed from."""

    version = models.BigIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organization"], name="uniq_giving_version")]
