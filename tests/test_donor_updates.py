"""Donor updates: regularly but never daily — consent, the frequency cap, the cadence, exactly
one email per donor with RFC 8058 one-click unsubscribe, and a timeline entry for each."""

from datetime import timedelta
from decimal import Decimal
from urllib.parse import urlsplit

import pytest
from django.utils import timezone

from donors import services, updates
from donors.models import DonorUpdate, UpdateDelivery
from donors.tasks import send_donor_updates
from stakeholders import sending
from stakeholders import services as stakeholder_services
from stakeholders.models import Consent, Interaction
from stakeholders.tenancy.models import organization_scope
from tests.factories import ContactFactory, DonorUpdateFactory, FundFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def org(org_a):
    with organization_scope(org_a):
        yield org_a


def donor(org, email, consent=True, **fields):
    contact = ContactFactory(organization=org, email=email, **fields)
    services.gift_record(
        organization=org, contact=contact, amount=Decimal("20"), received_on=timezone.localdate()
    )
    if consent is not None:
        stakeholder_services.consent_record(
            organization=org,
            contact=contact,
            channel="email",
            purpose="donor_updates",
            granted=consent,
            source="form",
        )
    return contact


@pytest.fixture
def audience(org, admin_a):
    yes = donor(org, "yes@example.org")
    no = donor(org, "no@example.org", consent=False)
    never_asked = donor(org, "unasked@example.org", consent=None)
    busy = donor(org, "busy@example.org")
    stakeholder_services.interaction_log(
        organization=org,
        contact=busy,
        staff=admin_a,
        channel="email",
        subject="Appeal",
        is_bulk_message=True,
        occurred_at=timezone.now() - timedelta(days=3),
    )
    quiet = donor(org, "quiet@example.org", do_not_contact=True)
    return {"yes": yes, "no": no, "never_asked": never_asked, "busy": busy, "quiet": quiet}


def test_the_audience_preview_explains_who_is_left_out(org, audience):
    update = DonorUpdateFactory(organization=org)
    eligible, counts = updates.audience(organization=org, update=update)
    assert list(eligible) == [audience["yes"]]
    assert counts == {
        "donors": 5,
        "do_not_contact": 1,
        "no_email": 0,
        "no_consent": 2,
        "recently_messaged": 1,
        "eligible": 1,
    }


def test_updates_to_a_funds_donors_only(org, audience):
    meals = FundFactory(organization=org)
    services.gift_record(
        organization=org,
        contact=audience["busy"],
        amount=Decimal("5"),
        received_on=timezone.localdate(),
        fund=meals,
    )
    update = DonorUpdateFactory(organization=org, fund=meals)
    assert updates.audience(organization=org, update=update)[1]["donors"] == 1


def test_sending_once_with_unsubscribe_headers_and_a_timeline_entry(
    org, audience, mailbox, django_capture_on_commit_callbacks
):
    update = DonorUpdateFactory(organization=org)
    updates.schedule(organization=org, update=update)
    assert send_donor_updates.delay().get() == 1
    [message] = mailbox.messages
    assert message["To"] == "yes@example.org" and message["Subject"] == "Winter news"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    unsubscribe = str(message["List-Unsubscribe"]).strip()
    assert unsubscribe.startswith("<http") and "/donors/unsubscribe/" in unsubscribe
    interaction = Interaction.objects.get(contact=audience["yes"], related_kind="donors.update")
    assert interaction.is_bulk_message and interaction.channel == "email"
    update.refresh_from_db()
    assert update.status == "sent" and update.sent_at
    # A second run (or an overlapping one) sends nothing more.
    send_donor_updates.delay().get()
    assert len(mailbox.messages) == 1
    assert UpdateDelivery.objects.get().status == "sent"


def test_the_cadence_holds_the_next_update_back(org, audience, mailbox):
    first = DonorUpdateFactory(organization=org, title="First")
    updates.schedule(organization=org, update=first)
    send_donor_updates.delay().get()
    second = DonorUpdateFactory(organization=org, title="Second")
    updates.schedule(organization=org, update=second)
    send_donor_updates.delay().get()
    second.refresh_from_db()
    assert second.status == "scheduled"  # the 30-day cadence has not passed
    DonorUpdate.objects.filter(pk=first.pk).update(sent_at=timezone.now() - timedelta(days=31))
    send_donor_updates.delay().get()
    second.refresh_from_db()
    assert second.status == "sent"
    # "yes" got "First" 0 days ago by the clock: the 14-day cap skipped them for "Second".
    assert [m["Subject"] for m in mailbox.messages] == ["First"]
    assert UpdateDelivery.objects.filter(update=second).count() == 0


def test_one_click_unsubscribe_without_cookies_takes_effect_before_the_next_send(
    client, org, audience, mailbox
):
    update = DonorUpdateFactory(organization=org)
    updates.schedule(organization=org, update=update)
    send_donor_updates.delay().get()
    link = str(mailbox.messages[0]["List-Unsubscribe"]).strip().strip("<>")
    path = urlsplit(link).path
    page = client.get(path)
    assert page.status_code == 200 and b"Stop donor updates?" in page.content
    assert not Consent.objects.filter(source="unsubscribe").exists()  # GET did nothing
    client.cookies.clear()
    response = client.post(
        path, data="List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 200
    contact = audience["yes"]
    assert not sending.decide(
        organization=org, contact=contact, channel="email", purpose="donor_updates"
    )
    assert client.post(path.replace("unsubscribe/", "unsubscribe/x")).status_code == 400


def test_staff_compose_preview_and_schedule(client, org, audience, admin_a):
    client.force_login(admin_a)
    response = client.post(
        "/o/riverside/donors/updates/new/",
        {"title": "Spring", "body": "Good news", "action": "save"},
    )
    update = DonorUpdate.objects.get()
    assert response["Location"] == f"/o/riverside/donors/updates/{update.pk}/"
    page = client.get(response["Location"])
    assert (
        b"It would reach 1 donor" in page.content and b"heard from you too recently" in page.content
    )
    client.post(
        response["Location"], {"title": "Spring", "body": "Good news", "action": "schedule"}
    )
    update.refresh_from_db()
    assert update.status == "scheduled"
    assert (
        client.post(
            response["Location"], {"title": "Changed", "body": "x", "action": "save"}
        ).status_code
        == 200
    )
    update.refresh_from_db()
    assert update.title == "Spring"  # a scheduled update is no longer edited
