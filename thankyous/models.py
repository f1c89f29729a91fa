"""Acknowledgments (one per thing thanked, never two) and the templates they are written from."""

import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from stakeholders.content_versions import LanguageVersions
from stakeholders.storage import get_private_storage
from stakeholders.tenancy.models import TenantOwned, TriggerKept


class Rule(models.TextChoices):
    """What a template is for; the most specific matching rule wins."""

    DEFAULT = "default", _("Any gift")
    FIRST_GIFT = "first_gift", _("First gift")
    MAJOR_GIFT = "major_gift", _("Major gift (above a threshold)")
    RECURRING = "recurring", _("Recurring gift")
    IN_KIND = "in_kind", _("In-kind gift")
    GRANT = "grant", _("Grant")
    TRIBUTE = "tribute", _("Gift in honour or memory")
    VOLUNTEER_MILESTONE = "volunteer_milestone", _("Volunteer milestone")
    CLIENT_PARTICIPATION = "client_participation", _("Client participation")


class PaperSize(models.TextChoices):
    A4 = "A4", "A4"
    LETTER = "letter", _("US Letter")


def letter_upload_to(acknowledgment, filename):
    """Letters are kept per organization, in the private storage (no URL serves them)."""
    return f"letters/{acknowledgment.organization_id}/{filename}"


def print_batch_upload_to(batch, filename):
    return f"print-batches/{batch.organization_id}/{filename}"


def signature_upload_to(template, filename):
    """Unguessable names under the organization's folder: a new image gets a new name."""
    return (
        f"organizations/{template.organization_id}/signature-{secrets.token_hex(8)}."
        f"{filename.rsplit('.', 1)[-1].lower()}"
    )


class ThankYouTemplate(TenantOwned, LanguageVersions):
    """A letter (HTML rendered to PDF) and an email, with merge fields in a sandboxed language.
    A translation carries its own texts; the rule, threshold and channels are the original's."""

    name = models.CharField(_("name"), max_length=120)
    rule = models.CharField(
        _("used for"), max_length=24, choices=Rule.choices, default=Rule.DEFAULT
    )
    major_threshold = models.DecimalField(
        _("major gift from"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    email_subject = models.CharField(_("email subject"), max_length=200)
    email_body = models.TextField(_("email text"))
    email_html = models.TextField(
        _("email (HTML)"),
        blank=True,
        help_text=_(
            "Optional. Left empty, the email's HTML part is made from its text, with links "
            "that can be clicked."
        ),
    )
    letter_body = models.TextField(_("letter (HTML)"), blank=True)
    paper_size = models.CharField(
        _("paper"), max_length=8, choices=PaperSize.choices, default=PaperSize.A4
    )
    signature_image = models.ImageField(
        _("signature"),
        upload_to=signature_upload_to,
        blank=True,
        help_text=_("A scan of the signer's signature, printed above their name in the letter."),
    )
    attach_letter = models.BooleanField(_("attach the letter to the email as a PDF"), default=True)
    post_letter_too = models.BooleanField(
        _("also post a printed letter"),
        default=False,
        help_text=_(
            "For donors with a postal address who have not refused post (e.g. major gifts): "
            "the email goes tonight, the letter joins the next print batch."
        ),
    )
    is_active = models.BooleanField(_("in use"), default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["rule", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "name"],
                condition=models.Q(original__isnull=True),  # a translation keeps its name
                name="uniq_thankyou_template_name",
            ),
            *LanguageVersions.version_constraints("thankyou_template"),
        ]

    def __str__(self):
        return self.name


class Acknowledgment(TenantOwned):
    """The thank-you for one thing (a gift, a milestone…). The unique constraint on
    (organization, kind, target) makes a second one impossible; the state says how far it got."""

    class State(models.TextChoices):
        PENDING = "pending", _("Waiting")
        CLAIMED = "claimed", _("Taken by a worker")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        PRINT = "print", _("In the print batch")
        SKIPPED = "skipped", _("Not sent")
        REVIEW = "review", _("Needs a person to check")

    class Channel(models.TextChoices):
        EMAIL = "email", _("Email")
        LETTER = "letter", _("Letter")
        BOTH = "both", _("Email and posted letter")

    kind = models.CharField(max_length=40)
    target_id = models.BigIntegerField()
    contact = models.ForeignKey("stakeholders.Contact", on_delete=models.CASCADE, related_name="+")
    state = models.CharField(max_length=8, choices=State.choices, default=State.PENDING)
    skip_reason = models.CharField(max_length=40, blank=True)
    channel = models.CharField(max_length=8, choices=Channel.choices, blank=True)
    template = models.ForeignKey(
        ThankYouTemplate, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    pdf = models.FileField(storage=get_private_storage, upload_to=letter_upload_to, blank=True)
    message_id = models.CharField(max_length=200, blank=True)
    received_at = models.DateTimeField(help_text="When the thing thanked happened (time to thank).")
    created_at = models.DateTimeField(auto_now_add=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    retry_at = models.DateTimeField(null=True, blank=True)  # after a refused send: not before
    last_error = models.CharField(max_length=300, blank=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    print_batch = models.ForeignKey(
        "thankyous.PrintBatch", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "kind", "target_id"], name="uniq_acknowledgment"
            )
        ]
        indexes = [
            models.Index(
                fields=["organization", "state", "received_at"], name="acknowledgment_queue"
            ),
            models.Index(
                fields=["organization", "contact", "-created_at"], name="acknowledgment_contact"
            ),
            # The platform's backlog for /metrics: only the few rows not sent yet.
            models.Index(
                fields=["state", "received_at"],
                name="acknowledgment_unsent",
                condition=models.Q(state__in=["pending", "claimed", "sending", "review", "print"]),
            ),
            # Time to thank: the last days' sent rows, read from the index alone.
            models.Index(
                fields=["organization", "sent_at"],
                include=["received_at", "kind"],
                name="acknowledgment_sent",
                condition=models.Q(sent_at__isnull=False),
            ),
        ]


class AcknowledgmentCount(TriggerKept):
    """How many acknowledgments an organization has of each kind in each state, kept by
    statement-level triggers on the acknowledgments (migration 0013): every way a row is written
    — the services, the batch's plain SQL, a bulk_create, a cascade, COPY — keeps it exact, and
    the queue's figures never count the sent rows. ``changes`` counts the rows ever added to or
    removed from the kind (not their moves between states): with the candidates' own version it
    keys the cached "for the next run" count."""

    kind = models.CharField(max_length=40)
    state = models.CharField(max_length=8)
    count = models.BigIntegerField(default=0)
    changes = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "kind", "state"], name="uniq_acknowledgment_count"
            )
        ]


class ThankYouSettings(TenantOwned):
    """When the nightly batch runs (in the organization's own time zone) and the target."""

    batch_hour = models.PositiveSmallIntegerField(_("batch hour (local time)"), default=2)
    target_hours = models.PositiveSmallIntegerField(_("thank within (hours)"), default=48)
    thank_on_entry = models.BooleanField(_("thank as soon as a gift is entered"), default=False)
    last_alert_on = models.DateField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("thank-you settings")
        verbose_name_plural = _("thank-you settings")
        constraints = [
            models.UniqueConstraint(fields=["organization"], name="uniq_thankyou_settings")
        ]


class PrintBatch(TenantOwned):
    """Letters to post: one merged PDF, sorted for mailing, with a cover sheet."""

    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    letters = models.PositiveIntegerField(default=0)
    pdf = models.FileField(storage=get_private_storage, upload_to=print_batch_upload_to)
    printed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("print batch")
        verbose_name_plural = _("print batches")
        ordering = ["-created_at"]
