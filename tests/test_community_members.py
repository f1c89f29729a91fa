"""Community members: joining by double opt-in, signing in by single-use links, no address
enumeration, the abuse guards, blocked members, the member's own settings and leaving, the
follow emails (instant and the daily digest) with their one-click unsubscribe, and the staff
panel and contact hooks."""

import re
import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import signing
from django.db import transaction
from django.test import Client
from django_scopes import scopes_disabled

from community.models import (
    Answer,
    CommunitySettings,
    Follow,
    Member,
    MemberStatus,
    PostStatus,
    Question,
    Space,
)
from community.services import members as member_services
from community.services import notifications
from stakeholders import services as core_services
from stakeholders.models import Contact, EmailSuppression, Role
from stakeholders.registries import contact_hooks
from stakeholders.tenancy.models import organization_scope
from tests.factories import ContactFactory, MembershipFactory

pytestmark = pytest.mark.django_db
BASE = "/o/riverside/community/"
JOIN = BASE + "join/"
SIGN_IN = BASE + "sign-in/"
PROFILE = BASE + "me/"


@pytest.fixture(autouse=True)
def open_communities(org_a, org_b, settings):
    """Both organizations opened their community; people here type at once."""
    settings.COMMUNITY_FORM_MIN_SECONDS = 0
    for organization in (org_a, org_b):
        with organization_scope(organization):
            CommunitySettings.objects.update_or_create(
                organization=organization, defaults={"enabled": True}
            )


@pytest.fixture(autouse=True)
def committed_at_once(monkeypatch):
    """What waits for the commit (the emails' tasks) runs at once: a test's transaction never
    commits."""
    monkeypatch.setattr(transaction, "on_commit", lambda func, using=None, robust=False: func())


def _started(client, url):
    page = client.get(url)
    assert page.status_code == 200
    return re.search(rb'name="started" value="([^"]+)"', page.content).group(1).decode()


def join(client, email="amara@example.org", display_name="Sunflower", **extra):
    data = {
        "email": email,
        "display_name": display_name,
        "agree": "on",
        "started": _started(client, JOIN),
        **extra,
    }
    return client.post(JOIN, data)


def ask_link(client, email, next_path=""):
    data = {"email": email, "started": _started(client, SIGN_IN), "next": next_path}
    return client.post(SIGN_IN, data)


def _without_tokens(content):
    return re.sub(rb'value="[^"]{40,}"', b"", content)


def _path(url):
    return "/" + url.split("://", 1)[1].split("/", 1)[1]


def link_in(mailbox, message, marker):
    return _path(next(u for u in mailbox.links(message) if marker in u))


def signed_in(client, organization):
    session = client.session.get("community_member", {})
    return session.get(str(organization.pk))


def make_member(
    organization,
    *,
    email="ben@example.org",
    name="Ben",
    status=MemberStatus.ACTIVE,
    contact=None,
    digest=False,
):
    with organization_scope(organization):
        contact = contact or ContactFactory(organization=organization, email=email)
        return Member.objects.create(
            organization=organization,
            contact=contact,
            email=email,
            display_name=name,
            status=status,
            digest=digest,
        )


def make_question(organization, author, title="How do I renew my food bank card?"):
    with organization_scope(organization):
        space, _created = Space.objects.get_or_create(
            organization=organization, slug="help", defaults={"name": "Getting help"}
        )
        return Question.objects.create(
            organization=organization,
            space=space,
            author=author,
            title=title,
            body="My card runs out next week.",
            status=PostStatus.PUBLISHED,
            language="en",
        )


def make_answer(organization, question, author, body="Bring your letter to the desk."):
    with organization_scope(organization):
        return Answer.objects.create(
            organization=organization,
            question=question,
            author=author,
            body=body,
            status=PostStatus.PUBLISHED,
        )


# --- Joining ----------------------------------------------------------------------------------


def test_join_confirm_and_be_signed_in(client, org_a, mailbox):
    response = join(client, email="Amara@Example.org", display_name="  Sunflower  ")
    assert response.status_code == 200
    assert b"Check your email" in response.content
    with organization_scope(org_a):
        member = Member.objects.get(email="amara@example.org")
    assert (member.status, member.display_name, member.contact_id) == (
        MemberStatus.PENDING,
        "Sunflower",
        None,
    )
    assert signed_in(client, org_a) is None
    [message] = mailbox.to("amara@example.org")
    assert "Riverside Food Bank" in message["Subject"]
    confirm = link_in(mailbox, message, "/community/join/")

    # GET (a mail scanner) spends nothing; the POST confirms and signs in.
    page = client.get(confirm)
    assert page.status_code == 200 and b"Confirm and join" in page.content
    assert page["Referrer-Policy"] == "same-origin"
    response = client.post(confirm)
    assert response.status_code == 302 and response["Location"] == PROFILE
    with organization_scope(org_a):
        member.refresh_from_db()
        contact = Contact.objects.get(pk=member.contact_id)
    assert member.status == MemberStatus.ACTIVE and member.confirmed_at is not None
    assert contact.email == "amara@example.org"
    assert signed_in(client, org_a) == member.pk
    profile = client.get(PROFILE)
    assert profile.status_code == 200 and b"Sunflower" in profile.content


def test_confirming_matches_the_contact_on_record(client, org_a, mailbox):
    with organization_scope(org_a):
        known = ContactFactory(
            organization=org_a, email="work@example.org", email_alt="amara@example.org"
        )
    join(client)
    client.post(link_in(mailbox, mailbox.messages[0], "/community/join/"))
    with organization_scope(org_a):
        member = Member.objects.get(email="amara@example.org")
        assert member.contact_id == known.pk
        assert Contact.objects.filter(organization=org_a).count() == 1


def test_a_confirmation_link_works_once(client, org_a, mailbox):
    join(client)
    confirm = link_in(mailbox, mailbox.messages[0], "/community/join/")
    assert client.post(confirm).status_code == 302
    other = Client()
    response = other.post(confirm)
    assert response.status_code == 410
    assert signed_in(other, org_a) is None
    assert other.get(confirm).status_code == 410


def test_a_link_of_another_organization_opens_nothing(client, org_a, org_b, mailbox):
    join(client)
    confirm = link_in(mailbox, mailbox.messages[0], "/community/join/")
    under_b = confirm.replace("/o/riverside/", "/o/hope/")
    assert client.get(under_b).status_code == 400
    assert client.post(under_b).status_code == 400
    assert signed_in(client, org_b) is None
    with organization_scope(org_a):
        assert Member.objects.get().status == MemberStatus.PENDING


def test_the_display_name_is_unique_whatever_the_case(client, org_a, mailbox):
    make_member(org_a, name="Sunflower")
    response = join(client, email="new@example.org", display_name="SUNFLOWER")
    assert response.status_code == 400
    assert b"Someone already uses this display name" in response.content
    assert b'id="id_display_name_error"' in response.content
    with organization_scope(org_a):
        assert not Member.objects.filter(email="new@example.org").exists()
    assert mailbox.messages == []


def test_a_display_name_cant_be_an_address(client, org_a, mailbox):
    response = join(client, display_name="me@example.org")
    assert response.status_code == 400
    assert b"Use letters, numbers, spaces" in response.content


def test_joining_with_a_members_address_reads_the_same_and_sends_a_sign_in_link(
    client, org_a, mailbox
):
    member = make_member(org_a, email="ben@example.org", name="Ben")
    known = join(client, email="ben@example.org", display_name="Another Name")
    unknown = join(Client(), email="nobody@example.org", display_name="Third Name")
    assert known.status_code == unknown.status_code == 200
    assert _without_tokens(known.content) == _without_tokens(unknown.content)
    with organization_scope(org_a):
        member.refresh_from_db()
    assert member.display_name == "Ben"  # the form can't rename a member
    [message] = mailbox.to("ben@example.org")
    assert "already a member" in mailbox.text(message)
    assert link_in(mailbox, message, "/community/sign-in/")


def test_a_blocked_member_gets_nothing_and_cant_sign_in(client, org_a, mailbox):
    member = make_member(org_a, status=MemberStatus.BLOCKED)
    assert join(client, email="ben@example.org", display_name="New Name").status_code == 200
    assert ask_link(client, "ben@example.org").status_code == 200
    assert mailbox.messages == []
    with organization_scope(org_a):
        token = member_services.enter_token(organization=org_a, member=member)
    assert client.post(f"{SIGN_IN}{token}/").status_code == 400
    # Blocked while signed in: the session no longer counts.
    with organization_scope(org_a):
        Member.objects.filter(pk=member.pk).update(status=MemberStatus.ACTIVE)
        token = member_services.enter_token(organization=org_a, member=member)
    client.post(f"{SIGN_IN}{token}/")
    assert client.get(PROFILE).status_code == 200
    with organization_scope(org_a):
        Member.objects.filter(pk=member.pk).update(status=MemberStatus.BLOCKED)
    assert client.get(PROFILE).status_code == 302


def test_honeypot_and_fill_time(client, org_a, mailbox, settings):
    response = join(client, website="http://spam.example")
    assert response.status_code == 200 and b"Check your email" in response.content
    settings.COMMUNITY_FORM_MIN_SECONDS = 60
    response = join(client, email="quick@example.org", display_name="Quick One")
    assert response.status_code == 400 and b"That was very quick" in response.content
    forged = client.post(
        JOIN,
        {"email": "x@example.org", "display_name": "Forger", "agree": "on", "started": "x:y:z"},
    )
    assert forged.status_code == 400
    with organization_scope(org_a):
        assert not Member.objects.exists()
    assert mailbox.messages == []


def test_rate_limited_per_email_and_per_ip(client, org_a, mailbox, settings):
    settings.COMMUNITY_JOIN_EMAIL_RATE = "2/h"
    settings.COMMUNITY_JOIN_IP_RATE = "3/h"
    assert join(client, display_name="First Try").status_code == 200
    assert join(client, display_name="Second Try").status_code == 200
    limited = join(client, display_name="Third Try")
    assert limited.status_code == 429
    with organization_scope(org_a):
        assert Member.objects.get().display_name == "Second Try"
    # Another address from the same place: the per-IP budget is spent too.
    assert join(client, email="other@example.org", display_name="Other").status_code == 429


def test_unconfirmed_joins_are_forgotten(org_a):
    with organization_scope(org_a):
        member = Member.objects.create(
            organization=org_a, email="old@example.org", display_name="Old", status="pending"
        )
        Member.objects.filter(pk=member.pk).update(joined_at=member.joined_at - timedelta(days=15))
        assert member_services.pending_purge(organization=org_a) == 1


# --- Signing in --------------------------------------------------------------------------------


def test_sign_in_by_link_then_sign_out(client, org_a, mailbox):
    member = make_member(org_a)
    question_path = BASE + "q/12/"
    response = ask_link(client, "BEN@example.org", next_path=question_path)
    assert (
        response.status_code == 200 and b"If that address belongs to a member" in response.content
    )
    [message] = mailbox.to("ben@example.org")
    enter = link_in(mailbox, message, "/community/sign-in/")
    assert client.get(enter).status_code == 200
    assert signed_in(client, org_a) is None
    response = client.post(enter)
    assert response.status_code == 302 and response["Location"] == question_path
    assert signed_in(client, org_a) == member.pk
    # Once only.
    assert Client().post(enter).status_code == 410
    response = client.post(BASE + "sign-out/")
    assert response.status_code == 302
    assert signed_in(client, org_a) is None


def test_sign_in_answers_alike_for_unknown_addresses(client, org_a, mailbox):
    make_member(org_a)
    known = ask_link(client, "ben@example.org")
    unknown = ask_link(Client(), "stranger@example.org")
    assert known.status_code == unknown.status_code == 200
    assert b"If that address belongs to a member" in unknown.content
    assert len(mailbox.messages) == 1


def test_a_sign_in_link_expires_after_30_minutes(client, org_a, monkeypatch):
    member = make_member(org_a)
    with organization_scope(org_a):
        token = member_services.enter_token(organization=org_a, member=member)
    later = time.time() + 31 * 60
    monkeypatch.setattr(signing.time, "time", lambda: later)
    assert client.post(f"{SIGN_IN}{token}/").status_code == 400
    assert signed_in(client, org_a) is None


def test_a_link_to_elsewhere_is_not_followed(client, org_a):
    member = make_member(org_a)
    with organization_scope(org_a):
        token = member_services.enter_token(
            organization=org_a, member=member, next_path="https://evil.example/"
        )
    response = client.post(f"{SIGN_IN}{token}/")
    assert response.status_code == 302 and "evil" not in response["Location"]


def test_a_closed_community_is_not_found(client, org_a):
    with organization_scope(org_a):
        CommunitySettings.objects.filter(organization=org_a).update(enabled=False)
    assert client.get(JOIN).status_code == 404
    assert client.get(SIGN_IN).status_code == 404


# --- The member's own settings -----------------------------------------------------------------


def sign_in_as(client, organization, member):
    with organization_scope(organization):
        token = member_services.enter_token(organization=organization, member=member)
    assert client.post(f"/o/{organization.slug}/community/sign-in/{token}/").status_code == 302


def test_profile_name_digest_and_unfollow(client, org_a):
    member = make_member(org_a)
    make_member(org_a, email="cara@example.org", name="Cara")
    question = make_question(org_a, member)
    with organization_scope(org_a):
        follow = Follow.objects.create(organization=org_a, member=member, question=question)
    sign_in_as(client, org_a, member)
    page = client.get(PROFILE)
    assert question.title.encode() in page.content

    taken = client.post(PROFILE, {"action": "profile", "display_name": "cara", "digest": "digest"})
    assert taken.status_code == 400 and b"Someone already uses this display name" in taken.content
    saved = client.post(PROFILE, {"action": "profile", "display_name": "Benny", "digest": "digest"})
    assert saved.status_code == 302
    with organization_scope(org_a):
        member.refresh_from_db()
    assert (member.display_name, member.digest) == ("Benny", True)

    other = make_member(org_a, email="dan@example.org", name="Dan")
    with organization_scope(org_a):
        theirs = Follow.objects.create(organization=org_a, member=other, question=question)
    client.post(PROFILE, {"action": "unfollow", "follow": theirs.pk})  # not theirs to drop
    client.post(PROFILE, {"action": "unfollow", "follow": follow.pk})
    with organization_scope(org_a):
        assert list(Follow.objects.values_list("pk", flat=True)) == [theirs.pk]


def test_profile_needs_a_member(client, org_a):
    response = client.get(PROFILE)
    assert response.status_code == 302
    assert response["Location"].startswith(SIGN_IN + "?next=")


def test_leaving_anonymises_and_keeps_the_posts(client, org_a):
    member = make_member(org_a)
    question = make_question(org_a, member)
    with organization_scope(org_a):
        Follow.objects.create(organization=org_a, member=member, question=question)
        pending = Answer.objects.create(
            organization=org_a, question=question, author=member, body="x", status="pending"
        )
    sign_in_as(client, org_a, member)
    assert client.post(BASE + "me/leave/", {}).status_code == 400
    response = client.post(BASE + "me/leave/", {"confirm": "on"})
    assert response.status_code == 200 and b"You have left the community" in response.content
    assert signed_in(client, org_a) is None
    with organization_scope(org_a):
        member.refresh_from_db()
        pending.refresh_from_db()
        assert Question.objects.get(pk=question.pk).author_id == member.pk
        assert not Follow.objects.exists()
    assert member.status == MemberStatus.LEFT and member.contact_id is None
    assert "ben" not in member.email and member.display_name != "Ben"
    assert str(member.shown_name) == "Former member"
    assert pending.status == PostStatus.HIDDEN
    # The name is free again.
    assert join(Client(), email="new@example.org", display_name="Ben").status_code == 200


# --- Follow emails -----------------------------------------------------------------------------


def test_followers_are_emailed_with_one_click_unsubscribe(client, org_a, mailbox):
    asker = make_member(org_a, email="asker@example.org", name="Asker")
    helper = make_member(org_a, email="helper@example.org", name="Helper")
    daily = make_member(org_a, email="daily@example.org", name="Daily", digest=True)
    quiet = make_member(org_a, email="quiet@example.org", name="Quiet")
    question = make_question(org_a, asker)
    with organization_scope(org_a):
        for member in (asker, helper, daily, quiet):
            Follow.objects.create(organization=org_a, member=member, question=question)
        Contact.objects.filter(pk=quiet.contact_id).update(do_not_contact=True)
    answer = make_answer(org_a, question, helper)
    with organization_scope(org_a):
        notifications.notify_followers(organization=org_a, answer=answer)
        notifications.notify_followers(organization=org_a, answer=answer)  # twice: queued once
        assert Follow.objects.get(member=daily).digest_answer_ids == [answer.pk]

    assert {r for m in mailbox.messages for r in m.recipients} == {"asker@example.org"}
    message = mailbox.messages[0]
    assert question.title in message["Subject"]
    assert "Bring your letter to the desk." in mailbox.text(message)
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    unsubscribe = _path(str(message["List-Unsubscribe"]).strip().strip("<>"))
    assert unsubscribe in mailbox.text(message)

    page = client.get(unsubscribe)
    assert page.status_code == 200 and question.title.encode() in page.content
    one_click = Client(enforce_csrf_checks=True).post(
        unsubscribe,
        data="List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert one_click.status_code == 200
    with organization_scope(org_a):
        assert not Follow.objects.filter(member=asker).exists()
        assert Follow.objects.filter(member=helper).exists()
    assert client.post(unsubscribe).status_code == 200  # again: nothing left, no error
    assert client.post(unsubscribe.replace("/riverside/", "/hope/")).status_code == 400


def test_a_suppressed_address_gets_no_follow_email(org_a, mailbox):
    asker = make_member(org_a, email="asker@example.org", name="Asker")
    helper = make_member(org_a, email="helper@example.org", name="Helper")
    question = make_question(org_a, asker)
    with organization_scope(org_a):
        Follow.objects.create(organization=org_a, member=asker, question=question)
        EmailSuppression.objects.create(
            organization=org_a,
            email="asker@example.org",
            reason=EmailSuppression.Reason.HARD_BOUNCE,
        )
    answer = make_answer(org_a, question, helper)
    with organization_scope(org_a):
        assert notifications.answer_emails_send(organization=org_a, answer_id=answer.pk) == 0
    assert mailbox.messages == []


def _at(organization, day, hour):
    zone = ZoneInfo(organization.timezone)
    return datetime(2026, 3, day, hour, 0, tzinfo=zone)


def test_the_daily_digest_goes_once_a_day(org_a, mailbox):
    asker = make_member(org_a, email="daily@example.org", name="Daily", digest=True)
    helper = make_member(org_a, email="helper@example.org", name="Helper")
    first = make_question(org_a, asker, title="Where is the food bank on Fridays?")
    second = make_question(org_a, asker, title="Can I bring a friend?")
    with organization_scope(org_a):
        for question in (first, second):
            Follow.objects.create(organization=org_a, member=asker, question=question)
        for question, body in (
            (first, "At the church hall."),
            (first, "Until 4 pm."),
            (second, "Yes."),
        ):
            notifications.notify_followers(
                organization=org_a, answer=make_answer(org_a, question, helper, body=body)
            )
        assert mailbox.messages == []  # nothing instant for a digest member
        # Before 7 in the morning there: nothing yet.
        assert notifications.digests_send(organization=org_a, now=_at(org_a, 10, 6)) == 0
        assert notifications.digests_send(organization=org_a, now=_at(org_a, 10, 8)) == 1
        assert notifications.digests_send(organization=org_a, now=_at(org_a, 10, 9)) == 0

    [message] = mailbox.messages
    text = mailbox.text(message)
    assert "3 new answers" in message["Subject"]
    for expected in (
        "Where is the food bank on Fridays?",
        "At the church hall.",
        "Until 4 pm.",
        "Can I bring a friend?",
        "Helper wrote:",
    ):
        assert expected in text
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

    # An answer later that day waits for the next morning.
    with organization_scope(org_a):
        late = make_answer(org_a, second, helper, body="Of course.")
        notifications.notify_followers(organization=org_a, answer=late)
        Follow.objects.filter(member=asker).update(digested_until=_at(org_a, 10, 8))
        assert notifications.digests_send(organization=org_a, now=_at(org_a, 10, 20)) == 0
        assert notifications.digests_send(organization=org_a, now=_at(org_a, 11, 7)) == 1
    assert "Of course." in mailbox.text(mailbox.messages[-1])
    assert (
        "one new answer" in mailbox.messages[-1]["Subject"].lower()
        or "1 new answer" in mailbox.messages[-1]["Subject"]
    )

    # The header's one-click unsubscribe stops both questions of the digest.
    unsubscribe = _path(str(mailbox.messages[0]["List-Unsubscribe"]).strip().strip("<>"))
    Client().post(unsubscribe)
    with organization_scope(org_a):
        assert not Follow.objects.filter(member=asker).exists()


def test_the_digest_beat_task_runs_per_organization(org_a, mailbox, settings):
    from community import tasks

    assert tasks.send_digests.name == settings.CELERY_BEAT_SCHEDULE["community-digests"]["task"]


# --- Staff: the panel and the contact hooks ----------------------------------------------------


def _contact_page(client, user, contact):
    client.force_login(user)
    return client.get(f"/o/riverside/contacts/{contact.pk}/panels/")  # the page loads them


def test_the_member_panel_and_its_role_walls(client, org_a):
    member = make_member(org_a, name="Sunflower")
    make_question(org_a, member, title="Is the Tuesday session still on?")
    fundraiser = MembershipFactory(organization=org_a, role=Role.FUNDRAISER).user
    caseworker = MembershipFactory(organization=org_a, role=Role.CASEWORKER).user
    with scopes_disabled():
        contact = Contact.objects.get(pk=member.contact_id)

    page = _contact_page(client, fundraiser, contact)
    assert page.status_code == 200
    assert b"Sunflower" in page.content and b"Is the Tuesday session still on?" in page.content

    with scopes_disabled():
        Contact.objects.filter(pk=contact.pk).update(is_client=True)
    assert b"Sunflower" not in _contact_page(client, fundraiser, contact).content
    assert b"Sunflower" in _contact_page(client, caseworker, contact).content


def test_erasing_a_contact_anonymises_the_member(org_a, admin_a):
    member = make_member(org_a)
    question = make_question(org_a, member)
    with organization_scope(org_a):
        contact = Contact.objects.get(pk=member.contact_id)
        export = next(h for h in contact_hooks if h.name == "community").export(
            organization=org_a, contact=contact
        )
        assert export["community_member"]["email"] == "ben@example.org"
        assert export["community_questions"][0]["title"] == question.title
        core_services.contact_erase(organization=org_a, contact=contact, actor=admin_a)
        member.refresh_from_db()
        assert Question.objects.filter(pk=question.pk, author=member).exists()
    assert member.status == MemberStatus.LEFT and member.email != "ben@example.org"
    assert member.contact_id is None


def test_merging_contacts_moves_the_membership(org_a, admin_a):
    kept_member = make_member(org_a, email="a@example.org", name="Keeper")
    gone_member = make_member(org_a, email="b@example.org", name="Goner")
    question = make_question(org_a, gone_member)
    shared = make_question(org_a, kept_member, title="Shared question")
    with organization_scope(org_a):
        for member in (kept_member, gone_member):
            Follow.objects.create(organization=org_a, member=member, question=shared)
        keep = Contact.objects.get(pk=kept_member.contact_id)
        remove = Contact.objects.get(pk=gone_member.contact_id)
        core_services.contact_merge(organization=org_a, keep=keep, remove=remove, actor=admin_a)
        assert not Member.objects.filter(pk=gone_member.pk).exists()
        assert Question.objects.get(pk=question.pk).author_id == kept_member.pk
        assert Follow.objects.filter(question=shared).count() == 1

    # A contact without a membership simply takes the other's.
    lone = make_member(org_a, email="c@example.org", name="Lone")
    with organization_scope(org_a):
        target = ContactFactory(organization=org_a, email="d@example.org")
        core_services.contact_merge(
            organization=org_a,
            keep=target,
            remove=Contact.objects.get(pk=lone.contact_id),
            actor=admin_a,
        )
        lone.refresh_from_db()
    assert lone.contact_id == target.pk
