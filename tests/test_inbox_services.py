"""The shared inbox's core rules, whatever the channel: a message is stored once however often
the provider delivers it, joins the right conversation, starts the working-time reply clock our
answer stops, reaches the person's timeline (walled and without text for a client), and a reply
goes out on the conversation's channel exactly once."""

from datetime import UTC, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from stakeholders import selectors as core_selectors
from stakeholders.inbox import delivery, selectors, services, threads
from stakeholders.inbox.models import Conversation, ConversationStatus, Message, MessageStatus
from stakeholders.inbox.services import InboundMessage
from stakeholders.models import Interaction, Role, WorkingHours
from stakeholders.registries import restricted_interactions
from tests.concurrency import at_once
from tests.factories import ContactFactory, ConversationFactory

pytestmark = pytest.mark.django_db


def sms(address="+447700900123", body="Is the food bank open on Saturday?", sid="SM1", **kw):
    return InboundMessage(channel="sms", address=address, body=body, provider_message_id=sid, **kw)


def email(address="ana@example.org", body="Thank you!", subject="Hello", **kw):
    return InboundMessage(channel="email", address=address, body=body, subject=subject, **kw)


def test_a_text_from_a_known_number_lands_on_their_timeline_once(scope_a):
    contact = ContactFactory(organization=scope_a, mobile="+447700900123", is_donor=True)
    message, created = services.receive(organization=scope_a, inbound=sms())
    again, created_again = services.receive(organization=scope_a, inbound=sms())
    assert created and not created_again and again.pk == message.pk
    assert Message.objects.filter(organization=scope_a).count() == 1
    conversation = Conversation.objects.get(organization=scope_a)
    assert conversation.contact == contact and conversation.area == "donor"
    interaction = Interaction.objects.get(organization=scope_a, contact=contact)
    assert interaction.channel == "sms" and interaction.direction == "inbound"
    assert interaction.initiated_by_contact
    assert "Saturday" in interaction.notes
    assert message.interaction == interaction


def test_the_same_provider_id_posted_by_two_workers_at_once_is_stored_once(transactional_db):
    from stakeholders.tenancy.models import organization_scope
    from tests.factories import OrganizationFactory

    organization = OrganizationFactory()

    results = []

    def deliver(barrier):
        with organization_scope(organization):
            barrier.wait()
            results.append(
                services.receive(organization=organization, inbound=sms(sid="SMrace"))[1]
            )

    at_once(deliver)
    assert sorted(results) == [False, True]
    with organization_scope(organization):
        assert Message.objects.filter(provider_message_id="SMrace").count() == 1


def test_two_texts_from_a_new_number_at_once_open_one_conversation(transactional_db):
    from stakeholders.tenancy.models import organization_scope
    from tests.factories import OrganizationFactory

    organization = OrganizationFactory()
    sids = iter(["SMa", "SMb"])

    def deliver(barrier):
        sid = next(sids)
        with organization_scope(organization):
            barrier.wait()
            services.receive(organization=organization, inbound=sms(sid=sid))

    at_once(deliver)
    with organization_scope(organization):
        assert Message.objects.count() == 2
        assert Conversation.objects.count() == 1


def test_texts_from_one_number_join_one_conversation_and_reopen_it(scope_a):
    first, _ = services.receive(organization=scope_a, inbound=sms(sid="SM1"))
    services.close(organization=scope_a, conversation=first.conversation)
    second, _ = services.receive(organization=scope_a, inbound=sms(sid="SM2", body="Hello?"))
    assert second.conversation_id == first.conversation_id
    conversation = Conversation.objects.get(pk=first.conversation_id)
    assert conversation.status == ConversationStatus.OPEN and conversation.closed_at is None


def test_an_unknown_sender_starts_a_conversation_staff_can_link(scope_a):
    message, _ = services.receive(organization=scope_a, inbound=email(address="New@Example.org"))
    conversation = message.conversation
    assert conversation.contact is None and conversation.address == "new@example.org"
    assert conversation.area == "general"
    assert not Interaction.objects.filter(organization=scope_a).exists()
    contact = ContactFactory(organization=scope_a, email="new@example.org")
    services.link_contact(organization=scope_a, conversation=conversation, contact=contact)
    assert Interaction.objects.filter(organization=scope_a, contact=contact).count() == 1


def test_a_clients_messages_are_walled_and_carry_no_text_on_the_timeline(scope_a):
    contact = ContactFactory(organization=scope_a, email="c@example.org", is_client=True)
    message, _ = services.receive(
        organization=scope_a, inbound=email(address="c@example.org", body="My landlord…")
    )
    assert message.conversation.area == "client"
    interaction = message.interaction
    assert interaction.contact == contact and interaction.notes == ""
    assert "landlord" not in interaction.subject
    assert interaction.related_kind in restricted_interactions.hidden_from(Role.FUNDRAISER)
    assert interaction.related_kind not in restricted_interactions.hidden_from(Role.CASEWORKER)
    visible = selectors.conversations_for(organization=scope_a, role=Role.FUNDRAISER)
    assert not visible.filter(pk=message.conversation_id).exists()
    assert selectors.conversations_for(organization=scope_a, role=Role.CASEWORKER).exists()
    assert not selectors.conversations_for(organization=scope_a, role="").exists()


def test_moving_a_conversation_to_the_clients_team_walls_its_timeline(scope_a):
    ContactFactory(organization=scope_a, email="d@example.org", is_donor=True)
    message, _ = services.receive(organization=scope_a, inbound=email(address="d@example.org"))
    services.move(organization=scope_a, conversation=message.conversation, area="client")
    interaction = Interaction.objects.get(pk=message.interaction_id)
    assert interaction.related_kind == services.CLIENT_INTERACTION_KIND
    assert interaction.notes == ""
    with pytest.raises(ValidationError):
        services.move(organization=scope_a, conversation=message.conversation, area="nowhere")


def test_the_reply_clock_runs_in_working_time_and_the_first_reply_stops_it(scope_a, admin_a):
    WorkingHours.objects.bulk_create(
        WorkingHours(
            organization=scope_a,
            weekday=day,
            opens=timezone.datetime(2026, 1, 1, 9).time(),
            closes=timezone.datetime(2026, 1, 1, 17).time(),
        )
        for day in range(5)
    )
    # Friday 16:00 local (UTC org): a two-hour SMS target runs into Monday 10:00.
    friday = timezone.datetime(2026, 12, 4, 16, 0, tzinfo=UTC)
    message, _ = services.receive(organization=scope_a, inbound=sms(received_at=friday))
    conversation = Conversation.objects.get(pk=message.conversation_id)
    assert conversation.reply_due_at == timezone.datetime(2026, 12, 7, 10, 0, tzinfo=UTC)
    assert core_selectors.calendar_for(organization=scope_a).has_hours()
    services.add_note(organization=scope_a, conversation=conversation, author=admin_a, body="Hm")
    conversation.refresh_from_db()
    assert conversation.reply_due_at is not None  # a note answers nobody


def test_a_reply_goes_out_once_on_email_and_threads_back(
    scope_a, admin_a, mailbox, django_capture_on_commit_callbacks
):
    ContactFactory(organization=scope_a, email="ana@example.org")
    inbound, _ = services.receive(organization=scope_a, inbound=email())
    with django_capture_on_commit_callbacks(execute=True):
        reply = services.reply(
            organization=scope_a,
            conversation=inbound.conversation,
            author=admin_a,
            body="You're welcome — see you Saturday.",
        )
    reply.refresh_from_db()
    assert reply.status == MessageStatus.SENT
    assert not delivery.deliver(organization=scope_a, message_id=reply.pk)  # never twice
    (sent,) = mailbox.messages
    assert sent["Subject"] == "Re: Hello"
    assert threads.resolve(organization=scope_a, references=[sent["Message-ID"]]) == (
        threads.CONVERSATION,
        inbound.conversation_id,
    )
    conversation = Conversation.objects.get(pk=inbound.conversation_id)
    assert conversation.first_response_at is not None and conversation.reply_due_at is None
    answer, _ = services.receive(
        organization=scope_a,
        inbound=email(body="Great", subject="Re: Hello", references=(sent["Message-ID"],)),
    )
    assert answer.conversation_id == inbound.conversation_id
    assert Interaction.objects.filter(organization=scope_a, direction="outbound").count() == 1


def test_a_signed_message_id_of_another_organization_names_nothing(scope_a, org_b):
    value = threads.message_id(organization=org_b, kind=threads.CONVERSATION, object_id=5)
    assert threads.resolve(organization=org_b, references=[value]) == (threads.CONVERSATION, 5)
    assert threads.resolve(organization=scope_a, references=[value]) is None
    forged = value.replace(".", "x", 1)
    assert threads.resolve(organization=org_b, references=[forged]) is None


def test_a_reply_to_a_bounced_address_is_refused_before_it_is_queued(scope_a, admin_a):
    from stakeholders.models import EmailSuppression

    conversation = ConversationFactory(contact__organization=scope_a, address="x@example.org")
    EmailSuppression.objects.create(
        organization=scope_a, email="x@example.org", reason=EmailSuppression.Reason.HARD_BOUNCE
    )
    with pytest.raises(ValidationError) as error:
        services.reply(organization=scope_a, conversation=conversation, author=admin_a, body="Hi")
    assert "body" in error.value.message_dict
    assert not Message.objects.filter(organization=scope_a).exists()


def test_delivery_reports_never_go_backwards_and_record_the_cost(scope_a):
    message, _ = services.receive(organization=scope_a, inbound=sms())
    Message.objects.filter(pk=message.pk).update(
        direction="outbound", status=MessageStatus.SENT, provider_message_id="SMout"
    )
    for status in (MessageStatus.DELIVERED, MessageStatus.SENT):
        services.message_status_update(
            organization=scope_a,
            channel="sms",
            provider_message_id="SMout",
            status=status,
            cost=-0.0079,
            currency="usd",
        )
    message.refresh_from_db()
    assert message.status == MessageStatus.DELIVERED
    assert float(message.cost) == pytest.approx(0.0079) and message.cost_currency == "USD"


def test_snoozed_conversations_wake_when_their_time_comes(scope_a):
    conversation = ConversationFactory(contact__organization=scope_a)
    services.snooze(
        organization=scope_a,
        conversation=conversation,
        until=timezone.now() + timedelta(hours=1),
    )
    assert services.wake_snoozed(organization=scope_a) == 0
    assert services.wake_snoozed(organization=scope_a, now=timezone.now() + timedelta(hours=2))
    conversation.refresh_from_db()
    assert conversation.status == ConversationStatus.OPEN
    with pytest.raises(ValidationError):
        services.snooze(organization=scope_a, conversation=conversation, until=timezone.now())


def test_an_empty_message_or_one_without_sender_is_refused(scope_a):
    with pytest.raises(ValidationError):
        services.receive(organization=scope_a, inbound=sms(body="  "))
    with pytest.raises(ValidationError):
        services.receive(organization=scope_a, inbound=sms(address=""))
    assert not Conversation.objects.filter(organization=scope_a).exists()


def test_erasure_wipes_their_words_and_keeps_that_it_happened(scope_a, admin_a):
    from stakeholders import services as core_services

    contact = ContactFactory(organization=scope_a, mobile="+447700900123")
    services.receive(organization=scope_a, inbound=sms(body="My address is 1 High St"))
    core_services.contact_erase(organization=scope_a, contact=contact, actor=admin_a)
    message = Message.objects.get(organization=scope_a)
    assert message.body == "" and message.from_address == ""
    conversation = message.conversation
    conversation.refresh_from_db()
    assert conversation.contact is None and "+44" not in conversation.address
