"""Idempotent writes (issue 22, point 5): a POST with an ``Idempotency-Key`` runs once per token
and key for 24 hours; a retry gets the first answer back and creates nothing; the key reused for
another request is refused; two retries at once make one record."""

import json
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone
from django_scopes import scopes_disabled

from donors.models import Gift
from stakeholders.integrations import services as integration_services
from stakeholders.integrations.models import IdempotencyRecord
from stakeholders.models import Contact, Role
from stakeholders.tenancy.models import organization_scope
from tests.concurrency import at_once
from tests.factories import ApiTokenFactory, ContactFactory


@pytest.fixture
def token(org_a, admin_a):
    return ApiTokenFactory(organization=org_a, user=admin_a)


def post(client, token, path, data, key=None, **extra):
    headers = {"HTTP_AUTHORIZATION": f"Token {token.key}"}
    if key is not None:
        headers["HTTP_IDEMPOTENCY_KEY"] = key
    return client.post(
        f"/api/v1/o/riverside/{path}",
        json.dumps(data),
        content_type="application/json",
        **headers,
        **extra,
    )


def contacts(org):
    with organization_scope(org):
        return Contact.objects.count()


@pytest.mark.django_db
def test_a_retried_create_returns_the_first_answer_and_creates_nothing(client, org_a, token):
    data = {"first_name": "Ada", "last_name": "Lovelace", "email": "ada@example.org"}
    first = post(client, token, "contacts/", data, key="create-ada-1")
    assert first.status_code == 201
    assert "Idempotent-Replayed" not in first.headers
    # The same JSON, spaced and ordered differently, is the same request.
    again = client.post(
        "/api/v1/o/riverside/contacts/",
        '{ "email": "ada@example.org",  "last_name": "Lovelace", "first_name": "Ada" }',
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Token {token.key}",
        HTTP_IDEMPOTENCY_KEY="create-ada-1",
    )
    assert again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert contacts(org_a) == 1
    # Without a key, a second POST is a second contact (nothing changes for old clients).
    assert post(client, token, "contacts/", data).status_code == 201
    assert contacts(org_a) == 2


@pytest.mark.django_db
def test_a_key_reused_for_another_request_is_refused(client, org_a, token):
    assert post(client, token, "contacts/", {"last_name": "One"}, key="k-1").status_code == 201
    reused = post(client, token, "contacts/", {"last_name": "Two"}, key="k-1")
    assert reused.status_code == 422
    assert reused.json()["detail"].startswith("This Idempotency-Key was already used")
    other_path = post(client, token, "tags/", {"name": "x"}, key="k-1")
    assert other_path.status_code in (405, 422)  # tags are read-only; never a create
    assert contacts(org_a) == 1


@pytest.mark.django_db
def test_an_error_answer_is_kept_too(client, org_a, token):
    """A refused request replays its refusal (Stripe's rule): the key stood for that request."""
    first = post(client, token, "contacts/", {"first_name": ""}, key="bad-1")
    assert first.status_code == 400
    again = post(client, token, "contacts/", {"first_name": ""}, key="bad-1")
    assert (again.status_code, again.json()) == (400, first.json())
    assert again.headers["Idempotent-Replayed"] == "true"


@pytest.mark.django_db
def test_keys_belong_to_one_token(client, org_a, admin_a, token):
    other = ApiTokenFactory(organization=org_a, user=admin_a)
    assert post(client, token, "contacts/", {"last_name": "Mine"}, key="shared").status_code == 201
    assert post(client, other, "contacts/", {"last_name": "Mine"}, key="shared").status_code == 201
    assert contacts(org_a) == 2


@pytest.mark.django_db
def test_staff_ui_calls_are_keyed_per_user(client, org_a, admin_a):
    client.force_login(admin_a)
    for _attempt in range(2):
        response = client.post(
            "/api/v1/o/riverside/contacts/",
            {"last_name": "Session"},
            content_type="application/json",
            HTTP_IDEMPOTENCY_KEY="ui-1",
        )
        assert response.status_code == 201
    assert contacts(org_a) == 1
    with organization_scope(org_a):
        assert IdempotencyRecord.objects.get().owner == f"user:{admin_a.pk}"


@pytest.mark.django_db
def test_a_key_is_kept_for_24_hours_then_purged(client, org_a, token):
    assert post(client, token, "contacts/", {"last_name": "Old"}, key="day-old").status_code == 201
    with organization_scope(org_a):
        IdempotencyRecord.objects.update(created_at=timezone.now() - timedelta(hours=25))
    # Expired, the key is free again: the request runs.
    assert post(client, token, "contacts/", {"last_name": "Old"}, key="day-old").status_code == 201
    assert contacts(org_a) == 2
    with organization_scope(org_a):
        IdempotencyRecord.objects.update(created_at=timezone.now() - timedelta(hours=25))
    assert integration_services.purge_expired()["idempotency_records"] == 1
    with scopes_disabled():
        assert not IdempotencyRecord.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("key", ["", " ", "x" * 256, "tab\there"])
def test_a_malformed_key_is_a_400(client, org_a, token, key):
    response = post(client, token, "contacts/", {"last_name": "K"}, key=key)
    assert response.status_code == 400 and "Idempotency-Key" in response.json()
    assert contacts(org_a) == 0


@pytest.mark.django_db
def test_a_key_never_skips_authentication_or_roles(client, org_a, member_factory):
    viewer = member_factory(org_a, role=Role.VIEWER)
    viewer_token = ApiTokenFactory(organization=org_a, user=viewer)
    for _attempt in range(2):
        response = post(client, viewer_token, "contacts/", {"last_name": "No"}, key="v-1")
        assert response.status_code == 403
    with organization_scope(org_a):
        assert not IdempotencyRecord.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_two_retries_at_once_make_one_gift(org_a, admin_a):
    """The second request waits on the key's row, then replays the first one's answer."""
    token = ApiTokenFactory(organization=org_a, user=admin_a)
    donor = ContactFactory(organization=org_a, last_name="Donor")
    data = {"contact": donor.pk, "amount": "25.00", "received_on": "2026-12-01"}
    answers = []

    def work(barrier):
        client = Client()
        barrier.wait()
        answers.append(post(client, token, "gifts/", data, key="gift-2026-12-01-25"))

    at_once(work)
    assert [a.status_code for a in answers] == [201, 201]
    assert answers[0].json() == answers[1].json()
    assert sorted(a.headers.get("Idempotent-Replayed", "") for a in answers) == ["", "true"]
    with organization_scope(org_a):
        assert Gift.objects.count() == 1
    connection.close()
