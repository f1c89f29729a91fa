"""The community's questions and answers: spaces and who sees them, asking (holds, honeypot,
fill time, rate limits), the space page (sorts, tags, search, key paging), the question page
(answers in order, votes, accepting, following, comments, locks, merges), the counters and
reputation kept by the services, similar questions and help-centre deflections, and the staff's
space pages — with the page's queries counted."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from community.models import (
    Answer,
    Comment,
    CommunitySettings,
    Follow,
    Member,
    MemberStatus,
    PostStatus,
    Question,
    Space,
    Vote,
)
from community.selectors import questions as selectors
from community.selectors.members import MEMBER_SESSION
from community.services import questions as services
from stakeholders.models import AuditEvent, Role
from stakeholders.public_forms import form_started_token
from stakeholders.registries import KnowledgeArticle, knowledge
from stakeholders.tenancy.models import organization_scope
from tests.concurrency import at_once
from tests.factories import ContactFactory, MembershipFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def org(org_a, settings):
    settings.COMMUNITY_FORM_MIN_SECONDS = 0
    with organization_scope(org_a):
        CommunitySettings.objects.create(
            organization=org_a, enabled=True, approve_first_posts=1, posts_per_hour=10
        )
        yield org_a


@pytest.fixture
def help_space(org):
    return Space.objects.create(organization=org, name="Getting help", slug="getting-help")


def make_member(org, name, *, approved=5, role=None, **kwargs):
    contact = ContactFactory(organization=org, email=f"{name.lower()}@example.org")
    if role:
        setattr(contact, f"is_{role}", True)
        contact.save()
    return Member.objects.create(
        organization=org,
        contact=contact,
        email=contact.email,
        display_name=name,
        status=MemberStatus.ACTIVE,
        approved_posts=approved,
        **kwargs,
    )


def sign_in(client, org, member):
    session = client.session
    session[MEMBER_SESSION] = {str(org.pk): member.pk}
    session.save()


def ask(org, member, space, title="Where can I get food on Friday?", tags=(), **kwargs):
    return services.question_ask(
        organization=org,
        member=member,
        space=space,
        title=title,
        body=kwargs.pop("body", "The food bank is closed on Friday, where else can I go?"),
        tags=list(tags),
        language=kwargs.pop("language", "en"),
    )


def url(org, name, **kwargs):
    from django.urls import reverse

    return reverse(f"community:{name}", kwargs={"org_slug": org.slug, **kwargs})


# --- Tags ----------------------------------------------------------------------------------


def test_tags_are_normalised_deduplicated_and_at_most_five():
    assert services.normalise_tags(" Food Bank, #housing , HOUSING,, ") == [
        "food-bank",
        "housing",
    ]
    # a Khmer tag keeps its vowel signs and subscripts (they are part of the word)
    assert services.normalise_tags("អាហារ, ស្បៀង") == ["អាហារ", "ស្បៀង"]
    assert services.normalise_tags("a!b?, c") == ["ab", "c"]
    with pytest.raises(ValidationError):
        services.normalise_tags("a, b, c, d, e, f")


# --- Asking --------------------------------------------------------------------------------


def ask_form(space, **overrides):
    return {
        "space": space.slug,
        "title": "Where can I get food on Friday?",
        "body": "The food bank is closed on Friday, where else can I go with my kids?",
        "tags": "food, Friday",
        "website": "",
        "started": form_started_token(),
        **overrides,
    }


def test_a_member_asks_and_the_question_is_published_followed_and_searchable(
    client, org, help_space
):
    ana = make_member(org, "Ana")
    sign_in(client, org, ana)
    response = client.post(url(org, "ask", space_slug=help_space.slug), ask_form(help_space))
    question = Question.objects.get()
    assert response.status_code == 302
    assert response["Location"] == url(org, "question", question_id=question.pk)
    assert question.status == PostStatus.PUBLISHED
    assert question.tags == ["food", "friday"]
    assert Follow.objects.filter(member=ana, question=question).exists()
    ana.refresh_from_db()
    assert ana.approved_posts == 6
    # stemmed in English: "closing" finds "closed"
    page = client.get(url(org, "space", space_slug=help_space.slug), {"q": "closing fridays"})
    assert question.title in page.content.decode()
    page = client.get(url(org, "space", space_slug=help_space.slug), {"q": "housing"})
    assert question.title not in page.content.decode()


def test_a_new_members_question_waits_for_a_moderator_and_only_they_see_it(client, org, help_space):
    newcomer = make_member(org, "Newcomer", approved=0)
    sign_in(client, org, newcomer)
    client.post(url(org, "ask", space_slug=help_space.slug), ask_form(help_space))
    question = Question.objects.get()
    assert question.status == PostStatus.PENDING
    assert question.hold_reason
    space_page = client.get(url(org, "space", space_slug=help_space.slug)).content.decode()
    assert question.title in space_page and "Waiting for a moderator" in space_page
    assert client.get(url(org, "question", question_id=question.pk)).status_code == 200

    client.logout()
    client.cookies.clear()
    space_page = client.get(url(org, "space", space_slug=help_space.slug)).content.decode()
    assert question.title not in space_page
    assert client.get(url(org, "question", question_id=question.pk)).status_code == 404

    # the moderator's approval: published, counted once however often it is called
    services.publish_question(organization=org, question=question)
    services.publish_question(organization=org, question=question)
    newcomer.refresh_from_db()
    assert newcomer.approved_posts == 1
    assert client.get(url(org, "question", question_id=question.pk)).status_code == 200


def test_the_ask_form_catches_bots_hurry_and_bad_input(client, org, help_space):
    sign_in(client, org, make_member(org, "Ana"))
    ask_url = url(org, "ask", space_slug=help_space.slug)
    # a filled honeypot looks like success and keeps nothing
    assert client.post(ask_url, ask_form(help_space, website="http://spam")).status_code == 302
    # no (or a forged) stamp: sent too fast
    response = client.post(ask_url, ask_form(help_space, started="forged"))
    assert response.status_code == 400 and "very quick" in response.content.decode()
    # errors next to the fields, nothing half-saved
    response = client.post(ask_url, ask_form(help_space, title="Help", tags="a,b,c,d,e,f"))
    assert response.status_code == 400
    form = response.context["form"]
    assert "title" in form.errors and "tags" in form.errors
    assert 'aria-invalid="true"' in response.content.decode()
    assert not Question.objects.exists()


def test_posting_is_limited_per_member_per_hour(client, org, help_space):
    CommunitySettings.objects.filter(organization=org).update(posts_per_hour=1)
    sign_in(client, org, make_member(org, "Ana"))
    ask_url = url(org, "ask", space_slug=help_space.slug)
    assert client.post(ask_url, ask_form(help_space)).status_code == 302
    second = ask_form(help_space, title="And where on Saturday, please?")
    assert client.post(ask_url, second).status_code == 429
    assert Question.objects.count() == 1


def test_a_visitor_is_sent_to_sign_in_to_ask(client, org, help_space):
    response = client.get(url(org, "ask", space_slug=help_space.slug))
    assert response.status_code == 302
    assert response["Location"].startswith(url(org, "sign_in"))


# --- Who sees which space ------------------------------------------------------------------


def test_spaces_are_shown_to_their_readers_only(client, org, org_b, help_space):
    Space.objects.create(
        organization=org,
        name="Volunteers",
        slug="volunteers",
        visibility="members",
        audiences=["volunteer"],
        translations={"es": {"name": "Voluntariado", "description": ""}},
    )
    archived = Space.objects.create(
        organization=org, name="Old things", slug="old", is_archived=True
    )
    home = url(org, "home")
    page = client.get(home).content.decode()
    assert "Getting help" in page and "Volunteers" not in page and "Old things" not in page
    assert client.get(url(org, "space", space_slug="volunteers")).status_code == 404

    donor = make_member(org, "Dora", role="donor")
    sign_in(client, org, donor)
    assert "Volunteers" not in client.get(home).content.decode()
    assert client.get(url(org, "space", space_slug="volunteers")).status_code == 404

    sign_in(client, org, make_member(org, "Vic", role="volunteer"))
    assert "Volunteers" in client.get(home).content.decode()
    assert client.get(url(org, "space", space_slug="volunteers")).status_code == 200
    page = client.get(home, HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "Voluntariado" in page
    # an archived space is not listed, stays readable, takes no questions
    assert client.get(url(org, "space", space_slug="old")).status_code == 200
    assert client.get(url(org, "ask", space_slug="old")).status_code == 403
    with pytest.raises(ValidationError):
        ask(org, donor, archived)
    # another organization's space is not found under its own address
    with organization_scope(org_b):
        assert client.get(f"/o/{org_b.slug}/community/s/getting-help/").status_code == 404


def test_a_closed_community_is_not_found_except_by_staff(client, org, admin_a, help_space):
    CommunitySettings.objects.filter(organization=org).update(enabled=False)
    assert client.get(url(org, "home")).status_code == 404
    client.force_login(admin_a)
    page = client.get(url(org, "home"))
    assert page.status_code == 200
    assert "only staff see it" in page.content.decode()


def test_staff_see_members_only_spaces_and_post_as_experts(client, org, admin_a, help_space):
    Space.objects.create(
        organization=org, name="Clients", slug="clients", visibility="members", audiences=["client"]
    )
    client.force_login(admin_a)
    assert client.get(url(org, "space", space_slug="clients")).status_code == 200
    question = ask(org, make_member(org, "Ana"), help_space)
    response = client.post(
        url(org, "answer", question_id=question.pk),
        {
            "body": "Try the church hall on Mill Lane, open 9 to 12.",
            "started": form_started_token(),
        },
    )
    assert response.status_code == 302
    answer = Answer.objects.get()
    assert answer.status == PostStatus.PUBLISHED  # experts never wait
    assert answer.author.is_expert
    assert "Expert" in client.get(url(org, "question", question_id=question.pk)).content.decode()


# --- The space page ------------------------------------------------------------------------


def test_the_space_page_sorts_filters_and_pages_by_key(client, org, help_space):
    ana, ben = make_member(org, "Ana"), make_member(org, "Ben")
    base = timezone.now() - timedelta(days=1)
    questions = []
    for number in range(25):
        question = ask(
            org, ana, help_space, title=f"Question number {number:02d} about rent", tags=["rent"]
        )
        Question.objects.filter(pk=question.pk).update(
            last_activity_at=base + timedelta(minutes=number)
        )
        questions.append(question)
    Question.objects.filter(pk=questions[3].pk).update(tags=["food"])
    services.vote_set(organization=org, member=ben, question=questions[5])
    services.answer_post(
        organization=org, member=ben, question=questions[24], body="Ask the housing office."
    )

    space_url = url(org, "space", space_slug=help_space.slug)
    first = client.get(space_url)
    page = first.context["page"]
    assert [q.pk for q in page.questions][:2] == [questions[24].pk, questions[23].pk]
    assert len(page.questions) == 20 and page.count == 25 and page.next_cursor
    second = client.get(space_url, {"after": page.next_cursor}).context["page"]
    assert len(second.questions) == 5 and second.next_cursor is None
    seen = [q.pk for q in page.questions] + [q.pk for q in second.questions]
    assert sorted(seen) == sorted(q.pk for q in questions)

    votes = client.get(space_url, {"sort": "votes"}).context["page"]
    assert votes.questions[0].pk == questions[5].pk
    unanswered = client.get(space_url, {"sort": "unanswered"}).context["page"]
    assert questions[24].pk not in [q.pk for q in unanswered.questions]
    assert unanswered.count == 24
    tagged = client.get(space_url, {"tag": "Food"}).context["page"]
    assert [q.pk for q in tagged.questions] == [questions[3].pk]
    # a mangled cursor starts from the top
    assert client.get(space_url, {"after": "!!"}).status_code == 200
    html = first.content.decode()
    assert "Answered" in html and "No answer yet" in html


def test_the_space_page_costs_the_same_queries_for_few_or_many_questions(client, org, help_space):
    ana = make_member(org, "Ana")
    sign_in(client, org, ana)
    ask(org, ana, help_space)
    space_url = url(org, "space", space_slug=help_space.slug)
    client.get(space_url)
    with CaptureQueriesContext(connection) as few:
        client.get(space_url)
    for number in range(20):
        ask(org, ana, help_space, title=f"Another question {number}", tags=["x", f"t{number}"])
    with CaptureQueriesContext(connection) as many:
        client.get(space_url)
    assert len(many) == len(few)


# --- The question page ---------------------------------------------------------------------


def test_answers_come_accepted_first_then_by_votes_then_oldest(client, org, help_space):
    ana, ben, cy, dee = (make_member(org, name) for name in ("Ana", "Ben", "Cy", "Dee"))
    question = ask(org, ana, help_space)
    first = services.answer_post(organization=org, member=ben, question=question, body="First!")
    second = services.answer_post(organization=org, member=cy, question=question, body="Second")
    third = services.answer_post(organization=org, member=dee, question=question, body="Third")
    services.vote_set(organization=org, member=ana, answer=second)
    services.answer_accept(organization=org, member=ana, answer=third)
    viewer = selectors.Viewer(member=ana)
    thread = selectors.thread(organization=org, question=question, viewer=viewer)
    assert [answer.pk for answer in thread.answers] == [third.pk, second.pk, first.pk]
    assert [answer.voted for answer in thread.answers] == [False, True, False]
    assert thread.following


def test_the_question_page_costs_the_same_queries_however_long_the_thread(client, org, help_space):
    ana = make_member(org, "Ana")
    question = ask(org, ana, help_space)
    sign_in(client, org, ana)
    page_url = url(org, "question", question_id=question.pk)

    def add_answers(count):
        for number in range(count):
            member = make_member(org, f"Helper {question.pk}-{number}-{count}")
            answer = services.answer_post(
                organization=org, member=member, question=question, body=f"Answer {number}"
            )
            services.comment_add(
                organization=org, member=ana, question=question, answer=answer, body="Thanks!"
            )
            services.vote_set(organization=org, member=ana, answer=answer)

    add_answers(1)
    client.get(page_url)
    with CaptureQueriesContext(connection) as few:
        assert client.get(page_url).status_code == 200
    add_answers(8)
    with CaptureQueriesContext(connection) as many:
        assert client.get(page_url).status_code == 200
    assert len(many) == len(few)
    assert len(few) <= 12


def test_answering_keeps_the_counters_and_is_counted_once(org, help_space):
    ana, ben = make_member(org, "Ana"), make_member(org, "Ben")
    question = ask(org, ana, help_space)
    newcomer = make_member(org, "Newcomer", approved=0)
    held = services.answer_post(
        organization=org, member=newcomer, question=question, body="Call me on 020 7946 0018"
    )
    assert held.status == PostStatus.PENDING
    question.refresh_from_db()
    assert question.answer_count == 0 and question.first_answer_at is None

    answer = services.answer_post(organization=org, member=ben, question=question, body="Yes!")
    question.refresh_from_db()
    assert answer.status == PostStatus.PUBLISHED
    assert question.answer_count == 1
    first_answer_at = question.first_answer_at
    assert first_answer_at is not None

    services.publish_answer(organization=org, answer=held)
    services.publish_answer(organization=org, answer=held)  # twice: counted once
    question.refresh_from_db()
    newcomer.refresh_from_db()
    assert question.answer_count == 2
    assert question.first_answer_at == first_answer_at
    assert newcomer.approved_posts == 1
    assert Follow.objects.filter(member=ben, question=question).exists()


def test_votes_toggle_and_move_reputation(client, org, help_space):
    ana, ben = make_member(org, "Ana"), make_member(org, "Ben")
    question = ask(org, ana, help_space)
    answer = services.answer_post(organization=org, member=ben, question=question, body="Yes")
    sign_in(client, org, ana)
    vote_url = url(org, "vote", question_id=question.pk)
    client.post(vote_url, {"answer": answer.pk, "vote": "1"})
    client.post(vote_url, {"answer": answer.pk, "vote": "1"})  # a double click
    answer.refresh_from_db()
    ben.refresh_from_db()
    assert answer.score == 1 and ben.reputation == 10
    assert Vote.objects.count() == 1
    client.post(vote_url, {"answer": answer.pk, "vote": "0"})
    answer.refresh_from_db()
    ben.refresh_from_db()
    assert answer.score == 0 and ben.reputation == 0

    # a question's upvote is worth 5; one's own post can't be voted for
    services.vote_set(organization=org, member=ben, question=question)
    ana.refresh_from_db()
    assert ana.reputation == 5
    response = client.post(vote_url, {"vote": "1"}, follow=True)
    assert "your own post" in response.content.decode()
    question.refresh_from_db()
    assert question.score == 1


def test_accepting_by_the_asker_or_staff_one_at_a_time(client, org, admin_a, help_space):
    ana, ben, cy = (make_member(org, name) for name in ("Ana", "Ben", "Cy"))
    question = ask(org, ana, help_space)
    first = services.answer_post(organization=org, member=ben, question=question, body="One")
    second = services.answer_post(organization=org, member=cy, question=question, body="Two")
    own = services.answer_post(organization=org, member=ana, question=question, body="Mine")

    with pytest.raises(ValidationError):
        services.answer_accept(organization=org, member=cy, answer=first)
    sign_in(client, org, ana)
    accept_url = url(org, "accept", question_id=question.pk)
    client.post(accept_url, {"answer": first.pk, "accepted": "1"})
    question.refresh_from_db()
    ben.refresh_from_db()
    assert question.accepted_answer_id == first.pk and ben.reputation == 15

    client.post(accept_url, {"answer": second.pk, "accepted": "1"})
    for row in (question, ben, cy, first):
        row.refresh_from_db()
    assert question.accepted_answer_id == second.pk
    assert ben.reputation == 0 and cy.reputation == 15 and not first.is_accepted

    # accepting one's own answer earns nothing; staff may accept too
    services.answer_accept(organization=org, member=ana, answer=own)
    ana.refresh_from_db()
    cy.refresh_from_db()
    assert ana.reputation == 0 and cy.reputation == 0
    client.force_login(admin_a)
    client.post(accept_url, {"answer": own.pk, "accepted": "0"})
    question.refresh_from_db()
    assert question.accepted_answer_id is None
    assert not Answer.objects.filter(is_accepted=True).exists()


def test_following_and_comments(client, org, help_space):
    ana, ben = make_member(org, "Ana"), make_member(org, "Ben")
    question = ask(org, ana, help_space)
    sign_in(client, org, ben)
    client.post(url(org, "follow", question_id=question.pk), {"follow": "1"})
    assert Follow.objects.filter(member=ben, question=question).exists()
    client.post(url(org, "follow", question_id=question.pk), {"follow": "0"})
    assert not Follow.objects.filter(member=ben, question=question).exists()

    comment_url = url(org, "comment", question_id=question.pk)
    assert client.post(comment_url, {"body": "Which day exactly?"}).status_code == 302
    response = client.post(comment_url, {"body": ""})
    assert response.status_code == 400
    assert response.context["comment_form"].errors["body"]
    assert Comment.objects.get().question_id == question.pk
    # an answer of another question is not found
    other = ask(org, ana, help_space, title="Another question entirely")
    foreign = services.answer_post(organization=org, member=ben, question=other, body="Hi")
    assert client.post(comment_url, {"body": "Hi there", "answer": foreign.pk}).status_code == 404
    page = client.get(url(org, "question", question_id=question.pk)).content.decode()
    assert "Which day exactly?" in page


def test_a_locked_question_takes_no_answers_and_a_merged_one_redirects(client, org, help_space):
    ana, ben = make_member(org, "Ana"), make_member(org, "Ben")
    question = ask(org, ana, help_space)
    Question.objects.filter(pk=question.pk).update(is_locked=True)
    question.refresh_from_db()
    with pytest.raises(ValidationError):
        services.answer_post(organization=org, member=ben, question=question, body="Late")
    sign_in(client, org, ben)
    page = client.get(url(org, "question", question_id=question.pk))
    assert page.context["answer_form"] is None
    assert "locked" in page.content.decode()

    duplicate = ask(org, ben, help_space, title="Food on Fridays where?")
    Question.objects.filter(pk=duplicate.pk).update(merged_into=question, status="hidden")
    response = client.get(url(org, "question", question_id=duplicate.pk))
    assert response.status_code == 302
    assert response["Location"] == url(org, "question", question_id=question.pk)


# --- Similar questions and the help centre -------------------------------------------------


class FakeHelpCentre:
    def __init__(self):
        self.deflected_ids = []

    def search(self, *, organization, text, language, limit):
        return [
            KnowledgeArticle(
                id=7,
                title="Food bank opening hours",
                summary="When we are open",
                url=f"/o/{organization.slug}/help/articles/7/",
            )
        ]

    def publish(self, **kwargs):
        raise NotImplementedError

    def deflected(self, *, organization, article_id):
        self.deflected_ids.append(article_id)


def test_similar_questions_and_articles_as_one_types(client, org, help_space, monkeypatch):
    help_centre = FakeHelpCentre()
    monkeypatch.setattr(knowledge, "_provider", help_centre)
    ana = make_member(org, "Ana")
    question = ask(org, ana, help_space, title="Opening hours of the food bank")
    members_only = Space.objects.create(
        organization=org, name="Staff", slug="staff", visibility="members", audiences=["client"]
    )
    hidden = ask(org, ana, members_only, title="Opening times for clients only")
    response = client.get(url(org, "similar"), {"title": "opening hou"})
    html = response.content.decode()
    assert question.title in html and hidden.title not in html
    assert "Food bank opening hours" in html

    article_url = url(org, "article", article_id=7)
    followed = client.get(article_url, {"to": f"/o/{org.slug}/help/articles/7/"})
    assert followed.status_code == 302 and followed["Location"] == f"/o/{org.slug}/help/articles/7/"
    assert help_centre.deflected_ids == [7]
    # never a way off the organization's site
    for target in ("https://evil.example/", "//evil.example/x", "/o/other/help/"):
        assert client.get(article_url, {"to": target}).status_code == 404
    assert help_centre.deflected_ids == [7]


# --- Staff: spaces -------------------------------------------------------------------------


def test_admins_create_edit_and_archive_spaces(client, org, admin_a):
    org.other_languages = ["fa"]
    org.save()
    client.force_login(admin_a)
    new_url = url(org, "manage_space_new")
    response = client.post(
        new_url,
        {
            "name": "Getting help",
            "slug": "Getting-Help",
            "description": "Questions about our services",
            "visibility": "public",
            "audiences": ["client", "volunteer"],
            "name_fa": "کمک گرفتن",
            "description_fa": "",
        },
    )
    space = Space.objects.get()
    assert response.status_code == 302
    assert space.slug == "getting-help"
    assert space.audiences == ["client", "volunteer"]
    assert space.translations == {"fa": {"name": "کمک گرفتن", "description": ""}}
    assert AuditEvent.objects.filter(target_id=space.pk, action="organization.settings").exists()

    duplicate = client.post(
        new_url, {"name": "Again", "slug": "getting-help", "visibility": "public"}
    )
    assert duplicate.status_code == 400
    assert "already has this address" in str(duplicate.context["form"].errors["slug"])
    assert Space.objects.count() == 1

    edit_url = url(org, "manage_space_edit", space_id=space.pk)
    assert client.get(edit_url).status_code == 200
    edited = client.post(
        edit_url,
        {
            "name": "Getting help with food",
            "slug": "getting-help",
            "visibility": "members",
            "position": "",
            "name_fa": "",
            "description_fa": "",
        },
    )
    assert edited.status_code == 302, edited.context["form"].errors
    space.refresh_from_db()
    assert (space.name, space.visibility, space.position) == (
        "Getting help with food",
        "members",
        0,
    )
    assert space.audiences == [] and space.translations == {}
    client.post(url(org, "manage_space_archive", space_id=space.pk), {"archived": "1"})
    space.refresh_from_db()
    assert space.is_archived
    listing = client.get(url(org, "manage_spaces")).content.decode()
    assert "Getting help" in listing and "Archived" in listing


def test_only_admins_manage_spaces(client, org):
    viewer = MembershipFactory(organization=org, role=Role.CASEWORKER).user
    client.force_login(viewer)
    assert client.get(url(org, "manage_spaces")).status_code == 403
    assert client.post(url(org, "manage_space_new"), {"name": "x"}).status_code == 403


@pytest.mark.django_db(transaction=True)
def test_answers_and_votes_at_the_same_moment_lose_no_count(org_a):
    """Two members answering and upvoting at once: each counter moves twice (row locks and F
    expressions, never a read-modify-write in Python)."""
    with organization_scope(org_a):
        CommunitySettings.objects.create(organization=org_a, enabled=True, approve_first_posts=0)
        space = Space.objects.create(organization=org_a, name="Help", slug="help")
        ana = make_member(org_a, "Ana")
        question = ask(org_a, ana, space)
        helpers = [make_member(org_a, "Ben"), make_member(org_a, "Cy")]

    def work(barrier):
        with organization_scope(org_a):
            member = helpers.pop()
            barrier.wait()
            services.answer_post(
                organization=org_a, member=member, question=question, body="Mill Lane, 9am"
            )
            services.vote_set(organization=org_a, member=member, question=question)

    at_once(work)
    with organization_scope(org_a):
        question.refresh_from_db()
        ana.refresh_from_db()
        assert question.answer_count == 2 and question.score == 2
        assert ana.reputation == 2 * services.QUESTION_VOTE_POINTS
        assert Answer.objects.filter(status=PostStatus.PUBLISHED).count() == 2
    connection.close()


def test_a_search_shows_the_best_match_first_in_each_questions_language(client, org, help_space):
    ana = make_member(org, "Ana")
    in_title = ask(org, ana, help_space, title="Help with rent arrears please")
    in_body = ask(
        org, ana, help_space, title="A question about money", body="My rent is late, what now?"
    )
    persian = ask(
        org,
        ana,
        help_space,
        title="کمک برای پرداخت اجاره",
        body="اجاره خانه را نمی‌توانم بپردازم.",
        language="fa",
    )
    Question.objects.filter(pk=in_body.pk).update(last_activity_at=timezone.now() + timedelta(1))
    space_url = url(org, "space", space_slug=help_space.slug)
    response = client.get(space_url, {"q": "rent"})
    assert response.context["sort"] == "relevance"
    assert [q.pk for q in response.context["page"].questions] == [in_title.pk, in_body.pk]
    latest = client.get(space_url, {"q": "rent", "sort": "activity"}).context["page"]
    assert [q.pk for q in latest.questions] == [in_body.pk, in_title.pk]
    found = client.get(space_url, {"q": "اجاره"}).context["page"]
    assert [q.pk for q in found.questions] == [persian.pk]
    # the relevance order pages by key too
    first = selectors.question_list(
        organization=org,
        space=help_space,
        viewer=selectors.Viewer(),
        sort="relevance",
        query="rent",
        size=1,
    )
    rest = selectors.question_list(
        organization=org,
        space=help_space,
        viewer=selectors.Viewer(),
        sort="relevance",
        query="rent",
        size=1,
        cursor=first.next_cursor,
    )
    assert [q.pk for q in first.questions + rest.questions] == [in_title.pk, in_body.pk]
    assert rest.next_cursor is None


def test_the_home_page_costs_the_same_queries_for_few_or_many_spaces(client, org, help_space):
    ana = make_member(org, "Ana")
    ask(org, ana, help_space)
    client.get(url(org, "home"))
    with CaptureQueriesContext(connection) as few:
        client.get(url(org, "home"))
    for number in range(5):
        space = Space.objects.create(organization=org, name=f"Space {number}", slug=f"s{number}")
        ask(org, ana, space, title=f"A question in space {number}")
    with CaptureQueriesContext(connection) as many:
        page = client.get(url(org, "home"))
    assert len(page.context["spaces"]) == 6
    assert len(many) == len(few)


# --- Speed: one combined search, answers a page at a time ----------------------------------


def test_a_search_is_one_text_match_that_finds_every_language(client, org, help_space):
    ana = make_member(org, "Ana")
    english = ask(org, ana, help_space, title="Help paying the rents", body="Arrears letter.")
    spanish = ask(
        org,
        ana,
        help_space,
        title="Ayuda con los alquileres",
        body="No puedo pagar el alquiler este mes.",
        language="es",
    )
    french = ask(
        org,
        ana,
        help_space,
        title="Aide pour les loyers",
        body="Je ne peux pas payer mon loyer.",
        language="fr",
    )
    khmer = ask(
        org,
        ana,
        help_space,
        title="សុំជំនួយអំពីប័ណ្ណសមធម៌",
        body="តើខ្ញុំអាចទទួលបានប័ណ្ណសមធម៌នៅឯណា?",
        language="km",
    )
    ask(org, ana, help_space, title="Where is the food bank?", body="On Fridays.")
    viewer = selectors.Viewer()

    def search(query):
        with CaptureQueriesContext(connection) as queries:
            page = selectors.question_list(
                organization=org, space=help_space, viewer=viewer, query=query, sort="relevance"
            )
        return {question.pk for question in page.questions}, queries

    # each found by its own language's stemming (rent → rents, alquiler → alquileres, ...)
    assert search("rent")[0] == {english.pk}
    assert search("alquiler")[0] == {spanish.pk}
    assert search("loyer")[0] == {french.pk}
    assert search("ប័ណ្ណសមធម៌")[0] == {khmer.pk}  # Khmer typed without spaces
    found, queries = search("rent alquiler")
    assert found == set()  # every word must match, in one language
    _found, queries = search("loyers")
    matching = [query["sql"] for query in queries if "@@" in query["sql"]]
    assert matching, "the search matched nothing"
    for sql in matching:
        # one match against one tsquery: each configuration's parse joined with ||
        assert sql.count("@@") == 1
        assert sql.count("websearch_to_tsquery") >= 3 and "||" in sql
        assert "CASE" not in sql


def test_a_common_word_is_counted_and_ranked_up_to_the_cap(org, help_space, monkeypatch):
    ana = make_member(org, "Ana")
    for number in range(5):
        ask(org, ana, help_space, title=f"Food parcel number {number}", body="Food.")
    monkeypatch.setattr(selectors, "COUNT_CAP", 3)
    page = selectors.question_list(
        organization=org,
        space=help_space,
        viewer=selectors.Viewer(),
        query="food",
        sort="relevance",
        size=2,
    )
    assert page.count == 3 and page.count_capped
    assert len(page.questions) == 2 and page.next_cursor
    rest = selectors.question_list(
        organization=org,
        space=help_space,
        viewer=selectors.Viewer(),
        query="food",
        sort="relevance",
        size=2,
        cursor=page.next_cursor,
    )
    # ranked among the newest three matches, paged by key without a repeat
    shown = [q.pk for q in page.questions + rest.questions]
    assert len(shown) == len(set(shown)) == 3 and rest.next_cursor is None


def _many_answers(org, question, count, *, author, accepted=None):
    """``count`` published answers, most votes first by their number (bulk, as imports do)."""
    now = timezone.now()
    answers = Answer.objects.bulk_create(
        Answer(
            organization=org,
            question=question,
            author=author,
            body=f"Answer {number}",
            status=PostStatus.PUBLISHED,
            score=count - number,
            created_at=now + timedelta(seconds=number),
            is_accepted=number == accepted,
        )
        for number in range(count)
    )
    Question.objects.filter(pk=question.pk).update(answer_count=count)
    question.refresh_from_db()
    return answers


def test_answers_come_a_page_at_a_time_the_accepted_one_first(client, org, help_space):
    ana, ben = make_member(org, "Ana"), make_member(org, "Ben")
    question = ask(org, ana, help_space)
    answers = _many_answers(org, question, 70, author=ben, accepted=50)
    viewer = selectors.Viewer(member=ana)
    first = selectors.thread(organization=org, question=question, viewer=viewer)
    assert first.answers[0].pk == answers[50].pk  # accepted, then 30 by votes
    assert [a.pk for a in first.answers[1:]] == [a.pk for a in answers[:30]]
    second = selectors.thread(
        organization=org, question=question, viewer=viewer, cursor=first.next_cursor
    )
    assert [a.pk for a in second.answers] == [a.pk for a in answers[30:50] + answers[51:61]]
    third = selectors.thread(
        organization=org, question=question, viewer=viewer, cursor=second.next_cursor
    )
    assert [a.pk for a in third.answers] == [a.pk for a in answers[61:]]
    assert third.next_cursor is None and not third.first_page

    page_url = url(org, "question", question_id=question.pk)
    response = client.get(page_url)
    assert "70 answers" in response.content.decode()
    more = f'{page_url}?after={first.next_cursor}#answers-heading"'
    assert more in response.content.decode()
    assert client.get(page_url, {"after": "not-a-key"}).context["thread"].first_page

    # a link to an answer lands on the page that shows it, at the answer
    response = client.get(page_url, {"answer": answers[65].pk})
    assert response.status_code == 302
    assert response["Location"] == (
        f"{page_url}?after={second.next_cursor}#answer-{answers[65].pk}"
    )
    page = client.get(response["Location"]).context["thread"]
    assert answers[65].pk in {a.pk for a in page.answers}
    for on_first in (answers[0], answers[29], answers[50]):
        response = client.get(page_url, {"answer": on_first.pk})
        assert response["Location"] == f"{page_url}#answer-{on_first.pk}"
    assert client.get(page_url, {"answer": answers[30].pk})["Location"] == (
        f"{page_url}?after={first.next_cursor}#answer-{answers[30].pk}"
    )
    for unknown in ("999999999", "nonsense"):
        assert client.get(page_url, {"answer": unknown})["Location"] == page_url

    # after voting on an answer of a later page, the member is back on that page
    sign_in(client, org, ana)
    response = client.post(
        url(org, "vote", question_id=question.pk), {"answer": answers[69].pk, "vote": "1"}
    )
    assert response["Location"].startswith(f"{page_url}?after=")
    assert response["Location"].endswith(f"#answer-{answers[69].pk}")


def test_the_question_page_costs_the_same_queries_with_no_or_200_answers(client, org, help_space):
    ana, ben = make_member(org, "Ana"), make_member(org, "Ben")
    empty = ask(org, ana, help_space, title="Nobody answered this yet")
    full = ask(org, ana, help_space, title="Everybody answered this")
    answers = _many_answers(org, full, 200, author=ben, accepted=120)
    for answer in answers[:40]:
        services.vote_set(organization=org, member=ana, answer=answer)
        services.comment_add(
            organization=org, member=ana, question=full, answer=answer, body="Thank you!"
        )
    sign_in(client, org, ana)

    def page_queries(question):
        client.get(url(org, "question", question_id=question.pk))
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url(org, "question", question_id=question.pk))
        assert response.status_code == 200
        return len(queries), response

    none, _response = page_queries(empty)
    many, response = page_queries(full)
    assert many == none
    shown = response.context["thread"].answers
    assert len(shown) == 31 and shown[0].pk == answers[120].pk
    assert all(answer.voted for answer in shown[1:31])
