"""The public volunteer signup form under a burst: gunicorn (2 sync workers) on loopback, real
PostgreSQL and Redis (rate limits, the Celery broker), posts from an asyncio load generator.

Each post is a different person (distinct email), so the per-email limit is not what is
measured, and the per-IP limit is raised through its setting (VOLUNTEER_SIGNUP_IP_RATE) for the
run. After the burst the rows are counted: every accepted post must be exactly one pending
signup waiting for its confirmation email — none lost, none doubled. (No worker runs: the
confirmation sweeps stay queued; the run measures the form, not the mail.)

Target (issue 6): ≥ 150 form posts/s with p95 < 100 ms.
BENCH_VOLUNTEER_POSTS sets the number of posts (default 3,000), BENCH_VOLUNTEER_CONCURRENCY the
connections in flight (default 4), BENCH_VOLUNTEER_THREADS threads per gunicorn worker (default
1: sync workers), BENCH_VOLUNTEER_PORT the port (default: a free one).

The organization is made by the owner of the tables; gunicorn and the counting run as the
application's role, under row-level security (``bench/roles.py``).
"""

import asyncio
import os
import re
import statistics
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlencode

import redis
from django.conf import settings
from django_scopes import scopes_disabled

from bench import roles, serving
from stakeholders.models import Organization
from volunteers.models import Cause, PendingSignup, Skill

DATABASE = "steward_bench_vol"
HOST = "127.0.0.1"
# A few posts: the test suite runs every scenario so (tests/test_bench.py).
TINY = {"posts": 6, "warmup": 2, "concurrency": 2}


PORT = int(os.environ.get("BENCH_VOLUNTEER_PORT") or serving.free_port())


def _organization():
    organization = Organization.objects.create(
        name="Riverside Food Bank", slug="riverside", country="GB", timezone="Europe/London"
    )
    skills = Skill.objects.bulk_create(
        Skill(organization=organization, name=name) for name in ("Cooking", "Driving", "Admin")
    )
    causes = Cause.objects.bulk_create(
        Cause(organization=organization, name=name) for name in ("Food", "Youth")
    )
    return organization, [s.pk for s in skills], [c.pk for c in causes]


async def _post(body, path):
    request = (
        f"POST {path} HTTP/1.1\r\nHost: {HOST}:{PORT}\r\nConnection: close\r\n"
        "Content-Type: application/x-www-form-urlencoded\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode() + body
    start = time.perf_counter()
    reader, writer = await asyncio.open_connection(HOST, PORT)
    writer.write(request)
    await writer.drain()
    response = await reader.read()
    writer.close()
    elapsed = (time.perf_counter() - start) * 1000
    status = int(response.split(b" ", 2)[1]) if response else 0
    return status, elapsed


def _run_loop(coroutine):
    """asyncio.run on a thread of its own: the caller's thread may already run a loop (the
    test suite's browser tests leave Playwright's there)."""
    with ThreadPoolExecutor(max_workers=1) as executor:
        return executor.submit(asyncio.run, coroutine).result()


async def _burst(bodies, path, concurrency):
    queue = asyncio.Queue()
    for body in bodies:
        queue.put_nowait(body)
    results = []

    async def worker():
        while not queue.empty():
            body = queue.get_nowait()
            results.append(await _post(body, path))

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return results, time.perf_counter() - start


def _bodies(n, started, skills, causes, prefix):
    for i in range(n):
        yield urlencode(
            {
                "first_name": "Bench",
                "last_name": f"Person {i}",
                "email": f"{prefix}{i}@bench.example.org",
                "phone": "+44 7911 123456",
                "skills": [skills[i % len(skills)]],
                "causes": [causes[i % len(causes)]],
                "availability": ["0-0", "5-1"],
                "languages": "English",
                "heard_from": "friend",
                "consent": "on",
                "started": started,
            },
            doseq=True,
        ).encode()


def run(*, posts=None, warmup=100, concurrency=None, threads=None):
    posts = posts or int(os.environ.get("BENCH_VOLUNTEER_POSTS", "3000"))
    concurrency = concurrency or int(os.environ.get("BENCH_VOLUNTEER_CONCURRENCY", "4"))
    threads = threads or int(os.environ.get("BENCH_VOLUNTEER_THREADS", "1"))
    with roles.loading():
        organization, skills, causes = _organization()
    broker_url = settings.CELERY_BROKER_URL
    broker = redis.Redis.from_url(broker_url)
    broker.delete("mail")  # the queue of the confirmation sweeps (settings.CELERY_TASK_ROUTES)
    environment = {
        **{k: v for k, v in os.environ.items() if k != "DATABASE_OWNER_URL"},
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": roles.application_database_url(),
        "CELERY_EAGER": "0",
        "VOLUNTEER_SIGNUP_IP_RATE": "1000000/h",
        "VOLUNTEER_SIGNUP_MIN_SECONDS": "1",
        "LOG_LEVEL": "WARNING",
    }
    with serving.gunicorn(environment, port=PORT, threads=threads):
        load_before = Path("/proc/loadavg").read_text().split()[:3]
        path = f"/o/{organization.slug}/volunteer/"
        form = urllib.request.urlopen(f"http://{HOST}:{PORT}{path}").read()
        started = re.search(rb'name="started" value="([^"]+)"', form).group(1).decode()
        time.sleep(1.2)  # the least time a person takes
        run = f"{time.time_ns()}-"  # fresh people every run: the per-address limit stays 3/h
        warmup, _ = _run_loop(
            _burst(list(_bodies(warmup, started, skills, causes, f"warm{run}")), path, concurrency)
        )
        results, seconds = _run_loop(
            _burst(list(_bodies(posts, started, skills, causes, f"p{run}")), path, concurrency)
        )
        load_after = Path("/proc/loadavg").read_text().split()[:3]
    timings = sorted(ms for _status, ms in results)
    statuses = {}
    for status, _ms in results + warmup:
        statuses[str(status)] = statuses.get(str(status), 0) + 1
    with roles.measuring(), scopes_disabled():
        rows = PendingSignup.objects.filter(organization=organization)
        stored = rows.count()
        distinct = rows.values("email").distinct().count()
        awaiting_email = rows.filter(confirmation_sent_at__isnull=True).count()
    queued = broker.llen("mail")
    broker.delete("mail")  # nobody sends these: the run measures the form, not the mail
    accepted = statuses.get("200", 0)
    return {
        "measured_as": roles.current_role(),
        "setup": {
            "server": "gunicorn, 2 workers"
            + (" (sync)" if threads == 1 else f" × {threads} threads (gthread)")
            + ", 127.0.0.1",
            "client": f"asyncio, {concurrency} connections in flight, one request each",
            "posts": posts,
            "warm-up posts": len(warmup),
            "load average before/after (1, 5, 15 min; other jobs share the machine)": [
                load_before,
                load_after,
            ],
        },
        "signup form POST burst": {
            "requests_per_s": round(posts / seconds, 1),
            "p50_ms": round(statistics.median(timings), 2),
            "p95_ms": round(timings[int(len(timings) * 0.95) - 1], 2),
            "p99_ms": round(timings[int(len(timings) * 0.99) - 1], 2),
            "max_ms": round(timings[-1], 2),
            "statuses": statuses,
        },
        "after the run": {
            "accepted_posts": accepted,
            "pending_signups_stored": stored,
            "distinct_emails": distinct,
            "awaiting_their_confirmation_email": awaiting_email,
            "confirmation_sweeps_queued (one per organization per second at most)": queued,
            "lost": accepted - stored,
            "duplicated": stored - distinct,
        },
        "target": "≥ 150 posts/s, p95 < 100 ms, zero lost or duplicated",
    }
