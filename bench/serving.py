"""Serving the application for the HTTP benchmarks: gunicorn (sync workers) on loopback, started
in its own process group so it can be stopped with everything it forked."""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
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
    environment, *, concurrency=2, queues=None, include=(), timeout_s=120, niceness=0
):
    """A Celery worker (``config``'s app, the broker of ``environment``) until the block ends;
    it answers a ping before the block starts, and is stopped with its children after.
    ``niceness``: its CPU priority below the web server's (``nice``), as a deployment that
    wants web requests answered first runs it."""
    from django.conf import settings

    command = [
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
