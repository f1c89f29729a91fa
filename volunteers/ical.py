"""Volunteers' shifts as iCalendar (RFC 5545), written with the icalendar library: a volunteer's
feed (their calendar app subscribes to its secret address) and one shift's "add to calendar" file
attached to shift emails.

Times are in UTC (a calendar app shows them in its own zone); an event's UID is its assignment's,
so a calendar that reads the feed again updates the shift instead of adding it twice."""

from datetime import UTC

from django.utils import timezone, translation
from django.utils.translation import gettext as _
from icalendar import Calendar, Event

PRODID = "-//Steward//Volunteer shifts//EN"


def event_uid(*, organization, assignment):
    """Stable for the life of the assignment (a volunteer who cancels and signs up again keeps
    the same row, and so the same event)."""
    return f"volunteer-assignment-{assignment.pk}.org-{organization.pk}@steward"


def _calendar(*, method=None, name=None):
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    if method:
        cal.add("method", method)
    if name:
        cal.add("x-wr-calname", name)
        cal.add("name", name)
    return cal


def _event(*, organization, assignment, opportunity, stamp):
    """``opportunity``: the version of the shift's opportunity its reader reads."""
    shift = assignment.shift
    event = Event()
    event.add("uid", event_uid(organization=organization, assignment=assignment))
    event.add("dtstamp", stamp.astimezone(UTC))
    event.add("dtstart", shift.starts_at.astimezone(UTC))
    event.add("dtend", shift.ends_at.astimezone(UTC))
    event.add("summary", opportunity.title)
    location = shift.location or opportunity.location
    if location:
        event.add("location", location)
    event.add("contact", organization.name)
    description = organization.name
    if shift.notes:
        description = f"{description}\n\n{shift.notes}"
    event.add("description", description)
    event.add("status", "CONFIRMED")
    event.add("transp", "OPAQUE")
    return event


def feed(*, organization, assignments, now=None):
    """A volunteer's calendar feed (bytes) of ``assignments``, each with ``shift`` and its
    ``opportunity_version`` (the title in the organization's language)."""
    now = now or timezone.now()
    with translation.override(organization.language):
        name = _("Shifts with %(name)s") % {"name": organization.name}
    cal = _calendar(name=name)
    cal.add("x-wr-timezone", "UTC")
    # how often a calendar app should read it again (Outlook, Apple Calendar)
    cal.add("x-published-ttl", "PT1H")
    for assignment in assignments:
        shift = assignment.shift
        cal.add_component(
            _event(
                organization=organization,
                assignment=assignment,
                opportunity=getattr(shift, "opportunity_version", None) or shift.opportunity,
                stamp=now,
            )
        )
    return cal.to_ical()


def shift_file(*, organization, assignment, opportunity, now=None):
    """One shift as a file to add to a calendar (METHOD:PUBLISH: no invitation to answer)."""
    cal = _calendar(method="PUBLISH")
    cal.add_component(
        _event(
            organization=organization,
            assignment=assignment,
            opportunity=opportunity,
            stamp=now or timezone.now(),
        )
    )
    return cal.to_ical()
