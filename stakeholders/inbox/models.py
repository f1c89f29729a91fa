"""The shared inbox's rows, imported by ``stakeholders.models``: they belong to the core.

A **conversation** is one thread with one person (or an unknown sender) on one channel: an email
thread, or the run of texts with one phone number. Its **messages** go both ways; internal notes
are messages only staff see. Every message to or from a known contact is also an ``Interaction``
(``Message.interaction``), so it is on the person's timeline like anything staff log.
"""

import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from stakeholders.fields import EncryptedTextField
from stakeholders.tenancy.models import TenantOwned


class MessageChannel(models.TextChoices):
    """The channels the inbox carries (a subset of ``Channel``: the same values)."""

    EMAIL = "email", _("Email")
    SMS = "sms", _("SMS")
    WHATSAPP = "whatsapp", _("WhatsApp")


def _inbound_key():
    return secrets.token_hex(4)


class InboxSettings(TenantOwned):
    """One row per organization: how fast the inbox answers per channel, who hears about a
    conversation left too long, and the secret part of the organization's inbound address."""

    email_target_minutes = models.PositiveIntegerField(
        _("first response to an email within (working minutes)"), default=8 * 60
    )
    sms_target_minutes = models.PositiveIntegerField(
        _("first response to an SMS within (working minutes)"), default=2 * 60
    )
    whatsapp_target_minutes = models.PositiveIntegerField(
        _("first response to a WhatsApp message within (working minutes)"), default=60
    )
    warn_before_minutes = models.PositiveIntegerField(
        _("warn the assignee this many minutes before a target"), default=30
    )
    escalate_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("escalate overdue conversations to"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Admins hear about them when nobody is set."),
    )
    inbound_key = models.CharField(max_length=16, default=_inbound_key, editable=False)

    class Meta:
        verbose_name = _("inbox settings")
        verbose_name_plural = _("inbox settings")
        constraints = [
            models.UniqueConstraint(fields=["organization"], name="uniq_inbox_settings"),
        ]

    def target_minutes(self, channel):
        return getattr(self, f"{channel}_target_minutes", self.email_target_minutes)


class MessagingAccount(TenantOwned):
    """The organization's Twilio account, for SMS and WhatsApp. The auth token is encrypted at
    rest (``FIELD_ENCRYPTION_KEYS``) and never shown again once saved."""

    account_sid = models.CharField(_("account SID"), max_length=64)
    auth_token = EncryptedTextField(_("auth token"))
    messaging_service_sid = models.CharField(_("messaging service SID"), max_length=64, blank=True)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("messaging account")
        constraints = [
            models.UniqueConstraint(fields=["organization"], name="uniq_messaging_account"),
        ]

    def __str__(self):
        return self.account_sid


class MessagingNumber(TenantOwned):
    """A phone number of the organization's, on SMS or WhatsApp (E.164)."""

    channel = models.CharField(
        _("channel"),
        max_length=16,
        choices=[(MessageChannel.SMS, _("SMS")), (MessageChannel.WHATSAPP, _("WhatsApp"))],
    )
    number = models.CharField(_("number"), max_length=20)
    label = models.CharField(_("label"), max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("messaging number")
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "channel", "number"], name="uniq_messaging_number"
            ),
        ]
        ordering = ["channel", "number"]

    def __str__(self):
        return self.number


class WhatsAppTemplate(TenantOwned):
    """A message template approved by WhatsApp (Twilio's Content API SID): the only kind of
    message that may start a conversation or follow up 24 hours after the person last wrote."""

    name = models.CharField(_("name"), max_length=100)
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES)
    content_sid = models.CharField(_("content SID"), max_length=64)
    body = models.TextField(_("text, as approved"), help_text=_("For staff to read; {{1}}…"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("WhatsApp template")
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "name", "language"], name="uniq_whatsapp_template"
            ),
        ]
        ordering = ["name", "language"]

    def __str__(self):
        return f"{self.name} ({self.language})"


class CannedReply(TenantOwned):
    """A saved answer staff insert into a reply: one row per language of the same ``title``,
    with merge fields rendered by the same sandbox as thank-you templates."""

    title = models.CharField(_("title"), max_length=100)
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES)
    body = models.TextField(_("text"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("canned reply")
        verbose_name_plural = _("canned replies")
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "title", "language"], name="uniq_canned_reply"
            ),
        ]
        ordering = ["title", "language"]

    def __str__(self):
        return self.title


class ConversationStatus(models.TextChoices):
    OPEN = "open", _("Open")
    SNOOZED = "snoozed", _("Snoozed")
    CLOSED = "closed", _("Closed")


class Conversation(TenantOwned):
    """One thread with one person on one channel, in the shared inbox.

    ``area`` is the experience registry's area (donors, volunteers, clients, general): it names
    the team and holds the role walls (a client's conversation is for caseworkers and admins).
    ``reply_due_at`` runs while a message of theirs waits for our answer (working time, the
    core's clock); ``breached_at`` is set when it ran out, ``escalation`` says who heard.
    ``related_kind``/``related_id``: what it answers (a thank-you, a request…), when known.
    """

    channel = models.CharField(_("channel"), max_length=16, choices=MessageChannel.choices)
    area = models.CharField(_("team"), max_length=20, default="general")
    contact = models.ForeignKey(
        "stakeholders.Contact", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    address = models.CharField(_("their address"), max_length=254)  # lower-case email or E.164
    display_name = models.CharField(_("name they gave"), max_length=200, blank=True)
    our_address = models.CharField(max_length=254, blank=True)  # our number or inbound address
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=ConversationStatus.choices,
        default=ConversationStatus.OPEN,
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assignee"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    snoozed_until = models.DateTimeField(_("snoozed until"), null=True, blank=True)
    related_kind = models.CharField(max_length=40, blank=True)
    related_id = models.BigIntegerField(null=True, blank=True)
    awaiting_since = models.DateTimeField(null=True, blank=True)
    reply_due_at = models.DateTimeField(_("reply due"), null=True, blank=True)
    first_response_at = models.DateTimeField(null=True, blank=True)
    first_response_minutes = models.PositiveIntegerField(null=True, blank=True)  # working time
    breached_at = models.DateTimeField(null=True, blank=True)
    escalation = models.PositiveSmallIntegerField(default=0)  # 0 none, 1 warned, 2 escalated
    last_message_at = models.DateTimeField(default=timezone.now)
    last_inbound_at = models.DateTimeField(null=True, blank=True)  # WhatsApp's 24-hour window
    closed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("conversation")
        indexes = [
            models.Index(
                fields=["organization", "status", "-last_message_at"], name="conversation_inbox"
            ),
            models.Index(
                fields=["organization", "contact", "-last_message_at"],
                name="conversation_contact",
            ),
            models.Index(
                fields=["organization", "channel", "address", "status"],
                name="conversation_address",
            ),
            models.Index(
                fields=["organization", "reply_due_at"],
                condition=models.Q(reply_due_at__isnull=False),
                name="conversation_due",
            ),
        ]

    def __str__(self):
        return self.subject or self.address


class MessageKind(models.TextChoices):
    MESSAGE = "message", _("Message")
    NOTE = "note", _("Internal note")


class MessageStatus(models.TextChoices):
    RECEIVED = "received", _("Received")
    QUEUED = "queued", _("Queued")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    DELIVERED = "delivered", _("Delivered")
    READ = "read", _("Read")
    FAILED = "failed", _("Failed")
    NOT_SENT = "not_sent", _("Not sent")


class Message(TenantOwned):
    """One message of a conversation, in or out, or an internal note. The body is encrypted at
    rest (it may be a client's). ``provider_message_id`` (Twilio's SID, the provider's email id,
    or the Message-ID header) makes a webhook delivered twice store one message."""

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=10, choices=MessageKind.choices, default=MessageKind.MESSAGE)
    direction = models.CharField(
        max_length=10, choices=[("inbound", _("Inbound")), ("outbound", _("Outbound"))]
    )
    channel = models.CharField(max_length=16, choices=MessageChannel.choices)
    subject = models.CharField(max_length=200, blank=True)
    body = EncryptedTextField(_("message"), blank=True)
    from_address = models.CharField(max_length=254, blank=True)
    to_address = models.CharField(max_length=254, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    status = models.CharField(max_length=10, choices=MessageStatus.choices)
    error = models.CharField(max_length=300, blank=True)
    provider_message_id = models.CharField(max_length=200, blank=True)
    template = models.ForeignKey(
        WhatsAppTemplate, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    segments = models.PositiveSmallIntegerField(null=True, blank=True)
    cost = models.DecimalField(max_digits=10, decimal_places=5, null=True, blank=True)
    cost_currency = models.CharField(max_length=3, blank=True)
    interaction = models.ForeignKey(
        "stakeholders.Interaction",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("message")
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "channel", "provider_message_id"],
                condition=~models.Q(provider_message_id=""),
                name="uniq_message_provider_id",
            ),
        ]
        indexes = [
            models.Index(
                fields=["organization", "conversation", "created_at"],
                name="message_conversation",
            ),
        ]

    def __str__(self):
        return f"{self.direction} {self.channel} {self.pk}"


def attachment_upload_to(attachment, filename):
    return f"private/inbox/{attachment.organization_id}/{secrets.token_hex(12)}"


class MessageAttachment(TenantOwned):
    """A file that came with a message (checked as the request form checks uploads)."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="+")
    file = models.FileField(upload_to=attachment_upload_to)
    name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()

    class Meta:
        verbose_name = _("attachment")

    def __str__(self):
        return self.name


class ReceivedText(TenantOwned):
    """An SMS or WhatsApp message Twilio delivered, kept until the inbox has filed it
    (``stakeholders.inbox.received``): the webhook answers once it is stored here, and a worker
    files it into its conversation. ``message`` is the parsed message as JSON, encrypted (it is
    someone's text). A retry of one already waiting is refused by the unique constraint; one
    already filed is found by the message's own (``Message.provider_message_id``)."""

    channel = models.CharField(max_length=16, choices=MessageChannel.choices)
    provider_message_id = models.CharField(max_length=64)
    message = EncryptedTextField()
    received_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=200, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "channel", "provider_message_id"],
                name="uniq_received_text",
            )
        ]
        indexes = [
            models.Index(fields=["organization", "attempts", "id"], name="received_text_order")
        ]
