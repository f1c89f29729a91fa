"""Being a client is confidential: only caseworkers and admins may learn that a person is a
client, or anything about their case.

One organization holds one client's case — a service request with a distinctive subject, the
client's survey comment after it was resolved, a completed programme with a distinctive name and
its participation thank-you (a posted letter, in a print batch) — and the client is nothing but
a client. Every URL pattern and API route is enumerated from the resolver (as test_isolation
does), its arguments filled with those real objects where they fit, and fetched as a fundraiser,
a volunteer coordinator and a viewer: no page, JSON, CSV or PDF may carry the case's words or
the programme's name, or mark the person as a client (badge, ``roles``, the "client" filter).
"""

import io
import re
from datetime import timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.urls import reverse
from django.utils import timezone
from django_scopes import scopes_disabled
from pypdf import PdfReader

from clients import services as client_services
from clients.models import ServiceRecord, ServiceRequest
from donors import services as donor_services
from stakeholders import services as stakeholder_services
from stakeholders.models import Consent, Contact, Feedback, Interaction, Role
from stakeholders.tenancy.models import organization_scope
from tests.factories import ContactFactory, ProgrammeFactory, SessionFactory
from tests.test_isolation import _factory_for, _params, all_routes
from thankyous import services as thankyou_services
from thankyous.models import Acknowledgment, PrintBatch

pytestmark = pytest.mark.django_db

SUBJECT_WORD = "Marrowgate"  # in the request's subject
COMMENT_WORD = "Wexcombe"  # in the client's survey comment
PROGRAMME = "Larkspur Tenancy Skills"  # the programme they completed
CLIENT_NAME, CLIENT_EMAIL = "Oriel Quenby", "oriel@example.org"
# Words that say "this person is a client" wherever they appear next to them.
MARKERS = ("client_participation", "Service request #")
# Pages about the organization's thank-you templates (no person on them) name the
# participation template's rule.
TEMPLATE_PAGES = (
    "thankyous:template_list",
    "thankyous:template_create",
    "thankyous:template_edit",
    "thank-you-template-list",
    "thank-you-template-detail",
)
OTHER_ROLES = (Role.FUNDRAISER, Role.VOLUNTEER_COORDINATOR, Role.VIEWER)


@pytest.fixture
def casefile(org_a, admin_a, member_factory):
    """One client's case, in every form the product keeps it."""
    caseworker = member_factory(org_a, role=Role.CASEWORKER)
    with organization_scope(org_a):
        person = ContactFactory(
            organization=org_a,
            first_name="Oriel",
            last_name="Quenby",
            email=CLIENT_EMAIL,
            street="3 Ferry Row",
            postal_code="BS2 0AA",
            city="Bristol",
        )
        request = client_services.request_create(
            organization=org_a,
            contact=person,
            subject=f"Eviction notice from {SUBJECT_WORD} Lettings",
            channel="phone",
            actor=caseworker,
        )
        client_services.request_resolve(
            organization=org_a, request=request, actor=caseworker, summary="A hostel place."
        )
        resolved = Interaction.objects.get(related_id=request.pk, subject__endswith="resolved")
        token = stakeholder_services.feedback_link_token(organization=org_a, interaction=resolved)
        feedback = stakeholder_services.feedback_record_from_link(
            organization=org_a, token=token, score=5, comment=f"The {COMMENT_WORD} place saved us"
        )
        programme = ProgrammeFactory(organization=org_a, name=PROGRAMME)
        session = SessionFactory(organization=org_a, programme=programme)
        record = client_services.service_record_add(
            organization=org_a,
            contact=person,
            programme=programme,
            delivered_on=timezone.localdate(),
            quantity=1,
            staff=caseworker,
        )
        client_services.completion_record(
            organization=org_a, contact=person, programme=programme, consent=True, actor=caseworker
        )
        for channel, granted in (("email", False), ("post", True)):  # "by post, not email"
            consent = stakeholder_services.consent_record(
                organization=org_a,
                contact=person,
                channel=channel,
                purpose="thank_yous",
                granted=granted,
                source="staff",
            )
        thankyou_services.run_batch(organization=org_a)
        acknowledgment = Acknowledgment.objects.get(kind="client_participation")
        assert acknowledgment.state == "print" and acknowledgment.pdf
    return SimpleNamespace(
        org=org_a,
        admin=admin_a,
        caseworker=caseworker,
        person=person,
        request=request,
        interaction=resolved,
        token=token,
        feedback=feedback,
        programme=programme,
        session=session,
        record=record,
        consent=consent,
        acknowledgment=acknowledgment,
    )


@pytest.fixture
def print_batch(client, casefile):
    """The admin puts the posted letters into a print batch, as the thank-you page offers."""
    client.force_login(casefile.admin)
    client.post(reverse("thankyous:print_batch_create", kwargs={"org_slug": casefile.org.slug}))
    client.logout()
    with organization_scope(casefile.org):
        return PrintBatch.objects.get()


def _real_objects(case, batch):
    by_argument = {
        "contact_id": case.person,
        "interaction_id": case.interaction,
        "request_id": case.request,
        "ack_id": case.acknowledgment,
        "batch_id": batch,
        "programme_id": case.programme,
        "session_id": case.session,
        "token": SimpleNamespace(pk=case.token),
    }
    by_model = {
        Contact: case.person,
        Interaction: case.interaction,
        Feedback: case.feedback,
        Consent: case.consent,
        Acknowledgment: case.acknowledgment,
        PrintBatch: batch,
        ServiceRequest: case.request,
        ServiceRecord: case.record,
    }
    return by_argument, by_model


def _urls(case, batch):
    """(route name, URL, whether it takes arguments) of every organization route: arguments
    filled with the case's objects where they fit, made by test_isolation's factories where
    not."""
    by_argument, by_model = _real_objects(case, batch)
    urls = []
    for route, name, entry in all_routes():
        if not route.startswith(("o/<slug:org_slug>/", "api/v1/o/<slug:org_slug>/")):
            continue
        kwargs = {}
        for param in _params(route, entry):
            model = getattr(getattr(entry.callback, "cls", None), "model", None)
            real = by_argument.get(param) or (by_model.get(model) if param == "pk" else None)
            make = _factory_for(param, entry)
            if real is None and make is None:
                break  # test_isolation's test_every_url_is_classified names it
            if real is None:
                with scopes_disabled():
                    real = make(case.org)
            kwargs[param] = real.pk
        else:
            url = reverse(name, kwargs={"org_slug": case.org.slug, **kwargs})
            urls.append((name, url, bool(kwargs)))
    return urls


def _text(response):
    content = b"".join(response.streaming_content) if response.streaming else response.content
    if content.startswith(b"%PDF"):
        return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    return content.decode("utf-8", "replace")


def _lists_the_client(text):
    return CLIENT_NAME in text or CLIENT_EMAIL in text  # a CSV has the name in two columns


def _leaks(name, text):
    found = [word for word in (SUBJECT_WORD, COMMENT_WORD, PROGRAMME) if word in text]
    if name not in TEMPLATE_PAGES:
        found += [marker for marker in MARKERS if marker in text]
    if re.search(r'badge--role">\s*Client\b', text):
        found.append("a Client badge")
    if re.search(r'"roles":\s*\[[^\]]*"client"', text):
        found.append('"client" in roles')
    return found


@pytest.mark.parametrize("role", OTHER_ROLES)
def test_no_other_role_learns_anything_of_the_case(
    client, casefile, print_batch, member_factory, role
):
    user = member_factory(casefile.org, role=role)
    with organization_scope(casefile.org):  # a follow-up on the casework, owned by this member
        Interaction.objects.filter(pk=casefile.interaction.pk).update(
            follow_up_on=timezone.localdate(), follow_up_owner=user
        )
    client.force_login(user)
    urls = _urls(casefile, print_batch)
    assert len(urls) > 150
    leaks = []
    for name, url, takes_arguments in urls:
        if found := _leaks(name, _text(client.get(url))):
            leaks.append(f"{url}: {', '.join(found)}")
        if takes_arguments:
            continue
        # Lists and exports filtered to clients must not list the client.
        if _lists_the_client(_text(client.get(url, {"role": "client"}))):
            leaks.append(f"{url}?role=client lists the client")
    assert leaks == [], f"{role} learns about the client from:\n" + "\n".join(leaks)
    dashboard = _text(client.get(f"/o/{casefile.org.slug}/"))
    assert "0 are yours" in dashboard  # nor counts the casework follow-up as theirs


@pytest.mark.parametrize("role", (Role.CASEWORKER, Role.ADMIN))
def test_caseworkers_and_admins_still_see_the_case(client, casefile, print_batch, role):
    user = casefile.caseworker if role == Role.CASEWORKER else casefile.admin
    client.force_login(user)
    slug, person = casefile.org.slug, casefile.person
    page = _text(client.get(f"/o/{slug}/contacts/{person.pk}/"))
    assert COMMENT_WORD in page and "Service request #" in page
    assert re.search(r'badge--role">\s*Client\b', page)
    for listing in ("contacts/", "contacts/export.csv"):
        assert _lists_the_client(_text(client.get(f"/o/{slug}/{listing}", {"role": "client"})))
    api = client.get(f"/api/v1/o/{slug}/contacts/{person.pk}/").json()
    assert "client" in api["roles"]
    feedback = client.get(f"/api/v1/o/{slug}/feedback/", {"contact": person.pk}).json()
    assert [row["comment"] for row in feedback["results"]] == [casefile.feedback.comment]
    detail = _text(client.get(f"/o/{slug}/interactions/{casefile.interaction.pk}/"))
    assert COMMENT_WORD in detail
    if role == Role.ADMIN:  # the thank-you pages are the admins' and fundraisers'
        ack = casefile.acknowledgment
        letter = client.get(f"/o/{slug}/thank-yous/acknowledgments/{ack.pk}/letter.pdf")
        assert PROGRAMME in _text(letter)
        assert PROGRAMME in _text(
            client.get(f"/o/{slug}/thank-yous/print-batches/{print_batch.pk}/letters.pdf")
        )
        rows = client.get(f"/api/v1/o/{slug}/acknowledgments/").json()["results"]
        assert [row["kind"] for row in rows] == ["client_participation"]


def test_client_letters_go_in_print_batches_only_admins_see(client, casefile, member_factory):
    """Letters to post from both audiences: the admin's click makes one batch per audience, and
    the fundraiser sees, downloads and marks printed the donors' batch only."""
    org = casefile.org
    with organization_scope(org):
        donor = ContactFactory(
            organization=org, first_name="Ada", email="", street="1 Mill Lane", postal_code="BS1"
        )
        donor_services.gift_record(
            organization=org, contact=donor, amount=Decimal("50"), received_on=timezone.localdate()
        )
        thankyou_services.run_batch(organization=org)
    client.force_login(casefile.admin)
    client.post(f"/o/{org.slug}/thank-yous/print-batches/new/")
    with organization_scope(org):
        rows = Acknowledgment.objects.select_related("print_batch")
        batches = {row.kind: row.print_batch for row in rows}
    donors_batch, clients_batch = batches["gift"], batches["client_participation"]
    assert donors_batch != clients_batch
    assert (donors_batch.letters, clients_batch.letters) == (1, 1)

    client.force_login(member_factory(org, role=Role.FUNDRAISER))
    base = f"/o/{org.slug}/thank-yous/print-batches/"
    page = client.get(f"/o/{org.slug}/thank-yous/").content.decode()
    assert f"{base}{donors_batch.pk}/" in page and f"{base}{clients_batch.pk}/" not in page
    assert "Ada" in _text(client.get(f"{base}{donors_batch.pk}/letters.pdf"))
    assert client.get(f"{base}{clients_batch.pk}/letters.pdf").status_code == 404
    assert client.post(f"{base}{clients_batch.pk}/printed/").status_code == 404
    api = client.get(f"/api/v1/o/{org.slug}/print-batches/").json()["results"]
    assert [row["id"] for row in api] == [donors_batch.pk]
    clients_batch.refresh_from_db()
    assert clients_batch.printed_at is None


def test_other_roles_score_only_what_they_may_read(client, casefile, member_factory):
    """Feedback on casework can't be written by a role that can't read it; scores on their own
    conversations (or on none) are theirs as before."""
    org, person = casefile.org, casefile.person
    fundraiser = member_factory(org, role=Role.FUNDRAISER)
    with organization_scope(org):
        call = stakeholder_services.interaction_log(
            organization=org, contact=person, staff=fundraiser, channel="phone", subject="Hello"
        )
    client.force_login(fundraiser)
    url = f"/api/v1/o/{org.slug}/feedback/"
    casework = {"contact": person.pk, "interaction": casefile.interaction.pk}
    refused = client.post(
        url, {**casework, "measure": "csat", "score": 2}, content_type="application/json"
    )
    assert refused.status_code == 400 and "interaction" in refused.json()
    for interaction in (call.pk, None):
        made = client.post(
            url,
            {"contact": person.pk, "interaction": interaction, "measure": "ces", "score": 3},
            content_type="application/json",
        )
        assert made.status_code == 201, made.content
    rows = client.get(url, {"contact": person.pk}).json()["results"]
    assert sorted(row["interaction"] or 0 for row in rows) == [0, call.pk]
    timeline = client.get(f"/o/{org.slug}/contacts/{person.pk}/timeline/?kind=feedback")
    assert timeline.content.decode().count("score: 3") == 2


def test_the_thank_you_queue_leaves_participation_thank_yous_to_admins(
    client, casefile, member_factory
):
    """A participation thank-you waiting for a person: in the admin's queue and figures, not in
    the fundraiser's or the viewer's (their queue would name a client)."""
    org = casefile.org
    with organization_scope(org):
        Acknowledgment.objects.filter(pk=casefile.acknowledgment.pk).update(
            state="review", received_at=timezone.now() - timedelta(days=3)
        )
    for role, shown in ((Role.FUNDRAISER, False), (Role.VIEWER, False), (Role.ADMIN, True)):
        client.force_login(member_factory(org, role=role))
        page = client.get(f"/o/{org.slug}/thank-yous/").content.decode()
        assert (CLIENT_NAME in page) == shown, role
        assert ("1 gift has waited more than 2 days" in page) == shown, role
