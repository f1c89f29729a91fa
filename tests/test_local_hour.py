"""Daily jobs at each organization's own hour: exactly once per local date, daylight saving
nights included (``stakeholders.tenancy.tasks.fan_out_at_local_hour``)."""

import threading
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django_scopes import scopes_disabled

from stakeholders.tenancy.models import ScheduledRun
from stakeholders.tenancy.tasks import fan_out_at_local_hour
from tests.factories import OrganizationFactory

SPRING_LONDON, AUTUMN_LONDON = date(2026, 3, 29), date(2026, 10, 25)
SPRING_NEW_YORK, AUTUMN_NEW_YORK = date(2026, 3, 8), date(2026, 11, 1)
ORDINARY = date(2026, 6, 14)


class Recorder:
    """Stands in for a Celery task: its name is the job's, ``delay`` notes the organization."""

    name = "tests.nightly_job"

    def __init__(self):
        self.queued = []

    def delay(self, *, organization_id):
        self.queued.append(organization_id)


def ticks_across_the_night(zone, night):
    """Beat's hourly ticks (at minute 5, UTC) from 18:00 the evening before ``night`` until
    noon on it, local time."""
    tick = datetime.combine(night - timedelta(days=1), time(18), tzinfo=zone).astimezone(UTC)
    tick = tick.replace(minute=5) + timedelta(hours=1 if tick.minute > 5 else 0)
    noon = datetime.combine(night, time(12), tzinfo=zone)
    while tick < noon:
        yield tick
        tick += timedelta(hours=1)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("zone", "night", "hour", "runs_at"),
    [
        # London goes from 01:00 GMT to 02:00 BST: 01:xx doesn't exist, its job runs at 02:05.
        ("Europe/London", SPRING_LONDON, 0, "00:05 GMT"),
        ("Europe/London", SPRING_LONDON, 1, "02:05 BST"),
        ("Europe/London", SPRING_LONDON, 2, "02:05 BST"),
        ("Europe/London", SPRING_LONDON, 3, "03:05 BST"),
        # 01:xx happens twice (BST, then GMT): the job runs in the first.
        ("Europe/London", AUTUMN_LONDON, 0, "00:05 BST"),
        ("Europe/London", AUTUMN_LONDON, 1, "01:05 BST"),
        ("Europe/London", AUTUMN_LONDON, 2, "02:05 GMT"),
        ("Europe/London", ORDINARY, 1, "01:05 BST"),
        ("Europe/London", ORDINARY, 2, "02:05 BST"),
        # New York goes from 02:00 EST to 03:00 EDT, and back from 02:00 EDT to 01:00 EST.
        ("America/New_York", SPRING_NEW_YORK, 1, "01:05 EST"),
        ("America/New_York", SPRING_NEW_YORK, 2, "03:05 EDT"),
        ("America/New_York", SPRING_NEW_YORK, 3, "03:05 EDT"),
        ("America/New_York", AUTUMN_NEW_YORK, 1, "01:05 EDT"),
        ("America/New_York", AUTUMN_NEW_YORK, 2, "02:05 EST"),
        ("America/New_York", ORDINARY, 2, "02:05 EDT"),
        # No daylight saving time: every night is ordinary, London's and New York's too.
        ("Asia/Phnom_Penh", SPRING_LONDON, 1, "01:05 +07"),
        ("Asia/Phnom_Penh", AUTUMN_NEW_YORK, 2, "02:05 +07"),
        ("Asia/Tehran", SPRING_NEW_YORK, 2, "02:35 +0330"),  # half an hour off UTC
        ("Asia/Tehran", ORDINARY, 0, "00:35 +0330"),
    ],
)
def test_the_job_runs_once_a_night_at_the_hour_or_the_first_one_after(zone, night, hour, runs_at):
    organization = OrganizationFactory(timezone=zone)
    job, local = Recorder(), ZoneInfo(zone)
    ran_at = []
    for tick in ticks_across_the_night(local, night):
        for _ in range(2):  # a doubled beat changes nothing
            before = len(job.queued)
            fan_out_at_local_hour(job, {organization.pk: hour}, default_hour=9, now=tick)
            ran_at += [tick] * (len(job.queued) - before)
    assert [t.astimezone(local).strftime("%H:%M %Z") for t in ran_at] == [runs_at]
    assert job.queued == [organization.pk]
    assert ran_at[0].astimezone(local).date() == night
    with scopes_disabled():
        assert (
            ScheduledRun.objects.get(organization=organization, job=job.name).last_run_on == night
        )


@pytest.mark.django_db
def test_each_organization_and_job_has_its_own_night_and_the_next_night_runs_again():
    london = OrganizationFactory(timezone="Europe/London")
    phnom_penh = OrganizationFactory(timezone="Asia/Phnom_Penh")
    broken = OrganizationFactory(timezone="Europe/London")  # an hour no form allows
    batch, calls = Recorder(), Recorder()
    calls.name = "tests.other_job"
    hours = {london.pk: 2, phnom_penh.pk: 2, broken.pk: 24}
    two_in_london = datetime(2026, 6, 14, 1, 5, tzinfo=UTC)  # 02:05 BST, 08:05 in Phnom Penh
    assert fan_out_at_local_hour(batch, hours, default_hour=2, now=two_in_london) == 1
    assert fan_out_at_local_hour(calls, {}, default_hour=8, now=two_in_london) == 1
    assert batch.queued == [london.pk] and calls.queued == [phnom_penh.pk]
    next_night = two_in_london + timedelta(days=1)
    assert fan_out_at_local_hour(batch, hours, default_hour=2, now=next_night) == 1
    assert batch.queued == [london.pk, london.pk]


@pytest.mark.django_db(transaction=True)
def test_two_beats_at_once_queue_the_job_once():
    """Two fan-outs at the same moment, each on its own database connection: the date is
    claimed by one of them."""
    organization = OrganizationFactory(timezone="Europe/London")
    job, start = Recorder(), threading.Barrier(2)
    tick = datetime(2026, 6, 14, 1, 5, tzinfo=UTC)

    def beat():
        try:
            start.wait()
            fan_out_at_local_hour(job, {organization.pk: 2}, default_hour=2, now=tick)
        finally:
            connection.close()

    beats = [threading.Thread(target=beat) for _ in range(2)]
    for thread in beats:
        thread.start()
    for thread in beats:
        thread.join()
    assert job.queued == [organization.pk]


@pytest.mark.django_db
def test_the_users_of_the_fan_out_run_at_their_hours(monkeypatch):
    from donors import tasks as donor_tasks
    from donors.models import DonorSettings
    from stakeholders.tenancy import tasks as tenancy_tasks
    from thankyous import tasks as thankyou_tasks
    from thankyous.models import ThankYouSettings

    organization = OrganizationFactory(timezone="America/New_York")
    with scopes_disabled():
        ThankYouSettings.objects.create(organization=organization, batch_hour=2)
        DonorSettings.objects.create(organization=organization, welcome_call_hour=3)
    queued = []
    for task in (thankyou_tasks.run_thankyou_batch, donor_tasks.send_welcome_call_list):
        monkeypatch.setattr(task, "delay", lambda *, task=task, **kw: queued.append(task.name))
    spring_night = datetime(2026, 3, 8, 7, 5, tzinfo=UTC)  # 03:05 EDT: 02:xx was skipped
    monkeypatch.setattr(tenancy_tasks.timezone, "now", lambda: spring_night)
    for _ in range(2):
        thankyou_tasks.run_thankyou_batches()
        donor_tasks.send_welcome_call_lists()
    assert queued == [
        thankyou_tasks.run_thankyou_batch.name,
        donor_tasks.send_welcome_call_list.name,
    ]
