"""Run benchmark scenarios and write their results to bench/results/<scenario>.json.

Usage: python -m bench.run [scenario ...]

BENCH_TINY=1 runs them with a few rows and requests in a throwaway database, writing nothing
(the test suite does the same: tests/test_bench.py).

Without names it runs every scenario except the large ones (``LARGE = True`` in the module, e.g.
``contacts``: minutes of data loading), so ``make bench`` stays quick; BENCH_LARGE=1 adds them.
A scenario gets a fresh database each run, unless it names its own (``DATABASE``) and keeps it
(``KEEP_DATABASE = True``) so that its expensive data survives; BENCH_REGENERATE=1 recreates it.

Roles (``bench/roles.py``): databases are created, migrated and loaded by the owner of the tables;
every measurement runs as the application's role, under row-level security. Without DATABASE_URL
the embedded server's two roles are used (``steward`` and ``steward_app``); with it, set
DATABASE_OWNER_URL too.
"""

import importlib
import json
import os
import platform
import sys
from datetime import UTC, datetime
from pathlib import Path

SCENARIOS = [
    "tenancy",
    "contacts",
    "donors",
    "thankyous",
    "letters",
    "clients",
    "volunteers",
    "journeys",
    "inbound",
    "search",
    "webhooks",
    "export",
    "community",
    "replica",
    "api_lists",
]
RESULTS = Path(__file__).resolve().parent / "results"
EMBEDDED = not os.environ.get("DATABASE_URL")  # the embedded server, as `make run` has it


def setup_django():
    """Configure Django; returns the default benchmark database name."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    # One token sends thousands of API requests a minute here: the limits are raised, not
    # removed, so what counting them costs stays in the timings.
    os.environ.setdefault("API_RATE_LIMIT_USER", "1000000/min")
    os.environ.setdefault("API_RATE_LIMIT_ORGANIZATION", "1000000/min")
    if not os.environ.get("DATABASE_URL"):  # the embedded server and its two roles
        from config import dbserver

        os.environ["DATABASE_URL"] = dbserver.url("steward_bench")
        os.environ["DATABASE_OWNER_URL"] = dbserver.url("steward_bench", user=dbserver.OWNER)
    import django

    django.setup()
    from django.db import connection

    return connection.settings_dict["NAME"]


def prepare_database(name, *, keep):
    """Point Django at ``name``: recreated, or (``keep``) created only when missing; migrated.
    The owner of the tables creates it (the application's role may not) and migrates it (our
    ``migrate`` runs as the owner and enables row-level security)."""
    from django.core.management import call_command
    from django.db import connection

    from stakeholders.tenancy import rls

    connection.close()
    connection.settings_dict["NAME"] = name
    with rls.as_owner(), connection._nodb_cursor() as cursor:
        quoted = connection.ops.quote_name(name)
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        exists = cursor.fetchone() is not None
        if exists and not keep:
            cursor.execute(f"DROP DATABASE {quoted}")
        if not (exists and keep):
            cursor.execute(f"CREATE DATABASE {quoted}")
    call_command("migrate", verbosity=0)
    if EMBEDDED:  # as every process that uses the embedded server does (config/dbserver.py)
        from config import dbserver

        dbserver.mark_leakproof(connection.settings_dict)


def server_version():
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        return cursor.fetchone()[0]


def default_scenarios():
    large = os.environ.get("BENCH_LARGE") == "1" or os.environ.get("BENCH_TINY") == "1"
    return [
        name
        for name in SCENARIOS
        if large or not getattr(importlib.import_module(f"bench.scenarios.{name}"), "LARGE", False)
    ]


def main(names):
    default_database = setup_django()
    from bench import roles

    roles.warn_without_owner()
    RESULTS.mkdir(exist_ok=True)
    regenerate = os.environ.get("BENCH_REGENERATE") == "1"
    tiny = os.environ.get("BENCH_TINY") == "1"
    for name in names or default_scenarios():
        module = importlib.import_module(f"bench.scenarios.{name}")
        prepare_database(
            f"{default_database}_tiny" if tiny else getattr(module, "DATABASE", default_database),
            keep=getattr(module, "KEEP_DATABASE", False) and not (regenerate or tiny),
        )
        result = {
            "scenario": name,
            "when": datetime.now(UTC).isoformat(timespec="seconds"),
            "machine": {
                "python": platform.python_version(),
                "cpus": os.cpu_count(),
                "postgresql": server_version(),
            },
            "results": module.run(**(module.TINY if tiny else {})),
        }
        if not tiny:  # a tiny run checks the scenario works; it is not a result
            (RESULTS / f"{name}.json").write_text(json.dumps(result, indent=2) + "\n")
        print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main(sys.argv[1:])
