"""Prometheus metrics at ``/metrics``: requests and their latency, Celery tasks (runs, failures,
time), queue depth per queue and work taken but not finished, and what feature apps register
(the thank-you backlog and its oldest item, failed sends).

Request metrics live in the web process (prometheus_client's multiprocess mode under gunicorn:
set PROMETHEUS_MULTIPROC_DIR). Task metrics are counted in Redis by the workers, wherever they
run, so the web process can report them; queue figures are read from the broker at scrape time.
The endpoint is off unless METRICS_TOKEN (a bearer token) or METRICS_ALLOWED_NETWORKS is set.
"""

import contextlib
import hmac
import ipaddress
import os
import time

import redis
from django.conf import settings
from django.http import Http404, HttpResponse
from django_scopes import scopes_disabled
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, SummaryMetricFamily

from stakeholders.registries import platform_metrics

REQUESTS = Counter(
    "steward_http_requests_total", "HTTP requests answered", ["method", "route", "status"]
)
LATENCY = Histogram(
    "steward_http_request_duration_seconds",
    "Time to answer an HTTP request",
    ["method", "route"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
TASK_KEY = "steward:metrics:tasks"
# kombu's Redis transport: a list per queue (and one per priority step), plus the messages
# workers have taken and not yet acknowledged.
PRIORITY_SUFFIXES = ("", "\x06\x163", "\x06\x166", "\x06\x169")


class MetricsMiddleware:
    """Counts each request under its route pattern (``o/<slug:org_slug>/contacts/``), never
    its path: no organization names or ids in labels, and a bounded number of series."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        route = match.route if match is not None and match.route else "unmatched"
        LATENCY.labels(request.method, route).observe(time.perf_counter() - started)
        REQUESTS.labels(request.method, route, str(response.status_code)).inc()
        return response


def _broker():
    if not getattr(settings, "REDIS_URL", "") or settings.CELERY_TASK_ALWAYS_EAGER:
        return None
    return redis.Redis.from_url(settings.CELERY_BROKER_URL, socket_timeout=2)


def record_task(*, name, state, seconds=None):
    """Called by the worker's task signals: one pipeline round trip per task."""
    broker = _broker()
    if broker is None:
        return
    pipe = broker.pipeline(transaction=False)
    pipe.hincrby(TASK_KEY, f"{name}|{state}", 1)
    if seconds is not None:
        pipe.hincrbyfloat(TASK_KEY, f"{name}|seconds", seconds)
        pipe.hincrby(TASK_KEY, f"{name}|timed", 1)
    with contextlib.suppress(redis.RedisError):  # metrics never fail a task
        pipe.execute()


class StewardCollector:
    """Read at each scrape: task counters, queues, and the feature apps' gauges."""

    def collect(self):
        yield from self._tasks_and_queues()
        with scopes_disabled():  # platform-wide figures, openly across organizations
            for metric in platform_metrics:
                family = GaugeMetricFamily(
                    metric.name, metric.documentation, labels=list(metric.labels)
                )
                for labels, value in metric.collect():
                    family.add_metric([str(labels[name]) for name in metric.labels], value)
                yield family

    def _tasks_and_queues(self):
        broker = _broker()
        if broker is None:
            return
        try:
            counts = {k.decode(): v.decode() for k, v in broker.hgetall(TASK_KEY).items()}
            depths = {}
            for queue in settings.CELERY_TASK_QUEUE_NAMES:
                pipe = broker.pipeline(transaction=False)
                for suffix in PRIORITY_SUFFIXES:
                    pipe.llen(queue + suffix)
                depths[queue] = sum(pipe.execute())
            unacked = broker.hlen("unacked")
            oldest = broker.zrange("unacked_index", 0, 0, withscores=True)
        except redis.RedisError:
            return
        runs = CounterMetricFamily(
            "steward_celery_task_runs", "Tasks finished, by state", labels=["task", "state"]
        )
        durations = SummaryMetricFamily(
            "steward_celery_task_duration_seconds", "Time tasks took", labels=["task"]
        )
        for key, value in sorted(counts.items()):
            name, kind = key.rsplit("|", 1)
            if kind not in ("seconds", "timed"):
                runs.add_metric([name, kind], float(value))
            elif kind == "timed":
                durations.add_metric([name], float(value), float(counts[f"{name}|seconds"]))
        yield runs
        yield durations
        queued = GaugeMetricFamily(
            "steward_celery_queue_length", "Tasks waiting in each queue", labels=["queue"]
        )
        for queue, depth in depths.items():
            queued.add_metric([queue], depth)
        yield queued
        yield GaugeMetricFamily(
            "steward_celery_unacked_tasks", "Tasks a worker took and has not finished", unacked
        )
        age = time.time() - oldest[0][1] if oldest else 0
        yield GaugeMetricFamily(
            "steward_celery_oldest_unacked_seconds",
            "How long the oldest unfinished task has been with a worker (stuck work)",
            age,
        )


def allowed(request):
    """A bearer token (compared in constant time) or a client address in an allowed network."""
    token = settings.METRICS_TOKEN
    networks = settings.METRICS_ALLOWED_NETWORKS
    if token:
        offered = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        if offered and hmac.compare_digest(offered.encode(), token.encode()):
            return True
    if networks:
        try:
            address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
        except ValueError:
            return False
        return any(address in ipaddress.ip_network(network) for network in networks)
    return False


def metrics_view(request):
    if not (settings.METRICS_TOKEN or settings.METRICS_ALLOWED_NETWORKS):
        raise Http404
    if not allowed(request):
        return HttpResponse(status=403)
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):  # gunicorn: every worker's counts, summed
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = REGISTRY
    scrape = _Scrape(registry, StewardCollector())
    return HttpResponse(generate_latest(scrape), content_type=CONTENT_TYPE_LATEST)


class _Scrape:
    def __init__(self, *sources):
        self.sources = sources

    def collect(self):
        for source in self.sources:
            yield from source.collect()
