"""Rows of the integrations, imported by ``stakeholders.models``: they belong to the core.

- A **webhook endpoint** is an organization's subscription: a URL, the event types it wants, a
  signing secret (shown once, stored encrypted) and the staff role whose walls apply to what it
  receives (a client's data only for caseworker and admin roles, as in the API).
- A **webhook event** is written in the same transaction as the change it reports (so a rolled
  back change reports nothing); its ``key`` is the idempotency key receivers dedupe on.
- A **webhook delivery** is one attempt to send one event to one endpoint: a retry is a new row,
  so the log shows every response.
- An **idempotency record** keeps the first response to a POST with an ``Idempotency-Key``.
- An **export job** writes a whole list to a file in the background (a download when ready).
"""

import secrets

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils.translation import gettext_lazy as _

from stakeholders.fields import EncryptedTextField
from stakeholders.models import ApiToken, Role
from stakeholders.storage import get_private_storage
from stakeholders.tenancy.models import TenantOwned


def new_event_key():
    return "evt_" + secrets.token_hex(12)


class WebhookEndpoint(TenantOwned):
    url = models.URLField(_("URL"), max_length=500)
    description = models.CharField(_("description"), max_length=200, blank=True)
    events = ArrayField(models.CharField(max_length=60), verbose_name=_("events"))
    role = models.CharField(
        _("role"),
        max_length=32,
        choices=Role.choices,
        default=Role.VIEWER,
        help_text=_("It receives only what a member with this role may see."),
    )
    secret = EncryptedTextField(editable=False)
    # While a rolled secret's grace period lasts, deliveries carry a signature with each.
    previous_secret = EncryptedTextField(blank=True, default="", editable=False)
    previous_secret_expires_at = models.DateTimeField(null=True, blank=True, editable=False)
    is_active = models.BooleanField(_("active"), default=True)
    disabled_reason = models.CharField(max_length=200, blank=True, editable=False)
    consecutive_failures = models.PositiveIntegerField(default=0, editable=False)
    failing_since = models.DateTimeField(null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["organization", "is_active"], name="webhook_endpoint_active")
        ]

    def __str__(self):
        return self.url


class WebhookEvent(TenantOwned):
    key = models.CharField(max_length=40, default=new_event_key, editable=False)
    type = models.CharField(max_length=60)
    payload = models.JSONField()
    # Staff roles that may receive it (empty: every role), from the event type or the emitter.
    roles = ArrayField(models.CharField(max_length=32), default=list, blank=True)
    # The person it is about (a plain id, no key: erasure scrubs the payload, the event stays).
    contact_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "key"], name="uniq_webhook_event_key")
        ]
        indexes = [
            models.Index(fields=["organization", "contact_id"], name="webhook_event_contact"),
            models.Index(fields=["organization", "created_at"], name="webhook_event_recent"),
        ]

    def __str__(self):
        return f"{self.type} {self.key}"


class WebhookDelivery(TenantOwned):
    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENDING = "sending", _("Sending")
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed")

    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="+")
    event = models.ForeignKey(WebhookEvent, on_delete=models.CASCADE, related_name="+")
    attempt = models.PositiveIntegerField(default=1)
    manual = models.BooleanField(default=False)  # a redelivery asked for by staff
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    next_retry_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    response_status = models.PositiveIntegerField(null=True, blank=True)
    response_body = models.TextField(blank=True)  # the first KB of the receiver's answer
    error = models.CharField(max_length=200, blank=True)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "endpoint", "event", "attempt"],
                name="uniq_webhook_delivery_attempt",
            )
        ]
        indexes = [
            models.Index(
                fields=["status", "next_retry_at"],
                name="webhook_delivery_due",
                condition=models.Q(status__in=["pending", "sending"]),
            ),
            models.Index(
                fields=["organization", "endpoint", "-created_at"], name="webhook_delivery_log"
            ),
        ]

    def __str__(self):
        return f"{self.event_id} → {self.endpoint_id} #{self.attempt} {self.status}"


class IdempotencyRecord(TenantOwned):
    """The first response to ``POST`` with an ``Idempotency-Key``, per token (or signed-in
    user) and key, for 24 hours. ``status_code`` is empty while the first request runs."""

    owner = models.CharField(max_length=40)  # "token:<id>" or "user:<id>"
    token = models.ForeignKey(
        ApiToken, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    key = models.CharField(max_length=255)
    request_hash = models.CharField(max_length=64)
    status_code = models.PositiveIntegerField(null=True, blank=True)
    response_body = models.TextField(blank=True)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "owner", "key"], name="uniq_idempotency_key"
            )
        ]
        indexes = [models.Index(fields=["created_at"], name="idempotency_created")]

    def __str__(self):
        return f"{self.owner} {self.key}"


def export_upload_to(job, filename):
    return f"exports/{job.organization_id}/{secrets.token_hex(16)}.{job.format}"


class ExportJob(TenantOwned):
    """A whole API list (with its filters) written to a file by Celery, for exports too large
    to stream in one request. The file holds what its requester's role may read, so only they
    see the job and download it; it is deleted ``EXPORTS_KEEP_DAYS`` after it was asked for."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Ready")
        FAILED = "failed", _("Failed")

    class Format(models.TextChoices):
        NDJSON = "ndjson", "NDJSON"
        CSV = "csv", "CSV"

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    list_name = models.CharField(max_length=60)
    filters = models.JSONField(default=dict, blank=True)
    format = models.CharField(max_length=8, choices=Format.choices, default=Format.NDJSON)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    rows = models.PositiveIntegerField(default=0)
    size = models.PositiveBigIntegerField(default=0)
    file = models.FileField(
        storage=get_private_storage, upload_to=export_upload_to, blank=True, max_length=200
    )
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["expires_at"], name="export_job_expires")]

    def __str__(self):
        return f"{self.list_name}.{self.format} ({self.status})"
