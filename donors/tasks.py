"""Background work of the donors app. Thin: each task calls a service."""

from celery import shared_task
from django.utils import timezone
from django_scopes import scopes_disabled

from donors import services, updates
from donors.models import DonorSettings, DonorUpdate
from stakeholders.tenancy.tasks import OrganizationTask, fan_out, fan_out_at_local_hour


@shared_task
def send_donor_updates():
    """Beat, every 15 minutes: one task per organization with an update due."""
    return fan_out(
        send_due_update,
        lambda: DonorUpdate.objects.filter(
            status__in=[DonorUpdate.Status.SCHEDULED, DonorUpdate.Status.SENDING],
            send_after__lte=timezone.now(),
        ),
    )


@shared_task(base=OrganizationTask)
def send_due_update(organization):
    update = updates.next_due(organization=organization)
    if update is None:
        return 0
    return updates.send(organization=organization, update=update)


@shared_task
def send_welcome_call_lists():
    """Hourly: organizations where it is their welcome-call hour get their lists."""
    with scopes_disabled():
        hours = dict(DonorSettings.objects.values_list("organization_id", "welcome_call_hour"))
    return fan_out_at_local_hour(send_welcome_call_list, hours, default_hour=9)


@shared_task(base=OrganizationTask)
def send_welcome_call_list(organization):
    return services.welcome_call_lists_send(organization=organization)


@shared_task(base=OrganizationTask)
def giving_figures_refresh(organization):
    """After gifts change (queued by ``summaries.refresh_soon`` at the end of its window):
    today's report figures at the new giving version, so the next dashboard finds them ready.
    Safe twice: the second finds them cached."""
    from donors import selectors

    selectors.report_figures(organization=organization)
