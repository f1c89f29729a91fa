"""What the tenancy machinery costs per request: middleware, membership check, scoped queries —
and, since the database is the second lock, row-level security in every query (the data is made
by the owner of the tables; the requests run as the application's role: ``bench/roles.py``)."""

import statistics
import time

from django.db import connection
from django.test import Client

from bench import roles
from bench.generators.organizations import organization_with_members
from stakeholders import services

REQUESTS = 300
# A few rows and requests: the test suite runs every scenario so (tests/test_bench.py).
TINY = {"members": 5, "others": 2, "other_members": 2, "requests": 2, "compare_owner": True}


def _time(client, path, requests=REQUESTS, **headers):
    client.get(path, **headers)  # warm up
    queries = []
    with connection.execute_wrapper(
        lambda execute, sql, *args: queries.append(sql) or execute(sql, *args)
    ):
        client.get(path, **headers)
    timings = []
    for _ in range(requests):
        start = time.perf_counter()
        response = client.get(path, **headers)
        timings.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, response.status_code
    timings.sort()
    return {
        "requests": requests,
        "p50_ms": round(statistics.median(timings), 2),
        "p95_ms": round(timings[max(int(len(timings) * 0.95) - 1, 0)], 2),
        "queries": len(queries),
    }


class Timer:
    """Times a page as the application's role; with ``compare_owner``, times it again as the
    owner right after (back to back, so both see the same load on the machine)."""

    def __init__(self, requests=REQUESTS, compare_owner=None):
        self.requests = requests
        self.compare_owner = roles.compare_owner(compare_owner)
        self.owner = {}

    def __call__(self, label, client, path, **headers):
        with roles.measuring():
            result = _time(client, path, self.requests, **headers)
        if self.compare_owner:
            with roles.measuring(roles.OWNER):
                self.owner[label] = _time(client, path, self.requests, **headers)
        return result

    def report(self, results):
        if self.compare_owner:
            results["as the owner, no RLS (comparison only)"] = self.owner
        return results


def run(*, members=2000, others=20, other_members=100, requests=REQUESTS, compare_owner=None):
    """BENCH_COMPARE_OWNER=1 (or ``compare_owner``) also times each page as the owner of the
    tables, right after the application's role: what row-level security costs, for comparison
    only."""
    with roles.loading():
        for n in range(others):
            organization_with_members(f"other-{n}", other_members)
        organization, admin = organization_with_members("bench", members)
        _token, key = services.api_token_create(organization=organization, user=admin, name="bench")

    client = Client(HTTP_HOST="localhost")
    client.force_login(admin)
    api = Client(HTTP_HOST="localhost", HTTP_AUTHORIZATION=f"Token {key}")
    timer = Timer(requests, compare_owner)
    results = {
        "data": {
            "organizations": others + 1,
            "members_in_org": members,
            "members_total": members + others * other_members,
        },
        "measured_as": roles.current_role(),
    }
    for label, who, path in [
        ("dashboard (HTML, session)", client, "/o/bench/"),
        ("team page (HTML, 2,000 members, first page)", client, "/o/bench/settings/members/"),
        ("API members, 50 per page (token)", api, "/api/v1/o/bench/members/"),
        ("API members, 200 per page (token)", api, "/api/v1/o/bench/members/?page_size=200"),
    ]:
        results[label] = timer(label, who, path)
    with roles.measuring():
        results["unknown organization (404)"] = _time_404(client, requests)
    return timer.report(results)


def _time_404(client, requests=REQUESTS):
    timings = []
    for _ in range(requests):
        start = time.perf_counter()
        assert client.get("/o/does-not-exist/").status_code == 404
        timings.append((time.perf_counter() - start) * 1000)
    timings.sort()
    return {"requests": requests, "p50_ms": round(statistics.median(timings), 2)}
