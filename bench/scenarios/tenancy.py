"""What the tenancy machinery costs per request: middleware, membership check, scoped queries."""

import statistics
import time

from django.db import connection
from django.test import Client

from bench.generators.organizations import organization_with_members
from stakeholders import services

REQUESTS = 300


def _time(client, path, **headers):
    client.get(path, **headers)  # warm up
    queries = []
    with connection.execute_wrapper(
        lambda execute, sql, *args: queries.append(sql) or execute(sql, *args)
    ):
        client.get(path, **headers)
    timings = []
    for _ in range(REQUESTS):
        start = time.perf_counter()
        response = client.get(path, **headers)
        timings.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, response.status_code
    timings.sort()
    return {
        "requests": REQUESTS,
        "p50_ms": round(statistics.median(timings), 2),
        "p95_ms": round(timings[int(len(timings) * 0.95) - 1], 2),
        "queries": len(queries),
    }


def run():
    for n in range(20):
        organization_with_members(f"other-{n}", 100)
    organization, admin = organization_with_members("bench", 2000)
    _token, key = services.api_token_create(organization=organization, user=admin, name="bench")

    client = Client(HTTP_HOST="localhost")
    client.force_login(admin)
    api = Client(HTTP_HOST="localhost", HTTP_AUTHORIZATION=f"Token {key}")
    return {
        "data": {"organizations": 21, "members_in_org": 2000, "members_total": 4000},
        "dashboard (HTML, session)": _time(client, "/o/bench/"),
        "team page (HTML, 2,000 members, first page)": _time(client, "/o/bench/settings/members/"),
        "API members, 50 per page (token)": _time(api, "/api/v1/o/bench/members/"),
        "API members, 200 per page (token)": _time(api, "/api/v1/o/bench/members/?page_size=200"),
        "unknown organization (404)": _time_404(client),
    }


def _time_404(client):
    timings = []
    for _ in range(REQUESTS):
        start = time.perf_counter()
        assert client.get("/o/does-not-exist/").status_code == 404
        timings.append((time.perf_counter() - start) * 1000)
    timings.sort()
    return {"requests": REQUESTS, "p50_ms": round(statistics.median(timings), 2)}
