"""Deliverability: what the email providers tell us about our email (bounces, spam complaints,
unsubscribes) becomes a suppression of the address, which ``stakeholders.sending`` honours on
every path, and shows on the person's page and on the dashboard.

The providers post their events to Anymail's tracking webhooks under the organization's address
(``stakeholders.email_webhooks``); Anymail checks the basic auth and the provider's signature,
normalises the event and sends its ``tracking`` signal, which ``on_tracking`` receives here.
"""

from contextvars import ContextVar
from datetime import timedelta

from anymail.signals import EventType, RejectReason, tracking
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from stakeholders.models import Contact, ContactEvent, EmailSuppression

Suppression = EmailSuppression.Reason

# The organization whose webhook address the event came to (set by ``email_webhooks`` for the
# length of the request; an event that arrives elsewhere has no organization and is ignored).
webhook_organization = ContextVar("webhook_organization", default=None)

# A rejection for these reasons says the address is bad; others (blocked by a policy, timed out)
# say nothing about the address.
HARD_REJECTIONS = frozenset({RejectReason.INVALID, RejectReason.BOUNCED, None})


def suppression_for_event(event):
    """The suppression an Anymail tracking event calls for, or None."""
    kind, why = event.event_type, event.reject_reason
    if kind == EventType.COMPLAINED:
        return Suppression.COMPLAINT
    if kind == EventType.UNSUBSCRIBED:
        return Suppression.UNSUBSCRIBED
    if kind == EventType.BOUNCED:
        esp_event = event.esp_event if isinstance(event.esp_event, dict) else {}
        if esp_event.get("Type") == "SoftBounce":  # Postmark counts soft bounces as bounces
            return None
        return Suppression.HARD_BOUNCE if why in HARD_REJECTIONS else None
    if kind == EventType.REJECTED:
        if why == RejectReason.SPAM:
            return Suppression.COMPLAINT
        if why == RejectReason.UNSUBSCRIBED:
            return Suppression.UNSUBSCRIBED
        return Suppression.HARD_BOUNCE if why in HARD_REJECTIONS else None
    return None


def on_tracking(sender, event, esp_name, **kwargs):
    """Anymail's ``tracking`` signal: record what the event says about the address."""
    organization = webhook_organization.get()
    reason = suppression_for_event(event)
    if organization is None or reason is None or not event.recipient:
        return
    detail = event.description or event.mta_response or event.reject_reason or ""
    suppression_record(
        organization=organization,
        email=event.recipient,
        reason=reason,
        provider=esp_name,
        provider_event_id=event.event_id or "",
        detail=str(detail),
        occurred_at=event.timestamp,
    )


def connect():
    tracking.connect(on_tracking, dispatch_uid="stakeholders.deliverability")


def _summary(reason, email, detail):
    if reason == Suppression.HARD_BOUNCE:
        text = _("Email bounced: %(email)s") % {"email": email}
    elif reason == Suppression.COMPLAINT:
        text = _("Marked our email as spam: %(email)s") % {"email": email}
    elif reason == Suppression.UNSUBSCRIBED:
        text = _("Unsubscribed from our email at the provider: %(email)s") % {"email": email}
    else:
        text = _("Email address suppressed: %(email)s") % {"email": email}
    return f"{text} ({detail})"[:300] if detail else text[:300]


@transaction.atomic
def suppression_record(
    *,
    organization,
    email,
    reason,
    provider="",
    provider_event_id="",
    detail="",
    occurred_at=None,
    actor=None,
):
    """Suppress ``email`` for ``reason``, once: an event seen before (its provider id) or an
    address already suppressed for the reason changes nothing. Each contact of the organization
    with the address (as their email or other email) gets a line on their record. Returns the
    suppression when new, else None."""
    email = email.strip().lower()
    if not email:
        return None
    if (
        provider_event_id
        and EmailSuppression.objects.filter(
            organization=organization, provider_event_id=provider_event_id
        ).exists()
    ):
        return None
    contacts = list(
        Contact.objects.filter(organization=organization, merged_into__isnull=True)
        .filter(Q(email__iexact=email) | Q(email_alt__iexact=email))
        .order_by("pk")
    )
    detail = detail.strip()[:300]
    suppression, created = EmailSuppression.objects.get_or_create(
        organization=organization,
        email=email,
        reason=reason,
        defaults={
            "contact": contacts[0] if contacts else None,
            "provider": provider[:40],
            "provider_event_id": provider_event_id[:200],
            "detail": detail,
            "created_at": occurred_at or timezone.now(),
        },
    )
    if not created:
        return None
    with translation.override(organization.language):
        summary = _summary(reason, email, detail)
    ContactEvent.objects.bulk_create(
        ContactEvent(
            organization=organization,
            contact=contact,
            kind=ContactEvent.Kind.EMAIL_SUPPRESSED,
            summary=summary,
            actor=actor,
            occurred_at=suppression.created_at,
        )
        for contact in contacts
    )
    return suppression


def suppressions_for_contact(*, organization, contact):
    """The suppressions of the person's email address (or recorded against them), oldest
    first."""
    match = Q(contact=contact)
    if contact.email:
        match |= Q(email=contact.email.strip().lower())
    return (
        EmailSuppression.objects.filter(organization=organization)
        .filter(match)
        .order_by("created_at", "pk")
    )


def delivery_health(*, organization, days=30, now=None):
    """Bounces, complaints and unsubscribes of the last ``days`` days, and every address
    suppressed, in one query."""
    since = (now or timezone.now()) - timedelta(days=days)
    recent = Q(created_at__gte=since)
    return EmailSuppression.objects.filter(organization=organization).aggregate(
        bounces=Count("pk", filter=recent & Q(reason=Suppression.HARD_BOUNCE)),
        complaints=Count("pk", filter=recent & Q(reason=Suppression.COMPLAINT)),
        unsubscribes=Count("pk", filter=recent & Q(reason=Suppression.UNSUBSCRIBED)),
        suppressed=Count("email", distinct=True),
    )


# --- On the pages --------------------------------------------------------------------------------


def dashboard_card(request):
    """Delivery health on the dashboard (one query)."""
    return {"health": delivery_health(organization=request.organization)}


def contact_panel(request, contact):
    """What the providers told us about the person's email (none: no panel)."""
    suppressions = list(
        suppressions_for_contact(organization=request.organization, contact=contact)
    )
    return {"suppressions": suppressions} if suppressions else None


# --- Merge, erase and export of a person's suppressions ------------------------------------------


def merge_suppressions(*, organization, keep, remove):
    EmailSuppression.objects.filter(organization=organization, contact=remove).update(contact=keep)


def erase_suppressions(*, organization, contact):
    """The suppression stays, to keep protecting the address, but forgets the person: the
    address alone remains (no link to the record, no provider's words)."""
    EmailSuppression.objects.filter(organization=organization, contact=contact).update(
        contact=None, detail=""
    )


def export_suppressions(*, organization, contact):
    return {
        "email_suppressions": list(
            suppressions_for_contact(organization=organization, contact=contact).values(
                "created_at", "email", "reason", "provider", "detail"
            )
        )
    }
