"""Ideas (members propose with the holds, vote once — a toggle — and see the status and the
team's note; staff set the status, which emails the author and voters once, and see the top
ideas by votes and by stakeholder type) and promoting an accepted answer to the help centre
through the core's knowledge registry (a draft article that links back, found by the help
centre's search, deflections counted)."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from clients.models import Article, ArticleVote
from community import tasks
from community.models import (
    CommunitySettings,
    Idea,
    IdeaStatus,
    IdeaVote,
    Member,
    MemberStatus,
    PostStatus,
    Question,
    Space,
)
from community.selectors import ideas as selectors
from community.selectors.members import MEMBER_SESSION
from community.services import ideas as services
from community.services import promotion
from stakeholders.models import AuditEvent, EmailSuppression, Role
from stakeholders.public_forms import form_started_token
from stakeholders.registries import knowledge
from stakeholders.tenancy.models import organization_scope
from tests.factories import (
    ArticleFactory,
    CommunityAnswerFactory,
    CommunityQuestionFactory,
    ContactFactory,
    MembershipFactory,
)

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
def space(org):
    return Space.objects.create(organization=org, name="Supporters", slug="supporters")


def make_member(org, name, *, approved=5, roles=(), **kwargs):
    contact = ContactFactory(organization=org, email=f"{name.lower()}@example.org")
    for role in roles:
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


def url(org, name, **kwargs):
    return reverse(f"community:{name}", kwargs={"org_slug": org.slug, **kwargs})


def propose(org, member, space, title="Open on Saturdays", body="Many of us work on weekdays."):
    return services.idea_propose(
        organization=org, space=space, member=member, title=title, body=body
    )


def idea_form(**overrides):
    return {
        "title": "A bike rack by the door",
        "body": "Several of us come by bike and lock them to the fence.",
        "website": "",
        "started": form_started_token(),
        **overrides,
    }


# --- Proposing -------------------------------------------------------------------------------


def test_a_member_proposes_an_idea_on_the_space_page(client, org, space):
    ana = make_member(org, "Ana")
    sign_in(client, org, ana)
    response = client.post(url(org, "ideas", space_slug=space.slug), idea_form())
    idea = Idea.objects.get(organization=org)
    assert response.status_code == 302
    assert response["Location"] == url(org, "idea", space_slug=space.slug, idea_id=idea.pk)
    assert idea.moderation == PostStatus.PUBLISHED and idea.status == IdeaStatus.UNDER_REVIEW
    assert idea.author == ana and idea.vote_count == 0
    ana.refresh_from_db()
    assert ana.approved_posts == 6
    page = client.get(url(org, "ideas", space_slug=space.slug)).content.decode()
    assert "A bike rack by the door" in page and "Under review" in page


def test_a_new_members_idea_with_a_phone_number_waits_for_a_moderator(client, org, space):
    newcomer = make_member(org, "Nico", approved=0)
    idea = propose(org, newcomer, space, body="Call me on +44 7911 123456 about it")
    assert idea.moderation == PostStatus.PENDING
    assert "phone" in idea.hold_reason
    # nobody else sees it; its author does, marked as waiting
    assert client.get(url(org, "idea", space_slug=space.slug, idea_id=idea.pk)).status_code == 404
    listing = client.get(url(org, "ideas", space_slug=space.slug)).content.decode()
    assert "Open on Saturdays" not in listing
    sign_in(client, org, newcomer)
    own = client.get(url(org, "idea", space_slug=space.slug, idea_id=idea.pk))
    assert own.status_code == 200 and "waits for a moderator" in own.content.decode()
    # a moderator lets it through: published, the author's approved posts count up
    services.idea_publish(organization=org, idea=idea)
    idea.refresh_from_db()
    newcomer.refresh_from_db()
    assert idea.moderation == PostStatus.PUBLISHED and newcomer.approved_posts == 1


@pytest.mark.parametrize("overrides,field", [({"title": ""}, "title"), ({"body": ""}, "body")])
def test_bad_input_is_shown_next_to_its_field(client, org, space, overrides, field):
    sign_in(client, org, make_member(org, "Ana"))
    response = client.post(url(org, "ideas", space_slug=space.slug), idea_form(**overrides))
    assert response.status_code == 400
    assert response.context["form"].errors[field]
    assert not Idea.objects.filter(organization=org).exists()


def test_bots_and_hasty_posts_are_refused(client, org, space, settings):
    sign_in(client, org, make_member(org, "Ana"))
    ideas_url = url(org, "ideas", space_slug=space.slug)
    # the honeypot: answered like a success, nothing kept
    assert client.post(ideas_url, idea_form(website="http://spam.example")).status_code == 302
    settings.COMMUNITY_FORM_MIN_SECONDS = 60
    response = client.post(ideas_url, idea_form())
    assert response.status_code == 400
    assert "very quick" in response.content.decode()
    assert not Idea.objects.filter(organization=org).exists()


def test_a_member_over_the_hourly_allowance_is_stopped(client, org, space):
    CommunitySettings.objects.filter(organization=org).update(posts_per_hour=2)
    sign_in(client, org, make_member(org, "Ana"))
    ideas_url = url(org, "ideas", space_slug=space.slug)
    for number in range(2):
        assert client.post(ideas_url, idea_form(title=f"Idea {number}")).status_code == 302
    assert client.post(ideas_url, idea_form(title="One too many")).status_code == 429
    assert Idea.objects.filter(organization=org).count() == 2


def test_visitors_and_members_outside_the_spaces_audience_cannot_propose(client, org, space):
    ideas_url = url(org, "ideas", space_slug=space.slug)
    response = client.post(ideas_url, idea_form())
    assert response.status_code == 302
    assert response["Location"].startswith(url(org, "sign_in"))
    space.audiences = ["donor"]
    space.save()
    sign_in(client, org, make_member(org, "Vera", roles=["volunteer"]))
    assert client.post(ideas_url, idea_form()).status_code == 302
    assert not Idea.objects.filter(organization=org).exists()
    page = client.get(ideas_url).content.decode()
    assert "takes ideas from the stakeholders it is for" in page


# --- Voting and the list ---------------------------------------------------------------------


def test_a_vote_toggles_and_the_count_is_kept(client, org, space):
    idea = propose(org, make_member(org, "Ana"), space)
    bo = make_member(org, "Bo")
    sign_in(client, org, bo)
    vote = url(org, "idea_vote", space_slug=space.slug, idea_id=idea.pk)
    assert client.post(vote).status_code == 302
    idea.refresh_from_db()
    assert idea.vote_count == 1
    assert IdeaVote.objects.filter(organization=org, idea=idea, member=bo).count() == 1
    page = client.get(url(org, "idea", space_slug=space.slug, idea_id=idea.pk)).content.decode()
    assert 'aria-pressed="true"' in page
    client.post(vote)
    idea.refresh_from_db()
    assert idea.vote_count == 0
    assert not IdeaVote.objects.filter(organization=org, idea=idea).exists()


def test_voting_twice_at_once_counts_once(org, space):
    idea = propose(org, make_member(org, "Ana"), space)
    bo = make_member(org, "Bo")
    IdeaVote.objects.create(organization=org, idea=idea, member=bo)  # the other click won
    Idea.objects.filter(pk=idea.pk).update(vote_count=1)
    # this click finds the vote and takes it back: never two votes, never a count of 2
    assert services.idea_vote_toggle(organization=org, idea=idea, member=bo) is False
    idea.refresh_from_db()
    assert idea.vote_count == 0


def test_a_held_idea_cannot_be_voted_on(org, space):
    idea = propose(org, make_member(org, "Nico", approved=0), space)
    with pytest.raises(ValidationError):
        services.idea_vote_toggle(organization=org, idea=idea, member=make_member(org, "Bo"))


def test_visitors_are_asked_to_sign_in_to_vote(client, org, space):
    idea = propose(org, make_member(org, "Ana"), space)
    response = client.post(url(org, "idea_vote", space_slug=space.slug, idea_id=idea.pk))
    assert response.status_code == 302
    assert response["Location"].startswith(url(org, "sign_in"))
    idea.refresh_from_db()
    assert idea.vote_count == 0


def test_the_list_sorts_by_votes_or_newest_and_filters_by_status(client, org, space):
    ana = make_member(org, "Ana")
    older = propose(org, ana, space, title="Older idea")
    newer = propose(org, ana, space, title="Newer idea")
    Idea.objects.filter(pk=older.pk).update(
        vote_count=3, created_at=timezone.now() - timedelta(days=1)
    )
    Idea.objects.filter(pk=newer.pk).update(status=IdeaStatus.PLANNED)
    by_votes = selectors.ideas_list(organization=org, space=space)
    assert [i.title for i in by_votes] == ["Older idea", "Newer idea"]
    newest = selectors.ideas_list(organization=org, space=space, sort="newest")
    assert [i.title for i in newest] == ["Newer idea", "Older idea"]
    planned = selectors.ideas_list(organization=org, space=space, status="planned")
    assert [i.title for i in planned] == ["Newer idea"]
    page = client.get(url(org, "ideas", space_slug=space.slug) + "?status=planned")
    assert "Newer idea" in page.content.decode() and "Older idea" not in page.content.decode()


def test_the_ideas_page_asks_the_same_number_of_queries_for_more_ideas(client, org, space):
    ana = make_member(org, "Ana")
    sign_in(client, org, ana)
    ideas_url = url(org, "ideas", space_slug=space.slug)
    propose(org, make_member(org, "Bo"), space, title="First")
    client.get(ideas_url)
    with CaptureQueriesContext(connection) as few:
        client.get(ideas_url)
    for number in range(8):
        propose(org, make_member(org, f"Voter{number}"), space, title=f"Idea {number}")
    with CaptureQueriesContext(connection) as many:
        response = client.get(ideas_url)
    assert response.status_code == 200
    assert len(many.captured_queries) == len(few.captured_queries)


def test_a_members_only_space_hides_its_ideas_from_visitors(client, org, space):
    space.visibility = "members"
    space.audiences = ["donor"]
    space.save()
    idea = propose(org, make_member(org, "Ana", roles=["donor"]), space)
    assert client.get(url(org, "ideas", space_slug=space.slug)).status_code == 404
    assert client.get(url(org, "idea", space_slug=space.slug, idea_id=idea.pk)).status_code == 404
    sign_in(client, org, make_member(org, "Dora", roles=["donor"]))
    assert client.get(url(org, "idea", space_slug=space.slug, idea_id=idea.pk)).status_code == 200


# --- Staff: status, note, emails ---------------------------------------------------------------


def test_staff_set_the_status_and_author_and_voters_hear_once(
    client, org, space, admin_a, mailbox, django_capture_on_commit_callbacks
):
    ana = make_member(org, "Ana")
    idea = propose(org, ana, space)
    bo, cy = make_member(org, "Bo"), make_member(org, "Cy")
    for voter in (bo, cy, ana):
        services.idea_vote_toggle(organization=org, idea=idea, member=voter)
    EmailSuppression.objects.create(
        organization=org, email="cy@example.org", reason=EmailSuppression.Reason.HARD_BOUNCE
    )
    client.force_login(admin_a)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url(org, "manage_idea", idea_id=idea.pk),
            {"status": "planned", "note": "We start in May."},
        )
    assert response.status_code == 302
    idea.refresh_from_db()
    assert idea.status == IdeaStatus.PLANNED and idea.staff_note == "We start in May."
    assert idea.notified_status == "planned"
    # the author (who also voted) once, the other voter once, the bounced address not at all
    assert sorted(r for m in mailbox.messages for r in m.recipients) == [
        "ana@example.org",
        "bo@example.org",
    ]
    to_ana = mailbox.to("ana@example.org")[0]
    assert "the idea you shared is now planned" in mailbox.text(to_ana)
    assert "We start in May." in mailbox.text(to_ana)
    assert "an idea you voted for" in mailbox.text(mailbox.to("bo@example.org")[0])
    # the task again (a redelivery): nobody hears twice
    assert tasks.send_idea_status(organization_id=org.pk, idea_id=idea.pk) == 0
    assert len(mailbox.messages) == 2
    event = AuditEvent.objects.get(organization=org, action=services.AUDIT_ACTION)
    assert event.changes["after"]["status"] == "planned"
    # the public page shows the status and the note
    page = client.get(url(org, "idea", space_slug=space.slug, idea_id=idea.pk)).content.decode()
    assert "Planned" in page and "We start in May." in page


def test_a_note_or_a_status_other_than_planned_or_done_sends_nothing(
    org, space, admin_a, mailbox, django_capture_on_commit_callbacks
):
    idea = propose(org, make_member(org, "Ana"), space)
    with django_capture_on_commit_callbacks(execute=True):
        services.idea_set_status(
            organization=org, idea=idea, status="not_now", note="Not this year.", actor=admin_a
        )
        services.idea_set_status(
            organization=org, idea=idea, status="not_now", note="Maybe next.", actor=admin_a
        )
    assert mailbox.messages == []
    with pytest.raises(ValidationError):
        services.idea_set_status(
            organization=org, idea=idea, status="maybe", note="", actor=admin_a
        )


def test_the_staff_page_counts_voters_by_stakeholder_type_and_hides_clients_from_others(
    client, org, space, admin_a
):
    idea = propose(org, make_member(org, "Ana"), space, title="Longer opening hours")
    other = propose(org, make_member(org, "Al"), space, title="A quiet room")
    voters = [
        make_member(org, "Dina", roles=["donor"]),
        make_member(org, "Vic", roles=["volunteer", "donor"]),
        make_member(org, "Cleo", roles=["client"]),
    ]
    for voter in voters:
        services.idea_vote_toggle(organization=org, idea=idea, member=voter)
    services.idea_vote_toggle(organization=org, idea=other, member=voters[2])
    rows = selectors.staff_ideas(organization=org)
    assert [row.title for row in rows] == ["Longer opening hours", "A quiet room"]
    assert rows[0].voters == {"donor": 2, "volunteer": 1, "client": 1, "staff": 0}
    assert selectors.voters_by_type(organization=org) == {
        "donor": 2,
        "volunteer": 1,
        "client": 1,
        "staff": 0,
    }
    assert selectors.top_ideas_of_type(organization=org, voter_type="client") == [
        ("Longer opening hours", 1),
        ("A quiet room", 1),
    ]
    client.force_login(admin_a)
    page = client.get(url(org, "manage_ideas"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Longer opening hours" in html and "Clients" in html and "<svg" in html
    fundraiser = MembershipFactory(organization=org, role=Role.FUNDRAISER).user
    client.force_login(fundraiser)
    html = client.get(url(org, "manage_ideas")).content.decode()
    assert "Longer opening hours" in html and "Clients" not in html


def test_viewers_cannot_answer_ideas(client, org, space):
    idea = propose(org, make_member(org, "Ana"), space)
    client.force_login(MembershipFactory(organization=org, role=Role.VIEWER).user)
    assert client.get(url(org, "manage_ideas")).status_code == 403
    assert (
        client.post(url(org, "manage_idea", idea_id=idea.pk), {"status": "done"}).status_code == 403
    )
    idea.refresh_from_db()
    assert idea.status == IdeaStatus.UNDER_REVIEW


# --- From the community to the help centre -----------------------------------------------------


def accepted_question(org, space, **kwargs):
    question = CommunityQuestionFactory(
        organization=org,
        space=space,
        author=make_member(org, "Asker"),
        title="How do I register for the food bank?",
        language=kwargs.pop("language", "en"),
        **kwargs,
    )
    answer = CommunityAnswerFactory(
        organization=org,
        question=question,
        author=make_member(org, "Helper"),
        body="Bring a letter with your address on it to the hall on Tuesday.",
        is_accepted=True,
    )
    Question.objects.filter(pk=question.pk).update(accepted_answer=answer)
    question.refresh_from_db()
    return question


def test_staff_promote_an_accepted_answer_to_a_draft_article_that_links_back(
    client, org, space, admin_a
):
    question = accepted_question(org, space, language="fr")
    client.force_login(admin_a)
    promote = url(org, "manage_promote", question_id=question.pk)
    preview = client.get(promote)
    assert preview.status_code == 200
    assert "Bring a letter" in preview.content.decode()
    response = client.post(promote)
    assert response.status_code == 302
    question.refresh_from_db()
    article = Article.objects.get(organization=org, pk=question.article_id)
    assert article.title == "How do I register for the food bank?"
    assert article.body == "Bring a letter with your address on it to the hall on Tuesday."
    assert article.language == "fr" and article.is_published is False
    assert article.category.name == "From the community"
    assert article.community_url.endswith(url(org, "question", question_id=question.pk))
    assert AuditEvent.objects.filter(organization=org, action=promotion.AUDIT_ACTION).count() == 1
    # a second click makes no second article
    assert client.post(promote).status_code == 400
    assert Article.objects.filter(organization=org).count() == 1
    # a draft is not "in the help centre" for visitors yet; once published, it is
    question_page = url(org, "question", question_id=question.pk)
    client.logout()
    assert "Now in the help centre" not in client.get(question_page).content.decode()
    Article.objects.filter(pk=article.pk).update(is_published=True)
    html = client.get(question_page).content.decode()
    assert "Now in the help centre" in html
    help_page = client.get(
        reverse("clients:help_article", kwargs={"org_slug": org.slug, "article_id": article.pk})
    ).content.decode()
    assert "Read the discussion" in help_page and article.community_url in help_page


def test_a_question_without_an_accepted_answer_cannot_be_promoted(client, org, space, admin_a):
    question = CommunityQuestionFactory(
        organization=org, space=space, author=make_member(org, "Asker")
    )
    client.force_login(admin_a)
    response = client.post(url(org, "manage_promote", question_id=question.pk))
    assert response.status_code == 400
    assert "accepted answer" in response.content.decode()
    assert not Article.objects.filter(organization=org).exists()


def test_only_help_centre_editors_promote(client, org, space):
    question = accepted_question(org, space)
    for role in (Role.FUNDRAISER, Role.VIEWER, Role.VOLUNTEER_COORDINATOR):
        client.force_login(MembershipFactory(organization=org, role=role).user)
        assert client.post(url(org, "manage_promote", question_id=question.pk)).status_code == 403
    caseworker = MembershipFactory(organization=org, role=Role.CASEWORKER).user
    client.force_login(caseworker)
    assert client.post(url(org, "manage_promote", question_id=question.pk)).status_code == 302
    assert Article.objects.filter(organization=org).count() == 1


def test_the_knowledge_provider_searches_the_help_centre_and_counts_deflections(org):
    article = ArticleFactory(
        category__organization=org, title="Registering for food parcels", body="Bring a letter."
    )
    from clients.services import articles_reindex

    articles_reindex(organization=org, article_ids=[article.pk])
    ArticleFactory(category__organization=org, title="Registering drafts", is_published=False)
    found = knowledge.search(organization=org, text="regist", language="en")
    assert [a.title for a in found] == ["Registering for food parcels"]
    assert found[0].url == reverse(
        "clients:help_article", kwargs={"org_slug": org.slug, "article_id": article.pk}
    )
    knowledge.deflected(organization=org, article_id=article.pk)
    article.refresh_from_db()
    assert article.deflection_count == 1
    assert ArticleVote.objects.get(organization=org, article=article).deflected is True
    assert knowledge.article(organization=org, article_id=article.pk).title == article.title
