"""Background work of the donors app. Thin: each task calls a service."""

from celery import shared_task
from django.utils import timezone
from django_scopes import scopes_disabled

from donors import updates
from donors.models import DonorUpdate
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
