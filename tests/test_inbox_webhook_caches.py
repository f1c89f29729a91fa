"""What the inbound webhooks cache to answer 200 texts a second (issue 19's benchmark), and
that the caches never refuse a genuine message nor outlive a change: the organization (Redis,
forgotten on save), the Twilio account and numbers (per process, read again before refusing),
and the statements a text costs: one INSERT to answer Twilio, a few more to file it later."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from stakeholders.inbox import received, services, tasks, twilio
from stakeholders.inbox.models import Message, MessagingAccount, MessagingNumber, ReceivedText
from stakeholders.tenancy.models import organization_scope
from tests.test_inbox_twilio import SMS_NUMBER, THEM, post_text, stored
from tests.twilio_server import AUTH_TOKEN, inbound_params, signed_post

pytestmark = pytest.mark.django_db
NEW_TOKEN = "fedcba9876543210fedcba9876543210"


@pytest.fixture
def org(org_a):
    from tests.test_inbox_twilio import set_up_messaging

    org_a.country = "GB"
    org_a.save()
    set_up_messaging(org_a)
    return org_a


def test_a_token_changed_by_another_process_is_accepted_at_once_and_the_old_one_refused(
    client, org
):
    assert post_text(client, org, sid="SM" + "1" * 32).status_code == 200  # now cached
    with organization_scope(org):  # as another worker would: no signal reaches this process
        MessagingAccount.objects.filter(organization=org).update(auth_token=NEW_TOKEN)
    assert post_text(client, org, sid="SM" + "2" * 32, auth_token=NEW_TOKEN).status_code == 200
    assert post_text(client, org, sid="SM" + "3" * 32, auth_token=AUTH_TOKEN).status_code == 403
    assert [m.provider_message_id for m in stored(org)] == ["SM" + "1" * 32, "SM" + "2" * 32]


def test_a_number_added_by_another_process_is_found_and_an_unknown_one_still_404(client, org):
    assert post_text(client, org, sid="SM" + "4" * 32).status_code == 200
    with organization_scope(org):
        MessagingNumber.objects.bulk_create(  # no signals, as from another process
            [MessagingNumber(organization=org, channel="sms", number="+447700900099")]
        )
    assert post_text(client, org, sid="SM" + "5" * 32, to="+447700900099").status_code == 200
    assert post_text(client, org, sid="SM" + "6" * 32, to="+447700900098").status_code == 404


def test_an_account_deactivated_here_refuses_the_next_webhook(client, org):
    assert post_text(client, org, sid="SM" + "7" * 32).status_code == 200
    with organization_scope(org):
        account = MessagingAccount.objects.get(organization=org)
        account.active = False
        account.save()
    assert post_text(client, org, sid="SM" + "8" * 32).status_code == 403
    assert len(stored(org)) == 1


def test_a_renamed_organization_answers_webhooks_at_its_new_address_only(client, org):
    assert post_text(client, org, sid="SM" + "9" * 32).status_code == 200  # cached by slug
    old_slug = org.slug
    org.slug = "riverside-food"
    org.save()
    params = inbound_params(from_=THEM, to=SMS_NUMBER, body="Hi", sid="SM" + "a1" * 16)
    old = signed_post(f"/o/{old_slug}/webhooks/twilio/sms/", params, client=client)
    assert old.status_code == 404
    new = signed_post(f"/o/{org.slug}/webhooks/twilio/sms/", params, client=client)
    assert new.status_code == 200


@pytest.mark.django_db(transaction=True)
def test_a_text_costs_one_insert_and_no_lookup_of_the_organization_account_or_numbers(
    client, org, monkeypatch
):
    drains = []
    monkeypatch.setattr(tasks.file_received_texts, "delay", lambda **ids: drains.append(ids))
    assert post_text(client, org, sid="SM" + "b" * 32).status_code == 200  # caches filled
    cache.delete(f"inbox:drain-scheduled:{org.pk}")
    drains.clear()
    with CaptureQueriesContext(connection) as queries:
        assert post_text(client, org, sid="SM" + "c" * 32).status_code == 200
    statements = [query["sql"] for query in queries.captured_queries]
    assert len(statements) == 1 and statements[0].split()[:3] == [
        "INSERT",
        "INTO",
        "stakeholders_receivedtext",
    ], statements
    assert "ON CONFLICT DO NOTHING" in statements[0] and "BEGIN" not in statements
    assert drains == [{"organization_id": org.pk}]  # one drain for the burst
    with organization_scope(org):
        services.inbox_settings(organization=org)  # made once per organization, in a savepoint
        with CaptureQueriesContext(connection) as queries:
            assert received.drain(organization=org) == 2
        filed = [q["sql"] for q in queries.captured_queries if q["sql"] not in ("BEGIN", "COMMIT")]
        # per text: the row (FOR UPDATE SKIP LOCKED), lock, provider id, contact, conversation,
        # its INSERT or UPDATE, the message INSERT, the row's DELETE (an unknown sender: no
        # timeline entry) — a new conversation also reads the reply target and the calendar
        # (settings, working hours, holidays); then the look that finds none left
        assert not any(sql.startswith(("SAVEPOINT", "RELEASE")) for sql in filed), filed
        assert len(filed) == (8 + 3) + 8 + 1, filed
        assert Message.objects.filter(organization=org).count() == 2
        assert not ReceivedText.objects.exists()


def test_routing_is_read_again_after_its_time(org, monkeypatch):
    twilio._routes.clear()
    with organization_scope(org):
        first = twilio.webhook_routing(org)
        assert not first.cached and first.account is not None
        assert twilio.webhook_routing(org).cached
        monkeypatch.setattr(twilio, "ROUTING_SECONDS", 0)
        twilio._routes.clear()
        twilio.webhook_routing(org)
        assert not twilio.webhook_routing(org).cached
