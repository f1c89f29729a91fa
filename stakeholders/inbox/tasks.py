"""Background work of the shared inbox. Thin: each task calls a service."""

from celery import shared_task

from stakeholders.tenancy.tasks import OrganizationTask


@shared_task(base=OrganizationTask)
def deliver_message(organization, message_id, template_variables=None):
    """Send one queued message (safe to run twice: the message is claimed before it goes)."""
    from stakeholders.inbox import delivery

    return delivery.deliver(
        organization=organization, message_id=message_id, template_variables=template_variables
    )


@shared_task(base=OrganizationTask)
def file_received_texts(organization):
    """File the texts Twilio delivered (``received.drain``; safe to run twice)."""
    from stakeholders.inbox import received

    return received.drain(organization=organization)


@shared_task
def file_received_texts_all():
    """Beat (every minute): a drain for each organization whose texts wait for a minute or
    more (a drain task lost with the broker)."""
    from stakeholders.inbox import received

    organization_ids = received.organizations_waiting()
    for organization_id in organization_ids:
        file_received_texts.delay(organization_id=organization_id)
    return len(organization_ids)


@shared_task(base=OrganizationTask)
def escalate(organization):
    from stakeholders.inbox import escalation

    return escalation.escalate(organization=organization)


@shared_task(base=OrganizationTask)
def wake_snoozed(organization):
    from stakeholders.inbox import services

    return services.wake_snoozed(organization=organization)


def _organizations_with(**filters):
    from django_scopes import scopes_disabled

    from stakeholders.inbox.models import Conversation

    with scopes_disabled():  # the fan-out reads across organizations, openly
        return list(
            Conversation.objects.filter(**filters)
            .order_by()
            .values_list("organization_id", flat=True)
            .distinct()
        )


@shared_task
def escalate_all():
    """Beat (every 5 minutes): one task per organization with a conversation on a running
    reply clock."""
    organization_ids = _organizations_with(status="open", reply_due_at__isnull=False)
    for organization_id in organization_ids:
        escalate.delay(organization_id=organization_id)
    return len(organization_ids)


@shared_task
def wake_snoozed_all():
    """Beat (every 2 minutes): one task per organization with a snoozed conversation due."""
    from django.utils import timezone

    organization_ids = _organizations_with(status="snoozed", snoozed_until__lte=timezone.now())
    for organization_id in organization_ids:
        wake_snoozed.delay(organization_id=organization_id)
    return len(organization_ids)
