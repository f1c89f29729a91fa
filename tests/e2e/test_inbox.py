"""The shared inbox in the browser (issue 19, point 7): one person writes by email, then texts
(a signed webhook from the fake Twilio on loopback); staff open the inbox, filter, open the
conversations, insert a canned reply, answer by SMS (the fake Twilio receives it), add a note and
close — with the keyboard where the inbox has shortcuts. Also the pages in Persian (RTL)."""

import pytest
from playwright.sync_api import expect

from stakeholders.inbox import services
from stakeholders.inbox.models import Conversation, Message, MessageKind
from stakeholders.models import Role
from stakeholders.tenancy.models import organization_scope
from tests.e2e.test_accessibility import assert_accessible
from tests.e2e.test_timeline import sign_in
from tests.factories import (
    CannedReplyFactory,
    ContactFactory,
    MembershipFactory,
    MessagingAccountFactory,
    MessagingNumberFactory,
    OrganizationFactory,
)
from tests.twilio_server import inbound_params, signed_post

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

OUR_NUMBER = "+447700900100"
HER_MOBILE = "+447700900555"


@pytest.fixture
def riverside():
    organization = OrganizationFactory(name="Riverside Food Bank", slug="riverside", country="GB")
    admin = MembershipFactory(
        organization=organization, user__email="amara@riverside.example.org", user__name="Amara"
    ).user
    persian = MembershipFactory(
        organization=organization,
        role=Role.VOLUNTEER_COORDINATOR,
        user__email="dariush@riverside.example.org",
        user__name="داریوش",
        user__language="fa",
    ).user
    with organization_scope(organization):
        fatima = ContactFactory(
            organization=organization,
            first_name="Fatima",
            last_name="Adeyemi",
            email="fatima@example.org",
            mobile=HER_MOBILE,
        )
        MessagingAccountFactory(organization=organization)
        MessagingNumberFactory(organization=organization, channel="sms", number=OUR_NUMBER)
        CannedReplyFactory(
            organization=organization,
            title="Shift confirmed",
            body="Hello {{ first_name }}, your shift is confirmed. — {{ staff_name }}",
        )
    return organization, admin, persian, fatima


def test_a_conversation_across_email_and_sms_answered_from_the_inbox(
    live_server, page, browser, riverside, twilio_server, settings, screenshot
):
    organization, admin, persian, fatima = riverside
    settings.SITE_URL = live_server.url
    with organization_scope(organization):
        services.receive(
            organization=organization,
            inbound=services.InboundMessage(
                channel="email",
                address="Fatima@Example.org",
                subject="Saturday shift",
                body="Hello, can I still come on Saturday morning?",
                provider_message_id="<email-1@example.org>",
            ),
        )
    webhook = f"{live_server.url}/o/{organization.slug}/webhooks/twilio/sms/"
    response = signed_post(
        webhook,
        inbound_params(from_=HER_MOBILE, to=OUR_NUMBER, body="Sorry, texting too: Saturday ok?"),
    )
    assert response.status_code == 200
    with organization_scope(organization):
        sms = Conversation.objects.get(organization=organization, channel="sms")
        assert sms.contact_id == fatima.pk and sms.reply_due_at is not None

    base = f"{live_server.url}/o/{organization.slug}"
    sign_in(page, live_server, admin.email)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Inbox").click()
    expect(page.get_by_role("heading", name="Inbox", level=1)).to_be_visible()
    rows = page.locator("[data-inbox-row]")
    expect(rows).to_have_count(2)
    screenshot(page, "inbox-list")

    # Filter: only SMS.
    page.get_by_label("Channel").select_option("sms")
    page.get_by_role("button", name="Filter").click()
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Sorry, texting too")

    # Back to all open; the email conversation first by the keyboard, then the SMS one.
    page.get_by_role("link", name="All open").click()
    expect(rows).to_have_count(2)
    page.locator("body").click(position={"x": 5, "y": 5})
    page.keyboard.press("j")
    page.keyboard.press("j")  # the older one: the email
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Saturday shift", level=1)).to_be_visible()
    expect(page.get_by_text("can I still come on Saturday morning")).to_be_visible()
    page.keyboard.press("u")  # back to the inbox
    expect(rows).to_have_count(2)
    page.locator("body").click(position={"x": 5, "y": 5})
    page.keyboard.press("j")
    page.keyboard.press("o")
    expect(page.get_by_text("Sorry, texting too: Saturday ok?")).to_be_visible()

    # Assign to me with "a", then reply: "r" focuses the box, insert the canned reply, send.
    page.keyboard.press("a")
    expect(page.get_by_text("Assigned to Amara.")).to_be_visible()
    page.get_by_label("Canned reply").select_option(label="Shift confirmed")
    page.get_by_role("button", name="Insert").click()
    reply_box = page.get_by_label("Reply", exact=True)
    expect(reply_box).to_have_value("Hello Fatima, your shift is confirmed. — Amara")
    page.locator("body").click(position={"x": 5, "y": 5})
    page.keyboard.press("r")
    expect(reply_box).to_be_focused()
    page.keyboard.press("End")
    page.keyboard.type(" See you at 9.")
    page.keyboard.press("Control+Enter")
    expect(page.get_by_text("Reply queued")).to_be_visible()
    expect(page.locator(".inbox-msg--outbound")).to_contain_text("See you at 9.")
    sent = twilio_server.sent_to(HER_MOBILE)
    assert len(sent) == 1
    assert sent[0]["Body"] == "Hello Fatima, your shift is confirmed. — Amara See you at 9."
    assert sent[0]["From"] == OUR_NUMBER
    screenshot(page, "inbox-conversation-sms")

    # An internal note with "n".
    page.locator("body").click(position={"x": 5, "y": 5})
    page.keyboard.press("n")
    page.keyboard.type("She prefers texts.")
    page.keyboard.press("Control+Enter")
    expect(page.locator(".inbox-msg--note")).to_contain_text("She prefers texts.")
    assert len(twilio_server.sent_to(HER_MOBILE)) == 1  # a note never leaves

    # The shortcuts are listed in the "?" dialog.
    page.locator("body").click(position={"x": 5, "y": 5})
    page.keyboard.press("?")
    expect(page.get_by_role("dialog")).to_contain_text("Conversation: assign to me")
    page.keyboard.press("Escape")

    # Close with "c": back on the list, one conversation left open.
    page.keyboard.press("c")
    expect(page.get_by_text("Closed.")).to_be_visible()
    expect(rows).to_have_count(1)
    with organization_scope(organization):
        sms.refresh_from_db()
        assert sms.status == "closed" and sms.assignee_id == admin.pk
        assert sms.first_response_at is not None
        assert Message.objects.filter(conversation=sms, kind=MessageKind.NOTE).count() == 1

    # The email conversation of the same person.
    with organization_scope(organization):
        email_conversation = Conversation.objects.get(organization=organization, channel="email")
    page.goto(f"{base}/inbox/{email_conversation.pk}/")
    screenshot(page, "inbox-conversation-email")

    # Persian (his interface language): the list and a conversation, right to left.
    rtl = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    farsi = rtl.new_page()
    sign_in(farsi, live_server, persian.email)
    farsi.goto(f"{base}/inbox/?status=all")
    assert farsi.locator("html").get_attribute("dir") == "rtl"
    screenshot(farsi, "inbox-list-fa")
    farsi.goto(f"{base}/inbox/{sms.pk}/")
    expect(farsi.locator(".inbox-msg--outbound")).to_contain_text("See you at 9.")
    screenshot(farsi, "inbox-conversation-fa")
    rtl.close()

    phone = browser.new_context(viewport={"width": 390, "height": 844}, locale="en-GB")
    mobile = phone.new_page()
    sign_in(mobile, live_server, admin.email)
    mobile.goto(f"{base}/inbox/?status=all")
    screenshot(mobile, "inbox-list-phone")
    mobile.goto(f"{base}/inbox/{sms.pk}/")
    screenshot(mobile, "inbox-conversation-phone")
    phone.close()


def test_the_inbox_pages_have_no_accessibility_violations(live_server, page, riverside, screenshot):
    organization, admin, _persian, _fatima = riverside
    with organization_scope(organization):
        message, _created = services.receive(
            organization=organization,
            inbound=services.InboundMessage(
                channel="email",
                address="someone.new@example.org",
                display_name="Someone New",
                subject="A question",
                body="Do you take donations of tinned food?",
            ),
        )
        services.add_note(
            organization=organization,
            conversation=message.conversation,
            author=admin,
            body="Ask the warehouse.",
        )
    sign_in(page, live_server, admin.email)
    base = f"{live_server.url}/o/{organization.slug}/inbox"
    for path in [
        "/",
        "/?status=all&breached=on",
        f"/{message.conversation_id}/",
        "/settings/",
        "/canned/",
        "/canned/new/",
    ]:
        page.goto(base + path)
        assert_accessible(page, path)
        if path in ("/settings/", "/canned/new/"):
            screenshot(page, "inbox" + path.rstrip("/").replace("/", "-"))
    page.goto(f"{base}/{message.conversation_id}/")
    for summary in page.locator("details > summary").all():
        summary.click()  # every action's form, open
    assert_accessible(page, "conversation with every form open")
    screenshot(page, "inbox-conversation-unknown-sender")
