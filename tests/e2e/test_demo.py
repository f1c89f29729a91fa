"""The Khmer and Persian demo organizations as their admins first see them: the dashboard in
their language and script, at a desktop's width, without sideways scrolling (screenshots in
``var/screenshots/demo-km.png`` and ``demo-fa.png``)."""

import pytest
from django.core.management import call_command

from stakeholders import demo as demo_data

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo(settings):
    settings.DEBUG = True
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115


@pytest.mark.parametrize(
    ("slug", "email", "language", "direction"),
    [
        ("phnompenh", "admin@phnompenhfood.example.org", "km", "ltr"),
        ("nan-o-mehr", "admin@nanomehr.example.org", "fa", "rtl"),
    ],
)
def test_the_demo_dashboard_in_khmer_and_persian(
    live_server, page, demo, screenshot, slug, email, language, direction, settings
):
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/accounts/login/")
    page.locator("input[name=login]").fill(email)
    page.locator("input[name=password]").fill(demo_data.PASSWORD)
    page.locator("input[name=password]").press("Enter")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    page.goto(f"{live_server.url}/o/{slug}/")
    page.wait_for_load_state("networkidle")
    screenshot(page, f"demo-{language}")
    assert page.get_attribute("html", "lang") == language
    assert page.get_attribute("html", "dir") == direction
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"the {language} dashboard scrolls sideways by {overflow} px"
