"""Expert hours: staff schedule sessions (in the organization's time zone, host and space of
the organization, errors next to the fields, the audit trail); members ask for a reminder; the
beat task sends each reminder once about an hour before (safe to run twice, the sending rules
apply); the community shows coming sessions and "live now", with an .ics file."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from community import tasks
from community.models import (
    CommunitySettings,
    ExpertSession,
    Member,
    MemberStatus,
    SessionReminder,
    Space,
)
from community.selectors.members import MEMBER_SESSION
from community.services import sessions as services
from stakeholders.models import AuditEvent, Role
from stakeholders.tenancy.models import organization_scope
from tests.factories import ContactFactory, MembershipFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def org(org_a):
    with organization_scope(org_a):
        CommunitySettings.objects.create(organization=org_a, enabled=True)
        yield org_a


@pytest.fixture
def space(org):
    return Space.objects.create(organization=org, name="Getting help", slug="getting-help")


def make_member(org, name, **contact):
    person = ContactFactory(organization=org, email=f"{name.lower()}@example.org", **contact)
    return Member.objects.create(
        organization=org,
        contact=person,
        email=person.email,
        display_name=name,
        status=MemberStatus.ACTIVE,
    )


def sign_in(client, org, member):
    session = client.session
    session[MEMBER_SESSION] = {str(org.pk): member.pk}
    session.save()


def url(org, name, **kwargs):
    return reverse(f"community:{name}", kwargs={"org_slug": org.slug, **kwargs})


def schedule(
    org, space, host, *, starts_in=timedelta(days=1), hours=1, title="Ask us about benefits"
):
    starts = timezone.now() + starts_in
    return ExpertSession.objects.create(
        organization=org,
        space=space,
        host=host,
        title=title,
        description="Bring your questions about housing benefit.",
        starts_at=starts,
        ends_at=starts + timedelta(hours=hours),
    )


def form_data(space, host, **overrides):
    return {
        "space": space.pk,
        "title": "Ask us about benefits",
        "description": "Bring your questions.",
        "host": host.pk,
        "starts_at": "2030-05-02T17:00",
        "ends_at": "2030-05-02T18:30",
        **overrides,
    }


# --- Staff -----------------------------------------------------------------------------------


def test_staff_schedule_a_session_in_the_organizations_time_zone(client, org, space, admin_a):
    org.timezone = "Asia/Almaty"
    org.save()
    client.force_login(admin_a)
    response = client.post(url(org, "manage_sessions"), form_data(space, admin_a))
    assert response.status_code == 302
    session = ExpertSession.objects.get(organization=org)
    almaty = ZoneInfo("Asia/Almaty")
    assert session.starts_at == datetime(2030, 5, 2, 17, 0, tzinfo=almaty)
    assert session.ends_at == datetime(2030, 5, 2, 18, 30, tzinfo=almaty)
    assert session.host == admin_a and session.space == space
    assert AuditEvent.objects.filter(organization=org, action=services.AUDIT_ACTION).count() == 1
    assert "Ask us about benefits" in client.get(url(org, "manage_sessions")).content.decode()


def test_another_organizations_space_or_host_is_refused(
    client, org, org_b, space, admin_a, admin_b
):
    with organization_scope(org_b):
        other_space = Space.objects.create(organization=org_b, name="Theirs", slug="theirs")
    client.force_login(admin_a)
    response = client.post(url(org, "manage_sessions"), form_data(other_space, admin_a))
    assert response.status_code == 400 and response.context["form"].errors["space"]
    response = client.post(url(org, "manage_sessions"), form_data(space, admin_b))
    assert response.status_code == 400 and response.context["form"].errors["host"]
    response = client.post(
        url(org, "manage_sessions"), form_data(space, admin_a, ends_at="2030-05-02T16:00")
    )
    assert response.status_code == 400 and response.context["form"].errors["ends_at"]
    assert not ExpertSession.objects.filter(organization=org).exists()


def test_moving_a_session_resets_its_reminders_and_cancelling_removes_it(
    client, org, space, admin_a
):
    session = schedule(org, space, admin_a)
    member = make_member(org, "Ana")
    reminder = SessionReminder.objects.create(
        organization=org, session=session, member=member, sent_at=timezone.now()
    )
    client.force_login(admin_a)
    edit = url(org, "manage_session_edit", expert_session_id=session.pk)
    assert client.get(edit).status_code == 200
    assert client.post(edit, form_data(space, admin_a)).status_code == 302
    reminder.refresh_from_db()
    assert reminder.sent_at is None
    cancel = url(org, "manage_session_cancel", expert_session_id=session.pk)
    assert client.post(cancel).status_code == 302
    assert not ExpertSession.objects.filter(organization=org).exists()
    assert not SessionReminder.objects.filter(organization=org).exists()
    summaries = AuditEvent.objects.filter(organization=org, action=services.AUDIT_ACTION)
    assert any("cancelled" in event.summary for event in summaries)


def test_read_only_staff_cannot_schedule(client, org, space, admin_a):
    viewer = MembershipFactory(organization=org, role=Role.VIEWER).user
    client.force_login(viewer)
    assert client.get(url(org, "manage_sessions")).status_code == 403
    assert client.post(url(org, "manage_sessions"), form_data(space, viewer)).status_code == 403
    session = schedule(org, space, admin_a)
    cancel = url(org, "manage_session_cancel", expert_session_id=session.pk)
    assert client.post(cancel).status_code == 403
    assert ExpertSession.objects.filter(pk=session.pk).exists()


# --- The community's pages -------------------------------------------------------------------


def test_the_community_shows_coming_sessions_and_live_now(client, org, space, admin_a):
    schedule(org, space, admin_a, title="Tomorrow's session")
    schedule(org, space, admin_a, starts_in=-timedelta(minutes=10), title="Happening now")
    schedule(org, space, admin_a, starts_in=-timedelta(days=1), title="Yesterday's session")
    for page_url in (
        url(org, "home"),
        url(org, "space", space_slug=space.slug),
        url(org, "sessions"),
    ):
        html = client.get(page_url).content.decode()
        assert "Tomorrow&#x27;s session" in html or "Tomorrow's session" in html, page_url
        assert "Happening now" in html and "Live now" in html
        assert "Yesterday" not in html


def test_sessions_of_a_members_only_space_are_hidden_from_visitors(client, org, space, admin_a):
    space.visibility = "members"
    space.audiences = ["volunteer"]
    space.save()
    session = schedule(org, space, admin_a, title="Volunteers' hour")
    assert "Volunteers" not in client.get(url(org, "sessions")).content.decode()
    ics = url(org, "session_ics", expert_session_id=session.pk)
    assert client.get(ics).status_code == 404
    sign_in(client, org, make_member(org, "Vic", is_volunteer=True))
    assert client.get(ics).status_code == 200


def test_the_calendar_file_describes_the_session(client, org, space, admin_a):
    session = schedule(org, space, admin_a)
    response = client.get(url(org, "session_ics", expert_session_id=session.pk))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    calendar = Calendar.from_ical(response.content)
    [event] = calendar.walk("VEVENT")
    assert str(event["summary"]) == "Ask us about benefits"
    assert event.decoded("dtstart") == session.starts_at.replace(microsecond=0)
    assert event.decoded("dtend") == session.ends_at.replace(microsecond=0)
    assert url(org, "space", space_slug=space.slug) in str(event["url"])


def test_a_member_asks_for_a_reminder_and_can_take_it_back(client, org, space, admin_a):
    session = schedule(org, space, admin_a)
    ana = make_member(org, "Ana")
    remind = url(org, "session_remind", expert_session_id=session.pk)
    # a visitor is asked to sign in
    response = client.post(remind)
    assert response.status_code == 302 and response["Location"].startswith(url(org, "sign_in"))
    sign_in(client, org, ana)
    response = client.post(remind, {"next": url(org, "sessions")})
    assert response.status_code == 302 and response["Location"] == url(org, "sessions")
    assert SessionReminder.objects.filter(organization=org, session=session, member=ana).exists()
    assert "Reminder set" in client.get(url(org, "sessions")).content.decode()
    client.post(remind, {"next": "https://evil.example/"})
    assert not SessionReminder.objects.filter(organization=org).exists()


def test_no_reminder_for_a_session_that_is_over(client, org, space, admin_a):
    session = schedule(org, space, admin_a, starts_in=-timedelta(hours=3))
    sign_in(client, org, make_member(org, "Ana"))
    client.post(url(org, "session_remind", expert_session_id=session.pk))
    assert not SessionReminder.objects.filter(organization=org).exists()


# --- Reminders -------------------------------------------------------------------------------


def test_reminders_go_once_about_an_hour_before(org, space, admin_a, mailbox):
    soon = schedule(org, space, admin_a, starts_in=timedelta(minutes=50), title="Soon")
    later = schedule(org, space, admin_a, starts_in=timedelta(hours=5), title="Later")
    ana, bo = make_member(org, "Ana"), make_member(org, "Bo", do_not_contact=True)
    staff = Member.objects.create(
        organization=org,
        user=admin_a,
        email=admin_a.email,
        display_name="Sam from the team",
        status=MemberStatus.ACTIVE,
    )
    blocked = make_member(org, "Max")
    Member.objects.filter(pk=blocked.pk).update(status=MemberStatus.BLOCKED)
    for member in (ana, bo, staff, blocked):
        SessionReminder.objects.create(organization=org, session=soon, member=member)
    SessionReminder.objects.create(organization=org, session=later, member=ana)

    assert tasks.send_session_reminders() == 1  # one organization has reminders due
    assert sorted(r for m in mailbox.messages for r in m.recipients) == sorted(
        ["ana@example.org", admin_a.email]
    )
    message = mailbox.to("ana@example.org")[0]
    assert "Soon" in message["Subject"]
    assert "Hello Ana" in mailbox.text(message)
    assert any(part.get_filename() == "expert-session.ics" for part in message.iter_attachments())
    # do-not-contact and blocked members' reminders are marked, not sent; a rerun sends nothing
    assert not SessionReminder.objects.filter(session=soon, sent_at__isnull=True).exists()
    assert tasks.send_session_reminders_for(organization_id=org.pk) == 0
    assert len(mailbox.messages) == 2
    # the later session's reminder waits for its hour
    assert SessionReminder.objects.get(session=later).sent_at is None
    assert (
        services.reminders_send(
            organization=org, now=timezone.now() + timedelta(hours=4, minutes=30)
        )
        == 1
    )


def test_the_sessions_page_asks_the_same_number_of_queries_for_more_sessions(
    client, org, space, admin_a
):
    sign_in(client, org, make_member(org, "Ana"))
    schedule(org, space, admin_a, title="First")
    client.get(url(org, "sessions"))
    with CaptureQueriesContext(connection) as few:
        client.get(url(org, "sessions"))
    for number in range(6):
        schedule(org, space, admin_a, starts_in=timedelta(days=number + 2), title=f"S{number}")
    with CaptureQueriesContext(connection) as many:
        response = client.get(url(org, "sessions"))
    assert response.status_code == 200 and "S5" in response.content.decode()
    assert len(many.captured_queries) == len(few.captured_queries)
