"""The abstract base of every tenant-owned model, the scope helpers, and the record of the
daily jobs each organization has run."""

from contextlib import contextmanager

from django.db import models
from django_scopes import ScopedManager, scope, scopes_disabled

from stakeholders.formats import organization_conventions
from stakeholders.operations import context as log_context

__all__ = ("ScheduledRun", "TenantOwned", "organization_scope", "scopes_disabled")


@contextmanager
def organization_scope(organization):
    """Run the block with tenant queries limited to ``organization``.

    django-scopes treats a scope value of ``None`` as "no filter"; refusing it here keeps a bug
    upstream from turning into a query over every organization. Dates and numbers formatted in
    the block follow the organization's conventions (``stakeholders.formats``).
    """
    if organization is None or organization.pk is None:
        raise ValueError("organization_scope() needs a saved organization")
    with (
        scope(organization=organization.pk),
        log_context.bind(organization=organization.slug),
        organization_conventions(organization),
    ):
        yield


class TenantOwned(models.Model):
    """Base of every model owned by one organization.

    It carries its own ``organization`` key (child rows too: never scope through a join), and its
    default manager refuses any query made outside ``organization_scope()``. Unique constraints of
    subclasses must include ``organization``. Example::

        class Fund(TenantOwned):
            name = models.CharField(max_length=200)

            class Meta:
                constraints = [
                    models.UniqueConstraint(fields=["organization", "name"], name="uniq_fund_name")
                ]

        with organization_scope(org):
            Fund.objects.all()  # only org's funds; outside a scope the same line raises ScopeError
    """

    organization = models.ForeignKey(
        "stakeholders.Organization", on_delete=models.CASCADE, related_name="+", editable=False
    )

    objects = ScopedManager(organization="organization")

    class Meta:
        abstract = True


class TriggerKept(TenantOwned):
    """Base of the rows PostgreSQL keeps from others by triggers (counts, versions, the search's
    dictionary). Their organization has no foreign key in the database: when an organization is
    deleted, its rows' deletion may touch these after they went; the orphan is harmless, a
    constraint would fail the deletion."""

    organization = models.ForeignKey(
        "stakeholders.Organization",
        on_delete=models.CASCADE,
        db_constraint=False,
        related_name="+",
        editable=False,
    )

    class Meta:
        abstract = True


class ScheduledRun(TenantOwned):
    """The local date an organization's daily job (a Celery task's name) last ran. A run is
    claimed here before its task is queued, so a doubled beat or a repeated hour never runs a
    job twice on one date (see ``stakeholders.tenancy.tasks.fan_out_at_local_hour``)."""

    job = models.CharField(max_length=200)
    last_run_on = models.DateField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "job"], name="uniq_scheduled_run")
        ]

    def __str__(self):
        return f"{self.job} {self.last_run_on}"
