"""The Celery base task for work inside one organization."""

import logging
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from celery.contrib.django.task import DjangoTask
from django.utils import timezone
from django_scopes import scopes_disabled

from stakeholders.tenancy.models import ScheduledRun, organization_scope

logger = logging.getLogger(__name__)


class OrganizationTask(DjangoTask):
    """Takes ``organization_id`` (a plain id, like every task argument) and runs in its scope.

    The task function receives the ``organization`` instead. If the organization was deleted after
    the task was queued, the task does nothing. Example::

        @shared_task(base=OrganizationTask)
        def send_receipt(organization, gift_id):
            gift = Gift.objects.get(pk=gift_id)  # scoped to organization

        send_receipt.delay_on_commit(organization_id=org.id, gift_id=gift.id)
    """

    abstract = True
    typing = False

    def __call__(self, *args, organization_id, **kwargs):
        from stakeholders.models import Organization

        organization = Organization.objects.filter(pk=organization_id).first()
        if organization is None:
            logger.warning("%s: organization %s no longer exists", self.name, organization_id)
            return None
        with organization_scope(organization):
            return super().__call__(*args, organization=organization, **kwargs)


def fan_out(task, rows):
    """Beat jobs that cross organizations, openly: one ``task`` per organization having rows in
    ``rows()`` (a callable: scoped managers refuse to build a query outside a scope)."""
    with scopes_disabled():
        organization_ids = set(rows().values_list("organization_id", flat=True))
    for organization_id in organization_ids:
        task.delay(organization_id=organization_id)
    return len(organization_ids)


def fan_out_at_local_hour(task, hours, default_hour, *, now=None):
    """One ``task`` per organization whose own clock has just reached its chosen hour ("nightly"
    means the organization's night), once per organization and local date. Beat calls this every
    hour. ``hours``: {organization_id: hour} of those that chose one.

    On the night the clocks go forward past the chosen hour, the job runs in the hour after the
    jump; on the night an hour happens twice, in the first. The date is claimed in the database
    (``ScheduledRun``) before the task is queued, so a doubled beat never queues it twice."""
    from stakeholders.models import Organization

    now = now or timezone.now()
    started = 0
    for organization in Organization.objects.only("pk", "slug", "timezone"):
        hour = hours.get(organization.pk, default_hour)
        if hour not in range(24):  # a value no form allows: the others still run
            logger.warning("%s: organization %s chose hour %s", task.name, organization.pk, hour)
            continue
        zone = ZoneInfo(organization.timezone)
        day = now.astimezone(zone).date()
        start = _local_hour_start(day, hour, zone)
        if not start <= now < start + timedelta(hours=1):
            continue
        with organization_scope(organization):
            claimed = _claim_run(organization=organization, job=task.name, day=day)
        if claimed:
            task.delay(organization_id=organization.pk)
            started += 1
    return started


def _local_hour_start(day, hour, zone):
    """When ``zone``'s clocks first show ``hour`` o'clock or later on ``day`` (in UTC): where
    the clocks jump over that hour, the moment they jump; where it happens twice, the first
    time (``fold=0`` means both)."""
    return datetime.combine(day, time(hour), tzinfo=zone).astimezone(UTC)


def _claim_run(*, organization, job, day):
    """Whether this caller claimed ``job``'s run on ``day``: a conditional UPDATE, or the first
    row; of two callers at once, the second finds the date taken."""
    if (
        ScheduledRun.objects.filter(organization=organization, job=job)
        .exclude(last_run_on=day)
        .update(last_run_on=day)
    ):
        return True
    return ScheduledRun.objects.get_or_create(
        organization=organization, job=job, defaults={"last_run_on": day}
    )[1]
