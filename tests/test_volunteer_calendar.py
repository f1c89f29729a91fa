"""A volunteer's shifts in their calendar: the secret, revocable feed address (read with the
icalendar library), the portal's and the staff page's buttons, and the "add to calendar" file of
shift emails."""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from icalendar import Calendar

from stakeholders.content_versions import translation_add
from stakeholders.models import Role
from stakeholders.tenancy.models import organization_scope
from tests.factories import (
    AssignmentFactory,
    OpportunityFactory,
    ShiftFactory,
    VolunteerProfileFactory,
)
from volunteers import ical, services
from volunteers.models import Assignment, VolunteerProfile

pytestmark = pytest.mark.django_db


@pytest.fixture
def org(org_a):
    with organization_scope(org_a):
        yield org_a


@pytest.fixture
def volunteer(org):
    return VolunteerProfileFactory(
        contact__organization=org,
        contact__first_name="Ada",
        contact__email="ada@example.org",
        status=VolunteerProfile.Status.ACTIVE,
    )


def place(org, volunteer, *, starts_in, status=Assignment.Status.CONFIRMED, **shift_fields):
    start = timezone.now() + starts_in
    shift = ShiftFactory(
        organization=org,
        opportunity=shift_fields.pop("opportunity", None) or OpportunityFactory(organization=org),
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        **shift_fields,
    )
    return AssignmentFactory(organization=org, shift=shift, profile=volunteer, status=status)


def feed_url(key, slug="riverside"):
    return f"/o/{slug}/volunteer/calendar/{key}.ics"


def events(response):
    calendar = Calendar.from_ical(response.content)
    return {str(e["uid"]): e for e in calendar.walk("VEVENT")}


def test_the_feed_lists_held_places_ahead_and_of_the_last_30_days(client, org, volunteer):
    kitchen = OpportunityFactory(organization=org, title="Kitchen help", location="Main hall")
    ahead = place(org, volunteer, starts_in=timedelta(days=2), opportunity=kitchen)
    elsewhere = place(org, volunteer, starts_in=timedelta(days=4), location="Warehouse 2")
    attended = place(
        org, volunteer, starts_in=-timedelta(days=10), status=Assignment.Status.ATTENDED
    )
    absent = [
        place(org, volunteer, starts_in=timedelta(days=3), status=Assignment.Status.CANCELLED),
        place(org, volunteer, starts_in=timedelta(days=5), status=Assignment.Status.WAITLISTED),
        place(org, volunteer, starts_in=-timedelta(days=3), status=Assignment.Status.NO_SHOW),
        place(org, volunteer, starts_in=-timedelta(days=40), status=Assignment.Status.ATTENDED),
    ]
    someone_else = AssignmentFactory(organization=org, shift=ahead.shift)
    key = services.calendar_key_create(organization=org, profile=volunteer)

    response = client.get(feed_url(key))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert "no-store" in response["Cache-Control"]
    found = events(response)
    uid = {a.pk: ical.event_uid(organization=org, assignment=a) for a in Assignment.objects.all()}
    assert set(found) == {uid[ahead.pk], uid[elsewhere.pk], uid[attended.pk]}
    assert not {uid[a.pk] for a in [*absent, someone_else]} & set(found)
    kitchen_event = found[uid[ahead.pk]]
    assert str(kitchen_event["summary"]) == "Kitchen help"
    assert str(kitchen_event["location"]) == "Main hall"  # the opportunity's, the shift has none
    assert str(found[uid[elsewhere.pk]]["location"]) == "Warehouse 2"
    assert "Riverside Food Bank" in str(kitchen_event["description"])
    start = kitchen_event.decoded("dtstart")
    assert start.tzinfo is not None and start.utcoffset() == timedelta(0)
    assert start == ahead.shift.starts_at.replace(microsecond=0)
    assert kitchen_event.decoded("dtend") == ahead.shift.ends_at.replace(microsecond=0)
    assert b"DTSTART:" in response.content and b"Z\r\n" in response.content  # UTC, no TZID
    assert b"TZID" not in response.content


def test_uids_are_stable_and_summaries_in_the_organizations_language(client, org, volunteer):
    kitchen = OpportunityFactory(organization=org, title="Kitchen help")
    translation_add(kitchen, language="fr", title="Aide en cuisine")
    org.language = "fr"
    org.save(update_fields=["language"])
    row = place(org, volunteer, starts_in=timedelta(days=2), opportunity=kitchen)
    key = services.calendar_key_create(organization=org, profile=volunteer)

    first = events(client.get(feed_url(key)))
    row.shift.starts_at += timedelta(hours=1)
    row.shift.ends_at += timedelta(hours=1)
    row.shift.save()
    second = events(client.get(feed_url(key), HTTP_ACCEPT_LANGUAGE="en"))

    assert list(first) == list(second)  # the moved shift is the same event
    [event] = second.values()
    assert str(event["summary"]) == "Aide en cuisine"
    assert event.decoded("dtstart") == row.shift.starts_at.replace(microsecond=0)


def test_a_new_key_stops_the_old_address(client, org, volunteer):
    old = services.calendar_key_create(organization=org, profile=volunteer)
    assert client.get(feed_url(old)).status_code == 200
    new = services.calendar_key_create(organization=org, profile=volunteer)
    assert client.get(feed_url(old)).status_code == 404
    assert client.get(feed_url(new)).status_code == 200
    volunteer.refresh_from_db()
    assert new not in volunteer.calendar_key_hash  # only the hash is kept
    assert volunteer.calendar_key_hash == services.calendar_key_hash(new)


def test_unknown_left_and_erased_volunteers_keys_are_404(client, org, volunteer):
    assert client.get(feed_url("not-a-key")).status_code == 404
    key = services.calendar_key_create(organization=org, profile=volunteer)
    services.erase_profiles(organization=org, contact=volunteer.contact)
    assert client.get(feed_url(key)).status_code == 404
    other = VolunteerProfileFactory(contact__organization=org, status="left")
    assert (
        client.get(
            feed_url(services.calendar_key_create(organization=org, profile=other))
        ).status_code
        == 404
    )


def test_a_key_of_organization_a_is_unknown_under_organization_bs_slug(
    client, org, org_b, volunteer
):
    place(org, volunteer, starts_in=timedelta(days=2))
    key = services.calendar_key_create(organization=org, profile=volunteer)
    assert client.get(feed_url(key, slug=org_b.slug)).status_code == 404
    assert client.post(feed_url(key)).status_code == 405
    assert client.get(feed_url(key)).status_code == 200


def test_the_feed_is_rate_limited(client, org, volunteer, settings):
    settings.VOLUNTEER_CALENDAR_FEED_RATE = "2/h"
    key = services.calendar_key_create(organization=org, profile=volunteer)
    assert [client.get(feed_url(key)).status_code for _ in range(3)] == [200, 200, 429]


def test_the_feeds_queries_do_not_grow_with_its_shifts(
    client, org, volunteer, django_assert_max_num_queries
):
    key = services.calendar_key_create(organization=org, profile=volunteer)
    place(org, volunteer, starts_in=timedelta(days=1))
    with django_assert_max_num_queries(12) as few:
        client.get(feed_url(key))
    for days in range(2, 12):
        place(org, volunteer, starts_in=timedelta(days=days))
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(feed_url(key))
    assert len(events(response)) == 11


# --- The portal and the staff page ----------------------------------------------------------


def test_the_volunteer_makes_and_replaces_their_address_in_the_portal(client, org, volunteer):
    token = services.portal_token(organization=org, profile=volunteer)
    client.post(f"/o/riverside/volunteer/portal/enter/{token}/")
    home = client.get("/o/riverside/volunteer/portal/")
    assert "Subscribe to your shifts in your calendar" in home.text
    assert client.get("/o/riverside/volunteer/portal/calendar/").status_code == 405

    made = client.post("/o/riverside/volunteer/portal/calendar/")
    assert made.status_code == 200
    assert "no-store" in made["Cache-Control"]
    [url] = [w.split('"')[1] for w in made.text.split("value=") if ".ics" in w.split('"')[1]]
    path = url.split("testserver")[-1] if "testserver" in url else url[url.index("/o/") :]
    assert client.get(path).status_code == 200
    assert url not in client.get("/o/riverside/volunteer/portal/").text  # shown once
    assert "Stop the old link" in client.get("/o/riverside/volunteer/portal/").text

    client.post("/o/riverside/volunteer/portal/calendar/")
    assert client.get(path).status_code == 404


def test_a_visitor_without_a_portal_session_makes_no_address(client, org, volunteer):
    response = client.post("/o/riverside/volunteer/portal/calendar/")
    assert response.status_code == 302
    volunteer.refresh_from_db()
    assert volunteer.calendar_key_hash == ""


def test_only_coordinators_and_admins_make_an_address_on_the_staff_page(
    client, org, volunteer, member_factory
):
    url = f"/o/riverside/volunteers/people/{volunteer.pk}/"
    client.force_login(member_factory(org, role=Role.VIEWER))
    assert "Stop the old link" not in client.get(url).text
    assert client.post(url, {"action": "calendar"}).status_code == 403
    client.force_login(member_factory(org, role=Role.FUNDRAISER))
    assert client.post(url, {"action": "calendar"}).status_code in (403, 404)
    volunteer.refresh_from_db()
    assert volunteer.calendar_key_hash == ""

    client.force_login(member_factory(org, role=Role.VOLUNTEER_COORDINATOR))
    made = client.post(url, {"action": "calendar"})
    assert made.status_code == 200
    volunteer.refresh_from_db()
    assert volunteer.calendar_key_hash
    [line] = [w for w in made.text.split('"') if w.endswith(".ics")]
    key = line.rsplit("/", 1)[1].removesuffix(".ics")
    assert services.calendar_key_hash(key) == volunteer.calendar_key_hash
    assert key not in client.get(url).text  # shown once
    assert "Stop the old link" in client.get(url).text


# --- Shift emails ---------------------------------------------------------------------------


def _ics_attachment(message):
    [part] = [p for p in message.iter_attachments() if p.get_content_type() == "text/calendar"]
    content = part.get_content()
    return Calendar.from_ical(content if isinstance(content, bytes) else content.encode())


def test_the_reminder_carries_the_shift_as_a_calendar_file(org, volunteer, mailbox):
    zone = ZoneInfo(org.timezone)
    start = datetime.combine(
        timezone.localdate(timezone=zone) + timedelta(days=1), time(10), tzinfo=zone
    )
    shift = ShiftFactory(
        organization=org,
        opportunity=OpportunityFactory(organization=org, title="Kitchen help"),
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        location="Main hall",
    )
    row = AssignmentFactory(organization=org, shift=shift, profile=volunteer)
    assert services.reminders_send(organization=org) == 1
    [message] = mailbox.to("ada@example.org")
    assert "attached file" in mailbox.text(message)
    calendar = _ics_attachment(message)
    assert str(calendar["method"]) == "PUBLISH"
    [event] = calendar.walk("VEVENT")
    assert str(event["summary"]) == "Kitchen help"
    assert str(event["location"]) == "Main hall"
    assert str(event["uid"]) == ical.event_uid(organization=org, assignment=row)
    assert event.decoded("dtstart") == start.astimezone(UTC)


def test_a_place_opening_up_comes_with_the_shift_as_a_calendar_file(
    org, volunteer, mailbox, django_capture_on_commit_callbacks
):
    shift = ShiftFactory(organization=org, opportunity__organization=org, capacity=1)
    first = AssignmentFactory(organization=org, shift=shift)
    AssignmentFactory(
        organization=org, shift=shift, profile=volunteer, status=Assignment.Status.WAITLISTED
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.assignment_cancel(organization=org, assignment=first)
    [message] = mailbox.to("ada@example.org")
    [event] = _ics_attachment(message).walk("VEVENT")
    assert str(event["summary"]) == shift.opportunity.title
