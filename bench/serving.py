"""Serving the application for the HTTP benchmarks: gunicorn (sync workers) on loopback, started
in its own process group so it can be stopped with everything it forked."""

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

HOST = "127.0.0.1"
ROOT = Path(__file__).resolve().parent.parent


def free_port():
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


@contextmanager
def gunicorn(environment, *, port, workers=2, threads=1, backlog=2048):
    """gunicorn serving ``config.wsgi`` on ``HOST:port`` until the block ends (it waits for
    ``/healthz`` to answer before yielding)."""
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi",
            "--workers",
            str(workers),
            "--threads",
            str(threads),
            "--bind",
            f"{HOST}:{port}",
            "--backlog",
            str(backlog),
            "--access-logfile",
            "/dev/null",
            "--error-logfile",
            "-",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=environment,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(150):
            try:
                urllib.request.urlopen(f"http://{HOST}:{port}/healthz", timeout=1)
                break
            except OSError:
                time.sleep(0.2)
        else:
            raise RuntimeError("gunicorn did not start")
        yield server
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=20)


def _ping_worker(timeout_s):
    from config.celery import app

    deadline = time.monotonic() + min(timeout_s, 120)
    while not app.control.ping(timeout=0.5):
        if time.monotonic() > deadline:
            raise RuntimeError("the Celery worker did not start")


@contextmanager
def celery_worker(
    environment, *, concurrency=2, queues=None, include=(), timeout_s=120, niceness=0, cores=None
):
    """A Celery worker (``config``'s app, the broker of ``environment``) until the block ends;
    it answers a ping before the block starts, and is stopped with its children after.
    ``niceness``: its CPU priority below the web server's (``nice``), as a deployment that
    wants web requests answered first runs it. ``cores``: the cores it and its pool processes
    may run on (``taskset``, e.g. ``"1"``)."""
    from django.conf import settings

    command = [
        *(["taskset", "-c", str(cores)] if cores is not None else []),
        *(["nice", "-n", str(niceness)] if niceness else []),
        sys.executable,
        "-m",
        "celery",
        "-A",
        "config",
        "worker",
        "--queues",
        ",".join(queues or settings.CELERY_TASK_QUEUE_NAMES),
        "--concurrency",
        str(concurrency),
        "--loglevel",
        "WARNING",
        "--without-heartbeat",
        "--without-mingle",
        "--without-gossip",
    ]
    for module in include:
        command += ["--include", module]
    worker = subprocess.Popen(
        command,
        cwd=ROOT,
        env=environment,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _ping_worker(timeout_s)
        yield worker
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        worker.wait(timeout=60)


# --- The HTTP client's side ------------------------------------------------------------------


async def send(request, *, port, scheduled_at):
    """One request (its raw bytes, ``Connection: close``) on a new connection: (status, ms from
    ``scheduled_at``, ms from when it left, seconds it left late)."""
    started = time.perf_counter()
    try:
        reader, writer = await asyncio.open_connection(HOST, port)
        writer.write(request)
        await writer.drain()
        response = await reader.read()
        writer.close()
        status = int(response.split(b" ", 2)[1]) if response else 0
    except OSError:
        status = 0
    ended = time.perf_counter()
    return status, (ended - scheduled_at) * 1000, (ended - started) * 1000, started - scheduled_at


async def closed_loop_for(request, *, port, in_flight, seconds):
    """The same request as fast as the server answers, ``in_flight`` at a time, for
    ``seconds``: [(status, ms)] and the seconds it took."""
    results = []
    deadline = time.perf_counter() + seconds

    async def worker():
        while time.perf_counter() < deadline:
            status, latency, *_rest = await send(
                request, port=port, scheduled_at=time.perf_counter()
            )
            results.append((status, latency))

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(in_flight)))
    return results, time.perf_counter() - start


def run_loop(coroutine):
    """asyncio.run on a thread of its own (the caller's thread may already run a loop)."""
    with ThreadPoolExecutor(max_workers=1) as executor:
        return executor.submit(asyncio.run, coroutine).result()


def percentile(values, share):
    """``values`` sorted; the value below which ``share`` of them fall."""
    return round(values[max(0, int(len(values) * share) - 1)], 2)


def cpu_seconds(master):
    """CPU seconds (user + system) used so far by a process and its children, e.g. gunicorn's
    master and workers (Linux /proc)."""
    pids = [master]
    children = Path(f"/proc/{master}/task/{master}/children")
    if children.exists():
        pids += [int(pid) for pid in children.read_text().split()]
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / ticks  # utime, stime
    return total
