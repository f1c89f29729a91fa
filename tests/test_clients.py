"""Clients: requests from the public form to resolution, the clocks on them, escalation, the
help centre, service records and the participation thank-you, encryption and merge/erase."""

import io
from datetime import UTC, datetime, time, timedelta
from urllib.parse import urlsplit

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.utils import timezone

from clients import selectors, services, thanks
from clients.models import (
    AccessLog,
    Article,
    Attachment,
    HelpSearch,
    ProgrammeCompletion,
    RequestMessage,
    ServiceRequest,
)
from stakeholders import services as stakeholder_services
from stakeholders.models import Contact, Feedback, Interaction, Role, SurveyRule, WorkingHours
from stakeholders.public_forms import form_started_token
from stakeholders.registries import contact_hooks
from stakeholders.tenancy.models import organization_scope
from tests.factories import (
    ArticleCategoryFactory,
    ArticleFactory,
    ContactFactory,
    ProgrammeFactory,
    RequestCategoryFactory,
    ServiceLevelFactory,
    SessionFactory,
)
from thankyous import services as thankyou_services
from thankyous.models import Acknowledgment

pytestmark = pytest.mark.django_db


@pytest.fixture
def org(org_a, settings):
    settings.CLIENTS_FORM_MIN_SECONDS = 0
    org_a.timezone = "Europe/London"
    org_a.save()
    with organization_scope(org_a):
        yield org_a


@pytest.fixture
def caseworker(org, member_factory):
    return member_factory(
        org, role=Role.CASEWORKER, user__name="Cara Case", user__email="cara@example.org"
    )


@pytest.fixture
def staff(client, caseworker):
    client.force_login(caseworker)
    return client


def around_the_clock(org):
    services.client_settings_save(organization=org, around_the_clock=True)


def new_request(org, **fields):
    contact = fields.pop("contact", None) or ContactFactory(
        organization=org, email="sam@example.org"
    )
    fields.setdefault("subject", "My food parcel did not arrive")
    fields.setdefault("channel", "phone")
    return services.request_create(organization=org, contact=contact, **fields)


def public_form(**overrides):
    data = {
        "first_name": "Samira",
        "last_name": "Haddad",
        "email": "Samira@Example.org",
        "phone": "",
        "subject": "Help with my housing benefit form",
        "description": "Page 3 asks for my landlord's details.",
        "started": form_started_token(),
        "website": "",
    }
    data.update(overrides)
    return data


# --- The public form, the email and the status page ----------------------------------------


def test_request_numbers_count_within_each_organization(org, org_b, staff, mailbox):
    """An organization's third request is #3, whatever others have; the number is what the
    queue, the page, the client's emails and the API show."""
    first, second = new_request(org), new_request(org)
    with organization_scope(org_b):
        theirs = services.request_create(
            organization=org_b,
            contact=ContactFactory(organization=org_b, email="b@example.org"),
            subject="Elsewhere",
            channel="phone",
        )
    third = new_request(org, contact=ContactFactory(organization=org, email="t@example.org"))
    assert (first.number, second.number, third.number, theirs.number) == (1, 2, 3, 1)
    assert str(third) == "#3"
    page = staff.get(f"/o/{org.slug}/clients/requests/{third.pk}/")
    assert b"<h1>#3 " in page.content
    queue = staff.get(f"/o/{org.slug}/clients/").content.decode()
    assert "#3 My food parcel" in queue


def test_a_client_asks_follows_the_link_and_adds_a_message(client, org, mailbox):
    response = client.post("/o/riverside/help/request/", public_form(thank_you_consent="on"))
    assert response.status_code == 200, response.content
    assert b"we have your request" in response.content
    contact = Contact.objects.get(email="samira@example.org")
    assert contact.is_client and contact.name == "Samira Haddad"
    request = ServiceRequest.objects.get(contact=contact)
    assert request.status == "new" and request.channel == "web_form"
    assert request.first_response_due_at and request.next_due_at == request.first_response_due_at
    # the arrival is on the timeline, without the words
    arrival = Interaction.objects.get(related_kind="clients.request", related_id=request.pk)
    assert arrival.direction == "inbound" and "housing" not in arrival.subject

    (email,) = mailbox.to("samira@example.org")
    link = next(url for url in mailbox.links(email) if "/help/request/confirm/" in url)
    confirm = urlsplit(link).path
    assert client.get(confirm).status_code == 200  # a button only: mail scanners open links
    confirmed = client.post(confirm)
    assert confirmed.status_code == 302
    url = urlsplit(confirmed["Location"])
    assert url.path == "/o/riverside/help/request/status/"
    page = client.get(f"{url.path}?{url.query}")
    assert page.status_code == 200 and b"Help with my housing benefit form" in page.content
    assert page["Referrer-Policy"] == "same-origin"

    posted = client.post(f"{url.path}?{url.query}", {"body": "I found the landlord's letter."})
    assert posted.status_code == 302
    message = RequestMessage.objects.get(request=request)
    assert message.kind == "client" and message.interaction.direction == "inbound"


def test_a_known_email_is_matched_not_duplicated(client, org):
    known = ContactFactory(organization=org, email="samira@example.org", first_name="Sam")
    client.post("/o/riverside/help/request/", public_form())
    assert Contact.objects.filter(email="samira@example.org").count() == 1
    known.refresh_from_db()
    assert known.first_name == "Sam"  # details never changed by the form
    assert ServiceRequest.objects.get().contact == known


def test_the_honeypot_and_a_forged_timestamp_store_nothing(client, org):
    trapped = client.post("/o/riverside/help/request/", public_form(website="http://spam"))
    assert trapped.status_code == 200 and ServiceRequest.objects.count() == 0
    forged = client.post("/o/riverside/help/request/", public_form(started="12345"))
    assert forged.status_code == 200 and ServiceRequest.objects.count() == 0


def test_a_form_sent_too_fast_is_returned(client, org, settings):
    settings.CLIENTS_FORM_MIN_SECONDS = 30
    response = client.post("/o/riverside/help/request/", public_form())
    assert response.status_code == 400 and b"That was quick" in response.content
    assert ServiceRequest.objects.count() == 0


def test_rate_limits_per_email_answer_429(client, org):
    statuses = [
        client.post("/o/riverside/help/request/", public_form(subject=f"Question {n}")).status_code
        for n in range(6)
    ]
    assert statuses[:5] == [200] * 5 and statuses[5] == 429
    assert ServiceRequest.objects.count() == 5


def test_bad_input_gives_field_errors_and_saves_nothing(client, org):
    response = client.post(
        "/o/riverside/help/request/",
        {
            **public_form(email="not-an-email", subject=""),
            "attachments": SimpleUploadedFile("x.pdf", b"MZ\x90 not a pdf", "application/pdf"),
        },
    )
    assert response.status_code == 400
    assert response.context["form"].errors.keys() >= {"email", "subject"}
    fake = client.post(
        "/o/riverside/help/request/",
        {**public_form(), "attachments": SimpleUploadedFile("x.pdf", b"MZ\x90", "application/pdf")},
    )
    assert fake.status_code == 400
    assert "does not look like a PDF" in str(fake.context["form"].errors["attachments"])
    assert ServiceRequest.objects.count() == 0 and Contact.objects.count() == 0


def test_an_attachment_is_stored_privately_and_served_only_to_caseworkers(
    client, org, staff, settings
):
    client.post(
        "/o/riverside/help/request/",
        {**public_form(), "attachments": SimpleUploadedFile("scan.png", b"\x89PNG\r\n\x1a\nxx")},
    )
    attachment = Attachment.objects.get()
    assert attachment.content_type == "image/png" and attachment.original_name == "scan.png"
    assert str(settings.PRIVATE_FILES_ROOT) in attachment.file.path
    assert not attachment.file.name.endswith(".png")  # random name, no type to sniff
    response = staff.get(f"/o/riverside/clients/attachments/{attachment.pk}/")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert AccessLog.objects.filter(object_kind="attachment", action="download").count() == 1


def test_a_bad_status_link_says_so(client, org):
    assert client.get("/o/riverside/help/request/status/?t=nonsense").status_code == 400


def test_a_status_link_stops_working_a_month_after_the_request_ended(client, org):
    request = new_request(org)
    url = services.status_url(organization=org, request=request)
    path = url[url.index("/o/") :]
    assert client.get(path).status_code == 200
    ServiceRequest.objects.filter(pk=request.pk).update(
        status="resolved", resolved_at=timezone.now() - timedelta(days=29)
    )
    assert client.get(path).status_code == 200  # the client can still answer and reopen it
    ServiceRequest.objects.filter(pk=request.pk).update(
        status="closed", closed_at=timezone.now() - timedelta(days=31)
    )
    expired = client.get(path)
    assert expired.status_code == 400 and request.subject.encode() not in expired.content


# --- Staff: queue, reply, resolve ------------------------------------------------------------


def test_the_queue_is_ordered_by_time_left_and_shows_breaches(staff, org):
    around_the_clock(org)
    now = timezone.now()
    late = new_request(org, priority="urgent", created_at=now - timedelta(hours=3))
    soon = new_request(org, priority="urgent", created_at=now - timedelta(minutes=30))
    later = new_request(org, priority="low")
    response = staff.get("/o/riverside/clients/")
    assert response.status_code == 200
    assert [r.pk for r in response.context["rows"]] == [late.pk, soon.pk, later.pk]
    assert response.context["rows"][0].breached and not response.context["rows"][1].breached
    assert b"Overdue by" in response.content
    breached = staff.get("/o/riverside/clients/?view=breached")
    assert [r.pk for r in breached.context["rows"]] == [late.pk]


def test_the_queue_pages_by_key(staff, org):
    around_the_clock(org)
    for _n in range(selectors.QUEUE_PAGE + 3):
        new_request(org)
    first = staff.get("/o/riverside/clients/")
    assert len(first.context["rows"]) == selectors.QUEUE_PAGE and first.context["next_query"]
    second = staff.get(f"/o/riverside/clients/?{first.context['next_query']}")
    assert len(second.context["rows"]) == 3
    assert not {r.pk for r in first.context["rows"]} & {r.pk for r in second.context["rows"]}


def test_staff_reply_emails_the_client_and_stops_the_first_clock(staff, org, mailbox):
    request = new_request(org)
    response = staff.post(
        f"/o/riverside/clients/requests/{request.pk}/",
        {"action": "reply", "reply-body": "We will redeliver on Friday.", "reply-then": "waiting"},
    )
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.first_responded_at and request.first_response_breached is False
    assert request.status == "waiting" and request.next_due_at is None  # paused
    (email,) = mailbox.to("sam@example.org")
    assert "We will redeliver on Friday." in mailbox.text(email)
    assert any("/help/request/status/" in url for url in mailbox.links(email))
    reply = RequestMessage.objects.get(request=request, kind="reply")
    assert reply.interaction.channel == "email" and reply.interaction.related_id == request.pk


def test_a_call_and_a_note(staff, org):
    request = new_request(org)
    staff.post(
        f"/o/riverside/clients/requests/{request.pk}/",
        {"action": "call", "call-direction": "outbound", "call-body": "Left a voicemail."},
    )
    staff.post(
        f"/o/riverside/clients/requests/{request.pk}/",
        {"action": "note", "note-body": "Check with the warehouse."},
    )
    kinds = list(RequestMessage.objects.filter(request=request).values_list("kind", flat=True))
    assert kinds == ["call", "note"]
    assert Interaction.objects.filter(related_id=request.pk).count() == 2  # arrival + call


def test_a_complaint_is_resolved_only_with_what_was_done_and_satisfaction(staff, org, mailbox):
    request = new_request(org, kind="complaint")
    url = f"/o/riverside/clients/requests/{request.pk}/"
    refused = staff.post(url, {"action": "resolve", "resolve-summary": "Sorted."})
    assert refused.status_code == 400
    assert refused.context["forms"]["resolve"].errors.keys() == {
        "resolution_action",
        "satisfaction_restored",
    }
    request.refresh_from_db()
    assert request.status == "new" and not RequestMessage.objects.exists()  # nothing half-saved
    done = staff.post(
        url,
        {
            "action": "resolve",
            "resolve-summary": "A new parcel was delivered today.",
            "resolve-resolution_action": "Delivered a replacement and apologised.",
            "resolve-satisfaction_restored": "yes",
        },
    )
    assert done.status_code == 302
    request.refresh_from_db()
    assert request.status == "resolved" and request.satisfaction_restored is True
    assert request.resolution_seconds is not None and request.resolution_breached is False
    (email,) = mailbox.to("sam@example.org")
    survey = next(url for url in mailbox.links(email) if "/feedback/" in url)
    client_answer = staff.post(urlsplit(survey).path, {"score": "5"})
    assert client_answer.status_code in (200, 302)
    feedback = Feedback.objects.get()
    assert feedback.score == 5 and feedback.interaction.related_kind == "clients.request"


def test_a_fundraiser_cannot_be_assigned(org, member_factory):
    request = new_request(org)
    fundraiser = member_factory(org, role=Role.FUNDRAISER)
    with pytest.raises(ValidationError) as error:
        services.request_assign(organization=org, request=request, assignee=fundraiser)
    assert "assignee" in error.value.message_dict


def test_staff_open_a_request_for_a_new_client(staff, org):
    response = staff.post(
        "/o/riverside/clients/requests/new/",
        {
            "first_name": "Li",
            "last_name": "Wei",
            "email": "li@example.org",
            "channel": "in_person",
            "kind": "request",
            "priority": "high",
            "subject": "Needs a referral",
        },
    )
    assert response.status_code == 302
    request = ServiceRequest.objects.get()
    assert request.contact.email == "li@example.org" and request.priority == "high"


# --- Clocks on requests ----------------------------------------------------------------------


LONDON_MONDAY_10 = datetime(2026, 11, 23, 10, tzinfo=UTC)  # 10:00 in London (GMT)


def test_targets_count_working_hours_and_waiting_pauses(org):
    category = RequestCategoryFactory(organization=org, name="Housing")
    ServiceLevelFactory(
        organization=org,
        category=category,
        priority="normal",
        first_response_minutes=4 * 60,
        resolution_minutes=16 * 60,
    )
    request = new_request(org, category=category, created_at=LONDON_MONDAY_10)
    assert request.first_response_due_at == datetime(2026, 11, 23, 14, tzinfo=UTC)
    # 16 working hours from Monday 10:00 (9–5 days): Wednesday 10:00
    assert request.resolution_due_at == datetime(2026, 11, 25, 10, tzinfo=UTC)
    # waiting on the client for one working day pushes the resolution by one day
    request.pauses = [["2026-11-23T12:00:00+00:00", "2026-11-24T12:00:00+00:00"]]
    services._refresh_clocks(request, organization=org)
    assert request.resolution_due_at == datetime(2026, 11, 26, 10, tzinfo=UTC)


def test_changing_hours_moves_open_deadlines(org):
    request = new_request(org, priority="urgent", created_at=LONDON_MONDAY_10)
    assert request.first_response_due_at == datetime(2026, 11, 23, 11, tzinfo=UTC)
    WorkingHours.objects.create(organization=org, weekday=0, opens=time(11), closes=time(12))
    services.refresh_open_clocks(organization=org)
    request.refresh_from_db()
    assert request.first_response_due_at == datetime(2026, 11, 23, 12, tzinfo=UTC)


def test_waiting_pauses_and_a_client_message_resumes(org):
    around_the_clock(org)
    request = new_request(org)
    services.request_set_status(organization=org, request=request, status="waiting")
    assert request.next_due_at is None and request.waiting_since
    services.request_client_message(organization=org, request=request, body="Here it is.")
    request.refresh_from_db()
    assert request.status == "open" and request.next_due_at and request.pauses[0][1]


def test_a_closed_request_cannot_be_reopened(org):
    request = new_request(org)
    services.request_set_status(organization=org, request=request, status="closed")
    with pytest.raises(ValidationError):
        services.request_set_status(organization=org, request=request, status="open")
    with pytest.raises(ValidationError):
        services.request_client_message(organization=org, request=request, body="Hello?")


# --- Escalation --------------------------------------------------------------------------------


def test_escalation_tells_the_assignee_then_the_lead_once_each(
    org, caseworker, mailbox, member_factory
):
    around_the_clock(org)
    lead = member_factory(org, role=Role.CASEWORKER, user__email="lead@example.org")
    services.client_settings_save(organization=org, team_lead=lead, warn_before_minutes=60)
    request = new_request(org, priority="urgent", assignee=caseworker)  # 1 hour to respond
    assert services.escalate(organization=org) == 1
    assert services.escalate(organization=org) == 0  # idempotent
    assert [m.recipients for m in mailbox.messages] == [["cara@example.org"]]
    later = request.next_due_at + timedelta(minutes=1)
    assert services.escalate(organization=org, now=later) == 1
    assert services.escalate(organization=org, now=later) == 0
    assert mailbox.messages[-1].recipients == ["lead@example.org"]
    assert "Breached" in mailbox.messages[-1]["Subject"]
    assert "food parcel" not in mailbox.text(mailbox.messages[-1])  # no client words in alerts


def test_the_beat_task_fans_out_per_organization(org, caseworker):
    from clients import tasks

    around_the_clock(org)
    new_request(org, priority="urgent", assignee=caseworker)
    assert tasks.escalate_all() == 1


# --- Help centre ---------------------------------------------------------------------------------


@pytest.fixture
def articles(org, caseworker):
    category = ArticleCategoryFactory(organization=org, name="Food")
    saved = []
    for title, body in [
        ("Applying for food parcels", "Bring proof of address when you apply."),
        ("Opening hours", "The hall opens on Tuesdays and Thursdays."),
    ]:
        article = ArticleFactory.build(organization=org, category=category, title=title, body=body)
        saved.append(services.article_save(organization=org, article=article, actor=caseworker))
    return saved


def test_help_search_stems_in_the_organizations_language_and_logs_misses(client, org, articles):
    response = client.get("/o/riverside/help/?q=applied+parcel")
    assert response.status_code == 200
    assert [a.title for a in response.context["results"]] == ["Applying for food parcels"]
    client.get("/o/riverside/help/?q=wheelchair")
    assert list(HelpSearch.objects.values_list("query", "results").order_by("id")) == [
        ("applied parcel", 1),
        ("wheelchair", 0),
    ]
    assert selectors.unmet_searches(organization=org, since=timezone.now() - timedelta(days=1)) == [
        {"query": "wheelchair", "times": 1}
    ]


def test_each_version_is_indexed_in_its_own_language(
    org, articles, django_capture_on_commit_callbacks
):
    """A version's words are stemmed by its own language's rules, not the organization's: a
    new default language leaves what is written in English English."""

    def vector(pk):
        return str(Article.objects.values_list("search_vector", flat=True).get(pk=pk))

    assert "'appli'" in vector(articles[0].pk)  # English stems: "applying" → appli
    with django_capture_on_commit_callbacks(execute=True):
        stakeholder_services.organization_update(organization=org, language="fa")
    assert "'appli'" in vector(articles[0].pk)
    version = services.article_translation_add(
        organization=org, article=articles[0], language="es", actor=None
    )
    version.title, version.body = "Solicitar paquetes de comida", "Traiga un comprobante."
    services.article_save(organization=org, article=version, actor=None)
    assert "'solicit'" in vector(version.pk)  # Spanish stems: "solicitar" → solicit


def test_a_language_without_a_dictionary_falls_back_to_simple(org):
    org.language = "km"
    assert selectors.regconfig_for(org) == "simple"
    org.language = "es"
    assert selectors.regconfig_for(org) == "spanish"


def test_suggestions_as_the_client_types(client, org, articles):
    response = client.get("/o/riverside/help/suggest/?subject=food+parc")
    assert b"Applying for food parcels" in response.content and b"from=request" in response.content
    assert HelpSearch.objects.count() == 0  # typing is not a search


def test_votes_and_deflections_are_counted(client, org, articles):
    article = articles[0]
    client.post(
        f"/o/riverside/help/articles/{article.pk}/vote/", {"helpful": "yes", "deflected": "yes"}
    )
    client.post(f"/o/riverside/help/articles/{article.pk}/vote/", {"helpful": "no"})
    article.refresh_from_db()
    assert (article.helpful_count, article.unhelpful_count, article.deflection_count) == (1, 1, 1)


def test_unpublished_articles_are_not_public(client, org, articles, caseworker):
    article = articles[1]
    article.is_published = False
    services.article_save(organization=org, article=article, actor=caseworker)
    assert client.get(f"/o/riverside/help/articles/{article.pk}/").status_code == 404


# --- Service records and the participation thank-you ----------------------------------------


def test_attendance_completes_a_programme_and_thanks_only_with_consent(org, caseworker, mailbox):
    programme = ProgrammeFactory(organization=org, sessions_to_complete=2)
    yes = ContactFactory(organization=org, email="yes@example.org", first_name="Yasmin")
    no = ContactFactory(organization=org, email="no@example.org")
    for week in range(2):
        session = SessionFactory(organization=org, programme=programme, title=f"Week {week}")
        services.attendance_record(
            organization=org, session=session, present_ids=[yes.pk, no.pk], actor=caseworker
        )
    assert ProgrammeCompletion.objects.count() == 2
    services.completion_record(
        organization=org, contact=yes, programme=programme, consent=True, actor=caseworker
    )
    items = thanks.describe(org, list(thanks.candidates(org).values_list("pk", flat=True)))
    by_contact = {item.contact.pk: item for item in items.values()}
    assert by_contact[yes.pk].fields["programme"] == programme.name

    thankyou_services.run_batch(organization=org)
    rows = {
        row.contact_id: row for row in Acknowledgment.objects.filter(kind="client_participation")
    }
    assert rows[yes.pk].state == "sent" and rows[no.pk].state == "skipped"
    assert rows[no.pk].skip_reason == "no consent"
    (email,) = mailbox.to("yes@example.org")
    assert programme.name in mailbox.text(email) and not mailbox.to("no@example.org")


def test_service_records_page_records_and_logs(staff, org):
    programme = ProgrammeFactory(organization=org)
    contact = ContactFactory(organization=org)
    response = staff.post(
        f"/o/riverside/clients/contacts/{contact.pk}/services/",
        {
            "section": "record",
            "programme": programme.pk,
            "delivered_on": timezone.localdate().isoformat(),
            "quantity": "2",
            "notes": "Debt advice: agreed a payment plan.",
        },
    )
    assert response.status_code == 302
    contact.refresh_from_db()
    assert contact.is_client
    page = staff.get(f"/o/riverside/clients/contacts/{contact.pk}/services/")
    assert b"agreed a payment plan" in page.content
    assert AccessLog.objects.filter(contact_id=contact.pk, object_kind="service_record").exists()


# --- Confidentiality ---------------------------------------------------------------------------


def test_free_text_is_encrypted_at_rest(org):
    request = new_request(org, description="My landlord is threatening eviction.")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT subject, description FROM clients_servicerequest WHERE id = %s", [request.pk]
        )
        subject, description = cursor.fetchone()
    assert subject.startswith("fernet:") and "eviction" not in description
    assert ServiceRequest.objects.get(pk=request.pk).description == (
        "My landlord is threatening eviction."
    )


def test_the_access_log_is_append_only(org, caseworker):
    services.access_record(
        organization=org, user=caseworker, objects=[("request", 1, None)], action="view", path="/"
    )
    row = AccessLog.objects.get()
    with pytest.raises(PermissionError):
        row.save()
    with pytest.raises(PermissionError):
        row.delete()
    with pytest.raises(PermissionError):
        AccessLog.objects.update(action="edited")
    with pytest.raises(PermissionError):
        AccessLog.objects.all().delete()
    from django.db import DatabaseError, transaction

    for statement in (
        "UPDATE clients_accesslog SET action = 'edited'",
        "DELETE FROM clients_accesslog",
        "TRUNCATE clients_accesslog",
    ):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL steward.allow_truncate = off")
            cursor.execute(statement)
    assert AccessLog.objects.count() == 1


def test_the_access_log_page_is_for_admins(client, org, caseworker, admin_a):
    client.force_login(caseworker)
    assert client.get("/o/riverside/clients/access-log/").status_code == 404
    client.force_login(admin_a)
    assert client.get("/o/riverside/clients/access-log/").status_code == 200


def test_the_contact_page_shows_the_client_panel_to_caseworkers_only(
    client, org, caseworker, member_factory
):
    request = new_request(org)
    contact_url = f"/o/riverside/contacts/{request.contact_id}/"
    panels_url = f"{contact_url}panels/"  # the page loads its panels after it
    client.force_login(caseworker)
    page = client.get(panels_url)
    assert b"Client services" in page.content and b"food parcel" in page.content
    assert (
        AccessLog.objects.filter(object_kind="contact", contact_id=request.contact_id).count() == 1
    )
    client.force_login(member_factory(org, role=Role.FUNDRAISER))
    page = client.get(panels_url)
    assert b"Client services" not in page.content and b"food parcel" not in page.content
    page = client.get(contact_url)
    assert b'badge--role">Client<' not in page.content  # not even that they are a client


# --- Merge, erase, export ------------------------------------------------------------------------


def test_merge_moves_requests_and_erase_removes_the_words(org, caseworker):
    request = new_request(org, description="Details about my debts.")
    services.request_note(organization=org, request=request, author=caseworker, body="Sensitive.")
    other = ContactFactory(organization=org)
    stakeholder_services.contact_merge(
        organization=org, keep=other, remove=request.contact, actor=caseworker
    )
    request.refresh_from_db()
    assert request.contact_id == other.pk
    exported = next(h for h in contact_hooks if h.name == "clients").export(
        organization=org, contact=other
    )
    assert exported["service_requests"][0]["description"] == "Details about my debts."
    assert exported["request_messages"] == []  # internal notes are not the client's data
    stakeholder_services.contact_erase(organization=org, contact=other, actor=caseworker)
    request.refresh_from_db()
    assert request.description == "" and request.status == "closed"
    assert RequestMessage.objects.get().body == "—"


# --- Reports and dashboard ---------------------------------------------------------------------


def test_reports_and_dashboard(staff, org, caseworker):
    around_the_clock(org)
    complaint = new_request(org, kind="complaint", complaint_category=None)
    services.request_resolve(
        organization=org,
        request=complaint,
        actor=caseworker,
        summary="Done",
        resolution_action="Apologised",
        satisfaction_restored=False,
    )
    new_request(org)
    report = selectors.timing_report(organization=org, since=timezone.now() - timedelta(days=30))
    assert report["overall"]["requests"] == 2 and report["overall"]["breach_rate"] == 0
    assert (
        selectors.satisfaction_restored_rate(
            organization=org, since=timezone.now() - timedelta(days=1)
        )
        == 0
    )
    page = staff.get("/o/riverside/clients/reports/")
    assert page.status_code == 200 and b"<svg" in page.content
    dashboard = staff.get("/o/riverside/")
    assert b"Service requests" in dashboard.content and b"Breached now" in dashboard.content


def test_staff_pages_render(staff, org, articles):
    programme = ProgrammeFactory(organization=org)
    session = SessionFactory(organization=org, programme=programme)
    for path in [
        "/o/riverside/clients/requests/new/",
        "/o/riverside/clients/articles/",
        "/o/riverside/clients/articles/new/",
        f"/o/riverside/clients/articles/{articles[0].pk}/",
        "/o/riverside/clients/programmes/",
        f"/o/riverside/clients/programmes/{programme.pk}/",
        f"/o/riverside/clients/sessions/{session.pk}/",
        "/o/riverside/help/",
        f"/o/riverside/help/articles/{articles[0].pk}/",
        "/o/riverside/help/request/",
    ]:
        assert staff.get(path).status_code == 200, path


def test_settings_save_targets_hours_and_holidays(client, org, admin_a):
    client.force_login(admin_a)
    assert client.get("/o/riverside/clients/settings/").status_code == 200
    response = client.post(
        "/o/riverside/clients/settings/",
        {"section": "holiday", "holiday-date": "2026-12-25", "holiday-name": "Christmas Day"},
    )
    assert response.status_code == 302
    again = client.post(
        "/o/riverside/clients/settings/",
        {"section": "holiday", "holiday-date": "2026-12-25", "holiday-name": "Again"},
    )
    assert again.status_code == 400 and "date" in again.context["holiday_form"].errors
    levels = client.post(
        "/o/riverside/clients/settings/",
        {
            "section": "levels",
            "levels-TOTAL_FORMS": "1",
            "levels-INITIAL_FORMS": "0",
            "levels-0-priority": "high",
            "levels-0-first_response_minutes": "30",
            "levels-0-resolution_minutes": "240",
        },
    )
    assert levels.status_code == 302
    assert selectors.targets_for(organization=org, category_id=None, priority="high") == (30, 240)


# --- Requests by email -------------------------------------------------------------------------


def _email(
    subject, body, sender="Samira Haddad <samira@example.org>", attachment=None, in_reply_to=None
):
    from email.message import EmailMessage

    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = sender, "help@riverside.org", subject
    if in_reply_to:
        message["In-Reply-To"] = message["References"] = in_reply_to
    message.set_content(body)
    if attachment:
        message.add_attachment(attachment, maintype="application", subtype="pdf", filename="a.pdf")
    return message.as_bytes()


def test_an_email_becomes_a_request_and_a_reply_joins_it(org, mailbox, monkeypatch):
    import sys

    from django.core.management import call_command

    from clients import inbound

    raw = _email("Parcel missing", "It did not come.\n", attachment=b"%PDF-1.4 x")
    request, created = inbound.receive(organization=org, raw=raw)
    assert created and request.channel == "email" and request.contact.email == "samira@example.org"
    assert request.contact.first_name == "Samira" and Attachment.objects.count() == 1
    (confirmation,) = mailbox.to("samira@example.org")
    assert f"#{request.number}" in confirmation["Subject"]
    reply = _email(
        f"Re: {confirmation['Subject']}",
        "Still waiting.\n\n> It did not come.",
        in_reply_to=confirmation["Message-ID"],
    )
    monkeypatch.setattr(sys, "stdin", type("In", (), {"buffer": io.BytesIO(reply)})())
    call_command("clients_inbound_email", "--org", org.slug)
    message = RequestMessage.objects.get(request=request)
    assert message.body == "Still waiting." and message.kind == "client"
    # someone else quoting the number opens a request of their own
    stranger = _email(f"Re: #{request.number}", "Me too", sender="other@example.org")
    other, created = inbound.receive(organization=org, raw=stranger)
    assert created and other.pk != request.pk
    # so does a forged From with the number but no answer to our email, or a made-up one
    forged = _email(f"Re: #{request.number}", "Cancel my request")
    made_up = _email(f"Re: #{request.number}", "Cancel", in_reply_to=f"<1.{request.pk}.00.x@x.org>")
    for raw in (forged, made_up):
        other, created = inbound.receive(organization=org, raw=raw)
        assert created and other.pk != request.pk
    assert RequestMessage.objects.filter(request=request).count() == 1


def test_attendance_page_adds_and_marks_absent(staff, org):
    programme = ProgrammeFactory(organization=org, sessions_to_complete=None)
    session = SessionFactory(organization=org, programme=programme)
    ada, bo = ContactFactory(organization=org), ContactFactory(organization=org)
    url = f"/o/riverside/clients/sessions/{session.pk}/"
    staff.post(url, {"add": str(ada.pk)})
    staff.post(url, {"add": str(bo.pk), "listed": [str(ada.pk)], "present": []})
    from clients.models import Attendance

    assert dict(Attendance.objects.values_list("contact_id", "status")) == {
        ada.pk: "absent",
        bo.pk: "attended",
    }
    other_org_contact = ContactFactory()
    response = staff.post(url, {"add": str(other_org_contact.pk)}, follow=True)
    assert b"Choose clients of your organization" in response.content


def test_the_queue_page_query_count_does_not_grow(staff, org, django_assert_max_num_queries):
    around_the_clock(org)
    new_request(org)
    staff.get("/o/riverside/clients/")
    with django_assert_max_num_queries(12) as few:
        staff.get("/o/riverside/clients/")
    for _n in range(30):
        new_request(org)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = staff.get("/o/riverside/clients/")
    assert len(response.context["rows"]) == 31


def test_the_deploy_check_wants_encryption_keys(settings):
    from clients.checks import encryption_keys

    settings.FIELD_ENCRYPTION_KEYS = []
    assert [e.id for e in encryption_keys(None)] == ["clients.E001"]
    settings.FIELD_ENCRYPTION_KEYS = ["not-a-key"]
    assert [e.id for e in encryption_keys(None)] == ["clients.E002"]


def test_working_hours_are_saved_and_clashes_refused(client, org, admin_a):
    client.force_login(admin_a)
    form = {
        "section": "hours",
        "hours-TOTAL_FORMS": "2",
        "hours-INITIAL_FORMS": "0",
        "hours-0-weekday": "0",
        "hours-0-opens": "10:00",
        "hours-0-closes": "14:00",
        "hours-1-weekday": "0",
        "hours-1-opens": "10:00",
        "hours-1-closes": "16:00",
    }
    refused = client.post("/o/riverside/clients/settings/", form)
    assert refused.status_code == 400 and WorkingHours.objects.count() == 0
    form["hours-TOTAL_FORMS"] = "1"
    assert client.post("/o/riverside/clients/settings/", form).status_code == 302
    calendar = selectors.calendar_for(organization=org)
    assert calendar.hours == {0: ((time(10), time(14)),)}


def test_the_access_log_pages_by_key(client, org, admin_a, caseworker):
    for n in range(105):
        services.access_record(
            organization=org,
            user=caseworker,
            objects=[("request", n, None)],
            action="view",
            path="/",
        )
    client.force_login(admin_a)
    first = client.get("/o/riverside/clients/access-log/")
    assert len(first.context["rows"]) == 100 and first.context["next_query"]
    older = client.get(f"/o/riverside/clients/access-log/?{first.context['next_query']}")
    assert [r.object_id for r in older.context["rows"]] == [4, 3, 2, 1, 0]
    assert b"opened" in first.content


def test_reindexing_follows_a_change_of_language(org, articles):
    from django.core.management import call_command

    org.language = "es"
    org.save()
    out = io.StringIO()
    call_command("clients_reindex_articles", "--org", org.slug, stdout=out)
    assert "2 articles reindexed" in out.getvalue()
    found = selectors.article_search(organization=org, query="hours")  # Spanish stems English
    assert [a.title for a in found] == ["Opening hours"]


def test_a_survey_rule_on_resolved_requests_replaces_the_resolution_emails_own_question(
    staff, org, mailbox
):
    """With the experience loop's survey on this touchpoint, the client is asked once, later,
    under their survey cap — not also in the resolution email."""
    with organization_scope(org):
        SurveyRule.objects.create(
            organization=org, name="After a request", touchpoint="clients.request_resolved"
        )
    request = new_request(org)
    done = staff.post(
        f"/o/riverside/clients/requests/{request.pk}/",
        {"action": "resolve", "resolve-summary": "A new parcel was delivered today."},
    )
    assert done.status_code == 302
    (email,) = mailbox.to("sam@example.org")
    assert not [url for url in mailbox.links(email) if "/feedback/" in url]
