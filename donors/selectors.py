"""Reads of the donors app: a donor's summary, lapsed donors, retention, impact."""

from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Count, Exists, Max, Min, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from donors import summaries
from donors.models import (
    ZERO,
    DonorYear,
    Fund,
    Gift,
    GiftAllocation,
    ImpactStory,
    Pledge,
    RecurringGift,
)
from stakeholders.selectors import name_matches

# Welcome calls are interactions linked by ``related_kind``: a donor reached (or a message left)
# leaves the list; an unanswered attempt is counted and the donor stays.
WELCOME_CALL_DONE = "donors.welcome_call"
WELCOME_CALL_ATTEMPT = "donors.welcome_call_attempt"
ANY_MANAGER = object()

# Giving levels by giving in the last 12 months (lower bound, label), highest first.
GIVING_LEVELS = [
    (Decimal("10000"), "leadership"),
    (Decimal("1000"), "major"),
    (Decimal("100"), "supporter"),
    (Decimal("0.01"), "friend"),
]


def counted_gifts(*, organization):
    """Gifts that count in totals: received, not refunded, not replaced by a correction."""
    return Gift.objects.filter(organization=organization, status=Gift.Status.RECEIVED)


def gifts_for(*, organization, contact):
    return (
        Gift.objects.filter(organization=organization, contact=contact)
        .select_related("campaign", "appeal")
        .prefetch_related("allocations__fund")
        .order_by("-received_on", "-pk")
    )


def donor_summary(*, organization, contact, today=None):
    """First, last and largest gift, lifetime, this year vs last, count, recurring, level."""
    today = today or timezone.localdate()
    year_start = date(today.year, 1, 1)
    last_year_start = date(today.year - 1, 1, 1)
    gifts = counted_gifts(organization=organization).filter(contact=contact)
    figures = gifts.aggregate(
        first=Min("received_on"),
        last=Max("received_on"),
        largest=Max("amount"),
        lifetime=Sum("amount"),
        count=Count("pk"),
        this_year=Sum("amount", filter=Q(received_on__gte=year_start)),
        last_year=Sum(
            "amount", filter=Q(received_on__gte=last_year_start, received_on__lt=year_start)
        ),
        last_12_months=Sum("amount", filter=Q(received_on__gt=today - timedelta(days=365))),
    )
    for key in ("lifetime", "this_year", "last_year", "last_12_months"):
        figures[key] = figures[key] or ZERO
    figures["level"] = next(
        (label for floor, label in GIVING_LEVELS if figures["last_12_months"] >= floor), None
    )
    figures["recurring"] = RecurringGift.objects.filter(
        organization=organization, contact=contact, status=RecurringGift.Status.ACTIVE
    ).first()
    return figures


def _donors_between(organization, start, end):
    return (
        counted_gifts(organization=organization)
        .filter(received_on__gte=start, received_on__lt=end)
        .values("contact_id")
        .distinct()
    )


def lapsed_donors(*, organization, kind="lybunt", today=None):
    """LYBUNT: gave Last Year But Unfortunately Not This year; SYBUNT: Some Year But… Read from
    the donors' latest years (``donors.summaries``), the same rows as from the gifts."""
    today = today or timezone.localdate()
    rows = summaries.latest_years(organization=organization, kind=kind, today=today)
    if rows is None:
        return _lapsed_from_gifts(organization, kind, today)
    return rows


def _lapsed_from_gifts(organization, kind, today):
    """The definition, counted from the gifts (when a gift is dated after today)."""
    year_start = date(today.year, 1, 1)
    earlier_start = date(today.year - 1, 1, 1) if kind == "lybunt" else summaries.SYBUNT_SINCE
    this_year = _donors_between(organization, year_start, today + timedelta(days=1))
    return (
        counted_gifts(organization=organization)
        .filter(received_on__gte=earlier_start, received_on__lt=year_start)
        .exclude(contact_id__in=this_year)
        .values("contact_id", "contact__name")
        .annotate(total=Sum("amount"), last_gift=Max("received_on"))
        .order_by("-total", "contact__name")
    )


def retention_rate(*, organization, on=None):
    """Share of donors of the 12 months before the last 12 who gave again in the last 12."""
    on = on or timezone.localdate()
    recent_start, previous_start = on - timedelta(days=365), on - timedelta(days=730)
    windows = [(previous_start, recent_start), (recent_start, on + timedelta(days=1))]
    previous, recent = (
        summaries.donors_between(organization=organization, start=start, end=end)
        for start, end in windows
    )
    if previous is None or recent is None:
        previous, recent = (_donors_between(organization, start, end) for start, end in windows)
    retained = recent.filter(contact_id__in=previous).count()
    base = previous.count()
    return {"rate": (retained / base) if base else None, "retained": retained, "base": base}


def retention_by_month(*, organization, months=12, today=None):
    """Retention at the end of each of the last ``months`` months, oldest first (for a chart)."""
    today = today or timezone.localdate()
    points = []
    month_end = today.replace(day=1) - timedelta(days=1)
    for _i in range(months):
        points.append((month_end, retention_rate(organization=organization, on=month_end)))
        month_end = month_end.replace(day=1) - timedelta(days=1)
    return list(reversed(points))


def report_figures(*, organization, today=None):
    """What the dashboard and the donors overview show — LYBUNT and SYBUNT counts, retention at
    each of the last 12 month ends and today, this month's gifts — for the organization's
    current giving version, cached (``donors.summaries.figures``)."""
    today = today or timezone.localdate()

    def compute():
        return {
            "lybunt_count": lapsed_donors(organization=organization, today=today).count(),
            "sybunt_count": lapsed_donors(
                organization=organization, kind="sybunt", today=today
            ).count(),
            "retention_by_month": retention_by_month(
                organization=organization, months=12, today=today
            ),
            "retention": retention_rate(organization=organization, on=today),
            "month": month_figures(organization=organization, today=today),
        }

    return summaries.figures(organization=organization, today=today, compute=compute)


def impact_for(*, organization, contact):
    """Per fund: what the donor gave to it and what that achieved in the fund's units."""
    rows = (
        GiftAllocation.objects.filter(
            organization=organization, gift__contact=contact, gift__status=Gift.Status.RECEIVED
        )
        .values("fund_id", "fund__name", "fund__impact_unit_amount", "fund__impact_unit_label")
        .annotate(total=Sum("amount"))
        .order_by("-total")
    )
    result = []
    for row in rows:
        unit = row["fund__impact_unit_amount"]
        result.append(
            {
                "fund_id": row["fund_id"],
                "fund": row["fund__name"],
                "total": row["total"],
                "units": int(row["total"] // unit) if unit else None,
                "unit_label": row["fund__impact_unit_label"],
            }
        )
    return result


def stories_for_funds(*, organization, fund_ids, limit=3, language=None):
    """The latest stories of these funds (and those for every donor), each in ``language``
    when it has a version in it, else in the organization's (``content_versions.choose``), in
    one query: the originals and just the versions a reader of ``language`` may get."""
    language = language or organization.language
    latest = (
        ImpactStory.objects.filter(organization=organization, original__isnull=True)
        .filter(Q(fund_id__in=fund_ids) | Q(fund__isnull=True))
        .values("pk")[:limit]
    )
    rows = list(
        ImpactStory.objects.filter(organization=organization).filter(
            Q(pk__in=latest)
            | Q(original_id__in=latest, language__in=[language, organization.language])
        )
    )
    versions = {(row.original_id, row.language): row for row in rows if row.original_id}
    return [
        versions.get((story.pk, language))
        or (story if story.language == language else None)
        or versions.get((story.pk, organization.language))
        or story
        for story in rows
        if story.original_id is None
    ]


def funds_active(*, organization):
    return Fund.objects.filter(organization=organization, is_active=True)


def funds_with_totals(*, organization):
    """Every fund with what it has received (counted gifts only)."""
    totals = dict(
        GiftAllocation.objects.filter(organization=organization, gift__status=Gift.Status.RECEIVED)
        .values_list("fund_id")
        .annotate(total=Sum("amount"))
        .values_list("fund_id", "total")
    )
    funds = list(Fund.objects.filter(organization=organization))
    for fund in funds:
        fund.total = totals.get(fund.pk, ZERO)
    return funds


def month_figures(*, organization, today=None):
    """Gifts and amount this month so far, and in the same days of the month last year."""
    today = today or timezone.localdate()
    month_start = today.replace(day=1)
    last_year_start = month_start.replace(year=today.year - 1)
    last_year_end = last_year_start.replace(day=min(today.day, 28))
    this_month = Q(received_on__gte=month_start)
    last_year = Q(received_on__gte=last_year_start, received_on__lte=last_year_end)
    figures = counted_gifts(organization=organization).aggregate(
        count=Count("pk", filter=this_month),
        total=Sum("amount", filter=this_month),
        last_year_count=Count("pk", filter=last_year),
        last_year_total=Sum("amount", filter=last_year),
    )
    figures["total"] = figures["total"] or ZERO
    figures["last_year_total"] = figures["last_year_total"] or ZERO
    return figures


def welcome_calls_due(*, organization, manager=ANY_MANAGER, days=30):
    """First-time donors of the last ``days`` whom nobody has reached by phone yet, the longest
    waiting first. ``manager``: a user (their donors), None (donors nobody manages) or
    ANY_MANAGER. A call that found nobody home keeps the donor on the list, with its count."""
    from stakeholders.models import Contact, Interaction

    since = timezone.localdate() - timedelta(days=days)
    gifts = counted_gifts(organization=organization)
    # First gift on or after ``since``: each donor's first gift ever is on their latest year.
    # Fetched first (a month's new donors: a few thousand ids in a big organization), so the
    # contacts are looked up by key; as a subquery the planner scans every contact.
    newcomers = list(
        DonorYear.objects.filter(
            organization=organization, latest=True, first_ever_on__gte=since
        ).values_list("contact_id", flat=True)
    )
    reached = Interaction.objects.filter(  # per donor, by index: not every call ever made
        organization=organization, contact_id=OuterRef("pk"), related_kind=WELCOME_CALL_DONE
    )
    first_gift = gifts.filter(contact_id=OuterRef("pk")).order_by("received_on", "pk")
    attempts = (
        Interaction.objects.filter(
            organization=organization,
            contact_id=OuterRef("pk"),
            related_kind=WELCOME_CALL_ATTEMPT,
        )
        .values("contact_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    contacts = Contact.objects.filter(
        organization=organization,
        pk__in=newcomers,
        deceased=False,
        do_not_contact=False,
    ).exclude(Exists(reached))
    if manager is not ANY_MANAGER:
        contacts = contacts.filter(relationship_manager=manager)
    return (
        contacts.annotate(
            first_gift_id=Subquery(first_gift.values("pk")[:1]),
            first_gift_on=Subquery(first_gift.values("received_on")[:1]),
            first_gift_amount=Subquery(first_gift.values("amount")[:1]),
            attempts=Coalesce(Subquery(attempts), 0),
        )
        .select_related("relationship_manager")
        .order_by("first_gift_on", "pk")
    )


def pledges_for(*, organization, contact):
    """The donor's pledges with what has been paid towards each (received gifts)."""
    paid = dict(
        counted_gifts(organization=organization)
        .filter(pledge__contact=contact)
        .values_list("pledge_id")
        .annotate(total=Sum("amount"))
        .values_list("pledge_id", "total")
    )
    pledges = list(Pledge.objects.filter(organization=organization, contact=contact))
    for pledge in pledges:
        pledge.paid = paid.get(pledge.pk, ZERO)
        pledge.balance = max(pledge.amount - pledge.paid, ZERO)
    return pledges


def recurring_for(*, organization, contact):
    return RecurringGift.objects.filter(organization=organization, contact=contact)


GIFT_COUNT_CAP = 10_000  # beyond it the gift list says "10,000+" instead of counting every row


def gift_list(
    *,
    organization,
    query="",
    fund=None,
    campaign=None,
    received_from=None,
    received_to=None,
    method="",
    status="",
):
    """The gift list, newest first: by donor name (each word starts a word of the name) or
    reference, and by fund, campaign, dates, payment method and status."""
    gifts = Gift.objects.filter(organization=organization)
    query = (query or "").strip()
    if query:
        gifts = gifts.filter(
            name_matches(query, field="contact__search_name") | Q(reference__istartswith=query)
        )
    if fund is not None:
        gifts = gifts.filter(
            Exists(
                GiftAllocation.objects.filter(
                    organization=organization, gift=OuterRef("pk"), fund=fund
                )
            )
        )
    if campaign is not None:
        gifts = gifts.filter(campaign=campaign)
    if received_from:
        gifts = gifts.filter(received_on__gte=received_from)
    if received_to:
        gifts = gifts.filter(received_on__lte=received_to)
    if method:
        gifts = gifts.filter(payment_method=method)
    if status:
        gifts = gifts.filter(status=status)
    return gifts.select_related("contact", "campaign").order_by("-received_on", "-id")


def capped_count(queryset, *, cap=GIFT_COUNT_CAP):
    """How many rows, counting no further than ``cap`` + 1 (a list shows "10,000+")."""
    return queryset.order_by()[: cap + 1].count()
