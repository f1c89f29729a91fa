"""The keyboard does what the pages say: batch gift entry picks a donor with Enter even when
typed faster than the suggestions arrive, Tab picks and moves exactly one field, a plain Enter
never saves half a batch; "?" lists every shortcut in a dialog that Esc closes."""

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from donors.models import Gift
from stakeholders.tenancy.models import organization_scope
from tests.e2e.test_donors import riverside  # noqa: F401 (a fixture)
from tests.e2e.test_timeline import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_batch_typed_fast_with_the_keyboard_only(live_server, page, riverside):  # noqa: F811
    organization, staff, ada, grace, _meals = riverside
    sign_in(page, live_server, staff.email)
    page.goto(f"{live_server.url}/o/riverside/donors/gifts/new/")
    page.wait_for_load_state("networkidle")
    page.locator("#id_gifts-0-contact_label").focus()
    page.keyboard.type("ada")
    page.keyboard.press("Enter")  # before the suggestions arrive: picks Ada when they do
    expect(page.locator("#id_gifts-0-amount")).to_be_focused()
    expect(page.locator("#id_gifts-0-contact_label")).to_have_value("Ada Lovelace")
    page.keyboard.type("25")
    page.keyboard.press("Enter")  # a plain Enter in a field saves nothing
    assert "/gifts/new/" in page.url
    with organization_scope(organization):
        assert not Gift.objects.filter(amount=Decimal("25")).exists()
    page.locator("#id_gifts-1-contact_label").focus()
    page.keyboard.type("grace")
    expect(page.locator("#gifts-1-list [role='option']").first).to_be_visible()
    page.keyboard.press("Tab")  # picks the highlighted name and moves one field, to the amount
    expect(page.locator("#id_gifts-1-amount")).to_be_focused()
    expect(page.locator("#id_gifts-1-contact_label")).to_have_value("Grace Hopper")
    page.keyboard.type("40")
    expect(page.locator("[data-batch-total]")).to_have_text("£65.00")
    page.keyboard.press("Control+Enter")
    expect(page.get_by_text("2 gifts saved")).to_be_visible()
    with organization_scope(organization):
        saved = sorted((g.contact_id, g.amount) for g in Gift.objects.filter(reference=""))
    assert (ada.pk, Decimal("25")) in saved and (grace.pk, Decimal("40")) in saved


def test_question_mark_lists_every_shortcut(live_server, page, riverside):  # noqa: F811
    _organization, staff, _ada, _grace, _meals = riverside
    sign_in(page, live_server, staff.email)
    page.goto(f"{live_server.url}/o/riverside/contacts/")
    page.wait_for_load_state("networkidle")
    dialog = page.get_by_role("dialog", name="Keyboard shortcuts")
    expect(dialog).to_be_hidden()
    page.locator("#contact-search").focus()
    page.keyboard.type("?")  # in a text field "?" is just a character
    expect(dialog).to_be_hidden()
    page.locator("h1").click()
    page.keyboard.press("?")
    expect(dialog).to_be_visible()
    for key in ("/", "Alt", "Ctrl", "Enter", "Tab", "Esc"):
        expect(dialog.locator("kbd", has_text=key).first).to_be_visible()
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    page.get_by_role("button", name="Shortcuts").click()
    expect(dialog).to_be_visible()
