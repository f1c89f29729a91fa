"""What staff of a large organization wait for: the contact page and its timeline, the search box
and the API lists, with 1,000,000 contacts and 10,000,000 interactions in one organization (and
20 small organizations beside it, so every query has to filter by tenant).

Loading takes minutes, so the data lives in its own database and is kept between runs: it is
reused when the row counts match (BENCH_REGENERATE=1 rebuilds it). Runs only when named or with
BENCH_LARGE=1. The targets are the issue's, for a 2-core machine; for a missed one the result
carries the EXPLAIN (ANALYZE, BUFFERS) of the request's slowest query, to say why.

The data is loaded as the owner of the tables; every request is timed as the application's role,
under row-level security (``bench/roles.py``). Then every SELECT of every case is explained as
both roles (``plans under row-level security``): a plan that changes under RLS is listed with
both plans — PostgreSQL evaluates a condition whose operator is not LEAKPROOF only after the
policy's, so it can't use an index for it. BENCH_COMPARE_OWNER=1 also times the same requests as
the owner (no RLS), for comparison only.
"""

import cProfile
import json
import os
import pstats
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import phonenumbers
from django.db import connection, transaction
from django.test import Client
from django.utils.html import escape

from bench import roles
from bench import timing as bench_timing
from bench.generators import contacts as generator
from config import dbserver
from stakeholders import services
from stakeholders.models import (
    ApiToken,
    Contact,
    ContactName,
    ContactNameWord,
    Interaction,
    Organization,
    User,
)
from stakeholders.tenancy.models import organization_scope

LARGE = True
# BENCH_CONTACTS=200000 (see ``size_from_environment``) keeps its data in a database of its own.
DATABASE = "steward_bench_large" + (
    f"_{os.environ['BENCH_CONTACTS']}" if os.environ.get("BENCH_CONTACTS") else ""
)
KEEP_DATABASE = True

SLUG = "bench"


@dataclass(frozen=True)
class Size:
    contacts: int = 1_000_000
    interactions: int = 10_000_000
    others: int = 20
    other_contacts: int = 1_000
    members: int = 25
    heavy: tuple = tuple(generator.HEAVY_COUNTS)


@dataclass(frozen=True)
class Timing:
    requests: int = 300
    min_requests: int = 30
    budget_s: float = 20  # per case: a slow page gets fewer requests, so the run stays short
    profile_requests: int = 10


# A few rows and requests: the test suite runs every scenario so (tests/test_bench.py).
TINY = {
    "size": Size(
        contacts=300, interactions=3_000, others=2, other_contacts=20, members=3, heavy=(300,)
    ),
    "timing": Timing(requests=2, min_requests=2, budget_s=0, profile_requests=1),
    "compare_owner": True,
}

TARGET_CONTACT_PAGE_MS = 80
TARGET_SEARCH_MS = 150
TARGET_API_LIST_MS = 60
PROJECT = str(Path(__file__).resolve().parents[2]) + "/"


def log(message):
    print(f"[contacts {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# --- Data (as the owner of the tables) -----------------------------------------------------------


def _complete(organization, size):
    # The search scenario adds its people (external id TYPO-…) to the same organization.
    generated = Contact.objects.filter(organization=organization).exclude(
        external_id__startswith="TYPO-"
    )
    return (
        generated.count() == size.contacts
        and Interaction.objects.filter(organization=organization).count() == size.interactions
    )


def _load_info():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database "
            "WHERE datname = current_database()"
        )
        (comment,) = cursor.fetchone()
    return json.loads(comment) if comment and comment.startswith("{") else {}


def ensure_data(size):
    """The organization and its admin: the kept data when complete, else built afresh. Runs as
    the owner (``roles.loading``)."""
    organization = Organization.objects.filter(slug=SLUG).first()
    if organization is not None and _complete(organization, size):
        log("reusing the data set")
        return organization, User.objects.get(email=f"{SLUG}-0@bench.example.org"), True
    if organization is not None:  # an older or different data set: start from empty tables
        with connection.cursor() as cursor:
            cursor.execute("TRUNCATE stakeholders_organization, stakeholders_user CASCADE")
    started = time.perf_counter()
    with transaction.atomic():
        organization, admin = generator.populate(
            slug=SLUG,
            contacts=size.contacts,
            interactions=size.interactions,
            members=size.members,
            others=size.others,
            other_contacts=size.other_contacts,
            heavy=size.heavy,
            log=log,
        )
        log("COMMIT")
    loaded = time.perf_counter() - started
    generator.vacuum_analyze(log=log)
    info = {
        "generated_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "loaded_by": roles.current_role(),
        "load_s": round(loaded),
        "generation_s": round(time.perf_counter() - started),
    }
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_database()")
        (database,) = cursor.fetchone()
        cursor.execute(
            f"COMMENT ON DATABASE {connection.ops.quote_name(database)} IS '{json.dumps(info)}'"
        )
    log(f"generated in {info['generation_s']} s")
    return organization, admin, False


def _check_indexes():
    """Every index of the models and migrations must be there: the point is to time with them."""
    models = (Contact, Interaction, ContactName, ContactNameWord)
    expected = {index.name for model in models for index in model._meta.indexes}
    expected |= {"contact_search_trgm", "uniq_contact_external_id", "uniq_contact_name"}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename = ANY(%s)",
            [[model._meta.db_table for model in models]],
        )
        present = {name for (name,) in cursor.fetchall()}
    missing = expected - present
    if missing:
        raise RuntimeError(f"indexes missing: {sorted(missing)}; rerun with BENCH_REGENERATE=1")
    return len(present)


def _subjects(organization):
    """The contacts to time: the heaviest (first) one and a typical one with an email, a UK phone
    and an external id (for the search box), from the second half of the organization's ids:
    8–15 interactions when there is such a contact (a small data set may have none)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT min(id), max(id) FROM stakeholders_contact WHERE organization_id = %s",
            [organization.pk],
        )
        first, last = cursor.fetchone()
        for interactions in ((8, 15), (0, 1_000_000)):
            cursor.execute(
                """
                SELECT c.id FROM stakeholders_contact c
                WHERE c.organization_id = %s AND c.kind = 'person' AND c.email <> ''
                  AND c.country = 'GB' AND c.phone LIKE '+44%%' AND c.external_id <> ''
                  AND c.id >= %s
                  AND (SELECT count(*) FROM stakeholders_interaction i
                       WHERE i.organization_id = c.organization_id AND i.contact_id = c.id)
                      BETWEEN %s AND %s
                ORDER BY c.id LIMIT 1
                """,
                [organization.pk, (first + last) // 2, *interactions],
            )
            found = cursor.fetchone()
            if found:
                break
        (typical,) = found
    heavy = Contact.objects.get(pk=first)
    typical = Contact.objects.get(pk=typical)
    for contact in (heavy, typical):
        contact.interaction_count = Interaction.objects.filter(
            organization=organization, contact=contact
        ).count()
    return heavy, typical


# --- Timing (as the application's role) ---------------------------------------------------------


def _explain(sql, params):
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
        plan = [row[0] for row in cursor.fetchall()]
        text = cursor.cursor.mogrify(sql, params).decode()
    return {"sql": text, "plan": plan}


def _profile(client, path, headers, requests=10):
    """Where the Python time goes, in ms per request: the project's own costliest calls (time
    including callees) and the hottest functions anywhere (own time)."""
    profile = cProfile.Profile()
    profile.enable()
    for _ in range(requests):
        client.get(path, **headers)
    profile.disable()
    stats = pstats.Stats(profile).stats

    def where(file, line, name):
        return f"{file.split('site-packages/')[-1].replace(PROJECT, '')}:{line} {name}"

    def top(key, keep):
        rows = sorted(
            ((key(row), where(*function)) for function, row in stats.items() if keep(function)),
            reverse=True,
        )
        return [f"{seconds * 1000 / requests:.1f} ms {name}" for seconds, name in rows[:12]]

    def total(file_end, name):
        seconds = sum(
            row[3]
            for (file, _line, fn), row in stats.items()
            if file.endswith(file_end) and fn == name
        )
        return round(seconds * 1000 / requests, 1)

    return {
        "breakdown_ms": {
            "templates (render)": total("django/shortcuts.py", "render"),
            "form widgets (in templates)": total("django/forms/boundfield.py", "as_widget"),
            "JSON rendering (API)": total("rest_framework/renderers.py", "render"),
            "serializers (API)": total("rest_framework/serializers.py", "data"),
            "SQL execute": total("django/db/backends/utils.py", "_execute"),
        },
        "project_calls_cumulative": top(
            lambda row: row[3],
            lambda function: function[0].startswith(PROJECT) and "/.venv/" not in function[0],
        ),
        "hottest_functions_own_time": top(lambda row: row[2], lambda function: True),
    }


def _time(client, path, *, target_ms, timing, expect=None, profile=True, **headers):
    """p50/p95 of ``path``; the queries of one request are kept (``_queries``) for the plans."""
    response = client.get(path, **headers)  # warm up
    assert response.status_code == 200, (path, response.status_code)
    start = time.perf_counter()
    with bench_timing.recording_queries() as queries:
        client.get(path, **headers)
    profiled_ms = (time.perf_counter() - start) * 1000
    requests = max(
        timing.min_requests,
        min(timing.requests, int(timing.budget_s * 1000 / max(profiled_ms, 1))),
    )
    timings = []
    for _ in range(requests):
        start = time.perf_counter()
        response = client.get(path, **headers)
        timings.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, response.status_code
    result, slowest = bench_timing.summary(path, timings, queries, target_ms)
    p95 = result["p95_ms"]
    if expect is not None:
        result["finds_expected"] = expect(response)
    if profile and not result["target_met"]:
        result["slowest_query"] = _explain(slowest[1], slowest[2])
        result["python_profile"] = _profile(client, path, headers, timing.profile_requests)
    log(
        f"{roles.current_role()} {path}: p50 {result['p50_ms']} ms, p95 {p95} ms, "
        f"{len(queries)} queries"
    )
    result["_queries"] = queries
    return result


def _in_page(text):
    return lambda response: escape(text) in response.content.decode()


def _in_results(name):
    return lambda response: any(row["name"] == name for row in response.json()["results"])


# --- Plans as the application's role and as the owner -------------------------------------------


def _plan_shape(node):
    """The plan without its numbers: node types with the index or table each reads."""
    here = [
        " ".join(
            str(part)
            for part in (node["Node Type"], node.get("Index Name") or node.get("Relation Name"))
            if part
        )
    ]
    for child in node.get("Plans", []):
        here += ["  " + line for line in _plan_shape(child)]
    return here


def _plans(queries, role):
    """The plan of each query (SQL text → plan) as ``role``: its shape, and the EXPLAIN
    (ANALYZE, BUFFERS) text with its execution time."""
    plans = {}
    with roles.measuring(role), connection.cursor() as cursor:
        for text, (sql, params) in queries.items():
            cursor.execute("EXPLAIN (FORMAT JSON) " + sql, params)
            (document,) = cursor.fetchone()
            if isinstance(document, str):
                document = json.loads(document)
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
            lines = [row[0] for row in cursor.fetchall()]
            executed = [line for line in lines if line.startswith("Execution Time:")]
            plans[text] = {
                "shape": _plan_shape(document[0]["Plan"]),
                "execution_ms": float(executed[-1].split()[2]) if executed else None,
                "plan": lines,
            }
    return plans


def _compare_plans(organization, cases):
    """Every SELECT of every case, explained as the application (RLS) and as the owner (no RLS):
    the case's slowest query with both plans, and any query whose plan changes under RLS."""
    selects = {}  # label -> [(ms, SQL text)]
    queries = {}  # SQL text -> (sql, params), each explained once
    for label, result in cases.items():
        for ms, sql, params in result["_queries"]:
            if sql.lstrip().upper().startswith(("SELECT", "WITH")):
                text = connection.ops.compose_sql(sql, params)
                queries[text] = (sql, params)
                selects.setdefault(label, []).append((ms, text))
    with organization_scope(organization):
        application = _plans(queries, roles.APPLICATION)
        owner = _plans(queries, roles.OWNER)
    comparison = {}
    for label, statements in selects.items():
        changed = []
        for text in dict.fromkeys(text for _ms, text in statements):
            if application[text]["shape"] != owner[text]["shape"]:
                # Another plan is often just the estimate moving (the policy's filter): only a
                # slower one, by more than a millisecond, keeps both plans here.
                slower = (application[text]["execution_ms"] or 0) > max(
                    1.0, 2 * (owner[text]["execution_ms"] or 0)
                )
                change = _both(text, application[text], owner[text])
                if not slower:
                    del change["application_plan"], change["owner_plan"]
                changed.append({**change, "slower_under_rls": slower})
        _ms, slowest = max(statements)
        comparison[label] = {
            "queries_explained": len(statements),
            "slowest_query": {
                **_both(slowest, application[slowest], owner[slowest]),
                "same_plan": application[slowest]["shape"] == owner[slowest]["shape"],
            },
            "plans_changed_by_rls": changed,
        }
    return comparison


def _both(text, application, owner):
    return {
        "sql": text,
        "application_ms": application["execution_ms"],
        "owner_ms": owner["execution_ms"],
        "application_plan": application["plan"],
        "owner_plan": owner["plan"],
    }


# --- The run ---------------------------------------------------------------------------------


def _leakproof():
    """Which of the search's operator functions the planner may use before the RLS policy."""
    names = [*dbserver.LEAKPROOF_FUNCTIONS, "textlike(text,text)"]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT f, p.proleakproof FROM unnest(%s::text[]) f "
            "LEFT JOIN pg_proc p ON p.oid = to_regprocedure(f)",
            [names],
        )
        return dict(cursor.fetchall())


def _cases(heavy, typical, organization, key):
    """(label, client, path, target, expect) of every timed case."""
    client = Client(HTTP_HOST="localhost")
    client.force_login(User.objects.get(pk=key[0]))
    api = Client(HTTP_HOST="localhost", HTTP_AUTHORIZATION=f"Token {key[1]}")
    # What the search box fetches as one types (htmx): the results alone, not the whole page.
    as_you_type = Client(HTTP_HOST="localhost", HTTP_HX_REQUEST="true")
    as_you_type.force_login(User.objects.get(pk=key[0]))
    national = phonenumbers.format_number(
        phonenumbers.parse(typical.phone), phonenumbers.PhoneNumberFormat.NATIONAL
    )
    searches = [
        ("partial name", "fatim", "Fatima"),
        ("name with a typo", "Fatma Adeymi", "Fatima Adeyemi"),
        ("full email", typical.email, typical.name),
        ("phone, national format", national, typical.name),
        ("external id", typical.external_id, typical.name),
    ]
    base, api_base = f"/o/{SLUG}/contacts/", f"/api/v1/o/{SLUG}"
    cases = [
        (
            f"contact page, heavy contact ({heavy.interaction_count:,} interactions)",
            client,
            f"{base}{heavy.pk}/",
            TARGET_CONTACT_PAGE_MS,
            None,
        ),
        (
            f"contact page, typical contact ({typical.interaction_count} interactions)",
            client,
            f"{base}{typical.pk}/",
            TARGET_CONTACT_PAGE_MS,
            None,
        ),
    ]
    for label, query, expected in searches:
        cases.append(
            (
                f"search box: {label} ({query})",
                client,
                f"{base}?q={quote(query)}",
                TARGET_SEARCH_MS,
                _in_page(expected),
            )
        )
    for label, query, expected in searches[:2]:
        cases.append(
            (
                f"search box as one types (htmx results): {label} ({query})",
                as_you_type,
                f"{base}?q={quote(query)}",
                TARGET_SEARCH_MS,
                _in_page(expected),
            )
        )
    for label, query, expected in searches:
        cases.append(
            (
                f"API contacts search: {label} ({query})",
                api,
                f"{api_base}/contacts/?search={quote(query)}",
                TARGET_SEARCH_MS,
                _in_page(expected) if label == "partial name" else _in_results(expected),
            )
        )
    cases += [
        (
            "API interactions, 50 per page",
            api,
            f"{api_base}/interactions/?page_size=50",
            TARGET_API_LIST_MS,
            None,
        ),
        (
            "API interactions, 200 per page",
            api,
            f"{api_base}/interactions/?page_size=200",
            TARGET_API_LIST_MS,
            None,
        ),
        (
            f"API interactions of the heavy contact ({heavy.pk})",
            api,
            f"{api_base}/interactions/?contact={heavy.pk}",
            TARGET_API_LIST_MS,
            None,
        ),
        (
            f"API interactions of the typical contact ({typical.pk})",
            api,
            f"{api_base}/interactions/?contact={typical.pk}",
            TARGET_API_LIST_MS,
            None,
        ),
    ]
    return cases


def _time_cases(cases, timing, *, compare_owner):
    """Each case as the application's role; with ``compare_owner``, right after it the same case
    as the owner (back to back, so both see the same load on the machine)."""
    timed, owner = {}, {}
    for label, client, path, target, expect in cases:
        with roles.measuring(roles.APPLICATION):
            timed[label] = _time(client, path, target_ms=target, timing=timing, expect=expect)
        if compare_owner:
            with roles.measuring(roles.OWNER):
                owner[label] = _time(
                    client, path, target_ms=target, timing=timing, expect=expect, profile=False
                )
    return timed, owner


def _load_average():
    return Path("/proc/loadavg").read_text().split()[:3]


def size_from_environment():
    """The full size, or BENCH_CONTACTS contacts with ten interactions each (a moderate run on a
    shared machine: ``BENCH_CONTACTS=200000``)."""
    contacts = int(os.environ.get("BENCH_CONTACTS") or 0)
    return Size(contacts=contacts, interactions=10 * contacts) if contacts else Size()


def run(*, size=None, timing=Timing(), compare_owner=None):
    size = size or size_from_environment()
    compare_owner = roles.compare_owner(compare_owner)
    with roles.loading():
        organization, admin, reused = ensure_data(size)
        indexes = _check_indexes()
        heavy, typical = _subjects(organization)
        ApiToken.objects.filter(organization=organization, name="bench").delete()
        _token, key = services.api_token_create(organization=organization, user=admin, name="bench")
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
            (database_size,) = cursor.fetchone()
    cases = _cases(heavy, typical, organization, (admin.pk, key))
    load_before, reference_before = _load_average(), bench_timing.reference_loop_ms()
    timed, owner = _time_cases(cases, timing, compare_owner=compare_owner)
    results = {
        "data": {
            "organizations": 1 + size.others,
            "contacts_in_org": size.contacts,
            "interactions_in_org": size.interactions,
            "contacts_in_each_other_org": size.other_contacts,
            "heavy_contact_interactions": heavy.interaction_count,
            "typical_contact_interactions": typical.interaction_count,
            "reused": reused,
            **_load_info(),
            "database_size": database_size,
            "indexes_on_contacts_interactions_and_names": indexes,
        },
        "measured_as": roles.current_role(),
        "row_level_security": roles.separate_owner(),
        "load average before/after (1, 5, 15 min; other jobs share the machine)": [
            load_before,
            _load_average(),
        ],
        "reference loop before/after (ms, bench.timing.reference_loop_ms)": [
            reference_before,
            bench_timing.reference_loop_ms(),
        ],
        "leakproof": _leakproof(),
        **timed,
    }
    results["API interactions, 200 per page"]["queries_same_as_50_per_page"] = (
        timed["API interactions, 200 per page"]["queries"]
        == timed["API interactions, 50 per page"]["queries"]
    )
    results["targets_missed"] = [
        name for name, value in timed.items() if not value.get("target_met", True)
    ]
    if roles.separate_owner():
        results["plans under row-level security"] = _compare_plans(organization, timed)
        results["plans_slower_under_rls"] = [
            label
            for label, value in results["plans under row-level security"].items()
            if any(change["slower_under_rls"] for change in value["plans_changed_by_rls"])
        ]
    if compare_owner:
        results["as the owner, no RLS (comparison only)"] = {
            label: {
                key: value[key]
                for key in ("p50_ms", "p95_ms", "queries", "db_ms", "slowest_query_ms")
            }
            for label, value in owner.items()
        }
        results["row-level security cost (application / owner)"] = {
            label: {
                "p50_ms": [timed[label]["p50_ms"], owner[label]["p50_ms"]],
                "p95_ms": [timed[label]["p95_ms"], owner[label]["p95_ms"]],
                "db_ms": [timed[label]["db_ms"], owner[label]["db_ms"]],
            }
            for label in timed
        }
    for value in [*timed.values(), *owner.values()]:
        value.pop("_queries", None)
    return results
