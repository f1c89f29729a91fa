"""Surveys at touchpoints: occurrences per touchpoint, scheduling and sending exactly once (a
doubled beat, two workers, a killed worker), the survey cap across touchpoints, consent and
do-not-contact, the answer page, the staff pages and API, and the role walls."""

import re
from datetime import timedelta
from urllib.parse import urlparse

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from clients.models import ProgrammeCompletion, Status
from donors.models import UpdateDelivery
from stakeholders.experience import surveys
from stakeholders.experience.registry import touchpoints
from stakeholders.experience.tasks import send_due_surveys
from stakeholders.models import (
    ComplaintCategory,
    ConsentPurpose,
    ContactEvent,
    ExperienceSettings,
    Feedback,
    Interaction,
    InteractionKind,
    Role,
    SurveyInvitation,
    SurveyRule,
)
from stakeholders.tenancy.models import organization_scope
from tests.concurrency import at_once
from tests.factories import (
    AcknowledgmentFactory,
    ApiTokenFactory,
    AssignmentFactory,
    ConsentFactory,
    ContactFactory,
    DonorUpdateFactory,
    InteractionFactory,
    MembershipFactory,
    ProgrammeFactory,
    ServiceRequestFactory,
    ShiftFactory,
    SurveyInvitationFactory,
    SurveyRuleFactory,
)

pytestmark = pytest.mark.django_db

Sent, Skipped, Pending = (
    SurveyInvitation.Status.SENT,
    SurveyInvitation.Status.SKIPPED,
    SurveyInvitation.Status.PENDING,
)


def staff(org, role=Role.ADMIN):
    return MembershipFactory(organization=org, role=role).user


def call(contact, *, hours_ago=2, channel="phone", **fields):
    """A conversation a member of staff logged."""
    fields.setdefault("staff", staff(contact.organization))
    fields.setdefault("kind", InteractionKind.CONVERSATION)
    return InteractionFactory(
        contact=contact,
        channel=channel,
        occurred_at=timezone.now() - timedelta(hours=hours_ago),
        **fields,
    )


def interaction_rule(org, **fields):
    fields.setdefault("interaction_channel", "")
    fields.setdefault("delay_hours", 1)
    return SurveyRuleFactory(organization=org, **fields)


def schedule(org, **kwargs):
    with organization_scope(org):
        return surveys.surveys_schedule(organization=org, **kwargs)


def send(org, **kwargs):
    with organization_scope(org):
        return surveys.surveys_send_due(organization=org, **kwargs)


def invitations(org, **filters):
    with organization_scope(org):
        return list(SurveyInvitation.objects.filter(**filters).order_by("pk"))


# --- Touchpoints ----------------------------------------------------------------------------------


def occurrences(org, key, since=None, until=None, rule=None):
    now = timezone.now()
    with organization_scope(org):
        found = touchpoints.get(key).occurrences(
            org, since or now - timedelta(days=30), until or now, rule
        )
    return sorted((o.contact_id, o.related_kind, o.related_id) for o in found)


def test_every_touchpoint_is_registered_with_its_area():
    areas = {t.key: t.area for t in touchpoints}
    assert areas == {
        "stakeholders.interaction": "general",
        "donors.first_thanked": "donor",
        "donors.update": "donor",
        "volunteers.shift_completed": "volunteer",
        "volunteers.first_month": "volunteer",
        "clients.request_resolved": "client",
        "clients.programme_completed": "client",
    }


def test_interactions_are_staff_logged_conversations_on_the_rule_channel(org_a):
    person = ContactFactory(organization=org_a)
    phone = call(person, channel="phone")
    email = call(person, channel="email")
    call(person, staff=None)  # logged by Steward itself (a survey sent, a reply)
    call(person, is_bulk_message=True)
    call(person, related_kind="clients.request", related_id=1)  # casework
    with organization_scope(org_a):
        complaint = ComplaintCategory.objects.create(organization=org_a, name="Late")
    call(person, kind=InteractionKind.COMPLAINT, complaint_category=complaint)
    call(person, hours_ago=24 * 40)  # before the window
    key = "stakeholders.interaction"
    any_channel = interaction_rule(org_a)
    assert occurrences(org_a, key, rule=any_channel) == [
        (person.pk, "stakeholders.interaction", phone.pk),
        (person.pk, "stakeholders.interaction", email.pk),
    ]
    on_phone = interaction_rule(org_a, interaction_channel="phone")
    assert occurrences(org_a, key, rule=on_phone) == [
        (person.pk, "stakeholders.interaction", phone.pk)
    ]


def test_a_donor_is_asked_about_their_first_thank_you_only(org_a):
    donor = ContactFactory(organization=org_a)
    now = timezone.now()
    old = AcknowledgmentFactory(contact=donor, state="sent", sent_at=now - timedelta(days=60))
    AcknowledgmentFactory(contact=donor, state="sent", sent_at=now - timedelta(days=1))
    newcomer = ContactFactory(organization=org_a)
    first = AcknowledgmentFactory(contact=newcomer, state="sent", sent_at=now - timedelta(days=2))
    AcknowledgmentFactory(contact=newcomer, state="sent", sent_at=now - timedelta(hours=5))
    AcknowledgmentFactory(contact=ContactFactory(organization=org_a), state="pending")
    assert occurrences(org_a, "donors.first_thanked") == [
        (newcomer.pk, "donors.gift", first.target_id)
    ]
    # the long-standing donor's first thank-you is long past
    since = now - timedelta(days=90)
    found = occurrences(org_a, "donors.first_thanked", since=since)
    assert (donor.pk, "donors.gift", old.target_id) in found and len(found) == 2


def test_a_donor_update_delivered(org_a):
    update = DonorUpdateFactory(organization=org_a)
    donor, skipped = ContactFactory(organization=org_a), ContactFactory(organization=org_a)
    with organization_scope(org_a):
        UpdateDelivery.objects.create(
            organization=org_a,
            update=update,
            contact=donor,
            status=UpdateDelivery.Status.SENT,
            sent_at=timezone.now() - timedelta(hours=3),
        )
        UpdateDelivery.objects.create(
            organization=org_a, update=update, contact=skipped, status="skipped"
        )
    assert occurrences(org_a, "donors.update") == [(donor.pk, "donors.update", update.pk)]


def test_volunteers_completed_shifts_and_first_month(org_a):
    now = timezone.now()
    ended = now - timedelta(days=40)
    first = AssignmentFactory(
        shift=ShiftFactory(
            opportunity__organization=org_a,
            starts_at=ended - timedelta(hours=3),
            ends_at=ended,
        ),
        status="attended",
    )
    profile = first.profile
    recent = AssignmentFactory(
        shift=ShiftFactory(
            opportunity__organization=org_a,
            starts_at=now - timedelta(hours=6),
            ends_at=now - timedelta(hours=3),
        ),
        profile=profile,
        status="attended",
    )
    AssignmentFactory(  # did not come
        shift=ShiftFactory(
            opportunity__organization=org_a,
            starts_at=now - timedelta(hours=6),
            ends_at=now - timedelta(hours=3),
        ),
        status="no_show",
    )
    contact_id = profile.contact_id
    assert occurrences(org_a, "volunteers.shift_completed") == [
        (contact_id, "volunteers.shift", recent.shift_id)
    ]
    # 30 days after the first shift (40 days ago) was 10 days ago: once, for the first only
    assert occurrences(org_a, "volunteers.first_month") == [
        (contact_id, "volunteers.profile", profile.pk)
    ]
    week = now - timedelta(days=7)
    assert occurrences(org_a, "volunteers.first_month", since=week) == []


def test_clients_resolved_requests_and_completed_programmes(org_a):
    now = timezone.now()
    resolved = ServiceRequestFactory(
        contact__organization=org_a,
        status=Status.RESOLVED,
        resolved_at=now - timedelta(hours=2),
        confirmed_at=now - timedelta(days=2),
    )
    ServiceRequestFactory(  # from the public form, never confirmed by the address's owner
        contact__organization=org_a, status=Status.RESOLVED, resolved_at=now, confirmed_at=None
    )
    ServiceRequestFactory(contact__organization=org_a, status=Status.OPEN)
    assert occurrences(org_a, "clients.request_resolved") == [
        (resolved.contact_id, "clients.request", resolved.pk)
    ]
    client = ContactFactory(organization=org_a)
    with organization_scope(org_a):
        completion = ProgrammeCompletion.objects.create(
            organization=org_a,
            contact=client,
            programme=ProgrammeFactory(organization=org_a),
            completed_on=timezone.localdate(),
        )
    assert occurrences(org_a, "clients.programme_completed") == [
        (client.pk, "clients.programme_completion", completion.pk)
    ]


# --- Scheduling -----------------------------------------------------------------------------------


def test_schedule_makes_one_invitation_per_touchpoint_even_when_run_twice(org_a):
    person = ContactFactory(organization=org_a)
    interaction = call(person, hours_ago=3)
    rule = interaction_rule(org_a, delay_hours=2)
    schedule(org_a)
    schedule(org_a)  # the beat doubled
    [invitation] = invitations(org_a)
    assert (invitation.rule_id, invitation.contact_id, invitation.related_id) == (
        rule.pk,
        person.pk,
        interaction.pk,
    )
    assert invitation.due_at == interaction.occurred_at + timedelta(hours=2)
    assert invitation.status == Pending


def test_switching_a_rule_on_does_not_survey_the_past(org_a, admin_a):
    person = ContactFactory(organization=org_a)
    call(person, hours_ago=5)
    with organization_scope(org_a):
        rule = surveys.rule_save(
            organization=org_a,
            role=Role.ADMIN,
            name="After a call",
            touchpoint="stakeholders.interaction",
            delay_hours=0,
            ask_csat=True,
        )
    schedule(org_a)
    assert invitations(org_a) == []
    later = call(person, hours_ago=0)
    schedule(org_a)
    assert [i.related_id for i in invitations(org_a)] == [later.pk]
    # off, a call, on again: what happened while it was off is not asked about either
    with organization_scope(org_a):
        surveys.rule_save(organization=org_a, role=Role.ADMIN, rule=rule, is_active=False)
    while_off = call(person, hours_ago=0)
    schedule(org_a)
    with organization_scope(org_a):
        surveys.rule_save(organization=org_a, role=Role.ADMIN, rule=rule, is_active=True)
    schedule(org_a)
    assert while_off.pk not in [i.related_id for i in invitations(org_a)]


# --- Sending exactly once -------------------------------------------------------------------------


def test_a_doubled_beat_sends_each_survey_once(org_a, mailbox):
    person = ContactFactory(organization=org_a, email="ana@example.org")
    call(person, hours_ago=3)
    interaction_rule(org_a, name="After a call")
    assert send_due_surveys.apply().get() == 1  # eager: the organization's task runs inline
    send_due_surveys.apply().get()
    assert len(mailbox.to("ana@example.org")) == 1
    [invitation] = invitations(org_a)
    assert invitation.status == Sent and invitation.sent_at is not None
    # the survey is on the person's timeline, as an email Steward sent
    with organization_scope(org_a):
        logged = Interaction.objects.get(contact=person, staff=None)
    assert logged.subject == "Survey sent: After a call"
    assert logged.channel == "email" and not logged.is_bulk_message


@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_send_each_survey_once(org_a, mailbox):
    people = [ContactFactory(organization=org_a) for _i in range(6)]
    rule = interaction_rule(org_a)
    due = timezone.now() - timedelta(minutes=1)
    for person in people:
        SurveyInvitationFactory(rule=rule, contact=person, status=Pending, sent_at=None, due_at=due)

    def worker(barrier):
        barrier.wait()
        send(org_a)

    at_once(worker)
    for person in people:
        assert len(mailbox.to(person.email)) == 1
    assert {i.status for i in invitations(org_a)} == {Sent}


@pytest.mark.django_db(transaction=True)
def test_two_workers_never_send_one_person_two_surveys(org_a, mailbox):
    """Two invitations of one person, each claimed by another worker at the same moment: the
    lock on the person makes the second see the first, and the cap holds."""
    person = ContactFactory(organization=org_a)
    due = timezone.now() - timedelta(minutes=1)
    for channel in ("phone", "email"):
        SurveyInvitationFactory(
            rule=interaction_rule(org_a, interaction_channel=channel),
            contact=person,
            status=Pending,
            sent_at=None,
            due_at=due,
        )

    def worker(barrier):
        with organization_scope(org_a):
            [pk] = surveys.surveys_claim(organization=org_a, size=1)
        barrier.wait()
        with organization_scope(org_a):
            surveys.invitation_send(organization=org_a, invitation_id=pk)

    at_once(worker)
    assert len(mailbox.to(person.email)) == 1
    assert sorted(i.status for i in invitations(org_a)) == [Sent, Skipped]


def test_a_worker_killed_after_claiming_leaves_rows_that_fail_and_never_resend(org_a, mailbox):
    rule = interaction_rule(org_a)
    now = timezone.now()
    stuck = SurveyInvitationFactory(
        rule=rule,
        status=SurveyInvitation.Status.SENDING,
        sent_at=None,
        claimed_at=now - timedelta(minutes=20),
    )
    just_claimed = SurveyInvitationFactory(
        rule=rule,
        status=SurveyInvitation.Status.SENDING,
        sent_at=None,
        claimed_at=now - timedelta(minutes=2),
    )
    counts = send(org_a)
    assert counts["failed"] == 1 and counts["sent"] == 0
    stuck.refresh_from_db()
    just_claimed.refresh_from_db()
    assert (stuck.status, stuck.reason) == (SurveyInvitation.Status.FAILED, surveys.INTERRUPTED)
    assert just_claimed.status == SurveyInvitation.Status.SENDING  # its worker may be alive
    send(org_a, now=now + timedelta(minutes=30))
    assert mailbox.messages == []  # neither is ever sent again
    assert {i.status for i in invitations(org_a)} == {SurveyInvitation.Status.FAILED}


def test_the_cap_holds_across_touchpoints(org_a, mailbox):
    """A call and a donor update for one person, two rules, due in the same run: one email."""
    person = ContactFactory(organization=org_a)
    call(person, hours_ago=3)
    update = DonorUpdateFactory(organization=org_a)
    with organization_scope(org_a):
        UpdateDelivery.objects.create(
            organization=org_a,
            update=update,
            contact=person,
            status=UpdateDelivery.Status.SENT,
            sent_at=timezone.now() - timedelta(hours=3),
        )
    interaction_rule(org_a)
    SurveyRuleFactory(organization=org_a, touchpoint="donors.update", delay_hours=1)
    schedule(org_a)
    counts = send(org_a)
    assert counts == {"sent": 1, "skipped": 1, "failed": 0}
    assert len(mailbox.to(person.email)) == 1
    assert sorted((i.status, i.reason) for i in invitations(org_a)) == [
        (Sent, ""),
        (Skipped, surveys.CAPPED),
    ]


def test_the_cap_counts_days_from_the_last_survey_sent(org_a, mailbox):
    person = ContactFactory(organization=org_a)
    rule = interaction_rule(org_a)
    SurveyInvitationFactory(rule=rule, contact=person, sent_at=timezone.now() - timedelta(days=10))
    due = SurveyInvitationFactory(
        rule=interaction_rule(org_a, interaction_channel="email"),
        contact=person,
        status=Pending,
        sent_at=None,
    )
    send(org_a)
    due.refresh_from_db()
    assert (due.status, due.reason) == (Skipped, surveys.CAPPED)
    with organization_scope(org_a):
        ExperienceSettings.objects.update_or_create(
            organization=org_a, defaults={"survey_cap_days": 7}
        )
    again = SurveyInvitationFactory(
        rule=interaction_rule(org_a, interaction_channel="sms"),
        contact=person,
        status=Pending,
        sent_at=None,
    )
    send(org_a)
    again.refresh_from_db()
    assert again.status == Sent and len(mailbox.to(person.email)) == 1


@pytest.mark.parametrize(
    "setup,reason",
    [
        ("consent_no", "no consent"),
        ("do_not_contact", "do not contact"),
        ("no_email", "no address"),
        ("deceased", "deceased"),
    ],
)
def test_consent_no_and_do_not_contact_are_honoured(org_a, mailbox, setup, reason):
    person = ContactFactory(organization=org_a)
    if setup == "consent_no":
        ConsentFactory(contact=person, purpose=ConsentPurpose.SURVEYS, granted=False)
    else:
        field, value = {
            "do_not_contact": ("do_not_contact", True),
            "no_email": ("email", ""),
            "deceased": ("deceased", True),
        }[setup]
        setattr(person, field, value)
        with organization_scope(org_a):
            person.save()
    call(person, hours_ago=3)
    interaction_rule(org_a, name="After a call")
    schedule(org_a)
    send(org_a)
    assert mailbox.messages == []
    [invitation] = invitations(org_a)
    assert (invitation.status, invitation.reason) == (Skipped, reason)
    with organization_scope(org_a):  # staff see on the timeline that it did not go, and why
        event = ContactEvent.objects.get(contact=person, kind=ContactEvent.Kind.NOT_SENT)
    assert event.summary.startswith("Survey “After a call”: not sent")


def test_silence_is_consent_for_surveys_but_a_yes_after_a_no_counts(org_a, mailbox):
    person = ContactFactory(organization=org_a)
    ConsentFactory(contact=person, purpose=ConsentPurpose.SURVEYS, granted=False)
    ConsentFactory(contact=person, purpose=ConsentPurpose.SURVEYS, granted=True)
    call(person, hours_ago=3)
    interaction_rule(org_a)
    schedule(org_a)
    send(org_a)
    assert len(mailbox.to(person.email)) == 1


def test_a_rule_switched_off_before_sending_sends_nothing(org_a, mailbox):
    person = ContactFactory(organization=org_a)
    call(person, hours_ago=3)
    rule = interaction_rule(org_a)
    schedule(org_a)
    with organization_scope(org_a):
        SurveyRule.objects.filter(pk=rule.pk).update(is_active=False)
    send(org_a)
    assert mailbox.messages == []
    [invitation] = invitations(org_a)
    assert (invitation.status, invitation.reason) == (Skipped, surveys.RULE_OFF)


def test_a_client_survey_not_sent_leaves_no_trace_every_role_reads(org_a, mailbox):
    request = ServiceRequestFactory(
        contact__organization=org_a,
        contact__do_not_contact=True,
        status=Status.RESOLVED,
        resolved_at=timezone.now() - timedelta(hours=3),
        confirmed_at=timezone.now() - timedelta(days=1),
    )
    SurveyRuleFactory(organization=org_a, touchpoint="clients.request_resolved", delay_hours=1)
    schedule(org_a)
    send(org_a)
    [invitation] = invitations(org_a)
    assert invitation.status == Skipped
    with organization_scope(org_a):
        assert not ContactEvent.objects.filter(contact_id=request.contact_id).exists()


# --- The email and the answer page ----------------------------------------------------------------


def sent_survey(org, mailbox, *, rule=None, **contact_fields):
    person = ContactFactory(organization=org, **contact_fields)
    call(person, hours_ago=3)
    rule = rule or interaction_rule(org, ask_nps=True)
    schedule(org)
    send(org)
    [message] = mailbox.to(person.email)
    [invitation] = invitations(org, contact=person)
    return person, message, invitation


def score_link(mailbox, message, score):
    links = mailbox.links(message)
    for line in mailbox.text(message).splitlines():
        if line.startswith(f"{score}") and "http" in line:
            return urlparse(line.rsplit(" ", 1)[-1]).path
    raise AssertionError(links)


def test_the_email_asks_the_first_question_with_a_link_per_score(org_a, mailbox):
    _person, message, _invitation = sent_survey(org_a, mailbox, first_name="Ana")
    text = mailbox.text(message)
    assert "Dear Ana," in text
    assert "How satisfied are you with our conversation on" in text
    assert message["From"].startswith(org_a.name)
    paths = {urlparse(link).path for link in mailbox.links(message)}
    assert len([p for p in paths if "/experience/survey/" in p]) == 5  # CSAT 1–5
    html = message.get_body(preferencelist=("html",)).get_content()
    assert html.count("/experience/survey/") == 5


def test_the_email_is_in_the_persons_language(org_a, mailbox):
    _person, message, _invitation = sent_survey(
        org_a, mailbox, preferred_language="fr", first_name="Léa"
    )
    html = message.get_body(preferencelist=("html",)).get_content()
    assert 'lang="fr"' in html


def test_opening_a_score_link_writes_nothing_and_shows_the_score_chosen(client, org_a, mailbox):
    _person, message, invitation = sent_survey(org_a, mailbox)
    response = client.get(score_link(mailbox, message, 2))
    assert response.status_code == 200
    body = response.content.decode()
    assert re.search(r'value="2"[^>]*checked', body)
    assert "recommend us to a friend" in body and "anything you&#x27;d like to tell us" in body
    invitation.refresh_from_db()
    assert invitation.answered_at is None
    with organization_scope(org_a):
        assert not Feedback.objects.exists()


def test_sending_the_form_records_every_answer_and_a_second_answer_replaces_it(
    client, org_a, mailbox
):
    _person, message, invitation = sent_survey(org_a, mailbox)
    url = score_link(mailbox, message, 4)
    response = client.post(url, {"csat": "4", "nps": "9", "comment": "Kind and quick."})
    assert response.status_code == 200 and b"Thank you" in response.content
    invitation.refresh_from_db()
    assert invitation.answered_at is not None
    with organization_scope(org_a):
        answers = {
            f.measure: (f.score, f.comment, f.related_kind, f.related_id, f.by_contact)
            for f in Feedback.objects.filter(invitation=invitation)
        }
    kind, related = "stakeholders.interaction", invitation.related_id
    assert answers == {
        "csat": (4, "Kind and quick.", kind, related, True),
        "nps": (9, "", kind, related, True),
    }
    client.post(url, {"csat": "5", "comment": ""})
    with organization_scope(org_a):
        assert list(
            Feedback.objects.filter(invitation=invitation).values_list("measure", "score")
        ) == [("csat", 5)]


def test_bad_answers_get_errors_next_to_the_field(client, org_a, mailbox):
    _person, message, _invitation = sent_survey(org_a, mailbox)
    url = score_link(mailbox, message, 4)
    response = client.post(url, {"csat": "", "nps": "11"})
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="id_csat_error"' in body and "Choose a score." in body
    assert 'id="id_nps_error"' in body
    with organization_scope(org_a):
        assert not Feedback.objects.exists()


@pytest.mark.parametrize("token", ["nonsense", "eyJpIjo1fQ:1abc:xyz"])
def test_an_invalid_link_gets_a_friendly_page(client, org_a, token):
    response = client.get(f"/o/riverside/experience/survey/{token}/")
    assert response.status_code == 400
    assert b"This link does not work any more" in response.content


def test_a_link_of_another_organization_opens_nothing(client, org_a, org_b, mailbox):
    _person, message, _invitation = sent_survey(org_a, mailbox)
    path = score_link(mailbox, message, 3).replace("/o/riverside/", "/o/hope/")
    assert client.get(path).status_code == 400
    assert client.post(path, {"csat": "3"}).status_code == 400


def test_the_page_speaks_the_persons_language_and_direction(client, org_a, mailbox):
    _person, message, _invitation = sent_survey(org_a, mailbox, preferred_language="fa")
    body = client.get(score_link(mailbox, message, 3)).content.decode()
    assert '<html lang="fa" dir="rtl">' in body


# --- Staff pages ----------------------------------------------------------------------------------


def client_rule_with_answer(org):
    rule = SurveyRuleFactory(
        organization=org, name="After help", touchpoint="clients.request_resolved"
    )
    invitation = SurveyInvitationFactory(
        rule=rule, related_kind="clients.request", answered_at=timezone.now()
    )
    with organization_scope(org):
        surveys.survey_answer(
            organization=org,
            invitation=invitation,
            scores={"csat": 2},
            comment="Secret casework comment",
        )
    return rule, invitation


def test_the_list_shows_response_rate_averages_and_nps(client, org_a, admin_a):
    rule = interaction_rule(org_a, name="After a call", ask_nps=True)
    answered = [SurveyInvitationFactory(rule=rule) for _i in range(3)]
    SurveyInvitationFactory(rule=rule)  # sent, not answered
    with organization_scope(org_a):
        for invitation, (csat, nps) in zip(answered, [(5, 10), (4, 9), (2, 3)], strict=True):
            surveys.survey_answer(
                organization=org_a,
                invitation=invitation,
                scores={"csat": csat, "nps": nps},
                comment="Lovely" if csat == 5 else "",
            )
        stats = surveys.rule_stats(organization=org_a, rules=[rule])[rule.pk]
    assert (stats["sent"], stats["answered"], stats["rate"]) == (4, 3, 75)
    assert stats["csat"] == pytest.approx(11 / 3) and stats["nps"] == round(100 * (2 - 1) / 3)
    client.force_login(admin_a)
    body = client.get("/o/riverside/experience/surveys/").content.decode()
    assert "After a call" in body and "75%" in body and "Lovely" in body


def test_the_list_page_reads_in_constant_queries(client, org_a, admin_a):
    client.force_login(admin_a)

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/o/riverside/experience/surveys/").status_code == 200
        return len(queries)

    rule = interaction_rule(org_a)
    SurveyInvitationFactory(rule=rule, answered_at=timezone.now())
    count()  # the first visit writes: the settings row, the member's "last used"
    few = count()
    for channel in ("email", "sms", "letter"):
        other = interaction_rule(org_a, interaction_channel=channel)
        for _i in range(3):
            SurveyInvitationFactory(rule=other, answered_at=timezone.now())
    assert count() == few


def test_a_fundraiser_never_sees_a_clients_survey(client, org_a):
    client_rule, client_invitation = client_rule_with_answer(org_a)
    general = interaction_rule(org_a, name="After a call")
    fundraiser = staff(org_a, Role.FUNDRAISER)
    client.force_login(fundraiser)
    body = client.get("/o/riverside/experience/surveys/").content.decode()
    assert "After a call" in body
    assert "After help" not in body and "Secret casework comment" not in body
    assert client.get(f"/o/riverside/experience/surveys/{general.pk}/").status_code == 403
    token = ApiTokenFactory(organization=org_a, user=fundraiser)
    headers = {"HTTP_AUTHORIZATION": f"Token {token.key}"}
    rules = client.get("/api/v1/o/riverside/survey-rules/", **headers).json()["results"]
    assert [r["name"] for r in rules] == ["After a call"]
    assert (
        client.get(f"/api/v1/o/riverside/survey-rules/{client_rule.pk}/", **headers).status_code
        == 404
    )
    assert (
        client.get(
            f"/api/v1/o/riverside/survey-invitations/{client_invitation.pk}/", **headers
        ).status_code
        == 404
    )
    feedback = client.get("/api/v1/o/riverside/feedback/", **headers).json()["results"]
    assert feedback == []  # the answer itself is casework


def test_a_caseworker_sees_client_surveys_but_cannot_change_them(client, org_a):
    client_rule, _invitation = client_rule_with_answer(org_a)
    caseworker = staff(org_a, Role.CASEWORKER)
    client.force_login(caseworker)
    body = client.get("/o/riverside/experience/surveys/").content.decode()
    assert "After help" in body and "Secret casework comment" in body
    assert client.get("/o/riverside/experience/surveys/new/").status_code == 403
    response = client.post(f"/o/riverside/experience/surveys/{client_rule.pk}/switch/")
    assert response.status_code == 403


def test_an_admin_creates_edits_and_switches_off_a_rule(client, org_a, admin_a):
    client.force_login(admin_a)
    page = client.get("/o/riverside/experience/surveys/new/").content.decode()
    assert (
        "A volunteer&#x27;s completed shift" in page and "A client&#x27;s request resolved" in page
    )
    response = client.post(
        "/o/riverside/experience/surveys/new/",
        {
            "name": "After a shift",
            "touchpoint": "volunteers.shift_completed",
            "ask_csat": "on",
            "ask_ces": "on",
            "delay_hours": "2",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    with organization_scope(org_a):
        rule = SurveyRule.objects.get(name="After a shift")
    assert rule.measures == ["csat", "ces"] and rule.is_active
    # the same touchpoint twice, and no question: errors next to the fields
    response = client.post(
        "/o/riverside/experience/surveys/new/",
        {"name": "Again", "touchpoint": "volunteers.shift_completed", "delay_hours": "2"},
    )
    body = response.content.decode()
    assert response.status_code == 200 and 'id="id_ask_csat_error"' in body
    response = client.post(
        "/o/riverside/experience/surveys/new/",
        {
            "name": "Again",
            "touchpoint": "volunteers.shift_completed",
            "ask_csat": "on",
            "delay_hours": "2",
        },
    )
    assert 'id="id_touchpoint_error"' in response.content.decode()
    client.post(f"/o/riverside/experience/surveys/{rule.pk}/switch/")
    rule.refresh_from_db()
    assert not rule.is_active
    response = client.post("/o/riverside/experience/surveys/settings/", {"survey_cap_days": "45"})
    assert response.status_code == 302
    with organization_scope(org_a):
        assert ExperienceSettings.objects.get().survey_cap_days == 45


# --- API ------------------------------------------------------------------------------------------


@pytest.fixture
def api(client, org_a, admin_a):
    token = ApiTokenFactory(organization=org_a, user=admin_a)
    client.defaults["HTTP_AUTHORIZATION"] = f"Token {token.key}"
    return client


def test_the_api_writes_rules_with_field_errors(api, org_a):
    url = "/api/v1/o/riverside/survey-rules/"
    response = api.post(
        url,
        {"name": "After an update", "touchpoint": "donors.update", "ask_nps": True},
        content_type="application/json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["ask_csat"] is True
    again = api.post(
        url, {"name": "Twice", "touchpoint": "donors.update"}, content_type="application/json"
    )
    assert again.status_code == 400 and "touchpoint" in again.json()
    nothing = api.post(
        url,
        {"name": "Nothing", "touchpoint": "stakeholders.interaction", "ask_csat": False},
        content_type="application/json",
    )
    assert nothing.status_code == 400 and "ask_csat" in nothing.json()
    unknown = api.post(url, {"name": "?", "touchpoint": "nowhere"}, content_type="application/json")
    assert unknown.status_code == 400 and "touchpoint" in unknown.json()
    rule_id = response.json()["id"]
    off = api.patch(f"{url}{rule_id}/", {"is_active": False}, content_type="application/json")
    assert off.status_code == 200 and off.json()["is_active"] is False


def test_only_admins_write_rules(client, org_a):
    token = ApiTokenFactory(organization=org_a, user=staff(org_a, Role.FUNDRAISER))
    response = client.post(
        "/api/v1/o/riverside/survey-rules/",
        {"name": "Mine", "touchpoint": "donors.update"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Token {token.key}",
    )
    assert response.status_code == 403


def test_invitations_come_with_their_answers_in_constant_queries(api, org_a):
    rule = interaction_rule(org_a)
    other = interaction_rule(org_a, interaction_channel="email")

    def answered(on):
        invitation = SurveyInvitationFactory(rule=on)
        with organization_scope(org_a):
            surveys.survey_answer(
                organization=org_a, invitation=invitation, scores={"csat": 3}, comment="Fine"
            )
        return invitation

    answered(rule)
    SurveyInvitationFactory(rule=other, status=Skipped, sent_at=None, reason="no consent")
    url = "/api/v1/o/riverside/survey-invitations/"
    api.get(url)  # records the token's "last used"

    def count(query=""):
        with CaptureQueriesContext(connection) as queries:
            response = api.get(url + query)
        return len(queries), response.json()["results"]

    few, results = count()
    assert len(results) == 2
    for _i in range(4):
        answered(rule)
    many, results = count()
    assert many == few and len(results) == 6
    by_status = count(f"?rule={other.pk}&status=skipped")[1]
    assert [r["reason"] for r in by_status] == ["no consent"]
    first = next(r for r in results if r["answers"])
    assert [(a["measure"], a["score"], a["comment"]) for a in first["answers"]] == [
        ("csat", 3, "Fine")
    ]
