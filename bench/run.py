"""Run every benchmark scenario and write its results to bench/results/<scenario>.json.

Usage: python -m bench.run [scenario ...]
"""

import importlib
import json
import os
import platform
import sys
from datetime import UTC, datetime
from pathlib import Path

SCENARIOS = ["tenancy"]
RESULTS = Path(__file__).resolve().parent / "results"


def setup_django():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/steward_bench")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    with connection._nodb_cursor() as cursor:
        name = connection.settings_dict["NAME"]
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cursor.execute(f'CREATE DATABASE "{name}"')
    call_command("migrate", verbosity=0)


def main(names):
    setup_django()
    RESULTS.mkdir(exist_ok=True)
    for name in names or SCENARIOS:
        module = importlib.import_module(f"bench.scenarios.{name}")
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
