"""The community's API: spaces (admins change them; "delete" archives), questions and answers
(published ones for every staff role; waiting and hidden ones for the roles that moderate their
space, which approve or hide them through the moderation services), ideas (status and note
through the ideas' service), notices (the staff who speak for the organization post and end
them). Same walls as the pages (a role that may not is a 404 and writes nothing), errors naming
the field, filters, another organization's ids refused, and query counts that don't grow with
the page."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_scopes import scopes_disabled

from community.models import IdeaStatus, Notice, PostStatus, Space
from stakeholders.models import AuditEvent, Role
from tests.factories import (
    ApiTokenFactory,
    CommunityAnswerFactory,
    CommunityIdeaFactory,
    CommunityMemberFactory,
    CommunityNoticeFactory,
    CommunityQuestionFactory,
    CommunitySpaceFactory,
    MembershipFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

BASE = "/api/v1/o/riverside/community/"


def as_member(client, organization, role):
    """A client of its own with an API token of a new member with ``role`` (``client`` is
    left as it is); returns (client, user)."""
    user = MembershipFactory(organization=organization, role=role).user
    token = ApiTokenFactory(organization=organization, user=user)
    return Client(HTTP_AUTHORIZATION=f"Token {token.key}"), user


@pytest.fixture
def api(client, org_a):
    return as_member(client, org_a, Role.ADMIN)[0]


def post(client, url, data=None):
    return client.post(url, data or {}, content_type="application/json")


def patch(client, url, data):
    return client.patch(url, data, content_type="application/json")


def ids(response):
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


@pytest.fixture
def forum(org_a):
    """Two spaces; published, pending and hidden questions; answers of each kind."""
    with scopes_disabled():
        help_space = CommunitySpaceFactory(organization=org_a, name="Getting help", slug="help")
        volunteers = CommunitySpaceFactory(
            organization=org_a,
            name="Volunteers",
            slug="volunteers",
            visibility="members",
            audiences=["volunteer"],
        )
        asker = CommunityMemberFactory(organization=org_a, display_name="Marigold")
        expert = CommunityMemberFactory(
            organization=org_a,
            contact=None,
            user=UserFactory(),
            email="expert@example.org",
            display_name="Sam (team)",
        )
        answered = CommunityQuestionFactory(
            space=help_space,
            author=asker,
            title="Parcel for my neighbour?",
            tags=["food-parcels", "neighbours"],
            answer_count=1,
        )
        accepted = CommunityAnswerFactory(question=answered, author=expert, is_accepted=True)
        answered.accepted_answer = accepted
        answered.save()
        CommunityAnswerFactory(question=answered, status=PostStatus.PENDING, body="Call me")
        unanswered = CommunityQuestionFactory(space=volunteers, title="Shift swaps?", tags=["rota"])
        pending = CommunityQuestionFactory(
            space=help_space, status=PostStatus.PENDING, hold_reason="link"
        )
        hidden = CommunityQuestionFactory(space=help_space, status=PostStatus.HIDDEN)
        held_for_volunteers = CommunityQuestionFactory(
            space=volunteers, status=PostStatus.PENDING, hold_reason="new member"
        )
        CommunityAnswerFactory(question=hidden)  # published, but under a hidden question
    return {
        "help": help_space,
        "volunteers": volunteers,
        "answered": answered,
        "accepted": accepted,
        "unanswered": unanswered,
        "pending": pending,
        "hidden": hidden,
        "held_for_volunteers": held_for_volunteers,
        "expert": expert,
    }


# --- Spaces ------------------------------------------------------------------------------------


def test_every_role_reads_spaces_only_admins_change_them(client, org_a, forum):
    for role in (Role.VIEWER, Role.CASEWORKER, Role.FUNDRAISER):
        reader, _user = as_member(client, org_a, role)
        assert set(ids(reader.get(f"{BASE}spaces/"))) == {forum["help"].pk, forum["volunteers"].pk}
        assert post(reader, f"{BASE}spaces/", {"name": "New", "slug": "new"}).status_code == 404
        assert patch(reader, f"{BASE}spaces/{forum['help'].pk}/", {"name": "X"}).status_code == 404
        assert reader.delete(f"{BASE}spaces/{forum['help'].pk}/").status_code == 404
    with scopes_disabled():
        assert Space.objects.get(pk=forum["help"].pk).name == "Getting help"
        assert Space.objects.filter(organization=org_a).count() == 2


def test_an_admin_creates_updates_and_archives_a_space(api, org_a):
    created = post(
        api,
        f"{BASE}spaces/",
        {
            "name": "Supporters",
            "slug": "supporters",
            "description": "For everyone who gives.",
            "translations": {"es": {"name": "Donantes", "description": "Para quien dona."}},
            "visibility": "members",
            "audiences": ["donor", "volunteer", "donor"],
            "position": 2,
        },
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["audiences"] == ["donor", "volunteer"]
    assert body["translations"]["es"]["name"] == "Donantes"
    url = f"{BASE}spaces/{body['id']}/"
    changed = patch(api, url, {"name": "Our supporters", "audiences": []})
    assert changed.status_code == 200, changed.content
    assert (changed.json()["name"], changed.json()["audiences"]) == ("Our supporters", [])
    assert api.delete(url).status_code == 204  # archived, never deleted: links keep working
    assert ids(api.get(f"{BASE}spaces/?is_archived=true")) == [body["id"]]
    restored = patch(api, url, {"is_archived": False})
    assert restored.json()["is_archived"] is False
    with scopes_disabled():
        assert Space.objects.get(pk=body["id"]).name == "Our supporters"
        assert AuditEvent.objects.filter(organization=org_a, target_id=body["id"]).count() == 4


def test_bad_space_input_names_the_field_and_saves_nothing(api, org_a, forum):
    cases = [
        ({"name": "Again", "slug": "help"}, "slug"),
        ({"name": "Bad", "slug": "not a slug!"}, "slug"),
        ({"name": "", "slug": "empty"}, "name"),
        ({"name": "T", "slug": "t", "translations": {"xx": {"name": "?"}}}, "translations"),
        ({"name": "T", "slug": "t", "translations": {"fr": {"name": "a\x00b"}}}, "translations"),
        ({"name": "T", "slug": "t", "translations": ["fr"]}, "translations"),
        ({"name": "T", "slug": "t", "audiences": ["martians"]}, "audiences"),
        ({"name": "T", "slug": "t", "visibility": "secret"}, "visibility"),
    ]
    for data, field in cases:
        response = post(api, f"{BASE}spaces/", data)
        assert response.status_code == 400, (data, response.content)
        assert field in response.json(), (data, response.json())
    with scopes_disabled():
        assert Space.objects.filter(organization=org_a).count() == 2


# --- Questions and answers ---------------------------------------------------------------------


def test_staff_read_published_posts_moderators_also_those_of_their_spaces(client, org_a, forum):
    viewer, _user = as_member(client, org_a, Role.VIEWER)
    published = {forum["answered"].pk, forum["unanswered"].pk}
    assert set(ids(viewer.get(f"{BASE}questions/"))) == published
    for hidden in ("pending", "hidden", "held_for_volunteers"):
        assert viewer.get(f"{BASE}questions/{forum[hidden].pk}/").status_code == 404
    assert ids(viewer.get(f"{BASE}questions/?status=pending")) == []
    # no answer waiting for a moderator, none under a hidden question
    assert ids(viewer.get(f"{BASE}answers/")) == [forum["accepted"].pk]

    admin, _user = as_member(client, org_a, Role.ADMIN)
    assert set(ids(admin.get(f"{BASE}questions/?status=pending"))) == {
        forum["pending"].pk,
        forum["held_for_volunteers"].pk,
    }
    assert len(ids(admin.get(f"{BASE}questions/"))) == 5
    assert len(ids(admin.get(f"{BASE}answers/"))) == 3
    pending = admin.get(f"{BASE}questions/{forum['pending'].pk}/").json()
    assert (pending["status"], pending["hold_reason"]) == ("pending", "link")

    # caseworkers moderate the spaces open to clients or to everyone, not the volunteers' one
    caseworker, _user = as_member(client, org_a, Role.CASEWORKER)
    assert ids(caseworker.get(f"{BASE}questions/?status=pending")) == [forum["pending"].pk]
    coordinator, _user = as_member(client, org_a, Role.VOLUNTEER_COORDINATOR)
    assert set(ids(coordinator.get(f"{BASE}questions/?status=pending"))) == {
        forum["pending"].pk,
        forum["held_for_volunteers"].pk,
    }


def test_moderators_approve_and_hide_through_the_moderation_services(client, org_a, forum):
    caseworker, _user = as_member(client, org_a, Role.CASEWORKER)
    held = forum["held_for_volunteers"].pk
    assert post(caseworker, f"{BASE}questions/{held}/approve/").status_code == 404
    approved = post(caseworker, f"{BASE}questions/{forum['pending'].pk}/approve/")
    assert approved.status_code == 200, approved.content
    assert approved.json()["status"] == "published"
    again = post(caseworker, f"{BASE}questions/{forum['pending'].pk}/approve/")
    assert again.status_code == 400

    viewer, _user = as_member(client, org_a, Role.VIEWER)
    url = f"{BASE}answers/{forum['accepted'].pk}/hide/"
    assert post(viewer, url, {"reason": "spam"}).status_code == 404
    assert "reason" in post(caseworker, url, {"reason": ""}).json()
    hidden = post(caseworker, url, {"reason": "Shares a phone number"})
    assert hidden.status_code == 200, hidden.content
    assert (hidden.json()["status"], hidden.json()["hold_reason"]) == (
        "hidden",
        "Shares a phone number",
    )
    assert ids(viewer.get(f"{BASE}answers/")) == []
    with scopes_disabled():
        steps = AuditEvent.objects.filter(organization=org_a, action="community.moderation")
        assert steps.count() == 2


def test_a_question_shows_its_author_as_the_community_does(api, forum):
    question = api.get(f"{BASE}questions/{forum['answered'].pk}/").json()
    assert question["author_name"] == "Marigold"
    assert question["author_is_expert"] is False
    assert question["accepted_answer"] == forum["accepted"].pk
    assert question["tags"] == ["food-parcels", "neighbours"]
    assert "contact" not in question and "email" not in str(question)
    answer = api.get(f"{BASE}answers/{forum['accepted'].pk}/").json()
    assert (answer["author_name"], answer["author_is_expert"], answer["is_accepted"]) == (
        "Sam (team)",
        True,
        True,
    )


def test_question_filters(api, forum):
    answered, unanswered = forum["answered"].pk, forum["unanswered"].pk
    assert ids(api.get(f"{BASE}questions/?space={forum['volunteers'].pk}&status=published")) == [
        unanswered
    ]
    assert ids(api.get(f"{BASE}questions/?tag=food-parcels")) == [answered]
    assert ids(api.get(f"{BASE}questions/?tag=Food-Parcels")) == [answered]
    assert ids(api.get(f"{BASE}questions/?status=published&answered=true")) == [answered]
    assert ids(api.get(f"{BASE}questions/?status=published&answered=false")) == [unanswered]
    assert ids(api.get(f"{BASE}questions/?accepted=true")) == [answered]
    assert answered not in ids(api.get(f"{BASE}questions/?accepted=false"))
    assert ids(api.get(f"{BASE}answers/?question={answered}&is_accepted=true")) == [
        forum["accepted"].pk
    ]
    assert api.get(f"{BASE}questions/?status=nonsense").status_code == 400


def test_questions_and_answers_are_not_written_here(api, forum):
    url = f"{BASE}questions/{forum['pending'].pk}/"
    assert patch(api, url, {"status": "published"}).status_code == 405
    assert api.delete(url).status_code == 405
    assert post(api, f"{BASE}questions/", {"title": "x"}).status_code == 405
    assert post(api, f"{BASE}answers/", {"body": "x"}).status_code == 405
    with scopes_disabled():
        forum["pending"].refresh_from_db()
    assert forum["pending"].status == PostStatus.PENDING


def test_another_organizations_rows_are_not_found_and_its_ids_refused(client, org_a, org_b):
    with scopes_disabled():
        theirs = CommunityAnswerFactory(question__space__organization=org_b)
        their_idea = CommunityIdeaFactory(space__organization=org_b)
        their_notice = CommunityNoticeFactory(organization=org_b)
    api, _user = as_member(client, org_a, Role.ADMIN)
    for path in (
        f"spaces/{theirs.question.space_id}/",
        f"questions/{theirs.question_id}/",
        f"answers/{theirs.pk}/",
        f"ideas/{their_idea.pk}/",
        f"notices/{their_notice.pk}/",
    ):
        assert api.get(f"{BASE}{path}").status_code == 404, path
    assert post(api, f"{BASE}ideas/{their_idea.pk}/status/", {"status": "done"}).status_code == 404
    assert post(api, f"{BASE}notices/{their_notice.pk}/end/").status_code == 404
    assert api.get(f"{BASE}questions/?space={theirs.question.space_id}").status_code == 400
    assert api.get(f"{BASE}answers/?question={theirs.question_id}").status_code == 400
    with scopes_disabled():
        their_idea.refresh_from_db()
        their_notice.refresh_from_db()
    assert their_idea.status == IdeaStatus.UNDER_REVIEW
    assert their_notice.ends_at > timezone.now()
    # and their members see nothing of ours through their own slug
    client.force_login(MembershipFactory(organization=org_b, role=Role.ADMIN).user)
    assert client.get(f"{BASE}questions/").status_code == 404


def test_the_session_of_a_signed_in_member_of_staff_works_too(client, org_a, forum, member_factory):
    client.force_login(member_factory(org_a, Role.VIEWER))
    assert len(ids(client.get(f"{BASE}questions/"))) == 2  # published only, for a viewer
    client.logout()
    assert client.get(f"{BASE}questions/").status_code in (401, 403)


# --- Ideas -------------------------------------------------------------------------------------


@pytest.fixture
def ideas(org_a, forum):
    with scopes_disabled():
        popular = CommunityIdeaFactory(space=forum["help"], vote_count=12, title="Saturdays")
        quiet = CommunityIdeaFactory(space=forum["help"], vote_count=1)
        held = CommunityIdeaFactory(space=forum["help"], moderation=PostStatus.PENDING)
    return popular, quiet, held


def test_ideas_most_votes_first_and_admins_set_their_status(client, org_a, ideas, mailbox):
    popular, quiet, held = ideas
    viewer, _user = as_member(client, org_a, Role.VIEWER)
    assert ids(viewer.get(f"{BASE}ideas/")) == [popular.pk, quiet.pk]
    assert viewer.get(f"{BASE}ideas/{held.pk}/").status_code == 404
    assert (
        post(viewer, f"{BASE}ideas/{popular.pk}/status/", {"status": "planned"}).status_code == 404
    )

    admin, _user = as_member(client, org_a, Role.ADMIN)
    assert ids(admin.get(f"{BASE}ideas/?moderation=pending")) == [held.pk]
    response = post(
        admin,
        f"{BASE}ideas/{popular.pk}/status/",
        {"status": "planned", "staff_note": "From January."},
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["status"], body["staff_note"]) == ("planned", "From January.")
    assert body["status_changed_at"]
    assert ids(admin.get(f"{BASE}ideas/?status=planned")) == [popular.pk]
    with scopes_disabled():
        assert AuditEvent.objects.filter(organization=org_a, target_id=popular.pk).exists()


def test_bad_idea_status_input_is_refused_by_field(api, ideas):
    popular = ideas[0]
    url = f"{BASE}ideas/{popular.pk}/status/"
    assert "status" in post(api, url, {"status": "someday"}).json()
    assert "title" in post(api, url, {"status": "done", "title": "Renamed"}).json()
    assert "status" in post(api, url, {"staff_note": "no status"}).json()
    with scopes_disabled():
        popular.refresh_from_db()
    assert (popular.status, popular.title) == (IdeaStatus.UNDER_REVIEW, "Saturdays")
    assert patch(api, f"{BASE}ideas/{popular.pk}/", {"status": "done"}).status_code == 405


# --- Notices -----------------------------------------------------------------------------------


def test_staff_who_speak_for_the_organization_post_and_end_notices(client, org_a):
    caseworker, user = as_member(client, org_a, Role.CASEWORKER)
    ends = (timezone.now() + timedelta(days=3)).isoformat()
    created = post(
        caseworker,
        f"{BASE}notices/",
        {
            "title": "The food bank is closed on Friday",
            "body": "Parcels on Thursday instead.",
            "severity": "warning",
            "places": ["help", "community", "help"],
            "ends_at": ends,
        },
    )
    assert created.status_code == 201, created.content
    notice = created.json()
    assert notice["places"] == ["community", "help"]
    assert notice["created_by"] == user.pk
    assert ids(caseworker.get(f"{BASE}notices/?current=true")) == [notice["id"]]
    assert ids(caseworker.get(f"{BASE}notices/?place=request")) == []

    changed = patch(caseworker, f"{BASE}notices/{notice['id']}/", {"title": "Closed Friday"})
    assert changed.status_code == 200 and changed.json()["title"] == "Closed Friday"
    ended = post(caseworker, f"{BASE}notices/{notice['id']}/end/")
    assert ended.status_code == 200
    assert ids(caseworker.get(f"{BASE}notices/?current=true")) == []
    assert ids(caseworker.get(f"{BASE}notices/?current=false")) == [notice["id"]]
    with scopes_disabled():
        assert (
            AuditEvent.objects.filter(
                organization=org_a, target_id=notice["id"], action="community.notice"
            ).count()
            == 3
        )

    viewer, _user = as_member(client, org_a, Role.VIEWER)
    assert len(ids(viewer.get(f"{BASE}notices/"))) == 1
    assert post(viewer, f"{BASE}notices/", {"title": "x"}).status_code == 404
    assert post(viewer, f"{BASE}notices/{notice['id']}/end/").status_code == 404


def test_bad_notice_input_names_the_field_and_saves_nothing(api, org_a):
    now = timezone.now()
    good = {
        "title": "Form down",
        "places": ["request"],
        "ends_at": (now + timedelta(1)).isoformat(),
    }
    cases = [
        ({**good, "places": []}, "places"),
        ({**good, "places": ["moon"]}, "places"),
        ({**good, "ends_at": (now - timedelta(days=2)).isoformat()}, "ends_at"),
        ({**good, "ends_at": "0001-01-01T00:00:00+15:00"}, "ends_at"),
        ({**good, "language": "xx"}, "language"),
        ({**good, "title": ""}, "title"),
        ({key: value for key, value in good.items() if key != "ends_at"}, "ends_at"),
    ]
    for data, field in cases:
        response = post(api, f"{BASE}notices/", data)
        assert response.status_code == 400, (data, response.content)
        assert field in response.json(), (data, response.json())
    with scopes_disabled():
        assert not Notice.objects.filter(organization=org_a).exists()
    assert api.delete(f"{BASE}notices/1/").status_code == 405


# --- Query counts ------------------------------------------------------------------------------


def test_lists_cost_the_same_queries_for_any_page_size(api, org_a):
    with scopes_disabled():
        space = CommunitySpaceFactory(organization=org_a)
        for n in range(6):
            question = CommunityQuestionFactory(space=space, tags=[f"t{n}"])
            CommunityAnswerFactory(question=question)
            CommunityIdeaFactory(space=space, vote_count=n)
            CommunityNoticeFactory(organization=org_a)
            CommunitySpaceFactory(organization=org_a)
    api.get(f"{BASE}spaces/")  # warm the token's caches
    for path in ("spaces/", "questions/", "answers/", "ideas/", "notices/"):
        counts = []
        for size in (2, 6):
            with CaptureQueriesContext(connection) as queries:
                assert len(ids(api.get(f"{BASE}{path}?page_size={size}"))) == size
            counts.append(len(queries))
        assert counts[0] == counts[1], (path, counts)
