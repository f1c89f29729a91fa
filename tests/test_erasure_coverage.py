"""Erasure is complete and the export holds everything: every foreign key to a contact and every
file field of the project is declared by an app (exported and erased, exported and kept for a
reason, or holding no personal data), and an erased person leaves nothing behind — not in the
rows, not in the files, not in a print batch, not in an import file."""

import io
import json
import zipfile
from pathlib import Path

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models
from django.utils import timezone
from pypdf import PdfReader

from clients import services as client_services
from donors import services as donor_services
from stakeholders import importing, services
from stakeholders.models import Contact
from stakeholders.registries import contact_hooks
from stakeholders.tenancy.models import TenantOwned, organization_scope
from tests.factories import (
    AcknowledgmentFactory,
    ContactFactory,
    FeedbackFactory,
    HoursEntryFactory,
    PledgeFactory,
    PrintBatchFactory,
    ServiceRecordFactory,
    VolunteerProfileFactory,
)
from thankyous import services as thankyou_services
from thankyous.models import Acknowledgment, PrintBatch, ThankYouTemplate
from volunteers.models import PendingSignup

# --- Coverage that can't rot -------------------------------------------------------------------


def keys_to_a_contact_and_file_fields():
    labels = set()
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            points_at_a_contact = field.is_relation and field.related_model is Contact
            if points_at_a_contact or isinstance(field, models.FileField):
                labels.add(f"{model._meta.label}.{field.name}")
    return labels


def test_every_key_to_a_contact_and_every_file_field_is_declared():
    coverage = contact_hooks.coverage()
    undeclared = sorted(keys_to_a_contact_and_file_fields() - set(coverage))
    assert not undeclared, (
        "Say in the app's contact_hooks.register() how erasure and export cover these "
        f"(covers=), or why not (kept= or no_personal_data=): {undeclared}"
    )
    assert {label: ways for label, ways in coverage.items() if len(ways) > 1} == {}
    for label, [(hook_name, how, reason)] in coverage.items():
        app_label, model_name, *field = label.split(".")
        model = apps.get_model(app_label, model_name)  # a stale label fails here
        if field:
            model._meta.get_field(field[0])
        hook = next(hook for hook in contact_hooks if hook.name == hook_name)
        if how == contact_hooks.COVERED:
            assert hook.erase and hook.export, label
        elif how == contact_hooks.KEPT:
            assert hook.export and reason, label
        else:
            assert reason, label


def test_a_hook_cant_cover_what_it_does_not_erase(monkeypatch):
    monkeypatch.setattr(contact_hooks, "_hooks", dict(contact_hooks._hooks))
    with pytest.raises(ValueError, match="both export and erase"):
        contact_hooks.register("half", export=dict, covers=["donors.Gift.contact"])


# --- Nothing left behind ---------------------------------------------------------------------

FIRST, LAST = "Wilhelmina", "Quarrington"
EMAIL, OLD_EMAIL, SIGNUP_EMAIL = (
    "w.quarrington@example.org",
    "mina.q@example.net",
    "mina@example.com",
)
PHONE, MOBILE = "0117 496 0781", "07911 123456"
SECRET = "Kestrelmoor"  # a word in every free text written about her
PEOPLE_CSV = (
    "First name,Last name,Email,Phone,Street,Postal code,City,Notes\n"
    f"{FIRST},{LAST},{EMAIL},{PHONE},1 Mill Lane,BS1 4DJ,Bristol,{SECRET} at the fair\n"
    "Ada,Lovelace,ada@example.org,,2 Mill Lane,BS1 4DJ,Bristol,\n"
    f"{FIRST},{LAST},{EMAIL},{PHONE},1 Mill Lane,BS1 4DJ,Bristol,again\n"  # an error line
)
TRACES = (FIRST, LAST, EMAIL, OLD_EMAIL, SIGNUP_EMAIL, "4960781", "496 0781", "7911123456", SECRET)


@pytest.fixture
def org(org_a):
    org_a.address, org_a.country = "12 Mill Lane\nBristol", "GB"
    org_a.save()
    with organization_scope(org_a):
        yield org_a


def imported(org, admin, *, run):
    upload = SimpleUploadedFile("people.csv", PEOPLE_CSV.encode(), "text/csv")
    job = importing.import_create(organization=org, upload=upload, actor=admin)
    importing.check(job)
    if run:
        importing.run(job)
    return job


def pdf_text(field_file):
    with field_file.open("rb") as handle:
        return "".join(page.extract_text() for page in PdfReader(io.BytesIO(handle.read())).pages)


def traces_in(text):
    return [trace for trace in TRACES if trace.casefold() in text.casefold()]


def traces_in_rows(organization):
    """(model, field, id, traces) for every text or JSON value of the organization's rows that
    still holds something of her: every row the hooks cover, and all the others."""
    found = []
    for model in apps.get_models():
        if not issubclass(model, TenantOwned):
            continue
        fields = [
            field
            for field in model._meta.concrete_fields
            if isinstance(field, models.CharField | models.TextField | models.JSONField)
        ]
        for row in model._default_manager.filter(organization=organization):
            for field in fields:
                value = getattr(row, field.attname)
                if not isinstance(value, str):
                    value = json.dumps(value, ensure_ascii=False, default=str)
                if traces := traces_in(value):
                    found.append((model._meta.label, field.name, row.pk, traces))
    return found


@pytest.mark.django_db
def test_an_erased_person_leaves_nothing_behind_and_the_export_held_her_files(
    client, org, admin_a, mailbox, django_capture_on_commit_callbacks
):
    done_import = imported(org, admin_a, run=True)
    waiting_import = imported(org, admin_a, run=False)
    person = Contact.objects.get(email=EMAIL)
    ada = Contact.objects.get(email="ada@example.org")
    older = services.contact_create(
        organization=org, first_name=FIRST, last_name=LAST, email=OLD_EMAIL, mobile=MOBILE
    )
    person = services.contact_merge(organization=org, keep=person, remove=older, actor=admin_a)

    thankyou_services.ensure_default_templates(organization=org)
    ThankYouTemplate.objects.update(post_letter_too=True)  # emailed tonight, posted as well
    for donor in (person, ada):
        donor_services.gift_record(
            organization=org, contact=donor, amount="40", received_on=timezone.localdate()
        )
    thankyou_services.run_batch(organization=org)
    (batch,) = thankyou_services.print_batch_create(
        organization=org, user=admin_a, staff_role="admin"
    )
    assert batch.letters == 2 and LAST in pdf_text(batch.pdf)
    letter = Acknowledgment.objects.get(contact=person)
    PledgeFactory(contact=person, notes=f"{SECRET}: pays in spring")

    request = client_services.request_create(
        organization=org,
        contact=person,
        subject=f"{SECRET} rent arrears",
        description=f"{SECRET}: the landlord wrote",
        channel="phone",
        actor=admin_a,
        files=[SimpleUploadedFile("tenancy.txt", f"{SECRET} tenancy".encode(), "text/plain")],
    )
    client_services.request_note(
        organization=org, request=request, author=admin_a, body=f"{SECRET} note"
    )
    ServiceRecordFactory(contact=person, notes=f"{SECRET}: went through the budget")
    attachment = client_services.selectors.request_attachments(organization=org, request=request)[0]

    profile = VolunteerProfileFactory(
        contact=person, notes=f"{SECRET} drives", other_skills=SECRET, guardian_name=LAST
    )
    HoursEntryFactory(profile=profile, description=f"{SECRET}: sorted tins")
    PendingSignup.objects.create(
        organization=org,
        email=SIGNUP_EMAIL,
        data={"first_name": FIRST, "last_name": LAST},
        profile=profile,
        confirmed_at=timezone.now(),
    )
    interaction = services.interaction_log(
        organization=org,
        contact=person,
        staff=admin_a,
        channel="phone",
        subject=f"{SECRET} called",
        notes=f"{SECRET} notes",
        outcome=SECRET,
    )
    FeedbackFactory(contact=person, interaction=interaction, comment=f"{SECRET} was kind")

    client.force_login(admin_a)
    response = client.get(f"/o/riverside/contacts/{person.pk}/data/?format=zip")
    assert response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    exported = json.loads(archive.read("data.json"))
    letter_name = f"files/thankyous/letters/thank-you-gift-{letter.target_id}.pdf"
    (attachment_name,) = [n for n in archive.namelist() if n.startswith("files/clients/")]
    assert attachment_name.endswith("-tenancy.txt")
    assert exported["files"] == [letter_name, attachment_name]
    with letter.pdf.open("rb") as stored:
        assert archive.read(letter_name) == stored.read()
    assert archive.read(attachment_name) == f"{SECRET} tenancy".encode()
    assert exported["contact"]["email"] == EMAIL
    assert [record["email"] for record in exported["merged_records"]] == [OLD_EMAIL]
    assert [line["row"]["Email"] for line in exported["imported_lines"]] == [EMAIL] * 4

    files = [
        Path(path)
        for path in (
            letter.pdf.path,
            batch.pdf.path,
            attachment.file.path,
            done_import.file.path,
            waiting_import.file.path,
        )
    ]
    assert all(path.exists() for path in files)
    with django_capture_on_commit_callbacks(execute=True):
        services.contact_erase(organization=org, contact=person, actor=admin_a)

    assert [path for path in files if path.exists()] == []
    assert traces_in_rows(org) == []
    batch.refresh_from_db()  # made again from Ada's letter alone
    remaining = pdf_text(batch.pdf)
    assert batch.letters == 1 and "Lovelace" in remaining and traces_in(remaining) == []
    done_import.refresh_from_db()  # its file went; what it did is still told
    assert not done_import.file and (done_import.summary["create"], done_import.errors) == (2, [])
    waiting_import.refresh_from_db()  # not run yet: her line out, back to its dry run
    with waiting_import.file.open("rb") as rest:
        rest = rest.read().decode()
    assert "Lovelace" in rest and traces_in(rest) == []
    assert (waiting_import.status, waiting_import.total_rows) == ("uploaded", 1)
    assert (waiting_import.summary, waiting_import.errors) == ({}, [])
    assert Acknowledgment.objects.get(pk=letter.pk).print_batch is None


@pytest.mark.django_db
def test_a_batch_that_cant_be_made_again_loses_its_file_and_keeps_the_others_letters(
    client, org, admin_a, django_capture_on_commit_callbacks
):
    person, other = ContactFactory(organization=org), ContactFactory(organization=org)
    waiting = PrintBatchFactory(organization=org, letters=2)  # not printed yet
    hers = AcknowledgmentFactory(contact=person, state="print", print_batch=waiting)
    theirs = AcknowledgmentFactory(contact=other, state="print", print_batch=waiting)
    theirs.pdf.storage.delete(theirs.pdf.name)  # lost: the batch can't be rebuilt
    printed = PrintBatchFactory(organization=org, letters=1, printed_at=timezone.now())
    AcknowledgmentFactory(contact=person, state="sent", print_batch=printed)
    files = [Path(hers.pdf.path), Path(waiting.pdf.path), Path(printed.pdf.path)]

    with django_capture_on_commit_callbacks(execute=True):
        services.contact_erase(organization=org, contact=person, actor=admin_a)

    assert [path for path in files if path.exists()] == []
    assert not PrintBatch.objects.filter(pk=waiting.pk).exists()
    theirs.refresh_from_db()  # back in the queue for the next batch
    assert (theirs.state, theirs.print_batch) == ("print", None)
    hers.refresh_from_db()
    assert (hers.state, hers.skip_reason, hers.pdf.name) == ("skipped", "erased", "")
    printed.refresh_from_db()  # the record that a post run went out stays, without its file
    assert (printed.pdf.name, printed.letters) == ("", 1)
    client.force_login(admin_a)
    url = f"/o/riverside/thank-yous/print-batches/{printed.pk}/letters.pdf"
    assert client.get(url).status_code == 404
    assert (
        b"PDF deleted when a person in it was erased"
        in client.get("/o/riverside/thank-yous/").content
    )
