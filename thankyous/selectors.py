"""Reads of the thank-you app: the queue, time to thank, print batches."""

from datetime import timedelta

from django.core.cache import cache
from django.db import connection
from django.db.models import Count, Exists, F, OuterRef, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from stakeholders import formats
from stakeholders.content_versions import originals
from thankyous.models import Acknowledgment, AcknowledgmentCount, PrintBatch, ThankYouTemplate
from thankyous.registry import thankables

UNQUEUED_SECONDS = 26 * 3600  # a day's count; a new version or day is a new key anyway

UNSENT_STATES = ("pending", "claimed", "sending", "review", "print")


def platform_backlog():
    """Across organizations (the caller opened ``scopes_disabled``), for /metrics: unsent
    acknowledgments by state, how many failed at least once, and the oldest one's age."""
    unsent = Acknowledgment.objects.filter(state__in=UNSENT_STATES)
    by_state = dict(unsent.values_list("state").annotate(n=Count("pk")).values_list("state", "n"))
    failed = unsent.filter(Q(attempts__gt=0) | Q(state=Acknowledgment.State.REVIEW)).count()
    oldest = (
        unsent.exclude(state=Acknowledgment.State.PRINT)
        .order_by("received_at")
        .values_list("received_at", flat=True)
        .first()
    )
    age = (timezone.now() - oldest).total_seconds() if oldest else 0
    return {"by_state": by_state, "failed": failed, "oldest_seconds": age}


def acknowledgments_visible(*, organization, staff_role=None):
    """The thank-yous a member with ``staff_role`` may see: not those of kinds restricted to
    other roles (a client's participation thank-you)."""
    return Acknowledgment.objects.filter(organization=organization).exclude(
        kind__in=thankables.hidden_from(staff_role)
    )


def _counters(organization, staff_role):
    """The acknowledgments' counters (kept by triggers, migration 0013) of the kinds
    ``staff_role`` may see."""
    return AcknowledgmentCount.objects.filter(organization=organization).exclude(
        kind__in=thankables.hidden_from(staff_role)
    )


def queue_counts(*, organization, staff_role=None):
    """{state: how many} of the thank-yous ``staff_role`` may see (states with none left out)."""
    counts = {}
    for state, n in _counters(organization, staff_role).values_list("state", "count"):
        counts[state] = counts.get(state, 0) + n
    return {state: n for state, n in counts.items() if n}


def due(*, organization):
    """Pending rows whose turn it is (a refused send waits for its retry time)."""
    return Acknowledgment.objects.filter(
        organization=organization, state=Acknowledgment.State.PENDING
    ).exclude(retry_at__gt=timezone.now())


def not_yet_enqueued(*, organization, staff_role=None):
    """Things that should be thanked and have no acknowledgment row yet (the next batch's work),
    of the kinds ``staff_role`` may see."""
    total = 0
    hidden = thankables.hidden_from(staff_role)
    changes = None
    for thankable in thankables:
        if thankable.kind in hidden:
            continue
        if thankable.version is None:
            total += _unqueued(organization, thankable)
            continue
        if changes is None:  # the rows added to or removed from each kind: one read for all
            changes = dict(
                AcknowledgmentCount.objects.filter(organization=organization)
                .values_list("kind")
                .annotate(n=Sum("changes"))
                .values_list("kind", "n")
            )
        key = ":".join(
            str(part)
            for part in (
                "thankyous:unqueued",
                organization.pk,
                thankable.kind,
                thankable.version(organization),
                changes.get(thankable.kind, 0),
                timezone.localdate().isoformat(),
            )
        )
        found = cache.get(key)
        if found is None:
            found = _unqueued(organization, thankable)
            cache.set(key, found, UNQUEUED_SECONDS)
        total += found
    return total


def _unqueued(organization, thankable):
    """The things of ``thankable`` to thank that have no acknowledgment (an anti-join through
    the acknowledgments' unique index)."""
    done = Acknowledgment.objects.filter(
        organization=organization, kind=thankable.kind, target_id=OuterRef("pk")
    )
    return thankable.candidates(organization).exclude(Exists(done)).count()


def next_run(*, organization, staff_role=None, counts=None):
    """What the next batch will try to thank: things with no acknowledgment yet and the pending
    ones. The queue's "for the next run" and its empty state both read it, so they agree."""
    if counts is None:
        counts = queue_counts(organization=organization, staff_role=staff_role)
    return not_yet_enqueued(organization=organization, staff_role=staff_role) + counts.get(
        Acknowledgment.State.PENDING, 0
    )


def waiting(*, organization, staff_role=None, limit=20):
    """Thank-yous not sent yet, oldest first."""
    return (
        acknowledgments_visible(organization=organization, staff_role=staff_role)
        .filter(
            state__in=[
                Acknowledgment.State.PENDING,
                Acknowledgment.State.REVIEW,
                Acknowledgment.State.SENDING,
            ],
        )
        .select_related("contact")
        .order_by("received_at")[:limit]
    )


def time_to_thank(*, organization, staff_role=None, days=30, target_hours=48):
    """Hours from receipt to the thank-you going out, over the last ``days`` days, for the kinds
    ``staff_role`` may see."""
    since = timezone.now() - timedelta(days=days)
    visible = acknowledgments_visible(organization=organization, staff_role=staff_role)
    thanked = visible.filter(sent_at__gte=since, sent_at__isnull=False)
    overdue = visible.filter(
        state__in=[Acknowledgment.State.PENDING, Acknowledgment.State.REVIEW],
        received_at__lt=timezone.now() - timedelta(hours=target_hours),
    ).count()
    number = formats.format_number
    edges = [
        (0, 6, _("under %(hours)s hours") % {"hours": number(6)}),
        (6, 24, _("%(low)s–%(high)s hours") % {"low": number(6), "high": number(24)}),
        (24, 48, _("%(low)s–%(high)s days") % {"low": number(1), "high": number(2)}),
        (48, 24 * 7, _("%(low)s–%(high)s days") % {"low": number(2), "high": number(7)}),
        (24 * 7, 10**9, _("over %(days)s days") % {"days": number(7)}),
    ]
    count, median, p90, *in_buckets = _hours_figures(thanked, edges)
    if not count:
        return {"count": 0, "median": None, "p90": None, "overdue": overdue, "buckets": []}
    return {
        "count": count,
        "median": median,
        "p90": p90,
        "overdue": overdue,
        "buckets": [(label, n) for (_low, _high, label), n in zip(edges, in_buckets, strict=True)],
    }


def _hours_figures(thanked, edges):
    """(count, median, 90th percentile, count in each [low, high) bucket) of the hours from
    receipt to thank-you of the rows of ``thanked``, in the database (the index of sent rows:
    no row comes to Python). percentile_cont interpolates as ``statistics.median`` and
    ``statistics.quantiles(method="inclusive")`` do."""
    rows = thanked.order_by().values("received_at", "sent_at")
    sql, params = rows.query.sql_with_params()
    buckets = ", ".join("count(*) FILTER (WHERE h >= %s AND h < %s)" for _edge in edges)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*), percentile_cont(0.5) WITHIN GROUP (ORDER BY h), "  # noqa: S608
            f"percentile_cont(0.9) WITHIN GROUP (ORDER BY h), {buckets} FROM ("
            "SELECT (extract(epoch FROM t.sent_at - t.received_at) / 3600)::float8 AS h "
            f"FROM ({sql}) t) hours",
            [*[bound for low, high, _label in edges for bound in (low, high)], *params],
        )
        return cursor.fetchone()


MAILING_ORDER = (F("contact__country").asc(), "contact__postal_code", "contact__search_name")


def print_queue(*, organization, staff_role=None):
    """Letters waiting for a print batch, in mailing order."""
    return (
        acknowledgments_visible(organization=organization, staff_role=staff_role)
        .filter(state=Acknowledgment.State.PRINT, print_batch__isnull=True)
        .select_related("contact")
        .order_by(*MAILING_ORDER)
    )


def print_batch_letters(*, organization, batch):
    """The letters of a print batch, in mailing order."""
    return (
        Acknowledgment.objects.filter(organization=organization, print_batch=batch)
        .select_related("contact")
        .order_by(*MAILING_ORDER)
    )


def acknowledgments_export(*, organization, contact):
    """A person's thank-yous, for a data subject request (their letters come as files)."""
    return {
        "thank_yous": list(
            Acknowledgment.objects.filter(organization=organization, contact=contact)
            .order_by("created_at")
            .values("kind", "state", "channel", "skip_reason", "created_at", "sent_at")
        )
    }


def letter_files(*, organization, contact):
    """(name in the export, file) of each stored letter thanking the person."""
    rows = Acknowledgment.objects.filter(organization=organization, contact=contact).exclude(pdf="")
    return [(f"letters/thank-you-{row.kind}-{row.target_id}.pdf", row.pdf) for row in rows]


def print_batches(*, organization, staff_role=None):
    """Print batches, newest first, but none holding a letter ``staff_role`` may not read."""
    hidden = Acknowledgment.objects.filter(
        organization=organization,
        kind__in=thankables.hidden_from(staff_role),
        print_batch__isnull=False,
    )
    return PrintBatch.objects.filter(organization=organization).exclude(
        pk__in=hidden.values("print_batch_id")
    )


def templates(*, organization):
    """The originals (a translation is not a second template), each with its versions."""
    return originals(ThankYouTemplate.objects.filter(organization=organization))
