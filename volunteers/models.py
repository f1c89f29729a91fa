"""Volunteers: who they are and what they offer (profiles, skills, causes, availability), the work
(opportunities, shifts, assignments), what they gave (hours), how they grow (trainings) and how
they are thanked (milestones)."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from stakeholders.content_versions import LanguageVersions, TranslatedTexts
from stakeholders.tenancy.models import TenantOwned

HOURS = {"max_digits": 6, "decimal_places": 2}

# Availability is a 21-bit mask: bit (weekday * 3 + part), Monday = 0, morning = 0.
WEEKDAYS = (
    _("Monday"),
    _("Tuesday"),
    _("Wednesday"),
    _("Thursday"),
    _("Friday"),
    _("Saturday"),
    _("Sunday"),
)
DAY_PARTS = (_("Morning"), _("Afternoon"), _("Evening"))
ALL_AVAILABILITY = (1 << 21) - 1


def availability_bit(weekday, part):
    return 1 << (weekday * 3 + part)


def day_part(hour):
    """Morning before noon, afternoon until five, evening after."""
    return 0 if hour < 12 else 1 if hour < 17 else 2


class VolunteerSettings(TranslatedTexts, TenantOwned):
    """What the organization decides about volunteering: the value of an hour, the consent words
    of its signup form (and their translations: a visitor reads and agrees to them in their
    language) and which websites may embed that form."""

    translated_fields = ("signup_intro", "consent_wording")

    hourly_rate = models.DecimalField(
        _("value of a volunteer hour"),
        max_digits=8,
        decimal_places=2,
        default=0,
        validators=[MinValueValidator(0)],
        help_text=_("Used to show the value of volunteer time (e.g. the national rate)."),
    )
    consent_wording = models.TextField(
        _("consent wording"),
        blank=True,
        help_text=_("What people agree to on the signup form (shown next to a required tick)."),
    )
    signup_intro = models.TextField(
        _("introduction on the signup form"), blank=True, max_length=1000
    )
    embed_origins = models.TextField(
        _("websites that may embed the form"),
        blank=True,
        help_text=_(
            "One address per line, e.g. https://www.example.org. Empty: any https website."
        ),
    )

    class Meta:
        verbose_name = _("volunteer settings")
        verbose_name_plural = _("volunteer settings")
        constraints = [
            models.UniqueConstraint(fields=["organization"], name="uniq_volunteer_settings")
        ]

    @property
    def origins(self):
        return [line.strip() for line in self.embed_origins.splitlines() if line.strip()]


class Skill(TenantOwned):
    name = models.CharField(_("name"), max_length=80)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="uniq_volunteer_skill")
        ]

    def __str__(self):
        return self.name


class Cause(TenantOwned):
    """A cause or programme people want to help with (interests on the signup form)."""

    name = models.CharField(_("name"), max_length=80)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="uniq_volunteer_cause")
        ]

    def __str__(self):
        return self.name


class HeardFrom(models.TextChoices):
    FRIEND = "friend", _("A friend or family member")
    WEBSITE = "website", _("Your website")
    SOCIAL = "social", _("Social media")
    EVENT = "event", _("An event")
    SCHOOL = "school", _("School, college or employer")
    OTHER = "other", _("Somewhere else")


class PendingSignup(TenantOwned):
    """A signup waiting for its email address to be confirmed (double opt-in). Nothing about the
    person exists in the CRM until it is: the form's answers wait here."""

    email = models.EmailField()
    data = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)
    confirmation_sent_at = models.DateTimeField(null=True, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    profile = models.ForeignKey(
        "VolunteerProfile", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "email"],
                condition=models.Q(confirmed_at__isnull=True),
                name="uniq_open_volunteer_signup",
            )
        ]
        indexes = [
            # the confirmation sweep and the nightly purge look only at unconfirmed rows
            models.Index(
                fields=["created_at"],
                condition=models.Q(confirmed_at__isnull=True),
                name="signup_unconfirmed",
            )
        ]


class VolunteerProfile(TenantOwned):
    """A contact's life as a volunteer (one per contact)."""

    class Status(models.TextChoices):
        APPLICANT = "applicant", _("Applicant")
        ACTIVE = "active", _("Active")
        PAUSED = "paused", _("Paused")
        LEFT = "left", _("Left")

    contact = models.ForeignKey("stakeholders.Contact", on_delete=models.CASCADE, related_name="+")
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.APPLICANT
    )
    skills = models.ManyToManyField(Skill, through="ProfileSkill", related_name="+", blank=True)
    causes = models.ManyToManyField(Cause, through="ProfileCause", related_name="+", blank=True)
    other_skills = models.CharField(_("other skills"), max_length=300, blank=True)
    availability = models.PositiveIntegerField(
        _("availability"), default=0, validators=[MaxValueValidator(ALL_AVAILABILITY)]
    )
    languages = models.CharField(_("languages"), max_length=200, blank=True)
    heard_from = models.CharField(
        _("how they heard about us"), max_length=10, choices=HeardFrom.choices, blank=True
    )
    under_18 = models.BooleanField(_("under 18"), default=False)
    birth_date = models.DateField(_("date of birth"), null=True, blank=True)
    guardian_name = models.CharField(_("parent or guardian"), max_length=150, blank=True)
    guardian_email = models.EmailField(_("guardian's email"), blank=True)
    guardian_phone = models.CharField(_("guardian's phone"), max_length=20, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    joined_at = models.DateTimeField(auto_now_add=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    # SHA-256 of the secret in their calendar feed's address (the secret itself is never kept:
    # shown once; a new one replaces it and the old address stops working). Empty: no feed.
    calendar_key_hash = models.CharField(max_length=64, blank=True, default="")

    class Meta:
        ordering = ["-joined_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "contact"], name="uniq_volunteer_profile"
            ),
            models.UniqueConstraint(
                fields=["organization", "calendar_key_hash"],
                condition=~models.Q(calendar_key_hash=""),
                name="uniq_volunteer_calendar_key",
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "status", "-joined_at"], name="volunteer_status")
        ]

    def __str__(self):
        return str(self.contact)

    def is_available(self, weekday, part):
        return bool(self.availability & availability_bit(weekday, part))


class ProfileSkill(TenantOwned):
    class Source(models.TextChoices):
        SIGNUP = "signup", _("Said at signup")
        TRAINING = "training", _("Gained in a training")
        STAFF = "staff", _("Added by staff")

    profile = models.ForeignKey(VolunteerProfile, on_delete=models.CASCADE, related_name="+")
    skill = models.ForeignKey(Skill, on_delete=models.CASCADE, related_name="+")
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.SIGNUP)
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "profile", "skill"], name="uniq_profile_skill"
            )
        ]


class ProfileCause(TenantOwned):
    profile = models.ForeignKey(VolunteerProfile, on_delete=models.CASCADE, related_name="+")
    cause = models.ForeignKey(Cause, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "profile", "cause"], name="uniq_profile_cause"
            )
        ]


class Training(TenantOwned):
    name = models.CharField(_("name"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    valid_months = models.PositiveSmallIntegerField(
        _("valid for (months)"),
        null=True,
        blank=True,
        help_text=_("Empty: it never expires."),
    )
    grants_skill = models.ForeignKey(
        Skill,
        verbose_name=_("skill it gives"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Added to the volunteer's skills when they complete it."),
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="uniq_training_name")
        ]

    def __str__(self):
        return self.name


class TrainingRecord(TenantOwned):
    profile = models.ForeignKey(VolunteerProfile, on_delete=models.CASCADE, related_name="+")
    training = models.ForeignKey(Training, on_delete=models.CASCADE, related_name="+")
    completed_on = models.DateField(_("completed on"))
    expires_on = models.DateField(_("expires on"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-completed_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "profile", "training", "completed_on"],
                name="uniq_training_record",
            )
        ]


class Opportunity(LanguageVersions, TenantOwned):
    """A role volunteers can take: what it is, what it needs, where — or its version in another
    language (``original`` set: only its title, description and location are read; shifts,
    skills, trainings, matching and hours belong to the original)."""

    title = models.CharField(_("title"), max_length=150)
    description = models.TextField(_("description"), blank=True)
    cause = models.ForeignKey(
        Cause,
        verbose_name=_("cause or programme"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    skills = models.ManyToManyField(
        Skill, through="OpportunitySkill", related_name="+", blank=True, verbose_name=_("skills")
    )
    trainings = models.ManyToManyField(
        Training,
        through="OpportunityTraining",
        related_name="+",
        blank=True,
        verbose_name=_("trainings required"),
    )
    location = models.CharField(_("location"), max_length=200, blank=True)
    city = models.CharField(
        _("town or city"), max_length=100, blank=True, help_text=_("Used to match people nearby.")
    )
    minimum_age = models.PositiveSmallIntegerField(
        _("minimum age"), null=True, blank=True, validators=[MaxValueValidator(120)]
    )
    is_active = models.BooleanField(_("open"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["title"]
        verbose_name_plural = _("opportunities")
        constraints = [
            # A translation may keep the original's title (a name that needs none).
            models.UniqueConstraint(
                fields=["organization", "title"],
                condition=models.Q(original__isnull=True),
                name="uniq_opportunity_title",
            ),
            *LanguageVersions.version_constraints("opportunity"),
        ]

    def __str__(self):
        return self.title


class OpportunitySkill(TenantOwned):
    opportunity = models.ForeignKey(Opportunity, on_delete=models.CASCADE, related_name="+")
    skill = models.ForeignKey(Skill, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "opportunity", "skill"], name="uniq_opportunity_skill"
            )
        ]


class OpportunityTraining(TenantOwned):
    opportunity = models.ForeignKey(Opportunity, on_delete=models.CASCADE, related_name="+")
    training = models.ForeignKey(Training, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "opportunity", "training"],
                name="uniq_opportunity_training",
            )
        ]


class ShiftSeries(TenantOwned):
    """A recurring shift: the rows it generated are ordinary shifts (each can then change)."""

    opportunity = models.ForeignKey(Opportunity, on_delete=models.CASCADE, related_name="+")
    every_weeks = models.PositiveSmallIntegerField(default=1)
    first_date = models.DateField()
    until_date = models.DateField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("shift series")
        verbose_name_plural = _("shift series")


class Shift(TenantOwned):
    opportunity = models.ForeignKey(
        Opportunity, verbose_name=_("opportunity"), on_delete=models.CASCADE, related_name="+"
    )
    series = models.ForeignKey(
        ShiftSeries, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    capacity = models.PositiveSmallIntegerField(
        _("places"), default=1, validators=[MinValueValidator(1)]
    )
    location = models.CharField(
        _("location"), max_length=200, blank=True, help_text=_("Empty: the opportunity's.")
    )
    notes = models.TextField(_("notes for volunteers"), blank=True)

    class Meta:
        ordering = ["starts_at", "pk"]
        indexes = [models.Index(fields=["organization", "starts_at"], name="shift_starts")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")), name="shift_ends_after"
            )
        ]

    def __str__(self):
        return f"{self.opportunity} · {self.starts_at:%Y-%m-%d %H:%M}"

    @property
    def duration_hours(self):
        return round((self.ends_at - self.starts_at).total_seconds() / 3600, 2)


class Assignment(TenantOwned):
    """A volunteer on a shift. One row per (shift, volunteer): cancelling and signing up again
    reuse it, so a place is never counted twice."""

    class Status(models.TextChoices):
        CONFIRMED = "confirmed", _("Confirmed")
        WAITLISTED = "waitlisted", _("On the waiting list")
        CANCELLED = "cancelled", pgettext_lazy("assignment", "Cancelled")
        ATTENDED = "attended", _("Attended")
        NO_SHOW = "no_show", _("Did not come")

    class Source(models.TextChoices):
        SELF = "self", _("Signed up themselves")
        COORDINATOR = "coordinator", _("Assigned by a coordinator")

    shift = models.ForeignKey(Shift, on_delete=models.CASCADE, related_name="assignments")
    profile = models.ForeignKey(VolunteerProfile, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=10, choices=Status.choices)
    source = models.CharField(max_length=12, choices=Source.choices, default=Source.SELF)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    thanked_at = models.DateTimeField(null=True, blank=True)

    HOLDS_A_PLACE = (Status.CONFIRMED, Status.ATTENDED)
    ACTIVE = (Status.CONFIRMED, Status.WAITLISTED, Status.ATTENDED)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "shift", "profile"], name="uniq_assignment"
            )
        ]
        indexes = [
            models.Index(fields=["organization", "shift", "status"], name="assignment_roster"),
            models.Index(fields=["organization", "profile", "status"], name="assignment_profile"),
        ]


class HoursEntry(TenantOwned):
    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for approval")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Not approved")

    class Source(models.TextChoices):
        ATTENDANCE = "attendance", _("Shift attended")
        COORDINATOR = "coordinator", _("Logged by a coordinator")
        SELF = "self", _("Logged by the volunteer")

    profile = models.ForeignKey(VolunteerProfile, on_delete=models.CASCADE, related_name="+")
    opportunity = models.ForeignKey(
        Opportunity,
        verbose_name=_("opportunity"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    assignment = models.ForeignKey(
        Assignment, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    worked_on = models.DateField(_("date"))
    hours = models.DecimalField(
        _("hours"),
        **HOURS,
        validators=[MinValueValidator(Decimal("0.25")), MaxValueValidator(24)],
    )
    description = models.CharField(_("what they did"), max_length=300, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    source = models.CharField(max_length=12, choices=Source.choices)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-worked_on", "-pk"]
        verbose_name_plural = _("hours")
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "assignment"],
                condition=models.Q(assignment__isnull=False),
                name="uniq_hours_per_assignment",
            )
        ]
        indexes = [
            models.Index(fields=["organization", "status", "worked_on"], name="hours_status"),
            models.Index(fields=["organization", "profile", "-worked_on"], name="hours_profile"),
        ]


class Milestone(TenantOwned):
    """A moment worth a thank-you (first shift, 10/50/100/250 hours, an anniversary). Unique per
    volunteer and code, so it is reached — and thanked — once."""

    profile = models.ForeignKey(VolunteerProfile, on_delete=models.CASCADE, related_name="+")
    code = models.CharField(max_length=20)  # first_shift, hours_50, anniversary_2…
    reached_on = models.DateField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-reached_on", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "profile", "code"], name="uniq_volunteer_milestone"
            )
        ]
        indexes = [models.Index(fields=["organization", "-reached_on"], name="milestone_recent")]
