"""A primary of the tests' own and a streaming standby of it, for the tests that read on a replica
(tests/test_replica.py, the replica benchmark's tiny run).

Why a primary of their own rather than the shared server: a standby copies a whole cluster, and
the shared one (var/postgres) may hold benchmark databases of gigabytes; a fresh cluster holding
only a copy of the test database (pg_dump, as it is after migrations) copies in about a second.
Started once per session, only when a test asks for it; a test then points "default" at this
primary and adds the "replica" alias for its duration (``on_the_pair``).
"""

import secrets
import subprocess
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connections

from config import dbserver
from config import replica as standby_server
from stakeholders import replica

PRIMARY_PORT, STANDBY_PORT = 5435, 5434  # in their own socket folders: the ports only name them


@dataclass
class Pair:
    primary: dict  # Django settings of the test database on the pair's primary
    replica: dict
    root: Path


def _copy_database(source, target):
    """The test database (schema, grants and the few rows migrations write) into ``target``."""
    superuser = ["-U", dbserver.SUPERUSER]
    dump = subprocess.run(
        [dbserver.binary("pg_dump"), "-h", source["HOST"], "-p", str(source["PORT"]), *superuser,
         "--no-comments", source["NAME"]],
        check=True, capture_output=True,
    )  # fmt: skip
    subprocess.run(
        [dbserver.binary("psql"), "-h", target["HOST"], "-p", str(target["PORT"]), *superuser,
         "-q", "-1", "-v", "ON_ERROR_STOP=1", "-d", target["NAME"]],
        input=dump.stdout, check=True, capture_output=True,
    )  # fmt: skip


def _server_of(database):
    options = database.get("OPTIONS", {})
    return {
        **database,
        "HOST": str(options.get("host") or database["HOST"]),
        "PORT": str(options.get("port") or database["PORT"]),
        "OPTIONS": {k: v for k, v in options.items() if k not in ("host", "port")},
    }


@pytest.fixture(scope="session")
def replica_pair(django_db_setup, django_db_blocker):
    """Started at the first test that asks, stopped at the end of the session."""
    if not standby_server.binaries_available():
        pytest.skip("PostgreSQL's pg_basebackup is not available")
    root = Path(settings.VAR_DIR) / "test-clusters" / f"replica-{secrets.token_hex(4)}"
    root.mkdir(parents=True)
    default = _server_of(connections["default"].settings_dict)
    try:
        server = standby_server.new_cluster(root / "primary", PRIMARY_PORT, throwaway=True)
        primary = {**default, **server}
        dbserver._create_roles_and_database(primary)
        with django_db_blocker.unblock():
            _copy_database(default, primary)
        dbserver.mark_leakproof(primary)
        standby = standby_server.ensure_standby(
            primary, root / "standby", port=STANDBY_PORT, throwaway=True
        )
        standby["TEST"] = {"MIRROR": "default"}  # never flushed or created by the test runner
        yield Pair(primary=primary, replica=standby, root=root)
    finally:
        for server in ("standby", "primary"):
            standby_server.stop(root / server, mode="immediate")
        subprocess.Popen(["rm", "-rf", str(root)])


@pytest.fixture(scope="class")
def replica_on(replica_pair, django_db_blocker):
    """For a class of tests marked ``django_db(transaction=True, databases=["default",
    "replica"])``: set up before the test database helper (a wider scope), so the runner knows
    the alias and empties the pair's primary after each test."""
    with django_db_blocker.unblock(), on_the_pair(replica_pair):
        yield replica_pair


@contextmanager
def on_the_pair(pair):
    """ "default" is the pair's primary and "replica" its standby inside the block; the primary's
    tables are emptied after it, as a transactional test's are."""
    default = connections["default"]
    saved = {name: default.settings_dict[name] for name in ("HOST", "PORT", "OPTIONS")}
    default.close()
    default.settings_dict.update({name: pair.primary[name] for name in saved})
    configured = connections.configure_settings(
        {"default": dict(default.settings_dict), replica.ALIAS: dict(pair.replica)}
    )
    connections.settings[replica.ALIAS] = configured[replica.ALIAS]
    replica.health.__init__()  # fit until asked: nothing learnt of another block's standby
    try:
        yield pair
    finally:
        connections[replica.ALIAS].close()
        del connections[replica.ALIAS]
        del connections.settings[replica.ALIAS]
        default.close()
        default.settings_dict.update(saved)


@contextmanager
def replay_paused(pair):
    """The standby keeps receiving the primary's WAL but applies none of it: what a lagging
    replica shows (a read there misses what the primary just wrote)."""
    import psycopg2

    standby = psycopg2.connect(
        dbname=pair.replica["NAME"],
        user=dbserver.SUPERUSER,
        host=pair.replica["HOST"],
        port=pair.replica["PORT"],
    )
    standby.autocommit = True
    # Whatever came before is replayed first: paused in the middle of the previous test's
    # TRUNCATE, the standby would keep its locks and every read there would wait for ever.
    standby_server.wait_until_replayed()
    try:
        with standby.cursor() as cursor:
            cursor.execute("SELECT pg_wal_replay_pause()")
        yield
    finally:
        with standby.cursor() as cursor:
            cursor.execute("SELECT pg_wal_replay_resume()")
        standby.close()
