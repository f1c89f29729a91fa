"""Volunteers: shifts with places and a waiting list, no double-booking (also under concurrent
signups), trainings that gate shifts, attendance and hours, milestones thanked through the
thank-you batch, reminders sent once, matching with reasons, contact hooks, the staff pages,
the portal and the API."""

import threading
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone
from django_scopes import scopes_disabled

from stakeholders import services as stakeholder_services
from stakeholders.content_versions import translation_add
from stakeholders.models import Interaction, Role
from stakeholders.registries import timeline
from stakeholders.tenancy.models import organization_scope
from tests.factories import (
    ApiTokenFactory,
    AssignmentFactory,
    ContactFactory,
    HoursEntryFactory,
    OpportunityFactory,
    ShiftFactory,
    TrainingFactory,
    TrainingRecordFactory,
    VolunteerProfileFactory,
)
from thankyous import services as thankyou_services
from thankyous.models import Acknowledgment, Rule, ThankYouTemplate
from volunteers import selectors, services
from volunteers.models import (
    Assignment,
    Cause,
    HoursEntry,
    Milestone,
    OpportunitySkill,
    OpportunityTraining,
    ProfileCause,
    ProfileSkill,
    Shift,
    Skill,
    VolunteerProfile,
    availability_bit,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def org(org_a):
    with organization_scope(org_a):
        yield org_a


@pytest.fixture
def volunteer(org):
    return VolunteerProfileFactory(
        contact__organization=org, contact__first_name="Ada", contact__last_name="Lovelace"
    )


def profile(org, **kwargs):
    return VolunteerProfileFactory(contact__organization=org, **kwargs)


def shift(org, *, starts_in=timedelta(days=3), hours=3, capacity=2, opportunity=None):
    start = timezone.now() + starts_in
    return ShiftFactory(
        organization=org,
        opportunity=opportunity or OpportunityFactory(organization=org),
        starts_at=start,
        ends_at=start + timedelta(hours=hours),
        capacity=capacity,
    )


# --- Places, waiting list, overlaps ---------------------------------------------------------


def test_full_shift_waitlists_and_a_cancellation_promotes_with_an_email(
    org, mailbox, django_capture_on_commit_callbacks
):
    one = shift(org, capacity=1)
    first, second, third = profile(org), profile(org), profile(org)
    assert services.shift_signup(organization=org, shift=one, profile=first).status == "confirmed"
    assert services.shift_signup(organization=org, shift=one, profile=second).status == "waitlisted"
    assert services.shift_signup(organization=org, shift=one, profile=third).status == "waitlisted"
    with pytest.raises(ValidationError, match="Already signed up"):
        services.shift_signup(organization=org, shift=one, profile=second)
    mine = Assignment.objects.get(shift=one, profile=first)
    with django_capture_on_commit_callbacks(execute=True):
        services.assignment_cancel(organization=org, assignment=mine)
    statuses = dict(Assignment.objects.filter(shift=one).values_list("profile_id", "status"))
    assert statuses == {first.pk: "cancelled", second.pk: "confirmed", third.pk: "waitlisted"}
    [message] = mailbox.to(second.contact.email)
    assert "A place opened up" in message["Subject"]
    # coming back after cancelling: the back of the queue, one row still
    assert services.shift_signup(organization=org, shift=one, profile=first).status == "waitlisted"
    assert Assignment.objects.filter(shift=one, profile=first).count() == 1


def test_no_double_booking_on_overlapping_shifts(org, volunteer):
    morning = shift(org, starts_in=timedelta(days=2), hours=4)
    overlapping = shift(org, starts_in=timedelta(days=2, hours=3), hours=2)
    afterwards = shift(org, starts_in=timedelta(days=2, hours=4), hours=2)
    services.shift_signup(organization=org, shift=morning, profile=volunteer)
    with pytest.raises(ValidationError, match="Already on"):
        services.shift_signup(organization=org, shift=overlapping, profile=volunteer)
    assert services.shift_signup(organization=org, shift=afterwards, profile=volunteer)
    past = shift(org, starts_in=-timedelta(hours=1))
    with pytest.raises(ValidationError, match="already started"):
        services.shift_signup(organization=org, shift=past, profile=volunteer)


@pytest.mark.django_db(transaction=True)
def test_concurrent_signups_never_overbook(org_a):
    """Ten people press "Sign up" at the same moment for three places: three get them."""
    with organization_scope(org_a):
        target = shift(org_a, capacity=3)
        people = [profile(org_a) for _i in range(10)]
    barrier = threading.Barrier(len(people))
    errors = []

    def sign_up(person):
        try:
            barrier.wait()
            with organization_scope(org_a):
                services.shift_signup(organization=org_a, shift=target, profile=person)
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=sign_up, args=(p,)) for p in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with organization_scope(org_a):
        statuses = list(Assignment.objects.filter(shift=target).values_list("status", flat=True))
    assert sorted(statuses).count("confirmed") == 3 and statuses.count("waitlisted") == 7


@pytest.mark.django_db(transaction=True)
def test_one_person_racing_for_two_overlapping_shifts_gets_one(org_a):
    with organization_scope(org_a):
        person = profile(org_a)
        a = shift(org_a, starts_in=timedelta(days=1), hours=3)
        b = shift(org_a, starts_in=timedelta(days=1, hours=1), hours=3)
    barrier = threading.Barrier(2)
    outcomes = []

    def sign_up(target):
        barrier.wait()
        try:
            with organization_scope(org_a):
                services.shift_signup(organization=org_a, shift=target, profile=person)
            outcomes.append("ok")
        except ValidationError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=sign_up, args=(s,)) for s in (a, b)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["ok", "refused"]


def test_required_training_and_minimum_age_gate_shifts(org, volunteer):
    hygiene = TrainingFactory(organization=org, name="Food hygiene", valid_months=12)
    kitchen = OpportunityFactory(organization=org, title="Kitchen", minimum_age=18)
    OpportunityTraining.objects.create(organization=org, opportunity=kitchen, training=hygiene)
    target = shift(org, opportunity=kitchen)
    with pytest.raises(ValidationError, match="Training needed first: Food hygiene"):
        services.shift_signup(organization=org, shift=target, profile=volunteer)
    # an expired record does not count; a valid one does, and it gives its skill
    knife = Skill.objects.create(organization=org, name="Knife skills")
    hygiene.grants_skill = knife
    hygiene.save()
    services.training_record(
        organization=org,
        profile=volunteer,
        training=hygiene,
        completed_on=timezone.localdate() - timedelta(days=400),
    )
    with pytest.raises(ValidationError, match="Training needed"):
        services.shift_signup(organization=org, shift=target, profile=volunteer)
    services.training_record(
        organization=org, profile=volunteer, training=hygiene, completed_on=timezone.localdate()
    )
    assert services.shift_signup(organization=org, shift=target, profile=volunteer)
    assert ProfileSkill.objects.get(profile=volunteer, skill=knife).source == "training"
    young = profile(org, under_18=True)
    services.training_record(
        organization=org, profile=young, training=hygiene, completed_on=timezone.localdate()
    )
    with pytest.raises(ValidationError, match="minimum age is 18"):
        services.shift_signup(organization=org, shift=target, profile=young)


def test_recurring_shifts_are_rows_of_their_own(org):
    kitchen = OpportunityFactory(organization=org)
    start = timezone.localdate() + timedelta(days=1)
    created = services.shift_create(
        organization=org,
        opportunity=kitchen,
        date=start,
        starts=time(9),
        ends=time(12),
        capacity=4,
        repeat_weeks=1,
        until=start + timedelta(weeks=3),
    )
    assert len(created) == 4 and len({s.series_id for s in created}) == 1
    local = timezone.localtime(created[1].starts_at, ZoneInfo(org.timezone))
    assert local.date() == start + timedelta(weeks=1) and local.hour == 9
    with pytest.raises(ValidationError) as error:
        services.shift_create(
            organization=org,
            opportunity=kitchen,
            date=start,
            starts=time(9),
            ends=time(12),
            capacity=1,
            repeat_weeks=1,
            until=start - timedelta(days=1),
        )
    assert "until" in error.value.message_dict
    assert Shift.objects.filter(opportunity=kitchen).count() == 4  # nothing half-saved


# --- Hours, milestones, thanks ----------------------------------------------------------------


def test_attendance_counts_hours_and_reaches_milestones_thanked_by_the_batch(
    org, volunteer, mailbox
):
    done = shift(org, starts_in=-timedelta(hours=5), hours=4)
    row = AssignmentFactory(organization=org, shift=done, profile=volunteer)
    services.attendance_record(organization=org, assignment=row, attended=True)
    entry = HoursEntry.objects.get(assignment=row)
    assert entry.status == "approved" and entry.hours == Decimal("4.00")
    services.hours_log(
        organization=org,
        profile=volunteer,
        worked_on=timezone.localdate(),
        hours="7",
        by_volunteer=True,
    )
    assert set(Milestone.objects.values_list("code", flat=True)) == {"first_shift"}
    pending = HoursEntry.objects.get(status="pending")
    services.hours_decide(organization=org, entry=pending, approve=True, actor=None)
    assert set(Milestone.objects.values_list("code", flat=True)) == {"first_shift", "hours_10"}
    assert selectors.hours_total(organization=org, profile=volunteer) == Decimal("11.00")
    # marking the same person "did not come" after all takes the hours back
    services.attendance_record(organization=org, assignment=row, attended=False)
    assert not HoursEntry.objects.filter(assignment=row).exists()

    result = thankyou_services.run_batch(organization=org)
    assert result["sent"] == 2
    template = ThankYouTemplate.objects.get(rule=Rule.VOLUNTEER_MILESTONE)
    assert "Thank you for your time" in template.email_body
    messages = mailbox.to(volunteer.contact.email)
    subjects = sorted(m["Subject"] for m in messages)
    assert subjects == ["10 hours — thank you, Ada", "First shift — thank you, Ada"]
    body = mailbox.text(messages[0])
    assert "hours given to Riverside Food Bank" in body and "gift" not in body.lower()
    # a rerun thanks nothing twice
    assert thankyou_services.run_batch(organization=org)["sent"] == 0
    assert Acknowledgment.objects.filter(kind="volunteer_milestone").count() == 2


def test_bad_hours_are_refused_per_field(org, volunteer):
    with pytest.raises(ValidationError) as error:
        services.hours_log(
            organization=org,
            profile=volunteer,
            worked_on=timezone.localdate() + timedelta(days=2),
            hours="30",
            by_volunteer=True,
        )
    assert set(error.value.message_dict) == {"hours", "worked_on"}
    assert not HoursEntry.objects.exists()


def test_anniversaries_come_with_time(org):
    person = profile(org, approved_at=timezone.now() - timedelta(days=800))
    HoursEntryFactory(organization=org, profile=person, status="approved")
    services.milestones_check_all(organization=org)
    assert {"anniversary_1", "anniversary_2"} <= set(
        Milestone.objects.filter(profile=person).values_list("code", flat=True)
    )


def test_coordinator_thank_you_from_the_shift_page(
    client, org, admin_a, volunteer, mailbox, django_capture_on_commit_callbacks
):
    done = shift(org, starts_in=-timedelta(hours=5))
    row = AssignmentFactory(organization=org, shift=done, profile=volunteer, status="attended")
    client.force_login(admin_a)
    url = f"/o/riverside/volunteers/shifts/{done.pk}/"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url, {"action": "thank", "assignment": row.pk, "message": "You were brilliant today."}
        )
    assert response.status_code == 302
    [message] = mailbox.to(volunteer.contact.email)
    assert "You were brilliant today." in mailbox.text(message)
    interaction = Interaction.objects.get(contact=volunteer.contact)
    assert interaction.related_kind == "volunteers.shift" and interaction.related_id == done.pk
    empty = client.post(url, {"action": "thank", "assignment": row.pk, "message": ""})
    assert empty.status_code == 200 and b"field__errors" in empty.content


# --- Reminders ---------------------------------------------------------------------------------


def test_reminders_name_the_opportunity_in_each_volunteers_language(org, mailbox):
    zone = ZoneInfo(org.timezone)
    start = datetime.combine(
        timezone.localdate(timezone=zone) + timedelta(days=1), time(10), tzinfo=zone
    )
    kitchen = OpportunityFactory(organization=org, title="Kitchen help")
    translation_add(kitchen, language="fa", title="کمک در آشپزخانه")
    soon = ShiftFactory(
        organization=org, opportunity=kitchen, starts_at=start, ends_at=start + timedelta(hours=2)
    )
    for email, language in [("fa@example.org", "fa"), ("en@example.org", "en")]:
        AssignmentFactory(
            organization=org,
            shift=soon,
            profile=profile(org, contact__email=email, contact__preferred_language=language),
        )
    assert services.reminders_send(organization=org) == 2
    [persian] = mailbox.to("fa@example.org")
    [english] = mailbox.to("en@example.org")
    assert "کمک در آشپزخانه" in persian["Subject"]
    assert "کمک در آشپزخانه" in persian.get_body(preferencelist=("plain",)).get_content()
    assert "Kitchen help" in english["Subject"]


def test_day_before_reminders_go_once(org, mailbox):
    zone = ZoneInfo(org.timezone)
    tomorrow = timezone.localdate(timezone=zone) + timedelta(days=1)
    start = datetime.combine(tomorrow, time(10), tzinfo=zone)
    soon = ShiftFactory(
        organization=org,
        opportunity__organization=org,
        starts_at=start,
        ends_at=start + timedelta(hours=2),
    )
    later = shift(org, starts_in=timedelta(days=5))
    for target in (soon, later):
        AssignmentFactory(
            organization=org,
            shift=target,
            profile=profile(org, contact__email=f"r{target.pk}@example.org"),
        )
    waiting = AssignmentFactory(organization=org, shift=soon, status="waitlisted")
    assert services.reminders_send(organization=org) == 1
    assert services.reminders_send(organization=org) == 0
    [message] = mailbox.to(f"r{soon.pk}@example.org")
    assert "See you tomorrow" in message["Subject"]
    assert not mailbox.to(f"r{later.pk}@example.org")
    assert not mailbox.to(waiting.profile.contact.email)


# --- Matching ----------------------------------------------------------------------------------


def test_matching_ranks_with_reasons_and_blockers(org):
    cooking = Skill.objects.create(organization=org, name="Cooking")
    food = Cause.objects.create(organization=org, name="Food")
    hygiene = TrainingFactory(organization=org, name="Hygiene")
    kitchen = OpportunityFactory(organization=org, title="Kitchen", cause=food, city="Bristol")
    OpportunitySkill.objects.create(organization=org, opportunity=kitchen, skill=cooking)
    OpportunityTraining.objects.create(organization=org, opportunity=kitchen, training=hygiene)
    zone = ZoneInfo(org.timezone)
    day = timezone.localdate(timezone=zone) + timedelta(days=7)
    start = datetime.combine(day, time(10), tzinfo=zone)
    ShiftFactory(
        organization=org, opportunity=kitchen, starts_at=start, ends_at=start + timedelta(hours=2)
    )
    chef = profile(org, contact__city="Bristol", availability=availability_bit(day.weekday(), 0))
    ProfileSkill.objects.create(organization=org, profile=chef, skill=cooking)
    ProfileCause.objects.create(organization=org, profile=chef, cause=food)
    services.training_record(
        organization=org, profile=chef, training=hygiene, completed_on=timezone.localdate()
    )
    newcomer = profile(org, status=VolunteerProfile.Status.APPLICANT)
    profile(org, status=VolunteerProfile.Status.LEFT)
    ranked = selectors.matches_for_opportunity(organization=org, opportunity=kitchen)
    assert [r["profile"] for r in ranked] == [chef, newcomer]
    reasons = " | ".join(ranked[0]["reasons"])
    for expected in (
        "Skills: Cooking",
        "Interested in Food",
        "Available",
        "Trainings done",
        "Lives nearby",
    ):
        assert expected in reasons
    assert ranked[1]["blockers"] == ["Needs training: Hygiene"]
    fits = selectors.opportunities_for_profile(organization=org, profile=chef)
    assert fits[0]["opportunity"] == kitchen and fits[0]["reasons"]


def test_one_click_invite(
    client, org, admin_a, volunteer, mailbox, django_capture_on_commit_callbacks
):
    kitchen = OpportunityFactory(organization=org, title="Kitchen")
    stakeholder_services.consent_record(  # an invitation is volunteering news: it needs a yes
        organization=org,
        contact=volunteer.contact,
        channel="email",
        purpose="volunteer_news",
        granted=True,
        source="form",
    )
    client.force_login(admin_a)
    page = client.get(f"/o/riverside/volunteers/opportunities/{kitchen.pk}/matches/")
    assert page.status_code == 200 and b"Ada Lovelace" in page.content
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/o/riverside/volunteers/opportunities/{kitchen.pk}/matches/",
            {"profile": volunteer.pk},
        )
    assert response.status_code == 302
    [message] = mailbox.to(volunteer.contact.email)
    assert "Kitchen" in message["Subject"]
    assert any(
        "/volunteer/portal/enter/" in u and "opportunity=" in u for u in mailbox.links(message)
    )


# --- Contact hooks, timeline, panels, dashboard -----------------------------------------------


def test_merge_moves_volunteering_and_erase_forgets_the_person(org, admin_a):
    keep, remove = profile(org), profile(org, languages="Farsi", guardian_name="Parent")
    both = shift(org)
    only_removed = shift(org, starts_in=timedelta(days=9))
    AssignmentFactory(organization=org, shift=both, profile=keep)
    AssignmentFactory(organization=org, shift=both, profile=remove)
    AssignmentFactory(organization=org, shift=only_removed, profile=remove)
    HoursEntryFactory(organization=org, profile=remove, status="approved")
    stakeholder_services.contact_merge(
        organization=org, keep=keep.contact, remove=remove.contact, actor=admin_a
    )
    assert not VolunteerProfile.objects.filter(pk=remove.pk).exists()
    assert Assignment.objects.filter(profile=keep).count() == 2
    assert HoursEntry.objects.filter(profile=keep).count() == 1
    export = stakeholder_services.selectors.contact_everything(
        organization=org, contact=keep.contact
    )
    assert "volunteer_hours" in str(export)
    stakeholder_services.contact_erase(organization=org, contact=keep.contact, actor=admin_a)
    keep.refresh_from_db()
    assert keep.status == "left" and keep.languages == ""
    assert selectors.hours_total(organization=org, profile=keep) == Decimal("3.00")


def test_timeline_panel_and_dashboard_card(client, org, admin_a, member_factory, volunteer):
    target = shift(org)
    AssignmentFactory(organization=org, shift=target, profile=volunteer)
    events, _cursor = timeline.events(organization=org, contact=volunteer.contact, limit=10)
    assert [e.kind for e in events] == ["volunteer_shift"]
    applicant = profile(org, status=VolunteerProfile.Status.APPLICANT, contact__first_name="Newbie")
    client.force_login(admin_a)
    contact_page = client.get(f"/o/riverside/contacts/{volunteer.contact.pk}/panels/")
    assert b"Volunteering" in contact_page.content
    dashboard = client.get("/o/riverside/")
    assert b"new signup to review" in dashboard.content
    assert applicant.contact.name.encode() in dashboard.content
    assert b"shift short of volunteers this week" in dashboard.content
    client.force_login(member_factory(org, role=Role.FUNDRAISER))
    assert b"new signup to review" not in client.get("/o/riverside/").content


# --- Staff pages ----------------------------------------------------------------------------


def test_staff_pages_render_and_viewers_cannot_change(
    client, org, admin_a, member_factory, volunteer
):
    kitchen = OpportunityFactory(organization=org)
    target = shift(org, opportunity=kitchen)
    training = TrainingFactory(organization=org)
    HoursEntryFactory(organization=org, profile=volunteer)
    client.force_login(admin_a)
    for path in [
        "/o/riverside/volunteers/",
        "/o/riverside/volunteers/people/",
        "/o/riverside/volunteers/people/?status=active&q=ada",
        f"/o/riverside/volunteers/people/{volunteer.pk}/",
        "/o/riverside/volunteers/opportunities/",
        "/o/riverside/volunteers/opportunities/new/",
        f"/o/riverside/volunteers/opportunities/{kitchen.pk}/",
        f"/o/riverside/volunteers/opportunities/{kitchen.pk}/matches/",
        f"/o/riverside/volunteers/shifts/{target.pk}/",
        "/o/riverside/volunteers/hours/",
        "/o/riverside/volunteers/trainings/",
        f"/o/riverside/volunteers/trainings/{training.pk}/",
        "/o/riverside/volunteers/settings/",
    ]:
        assert client.get(path).status_code == 200, path
    viewer = member_factory(org, role=Role.VIEWER)
    client.force_login(viewer)
    assert client.get("/o/riverside/volunteers/").status_code == 200
    assert client.post("/o/riverside/volunteers/hours/", {"action": "approve"}).status_code == 403
    client.force_login(member_factory(org, role=Role.CASEWORKER))
    assert client.get("/o/riverside/volunteers/").status_code == 403


def test_coordinator_builds_an_opportunity_adds_shifts_assigns_and_approves(
    client, org, member_factory, volunteer
):
    client.force_login(member_factory(org, role=Role.VOLUNTEER_COORDINATOR))
    services.settings_save(
        organization=org,
        skills_text="Cooking\nDriving\ncooking",
        causes_text="Food",
        hourly_rate=Decimal("15.00"),
    )
    assert list(Skill.objects.values_list("name", flat=True)) == ["Cooking", "Driving"]
    bad = client.post(
        "/o/riverside/volunteers/opportunities/new/",
        {"action": "save", "title": "", "minimum_age": "-3"},
    )
    assert bad.status_code == 200 and b"field__errors" in bad.content
    response = client.post(
        "/o/riverside/volunteers/opportunities/new/",
        {
            "action": "save",
            "title": "Van driver",
            "skills": [Skill.objects.get(name="Driving").pk],
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    van = OpportunityFactory._meta.model.objects.get(title="Van driver")
    day = timezone.localdate() + timedelta(days=2)
    added = client.post(
        f"/o/riverside/volunteers/opportunities/{van.pk}/",
        {
            "action": "shift",
            "date": day.isoformat(),
            "starts": "09:00",
            "ends": "12:00",
            "capacity": "1",
            "repeat_weeks": "2",
            "until": (day + timedelta(weeks=4)).isoformat(),
        },
    )
    assert added.status_code == 302 and Shift.objects.filter(opportunity=van).count() == 3
    first = Shift.objects.filter(opportunity=van).first()
    assigned = client.post(
        f"/o/riverside/volunteers/shifts/{first.pk}/", {"action": "assign", "profile": volunteer.pk}
    )
    assert assigned.status_code == 302
    assert Assignment.objects.get(shift=first).source == "coordinator"
    entry = HoursEntryFactory(organization=org, profile=volunteer)
    client.post("/o/riverside/volunteers/hours/", {"action": "approve", "entry": entry.pk})
    entry.refresh_from_db()
    assert entry.status == "approved"
    hours_page = client.get("/o/riverside/volunteers/hours/")
    assert "£45.00".encode() in hours_page.content  # 3 hours at £15


# --- The portal --------------------------------------------------------------------------------


def test_portal_sign_up_cancel_log_hours_and_preferences(client, org, volunteer):
    Skill.objects.create(organization=org, name="Cooking")
    target = shift(org, capacity=1)
    token = services.portal_token(organization=org, profile=volunteer)
    client.post(f"/o/riverside/volunteer/portal/enter/{token}/")
    shifts = client.get("/o/riverside/volunteer/portal/shifts/")
    assert shifts.status_code == 200 and "no-store" in shifts["Cache-Control"]
    client.post("/o/riverside/volunteer/portal/shifts/", {"shift": target.pk})
    row = Assignment.objects.get(shift=target, profile=volunteer)
    assert row.status == "confirmed" and row.source == "self"
    client.post("/o/riverside/volunteer/portal/shifts/", {"cancel": row.pk})
    row.refresh_from_db()
    assert row.status == "cancelled"
    other = AssignmentFactory(organization=org, shift=shift(org))  # someone else's place
    assert (
        client.post("/o/riverside/volunteer/portal/shifts/", {"cancel": other.pk}).status_code
        == 404
    )
    bad = client.post("/o/riverside/volunteer/portal/hours/", {"worked_on": "", "hours": "0"})
    assert bad.status_code == 200 and not HoursEntry.objects.exists()
    client.post(
        "/o/riverside/volunteer/portal/hours/",
        {
            "worked_on": timezone.localdate().isoformat(),
            "hours": "2.5",
            "description": "Sorted tins",
        },
    )
    assert HoursEntry.objects.get().status == "pending"
    client.post(
        "/o/riverside/volunteer/portal/preferences/",
        {"availability": ["6-2"], "languages": "Khmer", "skills": [Skill.objects.get().pk]},
    )
    volunteer.refresh_from_db()
    assert volunteer.availability == availability_bit(6, 2) and volunteer.languages == "Khmer"
    client.post("/o/riverside/volunteer/portal/sign-out/")
    assert client.get("/o/riverside/volunteer/portal/shifts/").status_code == 302


def test_portal_cannot_take_a_shift_of_another_organization(client, org, org_b, volunteer):
    with scopes_disabled():
        theirs = ShiftFactory(opportunity__organization=org_b)
    token = services.portal_token(organization=org, profile=volunteer)
    client.post(f"/o/riverside/volunteer/portal/enter/{token}/")
    assert (
        client.post("/o/riverside/volunteer/portal/shifts/", {"shift": theirs.pk}).status_code
        == 404
    )
    with scopes_disabled():
        assert not Assignment.objects.exists()


# --- API ------------------------------------------------------------------------------------


@pytest.fixture
def api(client, org, admin_a):
    token = ApiTokenFactory(organization=org, user=admin_a)
    client.defaults["HTTP_AUTHORIZATION"] = f"Token {token.key}"
    return client


@pytest.mark.parametrize(
    # the token with its membership, the page (and its prefetches); the organization is cached
    "path,make,queries",
    [
        ("volunteer-profiles", lambda org: VolunteerProfileFactory(contact__organization=org), 4),
        ("opportunities", lambda org: OpportunityFactory(organization=org), 4),
        ("shifts", lambda org: ShiftFactory(opportunity__organization=org), 2),
        ("assignments", lambda org: AssignmentFactory(shift__opportunity__organization=org), 2),
        ("volunteer-hours", lambda org: HoursEntryFactory(profile__contact__organization=org), 2),
        ("trainings", lambda org: TrainingFactory(organization=org), 2),
        (
            "training-records",
            lambda org: TrainingRecordFactory(profile__contact__organization=org),
            2,
        ),
    ],
)
def test_api_lists_cost_the_same_for_any_page_size(
    api, org, path, make, queries, django_assert_num_queries
):
    for _i in range(4):
        make(org)
    url = f"/api/v1/o/riverside/{path}/"
    api.get(url)
    with django_assert_num_queries(queries):
        small = api.get(f"{url}?page_size=2").json()["results"]
    with django_assert_num_queries(queries):
        large = api.get(f"{url}?page_size=50").json()["results"]
    assert len(small) == 2 and len(large) == 4


def test_api_assignment_respects_places_and_gives_field_errors(api, org, org_b):
    target = shift(org, capacity=1)
    first, second = profile(org), profile(org)
    made = api.post(
        "/api/v1/o/riverside/assignments/",
        {"shift": target.pk, "profile": first.pk},
        content_type="application/json",
    )
    assert made.status_code == 201 and made.json()["status"] == "confirmed"
    waiting = api.post(
        "/api/v1/o/riverside/assignments/",
        {"shift": target.pk, "profile": second.pk},
        content_type="application/json",
    )
    assert waiting.json()["status"] == "waitlisted"
    again = api.post(
        "/api/v1/o/riverside/assignments/",
        {"shift": target.pk, "profile": first.pk},
        content_type="application/json",
    )
    assert again.status_code == 400 and "shift" in again.json()
    with scopes_disabled():
        foreign = VolunteerProfileFactory(contact__organization=org_b)
    refused = api.post(
        "/api/v1/o/riverside/assignments/",
        {"shift": target.pk, "profile": foreign.pk},
        content_type="application/json",
    )
    assert refused.status_code == 400 and "profile" in refused.json()
    cancelled = api.post(f"/api/v1/o/riverside/assignments/{made.json()['id']}/cancel/")
    assert cancelled.json()["status"] == "cancelled"
    assert Assignment.objects.get(profile=second).status == "confirmed"


def test_api_hours_and_opportunities(api, org, volunteer):
    logged = api.post(
        "/api/v1/o/riverside/volunteer-hours/",
        {"profile": volunteer.pk, "worked_on": date.today().isoformat(), "hours": "40"},
        content_type="application/json",
    )
    assert logged.status_code == 400 and "hours" in logged.json()
    made = api.post(
        "/api/v1/o/riverside/opportunities/",
        {"title": "Reception", "minimum_age": 16},
        content_type="application/json",
    )
    assert made.status_code == 201
    duplicate = api.post(
        "/api/v1/o/riverside/opportunities/",
        {"title": "Reception"},
        content_type="application/json",
    )
    assert duplicate.status_code == 400 and "title" in duplicate.json()
    profile_row = api.get(f"/api/v1/o/riverside/volunteer-profiles/{volunteer.pk}/").json()
    assert profile_row["approved_hours"] == "0.00" and profile_row["contact_name"] == "Ada Lovelace"
    ContactFactory(organization=org)  # unrelated contacts don't show up
    assert len(api.get("/api/v1/o/riverside/volunteer-profiles/").json()["results"]) == 1


def test_beat_tasks_fan_out_per_organization(org, mailbox, settings):
    from volunteers import tasks

    zone = ZoneInfo(org.timezone)
    start = datetime.combine(
        timezone.localdate(timezone=zone) + timedelta(days=1), time(18), tzinfo=zone
    )
    target = ShiftFactory(
        organization=org,
        opportunity__organization=org,
        starts_at=start,
        ends_at=start + timedelta(hours=2),
    )
    AssignmentFactory(organization=org, shift=target)
    assert tasks.send_shift_reminders() == 1  # eager in tests: the reminder is sent
    assert Assignment.objects.get().reminded_at is not None
    profile(org, approved_at=timezone.now() - timedelta(days=400))
    tasks.volunteer_nightly()
    assert not Milestone.objects.exists()  # no hours yet: nothing to celebrate


def test_more_places_move_people_up_from_the_waiting_list(
    client, org, admin_a, mailbox, django_capture_on_commit_callbacks
):
    target = shift(org, capacity=1)
    first, second = profile(org), profile(org)
    services.shift_signup(organization=org, shift=target, profile=first)
    services.shift_signup(organization=org, shift=target, profile=second)
    client.force_login(admin_a)
    url = f"/o/riverside/volunteers/shifts/{target.pk}/"
    bad = client.post(url, {"action": "edit", "capacity": "0"})
    assert bad.status_code == 200 and b"field__errors" in bad.content
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(url, {"action": "edit", "capacity": "2"}).status_code == 302
    assert Assignment.objects.get(profile=second).status == "confirmed"
    assert mailbox.to(second.contact.email)


def test_staff_lists_cost_the_same_however_many_volunteers(client, org, admin_a):
    from django.test.utils import CaptureQueriesContext

    client.force_login(admin_a)
    kitchen = OpportunityFactory(organization=org)
    target = shift(org, opportunity=kitchen, capacity=50)
    services.volunteer_settings(organization=org)  # made on the first visit otherwise
    client.get("/o/riverside/volunteers/")  # (the first request caches the organization)
    counts = []
    for extra in (2, 20):
        for _i in range(extra):
            AssignmentFactory(organization=org, shift=target, profile=profile(org))
            HoursEntryFactory(organization=org, profile=profile(org))
        sizes = []
        for path in [
            "/o/riverside/volunteers/people/",
            f"/o/riverside/volunteers/shifts/{target.pk}/",
            "/o/riverside/volunteers/hours/",
            f"/o/riverside/volunteers/opportunities/{kitchen.pk}/matches/",
            "/o/riverside/volunteers/",
        ]:
            with CaptureQueriesContext(connection) as queries:
                assert client.get(path).status_code == 200
            sizes.append(len(queries))
        counts.append(sizes)
    assert counts[0] == counts[1]


def test_portal_offers_and_takes_only_open_shifts_ahead(client, org, volunteer):
    closed = shift(org, opportunity=OpportunityFactory(organization=org, is_active=False))
    past = shift(org, starts_in=-timedelta(days=2))
    token = services.portal_token(organization=org, profile=volunteer)
    client.post(f"/o/riverside/volunteer/portal/enter/{token}/")
    for hidden in (closed, past):
        response = client.post("/o/riverside/volunteer/portal/shifts/", {"shift": hidden.pk})
        assert response.status_code == 404
    assert not Assignment.objects.exists()
