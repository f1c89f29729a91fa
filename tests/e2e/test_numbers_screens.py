"""Screenshots of the pages whose figures must agree (issue 17, item 2) and of the gift pages
(item 8), at 1280 and 375 px, into var/screenshots (or SCREENS_DIR) as
17-numbers-<page>-<SCREENS_LABEL>-<width>.png. A page that does not exist (yet) is skipped."""

import os
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone

from donors import services as donor_services
from stakeholders import services as stakeholder_services
from stakeholders.models import ComplaintCategory
from stakeholders.tenancy.models import organization_scope
from tests.e2e.conftest import SCREENSHOTS
from tests.e2e.test_accessibility import assert_accessible
from tests.e2e.test_timeline import sign_in
from tests.factories import (
    ContactFactory,
    FundFactory,
    MembershipFactory,
    OrganizationFactory,
    ServiceRequestFactory,
)
from thankyous.models import Acknowledgment

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
SCREENS = Path(os.environ.get("SCREENS_DIR", SCREENSHOTS))
LABEL = os.environ.get("SCREENS_LABEL", "after")


def seed(organization, admin):
    now, today = timezone.now(), timezone.localdate()
    meals = FundFactory(organization=organization, name="Meals")
    gifts = []
    for i, name in enumerate(["Ada Lovelace", "Fatima Adeyemi", "Björn Nguyen", "Sam Okafor"]):
        first, last = name.split()
        donor = ContactFactory(
            organization=organization, first_name=first, last_name=last, email=f"d{i}@example.org"
        )
        for days in (0, 3, 45):
            gifts.append(
                donor_services.gift_record(
                    organization=organization,
                    contact=donor,
                    amount=Decimal(25 + 10 * i),
                    received_on=today - timedelta(days=days),
                    allocations=[(meals, Decimal(25 + 10 * i))],
                    payment_method="card" if i % 2 else "cash",
                    reference=f"TXN-{i}{days}",
                )
            )
    for hours, thanked in zip((2.4, 3.1, 30), gifts[-3:], strict=True):
        Acknowledgment.objects.create(
            organization=organization,
            kind="gift",
            target_id=thanked.pk,
            contact=thanked.contact,
            state=Acknowledgment.State.SENT,
            received_at=now - timedelta(hours=hours),
            sent_at=now,
        )
    waiting = ComplaintCategory.objects.create(organization=organization, name="Waiting times")
    person = ContactFactory(organization=organization, first_name="Kim", last_name="Sok")
    for _ in range(2):
        ServiceRequestFactory(
            organization=organization, contact=person, kind="complaint", complaint_category=waiting
        )
    stakeholder_services.interaction_log(
        organization=organization,
        contact=person,
        staff=admin,
        channel="phone",
        direction="inbound",
        subject="Waited an hour",
        kind="complaint",
        complaint_category=waiting,
    )
    return gifts[0]


def test_screens(live_server, browser):
    organization = OrganizationFactory(name="Riverside Food Bank", slug="riverside")
    admin = MembershipFactory(organization=organization, role="admin").user
    with organization_scope(organization):
        gift = seed(organization, admin)
    pages = {
        "dashboard": "/o/riverside/",
        "thankyous": "/o/riverside/thank-yous/",
        "reports": "/o/riverside/clients/reports/",
        "gifts": "/o/riverside/donors/gifts/",
        "gift": f"/o/riverside/donors/gifts/{gift.pk}/",
    }
    SCREENS.mkdir(parents=True, exist_ok=True)
    for width in (1280, 375):
        context = browser.new_context(viewport={"width": width, "height": 900}, locale="en-GB")
        page = context.new_page()
        sign_in(page, live_server, admin.email)
        page.wait_for_load_state()
        for name, path in pages.items():
            response = page.goto(f"{live_server.url}{path}")
            if response.status != 200:
                continue
            page.screenshot(
                path=str(SCREENS / f"17-numbers-{name}-{LABEL}-{width}.png"), full_page=True
            )
            if LABEL == "after" and name in ("gifts", "gift"):  # this part's pages: axe-clean
                assert_accessible(page, f"{name} at {width} px")
        context.close()
