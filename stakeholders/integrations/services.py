"""Writes of the integrations: webhook endpoints (add, change, roll the secret, turn off and on,
remove), redelivery, and the purges. Each one is atomic."""

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_scopes import scopes_disabled

from stakeholders import audit
from stakeholders.integrations import addresses, signing
from stakeholders.integrations.events import event_types
from stakeholders.integrations.models import (
    IdempotencyRecord,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
)
from stakeholders.models import AuditAction, Role


def _clean(*, url, events, role):
    errors = {}
    try:
        addresses.check_endpoint_url(url)
    except ValidationError as error:
        errors.update(error.message_dict)
    if role not in Role.values:
        errors["role"] = [_("Choose a role.")]
    events = sorted(set(events or ()))
    if not events:
        errors["events"] = [_("Choose at least one event.")]
    else:
        allowed = set(event_types.visible_to(role)) if role in Role.values else set()
        unknown = [name for name in events if name not in allowed]
        if unknown:
            errors["events"] = [
                _("A member with this role may not receive: %(events)s.")
                % {"events": ", ".join(unknown)}
            ]
    if errors:
        raise ValidationError(errors)
    return events


@transaction.atomic
def webhook_endpoint_create(
    *, organization, url, events, role, description="", is_active=True, actor=None
):
    """Add an endpoint; its signing secret is returned this once (stored encrypted)."""
    events = _clean(url=url, events=events, role=role)
    secret = signing.new_secret()
    endpoint = WebhookEndpoint.objects.create(
        organization=organization,
        url=url,
        events=events,
        role=role,
        description=description,
        secret=secret,
        is_active=is_active,
        disabled_reason="" if is_active else "staff",
        created_by=actor,
    )
    audit.record(
        organization=organization,
        action=AuditAction.SETTINGS_CHANGED,
        target=endpoint,
        summary=f"webhook endpoint {endpoint.pk} added ({role})",
        changes={"events": events},
        actor=actor,
    )
    return endpoint, secret


@transaction.atomic
def webhook_endpoint_update(*, organization, endpoint, actor=None, **fields):
    unknown = set(fields) - {"url", "events", "role", "description", "is_active"}
    if unknown:
        raise TypeError(f"unknown endpoint fields: {sorted(unknown)}")
    is_active = fields.pop("is_active", None)
    if {"url", "events", "role"} & fields.keys():
        fields["events"] = _clean(
            url=fields.get("url", endpoint.url),
            events=fields.get("events", endpoint.events),
            role=fields.get("role", endpoint.role),
        )
    for name, value in fields.items():
        setattr(endpoint, name, value)
    endpoint.save()
    audit.record(
        organization=organization,
        action=AuditAction.SETTINGS_CHANGED,
        target=endpoint,
        summary=f"webhook endpoint {endpoint.pk} changed",
        changes={"fields": sorted(fields)},
        actor=actor,
    )
    if is_active is not None and is_active != endpoint.is_active:
        webhook_endpoint_set_active(
            organization=organization, endpoint=endpoint, active=is_active, actor=actor
        )
    return endpoint


@transaction.atomic
def webhook_endpoint_set_active(*, organization, endpoint, active, actor=None):
    """Turn an endpoint off or back on; on again, its failure count starts afresh."""
    endpoint.is_active = active
    endpoint.disabled_reason = "" if active else "staff"
    endpoint.consecutive_failures = 0 if active else endpoint.consecutive_failures
    endpoint.failing_since = None if active else endpoint.failing_since
    endpoint.save()
    audit.record(
        organization=organization,
        action=AuditAction.SETTINGS_CHANGED,
        target=endpoint,
        summary=f"webhook endpoint {endpoint.pk} {'enabled' if active else 'disabled'}",
        actor=actor,
    )
    return endpoint


@transaction.atomic
def webhook_endpoint_roll_secret(*, organization, endpoint, keep_previous_hours=24, actor=None):
    """A new signing secret, returned this once. The old one still signs deliveries for
    ``keep_previous_hours`` (0 to 24), so a receiver can switch without missing any."""
    if not 0 <= keep_previous_hours <= 24:
        raise ValidationError({"keep_previous_hours": _("Give a number of hours from 0 to 24.")})
    secret = signing.new_secret()
    endpoint.previous_secret = endpoint.secret if keep_previous_hours else ""
    endpoint.previous_secret_expires_at = (
        timezone.now() + timedelta(hours=keep_previous_hours) if keep_previous_hours else None
    )
    endpoint.secret = secret
    endpoint.save()
    audit.record(
        organization=organization,
        action=AuditAction.SETTINGS_CHANGED,
        target=endpoint,
        summary=f"webhook endpoint {endpoint.pk} secret rolled",
        actor=actor,
    )
    return secret


@transaction.atomic
def webhook_endpoint_delete(*, organization, endpoint, actor=None):
    audit.record(
        organization=organization,
        action=AuditAction.SETTINGS_CHANGED,
        target=endpoint,
        summary=f"webhook endpoint {endpoint.pk} removed",
        actor=actor,
    )
    endpoint.delete()


@transaction.atomic
def webhook_redeliver(*, organization, delivery):
    """Send a delivery's event to its endpoint again, now (staff asked: also to an endpoint that
    is turned off, so they can try it before turning it on)."""
    from stakeholders.integrations import tasks

    last = (
        WebhookDelivery.objects.filter(
            organization=organization, endpoint_id=delivery.endpoint_id, event_id=delivery.event_id
        )
        .order_by("-attempt")
        .values_list("attempt", flat=True)
        .first()
    )
    again = WebhookDelivery.objects.create(
        organization=organization,
        endpoint_id=delivery.endpoint_id,
        event_id=delivery.event_id,
        attempt=(last or 0) + 1,
        manual=True,
        next_retry_at=timezone.now(),
    )
    transaction.on_commit(
        lambda: tasks.deliver.delay(organization_id=organization.pk, delivery_ids=[again.pk])
    )
    return again


def purge_expired(*, now=None):
    """Across organizations (a platform chore): idempotency records older than 24 hours and
    webhook events (with their deliveries) older than ``WEBHOOKS_KEEP_DAYS``."""
    now = now or timezone.now()
    with scopes_disabled():
        records, _rows = IdempotencyRecord.objects.filter(
            created_at__lt=now - timedelta(hours=24)
        ).delete()
        events, _rows = WebhookEvent.objects.filter(
            created_at__lt=now - timedelta(days=settings.WEBHOOKS_KEEP_DAYS)
        ).delete()
    return {"idempotency_records": records, "webhook_events": events}
