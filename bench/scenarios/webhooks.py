"""Webhook fan-out (issue 22): 10,000 events to 3 endpoints, delivered by a real Celery worker
(thread pool) to three threaded HTTP receivers on loopback that verify every signature — one
answers after 50 ms, one fails the first attempt of ~5% of deliveries so retries happen.

Measured end to end: from the commit of the first batch of events to the last successful
receipt (events/s, each event delivered to all three), and per delivery the time from its
event's commit to its receipt (p50/p95, first attempts only: a retry waits for the sweep). None
lost or doubled: every (endpoint, event id) answered 2xx exactly once; a delivery that already
succeeded is never sent again (receivers dedupe by ``Steward-Event-Id`` and count).

Retries are due after about a minute (``delivery.retry_delay``); the benchmark does not wait:
once the first attempts are done it makes the failed ones due now and runs the sweep task
(``deliver_due``) through the broker, as beat would, until nothing is left.

The organization and its endpoints are made by the owner of the tables / the application;
events are emitted, and the worker runs, as the application's role under row-level security.
BENCH_WEBHOOK_EVENTS sets the size (default 10,000); BENCH_WORKER_LOG=<file> keeps the
worker's log.
"""

import hashlib
import os
import signal
import statistics
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.test import override_settings
from django.utils import timezone
from django_scopes import scopes_disabled

from bench import roles
from config.celery import app
from stakeholders.integrations import events as webhook_events
from stakeholders.integrations import services, signing
from stakeholders.integrations.models import WebhookDelivery
from stakeholders.models import Organization, Role
from stakeholders.tenancy.models import organization_scope

ROOT = Path(__file__).resolve().parents[2]
SLUG = "fanout"
DATABASE = "steward_bench_webhooks"  # its own: other scenarios may run beside it
BATCH = 250  # events per transaction (a gift import's commit, say)
WORKER_THREADS = 16
TINY = {"events": 40, "fail_share": 0.2, "timeout_s": 120}  # retries certain at this size


class Receiver:
    """A threaded HTTP server on 127.0.0.1 verifying each signature and deduping by event id:
    ``received`` holds the first 2xx receipt time per event id, ``duplicates`` counts a
    delivery of an event already answered 2xx."""

    def __init__(self, name, *, delay=0.0, fail_share=0.0):
        self.name, self.delay, self.fail_share = name, delay, fail_share
        self.secret = None
        self.lock = threading.Lock()
        self.received, self.duplicates, self.bad_signatures = {}, 0, 0
        self.failed_on_purpose, self.requests = 0, 0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                status = receiver.receive(self.headers, body)
                if receiver.delay:
                    time.sleep(receiver.delay)
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.server.request_queue_size = 128
        self.url = f"http://127.0.0.1:{self.server.server_port}/events"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def fails_first_attempt(self, event_id):
        digest = int(hashlib.sha256(f"{self.name}{event_id}".encode()).hexdigest()[:8], 16)
        return digest < self.fail_share * 0xFFFFFFFF

    def receive(self, headers, body):
        now = time.time()
        event_id = headers.get("Steward-Event-Id", "")
        attempt = headers.get("Steward-Delivery-Attempt", "1")
        with self.lock:
            self.requests += 1
            if not signing.verify(
                secret=self.secret, body=body, header=headers.get(signing.HEADER, "")
            ):
                self.bad_signatures += 1
                return 400
            if attempt == "1" and self.fails_first_attempt(event_id):
                self.failed_on_purpose += 1
                return 503
            if event_id in self.received:
                self.duplicates += 1
            else:
                self.received[event_id] = now
            return 200

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def _percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else None


def _wait_for_worker(timeout_s):
    deadline = time.monotonic() + min(timeout_s, 120)
    while not app.control.ping(timeout=0.5):
        if time.monotonic() > deadline:
            raise RuntimeError("the Celery worker did not start")


def _left(status):
    with scopes_disabled():
        return WebhookDelivery.objects.filter(status__in=status).count()


def run(*, events=None, fail_share=0.05, timeout_s=1800):
    total = events or int(os.environ.get("BENCH_WEBHOOK_EVENTS", "10000"))
    receivers = [
        Receiver("fast"),
        Receiver("slow", delay=0.05),
        Receiver("flaky", fail_share=fail_share),
    ]
    with roles.loading():
        organization = Organization.objects.create(name="Fan-out Trust", slug=SLUG)
    with (
        override_settings(WEBHOOKS_ALLOW_PRIVATE=True, WEBHOOKS_REQUIRE_HTTPS=False),
        organization_scope(organization),
    ):
        for receiver in receivers:
            _endpoint, receiver.secret = services.webhook_endpoint_create(
                organization=organization,
                url=receiver.url,
                events=["gift.created"],
                role=Role.ADMIN,
            )
    environment = {
        **{k: v for k, v in os.environ.items() if k != "DATABASE_OWNER_URL"},
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": roles.application_database_url(),
        "CELERY_EAGER": "0",
        "WEBHOOKS_ALLOW_PRIVATE": "1",
        "WEBHOOKS_REQUIRE_HTTPS": "0",
    }
    app.control.purge()
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--queues",
            ",".join(settings.CELERY_TASK_QUEUE_NAMES),
            "--pool",
            "threads",
            "--concurrency",
            str(WORKER_THREADS),
            "--loglevel",
            "WARNING",
            "--without-heartbeat",
            "--without-mingle",
            "--without-gossip",
        ],
        cwd=ROOT,
        env=environment,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=open(os.environ["BENCH_WORKER_LOG"], "w")  # noqa: SIM115 (the worker's, to its end)
        if "BENCH_WORKER_LOG" in os.environ
        else subprocess.DEVNULL,
    )
    committed_at = {}  # event key -> when its transaction committed
    eager = app.conf.task_always_eager
    sweeps = 0
    try:
        _wait_for_worker(timeout_s)
        app.conf.task_always_eager = False  # emit()'s on-commit .delay() goes to the broker
        start = time.time()
        emit_cpu = time.process_time()
        with organization_scope(organization):
            for first in range(0, total, BATCH):
                keys = []
                with transaction.atomic():
                    for n in range(first, min(first + BATCH, total)):
                        event = webhook_events.emit(
                            organization=organization,
                            type="gift.created",
                            data={"object": "gift", "id": n + 1, "amount": "25.00"},
                        )
                        keys.append(event.key)
                now = time.time()
                committed_at.update(dict.fromkeys(keys, now))
        emitted_s = time.time() - start
        emit_cpu = time.process_time() - emit_cpu
        deadline = time.monotonic() + timeout_s

        def all_received():
            return all(len(r.received) >= total for r in receivers)

        # First attempts: until nothing is pending with its time come, or being sent.
        while time.monotonic() < deadline:
            if all_received():
                break
            with scopes_disabled():
                first_left = WebhookDelivery.objects.filter(
                    attempt=1, status__in=["pending", "sending"]
                ).count()
            if not first_left:
                break
            time.sleep(0.2)
        first_done = time.time()
        # Retries: made due now, sent by the sweep through the broker (as beat would).
        while not all_received() and time.monotonic() < deadline:
            if not _left(["sending"]):
                with scopes_disabled():
                    WebhookDelivery.objects.filter(status="pending").update(
                        next_retry_at=timezone.now()
                    )
                app.send_task("stakeholders.integrations.tasks.deliver_due")
                sweeps += 1
            time.sleep(0.5)
        end = max((max(r.received.values(), default=start) for r in receivers), default=start)
    finally:
        app.conf.task_always_eager = eager
        os.killpg(worker.pid, signal.SIGTERM)
        worker.wait(timeout=60)
        for receiver in receivers:
            receiver.close()
    with scopes_disabled():
        rows = WebhookDelivery.objects.filter(organization=organization)
        succeeded = rows.filter(status="succeeded").count()
        by_attempt = {
            attempt: rows.filter(attempt=attempt).count()
            for attempt in sorted(set(rows.values_list("attempt", flat=True)))
        }
        still_pending = rows.filter(status__in=["pending", "sending"]).count()
    first_latencies, per_endpoint = [], {}
    for receiver in receivers:
        retried = {
            key for key in committed_at if receiver.fail_share and receiver.fails_first_attempt(key)
        }
        latencies = [
            (when - committed_at[key]) * 1000
            for key, when in receiver.received.items()
            if key in committed_at and key not in retried
        ]
        first_latencies += latencies
        lost = sum(1 for key in committed_at if key not in receiver.received)
        per_endpoint[receiver.name] = {
            "requests": receiver.requests,
            "received_once": len(receiver.received),
            "failed_first_attempt_on_purpose": receiver.failed_on_purpose,
            "lost": lost,
            "doubled": receiver.duplicates,
            "bad_signatures": receiver.bad_signatures,
            "p50_ms": round(statistics.median(latencies), 1) if latencies else None,
            "p95_ms": round(_percentile(latencies, 0.95), 1) if latencies else None,
        }
    elapsed = end - start
    first_pass = first_done - start
    return {
        "measured_as": roles.current_role(),
        "events": total,
        "endpoints": len(receivers),
        "deliveries_expected": total * len(receivers),
        "worker": f"celery worker, --pool threads --concurrency {WORKER_THREADS} (one process)",
        "emitted_in_s": round(emitted_s, 2),
        "emit_cpu_ms_per_event": round(emit_cpu * 1000 / total, 2),
        "end_to_end_s": round(elapsed, 2),
        "events_per_s": round(total / elapsed, 1),
        "deliveries_per_s": round(total * len(receivers) / elapsed, 1),
        "first_attempts_s": round(first_pass, 2),
        "events_per_s_first_attempts": round(total / first_pass, 1),
        "delivery_latency_first_attempt_ms": {
            "p50": round(statistics.median(first_latencies), 1) if first_latencies else None,
            "p95": round(_percentile(first_latencies, 0.95), 1) if first_latencies else None,
            "what": "from the commit of the event's transaction to its receipt",
        },
        "per_endpoint": per_endpoint,
        "retry_sweeps": sweeps,
        "delivery_rows_by_attempt": by_attempt,
        "delivery_rows_succeeded": succeeded,
        "delivery_rows_left_pending": still_pending,
        "lost": sum(e["lost"] for e in per_endpoint.values()),
        "doubled": sum(e["doubled"] for e in per_endpoint.values()),
        "bad_signatures": sum(e["bad_signatures"] for e in per_endpoint.values()),
    }
