"""The nightly batch: beat runs ``run_thankyou_batches`` every hour; each organization is
processed when it is its batch hour in its own time zone."""

from zoneinfo import ZoneInfo

from celery import shared_task
from django.utils import timezone
from django_scopes import scopes_disabled

from stakeholders.models import Organization
from stakeholders.tenancy.tasks import OrganizationTask
from thankyous import services
from thankyous.models import Acknowledgment, ThankYouSettings


@shared_task
def run_thankyou_batches():
    """Fan out to the organizations whose night it is (crosses organizations, openly)."""
    now = timezone.now()
    with scopes_disabled():
        hours = dict(ThankYouSettings.objects.values_list("organization_id", "batch_hour"))
    due = [
        organization.pk
        for organization in Organization.objects.only("pk", "timezone")
        if now.astimezone(ZoneInfo(organization.timezone)).hour == hours.get(organization.pk, 2)
    ]
    for organization_id in due:
        run_thankyou_batch.delay(organization_id=organization_id)
    return len(due)


@shared_task(
    base=OrganizationTask,
    autoretry_for=services.DATABASE_ERRORS,  # the database stayed away: try again later
    retry_backoff=60,
    retry_backoff_max=30 * 60,
    max_retries=6,
)
def run_thankyou_batch(organization):
    return services.run_batch(organization=organization)


@shared_task
def retry_refused_thankyous():
    """Beat, every 5 minutes: organizations with a refused send now due again (crosses
    organizations openly, to find them)."""
    with scopes_disabled():
        organization_ids = set(
            Acknowledgment.objects.filter(
                state=Acknowledgment.State.PENDING, retry_at__lte=timezone.now()
            ).values_list("organization_id", flat=True)
        )
    for organization_id in organization_ids:
        retry_thankyous.delay(organization_id=organization_id)
    return len(organization_ids)


@shared_task(base=OrganizationTask)
def retry_thankyous(organization):
    return services.process(organization=organization, retries_only=True)


@shared_task
def alert_overdue_thankyous():
    """Hourly: each organization with gifts waiting past its target tells its admins (daily)."""
    with scopes_disabled():
        organization_ids = set(
            Acknowledgment.objects.filter(state__in=["pending", "review"]).values_list(
                "organization_id", flat=True
            )
        )
    for organization_id in organization_ids:
        alert_organization.delay(organization_id=organization_id)
    return len(organization_ids)


@shared_task(base=OrganizationTask)
def alert_organization(organization):
    return services.alert_overdue(organization=organization)
