"""Deliverability: the providers' bounces, complaints and unsubscribes, posted to Anymail's
tracking webhooks as the providers post them, suppress the address; every sending path honours
the suppression; the person's page and the dashboard show it."""

import base64
import hashlib
import hmac
import json
import time
from datetime import timedelta

import pytest
from django.utils import timezone

from stakeholders import deliverability, sending
from stakeholders import services as stakeholder_services
from stakeholders.models import (
    ConsentPurpose,
    Contact,
    ContactEvent,
    EmailSuppression,
)
from stakeholders.sending import Reason, Transactional
from stakeholders.tenancy.models import organization_scope
from tests.factories import ContactFactory

pytestmark = pytest.mark.django_db

SECRET = "provider:s3cret-webhook-password"
MAILGUN_KEY = "key-mailgun-webhook-signing-key"
MAILGUN_TOKEN = "06c96bafc3f42a66b9edd546347a2fe18dc23461fe80dc52f0"
Suppression = EmailSuppression.Reason


@pytest.fixture(autouse=True)
def anymail_settings(settings):
    settings.ANYMAIL = {"WEBHOOK_SECRET": SECRET, "MAILGUN_WEBHOOK_SIGNING_KEY": MAILGUN_KEY}


def basic_auth(credentials=SECRET):
    return {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(credentials.encode()).decode()}


def postmark_bounce(email, *, event_id=4323372036854775807, kind="HardBounce"):
    """A Postmark bounce webhook, as Postmark documents and posts it."""
    return {
        "RecordType": "Bounce",
        "MessageStream": "outbound",
        "ID": event_id,
        "Type": kind,
        "TypeCode": 1,
        "Name": "Hard bounce",
        "Tag": "thank-you",
        "MessageID": "883953f4-6105-42a2-a16a-77a8eac79483",
        "Metadata": {},
        "ServerID": 23,
        "Description": "The server was unable to deliver your message (ex: unknown user, "
        "mailbox not found).",
        "Details": "smtp;550 5.1.1 The email account that you tried to reach does not exist.",
        "Email": email,
        "From": "thanks@riverside.example",
        "BouncedAt": "2026-11-05T16:33:54.9070259Z",
        "DumpAvailable": True,
        "Inactive": True,
        "CanActivate": True,
        "Subject": "Thank you",
    }


def post_postmark(client, payload, *, slug="riverside", auth=SECRET):
    return client.post(
        f"/o/{slug}/webhooks/email/postmark/tracking/",
        data=json.dumps(payload),
        content_type="application/json",
        **(basic_auth(auth) if auth else {}),
    )


def mailgun_event(
    email,
    *,
    event="complained",
    key=MAILGUN_KEY,
    token=MAILGUN_TOKEN,
):
    """A Mailgun webhook (the JSON kind), signed with Mailgun's scheme as Anymail's own tests
    sign it: HMAC-SHA256 of timestamp and token under the webhook signing key. Anymail takes the
    token as the event's id."""
    timestamp = str(int(time.time()))
    signature = hmac.new(
        key=key.encode("ascii"), msg=f"{timestamp}{token}".encode("ascii"), digestmod=hashlib.sha256
    ).hexdigest()
    return {
        "signature": {"timestamp": timestamp, "token": token, "signature": signature},
        "event-data": {
            "event": event,
            "id": "-Agny091SquKnsrW2NEKUA",
            "timestamp": time.time(),
            "recipient": email,
            "message": {"headers": {"message-id": "20260101.1@riverside.example"}},
            "tags": [],
            "user-variables": {},
        },
    }


def post_mailgun(client, payload, *, slug="riverside"):
    return client.post(
        f"/o/{slug}/webhooks/email/mailgun/tracking/",
        data=json.dumps(payload),
        content_type="application/json",
        **basic_auth(),
    )


def suppressions(org):
    with organization_scope(org):
        return list(EmailSuppression.objects.values_list("email", "reason", "contact_id"))


def events_of(org, contact):
    with organization_scope(org):
        return list(
            ContactEvent.objects.filter(
                contact=contact, kind=ContactEvent.Kind.EMAIL_SUPPRESSED
            ).values_list("summary", flat=True)
        )


# --- The webhooks --------------------------------------------------------------------------------


def test_a_postmark_hard_bounce_suppresses_the_address_once_even_if_posted_twice(client, org_a):
    person = ContactFactory(organization=org_a, email="Fatima@Example.org")
    for _ in range(2):
        response = post_postmark(client, postmark_bounce("fatima@example.org"))
        assert response.status_code == 200
    assert suppressions(org_a) == [("fatima@example.org", Suppression.HARD_BOUNCE, person.pk)]
    [summary] = events_of(org_a, person)
    assert summary.startswith("Email bounced: fatima@example.org")


def test_the_same_bounce_under_another_event_id_is_still_one_suppression(client, org_a):
    ContactFactory(organization=org_a, email="fatima@example.org")
    post_postmark(client, postmark_bounce("fatima@example.org", event_id=1))
    post_postmark(client, postmark_bounce("fatima@example.org", event_id=2))
    assert len(suppressions(org_a)) == 1


def test_a_soft_bounce_suppresses_nothing(client, org_a):
    response = post_postmark(client, postmark_bounce("x@example.org", kind="SoftBounce"))
    assert response.status_code == 200
    assert suppressions(org_a) == []


def test_a_signed_mailgun_complaint_and_unsubscribe_are_recorded(client, org_a):
    person = ContactFactory(organization=org_a, email="ana@example.org")
    assert post_mailgun(client, mailgun_event("ana@example.org")).status_code == 200
    assert (
        post_mailgun(
            client, mailgun_event("ana@example.org", event="unsubscribed", token="another-token")
        ).status_code
        == 200
    )
    assert sorted(suppressions(org_a)) == [
        ("ana@example.org", Suppression.COMPLAINT, person.pk),
        ("ana@example.org", Suppression.UNSUBSCRIBED, person.pk),
    ]
    assert any(s.startswith("Marked our email as spam") for s in events_of(org_a, person))


def test_a_forged_mailgun_signature_is_refused_and_stores_nothing(client, org_a):
    ContactFactory(organization=org_a, email="ana@example.org")
    forged = mailgun_event("ana@example.org", key="key-not-the-real-one")
    response = post_mailgun(client, forged)
    assert response.status_code == 400
    assert suppressions(org_a) == []


@pytest.mark.parametrize("auth", ["provider:wrong", None])
def test_wrong_or_missing_basic_auth_is_refused_and_stores_nothing(client, org_a, auth):
    ContactFactory(organization=org_a, email="fatima@example.org")
    response = post_postmark(client, postmark_bounce("fatima@example.org"), auth=auth)
    assert response.status_code == 400
    assert suppressions(org_a) == []


def test_without_a_webhook_secret_the_webhooks_refuse_everything(client, org_a, settings):
    settings.ANYMAIL = {}
    response = post_postmark(client, postmark_bounce("fatima@example.org"))
    assert response.status_code == 403
    assert suppressions(org_a) == []


def test_an_unknown_organization_is_404(client, org_a):
    response = post_postmark(client, postmark_bounce("fatima@example.org"), slug="nowhere")
    assert response.status_code == 404


def test_another_organizations_address_cannot_suppress_this_organizations_contact(
    client, org_a, org_b
):
    person = ContactFactory(organization=org_a, email="fatima@example.org")
    assert post_postmark(
        client, postmark_bounce("fatima@example.org"), slug="hope"
    ).status_code == (200)
    assert suppressions(org_a) == []
    assert suppressions(org_b) == [("fatima@example.org", Suppression.HARD_BOUNCE, None)]
    assert events_of(org_a, person) == []
    with organization_scope(org_a):
        assert sending.decide(
            organization=org_a, contact=person, purpose=ConsentPurpose.THANK_YOUS
        ).allowed


# --- The sending decision ------------------------------------------------------------------------


def suppress(org, email, reason):
    with organization_scope(org):
        return deliverability.suppression_record(organization=org, email=email, reason=reason)


@pytest.mark.parametrize(
    ("suppression", "reason", "asked", "service", "purpose"),
    [
        (Suppression.HARD_BOUNCE, Reason.EMAIL_BOUNCED, False, False, False),
        (Suppression.MANUAL, Reason.EMAIL_SUPPRESSED, True, False, False),
        (Suppression.COMPLAINT, Reason.SPAM_COMPLAINT, True, True, False),
        (Suppression.UNSUBSCRIBED, Reason.UNSUBSCRIBED, True, True, False),
    ],
)
def test_decide_refuses_email_by_the_reason_of_the_suppression(
    org_a, suppression, reason, asked, service, purpose
):
    person = ContactFactory(organization=org_a, email="Kim@Example.org")
    other = ContactFactory(organization=org_a, email="other@example.org")
    suppress(org_a, "kim@example.org", suppression)
    with organization_scope(org_a):
        decisions = {
            "asked": sending.decide(
                organization=org_a, contact=person, transactional=Transactional.ASKED
            ),
            "service": sending.decide(
                organization=org_a, contact=person, transactional=Transactional.SERVICE
            ),
            "purpose": sending.decide(
                organization=org_a, contact=person, purpose=ConsentPurpose.THANK_YOUS
            ),
        }
        assert {k: d.allowed for k, d in decisions.items()} == {
            "asked": asked,
            "service": service,
            "purpose": purpose,
        }
        assert all(d.reason == reason for d in decisions.values() if not d)
        assert str(decisions["purpose"].reason_label)
        # Another address of the same organization, and a letter to the same person, still go.
        assert sending.decide(organization=org_a, contact=other, purpose=ConsentPurpose.THANK_YOUS)
        assert sending.decide(
            organization=org_a,
            contact=person,
            transactional=Transactional.ASKED,
            address="kim.new@example.org",
        )


def test_decide_checks_a_typed_address_too(org_a):
    person = ContactFactory(organization=org_a, email="kim@example.org")
    suppress(org_a, "typed@example.org", Suppression.HARD_BOUNCE)
    with organization_scope(org_a):
        decision = sending.decide(
            organization=org_a,
            contact=person,
            transactional=Transactional.ASKED,
            address="Typed@example.org",
        )
    assert decision.reason == Reason.EMAIL_BOUNCED


def test_audience_leaves_suppressed_addresses_out_in_one_query(org_a, django_assert_num_queries):
    people = {
        name: ContactFactory(organization=org_a, email=f"{name}@Example.org")
        for name in ("may", "bounced", "complained", "unsubscribed")
    }
    suppress(org_a, "bounced@example.org", Suppression.HARD_BOUNCE)
    suppress(org_a, "complained@example.org", Suppression.COMPLAINT)
    suppress(org_a, "unsubscribed@example.org", Suppression.UNSUBSCRIBED)
    with organization_scope(org_a):
        with django_assert_num_queries(1):
            eligible, counts = sending.audience(
                organization=org_a,
                contacts=Contact.objects.filter(organization=org_a),
                purpose=ConsentPurpose.THANK_YOUS,
            )
        assert list(eligible) == [people["may"]]
    assert counts[Reason.EMAIL_BOUNCED] == 1
    assert counts[Reason.SPAM_COMPLAINT] == 1
    assert counts[Reason.UNSUBSCRIBED] == 1
    assert (counts["total"], counts["eligible"]) == (4, 1)


# --- Erasure -------------------------------------------------------------------------------------


def test_erasure_keeps_the_suppression_but_only_the_address(org_a, admin_a):
    person = ContactFactory(organization=org_a, email="gone@example.org")
    with organization_scope(org_a):
        deliverability.suppression_record(
            organization=org_a,
            email="gone@example.org",
            reason=Suppression.HARD_BOUNCE,
            detail="550 no such user: Gone Person",
        )
        stakeholder_services.contact_erase(organization=org_a, contact=person, actor=admin_a)
        row = EmailSuppression.objects.get()
    assert (row.email, row.contact_id, row.detail) == ("gone@example.org", None, "")


# --- On the pages --------------------------------------------------------------------------------


def test_the_contact_page_shows_the_bounce(client, org_a, admin_a):
    person = ContactFactory(organization=org_a, email="fatima@example.org")
    post_postmark(client, postmark_bounce("fatima@example.org"))
    client.force_login(admin_a)
    page = client.get(f"/o/riverside/contacts/{person.pk}/panels/").content.decode()
    assert "Email bounced on" in page
    assert 'data-suppression="hard_bounce"' in page


def test_a_contact_without_suppressions_has_no_delivery_panel(client, org_a, admin_a):
    person = ContactFactory(organization=org_a, email="fine@example.org")
    client.force_login(admin_a)
    page = client.get(f"/o/riverside/contacts/{person.pk}/panels/").content.decode()
    assert "delivery-panel-heading" not in page


def test_the_dashboard_card_counts_the_last_30_days(client, org_a, admin_a):
    suppress(org_a, "a@example.org", Suppression.HARD_BOUNCE)
    suppress(org_a, "b@example.org", Suppression.HARD_BOUNCE)
    suppress(org_a, "b@example.org", Suppression.COMPLAINT)
    old = suppress(org_a, "c@example.org", Suppression.UNSUBSCRIBED)
    with organization_scope(org_a):
        EmailSuppression.objects.filter(pk=old.pk).update(
            created_at=timezone.now() - timedelta(days=40)
        )
    client.force_login(admin_a)
    response = client.get("/o/riverside/")
    page = response.content.decode()
    assert "Delivery health" in page
    [card] = [c for c in response.context["cards"] if "health" in c]
    assert card["health"] == {"bounces": 2, "complaints": 1, "unsubscribes": 0, "suppressed": 3}
