"""The nightly batch: beat runs ``run_thankyou_batches`` every hour; each organization is
processed when it is its batch hour in its own time zone."""

import math

from celery import shared_task
from django.utils import timezone
from django_scopes import scopes_disabled

from stakeholders.tenancy.tasks import OrganizationTask, fan_out, fan_out_at_local_hour
from thankyous import selectors, services
from thankyous.models import Acknowledgment, ThankYouSettings


@shared_task
def run_thankyou_batches():
    """Hourly: the organizations whose batch hour it is, in their own time zone."""
    with scopes_disabled():
        hours = dict(ThankYouSettings.objects.values_list("organization_id", "batch_hour"))
    return fan_out_at_local_hour(run_thankyou_batch, hours, default_hour=2)


@shared_task(
    base=OrganizationTask,
    autoretry_for=services.DATABASE_ERRORS,  # the database stayed away: try again later
    retry_backoff=60,
    retry_backoff_max=30 * 60,
    max_retries=6,
)
def run_thankyou_batch(organization):
    """Fans out per organization, then per chunk: rows are claimed by whichever task gets there
    first, so a chunk task lost with the broker only leaves rows for the next run."""
    services.prepare_batch(organization=organization)
    due = selectors.due(organization=organization).count()
    tasks = math.ceil(due / services.TASK_SIZE)
    for _ in range(tasks):
        thank_due.delay(organization_id=organization.pk)
    return {"due": due, "tasks": tasks}


@shared_task(
    base=OrganizationTask,
    autoretry_for=services.DATABASE_ERRORS,
    retry_backoff=60,
    retry_backoff_max=30 * 60,
    max_retries=6,
)
def thank_due(organization):
    return services.process(organization=organization, limit=services.TASK_SIZE)


@shared_task
def retry_refused_thankyous():
    """Every 5 minutes: organizations with a refused send now due again."""
    return fan_out(
        retry_thankyous,
        lambda: Acknowledgment.objects.filter(
            state=Acknowledgment.State.PENDING, retry_at__lte=timezone.now()
        ),
    )


@shared_task(base=OrganizationTask)
def retry_thankyous(organization):
    return services.process(organization=organization, retries_only=True)


@shared_task
def alert_overdue_thankyous():
    """Hourly: each organization with gifts waiting past its target tells its admins (daily)."""
    return fan_out(
        alert_organization,
        lambda: Acknowledgment.objects.filter(state__in=["pending", "review"]),
    )


@shared_task(base=OrganizationTask)
def alert_organization(organization):
    return services.alert_overdue(organization=organization)
