"""Run benchmark scenarios and write their results to bench/results/<scenario>.json.

Usage: python -m bench.run [scenario ...]

Without names it runs every scenario except the large ones (``LARGE = True`` in the module, e.g.
``contacts``: minutes of data loading), so ``make bench`` stays quick; BENCH_LARGE=1 adds them.
A scenario gets a fresh database each run, unless it names its own (``DATABASE``) and keeps it
(``KEEP_DATABASE = True``) so that its expensive data survives; BENCH_REGENERATE=1 recreates it.
"""

import importlib
import json
import os
import platform
import sys
from datetime import UTC, datetime
from pathlib import Path

SCENARIOS = ["tenancy", "contacts", "donors", "thankyous", "clients", "volunteers"]
RESULTS = Path(__file__).resolve().parent / "results"


def setup_django():
    """Configure Django; returns the default benchmark database name."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    # One token sends thousands of API requests a minute here: the limits are raised, not
    # removed, so what counting them costs stays in the timings.
    os.environ.setdefault("API_RATE_LIMIT_USER", "1000000/min")
    os.environ.setdefault("API_RATE_LIMIT_ORGANIZATION", "1000000/min")
    if not os.environ.get("DATABASE_URL"):  # the embedded server, like the tests
        from config import dbserver

        os.environ["DATABASE_URL"] = dbserver.url("steward_bench")
    import django

    django.setup()
    from django.db import connection

    return connection.settings_dict["NAME"]


def prepare_database(name, *, keep):
    """Point Django at ``name``: recreated, or (``keep``) created only when missing; migrated."""
    from django.core.management import call_command
    from django.db import connection

    connection.close()
    connection.settings_dict["NAME"] = name
    with connection._nodb_cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        exists = cursor.fetchone() is not None
        if exists and not keep:
            cursor.execute(f'DROP DATABASE "{name}"')
        if not (exists and keep):
            cursor.execute(f'CREATE DATABASE "{name}"')
    call_command("migrate", verbosity=0)


def default_scenarios():
    large = os.environ.get("BENCH_LARGE") == "1"
    return [
        name
        for name in SCENARIOS
        if large or not getattr(importlib.import_module(f"bench.scenarios.{name}"), "LARGE", False)
    ]


def main(names):
    default_database = setup_django()
    RESULTS.mkdir(exist_ok=True)
    regenerate = os.environ.get("BENCH_REGENERATE") == "1"
    for name in names or default_scenarios():
        module = importlib.import_module(f"bench.scenarios.{name}")
        prepare_database(
            getattr(module, "DATABASE", default_database),
            keep=getattr(module, "KEEP_DATABASE", False) and not regenerate,
        )
        result = {
            "scenario": name,
            "when": datetime.now(UTC).isoformat(timespec="seconds"),
            "machine": {"python": platform.python_version(), "cpus": os.cpu_count()},
            "results": module.run(),
        }
        (RESULTS / f"{name}.json").write_text(json.dumps(result, indent=2) + "\n")
        print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main(sys.argv[1:])
