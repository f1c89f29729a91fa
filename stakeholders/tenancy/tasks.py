"""The Celery base task for work inside one organization."""

import logging
from zoneinfo import ZoneInfo

from celery.contrib.django.task import DjangoTask
from django.utils import timezone
from django_scopes import scopes_disabled

from stakeholders.tenancy.models import organization_scope

logger = logging.getLogger(__name__)


class OrganizationTask(DjangoTask):
    """Takes ``organization_id`` (a plain id, like every task argument) and runs in its scope.

    The task function receives the ``organization`` instead. If the organization was deleted after
    the task was queued, the task does nothing. Example::

        @shared_task(base=OrganizationTask)
        def send_receipt(organization, gift_id):
            gift = Gift.objects.get(pk=gift_id)  # scoped to organization

        send_receipt.delay_on_commit(organization_id=org.id, gift_id=gift.id)
    """

    abstract = True
    typing = False

    def __call__(self, *args, organization_id, **kwargs):
        from stakeholders.models import Organization

        organization = Organization.objects.filter(pk=organization_id).first()
        if organization is None:
            logger.warning("%s: organization %s no longer exists", self.name, organization_id)
            return None
        with organization_scope(organization):
            return super().__call__(*args, organization=organization, **kwargs)


def fan_out(task, rows):
    """Beat jobs that cross organizations, openly: one ``task`` per organization having rows in
    ``rows()`` (a callable: scoped managers refuse to build a query outside a scope)."""
    with scopes_disabled():
        organization_ids = set(rows().values_list("organization_id", flat=True))
    for organization_id in organization_ids:
        task.delay(organization_id=organization_id)
    return len(organization_ids)


def fan_out_at_local_hour(task, hours, default_hour):
    """One ``task`` per organization whose own clock shows its chosen hour now ("nightly" means
    the organization's night). ``hours``: {organization_id: hour} of those that chose one."""
    from stakeholders.models import Organization

    now = timezone.now()
    due = [
        organization.pk
        for organization in Organization.objects.only("pk", "timezone")
        if now.astimezone(ZoneInfo(organization.timezone)).hour
        == hours.get(organization.pk, default_hour)
    ]
    for organization_id in due:
        task.delay(organization_id=organization_id)
    return len(due)
