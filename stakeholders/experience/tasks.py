"""Background work of the experience loop. Thin: each task calls a service; beat's fan-outs run
every organization in its own scope."""

from celery import shared_task

from stakeholders.tenancy.tasks import OrganizationTask

# --- Surveys --------------------------------------------------------------------------------------


@shared_task(base=OrganizationTask)
def send_surveys_of(organization):
    """One organization: new touchpoints become invitations, then the due ones go (each once:
    the rows are claimed in the database, so a doubled beat sends nothing twice)."""
    from stakeholders.experience import surveys

    surveys.surveys_schedule(organization=organization)
    return surveys.surveys_send_due(organization=organization)


@shared_task
def send_due_surveys():
    """Beat (every 10 minutes): one task per organization with a survey switched on, or with
    invitations still to send or to sweep (``fan_out`` reads across organizations openly, with
    ``scopes_disabled()``)."""
    from django.db.models import Q

    from stakeholders.experience.models import SurveyInvitation, SurveyRule
    from stakeholders.tenancy.tasks import fan_out

    started = fan_out(send_surveys_of, lambda: SurveyRule.objects.filter(is_active=True))
    # Organizations that switched every survey off still get their sweep (and their skips).
    started += fan_out(
        send_surveys_of,
        lambda: SurveyInvitation.objects.filter(
            Q(status=SurveyInvitation.Status.PENDING) | Q(status=SurveyInvitation.Status.SENDING)
        ).exclude(
            organization__in=SurveyRule.objects.filter(is_active=True).values("organization")
        ),
    )
    return started


# --- Recovery cases -------------------------------------------------------------------------------


@shared_task(base=OrganizationTask)
def escalate_recovery_cases_of(organization):
    from stakeholders.experience import recovery

    return recovery.cases_escalate(organization=organization)


@shared_task
def escalate_recovery_cases():
    """Beat (every 5 minutes): one task per organization with a running case not escalated yet
    (``fan_out`` reads across organizations openly, with ``scopes_disabled()``); each claims
    its overdue cases in the database, so a doubled beat escalates each once."""
    from stakeholders.experience import recovery
    from stakeholders.experience.models import RecoveryCase
    from stakeholders.tenancy.tasks import fan_out

    return fan_out(
        escalate_recovery_cases_of,
        lambda: RecoveryCase.objects.filter(
            status__in=recovery.RUNNING_STATUSES, escalated_at__isnull=True
        ),
    )


# --- Journeys -------------------------------------------------------------------------------------


@shared_task(base=OrganizationTask)
def refresh_journeys_of(organization, full=False):
    """One organization: positions of the people whose data changed (or whom time moves on),
    then the funnels; everyone on the first run. A second run at once skips (advisory lock)."""
    from django.utils import timezone

    from stakeholders.experience import journeys

    return journeys.journeys_refresh(organization=organization, now=timezone.now(), full=full)


@shared_task
def refresh_journeys():
    """Beat (every 15 minutes): one task per organization, read across organizations openly
    (``scopes_disabled()``): every organization has journeys, even with no data yet."""
    from django_scopes import scopes_disabled

    from stakeholders.models import Organization

    with scopes_disabled():
        organization_ids = list(Organization.objects.values_list("pk", flat=True))
    for organization_id in organization_ids:
        refresh_journeys_of.delay(organization_id=organization_id)
    return len(organization_ids)


# --- Keep in touch --------------------------------------------------------------------------------


@shared_task(base=OrganizationTask)
def run_keep_in_touch_of(organization):
    from stakeholders.experience import keep_in_touch

    return dict(keep_in_touch.keep_in_touch_run(organization=organization))


@shared_task
def run_keep_in_touch():
    """Beat (hourly): one task per organization with an active keep-in-touch step (``fan_out``
    reads across organizations openly, with ``scopes_disabled()``). Each run writes its rows
    once under a unique constraint, so a doubled beat reaches nobody twice."""
    from stakeholders.experience.models import KeepInTouchStep
    from stakeholders.tenancy.tasks import fan_out

    return fan_out(run_keep_in_touch_of, lambda: KeepInTouchStep.objects.filter(is_active=True))
