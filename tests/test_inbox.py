"""The shared inbox's pages (issue 19, point 3): the list with its filters, views and capped
counts; a conversation and every action on it; canned replies through the sandbox; targets and
escalation exactly once; snooze wake-up; the dashboard card and the contact panel. Role walls on
everything: a client's conversation is for caseworkers and admins only."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from stakeholders.inbox import canned, escalation, selectors, services, tasks
from stakeholders.inbox.forms import snooze_until
from stakeholders.inbox.models import (
    CannedReply,
    Conversation,
    InboxSettings,
    Message,
    MessageKind,
    MessageStatus,
)
from stakeholders.inbox.services import InboundMessage
from stakeholders.inbox.views import conversations as views
from stakeholders.models import Contact, Role
from stakeholders.tenancy.models import organization_scope
from tests.factories import (
    CannedReplyFactory,
    ContactFactory,
    ConversationFactory,
    MembershipFactory,
    MessageAttachmentFactory,
    MessageFactory,
    MessagingAccountFactory,
    MessagingNumberFactory,
    WhatsAppTemplateFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def org(org_a, admin_a):
    with organization_scope(org_a):
        yield org_a


def member(org, role, **kwargs):
    return MembershipFactory(organization=org, role=role, **kwargs).user


def url(org, name, **kwargs):
    return reverse(f"inbox:{name}", kwargs={"org_slug": org.slug, **kwargs})


def conversation(org, area="general", **fields):
    """A conversation with one message from them (``contact__…`` fields name the person)."""
    found = ConversationFactory(contact__organization=org, area=area, **fields)
    MessageFactory(conversation=found, body=fields.get("subject") or "Hello there")
    return found


@pytest.fixture
def walls(org):
    """A donor's and a client's conversation, and a fundraiser and a caseworker."""
    donor = conversation(org, area="donor", subject="About my gift", contact__first_name="Dina")
    client = conversation(org, area="client", subject="Housing help", contact__first_name="Cleo")
    return {
        "donor": donor,
        "client": client,
        "fundraiser": member(org, Role.FUNDRAISER),
        "caseworker": member(org, Role.CASEWORKER),
    }


# --- The list ------------------------------------------------------------------------------------


def test_the_list_shows_open_conversations_newest_first(client, org, admin_a):
    older = conversation(org, subject="Older one")
    newer = conversation(org, subject="Newer one")
    Conversation.objects.filter(pk=older.pk).update(
        last_message_at=timezone.now() - timedelta(hours=2)
    )
    conversation(org, subject="Done and dusted", status="closed")
    client.force_login(admin_a)
    response = client.get(url(org, "index"))
    assert response.status_code == 200
    page = response.content.decode()
    assert page.index("Newer one") < page.index("Older one")
    assert "Done and dusted" not in page
    assert [c.pk for c in response.context["conversations"]] == [newer.pk, older.pk]
    closed_page = client.get(url(org, "index") + "?status=closed").content.decode()
    assert "Done and dusted" in closed_page and "Newer one" not in closed_page


def test_a_fundraiser_never_sees_a_clients_conversation_in_the_list_or_counts(client, org, walls):
    client.force_login(walls["fundraiser"])
    response = client.get(url(org, "index") + "?status=all")
    page = response.content.decode()
    assert "About my gift" in page
    assert "Housing help" not in page
    assert response.context["counts"]["all"] == "1"
    # Even asking for clients explicitly: the filter has no such choice and the rows stay hidden.
    response = client.get(url(org, "index") + "?stakeholder=client")
    assert "Housing help" not in response.content.decode()
    assert "client" not in dict(response.context["form"].fields["stakeholder"].choices)

    client.force_login(walls["caseworker"])
    response = client.get(url(org, "index"))
    page = response.content.decode()
    assert "Housing help" in page and "About my gift" not in page  # a caseworker: no donors
    assert response.context["counts"]["all"] == "1"


def test_a_viewer_cannot_open_the_inbox(client, org):
    client.force_login(member(org, Role.VIEWER))
    assert client.get(url(org, "index")).status_code == 403


def test_filters_and_views(client, org, admin_a):
    colleague = member(org, Role.FUNDRAISER, user__name="Colleague")
    mine = conversation(org, subject="Mine", assignee=admin_a)
    theirs = conversation(org, subject="Theirs", assignee=colleague, area="donor")
    sms = conversation(org, subject="", channel="sms", address="+447700900123")
    volunteer = conversation(org, subject="Shift swap", contact__is_volunteer=True)
    Contact.objects.filter(pk=volunteer.contact_id).update(is_volunteer=True)
    late = conversation(
        org,
        subject="Late one",
        awaiting_since=timezone.now() - timedelta(hours=9),
        reply_due_at=timezone.now() - timedelta(hours=1),
    )
    client.force_login(admin_a)

    def listed(query):
        response = client.get(url(org, "index") + query)
        assert response.status_code == 200
        return {c.pk for c in response.context["conversations"]}

    assert listed("?status=open&assignee=me") == {mine.pk}
    assert listed(f"?status=open&assignee={colleague.pk}") == {theirs.pk}
    assert listed("?status=open&assignee=none") == {sms.pk, volunteer.pk, late.pk}
    assert listed("?channel=sms") == {sms.pk}
    assert listed("?area=donor") == {theirs.pk}
    assert listed("?stakeholder=volunteer") == {volunteer.pk}
    assert listed("?breached=on") == {late.pk}
    response = client.get(url(org, "index") + "?status=open&assignee=me")
    assert response.context["view"] == "mine"
    assert response.context["counts"] == {
        "mine": "1",
        "unassigned": "3",
        "all": "5",
        "breached": "1",
    }
    page = client.get(url(org, "index") + "?breached=on").content.decode()
    assert "Overdue" in page and "inbox-row--overdue" in page


def test_counts_are_capped(org, admin_a):
    contact = ContactFactory(organization=org)
    Conversation.objects.bulk_create(
        [
            Conversation(organization=org, contact=contact, channel="email", address=f"{i}@x.org")
            for i in range(selectors.COUNT_CAP + 5)
        ]
    )
    counts = selectors.inbox_counts(organization=org, role=Role.ADMIN, user=admin_a)
    assert counts["all"] == selectors.COUNT_CAP + 1
    assert views._count_label(counts["all"]) == "99+"


def test_the_list_costs_the_same_number_of_queries_for_3_rows_and_30(
    client, org, admin_a, django_assert_num_queries
):
    client.force_login(admin_a)
    colleague = member(org, Role.CASEWORKER)

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url(org, "index")).status_code == 200
        return len(captured)

    for _ in range(3):
        conversation(org, assignee=colleague)
    queries()  # the first visit makes the inbox settings row and the session
    few = queries()
    for _ in range(27):
        conversation(org, assignee=admin_a, channel="sms", address="+447700900001")
    with django_assert_num_queries(few):
        response = client.get(url(org, "index"))
    assert len(response.context["conversations"]) == 30


def test_the_list_pages_by_key_without_overlap(client, org, admin_a, monkeypatch):
    monkeypatch.setattr(views, "PAGE_SIZE", 4)
    made = [conversation(org, subject=f"Number {i}") for i in range(10)]
    same_moment = timezone.now()
    Conversation.objects.filter(pk__in=[c.pk for c in made]).update(last_message_at=same_moment)
    client.force_login(admin_a)
    seen, next_url = [], url(org, "index")
    for _ in range(5):
        response = client.get(
            next_url if next_url.startswith("/") else url(org, "index") + next_url
        )
        seen += [c.pk for c in response.context["conversations"]]
        next_url = response.context["next_url"]
        if not next_url:
            break
    assert sorted(seen) == sorted(c.pk for c in made)
    assert len(seen) == len(set(seen)) == 10
    assert client.get(url(org, "index") + "?after=nonsense").status_code == 200


# --- One conversation ----------------------------------------------------------------------------


def test_a_conversation_page_shows_messages_notes_and_sms_cost(client, org, admin_a):
    talk = conversation(org, subject="Question", channel="sms", address="+447700900555")
    Message.objects.create(
        organization=org,
        conversation=talk,
        direction="outbound",
        channel="sms",
        body="Our answer by text",
        status=MessageStatus.DELIVERED,
        segments=2,
        cost="0.0790",
        cost_currency="GBP",
        author=admin_a,
    )
    services.add_note(organization=org, conversation=talk, author=admin_a, body="Call her later")
    attachment = MessageAttachmentFactory(message__conversation=talk)
    client.force_login(admin_a)
    response = client.get(url(org, "conversation", conversation_id=talk.pk))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Our answer by text" in page and "Call her later" in page
    assert "inbox-msg--note" in page and "Internal note" in page
    assert "Delivered" in page and "2 segments" in page and "£0.08" in page
    assert url(org, "attachment", inbox_attachment_id=attachment.pk) in page
    download = client.get(url(org, "attachment", inbox_attachment_id=attachment.pk))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == b"Hello from the inbox"
    assert "attachment" in download["Content-Disposition"]
    assert download["Content-Type"] == "application/octet-stream"


def test_role_walls_hold_on_every_page_and_action(client, org, walls):
    talk = walls["client"]
    attachment = MessageAttachmentFactory(message__conversation=talk)
    reply = CannedReplyFactory(organization=org)
    client.force_login(walls["fundraiser"])
    page = url(org, "conversation", conversation_id=talk.pk)
    assert client.get(page).status_code == 404
    for action in views.ACTIONS:
        assert client.post(page, {"action": action, "reply-body": "x"}).status_code == 404
    assert (
        client.get(
            url(org, "canned_insert", conversation_id=talk.pk, reply_id=reply.pk)
        ).status_code
        == 404
    )
    assert client.get(url(org, "attachment", inbox_attachment_id=attachment.pk)).status_code == 404
    talk.refresh_from_db()
    assert talk.status == "open" and talk.assignee is None
    assert not Message.objects.filter(conversation=talk, direction="outbound").exists()

    client.force_login(walls["caseworker"])
    assert client.get(page).status_code == 200
    assert client.get(url(org, "attachment", inbox_attachment_id=attachment.pk)).status_code == 200


def test_reply_by_email_is_queued_and_stops_the_clock(
    client, org, admin_a, django_capture_on_commit_callbacks
):
    talk = conversation(
        org,
        subject="Can I volunteer?",
        awaiting_since=timezone.now() - timedelta(minutes=30),
        reply_due_at=timezone.now() + timedelta(hours=2),
    )
    client.force_login(admin_a)
    page = url(org, "conversation", conversation_id=talk.pk)
    response = client.post(page, {"action": "reply", "reply-body": ""})
    assert response.status_code == 400
    assert "Write a reply." in response.content.decode()
    with django_capture_on_commit_callbacks(execute=False):
        response = client.post(
            page, {"action": "reply", "reply-body": "Yes, please come on Monday."}
        )
    assert response.status_code == 302
    sent = Message.objects.get(conversation=talk, direction="outbound")
    assert sent.body == "Yes, please come on Monday." and sent.author == admin_a
    assert sent.status == MessageStatus.QUEUED
    talk.refresh_from_db()
    assert talk.reply_due_at is None and talk.first_response_at is not None
    followed = client.get(page)
    assert "Reply queued" in followed.content.decode()
    status_part = client.get(page + "?part=status").content.decode()
    assert "hx-trigger" in status_part  # still on its way: the status polls


def test_note_assign_snooze_close_reopen_move(client, org, admin_a):
    colleague = member(org, Role.FUNDRAISER, user__name="Priya")
    talk = conversation(org, subject="Many things")
    client.force_login(admin_a)
    page = url(org, "conversation", conversation_id=talk.pk)

    assert client.post(page, {"action": "note", "note-body": "Looked into it"}).status_code == 302
    note = Message.objects.get(conversation=talk, kind=MessageKind.NOTE)
    assert note.body == "Looked into it" and note.interaction is None

    assert client.post(page, {"action": "assign", "assign-assignee": admin_a.pk}).status_code == 302
    talk.refresh_from_db()
    assert talk.assignee == admin_a
    assert (
        client.post(page, {"action": "assign", "assign-assignee": colleague.pk}).status_code == 302
    )
    talk.refresh_from_db()
    assert talk.assignee == colleague
    stranger = MembershipFactory(role=Role.ADMIN).user  # of another organization
    assert (
        client.post(page, {"action": "assign", "assign-assignee": stranger.pk}).status_code == 400
    )

    response = client.post(page, {"action": "snooze", "snooze-preset": "tomorrow"})
    assert response.status_code == 302 and response["Location"] == url(org, "index")
    talk.refresh_from_db()
    assert talk.status == "snoozed"
    local = talk.snoozed_until.astimezone(ZoneInfo(org.timezone))
    assert (local.hour, local.minute) == (9, 0)
    response = client.post(page, {"action": "snooze", "snooze-preset": "custom"})
    assert response.status_code == 400 and "Choose a date and time." in response.content.decode()

    assert client.post(page, {"action": "close"}).status_code == 302
    talk.refresh_from_db()
    assert talk.status == "closed" and talk.closed_at is not None
    assert client.post(page, {"action": "reopen"}).status_code == 302
    talk.refresh_from_db()
    assert talk.status == "open"

    assert client.post(page, {"action": "move", "move-area": "donor"}).status_code == 302
    talk.refresh_from_db()
    assert talk.area == "donor"
    assert client.post(page, {"action": "move", "move-area": "nowhere"}).status_code == 400


def test_a_fundraiser_cannot_move_a_conversation_into_the_clients_team(client, org, walls):
    client.force_login(walls["fundraiser"])
    page = url(org, "conversation", conversation_id=walls["donor"].pk)
    assert client.post(page, {"action": "move", "move-area": "client"}).status_code == 400
    walls["donor"].refresh_from_db()
    assert walls["donor"].area == "donor"


def test_snooze_presets_are_in_the_organizations_time_zone(org):
    org.timezone = "Asia/Tehran"
    now = datetime(2026, 3, 4, 22, 30, tzinfo=ZoneInfo("UTC"))  # Thursday 02:00 in Tehran
    tomorrow = snooze_until("tomorrow", organization=org, now=now)
    assert tomorrow.astimezone(ZoneInfo("Asia/Tehran")).isoformat().startswith("2026-03-06T09:00")
    monday = snooze_until("next_week", organization=org, now=now)
    assert monday.astimezone(ZoneInfo("Asia/Tehran")).isoformat().startswith("2026-03-09T09:00")
    assert snooze_until("hour", organization=org, now=now) == now + timedelta(hours=1)


def test_an_unknown_sender_is_linked_or_made_a_contact(client, org, admin_a):
    inbound = InboundMessage(
        channel="email",
        address="New.Person@Example.org",
        body="Hi!",
        display_name="Nia Okafor",
        subject="Hello",
    )
    message, _created = services.receive(organization=org, inbound=inbound)
    talk = message.conversation
    assert talk.contact is None
    client.force_login(admin_a)
    page = url(org, "conversation", conversation_id=talk.pk)
    response = client.get(page)
    assert "Unknown sender" in response.content.decode()
    assert response.context["forms"]["create"].initial == {
        "first_name": "Nia",
        "last_name": "Okafor",
    }
    assert client.post(page, {"action": "link"}).status_code == 400
    other_org_contact = ContactFactory()
    assert (
        client.post(page, {"action": "link", "link-contact": other_org_contact.pk}).status_code
        == 400
    )
    assert (
        client.post(
            page, {"action": "create", "create-first_name": "", "create-last_name": ""}
        ).status_code
        == 400
    )
    response = client.post(
        page, {"action": "create", "create-first_name": "Nia", "create-last_name": "Okafor"}
    )
    assert response.status_code == 302
    talk.refresh_from_db()
    assert talk.contact.name == "Nia Okafor" and talk.contact.email == "new.person@example.org"
    message.refresh_from_db()
    assert message.interaction is not None  # on their timeline now

    second, _ = services.receive(
        organization=org,
        inbound=InboundMessage(channel="sms", address="+447700900777", body="text from someone"),
    )
    known = ContactFactory(organization=org, first_name="Ravi")
    page = url(org, "conversation", conversation_id=second.conversation_id)
    assert client.post(page, {"action": "link", "link-contact": known.pk}).status_code == 302
    second.conversation.refresh_from_db()
    assert second.conversation.contact == known


def test_a_new_message_reopens_a_closed_conversation_and_wakes_a_snoozed_one(org, admin_a):
    first, _ = services.receive(
        organization=org,
        inbound=InboundMessage(channel="sms", address="+447700900321", body="First"),
    )
    talk = first.conversation
    services.close(organization=org, conversation=talk)
    services.receive(
        organization=org,
        inbound=InboundMessage(channel="sms", address="+447700900321", body="Again"),
    )
    talk.refresh_from_db()
    assert talk.status == "open" and talk.reply_due_at is not None

    services.snooze(
        organization=org, conversation=talk, until=timezone.now() + timedelta(minutes=5)
    )
    assert tasks.wake_snoozed_all() == 0  # not yet due
    Conversation.objects.filter(pk=talk.pk).update(
        snoozed_until=timezone.now() - timedelta(seconds=1)
    )
    assert tasks.wake_snoozed_all() == 1
    talk.refresh_from_db()
    assert talk.status == "open" and talk.snoozed_until is None


# --- Canned replies ------------------------------------------------------------------------------


def test_a_canned_reply_is_rendered_in_the_persons_language(client, org, admin_a):
    admin_a.name = "Sam Staff"
    admin_a.save()
    english = CannedReplyFactory(
        organization=org,
        title="Thanks",
        language="en",
        body="Thanks {{ first_name }}, {{ staff_name }} of {{ organization_name }}",
    )
    CannedReplyFactory(
        organization=org,
        title="Thanks",
        language="es",
        body="Gracias {{ first_name }} — {{ staff_name }}",
    )
    talk = conversation(org, contact__first_name="Lucía", contact__preferred_language="es")
    client.force_login(admin_a)
    response = client.get(url(org, "canned_insert", conversation_id=talk.pk, reply_id=english.pk))
    assert response.json() == {"text": "Gracias Lucía — Sam Staff"}
    english_talk = conversation(org, contact__first_name="Ann", contact__preferred_language="")
    response = client.get(
        url(org, "canned_insert", conversation_id=english_talk.pk, reply_id=english.pk)
    )
    assert response.json()["text"] == f"Thanks Ann, Sam Staff of {org.name}"
    # Without JavaScript the page itself fills the reply box.
    page = client.get(url(org, "conversation", conversation_id=talk.pk) + f"?canned={english.pk}")
    assert page.context["forms"]["reply"].initial["body"] == "Gracias Lucía — Sam Staff"


def test_a_canned_reply_with_a_mistake_is_refused_at_save(client, org, admin_a):
    client.force_login(admin_a)
    create = url(org, "canned_create")
    response = client.post(
        create, {"title": "Broken", "language": "en", "body": "Hi {{ first_name "}
    )
    assert response.status_code == 400
    assert response.context["form"].errors["body"][0].startswith("This does not work")
    response = client.post(
        create, {"title": "Unknown", "language": "en", "body": "Hi {{ shoe_size }}"}
    )
    assert response.status_code == 400 and "shoe_size" in response.context["form"].errors["body"][0]
    response = client.post(
        create, {"title": "Big", "language": "en", "body": "{{ 'x' * 10000000 }}"}
    )
    assert response.status_code == 400 and "body" in response.context["form"].errors
    assert not CannedReply.objects.filter(organization=org).exists()
    response = client.post(
        create, {"title": "Fine", "language": "en", "body": "Hi {{ first_name }}"}
    )
    assert response.status_code == 302
    reply = CannedReply.objects.get(organization=org, title="Fine")
    assert reply.created_by == admin_a
    response = client.post(create, {"title": "Fine", "language": "en", "body": "Again"})
    assert response.status_code == 400 and "language" in response.context["form"].errors
    edit = url(org, "canned_edit", reply_id=reply.pk)
    assert (
        client.post(
            edit, {"title": "Fine", "language": "fr", "body": "Salut {{ first_name }}"}
        ).status_code
        == 302
    )
    reply.refresh_from_db()
    assert reply.language == "fr"
    listing = client.get(url(org, "canned_list")).content.decode()
    assert "Fine" in listing and "staff_name" in listing  # the merge fields are documented
    assert client.post(url(org, "canned_delete", reply_id=reply.pk)).status_code == 302
    assert not CannedReply.objects.filter(pk=reply.pk).exists()


def test_canned_merge_fields_for_an_unknown_sender(org, admin_a):
    talk = ConversationFactory(
        contact=None, organization=org, display_name="Juma Otieno", address="j@x.org"
    )
    fields = canned.fields_for(organization=org, conversation=talk, staff=admin_a)
    assert fields["first_name"] == "Juma" and fields["last_name"] == "Otieno"


# --- Settings and escalation ---------------------------------------------------------------------


def test_settings_are_for_admins(client, org, admin_a):
    client.force_login(member(org, Role.FUNDRAISER))
    assert client.get(url(org, "settings")).status_code == 403
    lead = member(org, Role.CASEWORKER, user__name="Lead")
    client.force_login(admin_a)
    response = client.get(url(org, "settings"))
    assert response.status_code == 200
    data = {
        "email_target_minutes": 240,
        "sms_target_minutes": 60,
        "whatsapp_target_minutes": 30,
        "warn_before_minutes": 15,
        "escalate_to": lead.pk,
    }
    assert client.post(url(org, "settings"), {**data, "sms_target_minutes": 0}).status_code == 400
    outsider = MembershipFactory(role=Role.ADMIN).user
    assert (
        client.post(url(org, "settings"), {**data, "escalate_to": outsider.pk}).status_code == 400
    )
    assert client.post(url(org, "settings"), data).status_code == 302
    row = InboxSettings.objects.get(organization=org)
    assert (row.sms_target_minutes, row.escalate_to) == (60, lead)


def test_escalation_warns_then_escalates_exactly_once(org, admin_a, mailbox):
    agent = member(
        org, Role.FUNDRAISER, user__email="agent@riverside.example.org", user__language="fr"
    )
    lead = member(org, Role.ADMIN, user__email="lead@riverside.example.org")
    InboxSettings.objects.update_or_create(
        organization=org, defaults={"escalate_to": lead, "warn_before_minutes": 30}
    )
    now = timezone.now()
    soon = conversation(
        org,
        area="donor",
        assignee=agent,
        awaiting_since=now,
        reply_due_at=now + timedelta(minutes=20),
    )
    late = conversation(
        org,
        area="donor",
        awaiting_since=now - timedelta(hours=5),
        reply_due_at=now - timedelta(minutes=1),
    )
    conversation(org, area="donor", awaiting_since=now, reply_due_at=now + timedelta(hours=5))
    assert escalation.escalate(organization=org) == 2
    assert escalation.escalate(organization=org) == 0  # a rerun sends nothing twice
    soon.refresh_from_db()
    late.refresh_from_db()
    assert soon.escalation == 1 and soon.breached_at is None
    assert late.escalation == 2 and late.breached_at is not None
    to_agent = mailbox.to("agent@riverside.example.org")
    # In the agent's own interface language (French), the lead's in the organization's.
    assert len(to_agent) == 1 and to_agent[0]["Subject"].strip().startswith("Échéance proche")
    to_lead = mailbox.to("lead@riverside.example.org")
    assert len(to_lead) == 1 and to_lead[0]["Subject"].strip().startswith("Overdue")
    assert url(org, "conversation", conversation_id=late.pk) in mailbox.text(to_lead[0])
    # The warned one runs out later: escalated once more, and only once.
    assert escalation.escalate(organization=org, now=now + timedelta(minutes=21)) == 1
    assert escalation.escalate(organization=org, now=now + timedelta(minutes=22)) == 0
    assert len(mailbox.to("agent@riverside.example.org")) == 2


def test_a_clients_conversation_is_never_announced_to_a_role_that_cannot_read_it(
    org, admin_a, mailbox
):
    fundraiser = member(org, Role.FUNDRAISER, user__email="fund@riverside.example.org")
    InboxSettings.objects.update_or_create(organization=org, defaults={"escalate_to": fundraiser})
    now = timezone.now()
    conversation(
        org,
        area="client",
        awaiting_since=now - timedelta(hours=3),
        reply_due_at=now - timedelta(minutes=5),
    )
    assert tasks.escalate_all() == 1
    assert mailbox.to("fund@riverside.example.org") == []
    assert len(mailbox.to(admin_a.email)) == 1  # the admins hear instead


# --- Dashboard card and contact panel ------------------------------------------------------------


def test_dashboard_card_and_contact_panel_respect_the_walls(client, org, walls, admin_a):
    now = timezone.now()
    Conversation.objects.filter(pk=walls["client"].pk).update(
        awaiting_since=now, reply_due_at=now - timedelta(minutes=1)
    )
    Conversation.objects.filter(pk=walls["donor"].pk).update(
        awaiting_since=now, assignee=walls["fundraiser"]
    )
    client.force_login(walls["fundraiser"])
    dashboard = client.get(reverse("stakeholders:dashboard", kwargs={"org_slug": org.slug}))
    card = next(
        c for c in dashboard.context["cards"] if c["template"] == "inbox/_dashboard_card.html"
    )
    assert card["inbox"] == {"waiting": "1", "breached": "0", "mine": "1"}
    person = reverse(  # the panels of the person's page (loaded after it)
        "stakeholders:contact_panels",
        kwargs={"org_slug": org.slug, "contact_id": walls["client"].contact_id},
    )
    response = client.get(person)
    if response.status_code == 200:
        assert "Housing help" not in response.content.decode()
    client.force_login(admin_a)
    dashboard = client.get(reverse("stakeholders:dashboard", kwargs={"org_slug": org.slug}))
    card = next(
        c for c in dashboard.context["cards"] if c["template"] == "inbox/_dashboard_card.html"
    )
    assert card["inbox"]["waiting"] == "2" and card["inbox"]["breached"] == "1"
    page = client.get(person).content.decode()
    assert (
        "Housing help" in page
        and url(org, "conversation", conversation_id=walls["client"].pk) in page
    )


def test_the_shortcuts_dialog_lists_the_inbox_keys_on_inbox_pages(client, org, admin_a):
    client.force_login(admin_a)
    assert "Conversation: assign to me" in client.get(url(org, "index")).content.decode()
    dashboard = reverse("stakeholders:dashboard", kwargs={"org_slug": org.slug})
    assert "Conversation: assign to me" not in client.get(dashboard).content.decode()


def test_a_refusal_of_the_channel_is_shown_next_to_the_reply(client, org, admin_a, settings):
    settings.MESSAGING_BACKEND = "twilio"  # the development file backend needs no account
    talk = conversation(org, channel="sms", address="+447700900999")  # no Twilio account yet
    client.force_login(admin_a)
    response = client.post(
        url(org, "conversation", conversation_id=talk.pk),
        {"action": "reply", "reply-body": "Hello"},
    )
    assert response.status_code == 400
    errors = response.context["forms"]["reply"].errors["body"]
    assert errors == ["No Twilio account is set up: an admin adds it in the messaging settings."]
    assert not Message.objects.filter(conversation=talk, direction="outbound").exists()


def test_whatsapp_after_24_hours_offers_only_a_template(
    client, org, admin_a, django_capture_on_commit_callbacks
):
    MessagingAccountFactory(organization=org)
    MessagingNumberFactory(organization=org, channel="whatsapp", number="+447700900200")
    template = WhatsAppTemplateFactory(organization=org, name="follow_up")
    talk = conversation(
        org,
        channel="whatsapp",
        address="+447700900888",
        our_address="+447700900200",
        last_inbound_at=timezone.now() - timedelta(hours=25),
    )
    client.force_login(admin_a)
    page = url(org, "conversation", conversation_id=talk.pk)
    response = client.get(page)
    form = response.context["forms"]["reply"]
    assert form.template_only and "body" not in form.fields
    assert list(form.fields["template"].queryset) == [template]
    assert "only an approved template" in response.content.decode()
    response = client.post(page, {"action": "reply", "reply-body": "Free text"})
    assert response.status_code == 400 and "template" in response.context["forms"]["reply"].errors
    with django_capture_on_commit_callbacks(execute=False):
        response = client.post(
            page,
            {"action": "reply", "reply-template": template.pk, "reply-variables": "Ada"},
        )
    assert response.status_code == 302
    sent = Message.objects.get(conversation=talk, direction="outbound")
    assert sent.template == template and sent.status == MessageStatus.QUEUED
