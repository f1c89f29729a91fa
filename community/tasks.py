"""The community's background work (thin: each task calls a service)."""

from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from stakeholders.tenancy.tasks import OrganizationTask, fan_out, fan_out_at_local_hour

# --- Ideas and expert hours (community.services.ideas, community.services.sessions) ---------


@shared_task(base=OrganizationTask)
def send_idea_status(organization, idea_id):
    from community.services.ideas import idea_status_send

    return idea_status_send(organization=organization, idea_id=idea_id)


@shared_task(base=OrganizationTask)
def send_session_reminders_for(organization):
    from community.services.sessions import reminders_send

    return reminders_send(organization=organization)


@shared_task
def send_session_reminders():
    """Beat, every five minutes: one task per organization with a reminder due (a session
    starting within the hour, not yet reminded)."""
    from community.models import SessionReminder
    from community.services.sessions import REMIND_BEFORE

    def due():
        now = timezone.now()
        return SessionReminder.objects.filter(
            sent_at__isnull=True,
            session__starts_at__gt=now,
            session__starts_at__lte=now + REMIND_BEFORE + timedelta(minutes=5),
        )

    return fan_out(send_session_reminders_for, due)


# --- Trend reports (community.services.trends) ----------------------------------------------


@shared_task(base=OrganizationTask)
def trend_report(organization):
    """Last week's report, once (a second run, or a run on another day, finds it made)."""
    from community.services.trends import report_last_week_if_missing

    return report_last_week_if_missing(organization=organization).pk


@shared_task
def trend_reports():
    """Beat, hourly: each organization's run at 5 in the morning of its own day (the report is
    made on Monday, for the week that ended in its time zone; the other days find it made)."""
    return fan_out_at_local_hour(trend_report, {}, default_hour=5)


# --- Members and their emails (community.services.members, community.services.notifications) --


@shared_task(base=OrganizationTask)
def send_join_email(organization, member_id, language=""):
    """Queued by every join, so the page answers alike for a known and an unknown address."""
    from community.services.members import join_email_send

    return join_email_send(organization=organization, member_id=member_id, language=language)


@shared_task(base=OrganizationTask)
def send_sign_in_link(organization, email, next_path="", language=""):
    """Queued for every address typed on the sign-in page: only this task looks it up."""
    from community.services.members import sign_in_link_send

    return sign_in_link_send(
        organization=organization, email=email, next_path=next_path, language=language
    )


@shared_task(base=OrganizationTask)
def send_answer_emails(organization, answer_id):
    from community.services.notifications import answer_emails_send

    return answer_emails_send(organization=organization, answer_id=answer_id)


@shared_task(base=OrganizationTask)
def send_digests_for(organization):
    """The day's digests, and joins never confirmed forgotten (both safe to run twice)."""
    from community.services.members import pending_purge
    from community.services.notifications import digests_send

    pending_purge(organization=organization)
    return digests_send(organization=organization)


@shared_task
def send_digests():
    """Beat, hourly: each organization's digests at 7 in the morning of its own day."""
    from community.services.notifications import DIGEST_HOUR

    return fan_out_at_local_hour(send_digests_for, {}, default_hour=DIGEST_HOUR)
