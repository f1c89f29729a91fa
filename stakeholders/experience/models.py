"""The experience loop's rows, imported by ``stakeholders.models``: they belong to the core."""

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from stakeholders.content_versions import TranslatedTexts
from stakeholders.tenancy.models import TenantOwned


class ExperienceSettings(TenantOwned):
    """One row per organization: the survey cap, what counts as a low score, the recovery clock."""

    survey_cap_days = models.PositiveSmallIntegerField(
        _("at most one survey per person every (days)"),
        default=30,
        help_text=_("Whatever the touchpoint: nobody is asked twice within this many days."),
    )
    low_csat = models.PositiveSmallIntegerField(
        _("a satisfaction score this low or lower"), default=2
    )
    high_ces = models.PositiveSmallIntegerField(_("an effort score this high or higher"), default=5)
    low_nps = models.PositiveSmallIntegerField(
        _("a recommendation score this low or lower"), default=6
    )
    recovery_respond_hours = models.PositiveSmallIntegerField(
        _("first action on a recovery case within (working hours)"), default=4
    )
    recovery_resolve_hours = models.PositiveSmallIntegerField(
        _("put right within (working hours)"), default=24
    )
    escalate_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("escalate overdue cases to"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Admins hear about overdue cases when nobody is set."),
    )
    keep_in_touch_cap_days = models.PositiveSmallIntegerField(
        _("keep-in-touch emails: at most one per person every (days)"), default=30
    )

    class Meta:
        verbose_name = _("experience settings")
        verbose_name_plural = _("experience settings")
        constraints = [
            models.UniqueConstraint(fields=["organization"], name="uniq_experience_settings")
        ]


# --- Surveys --------------------------------------------------------------------------------------


class SurveyRule(TenantOwned):
    """Ask the people who passed a touchpoint (a resolved request, a completed shift…) how it was,
    ``delay_hours`` later, once per touchpoint. Only touchpoints after ``created_at`` are asked
    about: switching a survey on never surveys the past."""

    name = models.CharField(_("name"), max_length=100)
    touchpoint = models.CharField(_("touchpoint"), max_length=40)
    interaction_channel = models.CharField(
        _("only interactions on this channel"),
        max_length=16,
        blank=True,
        help_text=_("For the “logged interaction” touchpoint; empty means any channel."),
    )
    ask_csat = models.BooleanField(_("satisfaction (CSAT, 1–5)"), default=True)
    ask_ces = models.BooleanField(_("effort (CES, 1–7)"), default=False)
    ask_nps = models.BooleanField(_("recommendation (NPS, 0–10)"), default=False)
    ask_comment = models.BooleanField(_("an open question"), default=True)
    delay_hours = models.PositiveIntegerField(_("send after (hours)"), default=24)
    is_active = models.BooleanField(_("on"), default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "touchpoint", "interaction_channel"],
                name="uniq_survey_rule_touchpoint",
            ),
            models.CheckConstraint(
                condition=models.Q(ask_csat=True) | models.Q(ask_ces=True) | models.Q(ask_nps=True),
                name="survey_rule_asks_something",
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def measures(self):
        return [
            m
            for m, on in (("csat", self.ask_csat), ("ces", self.ask_ces), ("nps", self.ask_nps))
            if on
        ]


class SurveyInvitation(TenantOwned):
    """One person asked about one touchpoint: the unique row that makes sending exactly-once.

    pending → sending → sent, or skipped (with why). A worker killed while ``sending`` leaves
    the row there; the sweeper marks it ``failed`` after a while rather than risk a second email."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        SKIPPED = "skipped", _("Not sent")
        FAILED = "failed", _("Failed")

    rule = models.ForeignKey(SurveyRule, on_delete=models.CASCADE, related_name="+")
    contact = models.ForeignKey("stakeholders.Contact", on_delete=models.CASCADE, related_name="+")
    related_kind = models.CharField(max_length=40)
    related_id = models.BigIntegerField()
    touchpoint_at = models.DateTimeField()
    due_at = models.DateTimeField()
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    reason = models.CharField(max_length=40, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-due_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "rule", "contact", "related_kind", "related_id"],
                name="uniq_survey_invitation_touchpoint",
            )
        ]
        indexes = [
            models.Index(
                fields=["organization", "due_at"],
                condition=models.Q(status="pending"),
                name="survey_invitation_due",
            ),
            models.Index(
                fields=["organization", "contact", "-sent_at"],
                condition=models.Q(sent_at__isnull=False),
                name="survey_invitation_sent",
            ),
        ]


# --- Service recovery -----------------------------------------------------------------------------


class RecoveryCase(TenantOwned):
    """Someone was let down (a low score, a complaint): an owner, a working-time clock and a record
    of what was done, until the person says whether it is put right."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        ASKED = "asked", _("Asked if put right")
        RESTORED = "restored", _("Put right")
        NOT_RESTORED = "not_restored", _("Not put right")
        CLOSED = "closed", _("Closed without an answer")

    OPEN_STATUSES = (Status.OPEN, Status.ASKED)

    contact = models.ForeignKey("stakeholders.Contact", on_delete=models.CASCADE, related_name="+")
    area = models.CharField(_("stakeholder type"), max_length=16)
    feedback = models.ForeignKey(
        "stakeholders.Feedback", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    interaction = models.ForeignKey(
        "stakeholders.Interaction",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    related_kind = models.CharField(max_length=40, blank=True)
    related_id = models.BigIntegerField(null=True, blank=True)
    summary = models.CharField(_("what went wrong"), max_length=300)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.OPEN
    )
    opened_at = models.DateTimeField(default=timezone.now)
    first_action_at = models.DateTimeField(null=True, blank=True)
    respond_by = models.DateTimeField(null=True, blank=True)
    resolve_by = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)
    asked_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-opened_at", "-pk"]
        constraints = [  # one case per low score and per complaint
            models.UniqueConstraint(
                fields=["organization", "feedback"],
                condition=models.Q(feedback__isnull=False),
                name="uniq_recovery_case_feedback",
            ),
            models.UniqueConstraint(
                fields=["organization", "interaction"],
                condition=models.Q(interaction__isnull=False),
                name="uniq_recovery_case_interaction",
            ),
        ]
        indexes = [
            models.Index(
                fields=["organization", "owner", "resolve_by"],
                condition=models.Q(status__in=["open", "asked"]),
                name="recovery_case_open",
            ),
            models.Index(
                fields=["organization", "contact", "-opened_at"], name="recovery_case_contact"
            ),
        ]

    def __str__(self):
        return self.summary

    @property
    def is_open(self):
        return self.status in self.OPEN_STATUSES


class RecoveryAction(TenantOwned):
    """What was done on a case, and what the person answered; the case's history."""

    class Kind(models.TextChoices):
        NOTE = "note", _("Action taken")
        ASKED = "asked", _("Asked if put right")
        ANSWER = "answer", _("Their answer")
        ESCALATED = "escalated", _("Escalated")
        REASSIGNED = "reassigned", _("Owner changed")
        CLOSED = "closed", _("Closed")

    case = models.ForeignKey(RecoveryCase, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.NOTE)
    note = models.TextField(_("what was done"), blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    occurred_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["occurred_at", "pk"]
        indexes = [
            models.Index(
                fields=["organization", "case", "occurred_at"], name="recovery_action_case"
            )
        ]


# --- Journeys -------------------------------------------------------------------------------------


class JourneyStageSetting(TenantOwned):
    """An organization's own name for a journey stage and when someone there counts as stuck."""

    journey = models.CharField(max_length=16)
    stage = models.CharField(max_length=24)
    label = models.CharField(_("name"), max_length=60, blank=True)
    stuck_after_days = models.PositiveSmallIntegerField(
        _("stuck after (days)"), null=True, blank=True
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "journey", "stage"], name="uniq_journey_stage_setting"
            )
        ]


class JourneyPosition(TenantOwned):
    """Where one person is on one journey, precomputed: ``reached`` holds when each stage (in the
    journey's order) was reached, or null; ``next_change_at`` is when time alone moves them on
    (a regular donor lapses), so the refresher knows whom to look at again."""

    contact = models.ForeignKey("stakeholders.Contact", on_delete=models.CASCADE, related_name="+")
    journey = models.CharField(max_length=16)
    stage = models.CharField(max_length=24)
    entered_at = models.DateTimeField()
    reached = ArrayField(models.DateTimeField(null=True), default=list)
    next_change_at = models.DateTimeField(null=True, blank=True)
    computed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "journey", "contact"], name="uniq_journey_position"
            )
        ]
        indexes = [
            models.Index(
                fields=["organization", "journey", "stage", "entered_at"], name="journey_stage"
            ),
            models.Index(
                fields=["organization", "next_change_at"],
                condition=models.Q(next_change_at__isnull=False),
                name="journey_next_change",
            ),
        ]


class JourneySummary(TenantOwned):
    """The funnel of one journey, computed in the background so the page reads one row:
    ``stages`` is a list of {stage, people, now, conversion, median_days, stuck}."""

    journey = models.CharField(max_length=16)
    stages = models.JSONField(default=list)
    computed_at = models.DateTimeField(default=timezone.now)
    refreshed_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "journey"], name="uniq_journey_summary")
        ]


# --- Keep in touch --------------------------------------------------------------------------------


class KeepInTouchStep(TenantOwned, TranslatedTexts):
    """Something to do for each person who has been at a journey stage for ``after_days``: a task
    for a member of staff, or an email (with a version per language)."""

    class Action(models.TextChoices):
        TASK = "task", _("A task for staff")
        EMAIL = "email", _("An email")

    name = models.CharField(_("name"), max_length=100)
    journey = models.CharField(_("journey"), max_length=16)
    stage = models.CharField(_("stage"), max_length=24)
    after_days = models.PositiveSmallIntegerField(_("days at that stage"), default=30)
    action = models.CharField(_("what happens"), max_length=8, choices=Action.choices)
    task_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("task for"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Empty: the person's relationship manager, else the stage's usual owner."),
    )
    subject = models.CharField(_("email subject"), max_length=200, blank=True)
    body = models.TextField(
        _("email text"),
        blank=True,
        help_text=_(
            "{first_name}, {organization} and the stage's own fields (e.g. {impact_link}) "
            "are filled in."
        ),
    )
    is_active = models.BooleanField(_("on"), default=True)
    created_at = models.DateTimeField(default=timezone.now)

    translated_fields = ("subject", "body")

    class Meta:
        ordering = ["journey", "stage", "after_days"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(action="task") | (~models.Q(subject="") & ~models.Q(body="")),
                name="keep_in_touch_email_has_text",
            )
        ]

    def __str__(self):
        return self.name


class KeepInTouchRun(TenantOwned):
    """A step done for one person at one stay in a stage (``stage_entered_at``): unique, so a
    doubled beat or a rerun never does it twice. A task stays ``open`` until staff mark it done."""

    class Status(models.TextChoices):
        OPEN = "open", _("To do")
        DONE = "done", _("Done")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        SKIPPED = "skipped", _("Not done")
        FAILED = "failed", _("Failed")

    step = models.ForeignKey(KeepInTouchStep, on_delete=models.CASCADE, related_name="+")
    contact = models.ForeignKey("stakeholders.Contact", on_delete=models.CASCADE, related_name="+")
    stage_entered_at = models.DateTimeField()
    status = models.CharField(max_length=8, choices=Status.choices)
    reason = models.CharField(max_length=40, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    due_on = models.DateField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["due_on", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "step", "contact", "stage_entered_at"],
                name="uniq_keep_in_touch_run",
            )
        ]
        indexes = [
            models.Index(
                fields=["organization", "owner", "due_on"],
                condition=models.Q(status="open"),
                name="keep_in_touch_open_task",
            )
        ]
