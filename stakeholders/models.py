"""The shared core: staff users, organizations (tenants), memberships, invitations, API tokens."""

import hashlib
import secrets
import zoneinfo

from babel.numbers import list_currencies
from django.conf import settings
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from stakeholders.branding import validate_brand_color
from stakeholders.registries import restricted_contact_roles
from stakeholders.tenancy.models import TenantOwned


def hash_secret(raw: str) -> str:
    """Tokens and invitation keys are long random strings: a plain SHA-256 is enough."""
    return hashlib.sha256(raw.encode()).hexdigest()


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, email, password=None, **extra):
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email, password=None, **extra):
        extra.update(is_staff=True, is_superuser=True)
        return self.create_user(email, password, **extra)


class User(AbstractUser):
    """A staff user: signs in with an email address. Platform-wide, not owned by an organization."""

    username = None
    first_name = None
    last_name = None
    name = models.CharField(_("name"), max_length=150, blank=True)
    email = models.EmailField(_("email address"), unique=True)
    language = models.CharField(
        _("interface language"),
        max_length=10,
        choices=settings.LANGUAGES,
        blank=True,
        help_text=_("Leave empty to follow your browser's language."),
    )

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = []

    objects = UserManager()

    def __str__(self):
        return self.name or self.email

    def get_full_name(self):
        return self.name

    def get_short_name(self):
        return self.name.split(" ")[0] if self.name else self.email


def validate_timezone(value):
    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("“%(value)s” is not a known time zone."), params={"value": value})


def validate_currency(value):
    if value not in list_currencies():
        raise ValidationError(
            _("“%(value)s” is not an ISO 4217 currency code."), params={"value": value}
        )


def logo_upload_to(organization, filename):
    return (
        f"organizations/{organization.pk}/logo-{secrets.token_hex(8)}.{filename.rsplit('.', 1)[-1]}"
    )


class Organization(models.Model):
    """A nonprofit: the tenant. Every tenant-owned row points at one."""

    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("web address"), max_length=60, unique=True)
    timezone = models.CharField(
        _("time zone"), max_length=64, default="UTC", validators=[validate_timezone]
    )
    currency = models.CharField(
        _("currency"), max_length=3, default="USD", validators=[validate_currency]
    )
    language = models.CharField(
        _("default language"), max_length=10, choices=settings.LANGUAGES, default="en"
    )
    logo = models.ImageField(_("logo"), upload_to=logo_upload_to, blank=True)
    address = models.TextField(_("postal address"), blank=True)
    country = models.CharField(
        _("country"),
        max_length=2,
        blank=True,
        help_text=_("Phone numbers written without a country code are read as this country's."),
    )
    other_languages = ArrayField(
        models.CharField(max_length=10, choices=settings.LANGUAGES),
        verbose_name=_("other languages of its readers"),
        default=list,
        blank=True,
        help_text=_(
            "Besides the default language, the languages your donors, volunteers and clients "
            "read. Staff see which templates, updates, stories, articles and opportunities have "
            "no version in them yet."
        ),
    )
    solar_hijri = models.BooleanField(
        _("Solar Hijri calendar and Persian digits"),
        default=False,
        help_text=_(
            "Pages, emails and letters in Persian show dates in the Solar Hijri calendar and "
            "numbers in Persian digits. Dates are still stored in the Gregorian calendar."
        ),
    )
    khmer_digits = models.BooleanField(
        _("Khmer digits"),
        default=False,
        help_text=_("Pages, emails and letters in Khmer show numbers in Khmer digits."),
    )
    contact_email = models.EmailField(
        _("contact email"),
        blank=True,
        help_text=_("Shown on your public pages; replies to your emails come here."),
    )
    phone = models.CharField(
        _("public phone number"),
        max_length=40,
        blank=True,
        help_text=_("Shown on your public pages, emails and letters."),
    )
    brand_color = models.CharField(
        _("brand colour"),
        max_length=7,
        blank=True,
        validators=[validate_brand_color],
        help_text=_(
            "Your colour on public pages, emails and letters, as # and six hexadecimal digits. "
            "Text on it is made white or dark, whichever reads better."
        ),
    )
    sender_name = models.CharField(
        _("sender name"),
        max_length=200,
        blank=True,
        help_text=_("The name letters and emails are signed with."),
    )
    require_mfa = models.BooleanField(
        _("require two-factor authentication"),
        default=False,
        help_text=_(
            "Staff must set up an authenticator app before they can open this organization."
        ),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("organization")

    def __str__(self):
        return self.name

    @property
    def content_languages(self):
        """The languages its content is written in: the default first, then the others."""
        return [self.language, *(code for code in self.other_languages if code != self.language)]


class Role(models.TextChoices):
    ADMIN = "admin", _("Admin")
    FUNDRAISER = "fundraiser", _("Fundraiser")
    VOLUNTEER_COORDINATOR = "volunteer_coordinator", _("Volunteer coordinator")
    CASEWORKER = "caseworker", _("Caseworker")
    VIEWER = "viewer", _("Viewer")


class Membership(models.Model):
    """A user's role in one organization. Global (queried across organizations to list a user's)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=32, choices=Role.choices, default=Role.VIEWER)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "user"], name="uniq_membership"),
        ]
        ordering = ["organization", "user__email"]

    def __str__(self):
        return f"{self.user} @ {self.organization} ({self.role})"


class Invitation(TenantOwned):
    """An emailed invitation to join an organization with a role. The key is stored hashed."""

    email = models.EmailField(_("email address"))
    role = models.CharField(_("role"), max_length=32, choices=Role.choices, default=Role.VIEWER)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "email"],
                condition=models.Q(accepted_at__isnull=True),
                name="uniq_open_invitation",
            ),
        ]
        ordering = ["-created_at"]

    def __str__(self):
        return self.email

    @property
    def is_expired(self):
        return self.accepted_at is None and self.expires_at <= timezone.now()


class UsedLink(TenantOwned):
    """A single-use signed link that has been used (``stakeholders.tenancy.links.use``): its
    random nonce, kept until the link would have expired anyway."""

    nonce = models.CharField(max_length=32)
    used_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "nonce"], name="uniq_used_link")
        ]
        indexes = [models.Index(fields=["organization", "expires_at"], name="used_link_expiry")]


class ApiTokenScope(models.TextChoices):
    READ = "read", _("Read only")
    READ_WRITE = "read_write", _("Read and write")


class ApiToken(TenantOwned):
    """A member's personal API token for one organization. Only a hash of the key is stored."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(max_length=12, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    # Machines get the least they need: read-only tokens may only GET (issue 22, point 6).
    scope = models.CharField(
        _("access"), max_length=10, choices=ApiTokenScope.choices, default=ApiTokenScope.READ_WRITE
    )
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    rate_limit_per_minute = models.PositiveIntegerField(
        _("requests per minute"),
        null=True,
        blank=True,
        help_text=_("Empty: the default limit."),
    )

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_expired(self):
        return self.expires_at is not None and self.expires_at <= timezone.now()


ALL_ROLES = tuple(Role.values)


# --- Contacts: one record per person or organization, whatever their role ---------------------


class ContactKind(models.TextChoices):
    PERSON = "person", _("Person")
    ORGANIZATION = "organization", _("Organization")
    HOUSEHOLD = "household", _("Household")


class Tag(TenantOwned):
    name = models.CharField(_("name"), max_length=60)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="uniq_tag_name")
        ]

    def __str__(self):
        return self.name


# The stakeholder roles a contact may hold (``is_<code>``), set by the apps behind them.
CONTACT_ROLES = (("donor", _("Donor")), ("volunteer", _("Volunteer")), ("client", _("Client")))


def contact_roles_seen_by(flags, staff_role):
    """The roles, as (code, label), that a contact's ``flags`` ({"is_donor": True, …}) hold
    and a member with ``staff_role`` may learn (``Contact.roles_seen_by``; a list's rows are
    read as values)."""
    hidden = restricted_contact_roles.hidden_from(staff_role)
    return [
        (code, label) for code, label in CONTACT_ROLES if flags[f"is_{code}"] and code not in hidden
    ]


class Contact(TenantOwned):
    """A stakeholder: a service user, volunteer or donor — often all three over the years.

    ``name`` and ``search_name`` are kept by the services (display name; lower-case, unaccented
    copy for typo-tolerant search). Roles are set by the apps that hold the data behind them.
    """

    kind = models.CharField(
        _("kind"), max_length=16, choices=ContactKind.choices, default=ContactKind.PERSON
    )
    title = models.CharField(_("title"), max_length=40, blank=True)
    first_name = models.CharField(_("first name"), max_length=100, blank=True)
    last_name = models.CharField(_("last name"), max_length=100, blank=True)
    organization_name = models.CharField(_("organization name"), max_length=200, blank=True)
    name = models.CharField(_("name"), max_length=300, editable=False)
    search_name = models.CharField(max_length=300, editable=False)
    # Its entry in the search's dictionary of names (stakeholders/search/models.py).
    name_entry = models.ForeignObject(
        "stakeholders.ContactName",
        from_fields=["organization", "search_name"],
        to_fields=["organization", "search_name"],
        on_delete=models.DO_NOTHING,
        null=True,  # no column: a join on the two columns named
        related_name="+",
    )
    salutation = models.CharField(
        _("salutation"),
        max_length=100,
        blank=True,
        help_text=_("How letters greet them, e.g. “Dear Fatima”."),
    )
    pronouns = models.CharField(_("pronouns"), max_length=40, blank=True)
    preferred_language = models.CharField(
        _("preferred language"), max_length=10, choices=settings.LANGUAGES, blank=True
    )
    email = models.EmailField(_("email"), blank=True)
    email_alt = models.EmailField(_("other email"), blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    mobile = models.CharField(_("mobile"), max_length=20, blank=True)
    preferred_channel = models.CharField(
        _("prefers messages by"),
        max_length=16,
        choices=[("email", _("Email")), ("sms", _("SMS")), ("whatsapp", _("WhatsApp"))],
        default="email",
        help_text=_("Reminders and updates go this way when it is possible; email otherwise."),
    )
    street = models.CharField(_("street address"), max_length=200, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    region = models.CharField(_("region"), max_length=100, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=20, blank=True)
    country = models.CharField(_("country"), max_length=2, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    external_id = models.CharField(
        _("external id"), max_length=100, blank=True, help_text=_("Its id in another system.")
    )
    relationship_manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("relationship manager"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    tags = models.ManyToManyField(Tag, through="ContactTag", related_name="+", blank=True)
    is_donor = models.BooleanField(default=False, editable=False)
    is_volunteer = models.BooleanField(default=False, editable=False)
    is_client = models.BooleanField(default=False, editable=False)
    do_not_contact = models.BooleanField(
        _("do not contact"), default=False, help_text=_("No message of any kind is sent.")
    )
    deceased = models.BooleanField(_("deceased"), default=False)
    deceased_on = models.DateField(_("date of death"), null=True, blank=True)
    last_interaction_at = models.DateTimeField(null=True, blank=True, editable=False)
    merged_into = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, editable=False, related_name="+"
    )
    erased_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["search_name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "external_id"],
                condition=~models.Q(external_id=""),
                name="uniq_contact_external_id",
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "email"], name="contact_email"),
            models.Index(
                fields=["organization", "email_alt"],
                condition=~models.Q(email_alt=""),
                name="contact_email_alt",
            ),
            models.Index(fields=["organization", "phone"], name="contact_phone"),
            models.Index(fields=["organization", "mobile"], name="contact_mobile"),
            models.Index(fields=["organization", "postal_code"], name="contact_postcode"),
            models.Index(fields=["organization", "search_name", "id"], name="contact_sort"),
            # The API's list and exports, newest first: without it the first page walks past
            # every newer contact of the other organizations.
            models.Index(fields=["organization", "-id"], name="contact_newest"),
            models.Index(fields=["organization", "relationship_manager"], name="contact_manager"),
            models.Index(fields=["organization", "-last_interaction_at"], name="contact_last_seen"),
        ]

    def __str__(self):
        return self.name

    def roles_seen_by(self, staff_role):
        """The stakeholder roles held, as (code, label), that a member with ``staff_role`` may
        learn: being a client is for caseworkers and admins (``restricted_contact_roles``)."""
        return contact_roles_seen_by(
            {f"is_{code}": getattr(self, f"is_{code}") for code, _label in CONTACT_ROLES},
            staff_role,
        )

    @property
    def is_active(self):
        return self.merged_into_id is None and self.erased_at is None


# What people may set on a contact, in the order forms show it (the rest is kept by services).
CONTACT_EDITABLE_FIELDS = (
    "kind",
    "title",
    "first_name",
    "last_name",
    "organization_name",
    "salutation",
    "pronouns",
    "preferred_language",
    "email",
    "email_alt",
    "phone",
    "mobile",
    "preferred_channel",
    "street",
    "city",
    "region",
    "postal_code",
    "country",
    "external_id",
    "relationship_manager",
    "notes",
    "do_not_contact",
    "deceased",
    "deceased_on",
)


class ContactTag(TenantOwned):
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="+")
    tag = models.ForeignKey(Tag, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "contact", "tag"], name="uniq_contact_tag"
            )
        ]


class RelationshipKind(models.TextChoices):
    HOUSEHOLD_MEMBER = "household_member", _("Household member")
    EMPLOYEE = "employee", _("Employee")
    TRUSTEE = "trustee", _("Trustee")
    BOARD_MEMBER = "board_member", _("Board member")
    CONTACT_PERSON = "contact_person", _("Contact person")
    OTHER = "other", _("Other")


class Relationship(TenantOwned):
    """A person linked to an organization or household contact."""

    person = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="+")
    related = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("relationship"), max_length=20, choices=RelationshipKind.choices)
    role_title = models.CharField(_("job title or role"), max_length=100, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "person", "related", "kind"], name="uniq_relationship"
            )
        ]


# --- Interactions ------------------------------------------------------------------------------


class Channel(models.TextChoices):
    PHONE = "phone", _("Phone")
    EMAIL = "email", _("Email")
    IN_PERSON = "in_person", _("In person")
    LETTER = "letter", _("Letter")
    SMS = "sms", _("SMS")
    WHATSAPP = "whatsapp", _("WhatsApp")
    FACEBOOK = "facebook", _("Facebook")
    INSTAGRAM = "instagram", _("Instagram")
    LIVE_CHAT = "live_chat", _("Live chat")
    VIDEO_CALL = "video_call", _("Video call")
    EVENT = "event", _("Event")
    OTHER = "other", _("Other")


class Direction(models.TextChoices):
    INBOUND = "inbound", _("Inbound")
    OUTBOUND = "outbound", _("Outbound")


class InteractionKind(models.TextChoices):
    CONVERSATION = "conversation", _("Conversation")
    COMPLAINT = "complaint", _("Complaint")


class ComplaintCategory(TenantOwned):
    """A category of what people tell us: a complaint (what went wrong) or an expectation (what
    they hoped for). Complaints logged, complaint requests and tagged feedback count towards the
    organization's top five of each kind."""

    class Kind(models.TextChoices):
        COMPLAINT = "complaint", _("Complaint")
        EXPECTATION = "expectation", _("Expectation")

    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.COMPLAINT)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = _("complaint categories")
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="uniq_complaint_category")
        ]

    def __str__(self):
        return self.name


class Interaction(TenantOwned):
    """Anything that passed between the organization and a contact, on any channel.

    ``related_kind``/``related_id`` link it to a gift, shift or service request: the feature
    apps name their kinds (e.g. "donors.gift") so the core needs no foreign key into them.
    """

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(
        _("kind"),
        max_length=16,
        choices=InteractionKind.choices,
        default=InteractionKind.CONVERSATION,
    )
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    direction = models.CharField(
        _("direction"), max_length=8, choices=Direction.choices, default=Direction.OUTBOUND
    )
    initiated_by_contact = models.BooleanField(_("they got in touch"), default=False)
    occurred_at = models.DateTimeField(_("when"))
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("staff member"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    subject = models.CharField(_("subject"), max_length=200)
    notes = models.TextField(_("notes"), blank=True)
    outcome = models.CharField(_("outcome"), max_length=200, blank=True)
    follow_up_on = models.DateField(_("follow up on"), null=True, blank=True)
    follow_up_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("follow-up owner"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    follow_up_done_at = models.DateTimeField(null=True, blank=True)
    complaint_category = models.ForeignKey(
        ComplaintCategory,
        verbose_name=_("complaint category"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    resolution = models.TextField(_("resolution"), blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    related_kind = models.CharField(max_length=40, blank=True)
    related_id = models.BigIntegerField(null=True, blank=True)
    is_bulk_message = models.BooleanField(
        default=False,
        editable=False,
        help_text=_(
            "A non-transactional message (update, appeal, newsletter): counts towards "
            "the frequency cap."
        ),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-occurred_at", "-pk"]
        indexes = [
            models.Index(
                fields=["organization", "contact", "-occurred_at", "-id"],
                name="interaction_timeline",
            ),
            models.Index(fields=["organization", "-occurred_at", "-id"], name="interaction_recent"),
            models.Index(
                fields=["organization", "follow_up_owner", "follow_up_on"],
                condition=models.Q(follow_up_on__isnull=False, follow_up_done_at__isnull=True),
                name="interaction_open_follow_up",
            ),
            models.Index(
                fields=["organization", "contact", "-occurred_at"],
                condition=models.Q(is_bulk_message=True),
                name="interaction_bulk_messages",
            ),
            models.Index(
                fields=["organization", "related_kind", "related_id"],
                condition=models.Q(related_id__isnull=False),
                name="interaction_related",
            ),
        ]

    def __str__(self):
        return self.subject

    @property
    def follow_up_overdue(self):
        return (
            self.follow_up_on is not None
            and self.follow_up_done_at is None
            and self.follow_up_on < timezone.localdate()
        )


class ContactEvent(TenantOwned):
    """Things that happened to the record itself (created, imported, merged, erased), and
    messages Steward withheld from the person (``stakeholders.sending``), with why."""

    class Kind(models.TextChoices):
        CREATED = "created", _("Created")
        IMPORTED = "imported", _("Imported")
        MERGED = "merged", _("Merged")
        MANAGER_CHANGED = "manager_changed", _("Relationship manager changed")
        NOT_SENT = "not_sent", _("Message not sent")
        EMAIL_SUPPRESSED = "email_suppressed", _("Email address suppressed")

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    summary = models.CharField(max_length=300)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    occurred_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(
                fields=["organization", "contact", "-occurred_at"], name="contact_event_timeline"
            )
        ]


# --- Consent and feedback ------------------------------------------------------------------------


class ConsentChannel(models.TextChoices):
    EMAIL = "email", _("Email")
    POST = "post", _("Post")
    PHONE = "phone", _("Phone")
    SMS = "sms", _("SMS")
    WHATSAPP = "whatsapp", _("WhatsApp")


class ConsentPurpose(models.TextChoices):
    THANK_YOUS = "thank_yous", _("Thank-yous")
    DONOR_UPDATES = "donor_updates", _("Donor updates")
    VOLUNTEER_NEWS = "volunteer_news", _("Volunteer news")
    APPEALS = "appeals", _("Fundraising appeals")
    SURVEYS = "surveys", _("Feedback surveys")


class ConsentSource(models.TextChoices):
    STAFF = "staff", _("Recorded by staff")
    FORM = "form", _("Public form")
    IMPORT = "import", _("Import")
    UNSUBSCRIBE = "unsubscribe", _("Unsubscribe link")
    PREFERENCES = "preferences", _("Their preferences page")
    API = "api", _("API")
    KEYWORD = "keyword", _("Text message keyword (STOP, START)")


class Consent(TenantOwned):
    """One consent decision. Append-only: a change is a new row, so the history is the record."""

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="+")
    channel = models.CharField(_("channel"), max_length=8, choices=ConsentChannel.choices)
    purpose = models.CharField(_("purpose"), max_length=20, choices=ConsentPurpose.choices)
    granted = models.BooleanField(_("granted"))
    source = models.CharField(_("source"), max_length=12, choices=ConsentSource.choices)
    wording = models.TextField(_("wording agreed"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-recorded_at", "-pk"]
        indexes = [
            models.Index(
                fields=["organization", "contact", "channel", "purpose", "-recorded_at"],
                name="consent_current",
            )
        ]

    def save(self, *args, **kwargs):
        if self.pk is not None and not kwargs.get("force_insert"):
            raise ValueError("Consent rows are never updated: record a new decision instead.")
        super().save(*args, **kwargs)


class FeedbackMeasure(models.TextChoices):
    CSAT = "csat", _("Satisfaction (CSAT, 1–5)")
    CES = "ces", _("Effort (CES, 1–7)")
    NPS = "nps", _("Recommendation (NPS, 0–10)")


SCORE_RANGES = {
    FeedbackMeasure.CSAT: (1, 5),
    FeedbackMeasure.CES: (1, 7),
    FeedbackMeasure.NPS: (0, 10),
}


class Feedback(TenantOwned):
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="+")
    interaction = models.ForeignKey(
        Interaction, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    related_kind = models.CharField(max_length=40, blank=True)
    related_id = models.BigIntegerField(null=True, blank=True)
    measure = models.CharField(_("measure"), max_length=4, choices=FeedbackMeasure.choices)
    score = models.PositiveSmallIntegerField(_("score"))
    comment = models.TextField(_("comment"), blank=True)
    by_contact = models.BooleanField(default=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    invitation = models.ForeignKey(
        "stakeholders.SurveyInvitation",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    category = models.ForeignKey(
        ComplaintCategory,
        verbose_name=_("tagged as"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("A complaint or an expectation this comment voices."),
    )

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(measure="csat", score__gte=1, score__lte=5))
                | models.Q(measure="ces", score__gte=1, score__lte=7)
                | models.Q(measure="nps", score__gte=0, score__lte=10),
                name="feedback_score_in_range",
            ),
        ]
        indexes = [models.Index(fields=["organization", "-created_at"], name="feedback_recent")]


# --- Working hours -----------------------------------------------------------------------------


class WorkingHours(TenantOwned):
    """One opening period on a weekday (0 = Monday), in the organization's time zone: the
    working-time clock (``stakeholders.clock``) of response targets and recovery cases."""

    weekday = models.PositiveSmallIntegerField(_("day"))
    opens = models.TimeField(_("opens"))
    closes = models.TimeField(_("closes"))

    class Meta:
        verbose_name = _("working hours")
        verbose_name_plural = _("working hours")
        ordering = ["weekday", "opens"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "weekday", "opens"], name="uniq_working_hours"
            ),
            models.CheckConstraint(
                condition=models.Q(weekday__gte=0, weekday__lte=6), name="working_hours_weekday"
            ),
        ]


class Holiday(TenantOwned):
    date = models.DateField(_("date"))
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "date"], name="uniq_holiday")
        ]

    def __str__(self):
        return self.name


# --- Duplicates and imports -------------------------------------------------------------------


class DuplicatePair(TenantOwned):
    """Two contacts that look like one person, waiting for a person to decide."""

    class Status(models.TextChoices):
        OPEN = "open", _("To review")
        DISMISSED = "dismissed", _("Not the same")
        MERGED = "merged", _("Merged")

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="+")
    other = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="+")
    reasons = models.CharField(max_length=100)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "contact", "other"], name="uniq_duplicate_pair"
            ),
            models.CheckConstraint(
                condition=models.Q(contact__lt=models.F("other")), name="pair_ordered"
            ),
        ]


def import_upload_to(job, filename):
    return f"private/imports/{job.organization_id}/{secrets.token_hex(12)}.csv"


class DataImport(TenantOwned):
    """A CSV import (contacts, gifts…): uploaded, mapped, checked in a dry run, then run — each
    step a Celery task. The apps say how to read their rows (``stakeholders.importing``)."""

    class Status(models.TextChoices):
        UPLOADED = "uploaded", _("Uploaded")
        CHECKING = "checking", _("Checking")
        CHECKED = "checked", _("Checked")
        IMPORTING = "importing", _("Importing")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    kind = models.CharField(max_length=20, default="contacts")
    file = models.FileField(upload_to=import_upload_to)
    original_name = models.CharField(max_length=200)
    encoding = models.CharField(max_length=40)
    delimiter = models.CharField(max_length=1)
    headers = models.JSONField(default=list)
    mapping = models.JSONField(default=dict)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.UPLOADED)
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    summary = models.JSONField(default=dict)
    errors = models.JSONField(default=list)
    message = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    @property
    def progress(self):
        return round(100 * self.processed_rows / self.total_rows) if self.total_rows else 0


class AuditAction(models.TextChoices):
    """What the audit log records: changes to who may do what, and reads or writes of many
    people's data at once."""

    MEMBER_ROLE = "member.role", _("Role changed")
    MEMBER_REMOVED = "member.removed", _("Member removed")
    MEMBER_JOINED = "member.joined", _("Invitation accepted")
    INVITATION_SENT = "invitation.sent", _("Invitation sent")
    INVITATION_REVOKED = "invitation.revoked", _("Invitation revoked")
    TOKEN_CREATED = "token.created", _("API token created")
    TOKEN_REVOKED = "token.revoked", _("API token revoked")
    SETTINGS_CHANGED = "organization.settings", _("Organization settings changed")
    EXPORT = "export", _("Data exported")
    SUBJECT_EXPORT = "contact.exported", _("A person's data exported")
    ERASED = "contact.erased", _("A person erased")
    MERGED = "contact.merged", _("Contacts merged")
    IMPORT = "import.run", _("Import run")
    PLATFORM_ADMIN = "platform.admin", _("Changed by a platform operator")
    COMMUNITY_MODERATION = "community.moderation", _("Community post or member moderated")
    COMMUNITY_IDEA = "community.idea", _("Idea status changed")
    COMMUNITY_NOTICE = "community.notice", _("Known-issue notice changed")
    COMMUNITY_SESSION = "community.session", _("Expert hours changed")
    COMMUNITY_PROMOTED = "community.promoted", _("Community answer made into an article")


class AuditEvent(TenantOwned):
    """Who did what, when and from where. Append-only in the database (a trigger refuses UPDATE,
    DELETE and TRUNCATE), and it keeps plain values, not foreign keys, so no later deletion
    changes a row."""

    created_at = models.DateTimeField(default=timezone.now)
    action = models.CharField(max_length=30, choices=AuditAction.choices)
    actor_id = models.BigIntegerField(null=True, blank=True)
    actor_email = models.CharField(max_length=254, blank=True)
    target_type = models.CharField(max_length=40, blank=True)
    target_id = models.BigIntegerField(null=True, blank=True)
    summary = models.CharField(max_length=300)
    changes = models.JSONField(default=dict, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    request_id = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["organization", "-created_at", "-id"], name="audit_recent")]

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action} {self.summary}"


# The experience loop's rows live in their own module, and belong to this app.
from stakeholders.experience.models import (  # noqa: E402, F401
    ExperienceSettings,
    JourneyPosition,
    JourneyStageSetting,
    JourneySummary,
    KeepInTouchRun,
    KeepInTouchStep,
    RecoveryAction,
    RecoveryCase,
    SurveyInvitation,
    SurveyRule,
)

# --- Deliverability ------------------------------------------------------------------------------


class EmailSuppression(TenantOwned):
    """An email address the organization must stop writing to, and why: a hard bounce (the
    address doesn't exist), a spam complaint, an unsubscribe at the email provider, or a member's
    decision. Written from the providers' tracking webhooks (``stakeholders.deliverability``);
    read by ``stakeholders.sending`` on every path. It outlives the person's erasure: it then
    holds the address alone, so the address stays protected."""

    class Reason(models.TextChoices):
        HARD_BOUNCE = "hard_bounce", _("Hard bounce")
        COMPLAINT = "complaint", _("Spam complaint")
        UNSUBSCRIBED = "unsubscribed", _("Unsubscribed")
        MANUAL = "manual", _("Suppressed by staff")

    contact = models.ForeignKey(
        Contact, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    email = models.EmailField(_("email"))  # lower case
    reason = models.CharField(_("reason"), max_length=20, choices=Reason.choices)
    provider = models.CharField(_("provider"), max_length=40, blank=True)
    provider_event_id = models.CharField(max_length=200, blank=True)
    detail = models.CharField(_("detail"), max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "email", "reason"], name="uniq_email_suppression"
            ),
            models.UniqueConstraint(
                fields=["organization", "provider_event_id"],
                condition=~models.Q(provider_event_id=""),
                name="uniq_email_suppression_event",
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "created_at"], name="email_suppression_recent"),
        ]

    def __str__(self):
        return f"{self.email} {self.reason}"


# --- The shared inbox ----------------------------------------------------------------------------

from stakeholders.inbox.models import (  # noqa: E402, F401
    CannedReply,
    Conversation,
    ConversationStatus,
    InboxSettings,
    Message,
    MessageAttachment,
    MessageChannel,
    MessageKind,
    MessageStatus,
    MessagingAccount,
    MessagingNumber,
    WhatsAppTemplate,
)

# --- Integrations: webhooks out, idempotent writes ------------------------------------------------
from stakeholders.integrations.models import (  # noqa: E402, F401
    ExportJob,
    IdempotencyRecord,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
)

# --- The search's dictionary of names ------------------------------------------------------------
from stakeholders.search.models import ContactName, ContactNameWord  # noqa: E402, F401
