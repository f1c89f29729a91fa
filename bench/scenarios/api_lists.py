"""API list throughput (issue 22, point 2): how many 50-row pages of contacts, interactions,
gifts and service requests gunicorn serves per second, and the staff contact page beside them
(issue 21, point 2).

gunicorn (2 sync workers, as production runs them, `config/gunicorn.py`) on loopback; an
asyncio client keeps 4, then 16 requests in flight (closed loop) for a few seconds per list, each
on a new connection (sync workers don't keep connections alive), with an API token as an
integration sends it. Reported: requests/s, p50/p95, and the gunicorn workers' CPU per request
(user + system, from /proc) — the server's own cost, which decides what one worker can serve:
1000 / CPU ms per request. The client and PostgreSQL share the same two cores, so the wall
rate is below what the workers alone could do; both are recorded.

Then, in this process, where one request's time goes (cProfile over ``PROFILE_REQUESTS``):
middleware, authentication and throttling, the scope, the SQL, serialization and rendering.

The data (kept between runs in its own database): 50,000 contacts with 250,000 interactions,
20,000 donors with their gifts, 20,000 service requests — a page of 50 costs the same at ten
times the size (key pagination; checked in the ``contacts`` scenario at 1,000,000).
Target: ≥ 250 requests/s per worker (≤ 4 ms of worker CPU per page).
"""

import cProfile
import os
import pstats
import statistics
import time
from collections import Counter
from pathlib import Path

from django.db import connection
from django.test import Client

from bench import roles, serving
from bench.generators import contacts as contact_generator
from bench.generators import gifts as gift_generator
from bench.scenarios import clients as clients_scenario
from clients import services as client_services
from stakeholders import services
from stakeholders.models import Contact, Organization, Role, User
from stakeholders.tenancy.models import organization_scope

DATABASE = "steward_bench_api"
KEEP_DATABASE = True
HOST = serving.HOST
SLUG = "bench"
DATA = {"contacts": 50_000, "interactions": 250_000, "donors": 20_000, "requests": 20_000}
TINY = {
    "data": {"contacts": 200, "interactions": 1_000, "donors": 50, "requests": 50},
    "seconds": 0.3,
    "in_flight": (2,),
    "profile_requests": 2,
}
TARGET_PER_WORKER = 250
WORKERS = 2
PROFILE_REQUESTS = 200
PROJECT = str(Path(__file__).resolve().parents[2]) + "/"


def _ensure_data(data):
    """The organization and its admin: reused when present, else loaded (as the owner)."""
    organization = Organization.objects.filter(slug=SLUG).first()
    if organization is not None:
        return organization, User.objects.get(email=f"{SLUG}-0@bench.example.org")
    organization, admin = contact_generator.populate(
        slug=SLUG,
        contacts=data["contacts"],
        interactions=data["interactions"],
        members=3,
        others=2,
        other_contacts=100,
        heavy=(100,),
        log=lambda message: None,
    )
    with organization_scope(organization):
        gift_generator.load(organization, contacts=data["donors"])
        client_services.client_settings_save(organization=organization, around_the_clock=False)
        clients_scenario._load(organization, [admin.pk], data["requests"], data["requests"] // 10)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return organization, admin


def _paths(organization):
    base = f"/api/v1/o/{organization.slug}"
    with organization_scope(organization):
        contact = (
            Contact.objects.filter(organization=organization, last_interaction_at__isnull=False)
            .order_by("-pk")
            .values_list("pk", flat=True)
            .first()
        )
    return {
        "contacts": f"{base}/contacts/",
        "interactions": f"{base}/interactions/",
        "gifts": f"{base}/gifts/",
        "service requests": f"{base}/service-requests/",
        "contact page (staff, session)": f"/o/{organization.slug}/contacts/{contact}/",
    }


def _request(path, *, port, headers):
    lines = [f"GET {path} HTTP/1.1", f"Host: {HOST}:{port}", "Connection: close"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def _throughput(server, request, *, port, in_flight, seconds):
    serving.run_loop(serving.closed_loop_for(request, port=port, in_flight=in_flight, seconds=0.2))
    cpu_before = serving.cpu_seconds(server.pid)
    results, elapsed = serving.run_loop(
        serving.closed_loop_for(request, port=port, in_flight=in_flight, seconds=seconds)
    )
    cpu = serving.cpu_seconds(server.pid) - cpu_before
    latencies = sorted(latency for _status, latency in results)
    errors = Counter(status for status, _latency in results if status != 200)
    cpu_ms = cpu * 1000 / max(1, len(results))
    return {
        "requests": len(results),
        "requests_per_s": round(len(results) / elapsed, 1),
        "p50_ms": round(statistics.median(latencies), 2),
        "p95_ms": serving.percentile(latencies, 0.95),
        "errors": sum(errors.values()),
        "error statuses": dict(errors),
        "worker CPU ms per request": round(cpu_ms, 2),
        "per worker, from CPU (requests/s)": round(1000 / cpu_ms, 1) if cpu_ms else None,
    }


def _profile(client, path, headers, requests):
    """Where one request's Python time goes (ms per request, time including callees)."""
    client.get(path, **headers)
    profile = cProfile.Profile()
    start = time.perf_counter()
    profile.enable()
    for _ in range(requests):
        client.get(path, **headers)
    profile.disable()
    wall = (time.perf_counter() - start) * 1000 / requests
    stats = pstats.Stats(profile).stats

    def total(file_end, name):
        seconds = sum(
            row[3]
            for (file, _line, function), row in stats.items()
            if file.endswith(file_end) and function == name
        )
        return round(seconds * 1000 / requests, 2)

    hottest = sorted(
        (
            (row[2], f"{file.split('site-packages/')[-1].replace(PROJECT, '')}:{line} {function}")
            for (file, line, function), row in stats.items()
        ),
        reverse=True,
    )[:10]
    return {
        "in-process ms per request (profiled)": round(wall, 2),
        "breakdown_ms": {
            "authentication (token)": total("tenancy/authentication.py", "authenticate"),
            "throttling": total("rest_framework/views.py", "check_throttles"),
            "permission (membership)": total("rest_framework/views.py", "check_permissions"),
            "SQL execute": total("django/db/backends/utils.py", "_execute"),
            "pagination (the page's query included)": total(
                "tenancy/pagination.py", "paginate_queryset"
            ),
            "serialization (instances)": total("rest_framework/serializers.py", "data"),
            "serialization (plain rows)": total("tenancy/plain_rows.py", "data"),
            "JSON rendering": total("rest_framework/response.py", "rendered_content"),
            "view (DRF dispatch, all of the above but middleware)": total(
                "rest_framework/views.py", "dispatch"
            ),
        },
        "hottest_functions_own_time_ms": [
            f"{seconds * 1000 / requests:.2f} {name}" for seconds, name in hottest
        ],
    }


def run(*, data=None, seconds=8.0, in_flight=(4, 16), profile_requests=PROFILE_REQUESTS):
    data = data or DATA
    port = int(os.environ.get("BENCH_API_PORT") or serving.free_port())
    with roles.loading():
        organization, admin = _ensure_data(data)
    with roles.measuring(), organization_scope(organization):
        _token, key = services.api_token_create(
            organization=organization, user=admin, name=f"bench {time.time()}"
        )
        staff = Client(HTTP_HOST="localhost")
        staff.force_login(admin)
        session = staff.cookies["sessionid"].value
        assert admin.memberships.get(organization=organization).role == Role.ADMIN
    paths = _paths(organization)
    environment = {
        **{k: v for k, v in os.environ.items() if k != "DATABASE_OWNER_URL"},
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": roles.application_database_url(),
        "LOG_LEVEL": "WARNING",
        # Throughput, not the limits: at a few hundred pages a second one token passes the
        # default 600 a minute within seconds (the counting itself still runs).
        "API_RATE_LIMIT_USER": "1000000/min",
        "API_RATE_LIMIT_ORGANIZATION": "1000000/min",
    }
    token_headers = {"Authorization": f"Token {key}", "Accept": "application/json"}
    results = {}
    load_before = Path("/proc/loadavg").read_text().split()[:3]
    with serving.gunicorn(environment, port=port, workers=WORKERS) as server:
        for name, path in paths.items():
            headers = (
                {"Cookie": f"sessionid={session}"} if path.startswith("/o/") else token_headers
            )
            request = _request(path, port=port, headers=headers)
            results[name] = {
                "path": path,
                **{
                    f"{n} in flight": _throughput(
                        server, request, port=port, in_flight=n, seconds=seconds
                    )
                    for n in in_flight
                },
            }
    load_after = Path("/proc/loadavg").read_text().split()[:3]
    with roles.measuring():
        api = Client(HTTP_HOST="localhost")
        for name, path in paths.items():
            if path.startswith("/api/"):
                results[name]["profile"] = _profile(
                    api,
                    path,
                    {"HTTP_AUTHORIZATION": f"Token {key}", "HTTP_ACCEPT": "application/json"},
                    profile_requests,
                )
    per_worker = {
        name: result[f"{in_flight[-1]} in flight"]["per worker, from CPU (requests/s)"]
        for name, result in results.items()
        if result["path"].startswith("/api/")
    }
    return {
        "measured_as": roles.current_role(),
        "data": data,
        "setup": f"gunicorn, {WORKERS} sync workers, config.settings.test (DEBUG off, persistent "
        "connections, Redis cache and throttling as in production); an asyncio client on the "
        "same two cores, a new connection per request, an API token (admin)",
        "load_average": {"before": load_before, "after": load_after},
        "lists": results,
        "per worker (requests/s, from CPU)": per_worker,
        "target_per_worker": TARGET_PER_WORKER,
        "target_met": all(value and value >= TARGET_PER_WORKER for value in per_worker.values()),
    }
