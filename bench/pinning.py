"""Processes pinned to cores for a benchmark, and put back after (Linux: ``sched_setaffinity`` on
every thread, ``/proc`` for children and CPU time).

Used by the thank-you benchmark's pinned mode: PostgreSQL, Redis and the benchmark's own process
(the SMTP server) on one core, the Celery worker and the bare renderer on the other, as they sit
in production.
"""

import contextlib
import os
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")


def two_cores():
    """The first two cores this process may use, or None on a machine with fewer."""
    cores = sorted(os.sched_getaffinity(0))
    return tuple(cores[:2]) if len(cores) >= 2 else None


def _threads(pid):
    try:
        return [int(tid) for tid in os.listdir(f"/proc/{pid}/task")]
    except OSError:
        return []


def children(pid):
    """The process's children (of every thread), from /proc."""
    found = []
    for tid in _threads(pid):
        with contextlib.suppress(OSError):
            found += [int(c) for c in Path(f"/proc/{pid}/task/{tid}/children").read_text().split()]
    return found


def family(pid):
    """The process and its children."""
    return [pid, *children(pid)]


def _stat(pid):
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()


def cpu_seconds(pid, *, with_children=False, reaped=False):
    """CPU seconds (user + system, every thread) of ``pid``; ``with_children``: and of its live
    children; ``reaped``: and of the children it has waited for (a PostgreSQL backend that has
    ended is in its postmaster's cutime/cstime)."""
    total = 0
    for index, process in enumerate(family(pid) if with_children else [pid]):
        try:
            fields = _stat(process)
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
        if reaped and index == 0:
            total += int(fields[13]) + int(fields[14])  # cutime, cstime
    return total / TICKS


def postgresql_processes(postmaster, database):
    """{pid: (what, CPU seconds)} of the postmaster's live children: "ours" (a backend of
    ``database``), "server" (a process of no database: WAL writer, checkpointer, I/O workers…)
    or "others" (another database's backend), from their process titles."""
    found = {}
    for pid in children(postmaster):
        try:
            title = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
            seconds = cpu_seconds(pid)
        except OSError:
            continue
        words = title.split()  # "postgres: USER DATABASE [local] idle", "postgres: walwriter"
        if len(words) >= 4 and words[3].startswith(("[", "127.", "::")):
            found[pid] = ("ours" if words[2] == database else "others", seconds)
        else:
            found[pid] = ("server", seconds)
    return found


def rss_mib(pid):
    """Resident memory of the process and its children."""
    total = 0
    for process in family(pid):
        with contextlib.suppress(OSError, StopIteration):
            status = Path(f"/proc/{process}/status").read_text().splitlines()
            total += int(next(line for line in status if line.startswith("VmRSS:")).split()[1])
    return round(total / 1024, 1)


def core_times(core):
    """Seconds core ``core`` has spent busy, idle and stolen by the host (/proc/stat)."""
    for line in Path("/proc/stat").read_text().splitlines():
        if line.startswith(f"cpu{core} "):
            user, nice, system, idle, iowait, irq, softirq, steal = map(int, line.split()[1:9])
            return {
                "busy": (user + nice + system + irq + softirq) / TICKS,
                "idle": (idle + iowait) / TICKS,
                "steal": steal / TICKS,
            }
    raise LookupError(f"no cpu{core} in /proc/stat")


def affinity(pid):
    """The cores of every thread of ``pid`` (a set; they agree unless someone pinned one)."""
    cores = set()
    for tid in _threads(pid):
        with contextlib.suppress(OSError):
            cores |= os.sched_getaffinity(tid)
    return sorted(cores)


class Pins:
    """Pins processes (every thread; with their children if asked) to cores, remembering what each
    thread had; ``restore()`` puts it back. A thread or child born while pinned inherits the pin:
    on restore it gets what its pinned root had (a PostgreSQL backend started during the run gets
    the postmaster's old cores)."""

    def __init__(self):
        self.saved = {}  # tid: cores it had
        self.roots = {}  # pid: (cores its main thread had, with_children)

    def pin(self, pid, cores, *, with_children=False):
        self.roots.setdefault(pid, (os.sched_getaffinity(pid), with_children))
        for process in family(pid) if with_children else [pid]:
            for tid in _threads(process):
                with contextlib.suppress(OSError):  # a thread or backend that just ended
                    self.saved.setdefault(tid, os.sched_getaffinity(tid))
                    os.sched_setaffinity(tid, cores)

    def restore(self):
        for pid, (cores, with_children) in self.roots.items():
            for process in family(pid) if with_children else [pid]:
                for tid in _threads(process):
                    with contextlib.suppress(OSError):
                        os.sched_setaffinity(tid, self.saved.get(tid, cores))
        for tid, cores in self.saved.items():  # a thread whose process is no root's child now
            with contextlib.suppress(OSError):
                os.sched_setaffinity(tid, cores)
        self.saved, self.roots = {}, {}


def postgresql_postmaster(connection):
    """The pid of the postmaster serving ``connection``, if it runs on this machine (the
    parent of our backend), else None."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = cursor.fetchone()[0]
    try:
        fields = _stat(backend)
        parent = int(fields[1])
        if Path(f"/proc/{parent}/comm").read_text().strip() in ("postgres", "postmaster"):
            return parent
    except (OSError, ValueError):
        pass
    return None


def redis_server(url):
    """The pid of the Redis server at ``url``, if it runs on this machine, else None."""
    import redis

    client = redis.Redis.from_url(url)
    try:
        pid = int(client.info("server")["process_id"])
    finally:
        client.close()
    try:
        if Path(f"/proc/{pid}/comm").read_text().strip().startswith("redis-server"):
            return pid
    except OSError:
        pass
    return None
