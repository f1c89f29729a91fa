"""Every benchmark scenario at a tiny size (a few rows, a few requests): it completes, as the
roles it should, and reports what it should — so a model change can't silently break a benchmark.
Speed is never asserted here; ``python -m bench.run`` measures.

The data is loaded as the owner of the tables and everything timed runs as the application's
role, under row-level security (``bench/roles.py``); the tests run the same way. Scenarios commit
(COPY, other processes reading the data), so these tests are transactional.
"""

import os

import pytest
from django.conf import settings
from django.db import connection
from django_scopes import scopes_disabled

from bench import pinning, roles
from bench.generators import copying
from bench.scenarios import (
    api_lists,
    clients,
    community,
    contacts,
    donors,
    export,
    inbound,
    journeys,
    letters,
    replica,
    search,
    tenancy,
    thankyous,
    volunteers,
    webhooks,
)
from stakeholders.models import Contact, Interaction, Organization

pytestmark = pytest.mark.django_db(transaction=True)

TIMED = {"requests", "p50_ms"}


def timed(results, *labels):
    for label in labels:
        assert set(results[label]) >= TIMED, (label, results[label])


def one_starting(results, prefix):
    """The result whose label starts with ``prefix`` (labels carry sizes and sample values)."""
    (label,) = [label for label in results if label.startswith(prefix)]
    return results[label]


def test_the_owner_loads_and_creates_databases_the_application_is_measured(monkeypatch):
    """The application's role may not create databases, COPY into tables with row-level
    security or bypass it: loading (and ``bench.run``'s databases) is the owner's, timing the
    application's."""
    from bench import run

    assert roles.separate_owner()
    assert roles.current_role() == settings.DATABASE_APP_USER
    with roles.loading():
        assert roles.current_role() == settings.DATABASE_OWNER["USER"]
    with roles.measuring():
        assert roles.current_role() == settings.DATABASE_APP_USER
    with roles.measuring(roles.OWNER):
        assert roles.current_role() == settings.DATABASE_OWNER["USER"]
    assert roles.current_role() == settings.DATABASE_APP_USER
    assert f"{settings.DATABASE_APP_USER}@" in roles.application_database_url()

    monkeypatch.setattr("django.core.management.call_command", lambda *args, **kwargs: None)
    monkeypatch.setattr(run, "EMBEDDED", False)
    name = connection.settings_dict["NAME"]
    throwaway = f"{name}_bench_prepare"
    try:
        run.prepare_database(throwaway, keep=False)
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = %s", [throwaway]
            )
            assert cursor.fetchone() == (settings.DATABASE_OWNER["USER"],)
    finally:
        connection.close()
        connection.settings_dict["NAME"] = name
        with roles.loading(), connection._nodb_cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS {connection.ops.quote_name(throwaway)}")


@pytest.mark.django_db  # no table is read: no need to commit
def test_copy_fills_every_column_the_generator_leaves_out_from_the_model():
    """A field added to a model later gets its default; one nothing can fill stops the load."""
    with connection.cursor() as cursor:
        columns, values = copying.defaults_for(
            cursor, Interaction, ["id", "organization_id", "contact_id", "occurred_at"]
        )
        filled = dict(zip(columns, values, strict=True))
        assert filled["is_bulk_message"] == "false"
        assert filled["kind"] == "conversation"
        assert filled["subject"] == ""
        assert "created_at" in filled
        assert "staff_id" not in filled  # nullable: NULL
        with pytest.raises(RuntimeError, match="contact_id"):
            copying.defaults_for(cursor, Interaction, ["id", "organization_id", "occurred_at"])


def test_tenancy():
    results = tenancy.run(**tenancy.TINY)
    assert results["measured_as"] == settings.DATABASE_APP_USER
    pages = [
        "dashboard (HTML, session)",
        "team page (HTML, 2,000 members, first page)",
        "API members, 50 per page (token)",
        "API members, 200 per page (token)",
    ]
    timed(results, *pages, "unknown organization (404)")
    timed(results["as the owner, no RLS (comparison only)"], *pages)


def test_contacts_as_the_application_and_as_the_owner():
    size = contacts.TINY["size"]
    results = contacts.run(**contacts.TINY)
    assert results["measured_as"] == settings.DATABASE_APP_USER
    assert results["row_level_security"] is True
    assert results["data"]["loaded_by"] == settings.DATABASE_OWNER["USER"]
    with scopes_disabled():  # every row loaded, every column filled
        organization = Organization.objects.get(slug=contacts.SLUG)
        assert Contact.objects.filter(organization=organization).count() == size.contacts
        assert Interaction.objects.filter(organization=organization).count() == size.interactions
    labels = [
        "contact page, heavy contact",
        "contact page, typical contact",
        *(
            f"{where}: {search}"
            for where in ("search box", "API contacts search")
            for search in (
                "partial name",
                "name with a typo",
                "full email",
                "phone, national format",
                "external id",
            )
        ),
        "API interactions, 50 per page",
        "API interactions, 200 per page",
        "API interactions of the heavy contact",
        "API interactions of the typical contact",
    ]
    for label in labels:
        result = one_starting(results, label)
        assert {"p50_ms", "p95_ms", "queries", "target_met"} <= set(result)
        assert "_queries" not in result
        plans = one_starting(results["plans under row-level security"], label)
        assert {"queries_explained", "plans_changed_by_rls", "slowest_query"} <= set(plans)
        assert plans["slowest_query"]["application_plan"]
        owner = one_starting(results["as the owner, no RLS (comparison only)"], label)
        assert {"p50_ms", "p95_ms"} <= set(owner)
        one_starting(results["row-level security cost (application / owner)"], label)
    assert isinstance(results["targets_missed"], list)
    assert isinstance(results["plans_slower_under_rls"], list)
    assert results["leakproof"].keys() >= {"textlike(text,text)"}


def test_donors():
    results = donors.run(**donors.TINY)
    assert results["measured_as"] == settings.DATABASE_APP_USER
    timed(results, "impact page, donor with 5 gifts")
    timed(results["as the owner, no RLS (comparison only)"], "impact page, donor with 5 gifts")
    gift_import = results["gift import"]
    assert gift_import["rows"] == donors.TINY["import_rows"]
    assert {"dry_run_s", "import_s", "rows_per_s", "duplicate_check_ms_per_new_donor"} <= set(
        gift_import
    )
    big = results[f"big organization, {donors.TINY['big_contacts']:,} contacts"]
    assert big["data"]["contacts"] == donors.TINY["big_contacts"]
    timed(
        big,
        "dashboard",
        "donors overview (retention by month, LYBUNT count)",
        "LYBUNT list",
        "SYBUNT list",
        "thank-yous (time to thank)",
        "client reports",
    )


def test_clients():
    results = clients.run(**clients.TINY)
    assert results["measured_as"] == settings.DATABASE_APP_USER
    assert results["data"]["requests"] == clients.TINY["requests"]
    timed(
        results,
        "queue page, most urgent first",
        "queue page 2 (by key)",
        "queue, my requests",
        "queue, breached",
        "queue, category and priority filter",
        "queue, resolved (newest first)",
        "API service requests, 50 per page",
    )
    assert results["plan"]
    timed(results["as the owner, no RLS (comparison only)"], "queue page, most urgent first")


@pytest.mark.filterwarnings("ignore::celery.exceptions.AlwaysEagerIgnored")  # a real worker
def test_thankyous():
    results = thankyous.run(**thankyous.TINY)
    gifts = thankyous.TINY["gifts"]
    assert results["measured_as"] == settings.DATABASE_APP_USER
    assert results["letter"]["images"] == 2  # the logo and the signature
    modes = ["two_cores"] + (["pinned"] if pinning.two_cores() else [])
    for mode in modes:
        batch = results[mode]
        assert batch["sent"] == batch["smtp_messages_received"] == gifts
        assert batch["smtp_distinct_message_ids"] == gifts
        assert batch["letter_sent"]["images"] == 2  # in the worker's own letters too
        assert {
            "batch_letters_per_s",
            "bare_render_letters_per_s",
            "ratio_to_bare",
            "render_only_in_worker_letters_per_s",
            "worker_cpu_ms_per_letter",
            "worker_to_bare_cpu_ratio",
            "cpu_ms_per_letter",
            "worker_rss_mib",
        } <= set(batch)
    if "pinned" in modes:
        pinned = results["pinned"]
        core0, core1 = pinning.two_cores()
        assert pinned["worker_processes_rendering"] == pinned["bare_render_processes"] == 1
        assert pinned["affinity_during_the_batch"]["worker"] == [core1]
        assert pinned["affinity_during_the_batch"]["smtp_server_and_benchmark"] == [core0]
        assert {"postgresql", "redis"} <= set(
            pinned["cores_ms_per_letter"][f"core {core0}"]["of_which"]
        )
        assert os.sched_getaffinity(0) >= {core0, core1}  # put back


def test_letters_in_every_script():
    results = letters.run(**letters.TINY)
    assert results["measured_as"] == settings.DATABASE_APP_USER
    for language in ("en", "km", "fa", "kk"):
        assert results[language]["letters"] == letters.TINY["letters"]
        assert results[language]["pages"] == 1
        assert {"p50_ms", "p95_ms", "letters_per_s", "pdf_kib"} <= set(results[language])
    assert set(results["p50_against_english"]) == {"en", "km", "fa", "kk"}


def test_volunteers():
    results = volunteers.run(**volunteers.TINY)
    assert results["measured_as"] == settings.DATABASE_APP_USER
    burst = results["signup form POST burst"]
    assert {"requests_per_s", "p50_ms", "p95_ms", "statuses"} <= set(burst)
    after = results["after the run"]
    posts = volunteers.TINY["posts"] + volunteers.TINY["warmup"]
    assert after["accepted_posts"] == after["pending_signups_stored"] == posts
    assert after["lost"] == after["duplicated"] == 0


def test_journeys():
    results = journeys.run(**journeys.TINY)
    assert results["measured_as"] == settings.DATABASE_APP_USER
    assert results["data"]["contacts"] == journeys.TINY["contacts"]
    assert results["full stage computation"]["donor"]["full"] is True
    assert 0 < results["positions"] <= results["data"]["donors"]  # all refunded: not a donor
    incremental = results["incremental refresh"]["donor"]
    assert incremental["full"] is False
    assert incremental["examined"] == journeys.TINY["new_gifts"]  # only the new gifts' donors
    assert incremental["written"] == journeys.TINY["new_gifts"]
    timed(
        results,
        "funnel page (Experience hub, every journey)",
        "journey page with the first page of stuck donors",
        "API journeys list",
        "API journey positions, stuck at first gift, 50 per page",
    )


def test_inbound_webhooks_are_stored_exactly_once():
    """A few dozen signed Twilio webhooks through gunicorn, some sent twice and some from one
    number at once, filed by a real Celery worker: every distinct MessageSid stored once, one
    conversation per sender."""
    results = inbound.run(**inbound.TINY)
    assert results["measured_as"] == settings.DATABASE_APP_USER
    measured = results["inbound SMS webhooks"]
    assert {"achieved_requests_per_s", "p50_ms", "p95_ms", "p99_ms", "statuses"} <= set(measured)
    assert measured["requests"] > measured["distinct_messages"] >= 30  # retries included
    assert measured["errors"] == 0, measured["statuses"]
    after = results["after the run"]
    assert after["distinct_message_sids_sent"] == after["answered_200"]
    assert after["messages_stored"] == after["distinct_message_sids_sent"]
    assert (
        after["not stored (never answered 200: Twilio would retry them)"]
        == after["doubled (a sid stored more than once)"]
        == 0
    )
    assert after["senders with more than one conversation"] == 0
    assert after["messages from contacts"] == after["their timeline interactions"] > 0
    filing = next(value for key, value in results.items() if key.startswith("filing"))
    assert filing["texts"] == measured["distinct_messages"]
    assert filing["worker CPU ms per text (user+system)"] > 0


def test_community():
    """A space of questions and answers in five languages: the space page (sorts, a tag, the
    next page by key), searches and question pages timed through the real views, as the
    application; the question page's queries don't grow with its answers."""
    results = community.run(**community.TINY)
    assert results["measured_as"] == settings.DATABASE_APP_USER
    assert results["data"]["questions"] == community.TINY["questions"]
    labels = [label for label in results if label.startswith(("space page", "search"))]
    assert len(labels) >= 9
    timed(results, *labels, "question page, typical", "question page, heavy (most answers)")
    for label in labels:
        assert {"queries", "p95_ms", "target_met"} <= set(results[label])
    queries = results["question page queries"]
    assert queries["constant"], queries
    assert queries["answers"]["heavy"] > queries["answers"]["typical"] > 0
    assert results["search, common words"]["queries"] > 0
    assert isinstance(results["targets_missed"], list)


def test_search():
    """The typo set's recall and precision next to the speed of each kind of search (a tenth of
    the set at this size; every intended person is added to the data)."""
    results = search.run(**search.TINY)
    assert results["measured_as"] == settings.DATABASE_APP_USER
    quality = results["quality"]
    assert quality["cases"] == len(search.typos.cases()[:: search.TINY["every"]])
    assert {"recall@1", "recall@5", "precision@5", "by kind", "misses"} <= set(quality)
    assert quality["recall@5"] >= 0.9, quality["misses"]
    assert results["data"]["people_added_for_the_typo_set"] >= 200
    for label in ("name start", "one typo", "transliteration, Latin for Persian"):
        timed(results["speed"], *[name for name in results["speed"] if f": {label} (" in name])
    assert all(results["search box and API list the same people"].values())


def test_export_streams_every_contact():
    """The contacts of the benchmark's organization as NDJSON and CSV, read to the end, with
    throughput and resident memory recorded (as the application's role, under RLS)."""
    results = export.run(**export.TINY)
    assert results["measured_as"] == settings.DATABASE_APP_USER
    with scopes_disabled():
        organization = Organization.objects.get(slug=contacts.SLUG)
        active = Contact.objects.filter(
            organization=organization, merged_into__isnull=True, erased_at__isnull=True
        ).count()
    assert results["NDJSON"]["lines"] == active >= contacts.TINY["size"].contacts
    assert results["CSV"]["lines"] == active + 1  # and the header
    assert 0 < results["NDJSON, filtered (kind=person)"]["lines"] <= active
    for label in ("NDJSON", "CSV"):
        assert {"rows_per_s", "rss_mib_peak", "projected_s_for_1M"} <= set(results[label])


@pytest.mark.filterwarnings("ignore::celery.exceptions.AlwaysEagerIgnored")  # a real worker
def test_webhook_fan_out_loses_and_doubles_nothing():
    """A few dozen events to three receivers (one slow, one failing some first attempts) by a
    real worker: every (endpoint, event) received exactly once, every signature valid."""
    results = webhooks.run(**webhooks.TINY)
    events = webhooks.TINY["events"]
    assert results["measured_as"] == settings.DATABASE_APP_USER
    assert results["lost"] == results["doubled"] == results["bad_signatures"] == 0
    for name, endpoint in results["per_endpoint"].items():
        assert endpoint["received_once"] == events, (name, endpoint)
    assert results["per_endpoint"]["flaky"]["failed_first_attempt_on_purpose"] > 0  # retried
    assert (
        results["delivery_rows_by_attempt"][2]
        == results["per_endpoint"]["flaky"]["failed_first_attempt_on_purpose"]
    )
    assert results["delivery_rows_succeeded"] == 3 * events
    assert results["delivery_rows_left_pending"] == 0
    assert {"events_per_s", "delivery_latency_first_attempt_ms", "end_to_end_s"} <= set(results)


def test_api_list_throughput():
    """The four big lists and the contact page through gunicorn, a token and a session: every
    request answered 200, requests/s, latency and the workers' CPU per request recorded, and
    where one request's time goes."""
    results = api_lists.run(**api_lists.TINY)
    assert results["measured_as"] == settings.DATABASE_APP_USER
    assert set(results["lists"]) == {
        "contacts",
        "interactions",
        "gifts",
        "service requests",
        "contact page (staff, session)",
    }
    for name, result in results["lists"].items():
        measured = result["2 in flight"]
        assert measured["requests"] > 0 and measured["errors"] == 0, (name, measured)
        assert {"requests_per_s", "p50_ms", "p95_ms", "worker CPU ms per request"} <= set(measured)
    assert results["lists"]["gifts"]["profile"]["breakdown_ms"]["SQL execute"] > 0


@pytest.mark.django_db(transaction=True, databases=["default", "replica"])
@pytest.mark.usefixtures("replica_on")  # a primary and standby of the tests' own
class TestReplica:
    def test_the_primarys_load_falls_as_reads_move_to_the_replica(self):
        """The same requests with every read on the primary, then with the router on: the
        replica serves reads only in the second run, and the primary reads fewer rows."""
        results = replica.run(**replica.TINY)
        assert results["measured_as"] == settings.DATABASE_APP_USER
        off, on = results["every read on the primary"], results["reads on the replica"]
        assert off["replica"]["rows"] < on["replica"]["rows"]  # (its own counters' reads)
        assert on["primary"]["rows"] < off["primary"]["rows"]
        assert on["primary"]["transactions"] > 0  # the writes and the writer's own reads
        assert set(results["primary's load with the replica / without"]) == {
            "transactions",
            "rows",
            "blocks",
            "backend_cpu_ms",
        }
