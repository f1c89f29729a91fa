"""Item 2 of issue 17: a figure shown in two places is one selector's answer, so both pages show
the same value. Each page marks the figure with ``data-figure="…"``; the tests render both
pages and compare what they say."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from donors import services as donor_services
from stakeholders import services as stakeholder_services
from stakeholders.models import ComplaintCategory
from stakeholders.tenancy.models import organization_scope
from tests.factories import ContactFactory, ServiceRequestFactory
from thankyous.models import Acknowledgment

pytestmark = pytest.mark.django_db


@pytest.fixture
def org(org_a):
    with organization_scope(org_a):
        yield org_a


def figures(page, name):
    """The texts of the elements marked ``data-figure="name"`` on a rendered page."""
    html = page.content.decode()
    return [
        re.sub(r"<[^>]+>|\s+", " ", text).strip()
        for text in re.findall(rf'data-figure="{re.escape(name)}"[^>]*>(.*?)</', html, re.S)
    ]


def gift(org, name="Ada", email="ada@example.org"):
    contact = ContactFactory(organization=org, first_name=name, email=email)
    return donor_services.gift_record(
        organization=org, contact=contact, amount=Decimal("50"), received_on=timezone.localdate()
    )


def test_the_thank_you_queue_never_says_both_seven_for_the_next_run_and_nothing_waiting(
    client, org, admin_a
):
    for i in range(7):
        gift(org, name=f"Donor {i}", email=f"d{i}@example.org")  # not queued yet
    client.force_login(admin_a)
    page = client.get("/o/riverside/thank-yous/")
    assert figures(page, "thank-next-run") == ["7"]
    assert b"Nothing waiting" not in page.content
    assert b"7 thank-yous will go out at the next run" in page.content


def test_time_to_thank_is_the_same_on_the_dashboard_and_the_thank_you_page(client, org, admin_a):
    now = timezone.now()
    for hours in (2.4, 3.1, 30):  # a median that rounds differently at 0 and 1 decimals
        thanked = gift(org, email=f"{hours}@example.org")
        ack = Acknowledgment.objects.create(
            organization=org,
            kind="gift",
            target_id=thanked.pk,
            contact=thanked.contact,
            state=Acknowledgment.State.SENT,
            received_at=now - timedelta(hours=hours),
            sent_at=now,
        )
        assert ack.pk
    client.force_login(admin_a)
    dashboard = figures(client.get("/o/riverside/"), "time-to-thank-median")
    page = figures(client.get("/o/riverside/thank-yous/"), "time-to-thank-median")
    assert dashboard == page and len(page) == 1 and page[0] not in ("", "—")


def test_complaint_counts_agree_between_the_dashboard_and_the_client_reports(client, org, admin_a):
    """Complaints are counted once, whether logged as an interaction or opened as a request."""
    waiting, rude = (
        ComplaintCategory.objects.create(organization=org, name="Waiting times"),
        ComplaintCategory.objects.create(organization=org, name="Staff attitude"),
    )
    person = ContactFactory(organization=org)
    for _ in range(2):  # complaint requests: the reports counted these, the dashboard did not
        ServiceRequestFactory(
            organization=org, contact=person, kind="complaint", complaint_category=waiting
        )
    ServiceRequestFactory(organization=org, contact=person, kind="request")  # not a complaint
    stakeholder_services.interaction_log(  # logged by phone: the dashboard counted only these
        organization=org,
        contact=person,
        staff=admin_a,
        channel="phone",
        direction="inbound",
        subject="Rude reply",
        kind="complaint",
        complaint_category=rude,
    )
    stakeholder_services.interaction_log(
        organization=org,
        contact=person,
        staff=admin_a,
        channel="phone",
        direction="inbound",
        subject="Waited an hour",
        kind="complaint",
        complaint_category=waiting,
    )
    client.force_login(admin_a)
    dashboard = client.get("/o/riverside/")
    reports = client.get("/o/riverside/clients/reports/")
    for category, expected in ((waiting, "3"), (rude, "1")):
        name = f"complaints-{category.pk}"
        assert figures(dashboard, name) == figures(reports, name) == [expected]


def test_a_viewer_counts_no_client_complaints(client, org, member_factory):
    """The dashboard's figure follows the reader's role: casework stays with caseworkers."""
    category = ComplaintCategory.objects.create(organization=org, name="Waiting times")
    ServiceRequestFactory(
        organization=org,
        contact=ContactFactory(organization=org),
        kind="complaint",
        complaint_category=category,
    )
    client.force_login(member_factory(org, role="viewer"))
    assert not figures(client.get("/o/riverside/"), f"complaints-{category.pk}")
