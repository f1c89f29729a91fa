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
