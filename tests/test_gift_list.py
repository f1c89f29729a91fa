"""Item 8 of issue 17: the gift list (search, filters, count, pages, role walls) and the gift
page (what "keep the fund" does; the refund card apart from the thank-you form)."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from donors import selectors, services
from donors.models import Gift
from stakeholders.tenancy.models import organization_scope
from tests.factories import CampaignFactory, ContactFactory, FundFactory

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()
URL = "/o/riverside/donors/gifts/"


@pytest.fixture
def org(org_a):
    with organization_scope(org_a):
        yield org_a


def give(org, contact, amount="10", on=TODAY, **fields):
    return services.gift_record(
        organization=org, contact=contact, amount=Decimal(amount), received_on=on, **fields
    )


def listed(page):
    return [row.pk for row in page.context["gifts"]]


def test_search_by_donor_name_or_reference_and_filter(client, org, admin_a):
    meals, shelter = FundFactory(organization=org), FundFactory(organization=org, name="Shelter")
    spring = CampaignFactory(organization=org)
    ada = ContactFactory(organization=org, first_name="Ada", last_name="Lovelace")
    bob = ContactFactory(organization=org, first_name="Bob", last_name="Marley")
    a1 = give(org, ada, allocations=[(meals, Decimal("10"))], payment_method="card")
    a2 = give(org, ada, on=TODAY - timedelta(days=40), campaign=spring, payment_method="cash")
    b1 = give(
        org, bob, reference="TXN-77", allocations=[(shelter, Decimal("10"))], payment_method="card"
    )
    client.force_login(admin_a)
    assert listed(client.get(URL)) == [b1.pk, a1.pk, a2.pk] or set(listed(client.get(URL))) == {
        a1.pk,
        a2.pk,
        b1.pk,
    }
    assert set(listed(client.get(URL, {"q": "love"}))) == {a1.pk, a2.pk}
    assert set(listed(client.get(URL, {"q": "ada lov"}))) == {a1.pk, a2.pk}
    assert listed(client.get(URL, {"q": "txn-7"})) == [b1.pk]
    assert listed(client.get(URL, {"fund": shelter.pk})) == [b1.pk]
    assert listed(client.get(URL, {"campaign": spring.pk})) == [a2.pk]
    assert listed(client.get(URL, {"method": "cash"})) == [a2.pk]
    since = (TODAY - timedelta(days=7)).isoformat()
    assert set(listed(client.get(URL, {"received_from": since}))) == {a1.pk, b1.pk}
    assert listed(client.get(URL, {"received_to": since})) == [a2.pk]
    services.gift_refund(organization=org, gift=a1, reason="Card chargeback")
    refunded = client.get(URL, {"status": Gift.Status.REFUNDED})
    assert listed(refunded) == [a1.pk] and refunded.context["count"] == 1
    empty = client.get(URL, {"q": "nobody"})
    assert b"No gift matches these filters." in empty.content and empty.context["count"] == 0


def test_count_pages_and_constant_queries(client, org, admin_a, django_assert_num_queries):
    donor = ContactFactory(organization=org)
    Gift.objects.bulk_create(
        Gift(organization=org, contact=donor, amount=Decimal("5"), received_on=date(2025, 1, 1))
        for _ in range(55)
    )
    client.force_login(admin_a)
    first = client.get(URL)
    assert first.context["count"] == 55 and len(first.context["gifts"]) == 50
    assert b"55 gifts" in first.content and b'rel="next"' in first.content
    second = client.get(URL, {"page": 2, "method": ""})
    assert len(second.context["gifts"]) == 5 and "method=" in second.context["extra"]
    # user, membership, count, page, funds, campaigns (the filters); session, organization: Redis
    with django_assert_num_queries(6) as few:
        client.get(URL)
    with django_assert_num_queries(len(few.captured_queries)):
        client.get(URL, {"page": 2})


def test_a_large_list_is_not_counted_to_the_end(org, monkeypatch):
    monkeypatch.setattr(selectors, "GIFT_COUNT_CAP", 3)
    donor = ContactFactory(organization=org)
    for _ in range(5):
        give(org, donor)
    gifts = selectors.gift_list(organization=org)
    assert selectors.capped_count(gifts, cap=3) == 4


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("admin", 200),
        ("fundraiser", 200),
        ("viewer", 200),
        ("caseworker", 403),
        ("volunteer_coordinator", 403),
    ],
)
def test_role_walls_as_the_other_donor_pages(client, org, member_factory, role, status):
    client.force_login(member_factory(org, role=role))
    assert client.get(URL).status_code == status
    assert client.get("/o/riverside/donors/lapsed/").status_code == status


def test_the_donors_page_links_to_the_gift_list(client, org, admin_a):
    client.force_login(admin_a)
    assert b'href="/o/riverside/donors/gifts/"' in client.get("/o/riverside/donors/").content


def test_the_gift_page_explains_keep_the_fund_and_keeps_refund_and_thanks_apart(
    client, org, admin_a
):
    gift = give(org, ContactFactory(organization=org), allocations=[])
    client.force_login(admin_a)
    html = client.get(f"/o/riverside/donors/gifts/{gift.pk}/").content.decode()
    assert "Keep the fund" in html and "leaves the gift where it is" in html
    refund_card = html[html.index('value="refund"') :].split("</section>")[0]
    assert 'value="thank"' not in refund_card
    thanks_card = html[html.index('id="thanks-heading"') :].split("</section>")[0]
    assert 'value="thank"' in thanks_card
