"""Streaming exports of API lists (issue 22, point 3): ``?format=ndjson`` / ``?format=csv`` on
any list route streams every filtered row the JSON list would show, in the audit log."""

import csv
import io
import json
from decimal import Decimal

import pytest
from django.db import connection

from stakeholders import services
from stakeholders.models import AuditAction, AuditEvent, Role
from stakeholders.tenancy.models import organization_scope
from tests.factories import (
    ApiTokenFactory,
    ContactFactory,
    GiftFactory,
    InteractionFactory,
    MembershipFactory,
)

pytestmark = pytest.mark.django_db

BASE = "/api/v1/o/riverside"


def _token_client(client, organization, role=Role.ADMIN):
    user = MembershipFactory(organization=organization, role=role).user
    token = ApiTokenFactory(organization=organization, user=user)
    client.defaults["HTTP_AUTHORIZATION"] = f"Token {token.key}"
    return client


def _body(response):
    assert response.streaming, "an export is streamed, not built in memory"
    return b"".join(response.streaming_content).decode()


def _ndjson(response):
    assert response["Content-Type"].startswith("application/x-ndjson")
    return [json.loads(line) for line in _body(response).splitlines()]


def _csv(response):
    assert response["Content-Type"].startswith("text/csv")
    text = _body(response)
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text[1:])))


@pytest.fixture
def people(org_a):
    with organization_scope(org_a):
        ada = services.contact_create(
            organization=org_a, first_name="Ada", last_name="Lovelace", tags=["board", "gala"]
        )
        grace = services.contact_create(organization=org_a, first_name="Grace", last_name="Hopper")
        ContactFactory(organization=org_a, first_name="=cmd", last_name="Client", is_client=True)
    return ada, grace


def test_contacts_as_ndjson_are_the_json_list_whole_and_filtered(client, org_a, people):
    api = _token_client(client, org_a)
    listed = api.get(f"{BASE}/contacts/").json()["results"]
    rows = _ndjson(api.get(f"{BASE}/contacts/?format=ndjson"))
    for row, item in zip(rows, listed, strict=True):
        assert {k: v for k, v in row.items() if row[k] != item[k]} == {}
    assert rows == listed  # same rows, same fields, same order as the JSON list
    assert len(rows) == 3
    ada = next(row for row in rows if row["first_name"] == "Ada")
    assert ada["tags"] == ["board", "gala"]
    tagged = _ndjson(api.get(f"{BASE}/contacts/?format=ndjson&tag=gala"))
    assert [row["name"] for row in tagged] == ["Ada Lovelace"]
    by_accept = api.get(f"{BASE}/contacts/?tag=gala", HTTP_ACCEPT="application/x-ndjson")
    assert [row["name"] for row in _ndjson(by_accept)] == ["Ada Lovelace"]


def test_contacts_as_csv_with_the_serializer_columns_and_formulas_defused(client, org_a, people):
    api = _token_client(client, org_a)
    response = api.get(f"{BASE}/contacts/?format=csv")
    assert 'filename="contact.csv"' in response["Content-Disposition"]
    rows = _csv(response)
    assert len(rows) == 3
    assert list(rows[0])[:3] == ["id", "name", "kind"]
    by_name = {row["last_name"]: row for row in rows}
    assert by_name["Lovelace"]["tags"] == "board|gala"
    assert by_name["Client"]["first_name"] == "'=cmd"  # a spreadsheet would run it otherwise
    assert by_name["Client"]["roles"] == "client"  # an admin may know


def test_gifts_and_interactions_export_with_their_filters(client, org_a, people):
    ada, grace = people
    with organization_scope(org_a):
        GiftFactory(contact=ada, amount=Decimal("25.00"), reference="A-1")
        GiftFactory(contact=grace, amount=Decimal("70.50"), reference="G-1")
        InteractionFactory(organization=org_a, contact=ada, subject="Called")
        InteractionFactory(organization=org_a, contact=grace, subject="Met")
    api = _token_client(client, org_a)
    gifts = _csv(api.get(f"{BASE}/gifts/?format=csv"))
    assert sorted(row["amount"] for row in gifts) == ["25.00", "70.50"]
    assert "fund" not in gifts[0]  # write-only fields are not exported
    one = _ndjson(api.get(f"{BASE}/gifts/?format=ndjson&reference=G-1"))
    assert [(row["contact"], row["amount"]) for row in one] == [(grace.pk, "70.50")]
    talks = _ndjson(api.get(f"{BASE}/interactions/?format=ndjson&contact={ada.pk}"))
    assert [row["subject"] for row in talks] == ["Called"]
    assert _csv(api.get(f"{BASE}/tags/?format=csv&name__istartswith=bo"))[0]["name"] == "board"


def test_a_fundraiser_exports_no_client_fields_or_rows(client, org_a, people):
    ada, _grace = people
    with organization_scope(org_a):
        InteractionFactory(
            organization=org_a,
            contact=ada,
            subject="Casework",
            related_kind="clients.request",
            related_id=1,
        )
        InteractionFactory(organization=org_a, contact=ada, subject="Thanked")
    api = _token_client(client, org_a, role=Role.FUNDRAISER)
    rows = _ndjson(api.get(f"{BASE}/contacts/?format=ndjson"))
    assert len(rows) == 3 and all("client" not in row["roles"] for row in rows)
    assert _ndjson(api.get(f"{BASE}/contacts/?format=ndjson&role=client")) == []
    assert "client" not in _body(api.get(f"{BASE}/contacts/?format=csv"))
    talks = _ndjson(api.get(f"{BASE}/interactions/?format=ndjson"))
    assert [row["subject"] for row in talks] == ["Thanked"]
    assert api.get(f"{BASE}/service-requests/?format=csv").status_code == 404  # as the list
    with organization_scope(org_a):
        summaries = list(AuditEvent.objects.values_list("summary", flat=True))
    assert "service-request CSV (API)" not in summaries and "contact CSV (API)" in summaries


def test_another_organization_gets_nothing(client, org_a, org_b, admin_b, people):
    """Its token is unknown here (401, as for the JSON list); its signed-in member gets 404."""
    api = _token_client(client, org_b)
    for fmt in ("ndjson", "csv"):
        response = api.get(f"{BASE}/contacts/?format={fmt}")
        assert response.status_code == 401
        assert not response.streaming and b"Lovelace" not in response.content
    del client.defaults["HTTP_AUTHORIZATION"]
    client.force_login(admin_b)
    for fmt in ("ndjson", "csv"):
        response = client.get(f"{BASE}/contacts/?format={fmt}")
        assert response.status_code == 404
        assert not response.streaming and b"Lovelace" not in response.content
    with organization_scope(org_a):
        assert not AuditEvent.objects.filter(action=AuditAction.EXPORT).exists()


def test_each_export_is_in_the_audit_log(client, org_a, people):
    api = _token_client(client, org_a)
    _body(api.get(f"{BASE}/contacts/?format=csv&tag=gala&kind=person"))
    with organization_scope(org_a):
        event = AuditEvent.objects.get(action=AuditAction.EXPORT)
    assert event.summary == "contact CSV (API)"
    assert event.changes["filters"] == {"tag": "gala", "kind": "person"}
    assert event.changes["format"] == "csv" and "email" in event.changes["fields"]
    assert event.actor_id is not None


def test_a_nul_character_in_a_parameter_is_left_out_of_the_audit_not_a_server_error(
    client, org_a, people
):
    api = _token_client(client, org_a)
    response = api.get(f"{BASE}/contacts/?format=ndjson&x%00y=a%00b")
    assert response.status_code == 200 and len(_ndjson(response)) == 3
    with organization_scope(org_a):
        event = AuditEvent.objects.get(action=AuditAction.EXPORT)
    assert event.changes["filters"] == {"xy": "ab"}


def test_the_json_list_and_details_are_unchanged(client, org_a, people):
    ada, _grace = people
    api = _token_client(client, org_a)
    assert "results" in api.get(f"{BASE}/contacts/").json()
    assert api.get(f"{BASE}/contacts/{ada.pk}/").json()["name"] == "Ada Lovelace"
    assert api.get(f"{BASE}/contacts/{ada.pk}/?format=csv").status_code == 404  # lists only


def test_queries_do_not_grow_with_the_rows(
    client, org_a, django_assert_num_queries, django_assert_max_num_queries
):
    api = _token_client(client, org_a)
    api.get(f"{BASE}/tags/")  # the token's "last used" is written once
    with organization_scope(org_a):
        services.contact_create(organization=org_a, first_name="P", last_name="0", tags=["a"])

    def export():
        return _ndjson(api.get(f"{BASE}/contacts/?format=ndjson"))

    with django_assert_max_num_queries(50) as small:
        assert len(export()) == 1
    with organization_scope(org_a):
        for i in range(1, 40):
            services.contact_create(
                organization=org_a, first_name="P", last_name=str(i), tags=["a", "b"]
            )
    with django_assert_num_queries(len(small.captured_queries)):
        rows = export()
    assert len(rows) == 40 and rows[-1]["tags"] in (["a"], ["a", "b"])


def test_the_stream_reads_inside_the_organizations_scope_and_one_transaction(client, org_a, people):
    """The body is produced after the view returned (and left the scope): row-level security
    would show nothing unless the generator sets the scope again, in its own transaction."""
    api = _token_client(client, org_a)
    response = api.get(f"{BASE}/contacts/?format=ndjson")
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('steward.organization', '', false)")
    connection.applied_scope = ""
    assert len(_ndjson(response)) == 3
