"""Background work of the donors app. Thin: each task calls a service."""

from zoneinfo import ZoneInfo

from celery import shared_task
from django.utils import timezone
from django_scopes import scopes_disabled

from donors import services, updates
from donors.models import DonorSettings, DonorUpdate
from stakeholders.models import Organization
from stakeholders.tenancy.tasks import OrganizationTask


@shared_task
def send_donor_updates():
    """Beat, every 15 minutes: one task per organization with an update due (crosses
    organizations openly, to find them)."""
    with scopes_disabled():
        organization_ids = set(
            DonorUpdate.objects.filter(
                status__in=[DonorUpdate.Status.SCHEDULED, DonorUpdate.Status.SENDING],
                send_after__lte=timezone.now(),
            ).values_list("organization_id", flat=True)
        )
    for organization_id in organization_ids:
        send_due_update.delay(organization_id=organization_id)
    return len(organization_ids)


@shared_task(base=OrganizationTask)
def send_due_update(organization):
    update = updates.next_due(organization=organization)
    if update is None:
        return 0
    return updates.send(organization=organization, update=update)


@shared_task
def send_welcome_call_lists():
    """Beat, hourly: organizations where it is their welcome-call hour get their lists (crosses
    organizations openly, to find them)."""
    now = timezone.now()
    with scopes_disabled():
        hours = dict(DonorSettings.objects.values_list("organization_id", "welcome_call_hour"))
    due = [
        organization.pk
        for organization in Organization.objects.only("pk", "timezone")
        if now.astimezone(ZoneInfo(organization.timezone)).hour == hours.get(organization.pk, 9)
    ]
    for organization_id in due:
        send_welcome_call_list.delay(organization_id=organization_id)
    return len(due)


@shared_task(base=OrganizationTask)
def send_welcome_call_list(organization):
    return services.welcome_call_lists_send(organization=organization)
