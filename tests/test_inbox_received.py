"""Texts are answered first and filed after (``stakeholders.inbox.received``): a retry while
one waits is kept once, a drain files them in arrival order, a text that can't be filed is
retried behind newer ones and set aside after five tries, and the minute sweep finds what a
lost drain task left."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from stakeholders.inbox import received, tasks, twilio
from stakeholders.inbox.models import Message, ReceivedText
from stakeholders.tenancy.models import organization_scope
from tests.test_inbox_twilio import THEM, conversation_of, post_text, set_up_messaging, stored

pytestmark = pytest.mark.django_db


@pytest.fixture
def org(org_a):
    org_a.country = "GB"
    org_a.save()
    set_up_messaging(org_a)
    return org_a


@pytest.fixture
def drains(monkeypatch):
    """Drain tasks scheduled, not run (as when the worker is busy)."""
    scheduled = []
    monkeypatch.setattr(tasks.file_received_texts, "delay", lambda **ids: scheduled.append(ids))
    return scheduled


def waiting(org):
    with organization_scope(org):
        return list(ReceivedText.objects.order_by("id"))


def test_a_burst_schedules_one_drain_and_a_retry_while_waiting_is_kept_once(client, org, drains):
    cache.delete(f"inbox:drain-scheduled:{org.pk}")
    for sid in ("SM" + "1" * 32, "SM" + "2" * 32, "SM" + "1" * 32):
        assert post_text(client, org, sid=sid).status_code == 200
    assert [row.provider_message_id for row in waiting(org)] == ["SM" + "1" * 32, "SM" + "2" * 32]
    assert drains == [{"organization_id": org.pk}]
    assert stored(org) == []  # answered, not filed yet
    with organization_scope(org):
        assert received.drain(organization=org) == 2
    assert [m.provider_message_id for m in stored(org)] == ["SM" + "1" * 32, "SM" + "2" * 32]
    assert waiting(org) == []
    # Twilio retries one already filed: kept, then found by the message's own constraint.
    assert post_text(client, org, sid="SM" + "2" * 32).status_code == 200
    with organization_scope(org):
        received.drain(organization=org)
    assert len(stored(org)) == 2 and waiting(org) == []


def test_the_message_keeps_the_time_it_arrived_not_the_time_it_was_filed(client, org, drains):
    post_text(client, org, sid="SM" + "3" * 32)
    arrived = waiting(org)[0].received_at
    with organization_scope(org):
        received.drain(organization=org)
        message = Message.objects.get(organization=org)
    assert message.created_at == arrived
    assert conversation_of(org).address == THEM


def test_the_stored_text_is_encrypted(client, org, drains):
    from django.db import connection

    post_text(client, org, "My address is 1 Secret Lane", sid="SM" + "4" * 32)
    with organization_scope(org), connection.cursor() as cursor:
        cursor.execute("SELECT message FROM stakeholders_receivedtext")
        (raw,) = cursor.fetchone()
    assert "Secret" not in raw


def test_a_text_that_fails_is_retried_behind_newer_ones_then_set_aside(
    client, org, drains, monkeypatch
):
    post_text(client, org, "first", sid="SM" + "5" * 32)
    post_text(client, org, "second", sid="SM" + "6" * 32)
    real_receive = twilio.receive

    def receive(*, organization, inbound):
        if inbound.body == "first":
            raise RuntimeError("database hiccup")
        return real_receive(organization=organization, inbound=inbound)

    monkeypatch.setattr(twilio, "receive", receive)
    with organization_scope(org):
        assert received.drain(organization=org) == 0  # stops at the failure
        assert received.drain(organization=org) == 1  # the second goes before the first again
        for _attempt in range(4):
            received.drain(organization=org)
    assert [m.provider_message_id for m in stored(org)] == ["SM" + "6" * 32]
    [row] = waiting(org)
    assert row.attempts == received.MAX_ATTEMPTS and row.last_error == "RuntimeError"
    assert {labels["state"]: n for labels, n in received.platform_backlog()} == {
        "waiting": 0,
        "set_aside": 1,
    }
    with organization_scope(org):
        assert received.drain(organization=org) == 0  # set aside: no longer tried


def test_the_sweep_drains_texts_a_lost_task_left_and_deletes_old_set_aside_ones(
    client, org, drains
):
    post_text(client, org, sid="SM" + "7" * 32)
    assert received.organizations_waiting() == []  # under a minute: its drain is on its way
    with organization_scope(org):
        ReceivedText.objects.update(received_at=timezone.now() - timedelta(minutes=2))
    assert received.organizations_waiting() == [org.pk]
    with organization_scope(org):
        ReceivedText.objects.update(
            attempts=received.MAX_ATTEMPTS, received_at=timezone.now() - timedelta(days=8)
        )
    assert received.organizations_waiting() == []
    assert waiting(org) == []


def test_a_drain_hands_over_after_its_batch(client, org, drains):
    for index in range(3):
        post_text(client, org, f"text {index}", sid=f"SM{index:032d}")
    drains.clear()
    with organization_scope(org):
        assert received.drain(organization=org, limit=2) == 2
    assert drains == [{"organization_id": org.pk}]  # the rest goes to the next drain
    assert len(waiting(org)) == 1
