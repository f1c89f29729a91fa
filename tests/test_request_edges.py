"""Requests at their edges, whatever the page: bodies too large to read, redirects to ``next``,
spreadsheet formulas in the files we hand back, filters naming a staff member, and the views
that take no CSRF token."""

import csv
import io
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.handlers.wsgi import WSGIHandler
from django.test import RequestFactory
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from clients.models import ServiceRequest
from stakeholders import importing
from stakeholders.models import Contact, DataImport, Role
from stakeholders.tenancy.models import organization_scope
from tests.factories import (
    ApiTokenFactory,
    ContactFactory,
    InteractionFactory,
    MembershipFactory,
    ServiceRequestFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def caseworker_api(client, org_a):
    user = MembershipFactory(organization=org_a, role=Role.CASEWORKER).user
    token = ApiTokenFactory(organization=org_a, user=user)
    client.defaults["HTTP_AUTHORIZATION"] = f"Token {token.key}"
    client.user = user
    return client


# --- Sizes -------------------------------------------------------------------------------------


def test_a_body_over_the_limit_is_refused_before_it_is_read(client, org_a, settings):
    settings.REQUEST_BODY_MAX_BYTES = 64 * 1024
    settings.CLIENTS_FORM_MIN_SECONDS = 0
    from stakeholders.public_forms import form_started_token

    form = {
        "first_name": "Sam",
        "last_name": "Lee",
        "email": "sam@example.org",
        "subject": "Help",
        "description": "",
        "started": form_started_token(),
        "website": "",
    }
    big = SimpleUploadedFile("scan.pdf", b"%PDF-" + b"x" * 100 * 1024, "application/pdf")
    refused = client.post("/o/riverside/help/request/", {**form, "attachments": big})
    assert refused.status_code == 413 and b"too large" in refused.content
    small = SimpleUploadedFile("scan.pdf", b"%PDF-1.4 x", "application/pdf")
    assert client.post(
        "/o/riverside/help/request/", {**form, "attachments": small}
    ).status_code == (200)
    with organization_scope(org_a):
        assert ServiceRequest.objects.count() == 1


class Unreadable(io.RawIOBase):
    def read(self, *args):
        raise AssertionError("the body was read")

    readline = read


def test_a_gigabyte_is_refused_without_reading_a_byte(org_a):
    environ = RequestFactory()._base_environ(
        PATH_INFO="/o/riverside/help/request/",
        REQUEST_METHOD="POST",
        CONTENT_TYPE="multipart/form-data; boundary=x",
        CONTENT_LENGTH=str(1024**3),
        **{"wsgi.input": Unreadable()},
    )
    answered = []
    WSGIHandler()(environ, lambda status, headers: answered.append(status))
    assert len(answered) == 1 and answered[0].startswith("413 ")


def test_the_api_says_413_in_json(caseworker_api, settings):
    settings.REQUEST_BODY_MAX_BYTES = 1024
    response = caseworker_api.post(
        "/api/v1/o/riverside/contacts/",
        {"first_name": "A", "last_name": "B", "notes": "x" * 2000},
        content_type="application/json",
    )
    assert response.status_code == 413 and "too large" in response.json()["detail"]


def test_too_many_fields_are_a_400(client, org_a):
    fields = {f"f{n}": "x" for n in range(1001)}
    assert client.post("/o/riverside/help/request/", fields).status_code == 400


# --- next= ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "target,expected",
    [
        ("https://evil.example/phish", "/o/riverside/follow-ups/"),
        ("//evil.example/phish", "/o/riverside/follow-ups/"),
        ("/o/riverside/contacts/", "/o/riverside/contacts/"),
    ],
)
def test_next_only_leads_within_the_site(client, org_a, admin_a, target, expected):
    with organization_scope(org_a):
        interaction = InteractionFactory(
            contact__organization=org_a,
            follow_up_on=timezone.localdate() + timedelta(days=1),
            follow_up_owner=admin_a,
        )
    client.force_login(admin_a)
    done = client.post(
        f"/o/riverside/interactions/{interaction.pk}/follow-up-done/", {"next": target}
    )
    assert done.status_code == 302 and done["Location"] == expected


# --- Spreadsheets ------------------------------------------------------------------------------


def test_error_files_defuse_formulas_in_the_headers_too(org_a):
    with organization_scope(org_a):
        job = DataImport.objects.create(
            organization=org_a,
            original_name="people.csv",
            encoding="utf-8",
            delimiter=",",
            headers=['=HYPERLINK("https://evil.example","Name")', "email"],
            errors=[{"row": 2, "errors": {"email": ["Bad"]}, "values": {"email": "x"}}],
        )
    header = next(csv.reader(io.StringIO(importing.errors_csv(job))))
    assert header[2] == '\'=HYPERLINK("https://evil.example","Name")'


# --- Filters naming a staff member -------------------------------------------------------------


def test_an_assignee_filter_takes_the_organizations_members_only(
    caseworker_api, org_a, org_b, admin_b
):
    with organization_scope(org_a):
        ServiceRequestFactory(contact__organization=org_a, assignee=caseworker_api.user)
    url = "/api/v1/o/riverside/service-requests/"
    mine = caseworker_api.get(url, {"assignee": caseworker_api.user.pk})
    assert mine.status_code == 200 and len(mine.json()["results"]) == 1
    # another organization's user is refused like an unknown one: no quiet empty page
    for user_id in (admin_b.pk, 999_999):
        refused = caseworker_api.get(url, {"assignee": user_id})
        assert refused.status_code == 400 and "assignee" in refused.json()


def test_owner_and_manager_filters_take_members_only(caseworker_api, org_a, admin_b):
    for url, name in (
        ("/api/v1/o/riverside/interactions/", "follow_up_owner"),
        ("/api/v1/o/riverside/contacts/", "manager"),
    ):
        refused = caseworker_api.get(url, {name: admin_b.pk})
        assert refused.status_code == 400 and name in refused.json(), url
        mine = caseworker_api.get(url, {name: caseworker_api.user.pk})
        assert mine.status_code == 200, url


def test_the_contact_list_ignores_a_manager_who_is_not_a_member(client, org_a, admin_a, admin_b):
    with organization_scope(org_a):
        ContactFactory(organization=org_a, relationship_manager=admin_a)
        ContactFactory(organization=org_a)
    client.force_login(admin_a)
    mine = client.get("/o/riverside/contacts/", {"manager": admin_a.pk})
    assert mine.context["filters"]["manager_id"] == str(admin_a.pk)
    assert len(mine.context["contacts"]) == 1
    foreign = client.get("/o/riverside/contacts/", {"manager": admin_b.pk})
    assert foreign.context["filters"]["manager_id"] is None
    with organization_scope(org_a):
        assert len(foreign.context["contacts"]) == Contact.objects.count() == 2


# --- CSRF ----------------------------------------------------------------------------------------

# The views that take no CSRF token, and why none of them may touch a session: a forged post
# to one of them must not sign a browser in (or out) of anything.
CSRF_EXEMPT = {
    "volunteers:signup": "anonymous, framed on other sites; a signed stamp and rate limits",
    "volunteers:signup_embed": "the same form in an iframe",
    "donors:impact": "the signed token in the post is the key; saves consent, no session",
    "donors:impact_link": "anonymous, rate limited; emails the address on file",
    "donors:unsubscribe": "RFC 8058 one-click unsubscribe: mail clients post without cookies",
    "community:unsubscribe": "RFC 8058 one-click unsubscribe from a followed question",
}
# Anymail's tracking and inbound webhooks, one per email provider: the provider posts without
# cookies; Anymail checks the shared secret (basic auth) and the provider's signature; no session.
CSRF_EXEMPT_NAMESPACES = ("email_webhooks:",)
# Twilio's SMS/WhatsApp webhooks post without cookies; each request carries Twilio's signature
# (RequestValidator, the organization's auth token) and touches no session.
CSRF_EXEMPT.update(
    {
        "inbox_webhooks:twilio_sms": "Twilio posts; X-Twilio-Signature checked, no session",
        "inbox_webhooks:twilio_whatsapp": "Twilio posts; X-Twilio-Signature checked, no session",
        "inbox_webhooks:twilio_status": "Twilio's delivery reports; signature checked",
    }
)


def _views(patterns, namespace=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _views(entry.url_patterns, inner)
        elif isinstance(entry, URLPattern) and entry.name:
            yield namespace + entry.name, entry.callback


def test_only_the_listed_views_are_csrf_exempt():
    """(The API's views are exempt by DRF, whose session authentication checks CSRF itself.)"""
    exempt = {
        name
        for name, view in _views(get_resolver().url_patterns)
        if getattr(view, "csrf_exempt", False) and not hasattr(view, "cls")
    }
    providers = {name for name in exempt if name.startswith(CSRF_EXEMPT_NAMESPACES)}
    assert "email_webhooks:postmark_tracking_webhook" in providers
    assert "email_webhooks:mailgun_inbound_webhook" in providers  # email in (the shared inbox)
    assert exempt - providers == set(CSRF_EXEMPT)
