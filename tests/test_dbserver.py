"""The embedded PostgreSQL (config/dbserver.py): created on first use, reused by every later
process, and never blocked by what a crash leaves behind."""

import os
import signal
import subprocess
import time

import psycopg2
import pytest

from tests.processes import last_line, python


@pytest.fixture
def cluster(cluster_dir):
    pgdata = cluster_dir

    def dbserver(*action):
        return last_line(
            python("-m", "config.dbserver", *action, EMBEDDED_POSTGRES_DIR=str(pgdata))
        )

    dbserver.pgdata = pgdata
    yield dbserver
    dbserver("stop")


def postmaster_pid(pgdata):
    return int((pgdata / "postmaster.pid").read_text().split("\n", 1)[0])


def query(url, sql):
    connection = psycopg2.connect(url)
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            cursor.execute(sql)
            return cursor.fetchall() if cursor.description else None
    finally:
        connection.close()


def test_the_first_start_creates_the_cluster_and_the_next_reuses_it(cluster):
    assert cluster("status").startswith("stopped")
    url = cluster("url")  # creates, starts, makes the `steward` database
    pid = postmaster_pid(cluster.pgdata)
    assert cluster("url") == url and postmaster_pid(cluster.pgdata) == pid
    assert query(url, "SELECT current_database()") == [("steward",)]
    extensions = {row[0] for row in query(url, "SELECT name FROM pg_available_extensions")}
    assert {"pg_trgm", "unaccent", "fuzzystrmatch", "btree_gin", "vector"} <= extensions
    assert query(url, "SELECT current_setting('server_version_num')::int / 10000") == [(18,)]
    # Nothing listens on the network: the server is reached through its socket only.
    assert query(url, "SELECT current_setting('listen_addresses')") == [("",)]
    assert cluster("stop") == "stopped" and cluster("status").startswith("stopped")
    assert cluster("stop") == "not running"


def test_a_killed_server_restarts_with_its_data(cluster):
    url = cluster("url", "--owner")
    query(url, "CREATE TABLE kept (n int); INSERT INTO kept VALUES (42)")
    os.kill(postmaster_pid(cluster.pgdata), signal.SIGKILL)
    time.sleep(0.5)
    assert cluster("url", "--owner") == url
    assert query(url, "SELECT n FROM kept") == [(42,)]


def test_a_pid_file_naming_another_live_process_does_not_block_the_start(cluster):
    url = cluster("url")
    cluster("stop")
    # After a crash and a reboot the old pid can belong to any program: here, a sleeping one.
    impostor = subprocess.Popen(["sleep", "60"])
    try:
        pid_file = cluster.pgdata / "postmaster.pid"
        pid_file.write_text(
            f"{impostor.pid}\n{cluster.pgdata}\n0\n5432\n{cluster.pgdata}\n\n0 2147483647\nready\n"
        )
        assert cluster("url") == url
        assert postmaster_pid(cluster.pgdata) != impostor.pid
        assert query(url, "SELECT 1") == [(1,)]
    finally:
        impostor.kill()
