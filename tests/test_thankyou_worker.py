"""The guarantee with real parts: a Celery worker process killed with SIGKILL in the middle of
the batch, then the batch run again — every gift thanked once, no donor emailed twice."""

import os
import signal
import subprocess
import sys
import time
import warnings
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest
from celery.exceptions import AlwaysEagerIgnored
from django.db import connection
from django.utils import timezone

from config.celery import app
from donors import services as donor_services
from stakeholders.tenancy.models import organization_scope
from tests.factories import ContactFactory
from thankyous import services
from thankyous.models import Acknowledgment

ROOT = Path(__file__).resolve().parent.parent
GIFTS = 30

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(180)]


def start_worker(mailbox):
    database = connection.settings_dict
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}",
        "CELERY_EAGER": "0",
        "TEST_SMTP_PORT": str(mailbox.port),
    }
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
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
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


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


def run_batch_on_the_worker(organization):
    """Through the broker to the worker process (send_task ignores the tests' eager mode)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", AlwaysEagerIgnored)
        app.send_task(
            "thankyous.tasks.run_thankyou_batch", kwargs={"organization_id": organization.pk}
        )


def test_sigkill_mid_batch_then_rerun_thanks_everyone_exactly_once(org_a, mailbox):
    mailbox.delay = 0.15
    with organization_scope(org_a):
        for n in range(GIFTS):
            contact = ContactFactory(organization=org_a, email=f"donor{n}@example.org")
            donor_services.gift_record(
                organization=org_a,
                contact=contact,
                amount=Decimal("20"),
                received_on=timezone.localdate(),
            )
        services.ensure_default_templates(organization=org_a)
    app.control.purge()

    worker = start_worker(mailbox)
    try:
        run_batch_on_the_worker(org_a)
        assert wait_for(lambda: len(mailbox.messages) >= 8, 60), "the worker never started sending"
    finally:
        os.killpg(worker.pid, signal.SIGKILL)  # no warning, no cleanup: the worst case
        worker.wait()
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
        os.killpg(worker.pid, signal.SIGTERM)
        worker.wait(timeout=30)

    with organization_scope(org_a):
        states = Counter(Acknowledgment.objects.values_list("state", flat=True))
        assert Acknowledgment.objects.count() == GIFTS  # one row per gift, never two
        assert set(states) <= {"sent", "review"} and states["review"] <= 1
    per_recipient = Counter(m["To"] for m in mailbox.messages)
    assert max(per_recipient.values()) == 1, "a donor got two thank-yous"
    assert len(per_recipient) >= states["sent"]  # every "sent" row really reached the server
