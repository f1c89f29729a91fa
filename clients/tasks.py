"""Thin tasks: the escalation of requests about to breach, fanned out per organization."""

from celery import shared_task
from django_scopes import scopes_disabled

from clients import services
from stakeholders.tenancy.tasks import OrganizationTask


@shared_task(base=OrganizationTask)
def escalate(organization):
    return services.escalate(organization=organization)


@shared_task
def escalate_all():
    """Beat (every 5 minutes): one task per organization with requests on a running clock."""
    from clients.models import ServiceRequest

    with scopes_disabled():  # the fan-out reads across organizations, openly
        organization_ids = list(
            ServiceRequest.objects.filter(status__in=["new", "open"], next_due_at__isnull=False)
            .order_by()
            .values_list("organization_id", flat=True)
            .distinct()
        )
    for organization_id in organization_ids:
        escalate.delay(organization_id=organization_id)
    return len(organization_ids)
