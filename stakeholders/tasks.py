"""Background work of the core. Thin: each task calls a service."""

from celery import shared_task

from stakeholders import services


@shared_task
def purge_expired_invitations():
    """Hourly (beat): drop invitations that expired a month ago, across organizations."""
    return services.invitations_purge_expired()
