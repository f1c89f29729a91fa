"""Streaming exports of the API (issue 22, point 3): every contact of the large organization as
NDJSON and as CSV (``?format=ndjson`` / ``?format=csv`` on ``/contacts/``), timed end to end
and with the process's resident memory sampled while the body streams: it should stay flat,
whatever the number of rows.

The data set is the ``contacts`` scenario's (same database, kept between runs; BENCH_CONTACTS
sets a moderate size, e.g. 200000 → ``steward_bench_large_200000``). The export runs in this
process through Django's test client with a token, as the application's role, under row-level
security; the body is consumed chunk by chunk as a client reading the socket would (no network
in the figure). The issue's target: 1,000,000 contacts in under 60 s, i.e. ≥ 16,667 rows/s.
"""

import json
import os
import threading
import time

from django.test import Client

from bench import roles
from bench.scenarios import contacts as base
from stakeholders import services
from stakeholders.models import ApiToken

LARGE = True
DATABASE = base.DATABASE
KEEP_DATABASE = True

TARGET_ROWS_PER_S = 1_000_000 / 60
PAGE = os.sysconf("SC_PAGE_SIZE")

TINY = {"size": base.TINY["size"]}


def _rss_mib():
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * PAGE / 2**20


class _Sampler(threading.Thread):
    """Resident memory every 50 ms while the export runs."""

    def __init__(self):
        super().__init__(daemon=True)
        self.samples = []
        self.done = threading.Event()

    def run(self):
        while not self.done.is_set():
            self.samples.append(_rss_mib())
            self.done.wait(0.05)


def export(api, path, *, check):
    """One export read to the end: rows, bytes, seconds, and memory before/peak/after."""
    before = _rss_mib()
    sampler = _Sampler()
    sampler.start()
    started = time.perf_counter()
    response = api.get(path)
    assert response.status_code == 200, response.status_code
    size = rows = 0
    tail = b""
    first = None
    rss_at_10_percent = None
    for chunk in response.streaming_content:
        chunk = chunk if isinstance(chunk, bytes) else chunk.encode()
        size += len(chunk)
        rows += chunk.count(b"\n")
        if first is None or len(first) < 200:
            first = (first or b"") + chunk
        tail = chunk
        if rss_at_10_percent is None and rows > 1000:
            rss_at_10_percent = _rss_mib()
    response.close()
    seconds = time.perf_counter() - started
    sampler.done.set()
    sampler.join()
    check(first, tail)
    peak = max([*sampler.samples, _rss_mib()])
    return {
        "seconds": round(seconds, 2),
        "lines": rows,
        "megabytes": round(size / 2**20, 1),
        "rows_per_s": round(rows / seconds),
        "rss_mib_before": round(before, 1),
        "rss_mib_early": round(rss_at_10_percent or before, 1),
        "rss_mib_peak": round(peak, 1),
        "rss_mib_growth_after_first_rows": round(peak - (rss_at_10_percent or before), 1),
    }


def _ndjson(first, tail):
    json.loads(first.split(b"\n")[0])
    json.loads(tail.rstrip(b"\n").split(b"\n")[-1])


def _csv(first, tail):
    assert first.decode().lstrip("\ufeff").startswith("id,name,kind")


def run(*, size=None):
    size = size or base.size_from_environment()
    with roles.loading():
        organization, admin, reused = base.ensure_data(size)
        ApiToken.objects.filter(organization=organization, name="bench-export").delete()
        _token, key = services.api_token_create(
            organization=organization, user=admin, name="bench-export"
        )
    api = Client(HTTP_HOST="localhost", HTTP_AUTHORIZATION=f"Token {key}")
    path = f"/api/v1/o/{base.SLUG}/contacts/"
    results = {
        "data": {"contacts_in_org": size.contacts, "reused": reused},
        "measured_as": roles.current_role(),
        "row_level_security": roles.separate_owner(),
        "how": "in-process Django test client, body read chunk by chunk; 1 CPU core",
    }
    with roles.measuring(roles.APPLICATION):
        results["NDJSON"] = export(api, path + "?format=ndjson", check=_ndjson)
        results["CSV"] = export(api, path + "?format=csv", check=_csv)
        results["NDJSON, filtered (kind=person)"] = export(
            api, path + "?format=ndjson&kind=person", check=_ndjson
        )
    for label in ("NDJSON", "CSV"):
        value = results[label]
        value["projected_s_for_1M"] = round(1_000_000 / value["rows_per_s"], 1)
        value["target_met"] = value["rows_per_s"] >= TARGET_ROWS_PER_S
    return results
