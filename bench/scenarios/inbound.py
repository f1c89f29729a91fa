"""Inbound text messages under load: Twilio's SMS webhook at 200 requests/s, open loop.

gunicorn (2 sync workers) on loopback serves ``/o/<slug>/webhooks/twilio/sms/``; an asyncio
client fires webhooks signed with Twilio's own ``RequestValidator`` (the organization's auth
token) at **scheduled** times — request *i* leaves at ``i / rate`` whether or not earlier ones
were answered, as Twilio sends them — so a slow server shows as latency, not as a lower rate it
chose itself. Latency is counted from the scheduled time (a request the client sent late waits
in it too) and, separately, from when it left.

Like Twilio's traffic: ~5% of the messages are delivered twice (Twilio retries when an answer is
slow or lost: half at the same moment as the first, half 0.5–3 s later), ~10% come from the
same number at the same moment as the previous one (a person sending two texts at once), most
senders are contacts (matched by mobile), the rest unknown numbers (a new conversation each).

The webhook answers once the text is stored (one INSERT); a Celery worker (concurrency 1, on
the same two cores) files it into its conversation meanwhile (``stakeholders.inbox.received``).
The run waits until every text is filed and reports how long after the last answer that was
and the worker's CPU per text. Afterwards the database is checked: every distinct MessageSid
is stored exactly once (none lost, none doubled), each sender has one conversation, and each
message from a contact is one interaction on their timeline.

Target (issue 19): 200 webhooks/s with p95 < 100 ms, none lost or doubled.
BENCH_INBOUND_RATE (default 200), BENCH_INBOUND_SECONDS (30), BENCH_INBOUND_CONTACTS (5,000),
BENCH_INBOUND_PORT (default: a free one). Run: ``python -m bench.run inbound``.

The organization is made by the owner of the tables; gunicorn and the counting run as the
application's role, under row-level security (``bench/roles.py``).
"""

import asyncio
import os
import random
import statistics
import time
from pathlib import Path
from urllib.parse import urlencode

from django.db.models import Count
from django_scopes import scopes_disabled
from twilio.request_validator import RequestValidator

from bench import roles, serving
from bench.generators import inbox
from config.celery import app
from stakeholders.inbox.models import Conversation, Message, ReceivedText
from stakeholders.models import Interaction

DATABASE = "steward_bench_inbound"
HOST = "127.0.0.1"
SLUG = "riverside"
# A few dozen requests: the test suite runs every scenario so (tests/test_bench.py).
TINY = {"rate": 20, "seconds": 2, "contacts": 20, "warmup_seconds": 0.5}
TARGET = {"rate": 200, "p95_ms": 100}
# The filing worker runs below the web server's priority (``nice -n 10``, as docker-compose's
# worker-inbox does): webhooks are answered first, texts filed with what CPU is left.
WORKER_NICENESS = 10


def _plan(
    rng, *, rate, count, first, known, unknown_share=0.3, same_time_share=0.1, retry_share=0.05
):
    """The messages to send: (offset in seconds, sender, sid, body) in send order, retries
    included. ``first``: the index of the first message (distinct sids across phases)."""
    senders = known[: max(1, len(known) // 2)] or [inbox.mobile(0)]
    # A few people text a lot, most once or twice (a Zipf-like pick).
    weights = [1 / (rank + 1) ** 0.8 for rank in range(len(senders))]
    unknown = [f"+4477008{n:05d}" for n in range(max(10, count // 20))]
    sends = []
    previous = None
    for index in range(count):
        offset = index / rate
        if previous is not None and rng.random() < same_time_share:
            sender = previous[1]
            offset = previous[0]  # two texts from one person at the same moment
        elif rng.random() < unknown_share:
            sender = rng.choice(unknown)
        else:
            sender = rng.choices(senders, weights)[0]
        sid = f"SM{first + index:032x}"
        body = f"Hello, is the food bank open on Saturday? ({first + index})"
        sends.append((offset, sender, sid, body))
        previous = (offset, sender)
        if rng.random() < retry_share:
            delay = 0.0 if rng.random() < 0.5 else rng.uniform(0.5, 3.0)
            sends.append((offset + delay, sender, sid, body))
    return sorted(sends, key=lambda send: send[0])


def _requests(sends, *, port, path):
    """Each send as the bytes of a signed HTTP request (signed ahead: the client's own work
    stays out of the timings)."""
    url = f"http://{HOST}:{port}{path}"
    validator = RequestValidator(inbox.AUTH_TOKEN)
    prepared = []
    for offset, sender, sid, body in sends:
        params = {
            "ToCountry": "GB",
            "SmsMessageSid": sid,
            "SmsSid": sid,
            "MessageSid": sid,
            "NumMedia": "0",
            "From": sender,
            "To": inbox.OUR_NUMBER,
            "Body": body,
            "NumSegments": "1",
            "AccountSid": inbox.ACCOUNT_SID,
            "ApiVersion": "2010-04-01",
            "SmsStatus": "received",
        }
        form = urlencode(params).encode()
        signature = validator.compute_signature(url, params)
        head = (
            f"POST {path} HTTP/1.1\r\nHost: {HOST}:{port}\r\nConnection: close\r\n"
            "Content-Type: application/x-www-form-urlencoded\r\n"
            f"X-Twilio-Signature: {signature}\r\n"
            f"Content-Length: {len(form)}\r\n\r\n"
        ).encode()
        prepared.append((offset, sid, head + form))
    return prepared


async def _open_loop(prepared, *, port):
    """Fire each request at its scheduled time; returns ([(sid, status, latency, service,
    late)], seconds from the first scheduled send to the last answer)."""
    loop = asyncio.get_running_loop()
    start = loop.time() + 0.2
    origin = time.perf_counter() + 0.2

    async def one(offset, sid, request):
        await asyncio.sleep(max(0.0, start + offset - loop.time()))
        return (sid, *(await serving.send(request, port=port, scheduled_at=origin + offset)))

    results = await asyncio.gather(*(one(*request) for request in prepared))
    return results, time.perf_counter() - origin


async def _closed_loop(prepared, *, port, in_flight):
    """As fast as the server answers, ``in_flight`` at a time: the most it can take (for
    comparison with the open loop, which sends at the rate asked whatever happens)."""
    queue = list(reversed(prepared))
    results = []

    async def worker():
        while queue:
            _offset, sid, request = queue.pop()
            results.append(
                (sid, *(await serving.send(request, port=port, scheduled_at=time.perf_counter())))
            )

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(in_flight)))
    return results, time.perf_counter() - start


def _summary(results, seconds, distinct):
    latencies = sorted(row[2] for row in results)
    service = sorted(row[3] for row in results)
    late = sorted(row[4] * 1000 for row in results)
    statuses = {}
    for row in results:
        statuses[str(row[1])] = statuses.get(str(row[1]), 0) + 1
    errors = len(results) - statuses.get("200", 0)
    return {
        "requests": len(results),
        "distinct_messages": distinct,
        "achieved_requests_per_s": round(len(results) / seconds, 1),
        "p50_ms": round(statistics.median(latencies), 2),
        "p95_ms": serving.percentile(latencies, 0.95),
        "p99_ms": serving.percentile(latencies, 0.99),
        "max_ms": round(latencies[-1], 2),
        "service_p50_ms (from when it left)": round(statistics.median(service), 2),
        "service_p95_ms": serving.percentile(service, 0.95),
        "client_late_p95_ms (sent after its scheduled time)": serving.percentile(late, 0.95),
        "statuses": statuses,
        "errors": errors,
    }


def _wait_until_filed(*, timeout_s, poll_s=0.05):
    """Seconds until no text waits to be filed (the worker drains them)."""
    start = time.perf_counter()
    with roles.measuring(), scopes_disabled():
        while ReceivedText.objects.exists():
            if time.perf_counter() - start > timeout_s:
                raise RuntimeError("texts still waiting to be filed")
            time.sleep(poll_s)
    return time.perf_counter() - start


def run(*, rate=None, seconds=None, contacts=None, warmup_seconds=3.0):
    rate = rate or int(os.environ.get("BENCH_INBOUND_RATE", TARGET["rate"]))
    seconds = seconds or float(os.environ.get("BENCH_INBOUND_SECONDS", "30"))
    contacts = contacts or int(os.environ.get("BENCH_INBOUND_CONTACTS", "5000"))
    port = int(os.environ.get("BENCH_INBOUND_PORT") or serving.free_port())
    with roles.loading():
        organization, mobiles = inbox.texting_organization(SLUG, contacts=contacts)
    rng = random.Random(19)
    path = f"/o/{organization.slug}/webhooks/twilio/sms/"
    warm = _plan(rng, rate=rate, count=max(1, int(rate * warmup_seconds)), first=0, known=mobiles)
    most = _plan(
        rng, rate=rate, count=max(1, int(rate * warmup_seconds)), first=5 * 10**5, known=mobiles
    )
    sends = _plan(rng, rate=rate, count=int(rate * seconds), first=10**6, known=mobiles)
    environment = {
        **{k: v for k, v in os.environ.items() if k != "DATABASE_OWNER_URL"},
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": roles.application_database_url(),
        "SITE_URL": f"http://{HOST}:{port}",  # the URL Twilio signs
        "CELERY_EAGER": "0",
        "MESSAGING_BACKEND": "file",
        "LOG_LEVEL": "WARNING",
    }
    app.control.purge()
    with (
        serving.gunicorn(environment, port=port) as server,
        serving.celery_worker(environment, concurrency=1) as worker,
    ):
        load_before = Path("/proc/loadavg").read_text().split()[:3]
        warm_results, _warm_seconds = serving.run_loop(
            _open_loop(_requests(warm, port=port, path=path), port=port)
        )
        capacity, capacity_seconds = serving.run_loop(
            _closed_loop(_requests(most, port=port, path=path), port=port, in_flight=4)
        )
        prepared = _requests(sends, port=port, path=path)
        _wait_until_filed(timeout_s=300)  # the warm-up's and the capacity run's texts
        cpu_before = serving.cpu_seconds(server.pid)
        filing_cpu_before = serving.cpu_seconds(worker.pid)
        results, elapsed = serving.run_loop(_open_loop(prepared, port=port))
        cpu_after = serving.cpu_seconds(server.pid)
        filed_after_s = _wait_until_filed(timeout_s=600)
        filing_cpu = serving.cpu_seconds(worker.pid) - filing_cpu_before
        load_after = Path("/proc/loadavg").read_text().split()[:3]

    every = warm_results + capacity + results
    sent_sids = {row[0] for row in every}
    answered = {row[0] for row in every if row[1] == 200}
    with roles.measuring(), scopes_disabled():
        messages = Message.objects.filter(organization=organization, direction="inbound")
        stored = messages.count()
        per_sid = dict(
            messages.values("provider_message_id")
            .annotate(n=Count("id"))
            .values_list("provider_message_id", "n")
        )
        split = (
            Conversation.objects.filter(organization=organization, channel="sms")
            .values("address")
            .annotate(n=Count("id"))
            .filter(n__gt=1)
            .count()
        )
        from_contacts = messages.filter(conversation__contact__isnull=False).count()
        interactions = Interaction.objects.filter(
            organization=organization, channel="sms", direction="inbound"
        ).count()
    measured = _summary(results, elapsed, len({row[0] for row in results}))
    # The rate sent in the run's window (retries included); the overall figure above is lower
    # than it only because the last retries trail up to 3 s after the window.
    in_window = sum(1 for send in sends if send[0] < seconds)
    measured["offered_requests_per_s (in the window, retries included)"] = round(
        in_window / seconds, 1
    )
    measured["answered under 100 ms"] = round(
        sum(1 for row in results if row[1] == 200 and row[2] < TARGET["p95_ms"]) / len(results), 4
    )
    measured["gunicorn CPU ms per request (workers, user+system)"] = round(
        (cpu_after - cpu_before) * 1000 / max(1, len(results)), 2
    )
    distinct = len({row[0] for row in results})
    filing = {
        "texts": distinct,
        "all filed, seconds after the last webhook was answered": round(filed_after_s, 2),
        "filed_per_s (first webhook to last text filed)": round(
            distinct / (elapsed + filed_after_s), 1
        ),
        "worker CPU ms per text (user+system)": round(filing_cpu * 1000 / max(1, distinct), 2),
    }
    return {
        "measured_as": roles.current_role(),
        "setup": {
            "server": f"gunicorn, 2 sync workers, {HOST}; a Celery worker (concurrency 1) files "
            "the texts into the inbox as they come, on the same two cores, at a lower CPU priority "
            f"(nice {WORKER_NICENESS})",
            "settings": "config.settings.test, which on this path costs what production does "
            "(DEBUG off, persistent connections, Redis cache); it differs in WhiteNoise's "
            "autorefresh (under 1 µs a request here), LOG_LEVEL WARNING and no access log "
            "(production writes one line per request) and no worker recycling (production: "
            "GUNICORN_MAX_REQUESTS 2000, i.e. a worker restarted every ~20 s at this rate)",
            "client": "asyncio, open loop: each request at its scheduled time, one connection "
            "each (signed with twilio.request_validator.RequestValidator ahead of time)",
            "rate_requested_per_s": rate,
            "seconds": seconds,
            "warm-up requests (not timed)": len(warm_results),
            "contacts with a mobile": contacts,
            "traffic": "~5% delivered twice (half at once, half 0.5–3 s later), ~10% two texts "
            "from one number at the same moment, ~30% from unknown numbers",
            "load average before/after (1, 5, 15 min; other jobs share the machine)": [
                load_before,
                load_after,
            ],
        },
        "inbound SMS webhooks": measured,
        "filing into the inbox (Celery worker, concurrency 1, during and after the run)": filing,
        "capacity: closed loop, 4 in flight (the most the server answers)": _summary(
            capacity, capacity_seconds, len({row[0] for row in capacity})
        ),
        "after the run": {
            "distinct_message_sids_sent": len(sent_sids),
            "answered_200": len(answered),
            "messages_stored": stored,
            "not stored (never answered 200: Twilio would retry them)": len(
                sent_sids - set(per_sid)
            ),
            "lost after a 200": len(answered - set(per_sid)),
            "doubled (a sid stored more than once)": sum(1 for n in per_sid.values() if n > 1),
            "senders with more than one conversation": split,
            "messages from contacts": from_contacts,
            "their timeline interactions": interactions,
        },
        "target": "≥ 200 webhooks/s, p95 < 100 ms, none lost or doubled",
        "target_met": measured["offered_requests_per_s (in the window, retries included)"]
        >= TARGET["rate"]
        and measured["errors"] == 0
        and measured["p95_ms"] < TARGET["p95_ms"]
        and stored == len(sent_sids) == len(per_sid),
    }
