"""Background work of the volunteers app. Thin: each task calls a service and is safe to rerun."""

from datetime import timedelta

from celery import shared_task
from django.utils import timezone
from django_scopes import scopes_disabled

from stakeholders.models import Organization
from stakeholders.tenancy.tasks import OrganizationTask
from volunteers import services
from volunteers.models import Assignment, PendingSignup


@shared_task(base=OrganizationTask)
def send_signup_confirmations(organization):
    return services.signup_confirmations_send(organization=organization)


@shared_task(base=OrganizationTask)
def send_portal_link(organization, email):
    """The public "email me my link" form queues this for every address it is given, so the page
    answers as fast for a stranger's address as for a volunteer's: only this task looks it up."""
    return services.portal_link_send(organization=organization, email=email)


@shared_task
def sweep_signup_confirmations():
    """Beat, every minute: the safety net for confirmation emails (a sweep per organization
    with a signup still waiting for its email)."""
    since = timezone.now() - timedelta(days=services.CONFIRM_DAYS)
    with scopes_disabled():
        organization_ids = set(
            PendingSignup.objects.filter(
                confirmed_at__isnull=True,
                confirmation_sent_at__isnull=True,
                created_at__gte=since,
                created_at__lt=timezone.now() - timedelta(seconds=30),
            ).values_list("organization_id", flat=True)
        )
    for organization_id in organization_ids:
        send_signup_confirmations.delay(organization_id=organization_id)
    return len(organization_ids)


@shared_task(base=OrganizationTask)
def signup_confirmed_notify(organization, profile_id, new=True):
    return services.signup_confirmed_notify(
        organization=organization, profile_id=profile_id, new=new
    )


@shared_task
def send_shift_reminders():
    """Beat, hourly: one task per organization with a confirmed place in the next two days
    (crosses organizations openly, to find them; each organization's "tomorrow" is its own)."""
    now = timezone.now()
    with scopes_disabled():
        organization_ids = set(
            Assignment.objects.filter(
                status=Assignment.Status.CONFIRMED,
                reminded_at__isnull=True,
                shift__starts_at__gt=now,
                shift__starts_at__lt=now + timedelta(days=2),
            ).values_list("organization_id", flat=True)
        )
    for organization_id in organization_ids:
        send_reminders_for.delay(organization_id=organization_id)
    return len(organization_ids)


@shared_task(base=OrganizationTask)
def send_reminders_for(organization):
    return services.reminders_send(organization=organization)


@shared_task
def volunteer_nightly():
    """Beat, daily: anniversaries and forgetting unconfirmed signups, per organization."""
    for organization_id in Organization.objects.values_list("pk", flat=True):
        volunteer_nightly_for.delay(organization_id=organization_id)


@shared_task(base=OrganizationTask)
def volunteer_nightly_for(organization):
    return {
        "milestones": services.milestones_check_all(organization=organization),
        "purged": services.pending_purge(organization=organization),
    }
