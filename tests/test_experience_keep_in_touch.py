"""Keep-in-touch steps (issue 18, point 4): tasks and emails once per person, step and stay in a
stage, under consent, do-not-contact and the frequency cap; the preview; pages, API, role walls."""

from datetime import timedelta

import pytest
from django.utils import timezone

from stakeholders import selectors
from stakeholders.experience import keep_in_touch
from stakeholders.experience.registry import Journey, Stage, areas, journeys
from stakeholders.experience.tasks import run_keep_in_touch
from stakeholders.models import (
    ConsentPurpose,
    ContactEvent,
    ExperienceSettings,
    Interaction,
    JourneyPosition,
    KeepInTouchRun,
    KeepInTouchStep,
    Role,
)
from stakeholders.tenancy.models import organization_scope
from tests.concurrency import at_once
from tests.factories import (
    ConsentFactory,
    ContactFactory,
    InteractionFactory,
    KeepInTouchRunFactory,
    KeepInTouchStepFactory,
)

Status = KeepInTouchRun.Status
DONOR, CLIENT = "kit_donor", "kit_client"


def _impact_link(*, organization, contact):
    return {"impact_link": f"https://example.org/impact/{contact.pk}"}


@pytest.fixture(autouse=True)
def kit_journeys():
    """Two journeys of our own (the real ones are another part's work): a donor journey with
    an impact link to merge and a client journey."""
    donor = Journey(
        DONOR,
        "donor",
        "Donors (test)",
        stages=(Stage("first_gift", "First gift"), Stage("thanked", "Thanked")),
        compute=lambda *args, **kwargs: [],
        changed_since=lambda *args, **kwargs: [],
        merge_fields=_impact_link,
    )
    client = Journey(
        CLIENT,
        "client",
        "Clients (test)",
        stages=(Stage("helped", "Helped"),),
        compute=lambda *args, **kwargs: [],
        changed_since=lambda *args, **kwargs: [],
    )
    journeys.register(donor)
    journeys.register(client)
    yield
    journeys._journeys.pop(DONOR, None)
    journeys._journeys.pop(CLIENT, None)


def at_stage(contact, *, journey=DONOR, stage="thanked", days=40):
    """``contact`` at ``stage`` for ``days`` days; returns the position."""
    entered = timezone.now() - timedelta(days=days)
    with organization_scope(contact.organization):
        position, _created = JourneyPosition.objects.update_or_create(
            organization=contact.organization,
            contact=contact,
            journey=journey,
            defaults={"stage": stage, "entered_at": entered, "reached": [entered]},
        )
    return position


def email_step(org, *, journey=DONOR, stage="thanked", **fields):
    values = {
        "subject": "How are you, {first_name}?",
        "body": "Dear {first_name},\nsee what you changed: {impact_link}\n{organization}",
    }
    values.update(fields)
    return KeepInTouchStepFactory(
        organization=org, journey=journey, stage=stage, action="email", **values
    )


def task_step(org, *, journey=DONOR, stage="thanked", **fields):
    return KeepInTouchStepFactory(
        organization=org, journey=journey, stage=stage, action="task", **fields
    )


def donor_saying_yes(org, **fields):
    contact = ContactFactory(organization=org, **fields)
    ConsentFactory(contact=contact, purpose=ConsentPurpose.DONOR_UPDATES, granted=True)
    return contact


def run(org, **kwargs):
    with organization_scope(org):
        return keep_in_touch.keep_in_touch_run(organization=org, **kwargs)


def runs(org, **filters):
    with organization_scope(org):
        return list(KeepInTouchRun.objects.filter(organization=org, **filters).order_by("pk"))


# --- Exactly once -----------------------------------------------------------------------------


def test_a_task_opens_once_under_a_doubled_beat(org_a, member_factory):
    manager = member_factory(org_a, Role.FUNDRAISER)
    contact = ContactFactory(organization=org_a, relationship_manager=manager)
    at_stage(contact)
    step = task_step(org_a)
    first = run(org_a)
    second = run(org_a)
    assert first["created"] == 1 and second["created"] == 0
    [task] = runs(org_a)
    assert task.step_id == step.pk and task.status == Status.OPEN
    assert task.owner_id == manager.pk and task.due_on == timezone.localdate()


def test_the_beat_fans_out_to_organizations_with_a_step(org_a, org_b, mailbox):
    contact = donor_saying_yes(org_a)
    at_stage(contact)
    email_step(org_a)
    assert run_keep_in_touch.apply().get() == 1  # eager: the organization's task runs inline
    assert len(mailbox.to(contact.email)) == 1
    run_keep_in_touch.apply().get()  # the beat doubled
    assert len(mailbox.to(contact.email)) == 1


@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_send_each_email_once(org_a, mailbox):
    with organization_scope(org_a):
        people = [donor_saying_yes(org_a) for _i in range(6)]
        for person in people:
            at_stage(person)
        email_step(org_a)

    def worker(barrier):
        barrier.wait()
        run(org_a)

    at_once(worker)
    for person in people:
        assert len(mailbox.to(person.email)) == 1
    assert {r.status for r in runs(org_a)} == {Status.SENT} and len(runs(org_a)) == 6
    with organization_scope(org_a):
        assert Interaction.objects.filter(is_bulk_message=True).count() == 6


def test_a_worker_killed_while_sending_fails_the_run_and_never_resends(org_a, mailbox):
    contact = donor_saying_yes(org_a)
    position = at_stage(contact)
    step = email_step(org_a)
    stuck = KeepInTouchRunFactory(
        step=step,
        contact=contact,
        stage_entered_at=position.entered_at,
        status=Status.SENDING,
        done_at=timezone.now() - timedelta(minutes=20),
    )
    just_claimed = KeepInTouchRunFactory(
        step=step,
        contact=donor_saying_yes(org_a),
        stage_entered_at=position.entered_at,
        status=Status.SENDING,
        done_at=timezone.now() - timedelta(minutes=2),
    )
    result = run(org_a)
    assert result["failed"] == 1
    stuck.refresh_from_db()
    just_claimed.refresh_from_db()
    assert (stuck.status, stuck.reason) == (Status.FAILED, keep_in_touch.INTERRUPTED)
    assert just_claimed.status == Status.SENDING  # its worker may still be at it
    run(org_a)
    assert mailbox.messages == []


def test_only_stays_begun_after_the_step_was_switched_on_count(org_a):
    before = ContactFactory(organization=org_a)
    at_stage(before, days=40)
    step = task_step(org_a, created_at=timezone.now() - timedelta(days=10))
    assert run(org_a)["created"] == 0
    after = ContactFactory(organization=org_a)
    at_stage(after, days=5)
    step.after_days = 3
    with organization_scope(org_a):
        step.save()
    run(org_a)
    assert [r.contact_id for r in runs(org_a)] == [after.pk]


def test_switching_a_step_back_on_does_not_flood(org_a):
    contact = ContactFactory(organization=org_a)
    at_stage(contact, days=40)
    step = task_step(org_a, is_active=False)
    with organization_scope(org_a):
        keep_in_touch.step_set_active(organization=org_a, step=step, active=True)
    assert run(org_a)["created"] == 0


def test_not_yet_long_enough_at_the_stage_waits(org_a):
    contact = ContactFactory(organization=org_a)
    at_stage(contact, days=10)
    task_step(org_a, after_days=30)
    assert run(org_a)["created"] == 0


def test_reentering_the_stage_later_runs_the_step_again(org_a):
    contact = ContactFactory(organization=org_a)
    at_stage(contact, days=60)
    task_step(org_a)
    run(org_a)
    at_stage(contact, stage="first_gift", days=45)  # moved on …
    run(org_a)
    at_stage(contact, days=35)  # … and came back: a new stay
    run(org_a)
    run(org_a)
    assert len(runs(org_a)) == 2
    assert len({r.stage_entered_at for r in runs(org_a)}) == 2


# --- Consent, do-not-contact, frequency cap -------------------------------------------------


def test_donor_emails_need_a_yes(org_a, mailbox):
    silent = ContactFactory(organization=org_a)
    said_no = ContactFactory(organization=org_a)
    ConsentFactory(contact=said_no, purpose=ConsentPurpose.DONOR_UPDATES, granted=False)
    said_yes = donor_saying_yes(org_a)
    for person in (silent, said_no, said_yes):
        at_stage(person)
    email_step(org_a, name="Anniversary")
    result = run(org_a)
    assert result["sent"] == 1 and result["skipped"] == 2
    assert [m["To"] for m in mailbox.messages] == [said_yes.email]
    assert {r.contact_id: r.reason for r in runs(org_a, status=Status.SKIPPED)} == {
        silent.pk: "no consent",
        said_no.pk: "no consent",
    }
    with organization_scope(org_a):  # staff see on the record that it did not go, and why
        event = ContactEvent.objects.get(contact=silent)
    assert "Anniversary" in event.summary and "no consent" in event.summary


def test_a_clients_check_in_goes_on_silence_and_leaves_no_public_trace_when_refused(org_a, mailbox):
    silent = ContactFactory(organization=org_a)
    said_no = ContactFactory(organization=org_a)
    ConsentFactory(contact=said_no, purpose=ConsentPurpose.SURVEYS, granted=False)
    for person in (silent, said_no):
        at_stage(person, journey=CLIENT, stage="helped")
    email_step(org_a, journey=CLIENT, stage="helped", body="How are things, {first_name}?")
    run(org_a)
    assert [m["To"] for m in mailbox.messages] == [silent.email]
    with organization_scope(org_a):
        assert not ContactEvent.objects.filter(contact=said_no).exists()


def test_do_not_contact_stops_emails_and_tasks(org_a, mailbox):
    blocked = donor_saying_yes(org_a, do_not_contact=True)
    at_stage(blocked)
    email_step(org_a)
    task_step(org_a)
    run(org_a)
    assert mailbox.messages == []
    assert {(r.status, r.reason) for r in runs(org_a)} == {(Status.SKIPPED, "do not contact")}


def test_a_bulk_message_within_the_cap_skips_the_email(org_a, mailbox):
    with organization_scope(org_a):
        ExperienceSettings.objects.create(organization=org_a, keep_in_touch_cap_days=14)
    recent = donor_saying_yes(org_a)
    long_ago = donor_saying_yes(org_a)
    InteractionFactory(
        contact=recent, is_bulk_message=True, occurred_at=timezone.now() - timedelta(days=5)
    )
    InteractionFactory(
        contact=long_ago, is_bulk_message=True, occurred_at=timezone.now() - timedelta(days=20)
    )
    for person in (recent, long_ago):
        at_stage(person)
    email_step(org_a)
    run(org_a)
    assert [m["To"] for m in mailbox.messages] == [long_ago.email]
    [skipped] = runs(org_a, status=Status.SKIPPED)
    assert (skipped.contact_id, skipped.reason) == (recent.pk, "recently messaged")


def test_a_sent_email_counts_towards_the_cap_of_the_next(org_a, mailbox):
    contact = donor_saying_yes(org_a)
    at_stage(contact)
    email_step(org_a, name="First")
    email_step(org_a, name="Second")
    run(org_a)
    assert len(mailbox.messages) == 1
    assert sorted(r.status for r in runs(org_a)) == [Status.SENT, Status.SKIPPED]


# --- The email ----------------------------------------------------------------------------------


def test_the_email_is_in_the_persons_language_with_the_fields_filled(org_a, mailbox):
    org_a.other_languages = ["fa", "es"]
    org_a.save()
    persian = donor_saying_yes(org_a, first_name="Dara", preferred_language="fa")
    spanish = donor_saying_yes(org_a, first_name="Ana", preferred_language="es")
    for person in (persian, spanish):
        at_stage(person)
    step = email_step(org_a)
    with organization_scope(org_a):
        keep_in_touch.step_save(
            organization=org_a,
            step=step,
            text_translations={
                "fa": {"subject": "حال شما چطور است، {first_name}؟", "body": "{impact_link}"}
            },
        )
    run(org_a)
    [to_persian] = mailbox.to(persian.email)
    [to_spanish] = mailbox.to(spanish.email)
    assert to_persian["Subject"] == "حال شما چطور است، Dara؟"
    assert f"https://example.org/impact/{persian.pk}" in mailbox.text(to_persian)
    assert to_spanish["Subject"] == "How are you, Ana?"  # no Spanish version: the default
    body = mailbox.text(to_spanish)
    assert "Dear Ana," in body and org_a.name in body
    assert f"https://example.org/impact/{spanish.pk}" in body
    assert org_a.name in to_spanish["From"]
    with organization_scope(org_a):
        logged = Interaction.objects.get(contact=spanish)
    assert logged.is_bulk_message and logged.related_kind == "experience.keep_in_touch.donor"


def test_a_stray_brace_in_staff_text_is_left_as_written():
    assert keep_in_touch.fill("{first_name} {unknown} {", {"first_name": "Ana"}) == (
        "Ana {unknown} {"
    )


# --- Task owners --------------------------------------------------------------------------------


def test_the_task_owner_is_the_steps_then_the_manager_then_the_areas_then_an_admin(
    org_a, admin_a, member_factory, monkeypatch
):
    fundraiser = member_factory(org_a, Role.FUNDRAISER)
    caseworker = member_factory(org_a, Role.CASEWORKER)
    usual = member_factory(org_a, Role.FUNDRAISER)
    step = task_step(org_a)
    members = keep_in_touch._members(organization=org_a)
    area = areas.get("donor")

    def owner(contact, step=step, area=area):
        return keep_in_touch.task_owner_for(
            organization=org_a, step=step, area=area, contact=contact, members=members
        )

    managed = ContactFactory(organization=org_a, relationship_manager=fundraiser)
    by_caseworker = ContactFactory(organization=org_a, relationship_manager=caseworker)
    nobody = ContactFactory(organization=org_a)
    assert owner(managed) == fundraiser.pk
    # a manager whose role may not see donors is passed over: the first admin
    assert owner(by_caseworker) == admin_a.pk
    assert owner(nobody) == admin_a.pk
    with_usual = area.__class__(area.key, area.label, area.roles, lambda **kw: usual)
    assert owner(nobody, area=with_usual) == usual.pk
    step.task_owner = caseworker
    assert owner(managed) == caseworker.pk


def test_a_task_owner_must_see_the_journey(org_a, member_factory):
    fundraiser = member_factory(org_a, Role.FUNDRAISER)
    with organization_scope(org_a), pytest.raises(Exception) as error:
        keep_in_touch.step_save(
            organization=org_a,
            name="Call",
            journey=CLIENT,
            stage="helped",
            after_days=30,
            action="task",
            task_owner=fundraiser,
        )
    assert "task_owner" in error.value.message_dict


# --- Preview ------------------------------------------------------------------------------------


def test_the_preview_says_who_gets_what_and_why_others_are_left_out(org_a, mailbox):
    with organization_scope(org_a):
        ExperienceSettings.objects.create(organization=org_a, keep_in_touch_cap_days=30)
    step = email_step(org_a, after_days=30)
    ready = donor_saying_yes(org_a, first_name="Ana")
    soon = donor_saying_yes(org_a)
    blocked = donor_saying_yes(org_a, do_not_contact=True)
    no_yes = ContactFactory(organization=org_a)
    no_email = donor_saying_yes(org_a, email="")
    heard = donor_saying_yes(org_a)
    InteractionFactory(contact=heard, is_bulk_message=True)
    done = donor_saying_yes(org_a)
    for person in (ready, blocked, no_yes, no_email, heard, done):
        at_stage(person, days=40)
    at_stage(soon, days=10)
    KeepInTouchRunFactory(
        step=step,
        contact=done,
        stage_entered_at=at_stage(done, days=40).entered_at,
        status=Status.SENT,
    )
    with organization_scope(org_a):
        result = keep_in_touch.preview(organization=org_a, step=step)
    assert result["due"] == 2
    assert [row["contact"].pk for row in result["upcoming"]] == [ready.pk, soon.pk]
    assert result["upcoming"][0]["subject"] == "How are you, Ana?"
    assert result["upcoming"][1]["due_on"] == timezone.localdate() + timedelta(days=20)
    assert result["left_out"] == {
        "do_not_contact": 1,
        "no_consent": 1,
        "no_email": 1,
        "recently_messaged": 1,
    }
    assert result["already_done"] == 1
    assert mailbox.messages == []  # a preview sends nothing


def test_the_preview_of_a_new_step_counts_who_is_at_the_stage_already(org_a):
    for _i in range(3):
        at_stage(ContactFactory(organization=org_a))
    draft = KeepInTouchStep(
        organization=org_a, journey=DONOR, stage="thanked", after_days=30, action="task"
    )
    with organization_scope(org_a):
        result = keep_in_touch.preview(organization=org_a, step=draft)
    assert result["due"] == 0 and result["before_start"] == 3


# --- Tasks done -------------------------------------------------------------------------------


def test_marking_a_task_done_with_a_note_logs_an_interaction(org_a, admin_a):
    task = KeepInTouchRunFactory(step__organization=org_a, step__journey=DONOR, owner=admin_a)
    with organization_scope(org_a):
        keep_in_touch.task_done(
            organization=org_a, run=task, user=admin_a, note="Lovely chat", channel="phone"
        )
        logged = Interaction.objects.get(contact=task.contact)
        with pytest.raises(Exception, match="already done"):
            keep_in_touch.task_done(organization=org_a, run=task, user=admin_a)
    task.refresh_from_db()
    assert task.status == Status.DONE and task.done_at
    assert (logged.notes, logged.staff_id, logged.is_bulk_message) == (
        "Lovely chat",
        admin_a.pk,
        False,
    )


# --- Pages --------------------------------------------------------------------------------------


def test_an_admin_writes_a_step_previews_it_and_switches_it(client, org_a, admin_a):
    client.force_login(admin_a)
    base = f"/o/{org_a.slug}/experience/keep-in-touch/"
    assert client.get(base).status_code == 200
    page = client.get(base + "new/")
    assert page.status_code == 200 and b"Journey stage" in page.content
    data = {
        "name": "Anniversary",
        "journey_stage": f"{DONOR}:thanked",
        "after_days": 30,
        "action": "email",
        "subject": "",
        "body": "Hello",
        "is_active": "on",
    }
    refused = client.post(base + "new/", data)
    assert refused.status_code == 200 and b"An email needs a subject." in refused.content
    data["subject"] = "A year ago"
    previewed = client.post(base + "new/", {**data, "preview": "1"})
    assert previewed.status_code == 200 and b"Who gets what next" in previewed.content
    with organization_scope(org_a):
        assert not KeepInTouchStep.objects.exists()
    saved = client.post(base + "new/", data)
    with organization_scope(org_a):
        step = KeepInTouchStep.objects.get()
    assert saved.status_code == 302 and step.subject == "A year ago" and step.is_active
    detail = client.get(f"{base}{step.pk}/")
    assert detail.status_code == 200 and b"Who gets what next" in detail.content
    client.post(f"{base}{step.pk}/switch/", {"active": "0"})
    step.refresh_from_db()
    assert not step.is_active


def test_a_step_in_other_languages_shows_what_is_missing(client, org_a, admin_a):
    org_a.other_languages = ["fa"]
    org_a.save()
    step = email_step(org_a)
    client.force_login(admin_a)
    page = client.get(f"/o/{org_a.slug}/experience/keep-in-touch/{step.pk}/")
    assert b'name="subject_fa"' in page.content and b"fa missing" in page.content


def test_my_tasks_page_and_marking_one_done(client, org_a, member_factory):
    me = member_factory(org_a, Role.FUNDRAISER)
    mine = KeepInTouchRunFactory(step__organization=org_a, step__journey=DONOR, owner=me)
    theirs = KeepInTouchRunFactory(
        step__organization=org_a, step__journey=DONOR, owner=member_factory(org_a, Role.ADMIN)
    )
    client.force_login(me)
    page = client.get(f"/o/{org_a.slug}/experience/keep-in-touch/tasks/")
    assert mine.contact.name.encode() in page.content
    assert theirs.contact.name.encode() not in page.content
    url = f"/o/{org_a.slug}/experience/keep-in-touch/tasks/{{}}/done/"
    assert client.post(url.format(theirs.pk), {}).status_code == 404
    done = client.post(
        url.format(mine.pk), {f"task-{mine.pk}-note": "Called", f"task-{mine.pk}-channel": "phone"}
    )
    assert done.status_code == 302
    mine.refresh_from_db()
    assert mine.status == Status.DONE


def test_the_dashboard_card_lists_my_tasks_due(client, org_a, admin_a):
    task = KeepInTouchRunFactory(step__organization=org_a, step__journey=DONOR, owner=admin_a)
    client.force_login(admin_a)
    page = client.get(f"/o/{org_a.slug}/")
    assert (
        b"Your keep-in-touch tasks" in page.content and task.contact.name.encode() in page.content
    )


# --- Role walls ---------------------------------------------------------------------------------


def test_a_fundraiser_never_sees_client_steps_tasks_or_check_ins(
    client, org_a, member_factory, mailbox
):
    fundraiser = member_factory(org_a, Role.FUNDRAISER)
    client_step = task_step(org_a, journey=CLIENT, stage="helped", name="Client check-in call")
    donor_step = task_step(org_a, name="Donor call")
    # even a task wrongly owned by the fundraiser stays behind the wall
    hidden_task = KeepInTouchRunFactory(step=client_step, owner=fundraiser)
    client_person = ContactFactory(organization=org_a)
    at_stage(client_person, journey=CLIENT, stage="helped")
    email_step(org_a, journey=CLIENT, stage="helped", name="How are things")
    run(org_a)
    client.force_login(fundraiser)
    page = client.get(f"/o/{org_a.slug}/experience/keep-in-touch/")
    assert b"Donor call" in page.content and b"Client check-in call" not in page.content
    tasks = client.get(f"/o/{org_a.slug}/experience/keep-in-touch/tasks/")
    assert hidden_task.contact.name.encode() not in tasks.content
    api = f"/api/v1/o/{org_a.slug}/"
    names = [row["name"] for row in client.get(api + "keep-in-touch-steps/").json()["results"]]
    assert names == ["Donor call"]
    assert client.get(f"{api}keep-in-touch-steps/{client_step.pk}/").status_code == 404
    assert client.get(f"{api}keep-in-touch-tasks/{hidden_task.pk}/").status_code == 404
    assert client.get(f"{api}keep-in-touch-steps/{donor_step.pk}/").status_code == 200
    with organization_scope(org_a):
        check_in = Interaction.objects.get(contact=client_person)
        visible = selectors.interactions_visible(organization=org_a, staff_role=Role.FUNDRAISER)
        assert not visible.filter(pk=check_in.pk).exists()
        caseworker_sees = selectors.interactions_visible(
            organization=org_a, staff_role=Role.CASEWORKER
        )
        assert caseworker_sees.filter(pk=check_in.pk).exists()


# --- API ----------------------------------------------------------------------------------------


def test_api_admins_write_steps_with_json_field_errors(client, org_a, admin_a, member_factory):
    api = f"/api/v1/o/{org_a.slug}/keep-in-touch-steps/"
    client.force_login(member_factory(org_a, Role.FUNDRAISER))
    body = {"name": "Call", "journey": DONOR, "stage": "thanked", "action": "task"}
    assert client.post(api, body, content_type="application/json").status_code == 403
    client.force_login(admin_a)
    bad = client.post(
        api,
        {**body, "action": "email", "stage": "nowhere"},
        content_type="application/json",
    )
    assert bad.status_code == 400
    assert set(bad.json()) >= {"stage", "subject", "body"}
    made = client.post(api, body, content_type="application/json")
    assert made.status_code == 201, made.json()
    step_id = made.json()["id"]
    changed = client.patch(f"{api}{step_id}/", {"after_days": 90}, content_type="application/json")
    assert changed.status_code == 200 and changed.json()["after_days"] == 90
    preview = client.get(f"{api}{step_id}/preview/")
    assert preview.status_code == 200 and preview.json()["due"] == 0
    assert client.delete(f"{api}{step_id}/").status_code == 204


def test_api_my_open_tasks_in_constant_queries_and_done(
    client, org_a, admin_a, django_assert_num_queries
):
    api = f"/api/v1/o/{org_a.slug}/keep-in-touch-tasks/"
    step = task_step(org_a)
    KeepInTouchRunFactory(step=step, owner=admin_a)
    client.force_login(admin_a)
    client.get(api)  # warm the session and the membership caches
    response = client.get(api)
    assert len(response.json()["results"]) == 1
    few = _queries(client, api)
    for _i in range(5):
        KeepInTouchRunFactory(step=step, owner=admin_a)
    with django_assert_num_queries(few):  # the count does not grow with the page
        assert len(client.get(api).json()["results"]) == 6
    task_id = response.json()["results"][0]["id"]
    done = client.post(f"{api}{task_id}/done/", {"note": "Called"}, content_type="application/json")
    assert done.status_code == 200 and done.json()["status"] == "done"
    again = client.post(f"{api}{task_id}/done/", {}, content_type="application/json")
    assert again.status_code == 400 and "detail" in again.json()
    assert len(client.get(api).json()["results"]) == 5


def _queries(client, url):
    from django.db import connection as db
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(db) as captured:
        assert client.get(url).status_code == 200
    return len(captured)
