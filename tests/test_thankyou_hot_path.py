"""What the thank-you batch does once a letter, done for less (issue 21): the same results as the
general paths — the email's HTML, the sending decision, the webhook event."""

import pytest
from django.utils import translation
from django.utils.safestring import mark_safe
from django_scopes import ScopeError, scopes_disabled

from stakeholders import deliverability, sending
from stakeholders.integrations import events
from stakeholders.integrations.models import WebhookDelivery, WebhookEvent
from stakeholders.models import ConsentPurpose, EmailSuppression
from stakeholders.sending import Transactional
from stakeholders.tenancy.models import organization_scope
from tests.factories import ContactFactory, WebhookEndpointFactory
from thankyous import rendering

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("language", ["en", "fa", "km"])
def test_the_email_in_its_layout_is_the_rendered_one(org_a, language):
    bodies = [
        mark_safe("<p>Thank you, Ada</p>"),
        mark_safe("<p>Merci <b>&lt;Bo&gt;</b></p>\n<p>2</p>"),
        "<not safe> & escaped",
        "",
    ]
    with translation.override(language):
        for body in bodies:
            assert rendering.email_html_in_layout(
                organization=org_a, body=body
            ) == rendering.email_html(organization=org_a, body=body)
        org_a.name, org_a.brand_color, org_a.phone = "Hope & Co <1>", "#aa3300", "+44 1"
        for body in bodies:  # what the layout shows changed: rendered again
            html = rendering.email_html_in_layout(organization=org_a, body=body)
            assert html == rendering.email_html(organization=org_a, body=body)
            assert "Hope &amp; Co &lt;1&gt;" in html and "+44 1" in html


@pytest.mark.parametrize(
    "kind",
    [
        {"purpose": ConsentPurpose.THANK_YOUS},
        {"transactional": Transactional.ASKED},
        {"transactional": Transactional.SERVICE},
    ],
)
def test_suppressions_read_for_a_chunk_decide_as_one_query_each(org_a, kind):
    reasons = list(EmailSuppression.Reason)
    people = [ContactFactory(organization=org_a, email=f" P{i}@Example.org") for i in reasons]
    people.append(ContactFactory(organization=org_a, email="free@example.org"))
    people.append(ContactFactory(organization=org_a, email=""))
    with organization_scope(org_a):
        for person, reason in zip(people, reasons, strict=False):
            deliverability.suppression_record(
                organization=org_a, email=person.email.strip().lower(), reason=reason
            )
        deliverability.suppression_record(  # two reasons for one address
            organization=org_a,
            email=people[0].email.strip().lower(),
            reason=EmailSuppression.Reason.MANUAL,
        )
        known = sending.email_suppressions(
            organization=org_a, emails={person.email for person in people}
        )
        for person in people:
            alone = sending.decide(organization=org_a, contact=person, **kind)
            read_before = sending.decide(
                organization=org_a, contact=person, suppressions=known, **kind
            )
            assert alone == read_before


def test_an_event_goes_to_the_subscribed_endpoints_only(org_a, org_b):
    wanted = WebhookEndpointFactory(organization=org_a, events=["acknowledgment.sent"])
    WebhookEndpointFactory(organization=org_a, events=["acknowledgment.sent"], is_active=False)
    WebhookEndpointFactory(organization=org_a, events=["gift.created"])
    WebhookEndpointFactory(organization=org_a, events=["acknowledgment.sent"], role="viewer")
    WebhookEndpointFactory(organization=org_b, events=["acknowledgment.sent"])
    data = {"object": "acknowledgment", "id": 1}
    with organization_scope(org_a):
        event = events.emit(
            organization=org_a, type="acknowledgment.sent", data=data, roles=["admin"]
        )
        deliveries = WebhookDelivery.objects.filter(event=event)
        assert [d.endpoint_id for d in deliveries] == [wanted.pk]
        # Another organization's, from this one's scope: nothing, as the scoped query found.
        assert events.emit(organization=org_b.pk, type="acknowledgment.sent", data=data) is None
    with pytest.raises(ScopeError):  # outside any scope: refused, as the scoped query was
        events.emit(organization=org_a, type="acknowledgment.sent", data=data)
    with scopes_disabled():
        assert WebhookEvent.objects.filter(organization=org_a).count() == 1
