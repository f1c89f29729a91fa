"""Background work of the core. Thin: each task calls a service."""

from celery import shared_task

from stakeholders import importing, services
from stakeholders.models import DataImport
from stakeholders.tenancy.tasks import OrganizationTask


@shared_task
def purge_expired_invitations():
    """Hourly (beat): drop invitations that expired a month ago, across organizations."""
    return services.invitations_purge_expired()


@shared_task(base=OrganizationTask)
def scan_duplicates(organization):
    return services.duplicates_scan(organization=organization)


@shared_task(base=OrganizationTask)
def check_new_contacts_for_duplicates(organization, contact_ids):
    """Contacts created in bulk (a gift import) go through the duplicate check afterwards."""
    return services.duplicates_check_contacts(organization=organization, contact_ids=contact_ids)


@shared_task(base=OrganizationTask)
def check_import(organization, import_id):
    """The dry run of an import (nothing written)."""
    job = DataImport.objects.get(pk=import_id)
    if job.status in (DataImport.Status.UPLOADED, DataImport.Status.CHECKING):
        _guarded(job, importing.check)


@shared_task(base=OrganizationTask)
def run_import(organization, import_id):
    job = DataImport.objects.get(pk=import_id)
    if job.status in (DataImport.Status.CHECKED, DataImport.Status.IMPORTING):
        _guarded(job, importing.run)


def _guarded(job, step):
    """A failed step leaves a message on the import rather than a stuck progress bar."""
    try:
        step(job)
    except Exception as error:
        DataImport.objects.filter(pk=job.pk).update(
            status=DataImport.Status.FAILED, message=str(error)[:500]
        )
        raise


# The experience loop's tasks, so the worker finds them (autodiscovery reads ``tasks``).
from stakeholders.experience import tasks as experience_tasks  # noqa: E402, F401
from stakeholders.inbox import tasks as inbox_tasks  # noqa: E402, F401
from stakeholders.integrations import tasks as integrations_tasks  # noqa: E402, F401
