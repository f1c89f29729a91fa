"""Giving summaries for big organizations: ``DonorYear`` rows (one per donor and year, kept by
the triggers of migration 0008) and the report figures computed from them, cached under the
organization's giving version.

A page never counts millions of gifts: lapsed donors read the latest year of each donor through
partial indexes, retention reads the donors' years that overlap its windows, and the figures a
dashboard shows (LYBUNT and SYBUNT counts, retention month by month, this month's gifts) are
computed once per giving version and day — by the Celery task the gift services queue after a
change (``donors.tasks.giving_figures_refresh``), or by the first page that finds them missing.
The version is bumped by the triggers in the same transaction as the gifts, so a cached figure
is never older than the gifts it says it counts.
"""

from datetime import date, timedelta

from django.core.cache import cache
from django.db import connection

from donors.models import DonorYear, Gift, GivingVersion

FIGURES_SECONDS = 26 * 3600  # a day's figures; a new version or day is a new key anyway
REFRESH_DEBOUNCE_SECONDS = 30  # at most one queued refresh per organization this long


def rebuild(*, organization):
    """Recompute every ``DonorYear`` row of the organization from its gifts (after a bulk load
    with the triggers off; the migration does it once for every organization)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT donors_donor_years_rebuild(%s)", [organization.pk])


def giving_version(*, organization):
    return (
        GivingVersion.objects.filter(organization=organization)
        .values_list("version", flat=True)
        .first()
        or 0
    )


SYBUNT_SINCE = date(1900, 1, 1)  # SYBUNT's "some year" starts here (``selectors``)


def gifts_outside(*, organization, day):
    """Whether a counted gift is dated after ``day`` or before 1900 (the services refuse the
    first, nobody enters the second; when one is there anyway, the readers fall back to the
    gifts so that the definitions stay exact)."""
    from django.db.models import Q

    return Gift.objects.filter(
        Q(received_on__gt=day) | Q(received_on__lt=SYBUNT_SINCE),
        organization=organization,
        status=Gift.Status.RECEIVED,
    ).exists()


def latest_years(*, organization, kind, today):
    """LYBUNT (``kind`` "lybunt": their latest year is last year) or SYBUNT (before this year) as
    rows like ``selectors.lapsed_donors``'s, from each donor's latest year: its total (LYBUNT) or
    running total (SYBUNT) and its last gift. None when a gift is dated after ``today`` (or
    before 1900)."""
    from django.db.models import F

    if gifts_outside(organization=organization, day=today):
        return None
    rows = DonorYear.objects.filter(organization=organization, latest=True)
    if kind == "lybunt":
        rows, total = rows.filter(year=today.year - 1), F("amount")
    else:
        rows, total = rows.filter(year__lt=today.year), F("running_total")
    return rows.values("contact_id", "contact__name", total=total, last_gift=F("last_on")).order_by(
        "-total", "contact__name"
    )


def donors_between(*, organization, start, end):
    """The donors with a counted gift on a day in [start, end), from their years: a year that
    holds one end of the window has a gift in it exactly when its last gift is on or after
    ``start`` (or its first before ``end``). None when one year holds days before ``start`` and
    from ``end`` on (a window shorter than a year): the caller counts gifts instead."""
    last_day = end - timedelta(days=1)
    if (
        start.year == last_day.year
        and start != date(start.year, 1, 1)
        and last_day != date(start.year, 12, 31)
    ):
        return None
    return (
        DonorYear.objects.filter(
            organization=organization,
            year__gte=start.year,
            year__lte=last_day.year,
            last_on__gte=start,
            first_on__lt=end,
        )
        .values("contact_id")
        .distinct()
    )


def figures(*, organization, today, compute):
    """The organization's report figures for ``today`` at its current giving version: cached,
    else ``compute()`` (and cached)."""
    version = giving_version(organization=organization)
    key = f"donors:figures:{organization.pk}:{version}:{today.isoformat()}"
    found = cache.get(key)
    if found is None:
        found = compute()
        cache.set(key, found, FIGURES_SECONDS)
    return found


def refresh_soon(*, organization):
    """Queue the figures' refresh for the end of a debounce window opened by the first change
    (after this transaction commits): a stream of gifts costs one refresh per window, and the
    refresh sees every gift of its window."""
    from django.db import transaction

    from donors import tasks

    if cache.add(f"donors:figures:queued:{organization.pk}", 1, REFRESH_DEBOUNCE_SECONDS):
        transaction.on_commit(
            lambda: tasks.giving_figures_refresh.apply_async(
                kwargs={"organization_id": organization.pk}, countdown=REFRESH_DEBOUNCE_SECONDS
            )
        )
