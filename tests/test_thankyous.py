"""Thank-yous: every eligible gift thanked exactly once, whatever happens; templates that can't
reach anything but their merge fields; letters that fetch nothing from outside."""

import io
import os
import signal
import sys
import threading
import time
import urllib.request
from datetime import timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from babel.dates import format_date
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import OperationalError, connection
from django.utils import timezone, translation
from PIL import Image
from pypdf import PdfReader

from donors import services as donor_services
from stakeholders import services as stakeholder_services
from stakeholders.tenancy.models import organization_scope
from tests.factories import ContactFactory
from thankyous import rendering, services, tasks
from thankyous.models import Acknowledgment, Rule, ThankYouTemplate
from thankyous.registry import DefaultTemplate, Thankable, ThankItem, thankables

TODAY = timezone.localdate()


@pytest.fixture
def org(org_a):
    org_a.address = "12 Mill Lane\nBristol"
    org_a.sender_name = "Amara Okafor"
    org_a.save()
    with organization_scope(org_a):
        yield org_a


def gift(org, email="ada@example.org", amount="50", **contact_fields):
    contact = ContactFactory(
        organization=org, first_name="Ada", last_name="Lovelace", email=email, **contact_fields
    )
    return donor_services.gift_record(
        organization=org, contact=contact, amount=Decimal(amount), received_on=TODAY
    )


@pytest.mark.django_db
def test_every_gift_thanked_once_even_when_run_again(org, mailbox):
    gifts = [gift(org, email=f"donor{i}@example.org") for i in range(3)]
    counts = services.run_batch(organization=org)
    assert counts["enqueued"] == 3 and counts["sent"] == 3
    assert services.run_batch(organization=org) == {
        "enqueued": 0,
        "sent": 0,
        "print": 0,
        "skipped": 0,
        "failed": 0,
    }
    assert sorted(m["To"] for m in mailbox.messages) == sorted(g.contact.email for g in gifts)
    message = mailbox.messages[0]
    assert message["Subject"] == "Thank you, Ada"
    assert (
        message["Message-ID"].strip()  # a signed id is long: folded onto its own line
        == Acknowledgment.objects.get(contact__email=message["To"]).message_id
    )
    attachment = next(message.iter_attachments())
    assert (
        attachment.get_content_type() == "application/pdf"
        and attachment.get_content().startswith(b"%PDF")
    )
    body = message.get_body(preferencelist=("plain",)).get_content()
    assert "£50.00" in body and "/donors/impact/?t=" in body
    html = message.get_body(preferencelist=("html",)).get_content()  # made from the text
    assert 'lang="en"' in html and "£50.00" in html and '<a href="http' in html


@pytest.mark.django_db
def test_the_email_html_is_the_staffs_own_or_made_from_the_text_and_escapes_fields(org, mailbox):
    services.ensure_default_templates(organization=org)
    ThankYouTemplate.objects.filter(organization=org).update(
        email_html='<p style="color: green">Thank you, <b>{{ first_name }}</b>!</p>',
        email_body="Thank you, {{ first_name }}! See {{ impact_page_link }}",
    )
    gift(org, email="mallory@example.org").contact.__class__.objects.filter(
        email="mallory@example.org"
    ).update(first_name="<script>x</script>")
    services.run_batch(organization=org)
    (message,) = mailbox.messages
    html = message.get_body(preferencelist=("html",)).get_content()
    assert '<p style="color: green">Thank you, <b>&lt;script&gt;x&lt;/script&gt;</b>!</p>' in html
    assert "<script>" not in html
    text = message.get_body(preferencelist=("plain",)).get_content()
    assert "Thank you, <script>x</script>!" in text  # plain text is not HTML: nothing to escape

    template = ThankYouTemplate.objects.get(organization=org, rule=Rule.DEFAULT)
    with pytest.raises(ValidationError) as bad:
        services.template_save(organization=org, template=template, email_html="{{ settings }}")
    assert "email_html" in bad.value.message_dict


@pytest.mark.django_db
@pytest.mark.parametrize(
    "contact_fields,reason",
    [
        ({"deceased": True}, "deceased"),
        ({"do_not_contact": True}, "do not contact"),
        ({"email": ""}, "no address"),
    ],
)
def test_who_is_not_thanked_and_why(org, mailbox, contact_fields, reason):
    email = contact_fields.pop("email", "x@example.org")
    gift(org, email=email, **contact_fields)
    services.run_batch(organization=org)
    row = Acknowledgment.objects.get()
    assert (row.state, row.skip_reason) == ("skipped", reason)
    assert not mailbox.messages


@pytest.mark.django_db
def test_do_not_thank_and_withdrawn_consent(org, mailbox):
    first = gift(org)
    donor_services.gift_set_acknowledgement(
        organization=org, gift=first, do_not_acknowledge=True, reason="Anonymous"
    )
    second = gift(org, email="bo@example.org")
    stakeholder_services.consent_record(
        organization=org,
        contact=second.contact,
        channel="email",
        purpose="thank_yous",
        granted=False,
        source="staff",
    )
    services.run_batch(organization=org)
    assert dict(Acknowledgment.objects.values_list("target_id", "skip_reason")) == {
        first.pk: "do not thank",
        second.pk: "no consent",
    }


@pytest.mark.django_db
def test_post_only_donors_go_to_the_print_batch_with_a_pdf(org, mailbox, settings):
    gift(org, email="", street="1 High Street", postal_code="BS1 1AA", city="Bristol")
    services.run_batch(organization=org)
    row = Acknowledgment.objects.get()
    assert row.state == "print" and row.pdf.name.endswith(".pdf")
    # kept per organization where no URL reaches it, not under MEDIA_ROOT
    assert row.pdf.name.startswith(f"letters/{org.pk}/")
    assert row.pdf.path.startswith(str(settings.PRIVATE_FILES_ROOT))
    assert not mailbox.messages


@pytest.mark.django_db
def test_a_refusing_smtp_server_means_retries_with_backoff_then_review_never_loss(
    org, settings, mailbox
):
    port = mailbox.port
    settings.EMAIL_PORT = 1  # nothing listens: refused
    gift(org)
    services.run_batch(organization=org)
    row = Acknowledgment.objects.get()
    waits = []
    while row.state == "pending":
        waits.append(round((row.retry_at - timezone.now()).total_seconds() / 60))
        assert services.process(organization=org)["failed"] == 0  # not before its time
        Acknowledgment.objects.update(retry_at=timezone.now())
        tasks.retry_refused_thankyous()  # the beat, every 5 minutes
        row.refresh_from_db()
    assert waits == [5, 10, 20, 40]
    assert row.state == "review" and row.attempts == services.MAX_ATTEMPTS and row.last_error
    assert not mailbox.messages

    # A person puts it back once the server answers again; it goes once.
    settings.EMAIL_PORT = port
    services.acknowledgment_retry(organization=org, acknowledgment=row)
    services.process(organization=org)
    assert Acknowledgment.objects.get().state == "sent" and len(mailbox.messages) == 1


def test_a_server_back_before_the_last_retry_gets_the_thank_you_once(org, settings, mailbox):
    port = mailbox.port
    settings.EMAIL_PORT = 1
    gift(org)
    services.run_batch(organization=org)
    refused_letter = Acknowledgment.objects.get().pdf.name
    settings.EMAIL_PORT = port
    Acknowledgment.objects.update(retry_at=timezone.now())
    tasks.retry_refused_thankyous()
    tasks.retry_refused_thankyous()
    row = Acknowledgment.objects.get()
    assert (row.state, row.attempts, row.retry_at, len(mailbox.messages)) == ("sent", 2, None, 1)
    assert row.pdf.storage.exists(row.pdf.name)  # the letter that went is kept …
    assert refused_letter == row.pdf.name or not row.pdf.storage.exists(refused_letter)  # … alone


@pytest.mark.django_db
def test_a_row_left_sending_by_a_crash_goes_to_review_not_resent(org, mailbox):
    gift(org)
    services.enqueue(organization=org)
    Acknowledgment.objects.update(
        state="sending", claimed_at=timezone.now() - timedelta(hours=1), message_id="<x@y>"
    )
    services.run_batch(organization=org)
    assert Acknowledgment.objects.get().state == "review" and not mailbox.messages


@pytest.mark.django_db(transaction=True)
def test_a_sending_mark_lost_with_the_database_is_still_sent_once(org, mailbox, monkeypatch):
    """The "sending" mark reached the database, its reply did not: the worker knows it never
    mailed that row, so the row goes back to the queue and is sent once."""
    for i in range(3):
        gift(org, email=f"d{i}@example.org")
    services.ensure_default_templates(organization=org)
    services.enqueue(organization=org)
    real_save_progress, lost = services._save_progress, []

    def save_progress(finished, starting):
        outcome = real_save_progress(finished, starting)
        if starting is not None and not lost:
            lost.append(starting.pk)
            raise OperationalError("server closed the connection unexpectedly")
        return outcome

    monkeypatch.setattr(services, "_save_progress", save_progress)
    monkeypatch.setattr(services, "_wait_for_database", lambda: None)
    services.process(organization=org)
    assert lost and set(Acknowledgment.objects.values_list("state", flat=True)) == {"sent"}
    assert sorted(m["To"] for m in mailbox.messages) == [f"d{i}@example.org" for i in range(3)]


@pytest.mark.django_db(transaction=True)
def test_two_batches_at_once_send_each_thank_you_once(org, mailbox):
    for i in range(12):
        gift(org, email=f"d{i}@example.org")
    services.ensure_default_templates(organization=org)
    services.enqueue(organization=org)
    errors = []

    def worker():
        try:
            with organization_scope(org):
                services.process(organization=org)
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert len(mailbox.messages) == 12
    assert len({m["To"] for m in mailbox.messages}) == 12
    assert set(Acknowledgment.objects.values_list("state", flat=True)) == {"sent"}


@pytest.mark.django_db
def test_thank_now_uses_the_same_row(org, mailbox, django_capture_on_commit_callbacks):
    one = gift(org)
    with django_capture_on_commit_callbacks(execute=True):
        services.thank_now(organization=org, kind="gift", target_id=one.pk)
    with django_capture_on_commit_callbacks(execute=True):
        services.thank_now(organization=org, kind="gift", target_id=one.pk)
    assert len(mailbox.messages) == 1 and Acknowledgment.objects.get().state == "sent"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "source",
    [
        "{{ settings.SECRET_KEY }}",
        "{{ ''.__class__.__mro__ }}",
        "{{ donor_name.__init__.__globals__ }}",
        "{{ no_such_field }}",
        "{% for %}",
    ],
)
def test_templates_reach_nothing_but_their_fields(org, source):
    with pytest.raises(ValidationError) as error:
        services.template_save(organization=org, name="Bad", email_subject="Hi", email_body=source)
    assert "email_body" in error.value.message_dict
    assert not ThankYouTemplate.objects.filter(name="Bad").exists()


def test_each_kind_starts_with_its_own_words_and_never_borrows_the_gift_letter(org, monkeypatch):
    milestone = Thankable(
        kind="milestone",
        label="Milestones",
        candidates=lambda organization: ThankYouTemplate.objects.none(),
        describe=lambda organization, ids: {},
        sample=lambda organization: {"first_name": "Noor", "hours": "50"},
        rules=(Rule.VOLUNTEER_MILESTONE,),
        default_template=DefaultTemplate(
            name="Thank you for your time",
            email_subject="Thank you, {{ first_name }}",
            email_body="{{ hours }} hours!",
            letter_body="",
        ),
    )
    # the core alone, with a made-up kind (the apps' own kinds are tested in their apps)
    monkeypatch.setattr(thankables, "_kinds", {"gift": thankables["gift"], "milestone": milestone})
    services.ensure_default_templates(organization=org)
    services.ensure_default_templates(organization=org)  # a second call adds nothing
    assert sorted(ThankYouTemplate.objects.values_list("rule", flat=True)) == [
        Rule.DEFAULT,
        Rule.VOLUNTEER_MILESTONE,
    ]
    item = ThankItem(contact=None, received_at=timezone.now(), make_fields=dict)
    picked = services.pick_template(organization=org, kind="milestone", item=item)
    assert picked.name == "Thank you for your time"
    assert services.pick_template(organization=org, kind="gift", item=item).rule == Rule.DEFAULT

    # A template is checked with the sample of its own kind: "hours" is a milestone field only.
    services.template_save(
        organization=org,
        name="Hours",
        rule=Rule.VOLUNTEER_MILESTONE,
        email_subject="Thanks",
        email_body="{{ hours }}",
    )
    with pytest.raises(ValidationError) as gift_error:
        services.template_save(
            organization=org, name="Gift hours", email_subject="Hi", email_body="{{ hours }}"
        )
    assert "email_body" in gift_error.value.message_dict
    with pytest.raises(ValidationError) as unknown:
        services.template_save(
            organization=org,
            name="Clients",
            rule=Rule.CLIENT_PARTICIPATION,
            email_subject="Hi",
            email_body="Hi",
        )
    assert "rule" in unknown.value.message_dict


@pytest.mark.django_db
def test_letters_fetch_nothing_from_files_or_the_network(org, monkeypatch):
    opened = []
    monkeypatch.setattr(
        urllib.request.OpenerDirector, "open", lambda *args, **kwargs: opened.append(args) or None
    )
    template = ThankYouTemplate(
        organization=org,
        letter_body=(
            '<img src="file:///etc/passwd"><link rel="attachment" href="file:///etc/hostname">'
            '<img src="http://127.0.0.1:8000/admin/"><link rel="stylesheet" href="https://example.org/x.css">'
            "<p>{{ donor_name }}</p>"
        ),
    )
    pdf = rendering.letter_pdf(
        organization=org,
        template=template,
        fields={"donor_name": "Ada", "date": "", "postal_address": "", "signature": ""},
    )
    assert pdf.startswith(b"%PDF") and not opened
    assert b"/EmbeddedFile" not in pdf  # no attachment made it in


def _stack_depth():
    frame, depth = sys._getframe(), 0
    while frame:
        frame, depth = frame.f_back, depth + 1
    return depth


@pytest.mark.django_db
def test_letters_are_made_on_a_render_thread_at_the_same_depth_from_any_caller(org, monkeypatch):
    """Why: rendering._on_render_thread. A forked pool process starts a render thread of its own."""
    template = ThankYouTemplate(organization=org, letter_body="<p>{{ donor_name }}</p>")
    fields = {"donor_name": "Ada", "date": "", "postal_address": "", "signature": ""}
    made_on, pdf = [], rendering._pdf
    monkeypatch.setattr(
        rendering,
        "_pdf",
        lambda *args, **kwargs: (
            made_on.append((threading.current_thread(), _stack_depth())) or pdf(*args, **kwargs)
        ),
    )

    def deep(levels):
        if levels:
            return deep(levels - 1)
        return rendering.letter_pdf(organization=org, template=template, fields=fields)

    assert deep(0).startswith(b"%PDF") and deep(200).startswith(b"%PDF")
    (thread, depth), (deep_thread, deep_depth) = made_on
    assert thread is deep_thread is not threading.main_thread() and depth == deep_depth

    child = os.fork()
    if child == 0:  # a pool process: the parent's render thread is not here
        try:
            made = rendering.letter_pdf(organization=org, template=template, fields=fields)
            os._exit(0 if made.startswith(b"%PDF") and made_on[-1][0] is not thread else 1)
        finally:
            os._exit(2)
    deadline = time.monotonic() + 30
    while (status := os.waitpid(child, os.WNOHANG)) == (0, 0) and time.monotonic() < deadline:
        time.sleep(0.05)
    if status == (0, 0):  # waiting forever on a thread that was not forked with it
        os.kill(child, signal.SIGKILL)
        status = os.waitpid(child, 0)
    assert status[1] == 0


@pytest.mark.django_db
def test_the_operators_command(org, mailbox, capsys):
    from django.core.management import call_command

    gift(org)
    call_command("run_thankyou_batch", "--org", org.slug, "--dry-run")
    assert "1 to thank" in capsys.readouterr().out and not mailbox.messages
    call_command("run_thankyou_batch", "--org", org.slug)
    assert len(mailbox.messages) == 1


@pytest.mark.django_db
def test_the_hourly_beat_picks_organizations_whose_night_it_is(org, org_b, monkeypatch):
    from thankyous.models import ThankYouSettings

    now = timezone.now()
    ThankYouSettings.objects.create(
        organization=org,
        batch_hour=now.astimezone(ZoneInfo(org.timezone)).hour,
    )
    started = []
    monkeypatch.setattr(
        tasks.run_thankyou_batch,
        "delay",
        lambda **kwargs: started.append(kwargs["organization_id"]),
    )
    tasks.run_thankyou_batches()
    assert org.pk in started


@pytest.mark.django_db
def test_staff_pages_templates_preview_and_errors_next_to_the_field(
    client, org, admin_a, mailbox, django_capture_on_commit_callbacks
):
    client.force_login(admin_a)
    assert client.get("/o/riverside/thank-yous/templates/").status_code == 200
    template = ThankYouTemplate.objects.get(rule=Rule.DEFAULT)  # the default, made on first visit
    url = f"/o/riverside/thank-yous/templates/{template.pk}/"
    page = client.get(url)
    assert b"Preview with a sample donor" in page.content
    assert b"Thank you, Ada" in client.get(f"{url}preview.html").content  # the frame's page
    data = {
        "name": template.name,
        "rule": "default",
        "email_subject": "Thanks {{ first_name }}",
        "email_body": "Hello {{ donor.password }}",
        "letter_body": "<p>{{ salutation }}</p>",
        "paper_size": "A4",
        "attach_letter": "on",
        "is_active": "on",
    }
    response = client.post(url, data)
    assert response.status_code == 200 and "email_body" in response.context["form"].errors
    template.refresh_from_db()
    assert "password" not in template.email_body
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url, {**data, "email_body": "Hello {{ first_name }}", "action": "test"}
        )
    assert response.status_code == 302, response.context["form"].errors
    [test] = mailbox.to(admin_a.email)
    assert test["Subject"] == "[TEST] Thanks Ada"
    assert "Hello Ada" in test.get_body(preferencelist=("html",)).get_content()
    pdf = client.get(f"{url}preview.pdf")
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    html = client.get(f"{url}preview.html")  # framed by the template page: inline styles only
    assert b"<p>Hello Ada</p>" in html.content and html["X-Frame-Options"] == "SAMEORIGIN"
    policy = html["Content-Security-Policy"]
    assert "style-src 'unsafe-inline'" in policy and "script-src 'self'" in policy

    # Live: edits not saved yet are previewed as staff type, and never saved by it.
    data["email_body"] = "Hello {{ first_name }}"
    live = client.post(
        f"{url}preview.html", {**data, "email_html": "<p>Hi <b>{{ first_name }}</b></p>"}
    )
    assert b"<p>Hi <b>Ada</b></p>" in live.content and b'role="alert"' not in live.content
    broken = client.post(f"{url}preview.html", {**data, "email_subject": "{{ donor.id }}"})
    assert b'role="alert"' in broken.content and b"Email subject" in broken.content
    template.refresh_from_db()
    assert template.email_body == "Hello {{ first_name }}" and not template.email_html


def test_both_channels_the_email_tonight_and_the_letter_in_the_print_batch(org, mailbox, admin_a):
    posted = gift(org, email="ada@example.org", street="1 Mill Lane", postal_code="BS1 4DJ")
    refuses_post = gift(org, email="bo@example.org", street="2 Mill Lane", postal_code="BS1 4DJ")
    stakeholder_services.consent_record(
        organization=org,
        contact=refuses_post.contact,
        channel="post",
        purpose="thank_yous",
        granted=False,
        source="staff",
    )
    email_only = gift(org, email="cy@example.org")
    services.ensure_default_templates(organization=org)
    ThankYouTemplate.objects.update(post_letter_too=True)
    services.run_batch(organization=org)

    rows = {r.target_id: r for r in Acknowledgment.objects.all()}
    assert (rows[posted.pk].channel, rows[posted.pk].state) == ("both", "print")
    assert rows[posted.pk].sent_at is not None  # the email counts for time to thank
    assert {rows[refuses_post.pk].channel, rows[email_only.pk].channel} == {"email"}
    assert len(mailbox.messages) == 3
    emailed_at = rows[posted.pk].sent_at

    (batch,) = services.print_batch_create(organization=org, user=admin_a, staff_role="admin")
    assert batch.letters == 1
    services.print_batch_mark_printed(organization=org, batch=batch, user=admin_a)
    row = Acknowledgment.objects.get(target_id=posted.pk)
    assert (row.state, row.sent_at) == ("sent", emailed_at)
    services.run_batch(organization=org)
    assert len(mailbox.messages) == 3  # nothing twice


@pytest.mark.django_db
def test_a_signature_image_is_checked_and_printed_in_the_letter(client, org, admin_a):
    client.force_login(admin_a)
    client.get("/o/riverside/thank-yous/templates/")
    template = ThankYouTemplate.objects.get(rule="default")
    url = f"/o/riverside/thank-yous/templates/{template.pk}/"
    data = {
        "name": template.name,
        "rule": "default",
        "email_subject": template.email_subject,
        "email_body": template.email_body,
        "letter_body": template.letter_body,
        "paper_size": "A4",
        "attach_letter": "on",
        "is_active": "on",
    }
    not_an_image = SimpleUploadedFile("sig.png", b"#!/bin/sh\nrm -rf /", "image/png")
    refused = client.post(url, {**data, "signature_image": not_an_image})
    assert "signature_image" in refused.context["form"].errors

    png = io.BytesIO()
    Image.new("RGB", (300, 80), "navy").save(png, "PNG")
    signature = SimpleUploadedFile("amara.png", png.getvalue(), "image/png")
    assert client.post(url, {**data, "signature_image": signature}).status_code == 302
    template.refresh_from_db()
    assert template.signature_image.name.startswith(f"organizations/{org.pk}/signature-")
    pdf = client.get(f"{url}preview.pdf").content
    assert len(PdfReader(io.BytesIO(pdf)).pages[0].images) == 1  # the signature, fetched locally

    assert client.post(url, {**data, "signature_image-clear": "on"}).status_code == 302
    template.refresh_from_db()
    assert not template.signature_image


@pytest.mark.django_db
def test_thank_now_from_the_gift_page_and_the_letter_download(
    client, org, admin_a, mailbox, django_capture_on_commit_callbacks
):
    one = gift(org)
    client.force_login(admin_a)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/o/riverside/donors/gifts/{one.pk}/", {"action": "thank_now"})
    row = Acknowledgment.objects.get()
    assert row.state == "sent" and len(mailbox.messages) == 1
    page = client.get(f"/o/riverside/donors/gifts/{one.pk}/")
    assert b"Download the letter" in page.content
    letter = client.get(f"/o/riverside/thank-yous/acknowledgments/{row.pk}/letter.pdf")
    assert b"".join(letter.streaming_content).startswith(b"%PDF")


@pytest.mark.django_db
def test_print_batch_merges_letters_and_marking_printed_sends_them(client, org, admin_a):
    for i in range(2):
        gift(org, email="", street=f"{i} High Street", postal_code=f"BS{i} 1AA", city="Bristol")
    services.run_batch(organization=org)
    client.force_login(admin_a)
    client.post("/o/riverside/thank-yous/print-batches/new/")
    from thankyous.models import PrintBatch

    batch = PrintBatch.objects.get()
    assert batch.letters == 2

    merged = PdfReader(
        io.BytesIO(
            b"".join(
                client.get(
                    f"/o/riverside/thank-yous/print-batches/{batch.pk}/letters.pdf"
                ).streaming_content
            )
        )
    )
    assert len(merged.pages) >= 3  # a cover sheet and two letters
    client.post(f"/o/riverside/thank-yous/print-batches/{batch.pk}/printed/")
    assert set(Acknowledgment.objects.values_list("state", flat=True)) == {"sent"}


@pytest.mark.django_db
def test_review_rows_can_be_retried_or_skipped(client, org, admin_a, mailbox):
    gift(org)
    services.enqueue(organization=org)
    row = Acknowledgment.objects.get()
    row.state = "review"
    row.save()
    client.force_login(admin_a)
    page = client.get("/o/riverside/thank-yous/")
    assert b"Need a person" in page.content
    client.post(f"/o/riverside/thank-yous/acknowledgments/{row.pk}/skip/", {"reason": ""})
    row.refresh_from_db()
    assert row.state == "review"
    client.post(f"/o/riverside/thank-yous/acknowledgments/{row.pk}/retry/")
    row.refresh_from_db()
    assert row.state == "pending"


@pytest.mark.django_db
def test_time_to_thank_figures(org, mailbox):
    gift(org)
    services.run_batch(organization=org)
    Acknowledgment.objects.update(received_at=timezone.now() - timedelta(hours=30))
    from thankyous import selectors

    figures = selectors.time_to_thank(organization=org)
    assert figures["count"] == 1 and 29 < figures["median"] < 31
    assert dict(figures["buckets"])["1–2 days"] == 1


@pytest.mark.django_db
def test_the_api(client, org, admin_a, mailbox):
    from tests.factories import ApiTokenFactory

    token = ApiTokenFactory(organization=org, user=admin_a)
    client.defaults["HTTP_AUTHORIZATION"] = f"Token {token.key}"
    gift(org)
    services.run_batch(organization=org)
    rows = client.get("/api/v1/o/riverside/acknowledgments/?state=sent").json()["results"]
    assert len(rows) == 1 and rows[0]["message_id"]
    response = client.post(
        "/api/v1/o/riverside/thank-you-templates/",
        {"name": "Bad", "rule": "default", "email_subject": "x", "email_body": "{{ settings }}"},
        content_type="application/json",
    )
    assert response.status_code == 400 and "email_body" in response.json()
    ack = Acknowledgment.objects.get()
    response = client.post(
        f"/api/v1/o/riverside/acknowledgments/{ack.pk}/skip/",
        {"reason": "x"},
        content_type="application/json",
    )
    assert response.status_code == 400 and response.json() == {"detail": ["It was already sent."]}


@pytest.mark.django_db
def test_overdue_gifts_alert_admins_once_a_day_and_show_on_the_dashboard(
    client, org, admin_a, mailbox, django_capture_on_commit_callbacks, settings
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    gift(org, email="")  # nobody to email: let it wait
    services.enqueue(organization=org)
    Acknowledgment.objects.update(state="review", received_at=timezone.now() - timedelta(hours=72))
    with django_capture_on_commit_callbacks(execute=True):
        assert services.alert_overdue(organization=org) == 1
        assert services.alert_overdue(organization=org) == 0  # once a day
    [alert] = mailbox.to(admin_a.email)
    assert "waiting to be thanked" in alert["Subject"]
    client.force_login(admin_a)
    assert b"waiting more than 2 days" in client.get("/o/riverside/").content


@pytest.mark.django_db
def test_deceased_or_unsubscribed_between_enqueue_and_send_are_not_sent(org, mailbox):
    one, two = gift(org, email="a@example.org"), gift(org, email="b@example.org")
    services.ensure_default_templates(organization=org)
    services.enqueue(organization=org)
    one.contact.deceased = True
    one.contact.save()
    stakeholder_services.consent_record(
        organization=org,
        contact=two.contact,
        channel="email",
        purpose="thank_yous",
        granted=False,
        source="unsubscribe",
    )
    services.process(organization=org)
    assert dict(Acknowledgment.objects.values_list("target_id", "skip_reason")) == {
        one.pk: "deceased",
        two.pk: "no consent",
    }
    assert not mailbox.messages


@pytest.mark.django_db
def test_the_most_specific_template_wins(org, mailbox):
    services.ensure_default_templates(organization=org)
    services.template_save(
        organization=org,
        name="Big",
        rule="major_gift",
        major_threshold=Decimal("1000"),
        email_subject="Major",
        email_body="x",
    )
    services.template_save(
        organization=org, name="Tribute", rule="tribute", email_subject="In memory", email_body="x"
    )
    services.template_save(
        organization=org, name="Welcome", rule="first_gift", email_subject="Welcome", email_body="x"
    )
    gift(org, email="first@example.org")
    big = gift(org, email="big@example.org", amount="5000")
    contact = ContactFactory(organization=org, email="tribute@example.org")
    donor_services.gift_record(
        organization=org,
        contact=contact,
        amount=Decimal("5"),
        received_on=TODAY,
        tribute="memory",
        tribute_name="Rose",
    )
    donor_services.gift_record(
        organization=org, contact=big.contact, amount=Decimal("10"), received_on=TODAY
    )
    services.run_batch(organization=org)
    subjects = {m["To"]: [] for m in mailbox.messages}
    for message in mailbox.messages:
        subjects[message["To"]].append(message["Subject"])
    assert subjects["first@example.org"] == ["Welcome"]
    assert subjects["tribute@example.org"] == ["In memory"]
    assert sorted(subjects["big@example.org"]) == ["Major", "Thank you, Ada"]


@pytest.mark.django_db
def test_rows_taken_but_not_started_by_a_dead_worker_go_back_to_the_queue(org, mailbox):
    gift(org)
    services.ensure_default_templates(organization=org)
    services.enqueue(organization=org)
    Acknowledgment.objects.update(state="claimed", claimed_at=timezone.now() - timedelta(hours=1))
    services.run_batch(organization=org)
    assert Acknowledgment.objects.get().state == "sent" and len(mailbox.messages) == 1


@pytest.mark.parametrize(
    ("language", "amount", "currency", "words"),
    [
        ("en", "50.00", "GBP", "fifty pounds sterling"),
        ("en", "12.50", "EUR", "twelve euro, fifty cents"),
        ("fr", "7", "EUR", "sept euros"),
        ("fa", "7", "USD", "هفت دلار آمریکا"),
        ("kk", "50", "KZT", "елу теңге"),
        ("kk", "21", "KZT", "жиырма бір теңге"),
        ("kk", "1250", "KZT", "бір мың екі жүз елу теңге"),  # as banknotes write it
        # Khmer: ICU counts (words joined by zero-width spaces, as Khmer is written)
        ("km", "7", "USD", "ប្រាំពីរ ដុល្លារ\u200bអាមេរិក"),
        ("km", "1250", "KHR", "មួយ\u200bពាន់\u200bពីរ\u200bរយ\u200bហាសិប រៀល\u200bកម្ពុជា"),
        ("km", "100", "USD", "មួយ\u200bរយ ដុល្លារ\u200bអាមេរិក"),
        ("fa", "21", "USD", "بیست و یک دلار آمریکا"),
        ("fa", "1250000", "IRR", "یک میلیون و دویست و پنجاه هزار ریال ایران"),
    ],
)
def test_amounts_in_words_in_the_letters_language(language, amount, currency, words):
    from donors.thanks import _in_words

    with translation.override(language):
        assert _in_words(amount, currency) == words


def test_the_clock_to_thank_starts_when_the_gift_came_in(org):
    """A gift entered days after it came has been waiting since the day it came; one entered
    the day it came counts from its entry."""
    from donors.thanks import describe

    late = gift(org, email="late@example.org")
    late.received_on = TODAY - timedelta(days=3)
    late.save(update_fields=["received_on"])
    same_day = gift(org, email="today@example.org")
    items = describe(org, [late.pk, same_day.pk])
    zone = ZoneInfo(org.timezone)
    assert items[late.pk].received_at.astimezone(zone).date() == TODAY - timedelta(days=2)
    assert items[late.pk].received_at.astimezone(zone).hour == 0
    assert items[same_day.pk].received_at == same_day.created_at


@pytest.mark.django_db
def test_merge_fields_are_written_in_the_recipients_language(org, mailbox):
    """Dates and amounts follow the donor's language, not the organization's or the worker's."""
    gift(org, email="amelie@example.org", preferred_language="fr")
    gift(org, email="ada@example.org")
    services.run_batch(organization=org)
    bodies = {
        m["To"]: m.get_body(preferencelist=("plain",)).get_content() for m in mailbox.messages
    }
    french_month = format_date(TODAY, "MMMM", locale="fr")
    english_month = format_date(TODAY, "MMMM", locale="en")
    assert f"{TODAY.day} {french_month} {TODAY.year}" in bodies["amelie@example.org"]
    assert "50,00" in bodies["amelie@example.org"]
    assert f"{TODAY.day} {english_month} {TODAY.year}" in bodies["ada@example.org"]  # not US
    assert "£50.00" in bodies["ada@example.org"]


@pytest.mark.django_db
def test_the_nightly_task_fans_out_in_chunks_that_thank_everything_once(org, mailbox, monkeypatch):
    monkeypatch.setattr(services, "TASK_SIZE", 2)
    for i in range(5):
        gift(org, email=f"d{i}@example.org")
    assert tasks.run_thankyou_batch.delay(organization_id=org.pk).get() == {"due": 5, "tasks": 3}
    assert set(Acknowledgment.objects.values_list("state", flat=True)) == {"sent"}
    assert sorted(m["To"] for m in mailbox.messages) == [f"d{i}@example.org" for i in range(5)]
    assert tasks.run_thankyou_batch.delay(organization_id=org.pk).get() == {"due": 0, "tasks": 0}


def test_the_batch_writes_to_the_acknowledgment_table():
    """The batch's hot path writes by SQL: it must name the model's table."""
    table = Acknowledgment._meta.db_table
    assert all(
        sql.split()[1] == table
        for sql in (services.SENT_SQL, services.REFUSED_SQL, services.SENDING_SQL)
    )
