"""Service recovery (issue 18, point 2): a low score or a complaint opens a case with an owner and
a working-time clock; escalation once; staff work the case; the person answers "Is this put
right?"; role walls on every page, the API and the contact panel."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from stakeholders import services
from stakeholders.experience import recovery
from stakeholders.experience.models import ExperienceSettings, RecoveryAction, RecoveryCase
from stakeholders.experience.tasks import escalate_recovery_cases
from stakeholders.models import (
    ComplaintCategory,
    FeedbackMeasure,
    InteractionKind,
    Role,
    WorkingHours,
)
from stakeholders.tenancy.models import organization_scope
from tests.factories import (
    ContactFactory,
    FeedbackFactory,
    HolidayFactory,
    MembershipFactory,
    RecoveryCaseFactory,
    ServiceRequestFactory,
)

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
Status = RecoveryCase.Status
Kind = RecoveryAction.Kind


@pytest.fixture
def org(org_a, admin_a):
    with organization_scope(org_a):
        yield org_a


def member(org, role):
    return MembershipFactory(organization=org, role=role).user


def score(org, contact, measure, value, **fields):
    return services.feedback_record(
        organization=org, contact=contact, measure=measure, score=value, **fields
    )


def cases(org, **filters):
    return list(RecoveryCase.objects.filter(organization=org, **filters))


# --- Opening cases --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("measure", "value", "opens"),
    [
        (FeedbackMeasure.CSAT, 1, True),
        (FeedbackMeasure.CSAT, 2, True),
        (FeedbackMeasure.CSAT, 3, False),
        (FeedbackMeasure.CES, 5, True),
        (FeedbackMeasure.CES, 4, False),
        (FeedbackMeasure.NPS, 6, True),
        (FeedbackMeasure.NPS, 7, False),
    ],
)
def test_a_low_score_opens_a_case_by_the_default_thresholds(org, measure, value, opens):
    contact = ContactFactory(organization=org)
    feedback = score(org, contact, measure, value, comment="Nobody called back")
    found = cases(org, feedback=feedback)
    assert bool(found) is opens
    if opens:
        assert found[0].status == Status.OPEN and found[0].area == "general"
        assert "Nobody called back" in found[0].summary


def test_the_thresholds_are_the_organizations_own(org):
    ExperienceSettings.objects.create(organization=org, low_csat=3, high_ces=7, low_nps=4)
    contact = ContactFactory(organization=org)
    assert cases(org, feedback=score(org, contact, FeedbackMeasure.CSAT, 3))
    assert not cases(org, feedback=score(org, contact, FeedbackMeasure.CES, 6))
    assert not cases(org, feedback=score(org, contact, FeedbackMeasure.NPS, 5))


def test_a_second_low_score_about_the_same_thing_joins_the_open_case(org):
    contact = ContactFactory(organization=org)
    first = score(org, contact, FeedbackMeasure.CSAT, 1, related_kind="donors.gift", related_id=7)
    second = score(org, contact, FeedbackMeasure.CES, 7, related_kind="donors.gift", related_id=7)
    other = score(org, contact, FeedbackMeasure.CSAT, 1, related_kind="donors.gift", related_id=8)
    assert len(cases(org, contact=contact)) == 2
    case = cases(org, feedback=first)[0]
    assert not cases(org, feedback=second) and cases(org, feedback=other)
    notes = [a.note for a in RecoveryAction.objects.filter(organization=org, case=case)]
    assert len(notes) == 1 and notes[0].startswith("Another low score")
    # once per score: asking again returns the same case
    assert recovery.case_open_for_feedback(organization=org, feedback=first) == case


def test_a_complaint_logged_on_anyone_opens_a_case(org, admin_a):
    contact = ContactFactory(organization=org)
    interaction = services.interaction_log(
        organization=org,
        contact=contact,
        staff=admin_a,
        kind=InteractionKind.COMPLAINT,
        channel="phone",
        direction="inbound",
        subject="Receipt never arrived",
        occurred_at=timezone.now(),
        complaint_category=ComplaintCategory.objects.create(organization=org, name="Receipts"),
    )
    [case] = cases(org, interaction=interaction)
    assert case.summary == "Receipt never arrived" and case.owner == admin_a
    assert case.respond_by and case.resolve_by and case.respond_by < case.resolve_by
    assert recovery.case_open_for_complaint(organization=org, interaction=interaction) == case


def test_the_area_comes_from_the_app_behind_the_related_thing():
    assert recovery.area_for(related_kind="clients.request") == "client"
    assert recovery.area_for(related_kind="donors.gift") == "donor"
    assert recovery.area_for(related_kind="volunteers.shift") == "volunteer"
    assert recovery.area_for(related_kind="") == "general"
    assert recovery.area_for(related_kind="elsewhere.thing") == "general"


# --- Owners ---------------------------------------------------------------------------------------


def test_a_clients_case_belongs_to_the_caseworker_of_the_request(org):
    caseworker = member(org, Role.CASEWORKER)
    request = ServiceRequestFactory(contact__organization=org, assignee=caseworker)
    feedback = score(
        org,
        request.contact,
        FeedbackMeasure.CSAT,
        1,
        related_kind="clients.request",
        related_id=request.pk,
    )
    [case] = cases(org, feedback=feedback)
    assert case.area == "client" and case.owner == caseworker


def test_a_volunteers_case_belongs_to_the_coordinator(org):
    coordinator = member(org, Role.VOLUNTEER_COORDINATOR)
    contact = ContactFactory(organization=org)
    feedback = score(
        org, contact, FeedbackMeasure.CSAT, 1, related_kind="volunteers.shift", related_id=3
    )
    [case] = cases(org, feedback=feedback)
    assert case.area == "volunteer" and case.owner == coordinator


def test_a_donors_case_belongs_to_the_relationship_manager_else_an_admin(org, admin_a):
    fundraiser = member(org, Role.FUNDRAISER)
    caseworker = member(org, Role.CASEWORKER)
    managed = ContactFactory(organization=org, relationship_manager=fundraiser)
    elsewhere = ContactFactory(organization=org, relationship_manager=caseworker)
    kind = {"related_kind": "donors.gift", "related_id": 1}
    [case] = cases(org, feedback=score(org, managed, FeedbackMeasure.CSAT, 1, **kind))
    assert case.area == "donor" and case.owner == fundraiser
    # a caseworker may not see donor cases: the first admin owns it
    [case] = cases(org, feedback=score(org, elsewhere, FeedbackMeasure.CSAT, 1, **kind))
    assert case.owner == admin_a


# --- The clock and escalation ---------------------------------------------------------------------


def test_the_clock_counts_working_hours_and_skips_holidays(org):
    contact = ContactFactory(organization=org)
    friday = datetime(2026, 11, 27, 16, tzinfo=LONDON)
    feedback = FeedbackFactory(contact=contact, score=1, created_at=friday)
    case = recovery.case_open_for_feedback(organization=org, feedback=feedback)
    # 4 working hours from Friday 16:00 with 9–17: one on Friday, three on Monday
    assert case.respond_by == datetime(2026, 11, 30, 12, tzinfo=LONDON)
    # 24 working hours: Friday 1, Monday 8, Tuesday 8, Wednesday 7
    assert case.resolve_by == datetime(2026, 12, 2, 16, tzinfo=LONDON)

    HolidayFactory(organization=org, date=datetime(2026, 11, 30).date(), name="Closed")
    other = FeedbackFactory(contact=ContactFactory(organization=org), score=1, created_at=friday)
    case = recovery.case_open_for_feedback(organization=org, feedback=other)
    assert case.respond_by == datetime(2026, 12, 1, 12, tzinfo=LONDON)


def test_the_clock_follows_the_organizations_own_hours(org):
    for weekday in range(5):
        WorkingHours.objects.create(
            organization=org, weekday=weekday, opens=time(10), closes=time(14)
        )
    ExperienceSettings.objects.create(organization=org, recovery_respond_hours=2)
    monday = datetime(2026, 11, 23, 13, tzinfo=LONDON)
    feedback = FeedbackFactory(contact=ContactFactory(organization=org), score=1, created_at=monday)
    case = recovery.case_open_for_feedback(organization=org, feedback=feedback)
    assert case.respond_by == datetime(2026, 11, 24, 11, tzinfo=LONDON)


def test_an_overdue_case_is_escalated_once_under_a_doubled_beat(org, admin_a, mailbox):
    second_admin = member(org, Role.ADMIN)
    now = timezone.now()
    late = RecoveryCaseFactory(
        contact__organization=org,
        opened_at=now - timedelta(days=2),
        respond_by=now - timedelta(hours=1),
        resolve_by=now + timedelta(days=1),
    )
    acted = RecoveryCaseFactory(
        contact__organization=org,
        opened_at=now - timedelta(days=2),
        respond_by=now - timedelta(hours=1),
        resolve_by=now + timedelta(days=1),
        first_action_at=now - timedelta(hours=2),
    )
    past_resolve = RecoveryCaseFactory(
        contact__organization=org,
        respond_by=now - timedelta(days=1),
        resolve_by=now - timedelta(minutes=1),
        first_action_at=now - timedelta(days=2),
    )
    RecoveryCaseFactory(  # closed: its clock stopped
        contact__organization=org, status=Status.RESTORED, respond_by=now - timedelta(days=1)
    )
    escalate_recovery_cases()
    escalate_recovery_cases()  # the doubled beat
    assert recovery.cases_escalate(organization=org) == 0
    escalated = set(
        RecoveryCase.objects.filter(organization=org, escalated_at__isnull=False).values_list(
            "pk", flat=True
        )
    )
    assert escalated == {late.pk, past_resolve.pk} and acted.pk not in escalated
    actions = RecoveryAction.objects.filter(organization=org, kind=Kind.ESCALATED)
    assert sorted(a.case_id for a in actions) == sorted([late.pk, past_resolve.pk])
    # two cases, two admins: one email each, with a link and no details about the person
    assert len(mailbox.messages) == 4
    assert {r for m in mailbox.messages for r in m.recipients} == {
        admin_a.email,
        second_admin.email,
    }
    body = mailbox.text(mailbox.to(admin_a.email)[0])
    assert f"/o/{org.slug}/experience/recovery/" in body
    assert late.contact.name not in body and past_resolve.contact.name not in body


def test_escalation_goes_to_the_chosen_member(org, admin_a, mailbox):
    lead = member(org, Role.CASEWORKER)
    ExperienceSettings.objects.create(organization=org, escalate_to=lead)
    now = timezone.now()
    RecoveryCaseFactory(contact__organization=org, respond_by=now - timedelta(hours=1))
    assert recovery.cases_escalate(organization=org) == 1
    assert [m.recipients for m in mailbox.messages] == [[lead.email]]


# --- Working a case -------------------------------------------------------------------------------


def test_a_note_starts_the_work_and_a_blank_one_is_refused(org, admin_a):
    case = RecoveryCaseFactory(contact__organization=org)
    with pytest.raises(ValidationError) as error:
        recovery.case_add_note(organization=org, case=case, actor=admin_a, note="  ")
    assert "note" in error.value.message_dict
    recovery.case_add_note(organization=org, case=case, actor=admin_a, note="Called, apologised")
    case.refresh_from_db()
    assert case.first_action_at is not None


def test_reassign_only_to_a_member_who_may_see_the_area(org, admin_a):
    fundraiser = member(org, Role.FUNDRAISER)
    caseworker = member(org, Role.CASEWORKER)
    case = RecoveryCaseFactory(contact__organization=org, area="client", owner=admin_a)
    with pytest.raises(ValidationError) as error:
        recovery.case_reassign(organization=org, case=case, owner=fundraiser, actor=admin_a)
    assert "owner" in error.value.message_dict
    recovery.case_reassign(organization=org, case=case, owner=caseworker, actor=admin_a)
    case.refresh_from_db()
    assert case.owner == caseworker
    assert RecoveryAction.objects.get(organization=org, case=case).kind == Kind.REASSIGNED


def test_closing_by_hand_needs_a_note(org, admin_a):
    case = RecoveryCaseFactory(contact__organization=org)
    with pytest.raises(ValidationError) as error:
        recovery.case_close(organization=org, case=case, actor=admin_a, note="")
    assert "note" in error.value.message_dict
    recovery.case_close(organization=org, case=case, actor=admin_a, note="Refund sent")
    case.refresh_from_db()
    assert case.status == Status.CLOSED and case.closed_at is not None
    with pytest.raises(ValidationError):
        recovery.case_add_note(organization=org, case=case, actor=admin_a, note="More")


# --- "Is this put right?" -------------------------------------------------------------------------


def _ask(client, org, admin, case):
    client.force_login(admin)
    url = f"/o/{org.slug}/experience/recovery/{case.pk}/"
    return client.post(url, {"action": "ask"})


def test_the_person_says_it_is_put_right(client, org, admin_a, mailbox):
    case = RecoveryCaseFactory(contact__organization=org, owner=admin_a)
    response = _ask(client, org, admin_a, case)
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == Status.ASKED and case.asked_at and case.first_action_at
    [email] = mailbox.to(case.contact.email)
    [link] = [u for u in mailbox.links(email) if "/experience/put-right/" in u]
    path = link.split("://", 1)[1].split("/", 1)[1]
    client.logout()
    page = client.get(f"/{path}")
    assert page.status_code == 200 and 'name="restored"' in page.content.decode()
    assert page["Referrer-Policy"] == "same-origin"
    case.refresh_from_db()
    assert case.status == Status.ASKED  # opening the link (a mail scanner) answers nothing
    bad = client.post(f"/{path}", {"comment": "?"})
    assert bad.status_code == 400 and "field__errors" in bad.content.decode()
    done = client.post(f"/{path}", {"restored": "yes", "comment": "Thank you"})
    assert done.status_code == 200
    case.refresh_from_db()
    assert case.status == Status.RESTORED and case.closed_at is not None
    answer = RecoveryAction.objects.get(organization=org, case=case, kind=Kind.ANSWER)
    assert answer.note == "Thank you" and answer.actor is None
    # a second click changes nothing
    again = client.post(f"/{path}", {"restored": "no"})
    assert again.status_code == 200
    case.refresh_from_db()
    assert case.status == Status.RESTORED


def test_not_put_right_keeps_the_case_in_view_and_tells_the_owner(client, org, admin_a, mailbox):
    owner = member(org, Role.FUNDRAISER)
    case = RecoveryCaseFactory(contact__organization=org, owner=owner)
    recovery.case_ask(organization=org, case=case, actor=admin_a)
    token = recovery.answer_token(organization=org, case=case)
    response = client.post(
        f"/o/{org.slug}/experience/put-right/{token}/", {"restored": "no", "comment": "Still no"}
    )
    assert response.status_code == 200
    case.refresh_from_db()
    assert case.status == Status.NOT_RESTORED
    [note] = mailbox.to(owner.email)
    assert f"/experience/recovery/{case.pk}/" in mailbox.text(note)
    assert case.contact.name not in mailbox.text(note)
    # still on the owner's list: the answer closed the question, not the problem
    count, urgent = recovery.my_open_cases(organization=org, role=Role.FUNDRAISER, user=owner)
    assert count == 1 and urgent == [case]


def test_do_not_contact_is_not_asked_and_the_case_closes_by_hand(client, org, admin_a, mailbox):
    case = RecoveryCaseFactory(contact__organization=org, contact__do_not_contact=True)
    response = _ask(client, org, admin_a, case)
    assert response.status_code == 400
    assert "Not asked: do not contact" in response.content.decode()
    case.refresh_from_db()
    assert case.status == Status.OPEN and mailbox.messages == []
    page = client.get(f"/o/{org.slug}/experience/recovery/{case.pk}/").content.decode()
    assert "Not asked: do not contact" in page
    url = f"/o/{org.slug}/experience/recovery/{case.pk}/"
    bad = client.post(url, {"action": "close", "close-note": ""})
    assert bad.status_code == 400 and "field__errors" in bad.content.decode()
    assert client.post(url, {"action": "close", "close-note": "Called: sorted"}).status_code == 302
    case.refresh_from_db()
    assert case.status == Status.CLOSED


def test_a_link_of_another_organization_or_tampered_with_opens_nothing(client, org, org_b):
    case = RecoveryCaseFactory(contact__organization=org, status=Status.ASKED)
    token = recovery.answer_token(organization=org, case=case)
    assert client.get(f"/o/{org_b.slug}/experience/put-right/{token}/").status_code == 400
    assert client.get(f"/o/{org.slug}/experience/put-right/{token}x/").status_code == 400


# --- Pages ----------------------------------------------------------------------------------------


def test_the_list_shows_open_cases_first_with_the_clock(client, org, admin_a):
    for weekday in range(7):  # open around the clock: the test reads the same any day
        WorkingHours.objects.create(
            organization=org, weekday=weekday, opens=time(0), closes=time(0)
        )
    now = timezone.now()
    RecoveryCaseFactory(contact__organization=org, summary="Done already", status=Status.CLOSED)
    RecoveryCaseFactory(
        contact__organization=org, summary="Late reply", respond_by=now - timedelta(hours=30)
    )
    RecoveryCaseFactory(
        contact__organization=org,
        summary="Wrong receipt",
        respond_by=now + timedelta(days=3),
        owner=admin_a,
    )
    client.force_login(admin_a)
    page = client.get(f"/o/{org.slug}/experience/recovery/").content.decode()
    assert page.index("Late reply") < page.index("Wrong receipt")
    assert "Done already" not in page  # "needs attention" by default
    assert "Overdue by 1 day 6 hours of working time" in page
    assert "Due in " in page
    everything = client.get(f"/o/{org.slug}/experience/recovery/?status=any").content.decode()
    assert everything.index("Wrong receipt") < everything.index("Done already")
    mine = client.get(f"/o/{org.slug}/experience/recovery/?show=mine").content.decode()
    assert "Wrong receipt" in mine and "Late reply" not in mine


def test_the_detail_page_shows_the_history_and_works_the_case(client, org, admin_a):
    case = RecoveryCaseFactory(contact__organization=org, summary="Parcel was short")
    client.force_login(admin_a)
    url = f"/o/{org.slug}/experience/recovery/{case.pk}/"
    page = client.get(url)
    assert page.status_code == 200 and "Parcel was short" in page.content.decode()
    assert (
        client.post(url, {"action": "note", "note-note": "Delivered the rest"}).status_code == 302
    )
    page = client.get(url).content.decode()
    assert "Delivered the rest" in page
    bad = client.post(url, {"action": "note", "note-note": ""})
    assert bad.status_code == 400 and "field__errors" in bad.content.decode()


def test_the_dashboard_card_lists_my_open_cases(client, org, admin_a):
    RecoveryCaseFactory(contact__organization=org, owner=admin_a, contact__first_name="Amina")
    client.force_login(admin_a)
    page = client.get(f"/o/{org.slug}/").content.decode()
    assert "Your open recovery cases" in page and "Amina" in page


# --- Role walls -----------------------------------------------------------------------------------


@pytest.fixture
def walls(org):
    client_case = RecoveryCaseFactory(
        contact__organization=org, area="client", summary="Food parcel missing"
    )
    donor_case = RecoveryCaseFactory(
        contact__organization=org, area="donor", summary="Receipt has the wrong amount"
    )
    return client_case, donor_case


@pytest.mark.parametrize(
    ("role", "sees_client", "sees_donor"),
    [
        (Role.FUNDRAISER, False, True),
        (Role.CASEWORKER, True, False),
        (Role.ADMIN, True, True),
    ],
)
def test_role_walls_on_pages_api_and_contact_panel(
    client, org, walls, role, sees_client, sees_donor
):
    client_case, donor_case = walls
    client.force_login(member(org, role))
    listing = client.get(f"/o/{org.slug}/experience/recovery/?status=any").content.decode()
    api = client.get(f"/api/v1/o/{org.slug}/recovery-cases/").json()["results"]
    for case, sees in ((client_case, sees_client), (donor_case, sees_donor)):
        assert (case.summary in listing) is sees
        assert (case.pk in [row["id"] for row in api]) is sees
        detail = client.get(f"/o/{org.slug}/experience/recovery/{case.pk}/")
        assert detail.status_code == (200 if sees else 404)
        retrieve = client.get(f"/api/v1/o/{org.slug}/recovery-cases/{case.pk}/")
        assert retrieve.status_code == (200 if sees else 404)
        note = client.post(
            f"/api/v1/o/{org.slug}/recovery-cases/{case.pk}/note/",
            {"note": "x"},
            content_type="application/json",
        )
        assert note.status_code == (200 if sees else 404)
        person = client.get(f"/o/{org.slug}/contacts/{case.contact_id}/").content.decode()
        assert (case.summary in person) is sees


def test_a_viewer_sees_no_case(client, org, walls):
    client.force_login(member(org, Role.VIEWER))
    assert client.get(f"/o/{org.slug}/experience/recovery/").status_code == 403
    assert client.get(f"/api/v1/o/{org.slug}/recovery-cases/").status_code == 404


# --- API ------------------------------------------------------------------------------------------


def test_the_api_lists_in_constant_queries(client, org, admin_a, django_assert_num_queries):
    RecoveryCaseFactory.create_batch(12, contact__organization=org, owner=admin_a)
    client.force_login(admin_a)
    url = f"/api/v1/o/{org.slug}/recovery-cases/"
    client.get(url)
    # its user, the membership, the page (the session and the organization are cached)
    with django_assert_num_queries(3):
        small = client.get(f"{url}?page_size=2")
    with django_assert_num_queries(3):
        big = client.get(f"{url}?page_size=20")
    assert len(small.json()["results"]) == 2 and len(big.json()["results"]) == 12
    assert {"id", "contact_name", "area", "status", "next_due"} <= set(big.json()["results"][0])


def test_the_api_works_a_case_with_field_errors(client, org, admin_a, mailbox):
    fundraiser = member(org, Role.FUNDRAISER)
    caseworker = member(org, Role.CASEWORKER)
    case = RecoveryCaseFactory(contact__organization=org, area="donor", owner=admin_a)
    client.force_login(admin_a)
    base = f"/api/v1/o/{org.slug}/recovery-cases/{case.pk}"

    def post(action, data=None):
        return client.post(f"{base}/{action}/", data or {}, content_type="application/json")

    assert post("note").json() == {"note": ["This field is required."]}
    body = post("note", {"note": "Phoned them"}).json()
    assert body["first_action_at"] and body["actions"][0]["note"] == "Phoned them"
    refused = post("reassign", {"owner": caseworker.pk})
    assert refused.status_code == 400 and "owner" in refused.json()
    assert post("reassign", {"owner": fundraiser.pk}).json()["owner"] == fundraiser.pk
    assert post("ask").json()["status"] == "asked"
    assert len(mailbox.to(case.contact.email)) == 1
    assert post("close").json() == {"note": ["This field is required."]}
    assert post("close", {"note": "Sorted by phone"}).json()["status"] == "closed"
    assert post("note", {"note": "late"}).status_code == 400


def test_the_api_says_why_a_person_is_not_asked(client, org, admin_a):
    case = RecoveryCaseFactory(contact__organization=org, contact__do_not_contact=True)
    client.force_login(admin_a)
    response = client.post(f"/api/v1/o/{org.slug}/recovery-cases/{case.pk}/ask/")
    assert response.status_code == 400
    assert response.json()["reason"] == "do not contact"
