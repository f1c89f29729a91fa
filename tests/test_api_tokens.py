"""Tokens for machines (issue 22, point 6): read-only and read-write tokens, expiry, last used
(written at most once a minute), per-token rate limits (429 with Retry-After), conditional GET
on details (ETag / If-None-Match → 304), gzip for token-authenticated API answers only."""

import gzip
import json
import re
from datetime import timedelta

import pytest
from django.utils import timezone

from stakeholders.models import ApiToken, ApiTokenScope
from stakeholders.tenancy.models import organization_scope
from tests.factories import ApiTokenFactory, ContactFactory


def auth(token):
    return {"HTTP_AUTHORIZATION": f"Token {token.key}"}


API = "/api/v1/o/riverside/"


@pytest.mark.django_db
def test_a_read_only_token_reads_but_never_writes(client, org_a, admin_a):
    token = ApiTokenFactory(organization=org_a, user=admin_a, scope=ApiTokenScope.READ)
    contact = ContactFactory(organization=org_a, last_name="Reader")
    assert client.get(f"{API}contacts/", **auth(token)).status_code == 200
    created = client.post(
        f"{API}contacts/", {"last_name": "Nope"}, content_type="application/json", **auth(token)
    )
    assert created.status_code == 403
    assert created.json()["detail"].startswith("This token is read-only")
    changed = client.patch(
        f"{API}contacts/{contact.pk}/",
        {"last_name": "Changed"},
        content_type="application/json",
        **auth(token),
    )
    assert changed.status_code == 403
    contact.refresh_from_db()
    assert contact.last_name == "Reader"
    writer = ApiTokenFactory(organization=org_a, user=admin_a, scope=ApiTokenScope.READ_WRITE)
    ok = client.post(
        f"{API}contacts/", {"last_name": "Yes"}, content_type="application/json", **auth(writer)
    )
    assert ok.status_code == 201


@pytest.mark.django_db
def test_an_expired_token_is_refused(client, org_a, admin_a):
    token = ApiTokenFactory(
        organization=org_a, user=admin_a, expires_at=timezone.now() - timedelta(seconds=1)
    )
    response = client.get(f"{API}contacts/", **auth(token))
    assert response.status_code == 401
    assert response.json()["detail"] == "This token has expired."
    soon = ApiTokenFactory(
        organization=org_a, user=admin_a, expires_at=timezone.now() + timedelta(hours=1)
    )
    assert client.get(f"{API}contacts/", **auth(soon)).status_code == 200


@pytest.mark.django_db
def test_last_used_is_written_at_most_once_a_minute_and_shown(client, org_a, admin_a):
    token = ApiTokenFactory(organization=org_a, user=admin_a, name="Nightly sync")
    client.get(f"{API}tags/", **auth(token))
    token.refresh_from_db()
    first = token.last_used_at
    assert first is not None
    client.get(f"{API}tags/", **auth(token))
    token.refresh_from_db()
    assert token.last_used_at == first  # within the minute: no write
    with organization_scope(org_a):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=first - timedelta(minutes=2))
    client.get(f"{API}tags/", **auth(token))
    token.refresh_from_db()
    assert token.last_used_at > first
    client.force_login(admin_a)
    page = client.get(f"/o/{org_a.slug}/settings/tokens/").content.decode()
    row = page.split("Nightly sync")[1].split("</tr>")[0]
    cells = re.findall(r"<td>(.*?)</td>", row, re.S)  # starts with, access, created, expires,
    assert cells[3] == "Never" and cells[5] not in ("", "Never")  # requests/min, last used


@pytest.mark.django_db
def test_a_tokens_own_rate_limit_answers_429_with_retry_after(client, org_a, admin_a):
    token = ApiTokenFactory(organization=org_a, user=admin_a, rate_limit_per_minute=3)
    statuses = [client.get(f"{API}tags/", **auth(token)).status_code for _ in range(3)]
    assert statuses == [200, 200, 200]
    refused = client.get(f"{API}tags/", **auth(token))
    assert refused.status_code == 429
    assert 0 < int(refused.headers["Retry-After"]) <= 60
    # Another token of the same person has its own budget.
    other = ApiTokenFactory(organization=org_a, user=admin_a)
    assert client.get(f"{API}tags/", **auth(other)).status_code == 200


@pytest.mark.django_db
def test_a_tokens_own_limit_replaces_the_default(client, org_a, admin_a, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"api_user": "2/min", "api_organization": "100/min"},
    }
    token = ApiTokenFactory(organization=org_a, user=admin_a)
    statuses = [client.get(f"{API}tags/", **auth(token)).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    generous = ApiTokenFactory(organization=org_a, user=admin_a, rate_limit_per_minute=5)
    statuses = [client.get(f"{API}tags/", **auth(generous)).status_code for _ in range(6)]
    assert statuses == [200] * 5 + [429]


@pytest.mark.django_db
def test_a_detail_answers_if_none_match_with_304(client, org_a, admin_a):
    token = ApiTokenFactory(organization=org_a, user=admin_a)
    contact = ContactFactory(organization=org_a, last_name="Etag")
    url = f"{API}contacts/{contact.pk}/"
    first = client.get(url, **auth(token))
    etag = first.headers["ETag"]
    assert first.status_code == 200 and etag.startswith('"')
    same = client.get(url, HTTP_IF_NONE_MATCH=etag, **auth(token))
    assert same.status_code == 304 and same.content == b""
    assert same.headers["ETag"] == etag
    weak = client.get(url, HTTP_IF_NONE_MATCH=f'"nope", W/{etag}', **auth(token))
    assert weak.status_code == 304
    client.patch(url, {"city": "Leeds"}, content_type="application/json", **auth(token))
    changed = client.get(url, HTTP_IF_NONE_MATCH=etag, **auth(token))
    assert changed.status_code == 200 and changed.json()["city"] == "Leeds"
    assert changed.headers["ETag"] != etag
    # Lists are not conditional (a page's ETag would cost a render for little).
    assert "ETag" not in client.get(f"{API}contacts/", **auth(token)).headers


@pytest.mark.django_db
def test_large_token_answers_are_gzipped_session_pages_are_not(client, org_a, admin_a):
    token = ApiTokenFactory(organization=org_a, user=admin_a)
    for n in range(30):
        ContactFactory(organization=org_a, last_name=f"Compress {n}")
    plain = client.get(f"{API}contacts/", **auth(token))
    assert "Content-Encoding" not in plain.headers  # the client didn't ask for it
    zipped = client.get(f"{API}contacts/", HTTP_ACCEPT_ENCODING="gzip", **auth(token))
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert json.loads(gzip.decompress(zipped.content)) == plain.json()
    assert len(zipped.content) < len(plain.content) / 3
    # BREACH: pages and API answers of a signed-in browser (CSRF tokens, cookies) stay plain.
    client.force_login(admin_a)
    for url in (f"{API}contacts/", f"/o/{org_a.slug}/contacts/"):
        response = client.get(url, HTTP_ACCEPT_ENCODING="gzip")
        assert response.status_code == 200
        assert "Content-Encoding" not in response.headers, url


@pytest.mark.django_db
def test_the_tokens_page_makes_a_read_only_token_that_expires(client, org_a, admin_a):
    client.force_login(admin_a)
    day = timezone.localdate() + timedelta(days=30)
    response = client.post(
        f"/o/{org_a.slug}/settings/tokens/",
        {
            "name": "Warehouse export",
            "scope": "read",
            "expires_on": day.isoformat(),
            "rate_limit_per_minute": "120",
        },
    )
    assert response.status_code == 200
    with organization_scope(org_a):
        token = ApiToken.objects.get(name="Warehouse export")
    assert token.scope == ApiTokenScope.READ and token.rate_limit_per_minute == 120
    assert timezone.localtime(token.expires_at).date() == day
    page = response.content.decode()
    assert "Read only" in page and "stw_" in page  # the key, shown this once
    past = client.post(
        f"/o/{org_a.slug}/settings/tokens/",
        {"name": "Old", "scope": "read", "expires_on": "2020-01-01"},
    )
    assert "Choose a date after today." in past.content.decode()
