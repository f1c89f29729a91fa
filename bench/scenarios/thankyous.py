"""The nightly thank-you batch with real parts: gifts across 50 organizations, an email with a
realistic PDF letter each (the organization's logo, a scanned signature, three paragraphs and a
gift table), a real Celery worker against PostgreSQL and Redis, and a local SMTP server.
Compared, in the same run, with the bare WeasyPrint rate for the same letter.

Two modes, each on gifts of its own, one after the other in one run:

- ``two_cores``: everything shares the machine's two cores; the worker has 2 processes.
- ``pinned``: as it sits in production — PostgreSQL (postmaster and every backend), Redis and the
  benchmark's own process (the SMTP server) on core 0; the worker (concurrency 1, its pool
  process included) and the bare renderer (one process) on core 1 (``bench/pinning.py``; every
  affinity is put back after). Skipped, with a note, on a machine with fewer than 2 cores.

Targets (issue 21): the batch reaches at least 0.8 of the bare render rate; in the pinned mode
the worker's CPU per letter is at most 1.2× the bare render's, and its memory grows less than 5%
after the first 1,000 letters. BENCH_THANKYOU_GIFTS sets the size per mode (default 20,000);
BENCH_THANKYOU_MODES the modes (default ``two_cores,pinned``).

The organizations, donors and gifts are made by the owner of the tables; the worker, the bare
renders and the polling run as the application's role, under row-level security
(``bench/roles.py``).
"""

import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from decimal import Decimal
from io import BytesIO
from pathlib import Path

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from django.db.models import Max
from django.utils import timezone
from django_scopes import scopes_disabled

from bench import letter_images, pinning, roles, serving
from bench.smtp_sink import SmtpSink
from config.celery import app
from donors.models import Fund, Gift, GiftAllocation
from stakeholders.models import Contact, Organization, logo_upload_to
from stakeholders.tenancy.models import organization_scope
from thankyous import rendering, services
from thankyous.models import Acknowledgment, Rule, ThankYouTemplate, signature_upload_to
from thankyous.registry import thankables

LARGE = True
ORGANIZATIONS = 50
MODES = ("two_cores", "pinned")
ROOT = Path(__file__).resolve().parents[2]
# A few rows and letters: the test suite runs every scenario so (tests/test_bench.py).
TINY = {"gifts": 4, "organizations": 2, "letters": 2, "timeout_s": 120, "poll_s": 0.2}

# What most charities send: three paragraphs and a table of the gift, under the logo and above
# a scanned signature (the default template's words are shorter and have neither).
LETTER_BODY = """<p>{{ salutation }},</p>
<p>Thank you for your generous gift of <strong>{{ amount }}</strong> ({{ amount_in_words }}),
received on {{ date }} for {{ fund }}. {{ impact_sentence }} Every week, families across the city
come to our kitchens and our night shelter with nowhere else to turn, and gifts like yours are
what keep the doors open and the shelves full.</p>
<p>This winter has been the hardest we have known: the number of people we served rose by a
third, and our volunteers cooked more than two thousand meals a month. Your support means that
no one who came to us was turned away, and that our advice service could help forty families
keep their homes.</p>
<p>We would love to show you what your gift has made possible. You can follow our work and read
the stories of the people you have helped on our website, and you are always welcome to visit
us. Thank you again for standing with your neighbours.</p>
<table style="border-collapse: collapse; inline-size: 100%; margin-block: 6mm; font-size: 10pt">
<thead><tr style="border-block-end: 1pt solid #52606d">
<th style="text-align: start">Date</th><th style="text-align: start">Fund</th>
<th style="text-align: end">Amount</th><th style="text-align: end">Tax-deductible amount</th>
</tr></thead>
<tbody><tr>
<td>{{ date }}</td><td>{{ fund }}</td>
<td style="text-align: end">{{ amount }}</td>
<td style="text-align: end">{{ tax_deductible_amount }}</td>
</tr></tbody>
</table>
<p>For your records: no goods or services were provided in exchange for this gift.</p>"""


def _generate(total, organizations_count, *, prefix):
    """As the owner of the tables. Every organization gets a logo, and its default gift letter
    the realistic body and a signature image (files in Django's default storage, where the
    worker's and the bare renderer's ``LetterFetcher`` read them)."""
    per_org = total // organizations_count
    today = timezone.localdate()
    organizations = Organization.objects.bulk_create(
        Organization(
            name=f"Charity {n}",
            slug=f"{prefix}charity-{n}",
            currency="GBP",
            timezone="Europe/London",
            address="1 High Street\nBristol",
            sender_name="The Director",
        )
        for n in range(organizations_count)
    )
    for organization in organizations:
        organization.logo = default_storage.save(
            logo_upload_to(organization, "logo.png"), ContentFile(letter_images.logo_png())
        )
    Organization.objects.bulk_update(organizations, ["logo"])
    with scopes_disabled():
        for organization in organizations:
            fund = Fund.objects.create(
                organization=organization,
                name="Meals",
                impact_unit_amount=Decimal("25"),
                impact_unit_label="one week of meals",
            )
            contacts = Contact.objects.bulk_create(
                Contact(
                    organization=organization,
                    first_name=f"Donor{i}",
                    last_name="Example",
                    name=f"Donor{i} Example",
                    search_name=f"donor{i} example",
                    email=f"d{i}@{organization.slug}.example.org",
                    street="2 Mill Lane",
                    postal_code="BS1 4DJ",
                    city="Bristol",
                    is_donor=True,
                )
                for i in range(per_org)
            )
            gifts = Gift.objects.bulk_create(
                Gift(
                    organization=organization,
                    contact=c,
                    amount=Decimal("50.00"),
                    tax_deductible_amount=Decimal("50.00"),
                    received_on=today - timedelta(days=1),
                )
                for c in contacts
            )
            GiftAllocation.objects.bulk_create(
                GiftAllocation(organization=organization, gift=g, fund=fund, amount=g.amount)
                for g in gifts
            )
            with organization_scope(organization):
                services.ensure_default_templates(organization=organization)
                template = ThankYouTemplate.objects.get(
                    organization=organization, rule=Rule.DEFAULT, original=None
                )
                template.letter_body = LETTER_BODY
                template.signature_image = default_storage.save(
                    signature_upload_to(template, "signature.png"),
                    ContentFile(letter_images.signature_png()),
                )
                rendering.check_template(template, thankables["gift"].sample(organization))
                template.save(update_fields=["letter_body", "signature_image"])
    return organizations, per_org * organizations_count


def _remove_files(organizations):
    """The logos and signatures the run stored (the letters are in a folder of its own)."""
    with roles.loading():
        names = [o.logo.name for o in organizations if o.logo] + list(
            ThankYouTemplate.objects.filter(organization__in=organizations)
            .exclude(signature_image="")
            .values_list("signature_image", flat=True)
        )
    for name in names:
        default_storage.delete(name)
        with contextlib.suppress(OSError, NotImplementedError):  # its folder, once empty
            os.rmdir(Path(default_storage.path(name)).parent)


def _pdf_contents(pdf):
    """Pages, images (image XObjects drawn on the pages) and KiB of a letter's PDF."""
    from pypdf import PdfReader

    reader = PdfReader(BytesIO(pdf))
    return {
        "pages": len(reader.pages),
        "images": sum(len(page.images) for page in reader.pages),
        "kib": round(len(pdf) / 1024, 1),
    }


def _letter_made_here(organization):
    """The benchmark letter, rendered in this process before the run: it must carry both
    images, or the run would measure another letter."""
    with organization_scope(organization):
        template = ThankYouTemplate.objects.get(
            organization=organization, rule=Rule.DEFAULT, original=None
        )
        fields = thankables["gift"].sample(organization)
        contents = _pdf_contents(
            rendering.letter_pdf(organization=organization, template=template, fields=fields)
        )
    assert contents["images"] == 2, f"the letter should carry the logo and signature: {contents}"
    return contents


def _bare_rate(organization, environment, letters, *, processes, cores=None):
    """The bare rate at the worker's concurrency: ``processes`` fresh processes render the same
    letter at the same time (doubling one process's rate would assume two cores scale
    perfectly); ``cores``: the cores they run on (``taskset``)."""
    command = [
        *(["taskset", "-c", str(cores)] if cores is not None else []),
        sys.executable,
        "-m",
        "bench.bare_render",
        str(organization.pk),
        str(letters),
    ]
    runs = [
        subprocess.Popen(command, cwd=ROOT, env=environment, stdout=subprocess.PIPE, text=True)
        for _ in range(processes)
    ]
    results = [json.loads(run.communicate()[0].strip().splitlines()[-1]) for run in runs]
    return sum(r["rate"] for r in results), sum(r["cpu_ms"] for r in results) / len(results)


def _render_rate_in_worker(organization, letters, *, processes, timeout_s=600):
    """The same bare render loop in each of the worker's processes at once (without the
    batch): what separates it from the bare rate is being in a Celery worker, not the
    orchestration."""
    with tempfile.TemporaryDirectory() as folder:
        reports = [Path(folder) / f"{n}.json" for n in range(processes)]
        for report in reports:
            app.send_task("bench.render_letters", args=[organization.pk, letters, str(report)])
        deadline = time.monotonic() + timeout_s
        while not all(r.exists() for r in reports) and time.monotonic() < deadline:
            time.sleep(0.2)
        results = [json.loads(r.read_text()) for r in reports]
    assert len({r["pid"] for r in results}) == processes, "every worker process renders"
    return sum(r["rate"] for r in results), sum(r["cpu_ms"] for r in results) / len(results)


class _Clocks:
    """CPU seconds of everything the batch involves, read at the start and the end."""

    def __init__(self, *, worker, postmaster, redis, cores):
        self.pids = {"worker": worker, "postgresql": postmaster, "redis": redis}
        self.cores = cores

    def read(self):
        values = {
            "worker": pinning.cpu_seconds(self.pids["worker"], with_children=True),
            # The SMTP server runs in this process (bench/smtp_sink.py), beside the polling.
            "smtp_server_and_benchmark": pinning.cpu_seconds(os.getpid()),
        }
        processes = {}
        if self.pids["postgresql"]:  # every backend, the ended ones included (cutime)
            values["postgresql"] = pinning.cpu_seconds(
                self.pids["postgresql"], with_children=True, reaped=True
            )
            processes = pinning.postgresql_processes(
                self.pids["postgresql"], connection.settings_dict["NAME"]
            )
        if self.pids["redis"]:
            values["redis"] = pinning.cpu_seconds(self.pids["redis"])
        # The worker's main process (Celery's consumer) alone, apart from its pool: not summed.
        processes["worker_main"] = ("worker", pinning.cpu_seconds(self.pids["worker"]))
        return values, {core: pinning.core_times(core) for core in self.cores}, processes


def _postgresql_split(start, end, per_letter):
    """Whose the server's CPU was, as far as its live processes tell: other databases' backends
    (other runs on the same server) and the server's own processes (WAL writer, checkpointer…)
    alive at the end. The rest of the total is this run's backends (the worker reconnects
    every CONN_MAX_AGE, so its ended backends only show in the postmaster's total) and any
    other backend that ended during the batch."""
    split = {"other_databases_backends_alive": 0.0, "server_processes": 0.0}
    for pid, (what, seconds) in end.items():
        if what in ("others", "server"):
            key = "other_databases_backends_alive" if what == "others" else "server_processes"
            split[key] += seconds - start.get(pid, (what, 0.0))[1]
    return {k: round(v * per_letter, 2) for k, v in split.items()}


def _memory(samples, total):
    """What the worker holds (every process) after the first 1,000 letters and each quarter."""
    first = min(1000, total)

    def after(count):
        return next((rss for done, rss in samples if done >= count), None)

    result = {
        "first_letters": next((rss for done, rss in samples if done), None),
        "after_first_1000": after(first),
        **{f"after_{q * 25}%": after(total * q / 4) for q in (1, 2, 3, 4)},
        "max": max(rss for _done, rss in samples),
    }
    base, end = result["after_first_1000"], result["after_100%"]
    result["growth_after_first_1000_pct"] = (
        round((end - base) * 100 / base, 1) if base and end else None
    )
    result["target"] = "< 5% growth after the first 1,000 letters"
    result["target_met"] = result["growth_after_first_1000_pct"] is not None and (
        result["growth_after_first_1000_pct"] < 5
    )
    return result


def _batch(mode, organizations, total, *, letters, timeout_s, poll_s, cores):
    """One mode's run: the bare rate, the batch, the render loop in the worker, the bare rate
    again. ``cores``: (core 0, core 1) when pinned, else None."""
    pinned = cores is not None
    processes = 1 if pinned else 2
    core_of_worker = cores[1] if pinned else None
    pins = pinning.Pins()
    # Stopped with SIGTERM, the run still puts every affinity back (``finally`` below).
    stopped = signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    postmaster = pinning.postgresql_postmaster(connection)
    redis = pinning.redis_server(settings.CELERY_BROKER_URL)
    notes = []
    if postmaster is None:
        notes.append("PostgreSQL runs elsewhere: neither pinned nor counted")
    if redis is None:
        notes.append("Redis runs elsewhere: neither pinned nor counted")
    ids = [o.pk for o in organizations]
    folder = tempfile.TemporaryDirectory(prefix="steward-bench-letters-")  # no names from before
    sink = None
    try:
        if pinned:
            core0 = {cores[0]}
            pins.pin(os.getpid(), core0)  # every thread; the SMTP server's is started below
            if postmaster:  # new backends inherit the postmaster's cores
                pins.pin(postmaster, core0, with_children=True)
            if redis:
                pins.pin(redis, core0)
        sink = SmtpSink().start()
        environment = {
            **{k: v for k, v in os.environ.items() if k != "DATABASE_OWNER_URL"},
            "DJANGO_SETTINGS_MODULE": "config.settings.test",
            "DATABASE_URL": roles.application_database_url(),
            "CELERY_EAGER": "0",
            "TEST_SMTP_PORT": str(sink.port),
            "TEST_PRIVATE_FILES_ROOT": folder.name,
        }
        bare_before, bare_cpu_before = _bare_rate(
            organizations[0], environment, letters, processes=processes, cores=core_of_worker
        )
        app.control.purge()
        with serving.celery_worker(
            environment,
            concurrency=processes,
            include=["bench.worker_tasks"],
            timeout_s=timeout_s,
            cores=core_of_worker,
        ) as worker:
            clocks = _Clocks(
                worker=worker.pid,
                postmaster=postmaster,
                redis=redis,
                cores=cores or pinning.two_cores() or (0,),
            )
            memory = []
            cpu_start, cores_start, pg_start = clocks.read()
            start, started_at = time.perf_counter(), timezone.now()
            for organization in organizations:
                app.send_task(  # through the broker, whatever the test settings' eager mode
                    "thankyous.tasks.run_thankyou_batch",
                    kwargs={"organization_id": organization.pk},
                )
            with scopes_disabled():
                sent_rows = Acknowledgment.objects.filter(organization_id__in=ids, state="sent")
                while True:
                    sent = sent_rows.count()
                    memory.append((sent, pinning.rss_mib(worker.pid)))
                    if sent >= total or time.perf_counter() - start > timeout_s:
                        break
                    time.sleep(poll_s)
                cpu_end, cores_end, pg_end = clocks.read()
                # To the last letter's "sent", not to the poll that noticed it.
                last = sent_rows.aggregate(last=Max("sent_at"))["last"]
                one = sent_rows.exclude(pdf="").order_by("pk").first()
            affinity = {
                "worker": sorted(
                    {c for p in pinning.family(worker.pid) for c in pinning.affinity(p)}
                ),
                "worker_processes": len(pinning.family(worker.pid)),
                "postgresql": pinning.affinity(postmaster) if postmaster else None,
                "redis": pinning.affinity(redis) if redis else None,
                "smtp_server_and_benchmark": pinning.affinity(os.getpid()),
            }
            elapsed = (last - started_at).total_seconds()
            worker_render_rate, worker_render_cpu_ms = _render_rate_in_worker(
                organizations[0], letters, processes=processes, timeout_s=timeout_s
            )
        bare_after, bare_cpu_after = _bare_rate(
            organizations[0], environment, letters, processes=processes, cores=core_of_worker
        )
        letter = _pdf_contents((Path(folder.name) / one.pdf.name).read_bytes()) if one else None
    finally:
        if sink is not None:
            sink.stop()
        pins.restore()
        signal.signal(signal.SIGTERM, stopped)
        folder.cleanup()
    rate, bare = sent / elapsed, (bare_before + bare_after) / 2
    bare_cpu_ms = (bare_cpu_before + bare_cpu_after) / 2
    per_letter = 1000 / max(sent, 1)
    cpu = {k: (cpu_end[k] - cpu_start[k]) * per_letter for k in cpu_start}
    core_use = {
        f"core {core}": {
            f"{k}_ms_per_letter": round((cores_end[core][k] - cores_start[core][k]) * per_letter, 1)
            for k in ("busy", "idle", "steal")
        }
        for core in cores_start
    }
    worker_cpu_ms = cpu["worker"]
    busy = sum(cores_end[c]["busy"] - cores_start[c]["busy"] for c in cores_start)
    if pinned:
        # What core 0 did per letter; the rest is the kernel (interrupts, loopback) and anything
        # else that runs there. Core 1 is the worker's: its idle time is the batch's waiting.
        core0 = core_use[f"core {cores[0]}"]
        core0["of_which"] = {
            **{k: round(cpu[k], 1) for k in ("postgresql", "redis", "smtp_server_and_benchmark")},
            "kernel_and_other_processes": round(
                core0["busy_ms_per_letter"]
                - sum(cpu.get(k, 0) for k in ("postgresql", "redis", "smtp_server_and_benchmark")),
                1,
            ),
        }
        core1 = core_use[f"core {cores[1]}"]
        core1["of_which"] = {
            "worker": round(worker_cpu_ms, 1),
            "kernel_and_other_processes": round(core1["busy_ms_per_letter"] - worker_cpu_ms, 1),
        }
    return {
        **({"notes": notes} if notes else {}),
        "cores": (
            f"pinned: PostgreSQL, Redis and the SMTP server on core {cores[0]}; the worker and "
            f"the bare renderer on core {cores[1]}"
            if pinned
            else "shared: everything on the machine's cores"
        ),
        "affinity_during_the_batch": affinity,
        "worker_processes_rendering": processes,
        "gifts": total,
        "organizations": len(organizations),
        "sent": sent,
        "smtp_messages_received": sink.count,
        "smtp_distinct_message_ids": len(sink.message_ids),
        "letter_sent": letter,  # one of the batch's own PDFs: the logo and signature are in it
        "elapsed_s": round(elapsed, 1),
        "batch_letters_per_s": round(rate, 1),
        "bare_render_processes": processes,
        "bare_render_letters_per_s": round(bare, 1),
        "bare_before_and_after": [round(bare_before, 1), round(bare_after, 1)],
        "ratio_to_bare": round(rate / bare, 2),
        "target": ">= 0.8 of the bare rate",
        "target_met": rate >= 0.8 * bare,
        # The same render loop in the worker's processes, after the batch: the batch against
        # it is the orchestration's own cost; it against the bare rate is the worker process's.
        "render_only_in_worker_letters_per_s": round(worker_render_rate, 1),
        "render_only_in_worker_cpu_ms_per_letter": round(worker_render_cpu_ms, 1),
        "ratio_to_render_only_in_worker": round(rate / worker_render_rate, 2),
        # The worker's own CPU per letter against WeasyPrint's alone.
        "worker_cpu_ms_per_letter": round(worker_cpu_ms, 1),
        "of_which_celery_main_process_ms": round(
            (pg_end["worker_main"][1] - pg_start["worker_main"][1]) * per_letter, 2
        ),
        "bare_render_cpu_ms_per_letter": round(bare_cpu_ms, 1),
        "worker_to_bare_cpu_ratio": round(worker_cpu_ms / bare_cpu_ms, 2),
        "cpu_target": "<= 1.2 × the bare render's CPU per letter",
        "cpu_target_met": worker_cpu_ms <= 1.2 * bare_cpu_ms,
        # Where the CPU went, per letter (PostgreSQL: the postmaster and every backend, other
        # users' of the same server included; the SMTP server runs in the benchmark's process).
        "cpu_ms_per_letter": {
            **{k: round(v, 1) for k, v in cpu.items()},
            "kernel_and_other_processes": round(busy * per_letter - sum(cpu.values()), 1),
        },
        "postgresql_cpu_ms_per_letter_of_which": _postgresql_split(pg_start, pg_end, per_letter),
        "cores_ms_per_letter": core_use,
        "worker_rss_mib": _memory(memory, total),
    }


def run(
    *,
    gifts=None,
    organizations=ORGANIZATIONS,
    letters=150,
    timeout_s=3600,
    poll_s=1,
    modes=None,
):
    """``letters``: how many each process renders for the reference rates; ``poll_s``: how
    often the sent letters are counted (the end time is the last letter's own)."""
    total = gifts or int(os.environ.get("BENCH_THANKYOU_GIFTS", "20000"))
    modes = modes or [
        m for m in os.environ.get("BENCH_THANKYOU_MODES", ",".join(MODES)).split(",") if m
    ]
    assert set(modes) <= set(MODES), modes
    results = {"measured_as": roles.current_role(), "letter": None}
    made = []
    try:
        for mode in modes:
            cores = None
            if mode == "pinned":
                cores = pinning.two_cores()
                if cores is None:
                    results[mode] = {"skipped": "fewer than 2 CPUs here: nothing to pin"}
                    continue
            with roles.loading():
                batch_organizations, count = _generate(
                    total, organizations, prefix=f"{mode.replace('_', '-')}-"
                )
            made += batch_organizations
            if results["letter"] is None:
                results["letter"] = {
                    "contents": "logo (600×200 PNG), signature (400×120 PNG), three paragraphs, "
                    "a gift table",
                    **_letter_made_here(batch_organizations[0]),
                }
            results[mode] = _batch(
                mode,
                batch_organizations,
                count,
                letters=letters,
                timeout_s=timeout_s,
                poll_s=poll_s,
                cores=cores,
            )
    finally:
        _remove_files(made)
    return results
