"""Gift import: CiviCRM and NPSP exports, donors matched or created, idempotent on the
transaction id, messy amounts and dates, errors per row."""

from decimal import Decimal
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from donors.importing import parse_amount, parse_day
from donors.models import Gift
from stakeholders.models import Contact, DataImport
from stakeholders.tenancy.models import organization_scope

pytestmark = pytest.mark.django_db(transaction=True)
DATA = Path(__file__).parent / "data"


@pytest.fixture
def staff(client, org_a, admin_a):
    org_a.country, org_a.currency = "GB", "GBP"
    org_a.save()
    client.force_login(admin_a)
    return client


def run_import(client, org, content, kind, name="file.csv"):
    client.post(
        "/o/riverside/contacts/import/",
        {"kind": kind, "file": SimpleUploadedFile(name, content, "text/csv")},
    )
    with organization_scope(org):
        job = DataImport.objects.order_by("-pk").first()
    mapping = {f"map-{i}": job.mapping.get(h, "") for i, h in enumerate(job.headers)}
    client.post(f"/o/riverside/contacts/import/{job.pk}/", {"action": "check", **mapping})
    client.post(f"/o/riverside/contacts/import/{job.pk}/", {"action": "run"})
    job.refresh_from_db()
    return job


def test_civicrm_contributions_after_the_contacts_and_twice(staff, org_a):
    run_import(staff, org_a, (DATA / "civicrm-contacts.csv").read_bytes(), "contacts")
    job = run_import(staff, org_a, (DATA / "civicrm-contributions.csv").read_bytes(), "gifts")
    assert job.kind == "gifts" and job.status == "done"
    assert job.mapping["Total Amount"] == "amount" and job.mapping["Transaction ID"] == "reference"
    assert job.summary["create"] + job.summary["error"] == job.total_rows
    with organization_scope(org_a):
        assert Gift.objects.count() == job.summary["create"] > 100
        in_kind = Gift.objects.filter(kind="in_kind").first()
        assert in_kind is None or in_kind.payment_method == "none"
        assert Contact.objects.filter(is_donor=True).exists()
    again = run_import(staff, org_a, (DATA / "civicrm-contributions.csv").read_bytes(), "gifts")
    assert again.summary["create"] == 0 and again.summary["update"] == job.summary["create"]
    with organization_scope(org_a):
        assert Gift.objects.count() == job.summary["create"]


def test_npsp_rows_create_their_donors(staff, org_a):
    job = run_import(staff, org_a, (DATA / "npsp-dataimport.csv").read_bytes(), "gifts")
    assert job.summary["error"] == 0 and job.summary["duplicate"] == job.summary["create"]
    with organization_scope(org_a):
        ewan = Contact.objects.get(email="ewan.khan20@example.org")
        gift = Gift.objects.get(contact=ewan)
        assert (gift.amount, gift.reference, gift.payment_method) == (
            Decimal("5.00"),
            "CHK4000",
            "card",
        )


def test_messy_rows_are_reported(staff, org_a):
    content = (
        b"Email;Last Name;Amount;Date;Currency;Status;Transaction ID\n"
        b"a@example.org;Ames;1.234,50;14/07/2026;GBP;Completed;T1\n"
        b"b@example.org;Bo;-5;14/07/2026;GBP;Completed;T2\n"
        b"c@example.org;Cy;10;31/31/2026;GBP;Completed;T3\n"
        b"d@example.org;Di;10;14/07/2026;EUR;Completed;T4\n"
        b"e@example.org;Ed;10;14/07/2026;GBP;Pending;T5\n"
        b"f@example.org;Fe;10;14/07/2099;GBP;Completed;T6\n"
        b"a@example.org;Ames;1.234,50;14/07/2026;GBP;Completed;T1\n"
    )
    job = run_import(staff, org_a, content, "gifts")
    assert job.summary["create"] == 1 and job.summary["error"] == 6
    with organization_scope(org_a):
        assert Gift.objects.get().amount == Decimal("1234.50")
    problems = " ".join(" ".join(" ".join(m) for m in e["errors"].values()) for e in job.errors)
    for text in ("refund", "not a date", "EUR", "Pending", "future", "Same transaction id"):
        assert text in problems


def test_fundraisers_only(client, org_a, member_factory):
    client.force_login(member_factory(org_a, role="caseworker"))
    response = client.post(
        "/o/riverside/contacts/import/",
        {
            "kind": "gifts",
            "file": SimpleUploadedFile("g.csv", b"amount,date,email\n1,2026-01-01,a@b.org\n"),
        },
    )
    assert response.status_code == 403


@pytest.mark.parametrize(
    "role,status",
    [
        ("admin", 200),
        ("fundraiser", 200),
        ("caseworker", 404),
        ("volunteer_coordinator", 404),
        ("viewer", 403),
    ],
)
def test_a_gift_import_is_read_and_run_only_by_roles_that_may_import_gifts(
    client, staff, org_a, member_factory, role, status
):
    content = b"Email,Last Name,Amount,Date,Transaction ID\nbo@example.org,Bo,-5,2026-01-02,T2\n"
    staff.post(
        "/o/riverside/contacts/import/",
        {"kind": "gifts", "file": SimpleUploadedFile("gifts-2026.csv", content, "text/csv")},
    )
    with organization_scope(org_a):
        job = DataImport.objects.get()
    mapping = {f"map-{i}": job.mapping.get(h, "") for i, h in enumerate(job.headers)}
    staff.post(f"/o/riverside/contacts/import/{job.pk}/", {"action": "check", **mapping})
    job.refresh_from_db()
    assert job.status == "checked" and job.errors  # the refund row

    client.force_login(member_factory(org_a, role=role))
    detail = f"/o/riverside/contacts/import/{job.pk}/"
    assert client.get(detail).status_code == status
    errors = client.get(f"{detail}errors.csv")
    assert errors.status_code == status and (b"bo@example.org" in errors.content) == (status == 200)
    listed = client.get("/o/riverside/contacts/import/")
    assert (b"gifts-2026.csv" in listed.content) == (status == 200)
    client.post(detail, {"action": "run"})
    job.refresh_from_db()
    assert job.status == ("done" if status == 200 else "checked")


@pytest.mark.parametrize(
    "text,amount",
    [
        ("1,234.50", "1234.50"),
        ("1.234,50", "1234.50"),
        ("€ 25", "25.00"),
        ("25,5", "25.50"),
        ("1,000", "1000.00"),
    ],
)
def test_amounts(text, amount):
    assert parse_amount(text) == Decimal(amount)


def test_day_first_and_month_first_dates():
    assert parse_day("03/04/2026", month_first=False).month == 4
    assert parse_day("03/04/2026", month_first=True).month == 3
    assert parse_day("2026-04-03 10:19:00", month_first=False).day == 3
