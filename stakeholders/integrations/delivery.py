"""Sending one webhook delivery: claim the row, post the signed body, record the answer, schedule
the retry or disable an endpoint that keeps failing (and tell the admins).

Safe to run twice: a delivery is claimed by a conditional UPDATE (pending → sending), so a
doubled task or a sweep running beside the first task sends it once. The database, not the
queue, holds what is still to send (``deliveries_due``).
"""

import logging
import random
import time
from datetime import timedelta
from urllib.parse import urlsplit

import certifi
import urllib3
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from stakeholders.integrations import addresses, signing
from stakeholders.integrations.events import body_for
from stakeholders.integrations.models import WebhookDelivery, WebhookEndpoint

logger = logging.getLogger(__name__)

Status = WebhookDelivery.Status
EXCERPT_BYTES = 1024
USER_AGENT = "Steward-Webhooks/1"


def retry_delay(attempt):
    """After failed attempt ``attempt`` (1, 2, …): 1 min, 5 min, 25 min, ~2 h, then every 6 h,
    with ±10 % jitter so many endpoints failing at once don't come back all together."""
    seconds = min(60 * 5 ** (attempt - 1), 6 * 60 * 60)
    return timedelta(seconds=seconds * random.uniform(0.9, 1.1))


def post(*, url, body, headers, timeout):
    """POST ``body`` to ``url`` at an address checked public just now, never following a
    redirect. Returns (status, excerpt, error); status is None when nothing came back."""
    try:
        scheme, host, port = addresses.check_url(url)
        address = addresses.resolve(host, port)[0]
    except ValidationError as error:
        return None, "", "; ".join(error.messages)[:200]
    parts = urlsplit(url)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    default_port = 443 if scheme == "https" else 80
    shown = f"[{host}]" if ":" in host else host  # an IPv6 literal
    host_header = shown if port == default_port else f"{shown}:{port}"
    options = {
        "timeout": urllib3.Timeout(connect=min(5.0, timeout), read=timeout),
        "retries": False,
        "maxsize": 1,
    }
    if scheme == "https":
        pool = urllib3.HTTPSConnectionPool(
            address,
            port,
            server_hostname=host,
            assert_hostname=host,
            cert_reqs="CERT_REQUIRED",
            ca_certs=certifi.where(),
            **options,
        )
    else:
        pool = urllib3.HTTPConnectionPool(address, port, **options)
    try:
        response = pool.urlopen(
            "POST",
            path,
            body=body,
            headers={**headers, "Host": host_header},
            redirect=False,
            assert_same_host=False,
            preload_content=False,
        )
        try:
            excerpt = response.read(EXCERPT_BYTES, decode_content=True) or b""
        finally:
            response.release_conn()
        return response.status, excerpt.decode("utf-8", "replace"), ""
    except urllib3.exceptions.TimeoutError:
        return None, "", _("No answer within %(seconds)s seconds.") % {"seconds": timeout}
    except urllib3.exceptions.HTTPError as error:
        reason = type(getattr(error, "reason", None) or error).__name__
        return None, "", _("Could not connect (%(reason)s).") % {"reason": reason}
    finally:
        pool.close()


def endpoint_secrets(endpoint, now):
    current = [endpoint.secret]
    if endpoint.previous_secret and (
        endpoint.previous_secret_expires_at and endpoint.previous_secret_expires_at > now
    ):
        current.append(endpoint.previous_secret)
    return current


def deliver(*, organization, delivery_id):
    """Send delivery ``delivery_id`` if it is still pending; returns its final status or None."""
    now = timezone.now()
    claimed = WebhookDelivery.objects.filter(
        organization=organization, pk=delivery_id, status=Status.PENDING
    ).update(status=Status.SENDING, started_at=now)
    if not claimed:
        return None
    delivery = WebhookDelivery.objects.select_related("endpoint", "event").get(
        organization=organization, pk=delivery_id
    )
    endpoint, event = delivery.endpoint, delivery.event
    if not endpoint.is_active and not delivery.manual:
        delivery.status, delivery.error = Status.FAILED, _("The endpoint is disabled.")
        delivery.save(update_fields=["status", "error"])
        return delivery.status
    body = body_for(event=event, endpoint=endpoint, organization=organization)
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": USER_AGENT,
        "Steward-Event-Id": event.key,
        "Steward-Event-Type": event.type,
        "Steward-Delivery-Attempt": str(delivery.attempt),
        signing.HEADER: signing.sign(secrets_=endpoint_secrets(endpoint, now), body=body),
    }
    started = time.monotonic()
    status, excerpt, error = post(
        url=endpoint.url, body=body, headers=headers, timeout=settings.WEBHOOKS_TIMEOUT
    )
    duration_ms = int((time.monotonic() - started) * 1000)
    succeeded = status is not None and 200 <= status < 300
    if status is not None and not succeeded and not error:
        error = _("The endpoint answered %(status)s.") % {"status": status}
    logger.info(
        "webhook delivery %s (event %s, endpoint %s, attempt %s): %s in %s ms",
        delivery.pk,
        event.type,
        endpoint.pk,
        delivery.attempt,
        status or "no answer",
        duration_ms,
    )
    _record(
        organization=organization,
        delivery=delivery,
        succeeded=succeeded,
        status=status,
        excerpt=excerpt,
        error=error,
        duration_ms=duration_ms,
    )
    return delivery.status


@transaction.atomic
def _record(*, organization, delivery, succeeded, status, excerpt, error, duration_ms):
    now = timezone.now()
    endpoint = WebhookEndpoint.objects.select_for_update().get(
        organization=organization, pk=delivery.endpoint_id
    )
    delivery.status = Status.SUCCEEDED if succeeded else Status.FAILED
    delivery.response_status = status
    delivery.response_body = excerpt
    delivery.error = error[:200]
    delivery.duration_ms = duration_ms
    delivery.save(
        update_fields=["status", "response_status", "response_body", "error", "duration_ms"]
    )
    if delivery.manual:  # a redelivery staff asked for changes neither retries nor the count
        return
    if succeeded:
        if endpoint.consecutive_failures or endpoint.failing_since:
            endpoint.consecutive_failures, endpoint.failing_since = 0, None
            endpoint.save(update_fields=["consecutive_failures", "failing_since"])
        return
    endpoint.consecutive_failures += 1
    endpoint.failing_since = endpoint.failing_since or now
    fields = ["consecutive_failures", "failing_since"]
    too_many = endpoint.consecutive_failures >= settings.WEBHOOKS_DISABLE_AFTER_FAILURES
    too_long = now - endpoint.failing_since >= timedelta(days=settings.WEBHOOKS_DISABLE_AFTER_DAYS)
    if endpoint.is_active and (too_many or too_long):
        endpoint.is_active = False
        endpoint.disabled_reason = "failing"
        fields += ["is_active", "disabled_reason"]
        logger.warning("webhook endpoint %s disabled after repeated failures", endpoint.pk)
        transaction.on_commit(
            lambda: _tell_admins_disabled(organization=organization, endpoint=endpoint)
        )
    endpoint.save(update_fields=fields)
    if endpoint.is_active and delivery.attempt < settings.WEBHOOKS_MAX_ATTEMPTS:
        WebhookDelivery.objects.get_or_create(
            organization=organization,
            endpoint=endpoint,
            event=delivery.event,
            attempt=delivery.attempt + 1,
            defaults={"next_retry_at": now + retry_delay(delivery.attempt)},
        )


def _tell_admins_disabled(*, organization, endpoint):
    """Each admin, in their own language: which endpoint stopped and where to turn it back on."""
    from stakeholders.languages import reading_as
    from stakeholders.models import Membership, Role

    url = settings.SITE_URL.rstrip("/") + f"/o/{organization.slug}/settings/webhooks/{endpoint.pk}/"
    messages = []
    admins = Membership.objects.filter(organization=organization, role=Role.ADMIN).select_related(
        "user"
    )
    for membership in admins:
        admin = membership.user
        with reading_as(organization=organization, user=admin):
            values = {
                "url": endpoint.url,
                "name": organization.name,
                "count": endpoint.consecutive_failures,
                "page": url,
            }
            messages.append(
                EmailMultiAlternatives(
                    subject=_("A webhook endpoint of %(name)s was turned off") % values,
                    body=_(
                        "Steward stopped sending events to %(url)s: its last %(count)s "
                        "deliveries failed. Events are not sent to it until it is turned "
                        "back on. See the deliveries and turn it on again here: %(page)s"
                    )
                    % values,
                    to=[admin.email],
                )
            )
    for message in messages:
        message.send()


def deliveries_due(*, now=None, stale_after=None):
    """(organization id, delivery id) of what should be sent now, across organizations (the
    beat sweep's, openly unscoped): pending rows whose time has come, and rows left "sending" by
    a worker that died (put back to pending first)."""
    from django_scopes import scopes_disabled

    now = now or timezone.now()
    stale_after = stale_after or timedelta(seconds=settings.WEBHOOKS_TIMEOUT * 3 + 60)
    with scopes_disabled():
        WebhookDelivery.objects.filter(
            status=Status.SENDING, started_at__lt=now - stale_after
        ).update(status=Status.PENDING)
        return list(
            WebhookDelivery.objects.filter(status=Status.PENDING)
            .filter(Q(next_retry_at__lte=now) | Q(next_retry_at__isnull=True))
            .order_by("next_retry_at")
            .values_list("organization_id", "pk")[:5000]
        )
