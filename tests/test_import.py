"""Contact import: other CRMs' exports, messy files, the dry run, errors, and nothing half-saved."""

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from stakeholders import importing
from stakeholders.models import Consent, ConsentPurpose, Contact, DataImport, DuplicatePair
from stakeholders.tenancy.models import organization_scope

# Real commits: each step is a Celery task enqueued on commit (run in-process in tests).
pytestmark = pytest.mark.django_db(transaction=True)
DATA = Path(__file__).parent / "data"


@pytest.fixture
def staff(client, org_a, admin_a):
    org_a.country = "GB"
    org_a.save()
    client.force_login(admin_a)
    return client


def upload(client, content, name="people.csv"):
    return client.post(
        "/o/riverside/contacts/import/",
        {"kind": "contacts", "file": SimpleUploadedFile(name, content, "text/csv")},
    )


def job(org):
    with organization_scope(org):
        return DataImport.objects.get()


def confirm_mapping(client, job_, overrides=None):
    mapping = {f"map-{i}": job_.mapping.get(h, "") for i, h in enumerate(job_.headers)}
    mapping.update(overrides or {})
    return client.post(f"/o/riverside/contacts/import/{job_.pk}/", {"action": "check", **mapping})


def test_civicrm_export_maps_checks_then_imports(staff, org_a):
    response = upload(staff, (DATA / "civicrm-contacts.csv").read_bytes(), "civicrm-contacts.csv")
    current = job(org_a)
    assert response["Location"] == f"/o/riverside/contacts/import/{current.pk}/"
    assert current.mapping["External Identifier"] == "external_id"
    assert (
        current.mapping["First Name"] == "first_name"
        and current.mapping["Postal Code"] == "postal_code"
    )
    assert (
        current.mapping["Do Not Email"] == "do_not_email"
        and current.mapping["Is Deceased"] == "deceased"
    )

    confirm_mapping(staff, current)
    current.refresh_from_db()
    assert current.status == "checked"
    assert current.summary["create"] == current.total_rows - current.summary["error"]
    with organization_scope(org_a):
        assert not Contact.objects.exists()  # the dry run writes nothing

    staff.post(f"/o/riverside/contacts/import/{current.pk}/", {"action": "run"})
    current.refresh_from_db()
    assert current.status == "done"
    with organization_scope(org_a):
        fatima = Contact.objects.get(external_id="EXT-1000")
        assert (fatima.email, fatima.phone, fatima.country) == (
            "fatima.adeyemi0@example.org",
            "+15035551791",
            "CA",
        )
        assert Contact.objects.count() == current.summary["create"]
        imported_again = Contact.objects.count()
    # Importing the same file again updates instead of duplicating.
    upload(staff, (DATA / "civicrm-contacts.csv").read_bytes(), "again.csv")
    with organization_scope(org_a):
        second = DataImport.objects.order_by("-pk").first()
    confirm_mapping(staff, second)
    second.refresh_from_db()
    assert second.summary["update"] == imported_again and second.summary["create"] == 0


def test_do_not_email_becomes_a_withdrawn_consent(staff, org_a):
    content = (
        "First Name,Last Name,Email,Do Not Email\n"
        "Ana,Lima,ana@example.org,1\nBo,Ek,bo@example.org,0\n"
    )
    upload(staff, content.encode())
    current = job(org_a)
    confirm_mapping(staff, current)
    staff.post(f"/o/riverside/contacts/import/{current.pk}/", {"action": "run"})
    with organization_scope(org_a):
        ana = Contact.objects.get(email="ana@example.org")
        refused = Consent.objects.filter(contact=ana, channel="email", granted=False)
        assert sorted(refused.values_list("purpose", flat=True)) == sorted(ConsentPurpose.values)
        assert not Consent.objects.filter(contact__email="bo@example.org").exists()


def test_npsp_headers_are_recognised(staff, org_a):
    upload(staff, (DATA / "npsp-dataimport.csv").read_bytes(), "npsp.csv")
    mapping = job(org_a).mapping
    assert mapping["Contact1_Firstname__c"] == "first_name"
    assert mapping["Contact1_Personal_Email__c"] == "email"
    assert mapping["Contact1_Mobile_Phone__c"] == "mobile"
    assert mapping["Home_Zip_Postal_Code__c"] == "postal_code"


def test_latin1_semicolons_and_bom_are_read(staff, org_a):
    text = "Prénom;Nom;Courriel\nFrançois;Dubois;fd@example.org\nZoë;Ørsted;zo@example.org\n"
    upload(staff, text.encode("latin-1"))
    current = job(org_a)
    assert current.delimiter == ";" and current.encoding != "utf-8"
    confirm_mapping(staff, current, {"map-0": "first_name", "map-1": "last_name", "map-2": "email"})
    staff.post(f"/o/riverside/contacts/import/{current.pk}/", {"action": "run"})
    with organization_scope(org_a):
        assert set(Contact.objects.values_list("name", flat=True)) == {
            "François Dubois",
            "Zoë Ørsted",
        }
    upload(staff, "\ufefffirst_name,last_name\nAda,Lovelace\n".encode())
    with organization_scope(org_a):
        latest = DataImport.objects.order_by("-pk").first()
    assert latest.headers == ["first_name", "last_name"]


def test_bad_rows_are_reported_and_skipped_the_rest_imported(staff, org_a):
    content = (
        "first_name,last_name,email,phone,country\n"
        "Ada,Lovelace,ada@example.org,020 7946 0000,GB\n"
        ",,nobody@example.org,,GB\n"
        "Bad,Email,not-an-email,,GB\n"
        "Bad,Phone,bp@example.org,12,GB\n"
        "Ada,Again,ada@example.org,,GB\n"
        "=cmd|' /C calc'!A0,Formula,f@example.org,,Narnia\n"
    )
    upload(staff, content.encode())
    current = job(org_a)
    confirm_mapping(staff, current)
    current.refresh_from_db()
    assert current.summary == {"create": 1, "update": 0, "duplicate": 0, "error": 5}
    staff.post(f"/o/riverside/contacts/import/{current.pk}/", {"action": "run"})
    with organization_scope(org_a):
        assert list(Contact.objects.values_list("email", flat=True)) == ["ada@example.org"]
    errors = staff.get(f"/o/riverside/contacts/import/{current.pk}/errors.csv").content.decode()
    assert "No name in this row" in errors and "Enter a valid email address" in errors
    assert "Same person as an earlier row" in errors and "Narnia" in errors
    assert "'=cmd" in errors  # formulas defused in the file people open in a spreadsheet


@pytest.mark.parametrize(
    "content,message",
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01", b"not text we can read"),
        (b"just one column\nvalue\n", b"no columns"),
        (b"first_name,last_name\n", b"no data"),
        (b"name,name\nA,B\n", b"same name"),
    ],
)
def test_malformed_files_are_refused_with_a_reason_and_nothing_saved(
    staff, org_a, content, message
):
    response = upload(staff, content)
    assert response.status_code == 200 and message in response.content
    with organization_scope(org_a):
        assert not DataImport.objects.exists() and not Contact.objects.exists()


def test_a_mapping_without_a_name_column_is_refused(staff, org_a):
    upload(staff, b"email,city\na@example.org,Leeds\n")
    current = job(org_a)
    response = confirm_mapping(staff, current)
    assert b"Map at least one name column" in response.content
    current.refresh_from_db()
    assert current.status == "uploaded"


def test_imported_duplicates_go_to_the_review_list(staff, org_a, admin_a):
    from stakeholders import services

    with organization_scope(org_a):
        services.contact_create(
            organization=org_a, first_name="Ada", last_name="Lovelace", phone="020 7946 0001"
        )
    upload(staff, b"first_name,last_name,phone\nAda,King,020 7946 0001\n")
    current = job(org_a)
    confirm_mapping(staff, current)
    current.refresh_from_db()
    assert current.summary["duplicate"] == 1
    staff.post(f"/o/riverside/contacts/import/{current.pk}/", {"action": "run"})
    with organization_scope(org_a):
        assert DuplicatePair.objects.filter(reasons__contains="phone").count() == 1


def test_header_normalisation():
    assert importing.normalise_header("Contact1_Firstname__c") == "firstname"
    assert importing.normalise_header(" E-Mail ") == "e_mail"
    aliases = importing.importers["contacts"].aliases
    assert importing.guess_mapping(["Surname", "Zip", "Cell"], aliases) == {
        "Surname": "last_name",
        "Zip": "postal_code",
        "Cell": "mobile",
    }
