"""Reads on a streaming replica (issue 21, point 4): the primary's load as the read-only work
moves to a standby.

The same requests are sent twice — every read on the primary (REPLICA_READS off), then with the
router on — and for each server the scenario records what its ``pg_stat_database`` counters say
this database did (transactions, rows read, blocks touched) and the CPU time of the backend
serving this process. The requests are what the router moves (API lists and search, the contacts
page's search, a report) plus, in each round, one write by another user followed by that user's
own list read, which stays on the primary (read-your-writes); the reading user never wrote, so
its reads move.

The standby: REPLICA_DATABASE_URL's, else a standby of the server Django uses, made and started
here (``config/replica.py``: pg_basebackup -R into var/replica; the whole embedded cluster is
copied the first time). Requests run in this process through Django's test client, as the
application's role, under row-level security on both servers.
"""

import statistics
import time

import psutil
from django.db import connections, transaction
from django.test import Client, override_settings

from bench import roles
from bench.generators import contacts as generator
from config import replica as standby_server
from stakeholders import replica, services
from stakeholders.models import Membership, Organization, Role

SLUG = "replica"
DATABASE = "steward_bench_replica"  # its own: the standby copies the cluster, not a database
KEEP_DATABASE = True  # the schema (minutes of migrations); the data is made afresh each run
TINY = {"contacts": 200, "interactions": 1_000, "rounds": 2}


def _standby():
    """Configure the "replica" alias when nothing did; returns whether this run added it."""
    if replica.ALIAS in connections.settings:
        return False
    default = connections["default"].settings_dict
    options = default.get("OPTIONS", {})
    server = {
        **default,
        "HOST": str(options.get("host") or default["HOST"]),
        "PORT": str(options.get("port") or default["PORT"]),
    }
    standby = standby_server.ensure_standby(server)
    connections.settings[replica.ALIAS] = connections.configure_settings(
        {"default": dict(default), replica.ALIAS: standby}
    )[replica.ALIAS]
    return True


def _counters(alias):
    """This database's counters on one server, with this process's backend's pending
    statistics flushed first, and that backend's CPU seconds."""
    with connections[alias].cursor() as cursor:
        cursor.execute("SELECT pg_stat_force_next_flush(), pg_backend_pid()")
        pid = cursor.fetchone()[1]
        cursor.execute(
            "SELECT xact_commit + xact_rollback, tup_returned + tup_fetched, blks_hit + blks_read "
            "FROM pg_stat_database WHERE datname = current_database()"
        )
        transactions, rows, blocks = cursor.fetchone()
    try:
        times = psutil.Process(pid).cpu_times()
        cpu = times.user + times.system
    except psutil.Error:  # a server on another machine
        cpu = None
    return {"pid": pid, "transactions": transactions, "rows": rows, "blocks": blocks, "cpu": cpu}


def _load(before, after):
    load = {
        name: after[name] - before[name] for name in ("transactions", "rows", "blocks")
    }  # fmt: skip
    same_backend = before["pid"] == after["pid"] and before["cpu"] is not None
    load["backend_cpu_ms"] = round((after["cpu"] - before["cpu"]) * 1000) if same_backend else None
    return load


def _phase(pages, write, rounds, *, on):
    """Every page ``rounds`` times (and one write per round); the load on each server."""
    timings = []
    with override_settings(REPLICA_READS=on):
        before = {alias: _counters(alias) for alias in ("default", replica.ALIAS)}
        for n in range(rounds):
            write(n)
            for client, path in pages:
                start = time.perf_counter()
                response = client.get(path)
                timings.append((time.perf_counter() - start) * 1000)
                assert response.status_code == 200, (path, response.status_code)
        after = {alias: _counters(alias) for alias in ("default", replica.ALIAS)}
    return {
        "requests": len(timings) + rounds,
        "p50_ms": round(statistics.median(timings), 2),
        "primary": _load(before["default"], after["default"]),
        "replica": _load(before[replica.ALIAS], after[replica.ALIAS]),
    }


def _share(off, on, name):
    if not off["primary"][name] or on["primary"][name] is None:
        return None
    return round(on["primary"][name] / off["primary"][name], 3)


def run(*, contacts=20_000, interactions=200_000, rounds=30):
    added = _standby()
    with roles.loading(), transaction.atomic():
        if Organization.objects.filter(slug=SLUG).exists():  # a previous run's
            with connections["default"].cursor() as cursor:
                cursor.execute("TRUNCATE stakeholders_organization, stakeholders_user CASCADE")
        organization, reader = generator.populate(
            slug=SLUG,
            contacts=contacts,
            interactions=interactions,
            members=3,
            others=2,
            other_contacts=20,
            heavy=[min(1_000, interactions // 10)],
            log=lambda *args: None,
        )
        writer = (
            Membership.objects.filter(organization=organization).exclude(user=reader).first().user
        )
        Membership.objects.filter(organization=organization, user=writer).update(role=Role.ADMIN)
        _token, reader_key = services.api_token_create(
            organization=organization, user=reader, name="bench reader"
        )
        _token, writer_key = services.api_token_create(
            organization=organization, user=writer, name="bench writer"
        )
    with roles.loading():
        generator.vacuum_analyze(log=lambda *args: None)
    standby_server.wait_until_replayed()

    api = Client(HTTP_HOST="localhost", HTTP_AUTHORIZATION=f"Token {reader_key}")
    staff = Client(HTTP_HOST="localhost")
    staff.force_login(reader)
    writer_api = Client(HTTP_HOST="localhost", HTTP_AUTHORIZATION=f"Token {writer_key}")
    base = f"/api/v1/o/{SLUG}"
    pages = [
        (api, f"{base}/contacts/"),
        (api, f"{base}/contacts/?search=mar"),
        (api, f"{base}/interactions/"),
        (staff, f"/o/{SLUG}/contacts/?q=ann"),
        (staff, f"/o/{SLUG}/clients/reports/"),
        (writer_api, f"{base}/contacts/"),  # right after its own write: the primary
    ]

    def write(n):
        response = writer_api.post(
            f"{base}/contacts/",
            {"first_name": "Bench", "last_name": f"Writer {n}"},
            content_type="application/json",
        )
        assert response.status_code == 201, response.content

    with roles.measuring():
        off = _phase(pages, write, rounds, on=False)
        on = _phase(pages, write, rounds, on=True)
    results = {
        "data": {"contacts": contacts, "interactions": interactions, "rounds": rounds},
        "measured_as": roles.current_role(),
        "requests per phase (reads, and one write a round)": off["requests"],
        "every read on the primary": off,
        "reads on the replica": on,
        "primary's load with the replica / without": {
            name: _share(off, on, name)
            for name in ("transactions", "rows", "blocks", "backend_cpu_ms")
        },
    }
    if added:
        connections[replica.ALIAS].close()
        del connections[replica.ALIAS]
        del connections.settings[replica.ALIAS]
    return results
