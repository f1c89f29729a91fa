"""Staff's expert hours: the sessions coming up (or live now) in the spaces a reader may see,
one session, and the staff list with how many asked for a reminder."""

from datetime import timedelta

from django.db.models import Count, Exists, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404
from django.utils import timezone

from community.models import ExpertSession, SessionReminder, Space
from community.selectors.questions import can_read


def readable_space_ids(*, organization, viewer):
    """The open spaces whose sessions this reader may see (the questions' reading rule)."""
    spaces = Space.objects.filter(organization=organization, is_archived=False)
    return [
        space.pk
        for space in spaces.only("pk", "visibility", "audiences")
        if can_read(space, viewer)
    ]


def _mark(sessions, now):
    for session in sessions:
        session.is_live = session.starts_at <= now < session.ends_at
    return sessions


def upcoming_sessions(*, organization, viewer, space=None, now=None, limit=10):
    """Sessions not over yet, by start, each with ``is_live`` and — for a member —
    ``reminded``. One query (plus one for the readable spaces)."""
    now = now or timezone.now()
    member = viewer.member
    sessions = ExpertSession.objects.filter(organization=organization, ends_at__gt=now)
    if space is not None:
        sessions = sessions.filter(space=space)
    else:
        sessions = sessions.filter(
            space_id__in=readable_space_ids(organization=organization, viewer=viewer)
        )
    if member is not None:
        sessions = sessions.annotate(
            reminded=Exists(SessionReminder.objects.filter(session=OuterRef("pk"), member=member))
        )
    rows = list(sessions.select_related("space", "host").order_by("starts_at", "pk")[:limit])
    return _mark(rows, now)


def session_get(*, organization, session_id):
    return get_object_or_404(
        ExpertSession.objects.select_related("space", "host"),
        organization=organization,
        pk=session_id,
    )


def session_for_reader(*, organization, session_id, viewer):
    """A session in a space this reader may see (404 otherwise, as another organization's)."""
    return get_object_or_404(
        ExpertSession.objects.select_related("space", "host"),
        organization=organization,
        pk=session_id,
        space_id__in=readable_space_ids(organization=organization, viewer=viewer),
    )


def staff_sessions(*, organization, now=None):
    """(coming or live, past 90 days) with ``reminders`` (how many asked to be reminded)."""
    now = now or timezone.now()
    rows = _mark(
        list(
            ExpertSession.objects.filter(
                organization=organization, ends_at__gt=now - timedelta(days=90)
            )
            .select_related("space", "host")
            .annotate(
                reminders=Coalesce(
                    Subquery(
                        SessionReminder.objects.filter(session=OuterRef("pk"))
                        .order_by()
                        .values("session")
                        .annotate(n=Count("pk"))
                        .values("n")
                    ),
                    0,
                )
            )
            .order_by("starts_at", "pk")
        ),
        now,
    )
    coming = [row for row in rows if row.ends_at > now]
    past = [row for row in reversed(rows) if row.ends_at <= now]
    return coming, past
