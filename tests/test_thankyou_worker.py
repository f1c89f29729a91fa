"""The guarantee with real parts: a Celery worker process killed with SIGKILL in the middle of
the batch, then the batch run again — every gift thanked once, no donor emailed twice."""

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import warnings
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest
import redis
from celery import Celery
from celery.exceptions import AlwaysEagerIgnored
from django.conf import settings
from django.db import connection
from django.utils import timezone

from config import dbserver
from config.celery import app
from donors import services as donor_services
from stakeholders.tenancy.models import organization_scope
from tests.factories import ContactFactory
from thankyous import services
from thankyous.models import Acknowledgment

ROOT = Path(__file__).resolve().parent.parent
GIFTS = 30
LOGS = ROOT / "var" / "test-logs"

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(180)]


def start_worker(mailbox, **environment):
    """A real worker process (its log in var/test-logs/ for when a test fails)."""
    database = connection.settings_dict
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": dbserver.url_for(database),
        "CELERY_EAGER": "0",
        "TEST_SMTP_PORT": str(mailbox.port),
        **environment,
    }
    LOGS.mkdir(parents=True, exist_ok=True)
    with open(LOGS / "thankyou-worker.log", "ab") as log:
        return subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "--queues",
                ",".join(settings.CELERY_TASK_QUEUE_NAMES),
                "--concurrency",
                "1",
                "--loglevel",
                "WARNING",
                "--without-heartbeat",
                "--without-mingle",
                "--without-gossip",
            ],
            cwd=ROOT,
            env=environment,
            start_new_session=True,
            stdout=log,
            stderr=subprocess.STDOUT,
        )


def stop(worker, sig=signal.SIGTERM):
    os.killpg(worker.pid, sig)
    worker.wait(timeout=30)


def wait_for(condition, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False


def batch_finished():
    rows = Acknowledgment.objects.all()
    unfinished = rows.filter(state__in=["pending", "claimed", "sending"])
    return rows.count() == GIFTS and not unfinished.exists()


def batch_settled():
    """Nothing left that this run can do: no row waits, and the sends have stopped."""
    sent = Acknowledgment.objects.filter(state="sent")
    before = sent.count()
    time.sleep(2)
    return not Acknowledgment.objects.filter(state="pending").exists() and sent.count() == before


def run_batch_on_the_worker(organization, broker=None):
    """Through the broker to the worker process (send_task ignores the tests' eager mode)."""
    sender = app
    if broker:  # the same routes (the batch goes to the "letters" queue), another broker
        sender = Celery(broker=broker, set_as_current=False)  # the tests keep their own app
        sender.conf.update(
            task_routes=app.conf.task_routes, task_default_queue=app.conf.task_default_queue
        )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", AlwaysEagerIgnored)
        sender.send_task(
            "thankyous.tasks.run_thankyou_batch", kwargs={"organization_id": organization.pk}
        )


def gifts_to_thank(organization):
    with organization_scope(organization):
        for n in range(GIFTS):
            contact = ContactFactory(organization=organization, email=f"donor{n}@example.org")
            donor_services.gift_record(
                organization=organization,
                contact=contact,
                amount=Decimal("20"),
                received_on=timezone.localdate(),
            )
        services.ensure_default_templates(organization=organization)


def assert_each_donor_thanked_once(organization, mailbox, in_review=0):
    with organization_scope(organization):
        states = Counter(Acknowledgment.objects.values_list("state", flat=True))
        assert Acknowledgment.objects.count() == GIFTS  # one row per gift, never two
        assert set(states) <= {"sent", "review"} and states["review"] <= in_review, states
    per_recipient = Counter(m["To"] for m in mailbox.messages)
    assert max(per_recipient.values()) == 1, "a donor got two thank-yous"
    assert len(per_recipient) >= states["sent"]  # every "sent" row really reached the server
    return states


def test_sigkill_mid_batch_then_rerun_thanks_everyone_exactly_once(org_a, mailbox):
    mailbox.delay = 0.15
    gifts_to_thank(org_a)
    app.control.purge()

    worker = start_worker(mailbox)
    try:
        run_batch_on_the_worker(org_a)
        assert wait_for(lambda: len(mailbox.messages) >= 8, 60), "the worker never started sending"
    finally:
        stop(worker, signal.SIGKILL)  # no warning, no cleanup: the worst case
    sent_before_kill = len(mailbox.messages)
    assert sent_before_kill < GIFTS, "the batch finished before it could be interrupted"

    with organization_scope(org_a):
        # Fifteen minutes later, a row left "sending" is nobody's: release_stuck puts it in review.
        Acknowledgment.objects.filter(state__in=["sending", "claimed"]).update(
            claimed_at=timezone.now() - timezone.timedelta(hours=1)
        )
    worker = start_worker(mailbox)
    try:
        run_batch_on_the_worker(org_a)
        with organization_scope(org_a):
            assert wait_for(batch_finished, 90), "the rerun did not finish"
    finally:
        stop(worker)
    assert_each_donor_thanked_once(org_a, mailbox, in_review=1)


@pytest.fixture
def private_redis():
    """A Redis of the test's own (the machine's is shared), which the test can restart."""
    if not shutil.which("redis-server"):
        pytest.fail("redis-server is needed for this test (make test installs the services)")
    port = free_port()

    class Server:
        url = f"redis://127.0.0.1:{port}"
        process = None

        def start(self):
            self.process = subprocess.Popen(
                [*("redis-server", "--port", str(port), "--bind", "127.0.0.1"), "--save", ""],
                stdout=subprocess.DEVNULL,
            )
            assert wait_for(lambda: redis.Redis(port=port).ping(), 10)

        def kill(self):
            self.process.kill()
            self.process.wait()

    server = Server()
    server.start()
    yield server
    server.kill()


def test_redis_restarted_mid_batch_loses_no_thank_you(org_a, mailbox, private_redis):
    """Redis keeps nothing on disk here: the queued message dies with it. The database, not the
    queue, knows what is left; the next run (the hourly beat) finishes the job, once."""
    mailbox.delay = 0.15
    gifts_to_thank(org_a)
    broker = f"{private_redis.url}/0"
    worker = start_worker(mailbox, TEST_BROKER_URL=broker, TEST_CACHE_URL=f"{private_redis.url}/1")
    try:
        run_batch_on_the_worker(org_a, broker=broker)
        assert wait_for(lambda: len(mailbox.messages) >= 8, 60), "the worker never started sending"
        private_redis.kill()
        time.sleep(1)
        private_redis.start()
        with organization_scope(org_a):
            if not wait_for(batch_finished, 30):  # the task in hand may have died with the link
                run_batch_on_the_worker(org_a, broker=broker)  # the next hour's run
                assert wait_for(batch_finished, 90), "the run after the restart did not finish"
    finally:
        stop(worker)
    states = assert_each_donor_thanked_once(org_a, mailbox)
    assert states["sent"] == GIFTS == len(mailbox.messages)


class FlakyDatabaseLink:
    """A TCP relay to PostgreSQL (over TCP or its Unix socket) that can drop every connection and
    refuse new ones for a while: the database "briefly unreachable", as a worker sees it."""

    def __init__(self, database):
        host, port = database["HOST"], int(database["PORT"])
        self.target = f"{host}/.s.PGSQL.{port}" if host.startswith("/") else (host, port)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.down_until = 0.0
        self.links = []
        threading.Thread(target=self._accept, daemon=True).start()

    def outage(self, seconds):
        self.down_until = time.monotonic() + seconds
        self.cut()

    def cut(self):
        for link in self.links:
            with contextlib.suppress(OSError):
                link.shutdown(socket.SHUT_RDWR)
        self.links.clear()

    def close(self):
        self.down_until = float("inf")
        self.cut()
        self.listener.close()

    def _accept(self):
        while True:
            client, _address = self.listener.accept()
            if time.monotonic() < self.down_until:
                client.close()
                continue
            if isinstance(self.target, str):
                server = socket.socket(socket.AF_UNIX)
                server.connect(self.target)
            else:
                server = socket.create_connection(self.target)
            self.links += [client, server]
            for source, sink in ((client, server), (server, client)):
                threading.Thread(target=self._pipe, args=(source, sink), daemon=True).start()

    @staticmethod
    def _pipe(source, sink):
        with contextlib.suppress(OSError):
            while data := source.recv(65536):
                sink.sendall(data)
        for end in (source, sink):
            with contextlib.suppress(OSError):
                end.close()


def test_database_briefly_unreachable_mid_batch_loses_no_thank_you(org_a, mailbox):
    mailbox.delay = 0.15
    gifts_to_thank(org_a)
    app.control.purge()
    database = connection.settings_dict
    link = FlakyDatabaseLink(database)
    worker = start_worker(
        mailbox,
        DATABASE_URL=f"postgres://{database['USER']}@127.0.0.1:{link.port}/{database['NAME']}",
    )
    try:
        run_batch_on_the_worker(org_a)
        assert wait_for(lambda: len(mailbox.messages) >= 8, 60), "the worker never started sending"
        link.outage(3)
        with organization_scope(org_a):
            assert wait_for(batch_settled, 90), "the batch did not recover"
            # A claim whose reply was lost with the link is released by the next run after
            # fifteen minutes; a row mailed just as the link went is for a person to check.
            Acknowledgment.objects.filter(state__in=["sending", "claimed"]).update(
                claimed_at=timezone.now() - timezone.timedelta(hours=1)
            )
            run_batch_on_the_worker(org_a)
            assert wait_for(batch_finished, 90), "the next run did not finish the job"
    finally:
        stop(worker)
        link.close()
    states = assert_each_donor_thanked_once(org_a, mailbox, in_review=1)
    assert states["sent"] + states["review"] == GIFTS


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
