"""The Celery base task for work inside one organization."""

import logging

from celery.contrib.django.task import DjangoTask

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
