"""Lists read as plain values (issue 22, point 2): every list whose serializer has a plain plan
answers byte for byte what the instance path answers — pages, cursors, searches, role walls and
exports — and the big four lists do have one (else they would silently stay slow)."""

from datetime import timedelta
from decimal import Decimal

import orjson
import pytest
from django.test import RequestFactory
from django.utils import timezone
from rest_framework.renderers import JSONRenderer

from clients.api.requests import ServiceRequestSerializer
from donors import services as donor_services
from donors.api.gifts import GiftSerializer
from stakeholders import services
from stakeholders.api import ContactSerializer, InteractionSerializer
from stakeholders.models import Role
from stakeholders.tenancy import sql_lines
from stakeholders.tenancy.models import organization_scope
from stakeholders.tenancy.plain_rows import PlainListMixin, plan_for
from tests.factories import (
    ApiTokenFactory,
    ContactFactory,
    FundFactory,
    InteractionFactory,
    MembershipFactory,
    ServiceRequestFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db
BASE = "/api/v1/o/riverside"


@pytest.fixture
def data(org_a, admin_a):
    with organization_scope(org_a):
        ada = ContactFactory(organization=org_a, first_name="Ada", relationship_manager=admin_a)
        zoe = ContactFactory(organization=org_a, first_name="Zoë", email="zoe@example.org")
        services.contact_set_tags(organization=org_a, contact=ada, names=["Éclair", "apple", "Zed"])
        ada.is_donor = ada.is_client = True
        ada.save()
        for n in range(7):
            ContactFactory(organization=org_a, first_name=f"Person{n}", is_volunteer=n % 2 == 0)
        for n in range(6):
            InteractionFactory(
                organization=org_a,
                contact=ada if n % 2 else zoe,
                occurred_at=timezone.now() - timedelta(days=n),
                follow_up_on=timezone.localdate() + timedelta(days=n) if n % 3 == 0 else None,
                notes="ünïcode ✓" if n == 2 else "",
            )
        meals, shelter = FundFactory(organization=org_a), FundFactory(organization=org_a, name="S")
        donor_services.gift_record(
            organization=org_a,
            contact=ada,
            amount=Decimal("100.5"),
            received_on=timezone.localdate(),
            allocations=[(shelter, Decimal("60.25")), (meals, Decimal("40.25"))],
            soft_credits=[(zoe, "influencer")],
        )
        for n in range(4):
            donor_services.gift_record(
                organization=org_a,
                contact=zoe,
                amount=Decimal(f"{n + 1}0"),
                received_on=timezone.localdate() - timedelta(days=n),
            )
        for n in range(3):
            ServiceRequestFactory(organization=org_a, contact=ada, subject=f"Help {n}")
    return ada


def _both(client, monkeypatch, url, **headers):
    plain = client.get(url, **headers)
    with monkeypatch.context() as patch:
        patch.setattr(PlainListMixin, "plain_plan", lambda view: None)  # every list
        instances = client.get(url, **headers)
    assert plain.status_code == instances.status_code, (url, plain.content)
    return plain, instances


@pytest.mark.parametrize(
    "serializer",
    [ContactSerializer, InteractionSerializer, GiftSerializer, ServiceRequestSerializer],
)
def test_the_big_lists_have_a_plain_plan(serializer, scope_a):
    assert plan_for(serializer()) is not None


@pytest.mark.parametrize("role", [Role.ADMIN, Role.FUNDRAISER, Role.CASEWORKER])
@pytest.mark.parametrize(
    "path",
    [
        "contacts/",
        "contacts/?page_size=3",
        "contacts/?search=ada",
        "contacts/?tag=apple",
        "interactions/?page_size=4",
        "gifts/?page_size=2",
        "gifts/",
        "service-requests/",
        "funds/",
        "tags/",
    ],
)
def test_plain_lists_answer_what_the_instances_answer(client, monkeypatch, data, org_a, path, role):
    user = UserFactory()
    MembershipFactory(organization=org_a, user=user, role=role)
    token = ApiTokenFactory(organization=org_a, user=user)
    headers = {"HTTP_AUTHORIZATION": f"Token {token.key}"}
    plain, instances = _both(client, monkeypatch, f"{BASE}/{path}", **headers)
    assert plain.content == instances.content
    if plain.status_code == 200:  # and what DRF's own renderer writes
        assert plain.content == JSONRenderer().render(instances.data)
    assert plain.status_code == 200 or role != Role.ADMIN  # the others may meet a wall
    next_page = plain.status_code == 200 and plain.json().get("next")
    if next_page:  # the cursor of a plain page leads where the instance page's does
        plain, instances = _both(client, monkeypatch, next_page, **headers)
        assert plain.content == instances.content and plain.json()["results"]


def test_the_roles_a_fundraiser_may_not_learn_stay_hidden(client, data, org_a):
    user = UserFactory()
    MembershipFactory(organization=org_a, user=user, role=Role.FUNDRAISER)
    token = ApiTokenFactory(organization=org_a, user=user)
    rows = client.get(f"{BASE}/contacts/", HTTP_AUTHORIZATION=f"Token {token.key}").json()
    ada = next(row for row in rows["results"] if row["id"] == data.pk)
    assert ada["roles"] == ["donor"] and ada["tags"] == ["Zed", "apple", "Éclair"]


@pytest.mark.parametrize("export_format", ["ndjson", "csv"])
def test_exports_read_plain_rows_and_say_the_same(
    client, monkeypatch, data, org_a, admin_a, export_format
):
    token = ApiTokenFactory(organization=org_a, user=admin_a)
    headers = {"HTTP_AUTHORIZATION": f"Token {token.key}"}
    for path in ("contacts/", "gifts/", "interactions/", "service-requests/"):
        plain, instances = _both(
            client, monkeypatch, f"{BASE}/{path}?format={export_format}", **headers
        )
        assert b"".join(plain.streaming_content) == b"".join(instances.streaming_content)


def test_a_list_page_costs_the_same_queries_whatever_its_size(
    client, data, org_a, admin_a, django_assert_max_num_queries
):
    token = ApiTokenFactory(organization=org_a, user=admin_a)
    headers = {"HTTP_AUTHORIZATION": f"Token {token.key}"}
    for path in ("contacts/", "gifts/", "interactions/", "service-requests/"):
        client.get(f"{BASE}/{path}", **headers)
        with django_assert_max_num_queries(6) as small:
            client.get(f"{BASE}/{path}?page_size=1", **headers)
        with django_assert_max_num_queries(len(small.captured_queries)) as large:
            client.get(f"{BASE}/{path}?page_size=200", **headers)
        assert len(large.captured_queries) == len(small.captured_queries), path


@pytest.mark.parametrize(
    ("serializer_class", "in_sql"),
    [
        (ContactSerializer, True),
        (InteractionSerializer, True),
        (GiftSerializer, True),
        (ServiceRequestSerializer, False),  # its subject and description are encrypted
    ],
)
def test_the_big_lists_rows_are_written_by_postgresql(scope_a, admin_a, serializer_class, in_sql):
    """The fast path of their pages and exports (``tenancy.sql_lines``): if a field stopped
    being writable in SQL they would quietly fall back to Python, several times slower. An
    encrypted column never is: Python decrypts it and writes it between PostgreSQL's pieces
    (PostgreSQL would write its ciphertext)."""
    serializer = serializer_class(context={"request": _request_as(admin_a, scope_a)})
    lines = sql_lines.line_shape(serializer, plan_for(serializer), zone="UTC")
    assert lines is not None
    assert (lines.columns == []) is in_sql
    csv_lines = sql_lines.line_shape(serializer, plan_for(serializer), zone="UTC", csv=True)
    # Gifts' allocations are objects: their CSV cell is Python's own writing of them.
    assert (csv_lines is not None) is (serializer_class is not GiftSerializer)


def _body(response):
    return b"".join(
        chunk if isinstance(chunk, bytes) else chunk.encode()
        for chunk in response.streaming_content
    )


def _request_as(user, organization):
    request = RequestFactory().get("/")
    request.user, request.organization = user, organization
    request.membership = user.memberships.get(organization=organization)
    return request


@pytest.mark.parametrize("zone", ["Asia/Kolkata", "UTC", "America/St_Johns"])
@pytest.mark.parametrize("role", [Role.ADMIN, Role.FUNDRAISER])
def test_lines_postgresql_writes_are_the_lines_python_writes(
    client, monkeypatch, data, org_a, zone, role
):
    """Escapes, Unicode, empty and NULL values, whole and fractional seconds, UTC as ``Z``,
    half-hour offsets, and the roles a fundraiser may not see — byte for byte."""
    org_a.timezone = zone
    org_a.save(update_fields=["timezone"])
    with organization_scope(org_a):
        odd = ContactFactory(
            organization=org_a,
            first_name='Quote " back\\slash, "comma"',
            title="=HYPERLINK()",
            organization_name="-5",
            last_name="Tab\tbell\x07 nl\n😀 ✓ زهرا",
            notes="\x1f\r\n/</script>\u2028",
            email="",
            is_client=True,
        )
        type(odd).objects.filter(pk=odd.pk).update(
            created_at=timezone.now().replace(microsecond=0), deceased_on=timezone.localdate()
        )
    user = UserFactory()
    MembershipFactory(organization=org_a, user=user, role=role)
    token = ApiTokenFactory(organization=org_a, user=user)
    headers = {"HTTP_AUTHORIZATION": f"Token {token.key}"}
    for export_format in ("ndjson", "csv"):
        with monkeypatch.context() as patch:
            patch.setattr(sql_lines, "line_shape", lambda serializer, plan, zone, csv: None)
            python = _body(client.get(f"{BASE}/contacts/?format={export_format}", **headers))
        written = _body(client.get(f"{BASE}/contacts/?format={export_format}", **headers))
        assert written == python, export_format
        assert "😀 ✓ زهرا".encode() in python
    # The CSV: formulas defused, quotes doubled inside quotes, as the csv module writes them.
    assert b"'=HYPERLINK()" in python and b",'-5," in python
    assert b'"Quote "" back\\slash, ""comma"""' in python
    # A page: the rows PostgreSQL wrote, embedded by the API's renderer, against the instance
    # path rendered by DRF's own JSON renderer.
    for path in ("contacts/", "contacts/?page_size=4", "contacts/?search=quote"):
        page = client.get(f"{BASE}/{path}", **headers)
        with monkeypatch.context() as patch:
            patch.setattr(PlainListMixin, "plain_plan", lambda view: None)  # every list
            instances = client.get(f"{BASE}/{path}", **headers)
        assert page.content == JSONRenderer().render(instances.data), path
        assert isinstance(page.data["results"][0], orjson.Fragment)
    newest = client.get(f"{BASE}/contacts/", **headers).content
    assert b"\\u2028" in newest and "\u2028".encode() not in newest  # escaped as DRF does
