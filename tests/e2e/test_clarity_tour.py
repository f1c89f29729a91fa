"""A screenshot tour of the pages issue 17's clarity part touched, at a phone's and a desktop's
width, on the demo organization (kept as artifacts: ``var/screenshots/17-clarity-*.png``; set
``STEWARD_SCREENS`` to write them elsewhere and ``STEWARD_SCREENS_TAG`` to name the pass)."""

import os
from pathlib import Path

import pytest
from django.core.management import call_command

from stakeholders import demo as demo_data
from stakeholders.models import Contact, Organization
from stakeholders.tenancy.models import organization_scope

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
SCREENS = Path(
    os.environ.get("STEWARD_SCREENS", Path(__file__).resolve().parents[2] / "var" / "screenshots")
)
TAG = os.environ.get("STEWARD_SCREENS_TAG", "after")


def test_clarity_tour(live_server, page, settings):
    settings.DEBUG = True
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    organization = Organization.objects.get(slug="riverside")
    with organization_scope(organization):
        contact = (
            Contact.objects.filter(organization=organization, is_donor=True).order_by("pk").first()
        )
    page.goto(f"{live_server.url}/accounts/login/")
    page.locator("input[name=login]").fill("admin@riverside.example.org")
    page.locator("input[name=password]").fill(demo_data.PASSWORD)
    page.locator("input[name=password]").press("Enter")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    base = f"{live_server.url}/o/riverside"
    pages = {
        "dashboard": "/",
        "contacts": "/contacts/",
        "search-typo": "/contacts/?q=Mendosa",
        "search-none": "/contacts/?q=Zyxwvut",
        "contact": f"/contacts/{contact.pk}/",
        "lapsed": "/donors/lapsed/",
        "batch": "/donors/gifts/new/",
        "thankyous": "/thank-yous/",
        "clients": "/clients/",
        "volunteers": "/volunteers/",
    }
    SCREENS.mkdir(parents=True, exist_ok=True)
    for width in (1280, 375):
        page.set_viewport_size({"width": width, "height": 900})
        for name, path in pages.items():
            page.goto(base + path)
            page.wait_for_load_state("networkidle")
            page.screenshot(
                path=str(SCREENS / f"17-clarity-{name}-{TAG}-{width}.png"), full_page=True
            )
