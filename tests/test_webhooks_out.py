"""Signed webhooks out (issue 22, point 4), against real HTTP receivers on loopback: the
signature verifies as Stripe's do, a slow receiver times out, a failing one is retried with
backoff and then turned off with an email to the admins; private addresses are refused at save
and at send; payloads keep the walls of the endpoint's role; staff redeliver and roll secrets."""

import hashlib
import hmac
import itertools
import json
import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django_scopes import scopes_disabled

from clients import services as client_services
from stakeholders import services
from stakeholders.integrations import delivery, signing, tasks
from stakeholders.integrations import services as integration_services
from stakeholders.integrations.models import WebhookDelivery, WebhookEndpoint, WebhookEvent
from stakeholders.models import Role
from stakeholders.tenancy.models import organization_scope
from tests.factories import ApiTokenFactory, ContactFactory, WebhookEndpointFactory

Status = WebhookDelivery.Status


def readme_verify(secret, body: bytes, header: str, tolerance=300):
    """The verification the README shows receivers, word for word."""
    parts = [item.split("=", 1) for item in header.split(",")]
    t = next(v for k, v in parts if k == "t")
    expected = hmac.new(secret.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    ok = any(k == "v1" and hmac.compare_digest(v, expected) for k, v in parts)
    return ok and abs(time.time() - int(t)) <= tolerance


class Receiver:
    """A real HTTP server on 127.0.0.1 that records what it is sent and answers ``status``
    after ``delay`` seconds."""

    def __init__(self, status=200, delay=0.0, answer=b'{"received": true}'):
        self.status, self.delay, self.answer = status, delay, answer
        self.requests = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                receiver.requests.append({"headers": dict(self.headers), "body": body})
                time.sleep(receiver.delay)
                try:
                    self.send_response(receiver.status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(receiver.answer)))
                    self.end_headers()
                    self.wfile.write(receiver.answer)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the sender gave up waiting

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_port}/steward-events"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receivers():
    started = []

    def start(**kwargs):
        started.append(Receiver(**kwargs))
        return started[-1]

    yield start
    for receiver in started:
        receiver.close()


@pytest.fixture
def loopback(settings):
    """Only here may a webhook go to a private address (and over plain http)."""
    settings.WEBHOOKS_ALLOW_PRIVATE = True
    settings.WEBHOOKS_REQUIRE_HTTPS = False
    return settings


def add_endpoint(org, url, *, events=("contact.created",), role=Role.ADMIN):
    with organization_scope(org):
        return integration_services.webhook_endpoint_create(
            organization=org, url=url, events=list(events), role=role
        )


def create_contact(org, **fields):
    with organization_scope(org):
        return services.contact_create(organization=org, **fields)


@pytest.mark.django_db
def test_a_delivery_is_signed_like_stripes_and_logged(
    org_a, loopback, receivers, django_capture_on_commit_callbacks
):
    receiver = receivers()
    endpoint, secret = add_endpoint(org_a, receiver.url)
    assert secret.startswith("whsec_")
    with django_capture_on_commit_callbacks(execute=True):
        contact = create_contact(org_a, first_name="Amara", last_name="Okafor", email="a@ex.org")

    [request] = receiver.requests
    header = request["headers"]["Steward-Signature"]
    assert signing.verify(secret=secret, body=request["body"], header=header)
    assert readme_verify(secret, request["body"], header)
    assert not readme_verify("whsec_someone-else", request["body"], header)
    assert not readme_verify(secret, request["body"] + b" ", header)  # a changed body fails
    event = json.loads(request["body"])
    with organization_scope(org_a):
        stored = WebhookEvent.objects.get()
        [row] = WebhookDelivery.objects.all()
    assert event["id"] == stored.key == request["headers"]["Steward-Event-Id"]
    assert event["type"] == "contact.created" and event["organization"] == "riverside"
    assert event["data"]["object"]["id"] == contact.pk
    assert event["data"]["object"]["email"] == "a@ex.org"
    assert (row.status, row.response_status, row.attempt) == (Status.SUCCEEDED, 200, 1)
    assert row.response_body == '{"received": true}' and row.duration_ms is not None
    # An old signature is a replay: refused past the tolerance.
    assert not signing.verify(
        secret=secret, body=request["body"], header=header, now=time.time() + 301
    )
    # The secret is stored encrypted, never in clear.
    with organization_scope(org_a), transaction.atomic():
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT secret FROM stakeholders_webhookendpoint WHERE id = %s", [endpoint.pk]
            )
            assert secret not in cursor.fetchone()[0]


@pytest.mark.django_db
def test_a_rolled_back_change_reports_nothing(org_a, loopback, receivers):
    receiver = receivers()
    add_endpoint(org_a, receiver.url)
    with pytest.raises(RuntimeError), organization_scope(org_a), transaction.atomic():
        services.contact_create(organization=org_a, first_name="Never", last_name="Saved")
        raise RuntimeError
    with organization_scope(org_a):
        assert not WebhookEvent.objects.exists()
        assert not WebhookDelivery.objects.exists()
    assert receiver.requests == []


@pytest.mark.django_db
def test_running_the_task_twice_sends_once(org_a, loopback, receivers):
    receiver = receivers()
    add_endpoint(org_a, receiver.url)
    create_contact(org_a, first_name="Lin", last_name="Wei")  # on_commit not run: queued only
    with organization_scope(org_a):
        [row] = WebhookDelivery.objects.all()
    tasks.deliver(organization_id=org_a.pk, delivery_ids=[row.pk])
    tasks.deliver(organization_id=org_a.pk, delivery_ids=[row.pk])
    tasks.deliver_due()  # the sweep finds nothing left to send either
    assert len(receiver.requests) == 1


@pytest.mark.django_db
def test_a_slow_receiver_times_out_and_is_tried_again_later(org_a, loopback, receivers):
    loopback.WEBHOOKS_TIMEOUT = 1
    receiver = receivers(delay=3)
    add_endpoint(org_a, receiver.url)
    create_contact(org_a, first_name="Slow", last_name="Reader")
    with organization_scope(org_a):
        [row] = WebhookDelivery.objects.all()
    started = time.monotonic()
    tasks.deliver(organization_id=org_a.pk, delivery_ids=[row.pk])
    assert time.monotonic() - started < 2.5  # it did not wait for the answer
    with organization_scope(org_a):
        first, retry = WebhookDelivery.objects.order_by("attempt")
    assert first.status == Status.FAILED and first.response_status is None
    assert "1 seconds" in first.error or "1" in first.error
    assert retry.attempt == 2 and retry.status == Status.PENDING
    assert timezone.now() + timedelta(seconds=50) < retry.next_retry_at  # ~1 min of backoff


def test_retries_back_off_exponentially_to_a_cap():
    delays = [delivery.retry_delay(attempt).total_seconds() for attempt in range(1, 9)]
    assert 54 <= delays[0] <= 66 and 270 <= delays[1] <= 330
    assert all(b >= a * 0.8 for a, b in itertools.pairwise(delays))
    assert max(delays) <= 6 * 3600 * 1.1


@pytest.mark.django_db(transaction=True)
def test_a_failing_receiver_is_retried_then_turned_off_and_admins_are_told(
    org_a, admin_a, loopback, receivers, mailbox
):
    loopback.WEBHOOKS_DISABLE_AFTER_FAILURES = 3
    receiver = receivers(status=500, answer=b"database on fire")
    endpoint, _secret = add_endpoint(org_a, receiver.url)
    create_contact(org_a, first_name="Fail", last_name="Often")  # attempt 1, at commit

    for _round in range(4):  # the sweep, each time after the retry's time has come
        with scopes_disabled():
            WebhookDelivery.objects.filter(status=Status.PENDING).update(
                next_retry_at=timezone.now() - timedelta(seconds=1)
            )
        tasks.deliver_due()

    assert len(receiver.requests) == 3
    assert len({r["headers"]["Steward-Event-Id"] for r in receiver.requests}) == 1  # one event
    assert [r["headers"]["Steward-Delivery-Attempt"] for r in receiver.requests] == ["1", "2", "3"]
    with organization_scope(org_a):
        endpoint.refresh_from_db()
        rows = list(WebhookDelivery.objects.order_by("attempt"))
    assert not endpoint.is_active and endpoint.disabled_reason == "failing"
    assert [row.status for row in rows] == [Status.FAILED] * 3  # no 4th attempt queued
    assert rows[0].response_status == 500 and rows[0].response_body == "database on fire"
    [message] = mailbox.to(admin_a.email)
    assert "turned off" in message["Subject"]
    assert receiver.url in mailbox.text(message)
    # Turned off, it is sent nothing more; a new event is not even recorded for it.
    create_contact(org_a, first_name="After", last_name="Off")
    tasks.deliver_due()
    assert len(receiver.requests) == 3
    # Turned on again by an admin, it starts afresh.
    with organization_scope(org_a):
        integration_services.webhook_endpoint_set_active(
            organization=org_a, endpoint=endpoint, active=True
        )
        endpoint.refresh_from_db()
    assert endpoint.is_active and endpoint.consecutive_failures == 0


@pytest.mark.django_db
def test_an_endpoint_failing_for_days_is_turned_off(org_a, loopback, receivers, mailbox, admin_a):
    receiver = receivers(status=503)
    endpoint, _secret = add_endpoint(org_a, receiver.url)
    with organization_scope(org_a):
        WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
            consecutive_failures=4, failing_since=timezone.now() - timedelta(days=3, minutes=1)
        )
    create_contact(org_a, first_name="Late", last_name="Failure")
    with organization_scope(org_a):
        [row] = WebhookDelivery.objects.all()
    tasks.deliver(organization_id=org_a.pk, delivery_ids=[row.pk])
    with organization_scope(org_a):
        endpoint.refresh_from_db()
    assert not endpoint.is_active


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8000/hook",
        "http://localhost/hook",
        "http://10.1.2.3/hook",
        "http://192.168.0.10/hook",
        "http://169.254.169.254/latest/meta-data/",  # cloud metadata
        "http://[::1]/hook",
        "http://0.0.0.0/hook",
        "http://[::ffff:127.0.0.1]/hook",
        "http://100.64.0.1/hook",  # carrier-grade NAT
    ],
)
def test_private_addresses_are_refused_at_save(org_a, settings, url):
    settings.WEBHOOKS_ALLOW_PRIVATE = False
    settings.WEBHOOKS_REQUIRE_HTTPS = False
    with pytest.raises(ValidationError) as error:
        add_endpoint(org_a, url)
    assert "url" in error.value.message_dict
    with organization_scope(org_a):
        assert not WebhookEndpoint.objects.exists()


@pytest.mark.django_db
def test_https_is_required_in_production_settings(org_a, settings):
    settings.WEBHOOKS_REQUIRE_HTTPS = True
    with pytest.raises(ValidationError, match="https"):
        add_endpoint(org_a, "http://hooks.example.org/steward")


def test_production_settings_refuse_private_addresses_whatever_the_environment():
    source = (
        __import__("pathlib").Path(__file__).parent.parent / "config/settings/production.py"
    ).read_text()
    assert "WEBHOOKS_ALLOW_PRIVATE = False" in source
    assert "WEBHOOKS_REQUIRE_HTTPS = True" in source


@pytest.mark.django_db
def test_an_address_that_turns_private_is_refused_at_send(org_a, settings, receivers):
    """DNS rebinding: the name was public when saved, private when sending."""
    receiver = receivers()
    settings.WEBHOOKS_ALLOW_PRIVATE, settings.WEBHOOKS_REQUIRE_HTTPS = True, False
    add_endpoint(org_a, receiver.url)
    create_contact(org_a, first_name="Re", last_name="Bound")
    settings.WEBHOOKS_ALLOW_PRIVATE = False
    with organization_scope(org_a):
        [row] = WebhookDelivery.objects.all()
    tasks.deliver(organization_id=org_a.pk, delivery_ids=[row.pk])
    with organization_scope(org_a):
        row.refresh_from_db()
    assert row.status == Status.FAILED and "private network" in row.error
    assert receiver.requests == []


@pytest.mark.django_db
def test_payloads_keep_the_walls_of_the_endpoints_role(
    org_a, admin_a, loopback, receivers, django_capture_on_commit_callbacks
):
    caseworker_receiver, fundraiser_receiver = receivers(), receivers()
    events = ["contact.updated", "request.created"]
    add_endpoint(org_a, caseworker_receiver.url, events=events, role=Role.CASEWORKER)
    # A fundraiser's endpoint may not even subscribe to a client's requests…
    with pytest.raises(ValidationError, match=r"request\.created"):
        add_endpoint(org_a, fundraiser_receiver.url, events=events, role=Role.FUNDRAISER)
    add_endpoint(org_a, fundraiser_receiver.url, events=["contact.updated"], role=Role.FUNDRAISER)
    contact = ContactFactory(organization=org_a, first_name="Nadia", email="nadia@ex.org")
    with django_capture_on_commit_callbacks(execute=True), organization_scope(org_a):
        client_services.request_create(
            organization=org_a, contact=contact, subject="Rent arrears", channel="phone"
        )
        contact.refresh_from_db()
        services.contact_update(organization=org_a, contact=contact, city="Leeds")

    seen_by_caseworker = [json.loads(r["body"]) for r in caseworker_receiver.requests]
    seen_by_fundraiser = [json.loads(r["body"]) for r in fundraiser_receiver.requests]
    assert [e["type"] for e in seen_by_caseworker] == ["request.created", "contact.updated"]
    assert seen_by_caseworker[0]["data"]["object"]["subject"] == "Rent arrears"
    assert "client" in seen_by_caseworker[1]["data"]["object"]["roles"]
    # …and learns nothing of the client's request: not the event, not the "client" role.
    [update] = seen_by_fundraiser
    assert update["type"] == "contact.updated"
    assert update["data"]["object"]["roles"] == []
    assert b"Rent arrears" not in fundraiser_receiver.requests[0]["body"]


@pytest.mark.django_db
def test_erasure_scrubs_the_persons_events(org_a, admin_a, loopback, receivers):
    receiver = receivers()
    add_endpoint(org_a, receiver.url, events=["contact.created", "contact.erased"])
    contact = create_contact(org_a, first_name="Forget", last_name="Me", email="forget@ex.org")
    with organization_scope(org_a):
        services.contact_erase(organization=org_a, contact=contact, actor=admin_a)
        payloads = [event.payload for event in WebhookEvent.objects.order_by("id")]
    assert payloads[0] == {"object": "contact", "id": contact.pk, "erased": True}
    assert "forget@ex.org" not in json.dumps(payloads)
    assert payloads[1]["erased"] is True  # the contact.erased event itself


@pytest.mark.django_db
def test_a_rolled_secret_signs_with_both_for_a_while(
    org_a, loopback, receivers, django_capture_on_commit_callbacks
):
    receiver = receivers()
    endpoint, old = add_endpoint(org_a, receiver.url)
    with organization_scope(org_a):
        new = integration_services.webhook_endpoint_roll_secret(
            organization=org_a, endpoint=endpoint
        )
    with django_capture_on_commit_callbacks(execute=True):
        create_contact(org_a, first_name="Two", last_name="Keys")
    [request] = receiver.requests
    header = request["headers"]["Steward-Signature"]
    assert header.count("v1=") == 2
    assert readme_verify(new, request["body"], header)
    assert readme_verify(old, request["body"], header)
    with organization_scope(org_a):
        integration_services.webhook_endpoint_roll_secret(
            organization=org_a, endpoint=endpoint, keep_previous_hours=0
        )
        endpoint.refresh_from_db()
    assert endpoint.previous_secret == "" and endpoint.secret not in (old, new)


# --- Staff pages and the API ----------------------------------------------------------------------


@pytest.mark.django_db
def test_admins_add_an_endpoint_see_the_secret_once_and_redeliver(
    client, org_a, admin_a, loopback, receivers, django_capture_on_commit_callbacks
):
    receiver = receivers()
    client.force_login(admin_a)
    base = f"/o/{org_a.slug}/settings/webhooks/"
    assert client.get(base).status_code == 200
    response = client.post(
        f"{base}new/",
        {"url": receiver.url, "role": "admin", "events": ["contact.created", "gift.created"]},
    )
    assert response.status_code == 200
    with organization_scope(org_a):
        endpoint = WebhookEndpoint.objects.get()
    assert endpoint.secret in response.content.decode()  # shown this once…
    page = client.get(f"{base}{endpoint.pk}/").content.decode()
    assert endpoint.secret not in page  # …and never again

    with django_capture_on_commit_callbacks(execute=True):
        create_contact(org_a, first_name="Page", last_name="Test")
    with organization_scope(org_a):
        [row] = WebhookDelivery.objects.all()
    page = client.get(f"{base}{endpoint.pk}/").content.decode()
    assert "contact.created" in page and "HTTP 200" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"{base}{endpoint.pk}/deliveries/{row.pk}/redeliver/")
    assert response.status_code == 302
    assert len(receiver.requests) == 2
    assert receiver.requests[0]["body"] == receiver.requests[1]["body"]  # the same event
    with organization_scope(org_a):
        again = WebhookDelivery.objects.get(manual=True)
    assert again.attempt == 2 and again.status == Status.SUCCEEDED

    assert client.post(f"{base}{endpoint.pk}/toggle/").status_code == 302
    with organization_scope(org_a):
        endpoint.refresh_from_db()
    assert not endpoint.is_active


@pytest.mark.django_db
def test_the_webhook_pages_and_routes_are_for_admins_only(client, org_a, member_factory):
    endpoint = WebhookEndpointFactory(organization=org_a)
    for role in (Role.FUNDRAISER, Role.CASEWORKER, Role.VIEWER):
        user = member_factory(org_a, role=role)
        client.force_login(user)
        assert client.get(f"/o/{org_a.slug}/settings/webhooks/").status_code == 403
        assert client.get(f"/o/{org_a.slug}/settings/webhooks/{endpoint.pk}/").status_code == 403
        token = ApiTokenFactory(organization=org_a, user=user)
        auth = {"HTTP_AUTHORIZATION": f"Token {token.key}"}
        response = client.get(f"/api/v1/o/{org_a.slug}/webhook-endpoints/", **auth)
        assert response.status_code == 403


@pytest.mark.django_db
def test_the_api_adds_an_endpoint_and_shows_its_secret_once(
    client, org_a, admin_a, loopback, receivers
):
    receiver = receivers()
    token = ApiTokenFactory(organization=org_a, user=admin_a)
    auth = {"HTTP_AUTHORIZATION": f"Token {token.key}"}
    api = f"/api/v1/o/{org_a.slug}/webhook-endpoints/"
    response = client.post(
        api,
        {"url": receiver.url, "events": ["gift.created"], "role": "fundraiser"},
        content_type="application/json",
        **auth,
    )
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["secret"].startswith("whsec_")
    listed = client.get(api, **auth).json()["results"]
    assert [row["id"] for row in listed] == [created["id"]] and "secret" not in listed[0]
    loopback.WEBHOOKS_ALLOW_PRIVATE = False
    refused = client.post(
        api,
        {"url": "http://169.254.169.254/", "events": ["gift.created"], "role": "admin"},
        content_type="application/json",
        **auth,
    )
    assert refused.status_code == 400 and "url" in refused.json()
    rolled = client.post(
        f"{api}{created['id']}/roll-secret/", {}, content_type="application/json", **auth
    )
    assert rolled.status_code == 200 and rolled.json()["secret"] != created["secret"]
    types = client.get(f"{api}event-types/", **auth).json()["types"]
    assert {"contact.created", "gift.refunded", "request.resolved", "survey.answered"} <= set(types)


@pytest.mark.django_db
def test_the_delivery_list_costs_the_same_queries_for_2_or_12_rows(client, org_a, admin_a):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.factories import WebhookDeliveryFactory

    endpoint = WebhookEndpointFactory(organization=org_a)
    token = ApiTokenFactory(organization=org_a, user=admin_a)
    auth = {"HTTP_AUTHORIZATION": f"Token {token.key}"}
    counts = []
    for rows in (2, 10):
        for _row in range(rows):
            WebhookDeliveryFactory(endpoint=endpoint)
        for path in ("webhook-deliveries/", "webhook-endpoints/"):
            client.get(f"/api/v1/o/riverside/{path}", **auth)  # last used written once
            with CaptureQueriesContext(connection) as queries:
                assert client.get(f"/api/v1/o/riverside/{path}", **auth).status_code == 200
            counts.append(len(queries))
        with CaptureQueriesContext(connection) as queries:
            client.force_login(admin_a)
            assert client.get(f"/o/riverside/settings/webhooks/{endpoint.pk}/").status_code == 200
        counts.append(len(queries))
        client.logout()
    assert counts[:3] == counts[3:], counts
