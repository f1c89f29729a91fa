"""A Khmer visitor switches the volunteer signup to Persian with the keyboard alone: the page
follows their browser first, then their choice, and the choice turns the page right to left."""

import pytest

from tests.factories import OrganizationFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_khmer_visitor_switches_to_persian_with_the_keyboard(live_server, browser, screenshot):
    OrganizationFactory(name="Riverside Food Bank", slug="riverside", language="en")
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="km-KH")
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        page.goto(f"{live_server.url}/o/riverside/volunteer/")
        html = page.locator("html")
        assert html.get_attribute("lang") == "km" and html.get_attribute("dir") == "ltr"
        screenshot(page, "language-signup-km")

        select = page.get_by_role("combobox", name="ភាសា")  # "Language", in Khmer
        select.focus()
        select.press("End")  # Kazakh, the last
        select.press("ArrowUp")  # Khmer
        select.press("ArrowUp")  # فارسی
        assert select.input_value() == "fa"
        page.keyboard.press("Tab")  # to the "Change" button
        with page.expect_navigation():
            page.keyboard.press("Enter")

        assert html.get_attribute("lang") == "fa" and html.get_attribute("dir") == "rtl"
        assert page.url.endswith("/o/riverside/volunteer/")
        assert page.locator("#language-select").input_value() == "fa"
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        screenshot(page, "language-signup-fa")
        page.reload()  # remembered
        assert html.get_attribute("lang") == "fa"
        page.set_viewport_size({"width": 375, "height": 800})
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        screenshot(page, "language-signup-fa-phone")
    finally:
        context.close()
