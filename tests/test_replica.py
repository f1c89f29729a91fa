"""Reads on a streaming replica (issue 21, point 4): a real standby of a primary of the tests' own
(tests/replica.py), the router's rules through real requests, and the second lock on the standby.

A paused replay stands for a lagging replica: what a request shows then says which server it
read from.
"""

import pytest
from django.db import connections
from django.db.utils import InternalError, OperationalError
from django.test.utils import CaptureQueriesContext
from django_scopes import scope, scopes_disabled

from config import replica as standby_server
from stakeholders import replica, services
from stakeholders.models import Contact, Role
from stakeholders.tenancy.models import organization_scope
from tests.factories import ApiTokenFactory, MembershipFactory, OrganizationFactory
from tests.replica import replay_paused

pytestmark = [
    pytest.mark.django_db(transaction=True, databases=["default", "replica"]),
    pytest.mark.usefixtures("replica_on"),
]


@pytest.fixture
def pair(replica_on):
    return replica_on


@pytest.fixture
def riverside(pair):
    organization = OrganizationFactory(name="Riverside Food Bank", slug="riverside")
    admin = MembershipFactory(organization=organization, role=Role.ADMIN).user
    token = ApiTokenFactory(organization=organization, user=admin)
    return organization, admin, token.key


def _contact(organization, name):
    first, last = name.split()
    return services.contact_create(organization=organization, first_name=first, last_name=last)


def _api(client, key):
    client.defaults["HTTP_AUTHORIZATION"] = f"Token {key}"
    return client


def _names(response):
    assert response.status_code == 200, response.content
    return {row["name"] for row in response.json()["results"]}


def test_lists_reports_and_search_read_from_the_replica_and_see_rows_once_replayed(
    pair, riverside, client
):
    organization, admin, key = riverside
    with scope(organization=organization.pk):
        _contact(organization, "Ada Lovelace")
    standby_server.wait_until_replayed()
    api = _api(client, key)
    with CaptureQueriesContext(connections["replica"]) as on_replica:
        assert _names(api.get("/api/v1/o/riverside/contacts/")) == {"Ada Lovelace"}
    assert any("stakeholders_contact" in query["sql"] for query in on_replica.captured_queries)

    with replay_paused(pair):  # a lagging replica: only what was replayed is seen
        with scope(organization=organization.pk):
            _contact(organization, "Grace Hopper")  # not through a request: pins nobody
        assert _names(api.get("/api/v1/o/riverside/contacts/")) == {"Ada Lovelace"}
        assert _names(api.get("/api/v1/o/riverside/contacts/?search=hopper")) == set()
        export = api.get("/api/v1/o/riverside/contacts/?format=ndjson")
        assert b"Ada Lovelace" in b"".join(export.streaming_content)
        client.force_login(admin)
        page = client.get("/o/riverside/contacts/")
        assert b"Ada Lovelace" in page.content and b"Grace Hopper" not in page.content
        with CaptureQueriesContext(connections["replica"]) as on_replica:
            assert client.get("/o/riverside/clients/reports/").status_code == 200
        assert on_replica.captured_queries  # a report, on the replica
    standby_server.wait_until_replayed()
    assert _names(api.get("/api/v1/o/riverside/contacts/")) == {"Ada Lovelace", "Grace Hopper"}


def test_a_read_after_a_write_in_the_same_request_goes_to_the_primary(pair, riverside):
    organization, _admin, _key = riverside
    with replay_paused(pair), replica.fresh_state() as state, organization_scope(organization):
        with replica.reads_from_replica():
            assert not Contact.objects.exists()  # the replica
            assert state.replica_reads == 1
            _contact(organization, "Ada Lovelace")
            assert Contact.objects.filter(name="Ada Lovelace").exists()  # the primary
            assert state.replica_reads == 1
        # Unmarked reads are the primary's, whatever happened before.
        with replica.fresh_state():
            assert Contact.objects.filter(name="Ada Lovelace").exists()


def test_a_user_who_wrote_reads_from_the_primary_for_a_few_seconds(
    pair, riverside, client, settings
):
    organization, admin, key = riverside
    colleague = MembershipFactory(organization=organization, role=Role.VIEWER).user
    other_key = ApiTokenFactory(organization=organization, user=colleague).key
    api = _api(client, key)
    with replay_paused(pair):
        created = api.post(
            "/api/v1/o/riverside/contacts/",
            {"first_name": "Ada", "last_name": "Lovelace"},
            content_type="application/json",
        )
        assert created.status_code == 201, created.content
        assert replica.STICKY_COOKIE in created.cookies
        # The writer sees the write at once (pinned to the primary, by user: tokens too)…
        assert _names(api.get("/api/v1/o/riverside/contacts/")) == {"Ada Lovelace"}
        # …a colleague reads the replica, which has not replayed it yet…
        client.cookies.clear()
        colleague_api = _api(client, other_key)
        assert _names(colleague_api.get("/api/v1/o/riverside/contacts/")) == set()
        # …and once the window has passed the writer reads the replica again.
        from django.core.cache import cache

        cache.delete(replica._pin_key(admin.pk))
        assert _names(_api(client, key).get("/api/v1/o/riverside/contacts/")) == set()


def test_the_replica_is_a_read_only_standby_where_row_level_security_holds(pair, riverside, client):
    organization, _admin, _key = riverside
    with connections["replica"].cursor() as cursor:
        cursor.execute("SELECT pg_is_in_recovery(), current_setting('transaction_read_only')")
        assert cursor.fetchone() == (True, "on")
        with pytest.raises((InternalError, OperationalError), match="read-only"):
            cursor.execute("CREATE TABLE nothing_here (id int)")
    hope = OrganizationFactory(name="Hope Mentoring", slug="hope")
    hope_admin = MembershipFactory(organization=hope, role=Role.ADMIN).user
    hope_key = ApiTokenFactory(organization=hope, user=hope_admin).key
    with scope(organization=organization.pk):
        _contact(organization, "Ada Lovelace")
    with scope(organization=hope.pk):
        _contact(hope, "Grace Hopper")
    standby_server.wait_until_replayed()
    with CaptureQueriesContext(connections["replica"]) as on_replica:
        response = _api(client, hope_key).get("/api/v1/o/hope/contacts/")
    assert _names(response) == {"Grace Hopper"}  # Riverside's Ada is on the replica too
    assert on_replica.captured_queries
    client.defaults.pop("HTTP_AUTHORIZATION")
    client.force_login(hope_admin)  # a member of Hope only: Riverside does not exist for them
    assert client.get("/api/v1/o/riverside/contacts/").status_code == 404
    replica_connection = connections["replica"]
    sql = "SELECT name FROM stakeholders_contact ORDER BY name"
    with replica_connection.cursor() as cursor:  # no scope: nothing at all
        cursor.execute(sql)
        assert cursor.fetchall() == []
    with scope(organization=hope.pk), replica_connection.cursor() as cursor:
        cursor.execute(sql)  # raw SQL, no filter: the policy alone keeps Riverside out
        assert cursor.fetchall() == [("Grace Hopper",)]
    with scopes_disabled(), replica_connection.cursor() as cursor:
        cursor.execute(sql)
        assert cursor.fetchall() == [("Ada Lovelace",), ("Grace Hopper",)]


def test_a_replica_too_far_behind_is_left_until_it_catches_up(pair, riverside, client, settings):
    settings.REPLICA_CHECK_SECONDS, settings.REPLICA_MAX_LAG_SECONDS = 0, 0  # ask every time
    organization, _admin, key = riverside
    api = _api(client, key)
    with replay_paused(pair):
        with scope(organization=organization.pk):
            _contact(organization, "Grace Hopper")  # the standby has it, unreplayed: lag
        with CaptureQueriesContext(connections["replica"]) as on_replica:
            assert _names(api.get("/api/v1/o/riverside/contacts/")) == {"Grace Hopper"}
        assert not any("stakeholders_contact" in q["sql"] for q in on_replica.captured_queries)
    standby_server.wait_until_replayed()
    with CaptureQueriesContext(connections["replica"]) as on_replica:  # caught up: back to it
        assert _names(api.get("/api/v1/o/riverside/contacts/")) == {"Grace Hopper"}
    assert any("stakeholders_contact" in q["sql"] for q in on_replica.captured_queries)


def test_a_standby_that_is_down_leaves_the_site_up(pair, riverside, client, settings):
    settings.REPLICA_CHECK_SECONDS = 60
    organization, admin, key = riverside
    with scope(organization=organization.pk):
        _contact(organization, "Ada Lovelace")
    standby = connections["replica"]
    standby.close()
    port = standby.settings_dict["PORT"]
    standby.settings_dict["PORT"] = "1"  # nothing listens there: the standby is gone
    try:
        api = _api(client, key)
        assert _names(api.get("/api/v1/o/riverside/contacts/")) == {"Ada Lovelace"}
        assert _names(api.get("/api/v1/o/riverside/contacts/?search=ada")) == {"Ada Lovelace"}
        client.force_login(admin)
        assert client.get("/o/riverside/clients/reports/").status_code == 200
        assert replica.health.usable is False
    finally:
        standby.close()
        standby.settings_dict["PORT"] = port
        replica.health.__init__()
