"""What the page benchmarks share: the queries one request makes (each with its time) and the
summary of a path's timings against its target."""

import statistics
import time
from contextlib import contextmanager

from django.db import connection


@contextmanager
def recording_queries():
    """The statements run inside the block, as (milliseconds, sql, params)."""
    queries = []

    def record(execute, sql, params, many, context):
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            queries.append(((time.perf_counter() - start) * 1000, sql, params))

    with connection.execute_wrapper(record):
        yield queries


def summary(path, timings, queries, target_ms):
    """p50/p95 of ``timings`` (ms) with the queries of one request; returns (result, the
    slowest query as (ms, sql, params))."""
    timings = sorted(timings)
    p95 = round(timings[max(int(len(timings) * 0.95) - 1, 0)], 2)
    slowest = max(queries, key=lambda q: q[0])
    result = {
        "path": path,
        "requests": len(timings),
        "p50_ms": round(statistics.median(timings), 2),
        "p95_ms": p95,
        "queries": len(queries),
        "db_ms": round(sum(q[0] for q in queries), 2),
        "slowest_query_ms": round(slowest[0], 2),
        "target_p95_ms": target_ms,
        "target_met": p95 < target_ms,
    }
    return result, slowest


def reference_loop_ms(rounds=5):
    """The machine's speed as a bare reference beside the timings: the fastest of ``rounds``
    runs of one fixed pure-Python loop, in ms (the host's other tenants slow it as they slow
    the pages; comparing it between runs says how much of a difference is the machine)."""
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        total = 0
        for number in range(300_000):
            total += number % 7
        best = min(best, time.perf_counter() - start)
    return round(best * 1000, 2)
