"""The shared inbox's API: conversations and their messages under the same role walls as the
pages (a client's conversation is for caseworkers and admins; anything else is a 404 and writes
nothing), filters, replies on the channel with the refusal reason naming the field, the actions,
query counts that don't grow with the page, and the schema (webhooks documented)."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from django_scopes import scopes_disabled

from stakeholders.inbox.models import (
    Conversation,
    ConversationStatus,
    Message,
    MessageAttachment,
)
from stakeholders.models import Interaction, Role
from tests.factories import (
    ApiTokenFactory,
    ContactFactory,
    ConversationFactory,
    MembershipFactory,
    MessageFactory,
    MessagingAccountFactory,
    MessagingNumberFactory,
    WhatsAppTemplateFactory,
)

pytestmark = pytest.mark.django_db

BASE = "/api/v1/o/riverside/conversations/"


def as_member(client, organization, role):
    """``client`` with an API token of a new member with ``role``; returns (client, user)."""
    user = MembershipFactory(organization=organization, role=role).user
    token = ApiTokenFactory(organization=organization, user=user)
    client.defaults["HTTP_AUTHORIZATION"] = f"Token {token.key}"
    return client, user


@pytest.fixture
def api(client, org_a):
    return as_member(client, org_a, Role.ADMIN)[0]


def post(client, url, data=None):
    return client.post(url, data or {}, content_type="application/json")


@pytest.fixture
def teams(org_a):
    """One conversation per team, each with one message from them."""
    with scopes_disabled():
        made = {
            area: ConversationFactory(
                contact__organization=org_a, area=area, subject=f"About {area}"
            )
            for area in ("donor", "volunteer", "client", "general")
        }
        for conversation in made.values():
            MessageFactory(conversation=conversation, body=f"Words of {conversation.area}")
    return made


def rows(org):
    with scopes_disabled():
        return (
            Conversation.objects.filter(organization=org).count(),
            list(
                Message.objects.filter(organization=org)
                .order_by("pk")
                .values_list("pk", "kind", "status", "body")
            ),
            list(
                Conversation.objects.filter(organization=org)
                .order_by("pk")
                .values_list("pk", "status", "assignee_id", "area", "contact_id", "snoozed_until")
            ),
        )


# --- Role walls ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "role,areas",
    [
        (Role.ADMIN, {"donor", "volunteer", "client", "general"}),
        (Role.FUNDRAISER, {"donor", "general"}),
        (Role.VOLUNTEER_COORDINATOR, {"volunteer", "general"}),
        (Role.CASEWORKER, {"client", "general"}),
    ],
)
def test_each_role_lists_the_conversations_of_its_teams(client, org_a, teams, role, areas):
    api, _user = as_member(client, org_a, role)
    results = api.get(BASE).json()["results"]
    assert {row["area"] for row in results} == areas
    for area, conversation in teams.items():
        detail = api.get(f"{BASE}{conversation.pk}/")
        messages = api.get(f"{BASE}{conversation.pk}/messages/")
        if area in areas:
            assert detail.status_code == 200 and detail.json()["subject"] == f"About {area}"
            assert messages.json()["results"][0]["body"] == f"Words of {area}"
        else:
            assert detail.status_code == 404 and messages.status_code == 404
            assert f"Words of {area}".encode() not in messages.content


def test_a_client_conversation_is_not_found_for_a_fundraiser_and_nothing_changes(
    client, org_a, teams
):
    api, fundraiser = as_member(client, org_a, Role.FUNDRAISER)
    conversation = teams["client"]
    with scopes_disabled():
        message = Message.objects.get(conversation=conversation)
    before = rows(org_a)
    url = f"{BASE}{conversation.pk}"
    answers = [
        post(api, f"{url}/messages/", {"body": "Hello"}),
        post(api, f"{url}/note/", {"body": "Seen"}),
        post(api, f"{url}/assign/", {"assignee": fundraiser.pk}),
        post(api, f"{url}/snooze/", {"until": (timezone.now() + timedelta(days=1)).isoformat()}),
        post(api, f"{url}/close/"),
        post(api, f"{url}/reopen/"),
        post(api, f"{url}/move/", {"area": "donor"}),
        post(api, f"{url}/link_contact/", {"contact": conversation.contact_id}),
        api.get(f"{url}/"),
        api.get(f"{url}/messages/"),
        api.get(f"{url}/messages/{message.pk}/"),
    ]
    assert [answer.status_code for answer in answers] == [404] * len(answers)
    assert b"Words of client" not in b"".join(answer.content for answer in answers)
    assert rows(org_a) == before


def test_a_viewer_reads_nothing_and_writes_nothing(client, org_a, teams):
    api, _viewer = as_member(client, org_a, Role.VIEWER)
    before = rows(org_a)
    conversation = teams["general"]
    assert api.get(BASE).status_code == 404
    assert api.get(f"{BASE}{conversation.pk}/").status_code == 404
    assert post(api, f"{BASE}{conversation.pk}/messages/", {"body": "Hi"}).status_code == 404
    assert post(api, f"{BASE}{conversation.pk}/close/").status_code == 404
    assert rows(org_a) == before


def test_a_message_of_another_conversation_is_not_found_under_this_one(api, org_a, teams):
    with scopes_disabled():
        message = Message.objects.get(conversation=teams["donor"])
    assert api.get(f"{BASE}{teams['donor'].pk}/messages/{message.pk}/").status_code == 200
    assert api.get(f"{BASE}{teams['general'].pk}/messages/{message.pk}/").status_code == 404


# --- Filters ---------------------------------------------------------------------------------


def test_filters(api, org_a, org_b, teams, admin_a):
    with scopes_disabled():
        sms = ConversationFactory(
            contact__organization=org_a, channel="sms", address="+447700900123", area="donor"
        )
        closed = teams["volunteer"]
        closed.status, closed.closed_at = ConversationStatus.CLOSED, timezone.now()
        closed.save()
        late = teams["general"]
        late.reply_due_at = timezone.now() - timedelta(minutes=5)
        late.awaiting_since = timezone.now() - timedelta(hours=3)
        late.assignee = admin_a
        late.save()
        old = teams["donor"]
        old.last_message_at = old.created_at = timezone.now() - timedelta(days=30)
        old.save()
        foreign_contact = ContactFactory(organization=org_b)

    def ids(query):
        response = api.get(f"{BASE}?{query}")
        assert response.status_code == 200, response.content
        return {row["id"] for row in response.json()["results"]}

    everyone = {c.pk for c in teams.values()} | {sms.pk}
    assert ids("") == everyone
    assert ids("channel=sms") == {sms.pk}
    assert ids("status=closed") == {closed.pk}
    assert ids("status=open") == everyone - {closed.pk}
    assert ids("area=client") == {teams["client"].pk}
    assert ids(f"assignee={admin_a.pk}") == {late.pk}
    assert ids("unassigned=true") == everyone - {late.pk}
    assert ids(f"contact={teams['client'].contact_id}") == {teams["client"].pk}
    assert ids("breached=true") == {late.pk}
    assert ids("breached=false") == everyone - {late.pk}
    since = (timezone.now() - timedelta(days=1)).isoformat()
    assert ids(f"updated_since={since.replace('+', '%2B')}") == everyone - {old.pk}
    body = api.get(BASE).json()["results"]
    assert next(row for row in body if row["id"] == late.pk)["breached"] is True
    # another organization's contact or user is refused like an unknown id
    assert api.get(f"{BASE}?contact={foreign_contact.pk}").status_code == 400
    assert api.get(f"{BASE}?assignee=999999").status_code == 400
    assert api.get(f"{BASE}?status=nonsense").status_code == 400


def test_lists_cost_the_same_queries_for_any_page_size(
    api, org_a, admin_a, django_assert_num_queries
):
    with scopes_disabled():
        conversations = ConversationFactory.create_batch(
            12, contact__organization=org_a, assignee=admin_a, area="donor"
        )
        conversation = conversations[0]
        for number in range(12):
            message = MessageFactory(conversation=conversation)
            if number % 3 == 0:
                MessageAttachment.objects.create(
                    organization=org_a,
                    message=message,
                    file=SimpleUploadedFile("a.txt", b"hello"),
                    name="a.txt",
                    content_type="text/plain",
                    size=5,
                )
    api.get(BASE)  # records the token's "last used"
    # the token with its membership, the page (the organization is cached)
    with django_assert_num_queries(2):
        small = api.get(f"{BASE}?page_size=2")
    with django_assert_num_queries(2):
        big = api.get(f"{BASE}?page_size=20")
    assert len(small.json()["results"]) == 2 and len(big.json()["results"]) == 12
    assert big.json()["results"][0]["assignee_name"] == admin_a.name
    url = f"{BASE}{conversation.pk}/messages/"
    # the token with its membership, the conversation, page, its attachments
    with django_assert_num_queries(4):
        small = api.get(f"{url}?page_size=2")
    with django_assert_num_queries(4):
        big = api.get(f"{url}?page_size=20")
    assert len(small.json()["results"]) == 2 and len(big.json()["results"]) == 12
    attached = [row["attachments"] for row in big.json()["results"]]
    assert attached[0] == [
        {"id": attached[0][0]["id"], "name": "a.txt", "content_type": "text/plain", "size": 5}
    ]
    assert sum(1 for files in attached if files) == 4


# --- Replies ---------------------------------------------------------------------------------


def test_a_reply_goes_out_by_email_on_the_conversation(
    api, org_a, mailbox, django_capture_on_commit_callbacks
):
    with scopes_disabled():
        conversation = ConversationFactory(
            contact__organization=org_a,
            contact__email="ana@example.org",
            address="ana@example.org",
            subject="Saturday",
            area="donor",
            awaiting_since=timezone.now() - timedelta(minutes=30),
            reply_due_at=timezone.now() + timedelta(hours=1),
        )
    with django_capture_on_commit_callbacks(execute=True):
        response = post(
            api, f"{BASE}{conversation.pk}/messages/", {"body": "Yes, we open at nine."}
        )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["direction"] == "outbound" and body["channel"] == "email"
    assert body["body"] == "Yes, we open at nine." and body["subject"] == "Re: Saturday"
    [sent] = mailbox.to("ana@example.org")
    assert "Yes, we open at nine." in mailbox.text(sent)
    assert api.get(f"{BASE}{conversation.pk}/messages/{body['id']}/").json()["status"] == "sent"
    detail = api.get(f"{BASE}{conversation.pk}/").json()
    assert detail["first_response_at"] and detail["reply_due_at"] is None
    with scopes_disabled():
        interaction = Interaction.objects.get(pk=body["interaction"])
    assert interaction.direction == "outbound" and interaction.contact_id == conversation.contact_id


def test_a_reply_that_cant_go_says_why_on_the_field_and_stores_nothing(api, org_a):
    with scopes_disabled():
        conversation = ConversationFactory(contact__organization=org_a, area="donor")
        template = WhatsAppTemplateFactory(organization=org_a)
    url = f"{BASE}{conversation.pk}/messages/"
    before = rows(org_a)
    assert post(api, url, {"body": "  "}).json() == {"body": ["Write a reply."]}
    assert post(api, url, {}).json() == {"body": ["Write a reply."]}
    refused = post(api, url, {"template": template.pk})
    assert refused.status_code == 400 and refused.json() == {
        "template": ["Templates are for WhatsApp."]
    }
    assert post(api, url, {"body": "x" * 20_001}).status_code == 400
    assert post(api, url, {"template_variables": ["a"]}).status_code == 400
    with scopes_disabled():
        # a hard bounce stops even a reply they asked for
        from stakeholders.models import EmailSuppression

        EmailSuppression.objects.create(
            organization=org_a,
            email=conversation.address,
            reason=EmailSuppression.Reason.HARD_BOUNCE,
        )
    bounced = post(api, url, {"body": "Hello"})
    assert bounced.status_code == 400 and list(bounced.json()) == ["body"]
    assert bounced.json()["body"][0].startswith("Not sent:")
    assert rows(org_a) == before


def test_another_organizations_template_is_refused_like_an_unknown_one(api, org_a, org_b):
    with scopes_disabled():
        conversation = ConversationFactory(contact__organization=org_a, area="donor")
        foreign = WhatsAppTemplateFactory(organization=org_b)
    response = post(api, f"{BASE}{conversation.pk}/messages/", {"template": foreign.pk})
    assert response.status_code == 400 and list(response.json()) == ["template"]


# --- Actions ---------------------------------------------------------------------------------


def test_the_actions(client, org_a, org_b, teams):
    api, fundraiser = as_member(client, org_a, Role.FUNDRAISER)
    with scopes_disabled():
        colleague = MembershipFactory(organization=org_a, role=Role.ADMIN).user
        outsider = MembershipFactory(organization=org_b, role=Role.ADMIN).user
        conversation = ConversationFactory(contact__organization=org_a, area="donor")
        unknown = Conversation.objects.create(
            organization=org_a, channel="sms", address="+447700900999", area="general"
        )
        donor = ContactFactory(organization=org_a, is_donor=True)
        foreign_contact = ContactFactory(organization=org_b)
    url = f"{BASE}{conversation.pk}"

    note = post(api, f"{url}/note/", {"body": "Called her, no answer."})
    assert note.status_code == 201
    assert note.json()["kind"] == "note" and note.json()["author"] == fundraiser.pk
    assert post(api, f"{url}/note/", {"body": ""}).json() == {
        "body": ["This field may not be blank."]
    }

    assert (
        post(api, f"{url}/assign/", {"assignee": colleague.pk}).json()["assignee"] == colleague.pk
    )
    refused = post(api, f"{url}/assign/", {"assignee": outsider.pk})
    assert refused.status_code == 400 and list(refused.json()) == ["assignee"]
    assert post(api, f"{url}/assign/", {"assignee": None}).json()["assignee"] is None

    later = timezone.now() + timedelta(hours=3)
    snoozed = post(api, f"{url}/snooze/", {"until": later.isoformat()}).json()
    assert snoozed["status"] == "snoozed" and snoozed["snoozed_until"]
    past = post(api, f"{url}/snooze/", {"until": "2020-01-01T00:00:00Z"})
    assert past.status_code == 400 and past.json() == {"until": ["Choose a time in the future."]}
    assert post(api, f"{url}/snooze/", {"until": "9999-12-31T23:59:59-14:00"}).status_code == 400

    closed = post(api, f"{url}/close/").json()
    assert closed["status"] == "closed" and closed["closed_at"]
    assert post(api, f"{url}/reopen/").json()["status"] == "open"

    assert post(api, f"{url}/move/", {"area": "nowhere"}).status_code == 400
    assert post(api, f"{url}/move/", {"area": "general"}).json()["area"] == "general"

    # an unknown sender linked to a donor joins their timeline, in the donors' team
    linked = post(api, f"{BASE}{unknown.pk}/link_contact/", {"contact": donor.pk})
    assert linked.json()["contact"] == donor.pk and linked.json()["area"] == "donor"
    refused = post(api, f"{BASE}{unknown.pk}/link_contact/", {"contact": foreign_contact.pk})
    assert refused.status_code == 400 and list(refused.json()) == ["contact"]

    # handed to the clients' team, it leaves this fundraiser's sight: 204, then 404
    moved = post(api, f"{url}/move/", {"area": "client"})
    assert moved.status_code == 204
    assert api.get(f"{url}/").status_code == 404
    with scopes_disabled():
        assert Conversation.objects.get(pk=conversation.pk).area == "client"


# --- The schema ------------------------------------------------------------------------------


def test_the_schema_documents_the_inbox_and_its_webhooks(client):
    schema = client.get("/api/schema/?format=json").json()
    paths = schema["paths"]
    listing = paths["/api/v1/o/{org_slug}/conversations/"]["get"]
    assert listing["summary"] == "List conversations"
    names = {parameter["name"] for parameter in listing["parameters"]}
    assert {
        "status",
        "channel",
        "area",
        "assignee",
        "unassigned",
        "contact",
        "breached",
        "updated_since",
        "cursor",
        "page_size",
    } <= names
    reply = paths["/api/v1/o/{org_slug}/conversations/{conversation_id}/messages/"]["post"]
    assert reply["summary"] == "Reply to a conversation"
    assert set(reply["requestBody"]["content"]["application/json"]["examples"]) >= {
        "AText",
        "AWhatsAppTemplate",
    }
    for action in ("note", "assign", "snooze", "close", "reopen", "move", "link_contact"):
        operation = paths[f"/api/v1/o/{{org_slug}}/conversations/{{id}}/{action}/"]["post"]
        assert operation["summary"]
    # the providers' webhooks into the inbox, with their signatures and answers
    sms = paths["/o/{org_slug}/webhooks/twilio/sms/"]["post"]
    assert "X-Twilio-Signature" in {p["name"] for p in sms["parameters"]}
    assert {"200", "400", "403", "404"} <= set(sms["responses"])
    assert "application/x-www-form-urlencoded" in sms["requestBody"]["content"]
    assert "/o/{org_slug}/webhooks/twilio/whatsapp/" in paths
    assert "/o/{org_slug}/webhooks/twilio/status/" in paths
    inbound = paths["/o/{org_slug}/webhooks/email/{provider}/inbound/"]["post"]
    assert {"200", "400", "403"} <= set(inbound["responses"])
    assert "/o/{org_slug}/webhooks/email/{provider}/tracking/" in paths


def test_the_documented_webhook_answers_are_the_real_ones(client, org_a):
    """Each answer the Twilio webhooks really give is one the docs list, with its media type."""
    from tests.twilio_server import inbound_params, signed_post

    with scopes_disabled():
        MessagingAccountFactory(organization=org_a)
        MessagingNumberFactory(organization=org_a, channel="sms", number="+447700900001")
    paths = client.get("/api/schema/?format=json").json()["paths"]
    sms = "/o/riverside/webhooks/twilio/sms/"
    documented = paths["/o/{org_slug}/webhooks/twilio/sms/"]["post"]["responses"]
    params = inbound_params(from_="+447700900123", to="+447700900001", body="Hi", sid="SMdoc1")

    def check(response, code):
        assert response.status_code == code and str(code) in documented
        content = documented[str(code)].get("content")
        if content:
            assert response["Content-Type"].split(";")[0] in content

    check(signed_post(sms, params, client=client), 200)
    check(signed_post(sms, params, client=client), 200)  # Twilio's retry: stored once
    with scopes_disabled():
        assert Message.objects.filter(organization=org_a, provider_message_id="SMdoc1").count() == 1
    check(signed_post(sms, params, client=client, signature="forged"), 403)
    check(
        signed_post(sms, {**params, "To": "+447700900999", "MessageSid": "SMx"}, client=client), 404
    )
    check(signed_post(sms, {k: v for k, v in params.items() if k != "From"}, client=client), 400)
    status = paths["/o/{org_slug}/webhooks/twilio/status/"]["post"]["responses"]
    answer = signed_post(
        "/o/riverside/webhooks/twilio/status/",
        {"MessageSid": "SMunknown", "MessageStatus": "delivered", "To": "+447700900123"},
        client=client,
    )
    assert answer.status_code == 204 and "204" in status
