"""Donors: gifts of every kind, splits and soft credits, refunds and corrections, the donor
summary, lapsed donors, retention, impact, batch entry and the API."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from donors import selectors, services
from donors.models import Gift, GiftAllocation, SoftCredit
from stakeholders import services as stakeholder_services
from stakeholders.models import Contact
from stakeholders.registries import timeline
from stakeholders.tenancy.models import organization_scope
from tests.factories import ApiTokenFactory, ContactFactory, FundFactory, GiftFactory

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


@pytest.fixture
def org(org_a):
    with organization_scope(org_a):
        yield org_a


@pytest.fixture
def donor(org):
    return ContactFactory(organization=org, first_name="Ada", last_name="Lovelace")


def give(org, contact, amount, on=TODAY, **fields):
    return services.gift_record(
        organization=org, contact=contact, amount=Decimal(amount), received_on=on, **fields
    )


def test_a_gift_split_across_funds_with_a_soft_credit(org, donor, admin_a):
    meals, shelter = (
        FundFactory(organization=org, name="Meals"),
        FundFactory(organization=org, name="Shelter"),
    )
    asker = ContactFactory(organization=org)
    gift = give(
        org,
        donor,
        "100.00",
        allocations=[(meals, Decimal("60")), (shelter, Decimal("40"))],
        soft_credits=[(asker, "solicitor")],
        created_by=admin_a,
        reference="TXN-1",
    )
    assert gift.tax_deductible_amount == Decimal("100.00")
    assert sorted(GiftAllocation.objects.values_list("amount", flat=True)) == [
        Decimal("40.00"),
        Decimal("60.00"),
    ]
    assert SoftCredit.objects.get().contact == asker
    donor.refresh_from_db()
    assert donor.is_donor


@pytest.mark.parametrize(
    "fields,field",
    [
        ({"amount": "-5"}, "amount"),
        ({"amount": "0"}, "amount"),
        ({"on": TODAY + timedelta(days=2)}, "received_on"),
        ({"tax_deductible_amount": Decimal("500")}, "tax_deductible_amount"),
        ({"tribute": "memory"}, "tribute_name"),
    ],
)
def test_bad_gifts_are_refused_and_nothing_saved(org, donor, fields, field):
    amount = fields.pop("amount", "50")
    on = fields.pop("on", TODAY)
    with pytest.raises(ValidationError) as error:
        give(org, donor, amount, on=on, **fields)
    assert field in error.value.message_dict
    assert not Gift.objects.exists()


def test_other_organizations_funds_and_contacts_are_refused(org, donor, org_b):
    with organization_scope(org_b):
        their_fund = FundFactory(organization=org_b)
        their_contact = ContactFactory(organization=org_b)
    with pytest.raises(ValidationError) as error:
        give(org, donor, "50", fund=their_fund)
    assert "allocations" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        give(org, donor, "50", soft_credits=[(their_contact, "solicitor")])
    assert "soft_credits" in error.value.message_dict
    assert not Gift.objects.exists()


def test_splits_must_add_up_and_references_are_unique(org, donor):
    fund = FundFactory(organization=org)
    with pytest.raises(ValidationError) as error:
        give(org, donor, "100", allocations=[(fund, Decimal("60"))])
    assert "allocations" in error.value.message_dict
    give(org, donor, "10", reference="TXN-9")
    with pytest.raises(ValidationError) as error:
        give(org, donor, "10", reference="TXN-9")
    assert "reference" in error.value.message_dict


def test_in_kind_and_pro_bono_gifts(org, donor):
    goods = give(
        org,
        donor,
        "0",
        kind="in_kind",
        payment_method="none",
        description="40 winter coats for the thrift shop",
    )
    time = give(
        org,
        donor,
        "600",
        kind="pro_bono",
        payment_method="none",
        hours=Decimal("8"),
        description="Legal advice",
    )
    assert goods.tax_deductible_amount is None and time.hours == 8


def test_refunds_and_corrections_keep_history(org, donor, admin_a):
    fund = FundFactory(organization=org)
    gift = give(org, donor, "100", fund=fund)
    corrected = services.gift_correct(
        organization=org, gift=gift, created_by=admin_a, amount=Decimal("150")
    )
    gift.refresh_from_db()
    assert gift.status == "replaced" and corrected.replaces == gift
    assert corrected.allocations.get().amount == Decimal("150")
    assert selectors.donor_summary(organization=org, contact=donor)["lifetime"] == Decimal("150")
    with pytest.raises(ValidationError):
        services.gift_refund(organization=org, gift=corrected, reason="  ")
    services.gift_refund(organization=org, gift=corrected, reason="Card chargeback")
    assert selectors.donor_summary(organization=org, contact=donor)["lifetime"] == Decimal("0")
    assert Gift.objects.count() == 2  # nothing deleted


def test_donor_summary(org, donor):
    give(org, donor, "20", on=date(TODAY.year - 1, 3, 1))
    give(org, donor, "500", on=date(TODAY.year, 1, 1))
    give(org, donor, "30", on=TODAY)
    summary = selectors.donor_summary(organization=org, contact=donor)
    assert summary["first"] == date(TODAY.year - 1, 3, 1) and summary["last"] == TODAY
    assert summary["largest"] == Decimal("500") and summary["count"] == 3
    assert (summary["this_year"], summary["last_year"]) == (Decimal("530"), Decimal("20"))
    assert summary["level"] == "supporter"


def test_lybunt_sybunt_and_retention(org):
    lapsed = ContactFactory(organization=org, first_name="Lapsed")
    loyal = ContactFactory(organization=org, first_name="Loyal")
    old = ContactFactory(organization=org, first_name="Old")
    give(org, lapsed, "40", on=date(TODAY.year - 1, 6, 1))
    give(org, loyal, "40", on=date(TODAY.year - 1, 6, 1))
    give(org, loyal, "40", on=date(TODAY.year, 1, 2))
    give(org, old, "40", on=date(TODAY.year - 3, 6, 1))
    assert [r["contact_id"] for r in selectors.lapsed_donors(organization=org)] == [lapsed.pk]
    assert {r["contact_id"] for r in selectors.lapsed_donors(organization=org, kind="sybunt")} == {
        lapsed.pk,
        old.pk,
    }
    # On 1 December: lapsed and loyal gave in the 12 months before the last 12; loyal gave again.
    result = selectors.retention_rate(organization=org, on=date(TODAY.year, 12, 1))
    assert (result["base"], result["retained"], result["rate"]) == (2, 1, 0.5)


def test_impact_in_the_funds_units(org, donor):
    meals = FundFactory(
        organization=org,
        name="Meals",
        impact_unit_amount=Decimal("25"),
        impact_unit_label="one week of meals",
    )
    give(org, donor, "110", fund=meals)
    [row] = selectors.impact_for(organization=org, contact=donor)
    assert (row["total"], row["units"], row["unit_label"]) == (
        Decimal("110.00"),
        4,
        "one week of meals",
    )


def test_gifts_on_the_timeline_among_interactions(org, donor, admin_a):
    stakeholder_services.interaction_log(
        organization=org, contact=donor, staff=admin_a, channel="phone", subject="Thanks call"
    )
    give(org, donor, "25", on=TODAY - timedelta(days=1))
    give(org, donor, "35", on=TODAY - timedelta(days=40))
    events, _cursor = timeline.events(organization=org, contact=donor, limit=10)
    assert [e.kind for e in events] == ["interaction", "gift", "gift"]
    first, cursor = timeline.events(organization=org, contact=donor, limit=2)
    rest, _ = timeline.events(organization=org, contact=donor, limit=10, before=cursor)
    assert len(first) + len(rest) == 3 and not {(e.kind, e.key) for e in first} & {
        (e.kind, e.key) for e in rest
    }


def test_merge_moves_gifts_and_erase_keeps_totals(org, donor, admin_a):
    other = ContactFactory(organization=org)
    give(org, other, "70", tribute="memory", tribute_name="Grandma Rose")
    stakeholder_services.contact_merge(organization=org, keep=donor, remove=other, actor=admin_a)
    assert Gift.objects.get().contact == donor
    stakeholder_services.contact_erase(organization=org, contact=donor, actor=admin_a)
    gift = Gift.objects.get()
    assert gift.amount == Decimal("70") and gift.tribute_name == ""
    assert sum(g.amount for g in selectors.counted_gifts(organization=org)) == Decimal("70")


def test_contact_page_shows_the_donor_summary_to_fundraisers_only(
    client, org, donor, member_factory
):
    give(org, donor, "1250")
    client.force_login(member_factory(org, role="fundraiser"))
    page = client.get(f"/o/riverside/contacts/{donor.pk}/panels/")  # the page loads them
    assert b"Giving" in page.content and "£1,250.00".encode() in page.content
    client.force_login(member_factory(org, role="caseworker"))
    assert b"Giving" not in client.get(f"/o/riverside/contacts/{donor.pk}/panels/").content


def test_batch_entry_with_duplicate_warning(client, org, donor, admin_a):
    fund = FundFactory(organization=org)
    client.force_login(admin_a)
    data = {
        "gifts-TOTAL_FORMS": "3",
        "gifts-INITIAL_FORMS": "0",
        "gifts-MIN_NUM_FORMS": "0",
        "gifts-MAX_NUM_FORMS": "100",
        "gifts-0-contact": donor.pk,
        "gifts-0-contact_label": donor.name,
        "gifts-0-amount": "25.00",
        "gifts-0-received_on": TODAY.isoformat(),
        "gifts-0-payment_method": "cash",
        "gifts-0-fund": fund.pk,
        "gifts-1-contact": donor.pk,
        "gifts-1-contact_label": donor.name,
        "gifts-1-amount": "10",
        "gifts-1-received_on": TODAY.isoformat(),
        "gifts-1-payment_method": "card",
        "gifts-2-payment_method": "card",
    }
    response = client.post("/o/riverside/donors/gifts/new/", data)
    assert response.status_code == 302 and Gift.objects.count() == 2
    response = client.post("/o/riverside/donors/gifts/new/", data)
    assert response.status_code == 200 and b"already entered" in response.content
    assert Gift.objects.count() == 2
    response = client.post("/o/riverside/donors/gifts/new/", {**data, "confirm_duplicates": "1"})
    assert response.status_code == 302 and Gift.objects.count() == 4


def test_batch_entry_errors_save_nothing(client, org, donor, admin_a):
    client.force_login(admin_a)
    data = {
        "gifts-TOTAL_FORMS": "2",
        "gifts-INITIAL_FORMS": "0",
        "gifts-MIN_NUM_FORMS": "0",
        "gifts-MAX_NUM_FORMS": "100",
        "gifts-0-contact": donor.pk,
        "gifts-0-amount": "25.00",
        "gifts-0-received_on": TODAY.isoformat(),
        "gifts-0-payment_method": "cash",
        "gifts-1-contact_label": "nobody",
        "gifts-1-amount": "-3",
        "gifts-1-received_on": TODAY.isoformat(),
        "gifts-1-payment_method": "cash",
    }
    response = client.post("/o/riverside/donors/gifts/new/", data)
    assert response.status_code == 200 and b"Choose the donor from the list" in response.content
    assert not Gift.objects.exists()


def test_donors_overview_and_lapsed_pages(client, org, donor, admin_a):
    give(org, donor, "40", on=date(TODAY.year - 1, 6, 1))
    client.force_login(admin_a)
    assert client.get("/o/riverside/donors/").status_code == 200
    page = client.get("/o/riverside/donors/lapsed/")
    assert b"Ada Lovelace" in page.content


def test_api_gift_with_allocations_and_errors(
    client, org, donor, admin_a, org_b, django_assert_num_queries
):
    token = ApiTokenFactory(organization=org, user=admin_a)
    client.defaults["HTTP_AUTHORIZATION"] = f"Token {token.key}"
    fund = FundFactory(organization=org)
    response = client.post(
        "/api/v1/o/riverside/gifts/",
        {
            "contact": donor.pk,
            "amount": "80.00",
            "received_on": TODAY.isoformat(),
            "allocations": [{"fund": fund.pk, "amount": "80.00"}],
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    with organization_scope(org_b):
        their_fund = FundFactory(organization=org_b)
    response = client.post(
        "/api/v1/o/riverside/gifts/",
        {
            "contact": donor.pk,
            "amount": "-1",
            "received_on": (TODAY + timedelta(days=3)).isoformat(),
            "fund": their_fund.pk,
        },
        content_type="application/json",
    )
    assert response.status_code == 400
    assert {"amount", "fund"} <= set(response.json())
    for _i in range(5):
        GiftFactory(contact=donor, organization=org)
    client.get("/api/v1/o/riverside/gifts/")
    # the token with its membership, the page with its allocations and soft credits
    with django_assert_num_queries(2):
        rows = client.get("/api/v1/o/riverside/gifts/?page_size=3").json()["results"]
    with django_assert_num_queries(2):
        client.get("/api/v1/o/riverside/gifts/?page_size=50")
    assert len(rows) == 3 and Contact.objects.get(pk=donor.pk).is_donor


def test_dashboard_card_for_fundraisers(client, org, donor, admin_a, member_factory):
    give(org, donor, "60")
    client.force_login(admin_a)
    page = client.get("/o/riverside/")
    assert b"Giving this month" in page.content and b"first-time donor to call" in page.content
    client.force_login(member_factory(org, role="caseworker"))
    assert b"Giving this month" not in client.get("/o/riverside/").content


def test_one_gift_of_any_kind_with_tribute_and_soft_credit(client, org, donor, admin_a):
    asker = ContactFactory(organization=org, first_name="Sam")
    client.force_login(admin_a)
    response = client.post(
        "/o/riverside/donors/gifts/new/one/",
        {
            "contact": donor.pk,
            "kind": "in_kind",
            "status": "received",
            "amount": "300",
            "received_on": TODAY.isoformat(),
            "payment_method": "none",
            "description": "40 winter coats",
            "tribute": "memory",
            "tribute_name": "Rose Lovelace",
            "soft_credit": asker.pk,
            "soft_credit_kind": "influencer",
        },
    )
    gift = Gift.objects.get()
    assert response["Location"] == f"/o/riverside/donors/gifts/{gift.pk}/"
    assert (gift.kind, gift.tribute_name, gift.tax_deductible_amount) == (
        "in_kind",
        "Rose Lovelace",
        None,
    )
    assert SoftCredit.objects.get().contact == asker


def test_a_bequest_is_expected_then_received(client, org, donor, admin_a):
    bequest = give(
        org, donor, "5000", kind="bequest", status="expected", on=TODAY + timedelta(days=200)
    )
    assert selectors.donor_summary(organization=org, contact=donor)["lifetime"] == 0
    client.force_login(admin_a)
    client.post(f"/o/riverside/donors/gifts/{bequest.pk}/", {"action": "received"})
    bequest.refresh_from_db()
    assert bequest.status == "received" and bequest.received_on == TODAY
    assert selectors.donor_summary(organization=org, contact=donor)["lifetime"] == Decimal("5000")


def test_grants_from_application_to_report(client, org, admin_a):
    trust = stakeholder_services.contact_create(
        organization=org, kind="organization", organization_name="Hope Trust"
    )
    client.force_login(admin_a)
    base = {
        "funder_id": trust.pk,
        "title": "Youth club",
        "stage": "awarded",
        "submitted_on": "2026-01-10",
        "decided_on": "2026-01-05",
    }
    response = client.post("/o/riverside/donors/grants/new/", base)
    errors = response.context["form"].errors
    assert "amount_awarded" in errors or "decided_on" in errors
    response = client.post(
        "/o/riverside/donors/grants/new/",
        {
            **base,
            "decided_on": "2026-03-01",
            "amount_awarded": "20000",
            "next_report_due": "2026-09-01",
        },
    )
    assert response.status_code == 302
    trust.refresh_from_db()
    assert trust.is_donor
    page = client.get("/o/riverside/donors/grants/")
    assert b"Youth club" in page.content and b"Overdue" in page.content


def test_pledges_are_paid_by_gifts_and_fulfilled(client, org, donor, admin_a):
    client.force_login(admin_a)
    url = f"/o/riverside/donors/contacts/{donor.pk}/commitments/"
    client.post(
        url, {"action": "pledge", "pledge-amount": "300", "pledge-pledged_on": TODAY.isoformat()}
    )
    client.post(
        url,
        {
            "action": "recurring",
            "recurring-amount": "10",
            "recurring-frequency": "monthly",
            "recurring-started_on": TODAY.isoformat(),
            "recurring-payment_method": "direct_debit",
        },
    )
    from donors.models import Pledge, RecurringGift

    pledge, recurring = Pledge.objects.get(), RecurringGift.objects.get()
    give(org, donor, "100", pledge=pledge, kind="pledge_payment")
    page = client.get(url)
    assert "£200.00".encode() in page.content  # outstanding
    give(org, donor, "200", pledge=pledge, kind="pledge_payment")
    pledge.refresh_from_db()
    assert pledge.status == "fulfilled"
    client.post(url, {"action": "recurring_status", "id": recurring.pk, "status": "paused"})
    recurring.refresh_from_db()
    assert recurring.status == "paused"
    other = ContactFactory(organization=org)
    with pytest.raises(ValidationError):
        give(org, other, "5", pledge=pledge)


def test_welcome_calls_list_new_donors_until_someone_reaches_them(org, admin_a, member_factory):
    manager = member_factory(org, role="fundraiser")
    new = ContactFactory(organization=org, first_name="Nia", relationship_manager=manager)
    nobodys = ContactFactory(organization=org, first_name="Omar")
    loyal = ContactFactory(organization=org, first_name="Lia", relationship_manager=manager)
    gone = ContactFactory(organization=org, first_name="Ed", deceased=True)
    first = give(org, new, "25", on=TODAY - timedelta(days=3))
    give(org, new, "10")  # a second gift since: still their first weeks
    give(org, nobodys, "40")
    give(org, loyal, "20", on=TODAY - timedelta(days=400))
    give(org, loyal, "20")
    give(org, gone, "15")

    def due(manager=selectors.ANY_MANAGER):
        return [
            c.first_name for c in selectors.welcome_calls_due(organization=org, manager=manager)
        ]

    assert due() == ["Nia", "Omar"]  # the longest waiting first; no repeat donor, nobody deceased
    assert due(manager) == ["Nia"] and due(None) == ["Omar"]
    row = selectors.welcome_calls_due(organization=org, manager=manager).get()
    assert (row.first_gift_id, row.first_gift_amount, row.attempts) == (first.pk, 25, 0)

    services.welcome_call_log(organization=org, contact=new, user=manager, outcome="no_answer")
    assert due(manager) == ["Nia"]
    assert selectors.welcome_calls_due(organization=org, manager=manager).get().attempts == 1
    call = services.welcome_call_log(
        organization=org, contact=new, user=manager, outcome="reached", notes="Loves the garden"
    )
    assert due(manager) == []
    assert (call.channel, call.direction, call.related_id) == ("phone", "outbound", first.pk)
    assert call.outcome == "Spoke with them" and call.notes == "Loves the garden"
    with pytest.raises(ValidationError) as error:
        services.welcome_call_log(organization=org, contact=nobodys, user=admin_a, outcome="maybe")
    assert "outcome" in error.value.message_dict


def test_welcome_call_page_logs_the_call_on_the_timeline(client, org, member_factory, admin_a):
    manager = member_factory(org, role="fundraiser")
    donor = ContactFactory(organization=org, name="Nia Brown", relationship_manager=manager)
    other = ContactFactory(organization=org, name="Omar Shah")
    give(org, donor, "25")
    give(org, other, "30")
    client.force_login(manager)
    page = client.get("/o/riverside/donors/welcome-calls/").content.decode()
    assert "Nia Brown" in page and "Omar Shah" not in page  # "mine" by default
    assert (
        "Omar Shah"
        in client.get("/o/riverside/donors/welcome-calls/?manager=none").content.decode()
    )

    response = client.post(
        f"/o/riverside/donors/contacts/{donor.pk}/welcome-call/",
        {f"c{donor.pk}-outcome": "message", f"c{donor.pk}-notes": "Voicemail, will try Friday"},
    )
    assert response.status_code == 302
    events, _cursor = timeline.events(organization=org, contact=donor, limit=10)
    assert any(e.title == "Welcome call" for e in events)
    after = client.get(response["Location"]).content.decode()
    assert "Call with Nia Brown logged" in after and "No one is waiting" in after

    client.force_login(member_factory(org, role="viewer"))  # viewers see the list, log nothing
    assert client.get("/o/riverside/donors/welcome-calls/?manager=all").status_code == 200
    refused = client.post(
        f"/o/riverside/donors/contacts/{other.pk}/welcome-call/",
        {f"c{other.pk}-outcome": "reached"},
    )
    assert refused.status_code == 403
    assert selectors.welcome_calls_due(organization=org).filter(pk=other.pk).exists()


def test_welcome_call_page_queries_do_not_grow_with_the_list(
    client, org, member_factory, django_assert_num_queries
):
    manager = member_factory(org, role="fundraiser")
    client.force_login(manager)
    for _ in range(3):
        give(org, ContactFactory(organization=org, relationship_manager=manager), "10")
    client.get("/o/riverside/donors/welcome-calls/")
    # user, membership, the month's new donors (by key), count, page (session, org: Redis)
    with django_assert_num_queries(5) as few:
        client.get("/o/riverside/donors/welcome-calls/")
    for _ in range(20):
        give(org, ContactFactory(organization=org, relationship_manager=manager), "10")
    with django_assert_num_queries(len(few.captured_queries)):
        client.get("/o/riverside/donors/welcome-calls/")


def test_welcome_call_lists_go_out_once_a_day_to_each_manager(
    org, admin_a, member_factory, mailbox, django_capture_on_commit_callbacks
):
    manager = member_factory(org, role="fundraiser")
    give(
        org,
        ContactFactory(organization=org, name="Nia Brown", phone="", relationship_manager=manager),
        "25",
    )
    give(org, ContactFactory(organization=org, name="Omar Shah"), "40")
    with django_capture_on_commit_callbacks(execute=True):
        assert services.welcome_call_lists_send(organization=org) == 2
        assert services.welcome_call_lists_send(organization=org) == 0  # the day is taken
    mine, nobodys = mailbox.to(manager.email), mailbox.to(admin_a.email)
    assert len(mine) == len(nobodys) == 1
    assert "Nia Brown" in mailbox.text(mine[0]) and "Omar Shah" not in mailbox.text(mine[0])
    assert "no relationship manager" in mailbox.text(nobodys[0])
    assert "/o/riverside/donors/welcome-calls/" in mailbox.links(mine[0])[0]
    tomorrow = TODAY + timedelta(days=1)
    assert services.welcome_call_lists_send(organization=org, today=tomorrow) == 2
