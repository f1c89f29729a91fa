"""Texts are answered first and filed after: Twilio's webhook stores the parsed message in one
statement (``ReceivedText``) and answers; a worker files it into its conversation
(``twilio.receive``: contact, conversation, clock, timeline, keywords). That is what lets one
server take hundreds of texts a second without making Twilio wait, and what a provider expects
of a webhook (Twilio gives up after 15 s and retries).

- **Exactly once**: a retry of a text still waiting is refused by the table's unique constraint
  (``ON CONFLICT DO NOTHING``); one already filed is found by the message's own constraint; the
  row is deleted in the transaction that files it, so a killed worker leaves it for the next.
- **Prompt**: the first text of a burst schedules one drain of the organization's waiting texts
  (a Redis flag, so a burst costs one task, not one per text); the drain takes them in arrival
  order, ``SKIP LOCKED``, so two workers never file the same one. A beat task every minute
  drains what a lost task left behind.
- **Failures**: a text that can't be filed (a bug, a database error) is retried on the next
  drains and set aside after ``MAX_ATTEMPTS`` with its error (no text in the error), counted
  in ``/metrics``.
"""

import json
import logging

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from stakeholders.fields import encrypt
from stakeholders.inbox.models import ReceivedText

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
BATCH = 100  # texts filed per drain before it hands over (another drain continues)
FLAG_SECONDS = 30  # a scheduled drain that never ran (broker lost) is scheduled again after


def _flag(organization_id):
    return f"inbox:drain-scheduled:{organization_id}"


# One statement, outside any transaction (bulk_create(ignore_conflicts=True) would wrap it in
# BEGIN and COMMIT: two more round trips on the busiest path we have).
INSERT = """
    INSERT INTO stakeholders_receivedtext
        (organization_id, channel, provider_message_id, message, received_at, attempts, last_error)
    VALUES (%s, %s, %s, %s, %s, 0, '')
    ON CONFLICT DO NOTHING
    RETURNING id
"""


def keep(*, organization, inbound):
    """Store a parsed text for filing (one INSERT) and make sure a drain will come. Returns
    False when it was already waiting (a retry)."""
    payload = {
        "channel": inbound.channel,
        "address": inbound.address,
        "body": inbound.body,
        "display_name": inbound.display_name,
        "our_address": inbound.our_address,
        "provider_message_id": inbound.provider_message_id,
    }
    with connection.cursor() as cursor:
        cursor.execute(
            INSERT,
            [
                organization.pk,
                inbound.channel,
                inbound.provider_message_id,
                encrypt(json.dumps(payload)),
                inbound.received_at or timezone.now(),
            ],
        )
        created = cursor.fetchone() is not None
    schedule_drain(organization_id=organization.pk)
    return created


def schedule_drain(*, organization_id):
    """One drain task per burst: the flag is cleared by the drain before it looks for texts,
    so a text stored after that look schedules the next one."""
    from stakeholders.inbox.tasks import file_received_texts

    if cache.add(_flag(organization_id), 1, FLAG_SECONDS):
        file_received_texts.delay(organization_id=organization_id)


def _inbound(row):
    from stakeholders.inbox.services import InboundMessage

    fields = json.loads(row.message)
    return InboundMessage(**fields, received_at=row.received_at)


def _file_next(organization):
    """File the oldest waiting text in one transaction (no savepoint); False when none is left
    (or all are taken by another drain) or when it failed (the next drain tries again, behind
    the texts that came since)."""
    from stakeholders.inbox import twilio

    row_id = None
    try:
        with transaction.atomic():
            row = (
                ReceivedText.objects.select_for_update(skip_locked=True)
                .filter(attempts__lt=MAX_ATTEMPTS)
                .order_by("attempts", "id")
                .first()
            )
            if row is None:
                return False
            row_id = row.pk
            twilio.receive(organization=organization, inbound=_inbound(row))
            row.delete()
    except ValidationError:  # nothing to file (an empty text): not kept
        ReceivedText.objects.filter(pk=row_id).delete()
        logger.info("received text not filed: empty", extra={"received_text": row_id})
    except Exception as error:
        if row_id is None:
            raise
        ReceivedText.objects.filter(pk=row_id).update(
            attempts=F("attempts") + 1, last_error=type(error).__name__[:200]
        )
        logger.exception("received text not filed", extra={"received_text": row_id})
        return False
    return True


def drain(*, organization, limit=BATCH):
    """File up to ``limit`` waiting texts of the organization, oldest first; schedule another
    drain when more are waiting. Returns how many were handled."""
    cache.delete(_flag(organization.pk))
    handled = 0
    while handled < limit and _file_next(organization):
        handled += 1
    if handled == limit:
        schedule_drain(organization_id=organization.pk)
    return handled


SET_ASIDE_DAYS = 7


def platform_backlog():
    """Across organizations, for /metrics: texts waiting and texts set aside."""
    from django.db.models import Count, Q
    from django_scopes import scopes_disabled

    with scopes_disabled():
        counts = ReceivedText.objects.aggregate(
            waiting=Count("id", filter=Q(attempts__lt=MAX_ATTEMPTS)),
            set_aside=Count("id", filter=Q(attempts__gte=MAX_ATTEMPTS)),
        )
    return [({"state": state}, count) for state, count in counts.items()]


def organizations_waiting():
    """Organizations with texts waiting for a minute or more (the sweep's work) — and it
    deletes what was set aside a week ago."""
    from datetime import timedelta

    from django_scopes import scopes_disabled

    now = timezone.now()
    with scopes_disabled():
        ReceivedText.objects.filter(
            attempts__gte=MAX_ATTEMPTS, received_at__lt=now - timedelta(days=SET_ASIDE_DAYS)
        ).delete()
        return list(
            ReceivedText.objects.filter(
                attempts__lt=MAX_ATTEMPTS, received_at__lt=now - timedelta(minutes=1)
            )
            .order_by()
            .values_list("organization_id", flat=True)
            .distinct()
        )
