"""The thank-you page's figures for big organizations: the queue counted by triggers
(thankyous 0013), time to thank computed in the database, "for the next run" cached under the
gifts' and acknowledgments' versions — always the same figures as counting every row."""

import statistics
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db.models import Count
from django.utils import timezone

from donors import services as donor_services
from donors.models import Gift
from stakeholders.tenancy.models import organization_scope
from tests.factories import ContactFactory
from thankyous import selectors, services
from thankyous.models import Acknowledgment, AcknowledgmentCount
from thankyous.registry import thankables

TODAY = timezone.localdate()


@pytest.fixture
def org(org_a):
    with organization_scope(org_a):
        yield org_a


def gift(org, n, email=True, received_on=TODAY):
    contact = ContactFactory(
        organization=org, first_name="Ada", email=f"donor{n}@example.org" if email else ""
    )
    return donor_services.gift_record(
        organization=org, contact=contact, amount=Decimal("25"), received_on=received_on
    )


def counted(org):
    """The queue as it was computed before the counters: every row counted."""
    return dict(
        Acknowledgment.objects.filter(organization=org)
        .values_list("state")
        .annotate(n=Count("pk"))
        .values_list("state", "n")
    )


def unqueued(org):
    """What has no acknowledgment yet, looked up row by row."""
    total = 0
    for thankable in thankables:
        done = Acknowledgment.objects.filter(organization=org, kind=thankable.kind)
        total += thankable.candidates(org).exclude(pk__in=done.values("target_id")).count()
    return total


def check(org):
    assert selectors.queue_counts(organization=org) == counted(org)
    assert selectors.not_yet_enqueued(organization=org) == unqueued(org)


@pytest.mark.django_db
def test_queue_counts_follow_every_change(org, admin_a, mailbox):
    services.ensure_default_templates(organization=org)
    gifts = [gift(org, n) for n in range(4)] + [gift(org, 9, email=False)]
    check(org)
    assert selectors.next_run(organization=org) == 5
    services.enqueue(organization=org)  # a bulk_create
    check(org)
    assert selectors.queue_counts(organization=org) == {"pending": 5}
    assert selectors.next_run(organization=org) == 5
    services.process(organization=org)  # the batch's plain SQL, one row at a time
    check(org)
    assert selectors.queue_counts(organization=org)["sent"] == 4
    gifts.append(gift(org, 5))  # a new gift: the cached count follows the giving version
    check(org)
    assert selectors.next_run(organization=org) == 1
    services.enqueue(organization=org)
    check(org)
    row = Acknowledgment.objects.get(target_id=gifts[-1].pk)
    Acknowledgment.objects.filter(pk=row.pk).update(state="review")
    check(org)
    row.refresh_from_db()
    services.acknowledgment_retry(organization=org, acknowledgment=row)
    check(org)
    row.refresh_from_db()
    services.acknowledgment_skip(organization=org, acknowledgment=row, reason="It did go out")
    check(org)
    assert selectors.queue_counts(organization=org)["skipped"] == 2  # and the one with no address
    # One statement moving rows of several states; another changing no state (writes nothing).
    Acknowledgment.objects.exclude(state="print").update(state="review")
    check(org)
    before = list(AcknowledgmentCount.objects.values_list("kind", "state", "count", "changes"))
    Acknowledgment.objects.update(last_error="x")
    assert list(AcknowledgmentCount.objects.values_list("kind", "state", "count", "changes")) == (
        before
    )
    # A thank-you deleted while its gift stays: "for the next run" has it back.
    Acknowledgment.objects.filter(target_id=gifts[1].pk).delete()
    check(org)
    assert selectors.next_run(organization=org) == 1
    # The gift deleted too: nothing left to thank.
    Gift.objects.filter(pk=gifts[1].pk).delete()
    check(org)
    assert selectors.next_run(organization=org) == 0
    # A gift moved out of the window: the giving version changes, so does the count.
    gift(org, 7, received_on=TODAY - timedelta(days=40))
    check(org)


@pytest.mark.django_db
def test_time_to_thank_is_the_same_as_from_every_row(org, mailbox):
    for n in range(7):
        gift(org, n)
    services.run_batch(organization=org)
    now = timezone.now()
    for hours, row in zip(
        [1.5, 7, 30.25, 30.75, 50, 200, 12], Acknowledgment.objects.order_by("pk"), strict=True
    ):
        Acknowledgment.objects.filter(pk=row.pk).update(
            received_at=now - timedelta(hours=hours), sent_at=now
        )
    figures = selectors.time_to_thank(organization=org)
    hours = sorted(
        (sent - received).total_seconds() / 3600
        for received, sent in Acknowledgment.objects.values_list("received_at", "sent_at")
    )
    assert figures["count"] == 7
    assert figures["median"] == pytest.approx(statistics.median(hours))
    assert figures["p90"] == pytest.approx(
        statistics.quantiles(hours, n=10, method="inclusive")[-1]
    )
    assert [n for _label, n in figures["buckets"]] == [1, 2, 2, 1, 1]
    Acknowledgment.objects.exclude(pk=Acknowledgment.objects.order_by("pk")[0].pk).update(
        sent_at=None
    )
    one = selectors.time_to_thank(organization=org)
    assert one["count"] == 1 and one["median"] == one["p90"] == pytest.approx(1.5)
    Acknowledgment.objects.update(sent_at=now - timedelta(days=31))
    assert selectors.time_to_thank(organization=org)["count"] == 0


@pytest.mark.django_db
def test_the_page_shows_the_counted_figures_in_a_fixed_number_of_queries(
    client, org, admin_a, mailbox, django_assert_max_num_queries
):
    for n in range(3):
        gift(org, n)
    services.run_batch(organization=org)
    gift(org, 3)
    client.force_login(admin_a)
    client.get("/o/riverside/thank-yous/")
    with django_assert_max_num_queries(16) as few:
        page = client.get("/o/riverside/thank-yous/").content.decode()
        queries = len(few)
    assert '<dd data-figure="thank-next-run">1</dd>' in page
    assert "<dt>Sent</dt><dd>3</dd>" in page
    for n in range(4, 30):
        gift(org, n)
    services.run_batch(organization=org)
    client.get("/o/riverside/thank-yous/")
    with django_assert_max_num_queries(queries):
        page = client.get("/o/riverside/thank-yous/").content.decode()
    assert "<dt>Sent</dt><dd>30</dd>" in page
    assert '<dd data-figure="thank-next-run">0</dd>' in page


@pytest.mark.django_db
def test_an_organization_with_thank_yous_can_be_deleted(org_a):
    from django_scopes import scopes_disabled

    from stakeholders import services as stakeholder_services
    from stakeholders.models import Organization

    with organization_scope(org_a):  # (an organization with gifts can't be deleted: protected)
        Acknowledgment.objects.create(
            organization=org_a,
            kind="gift",
            target_id=1,
            contact=ContactFactory(organization=org_a),
            received_at=timezone.now(),
            state="sent",
        )
        assert selectors.queue_counts(organization=org_a) == {"sent": 1}
    stakeholder_services.organization_delete(organization=org_a)
    assert not Organization.objects.filter(pk=org_a.pk).exists()
    with scopes_disabled():
        assert not Acknowledgment.objects.filter(organization_id=org_a.pk).exists()
