"""Giving summaries (``donors.summaries``): the donors' years stay equal to their gifts through
every way a gift changes — recorded, refunded, corrected, received after being expected,
deleted, imported in bulk, moved by a merge — and the reports read from them give exactly what
the gifts give: LYBUNT, SYBUNT, retention, the welcome-call list and the cached figures."""

from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from donors import selectors, services, summaries
from donors.models import DonorYear, Gift
from stakeholders import services as stakeholder_services
from stakeholders.tenancy.models import organization_scope
from tests.factories import ContactFactory

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


@pytest.fixture
def org(org_a):
    with organization_scope(org_a):
        yield org_a


def give(org, contact, amount, on=TODAY, **fields):
    return services.gift_record(
        organization=org, contact=contact, amount=Decimal(amount), received_on=on, **fields
    )


def expected_years(org):
    """The donors' years as the gifts say (the definition, in Python)."""
    years = defaultdict(list)
    for gift in Gift.objects.filter(organization=org, status=Gift.Status.RECEIVED):
        years[(gift.contact_id, gift.received_on.year)].append(gift)
    rows, by_contact = set(), defaultdict(list)
    for (contact_id, year), gifts in years.items():
        by_contact[contact_id].append((year, gifts))
    for contact_id, donor_years in by_contact.items():
        donor_years.sort()
        running = Decimal(0)
        first_ever = min(g.received_on for _year, gifts in donor_years for g in gifts)
        for year, gifts in donor_years:
            total = sum(g.amount for g in gifts)
            running += total
            rows.add(
                (
                    contact_id,
                    year,
                    total,
                    len(gifts),
                    min(g.received_on for g in gifts),
                    max(g.received_on for g in gifts),
                    running,
                    first_ever,
                    year == donor_years[-1][0],
                )
            )
    return rows


def stored_years(org):
    return set(
        DonorYear.objects.filter(organization=org).values_list(
            "contact_id",
            "year",
            "amount",
            "count",
            "first_on",
            "last_on",
            "running_total",
            "first_ever_on",
            "latest",
        )
    )


def assert_summaries_right(org):
    assert stored_years(org) == expected_years(org)


def test_the_years_follow_every_change_to_gifts(org, admin_a):
    ada, bob = ContactFactory(organization=org), ContactFactory(organization=org)
    give(org, ada, "10", on=date(TODAY.year - 2, 3, 1))
    first = give(org, ada, "20", on=date(TODAY.year - 1, 5, 1))
    give(org, ada, "30", on=date(TODAY.year - 1, 9, 1))
    give(org, bob, "5", on=TODAY)
    assert_summaries_right(org)
    services.gift_refund(organization=org, gift=first, reason="Chargeback")
    assert_summaries_right(org)
    [later] = Gift.objects.filter(contact=ada, amount=Decimal("30"))
    corrected = services.gift_correct(
        organization=org, gift=later, created_by=admin_a, amount=Decimal("35"), received_on=TODAY
    )
    assert_summaries_right(org)
    assert DonorYear.objects.get(contact=ada, year=TODAY.year).latest
    expected = give(
        org, bob, "500", on=TODAY + timedelta(days=90), kind="bequest", status="expected"
    )
    assert_summaries_right(org)  # not received: not counted
    services.gift_mark_received(organization=org, gift=expected)
    assert_summaries_right(org)
    Gift.objects.filter(pk=corrected.pk).delete()
    assert_summaries_right(org)
    assert not DonorYear.objects.filter(contact=ada, year=TODAY.year).exists()
    # Erasure words and thank-you flags leave the years alone (and cost no recomputation).
    Gift.objects.filter(organization=org).update(description="")
    assert_summaries_right(org)


def test_a_merge_moves_the_years(org, admin_a):
    keep, remove = ContactFactory(organization=org), ContactFactory(organization=org)
    give(org, keep, "10", on=date(TODAY.year - 1, 2, 1))
    give(org, remove, "40", on=date(TODAY.year - 3, 2, 1))
    give(org, remove, "60", on=date(TODAY.year - 1, 6, 1))
    stakeholder_services.contact_merge(organization=org, keep=keep, remove=remove, actor=admin_a)
    assert_summaries_right(org)
    assert not DonorYear.objects.filter(contact=remove).exists()
    row = DonorYear.objects.get(contact=keep, year=TODAY.year - 1)
    assert (row.amount, row.count, row.running_total) == (Decimal("70"), 2, Decimal("110"))


def test_bulk_writes_keep_the_years(org):
    """An import's bulk_create and a bulk update are one statement each: one recomputation."""
    donors = [ContactFactory(organization=org) for _ in range(5)]
    Gift.objects.bulk_create(
        Gift(
            organization=org,
            contact=donor,
            amount=Decimal(10 + n),
            received_on=date(TODAY.year - n % 3, 1 + n % 12, 1 + n % 28),
        )
        for n, donor in enumerate(donors * 3)
    )
    assert_summaries_right(org)
    Gift.objects.filter(organization=org, amount__lt=Decimal(13)).update(status="refunded")
    assert_summaries_right(org)
    Gift.objects.filter(organization=org, contact=donors[0]).update(contact=donors[1])
    assert_summaries_right(org)
    summaries.rebuild(organization=org)
    assert_summaries_right(org)


def test_another_organizations_gifts_are_not_in_the_years(org, org_b):
    give(org, ContactFactory(organization=org), "10")
    with organization_scope(org_b):
        give(org_b, ContactFactory(organization=org_b), "99")
        assert {row[2] for row in stored_years(org_b)} == {Decimal("99")}
    assert {row[2] for row in stored_years(org)} == {Decimal("10")}


@pytest.fixture
def history(org):
    """Donors over four years, some lapsed, some loyal, some back after a gap."""
    people = [ContactFactory(organization=org, first_name=f"Donor{n}") for n in range(12)]
    start = date(TODAY.year - 3, 1, 1)
    for n, person in enumerate(people):
        for k in range(n % 4 + 1):
            day = start + timedelta(days=(n * 97 + k * 211) % ((TODAY - start).days + 1))
            give(org, person, str(10 * (n % 5 + 1)), on=day)
    return people


def test_lapsed_donors_from_the_years_equal_the_gifts(org, history):
    for kind in ("lybunt", "sybunt"):
        from_years = list(selectors.lapsed_donors(organization=org, kind=kind))
        from_gifts = list(selectors._lapsed_from_gifts(org, kind, TODAY))
        assert from_years == from_gifts
        assert from_years  # the fixture has some of each


@pytest.mark.parametrize("day", [TODAY + timedelta(days=3), date(1899, 12, 31)])
def test_a_gift_dated_after_today_or_before_1900_falls_back_to_the_gifts(org, history, day):
    """The services refuse them; one written anyway doesn't change the definition."""
    Gift.objects.create(organization=org, contact=history[0], amount=Decimal("7"), received_on=day)
    assert summaries.latest_years(organization=org, kind="lybunt", today=TODAY) is None
    for kind in ("lybunt", "sybunt"):
        assert list(selectors.lapsed_donors(organization=org, kind=kind)) == list(
            selectors._lapsed_from_gifts(org, kind, TODAY)
        )


@pytest.mark.parametrize(
    "on",
    [
        TODAY,
        date(TODAY.year, 1, 1),
        date(TODAY.year - 1, 12, 31),
        date(2026, 1, 1),  # the earlier window starts on 1 January 2024, a leap year
        date(2025, 12, 31),
        date(2026, 1, 2),
        date(TODAY.year, 3, 1),
    ],
)
def test_retention_from_the_years_equals_the_gifts(org, history, on):
    from_years = selectors.retention_rate(organization=org, on=on)
    recent_start, previous_start = on - timedelta(days=365), on - timedelta(days=730)
    previous = selectors._donors_between(org, previous_start, recent_start)
    recent = selectors._donors_between(org, recent_start, on + timedelta(days=1))
    retained = recent.filter(contact_id__in=previous).count()
    assert (from_years["base"], from_years["retained"]) == (previous.count(), retained)


def test_a_window_inside_one_year_counts_gifts(org):
    assert (
        summaries.donors_between(organization=org, start=date(2025, 3, 1), end=date(2025, 9, 1))
        is None
    )


def test_newcomers_for_welcome_calls_come_from_the_first_gift_ever(org):
    old, new = ContactFactory(organization=org), ContactFactory(organization=org)
    give(org, old, "10", on=date(TODAY.year - 2, 1, 1))
    give(org, old, "10", on=TODAY)
    give(org, new, "10", on=TODAY - timedelta(days=3))
    assert [c.pk for c in selectors.welcome_calls_due(organization=org)] == [new.pk]


def test_the_figures_are_cached_until_the_gifts_change(org, django_assert_max_num_queries):
    lapsed = ContactFactory(organization=org)
    give(org, lapsed, "40", on=date(TODAY.year - 1, 6, 1))
    first = selectors.report_figures(organization=org)
    assert (first["lybunt_count"], first["sybunt_count"]) == (1, 1)
    with django_assert_max_num_queries(1):  # the version, then the cache
        assert selectors.report_figures(organization=org) == first
    give(org, lapsed, "10", on=TODAY)  # back this year: no longer lapsed
    again = selectors.report_figures(organization=org)
    assert (again["lybunt_count"], again["sybunt_count"]) == (0, 0)
    assert again["month"]["count"] == 1


def test_the_lapsed_page_counts_from_the_figures(client, org, admin_a, history):
    client.force_login(admin_a)
    figures = selectors.report_figures(organization=org)
    content = client.get(f"/o/{org.slug}/donors/lapsed/?kind=sybunt").content.decode()
    assert figures["sybunt_count"] == len(
        list(selectors.lapsed_donors(organization=org, kind="sybunt"))
    )
    assert "Donor" in content


def test_a_stream_of_gifts_queues_one_refresh(org, django_capture_on_commit_callbacks, monkeypatch):
    """The first change opens a window; the refresh runs at its end, once, as the worker does."""
    from django.core.cache import cache

    from donors import tasks

    queued = []
    monkeypatch.setattr(
        tasks.giving_figures_refresh, "apply_async", lambda **kwargs: queued.append(kwargs)
    )
    cache.delete(f"donors:figures:queued:{org.pk}")
    donor = ContactFactory(organization=org)
    with django_capture_on_commit_callbacks(execute=True):
        give(org, donor, "10")
        give(org, donor, "20")
    assert queued == [
        {"kwargs": {"organization_id": org.pk}, "countdown": summaries.REFRESH_DEBOUNCE_SECONDS}
    ]
    tasks.giving_figures_refresh(organization_id=org.pk)
    version = summaries.giving_version(organization=org)
    key = f"donors:figures:{org.pk}:{version}:{TODAY.isoformat()}"
    assert cache.get(key)["month"]["count"] == 2  # ready for the next dashboard
