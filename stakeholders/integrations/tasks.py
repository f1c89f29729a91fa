"""Webhook sending and the purges (thin: the work is in ``delivery`` and ``services``)."""

from collections import defaultdict

from celery import shared_task

from stakeholders.tenancy.tasks import OrganizationTask

CHUNK = 50


@shared_task(base=OrganizationTask)
def deliver(organization, delivery_ids):
    from stakeholders.integrations import delivery

    return [delivery.deliver(organization=organization, delivery_id=pk) for pk in delivery_ids]


@shared_task
def deliver_due():
    """Every minute: retries whose time has come, and anything a lost task left behind."""
    from stakeholders.integrations import delivery

    by_organization = defaultdict(list)
    for organization_id, delivery_id in delivery.deliveries_due():
        by_organization[organization_id].append(delivery_id)
    for organization_id, ids in by_organization.items():
        for start in range(0, len(ids), CHUNK):
            deliver.delay(organization_id=organization_id, delivery_ids=ids[start : start + CHUNK])
    return sum(len(ids) for ids in by_organization.values())


@shared_task(base=OrganizationTask)
def run_export(organization, job_id):
    """A background export (``export_jobs``): on the ``imports`` queue, with the long reads."""
    from stakeholders.integrations import export_jobs

    job = export_jobs.export_job_run(organization=organization, job_id=job_id)
    return job and job.status


@shared_task
def purge_integrations():
    """Hourly: idempotency records past 24 hours, webhook events past their keeping time,
    export files past theirs."""
    from stakeholders.integrations import export_jobs, services

    return {**services.purge_expired(), "exports": export_jobs.purge_expired_exports()}
