"""Staff's expert hours: sessions where staff answer live in a space. Staff schedule them,
members ask to be reminded, and a beat task sends each reminder once, about an hour before the
start (the row is marked under a lock before its email goes, so a rerun sends nothing twice).
A session is also an iCalendar event (the icalendar library, as the volunteers' shifts)."""

from datetime import UTC, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import get_connection
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Calendar, Event

from community.models import ExpertSession, MemberStatus, SessionReminder, Space
from stakeholders import audit, branding, sending
from stakeholders.languages import reading_as
from stakeholders.models import AuditAction, ConsentChannel, Membership

AUDIT_ACTION = AuditAction.COMMUNITY_SESSION
REMIND_BEFORE = timedelta(hours=1)
PRODID = "-//Steward//Community expert hours//EN"


def _check(*, organization, session):
    errors = {}
    if not Space.objects.filter(
        organization=organization, pk=session.space_id, is_archived=False
    ).exists():
        errors["space"] = _("Choose one of the organization's spaces.")
    if not Membership.objects.filter(organization=organization, user_id=session.host_id).exists():
        errors["host"] = _("Choose a member of the staff.")
    if session.starts_at and session.ends_at and session.ends_at <= session.starts_at:
        errors["ends_at"] = _("The end must be after the start.")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def session_save(*, organization, session, actor):
    """Schedule or change a session (the space and host checked against the organization)."""
    session.organization = organization
    _check(organization=organization, session=session)
    new = session.pk is None
    moved = (
        not new
        and ExpertSession.objects.filter(pk=session.pk)
        .exclude(starts_at=session.starts_at)
        .exists()
    )
    session.save()
    if moved:  # a new start: the reminders go again, an hour before it
        session.reminder_sent_at = None
        ExpertSession.objects.filter(pk=session.pk).update(reminder_sent_at=None)
        SessionReminder.objects.filter(organization=organization, session=session).update(
            sent_at=None
        )
    audit.record(
        organization=organization,
        action=AUDIT_ACTION,
        summary=(
            _("Expert session scheduled: %(title)s")
            if new
            else _("Expert session changed: %(title)s")
        )
        % {"title": session.title[:200]},
        target=session,
        changes={
            "starts_at": session.starts_at.isoformat(),
            "ends_at": session.ends_at.isoformat(),
        },
        actor=actor,
    )
    return session


@transaction.atomic
def session_cancel(*, organization, session, actor):
    """Cancel a session: it and its reminders are gone (the audit trail keeps it)."""
    audit.record(
        organization=organization,
        action=AUDIT_ACTION,
        summary=_("Expert session cancelled: %(title)s") % {"title": session.title[:200]},
        target=session,
        changes={"starts_at": session.starts_at.isoformat()},
        actor=actor,
    )
    ExpertSession.objects.filter(organization=organization, pk=session.pk).delete()


def reminder_toggle(*, organization, session, member, now=None):
    """Ask to be reminded of ``session``, or stop: returns whether a reminder is now set. A
    session already over takes no reminder."""
    now = now or timezone.now()
    if session.ends_at <= now:
        raise ValidationError(_("This session is over."))
    with transaction.atomic():
        removed, _kinds = SessionReminder.objects.filter(
            organization=organization, session=session, member=member
        ).delete()
        if removed:
            return False
        try:
            with transaction.atomic():
                SessionReminder.objects.create(
                    organization=organization, session=session, member=member
                )
        except IntegrityError:
            pass
    return True


def session_url(*, organization, session):
    return settings.SITE_URL.rstrip("/") + reverse(
        "community:space",
        kwargs={"org_slug": organization.slug, "space_slug": session.space.slug},
    )


def reminders_send(*, organization, now=None):
    """Send every reminder due (a session starting within the hour, reminder not yet sent),
    in batches: rows are locked (others' skipped) and marked sent in the same transaction
    before the emails go, so two runs at once never remind twice. A session that has already
    started sends no reminder. Returns how many emails the mail server took."""
    now = now or timezone.now()
    due = SessionReminder.objects.filter(
        organization=organization,
        sent_at__isnull=True,
        session__starts_at__gt=now,
        session__starts_at__lte=now + REMIND_BEFORE,
    )
    sent = 0
    while True:
        with transaction.atomic():
            rows = list(
                due.select_for_update(of=("self",), skip_locked=True).select_related(
                    "session__space", "session__host", "member__contact", "member__user"
                )[:50]
            )
            if not rows:
                break
            SessionReminder.objects.filter(pk__in=[row.pk for row in rows]).update(sent_at=now)
            messages = [m for m in (_reminder(organization, row) for row in rows) if m]
        if messages:
            sent += get_connection().send_messages(messages) or 0
    ExpertSession.objects.filter(
        organization=organization,
        reminder_sent_at__isnull=True,
        starts_at__gt=now,
        starts_at__lte=now + REMIND_BEFORE,
    ).update(reminder_sent_at=now)
    return sent


def _reminder(organization, row):
    """The reminder email of one member, or None where the sending rules stop it."""
    member, session = row.member, row.session
    if member.status != MemberStatus.ACTIVE:  # blocked since: no more email from the community
        return None
    if member.contact_id is not None:
        decision = sending.decide(
            organization=organization,
            contact=member.contact,
            channel=ConsentChannel.EMAIL,
            transactional=sending.Transactional.SERVICE,  # they asked for it on the page
            address=member.email,
        )
        if not decision:
            return None
        reader = {"contact": member.contact}
    else:
        reader = {"user": member.user}
    with reading_as(organization=organization, **reader):
        subject = _("Starting soon: %(title)s") % {"title": session.title}
        body = render_to_string(
            "community/sessions_reminder_email.txt",
            {
                "organization": organization,
                "session": session,
                "member": member,
                "url": session_url(organization=organization, session=session),
            },
        )
        message = branding.email_message(
            organization=organization, subject=subject, body=body, to=[member.email]
        )
    message.attach(
        "expert-session.ics",
        session_ics(organization=organization, session=session),
        "text/calendar",
    )
    return message


def session_ics(*, organization, session, now=None):
    """One session as an iCalendar file (bytes), times in UTC (the calendar app shows them in
    its own zone); its UID is the session's, so importing it again updates the event."""
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    event = Event()
    event.add("uid", f"community-session-{session.pk}.org-{organization.pk}@steward")
    event.add("dtstamp", (now or timezone.now()).astimezone(UTC))
    event.add("dtstart", session.starts_at.astimezone(UTC))
    event.add("dtend", session.ends_at.astimezone(UTC))
    event.add("summary", session.title)
    url = session_url(organization=organization, session=session)
    event.add("description", "\n\n".join(filter(None, [session.description, url])))
    event.add("url", url)
    event.add("location", f"{organization.name} · {session.space.name}")
    event.add("status", "CONFIRMED")
    cal.add_component(event)
    return cal.to_ical()
