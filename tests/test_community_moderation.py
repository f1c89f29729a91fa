"""Community moderation: the queue and its counts, every moderator action (each audited, each a
POST with CSRF), the role walls (who moderates which spaces, who sees a client's contact), the
public "report this post" (honeypot, fill time, rate limits, one count per person, automatic
hiding), the community settings and the dashboard card."""

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from community.models import (
    Comment,
    CommunitySettings,
    Follow,
    Member,
    MemberStatus,
    PostStatus,
    Question,
    Report,
    Revision,
)
from community.selectors import moderation as selectors
from community.selectors.members import MEMBER_SESSION
from community.services import moderation as services
from community.services.members import staff_member
from stakeholders.models import AuditEvent, Role
from stakeholders.public_forms import form_started_token
from stakeholders.tenancy.models import organization_scope
from tests.factories import (
    CommunityAnswerFactory,
    CommunityIdeaFactory,
    CommunityMemberFactory,
    CommunityQuestionFactory,
    CommunitySpaceFactory,
    ContactFactory,
)

pytestmark = pytest.mark.django_db

PENDING, PUBLISHED, HIDDEN = PostStatus.PENDING, PostStatus.PUBLISHED, PostStatus.HIDDEN


@pytest.fixture
def org(org_a, settings):
    settings.COMMUNITY_FORM_MIN_SECONDS = 0
    with organization_scope(org_a):
        CommunitySettings.objects.create(organization=org_a, enabled=True)
        yield org_a


@pytest.fixture
def spaces(org):
    return {
        "help": CommunitySpaceFactory(
            organization=org, name="Getting help", slug="help", audiences=["client"]
        ),
        "supporters": CommunitySpaceFactory(
            organization=org, name="Supporters", slug="supporters", audiences=["donor"]
        ),
        "everyone": CommunitySpaceFactory(organization=org, name="Everyone", slug="everyone"),
    }


@pytest.fixture
def admin(client, org, admin_a):
    client.force_login(admin_a)
    return client


def staff_client(org, member_factory, role):
    client = Client()
    client.force_login(member_factory(org, role=role))
    return client


def post_url(org, kind, post):
    return reverse(
        "community:manage_post",
        kwargs={"org_slug": org.slug, "post_kind": kind, "post_id": post.pk},
    )


def report_url(org, kind, post):
    return reverse(
        "community:report", kwargs={"org_slug": org.slug, "post_kind": kind, "post_id": post.pk}
    )


def audit_steps(org):
    return list(
        AuditEvent.objects.filter(organization=org, action=services.MODERATION)
        .order_by("created_at", "id")
        .values_list("changes__step", flat=True)
    )


def client_member(org, **kwargs):
    contact = ContactFactory(organization=org, is_client=True)
    return CommunityMemberFactory(organization=org, contact=contact, **kwargs)


def R(**data):
    """A report form's fields, with a valid fill-time stamp."""
    return {"started": form_started_token(), **data}


def comment(org, question, author, status=PENDING):
    return Comment.objects.create(
        organization=org, question=question, author=author, body="Me too!", status=status
    )


# --- The queue --------------------------------------------------------------------------------


def test_the_queue_lists_every_kind_of_waiting_post_oldest_first_with_counts(admin, org, spaces):
    newcomer = CommunityMemberFactory(organization=org)
    question = CommunityQuestionFactory(
        space=spaces["everyone"], author=newcomer, status=PENDING, hold_reason="a link"
    )
    published = CommunityQuestionFactory(space=spaces["everyone"])
    answer = CommunityAnswerFactory(question=published, author=newcomer, status=PENDING)
    remark = comment(org, published, newcomer)
    idea = CommunityIdeaFactory(space=spaces["everyone"], author=newcomer, moderation=PENDING)
    CommunityQuestionFactory(space=spaces["everyone"])  # published: not in the queue

    page = admin.get(reverse("community:manage", kwargs={"org_slug": org.slug}))

    assert page.status_code == 200
    html = page.content.decode()
    for kind, post in (("question", question), ("answer", answer), ("comment", remark)):
        assert f'id="{kind}-{post.pk}"' in html
    assert f'id="idea-{idea.pk}"' in html
    assert "a link" in html  # the hold reason
    assert page.context["counts"]["pending"] == 4
    assert [item.kind for item in page.context["items"]] == [
        "question",
        "answer",
        "comment",
        "idea",
    ]


def test_the_queue_pages_by_key_without_losing_or_repeating_a_post(org, spaces):
    author = CommunityMemberFactory(organization=org)
    same_time = timezone.now()
    made = [
        CommunityQuestionFactory(
            space=spaces["everyone"], author=author, status=PENDING, created_at=same_time
        )
        for _ in range(3)
    ] + [
        CommunityIdeaFactory(
            space=spaces["everyone"], author=author, moderation=PENDING, created_at=same_time
        )
        for _ in range(2)
    ]
    seen, cursor = [], None
    while True:
        items, cursor = selectors.pending_queue(
            organization=org, role=Role.ADMIN, cursor=selectors.decode_cursor(cursor), limit=2
        )
        seen += [(item.kind, item.post.pk) for item in items]
        if cursor is None:
            break
    assert sorted(seen) == sorted(
        [("question", q.pk) for q in made[:3]] + [("idea", i.pk) for i in made[3:]]
    )
    assert len(seen) == len(set(seen)) == 5


def test_the_queue_takes_a_constant_number_of_queries(
    admin, org, spaces, django_assert_max_num_queries
):
    author = CommunityMemberFactory(organization=org)
    for _ in range(3):
        question = CommunityQuestionFactory(space=spaces["everyone"], author=author, status=PENDING)
        CommunityAnswerFactory(question=question, author=author, status=PENDING)
    url = reverse("community:manage", kwargs={"org_slug": org.slug})
    admin.get(url)
    with django_assert_max_num_queries(20) as few:
        admin.get(url)
    for _ in range(10):
        question = CommunityQuestionFactory(space=spaces["everyone"], author=author, status=PENDING)
        CommunityAnswerFactory(question=question, author=author, status=PENDING)
    with django_assert_max_num_queries(len(few.captured_queries)):
        admin.get(url)


# --- Role walls -------------------------------------------------------------------------------


def test_each_role_moderates_the_spaces_of_the_stakeholders_it_works_with(
    org, spaces, member_factory
):
    author = CommunityMemberFactory(organization=org)
    in_help = CommunityQuestionFactory(space=spaces["help"], author=author, status=PENDING)
    in_supporters = CommunityQuestionFactory(
        space=spaces["supporters"], author=author, status=PENDING
    )
    in_everyone = CommunityQuestionFactory(space=spaces["everyone"], author=author, status=PENDING)
    fundraiser = staff_client(org, member_factory, Role.FUNDRAISER)
    caseworker = staff_client(org, member_factory, Role.CASEWORKER)
    viewer = staff_client(org, member_factory, Role.VIEWER)
    queue = reverse("community:manage", kwargs={"org_slug": org.slug})

    shown = {item.post.pk for item in fundraiser.get(queue).context["items"]}
    assert shown == {in_supporters.pk, in_everyone.pk}
    shown = {item.post.pk for item in caseworker.get(queue).context["items"]}
    assert shown == {in_help.pk, in_everyone.pk}
    assert viewer.get(queue).status_code == 403

    # another space's post is not found, and its approval changes nothing
    assert fundraiser.get(post_url(org, "question", in_help)).status_code == 404
    assert (
        fundraiser.post(post_url(org, "question", in_help), {"step": "approve"}).status_code == 404
    )
    in_help.refresh_from_db()
    assert in_help.status == PENDING
    assert (
        viewer.post(post_url(org, "question", in_everyone), {"step": "approve"}).status_code == 403
    )


def test_a_clients_contact_is_linked_for_caseworkers_and_admins_only(
    org, spaces, member_factory, admin
):
    client_author = client_member(org)
    donor_author = CommunityMemberFactory(organization=org)
    from_client = CommunityQuestionFactory(
        space=spaces["everyone"], author=client_author, status=PENDING
    )
    from_donor = CommunityQuestionFactory(
        space=spaces["everyone"], author=donor_author, status=PENDING
    )
    fundraiser = staff_client(org, member_factory, Role.FUNDRAISER)
    caseworker = staff_client(org, member_factory, Role.CASEWORKER)

    def contact_link(client, post):
        html = client.get(post_url(org, "question", post)).content.decode()
        return f"/contacts/{post.author.contact_id}/" in html

    assert not contact_link(fundraiser, from_client)
    assert contact_link(fundraiser, from_donor)
    assert contact_link(caseworker, from_client)
    assert contact_link(admin, from_client)
    member_page = reverse(
        "community:manage_member", kwargs={"org_slug": org.slug, "member_id": client_author.pk}
    )
    assert (
        f"/contacts/{client_author.contact_id}/" not in fundraiser.get(member_page).content.decode()
    )


def test_a_member_is_moderated_by_the_roles_of_the_spaces_they_write_in(
    org, spaces, member_factory
):
    seeking_help = client_member(org)
    CommunityQuestionFactory(space=spaces["help"], author=seeking_help)
    url = reverse(
        "community:manage_member", kwargs={"org_slug": org.slug, "member_id": seeking_help.pk}
    )
    fundraiser = staff_client(org, member_factory, Role.FUNDRAISER)
    assert fundraiser.get(url).status_code == 404
    assert fundraiser.post(url, {"step": "block", "block-reason": "x"}).status_code == 404
    seeking_help.refresh_from_db()
    assert seeking_help.status == MemberStatus.ACTIVE
    assert staff_client(org, member_factory, Role.CASEWORKER).get(url).status_code == 200
    assert staff_client(org, member_factory, Role.VIEWER).get(url).status_code == 403


def test_actions_are_posts_with_a_csrf_token(org, spaces, admin_a):
    question = CommunityQuestionFactory(space=spaces["everyone"], status=PENDING)
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(admin_a)
    assert strict.post(post_url(org, "question", question), {"step": "approve"}).status_code == 403
    question.refresh_from_db()
    assert question.status == PENDING
    assert strict.get(post_url(org, "question", question) + "?step=approve").status_code == 200
    question.refresh_from_db()
    assert question.status == PENDING


def test_another_organizations_posts_are_not_found(client, org, org_b, spaces, admin_b):
    question = CommunityQuestionFactory(space=spaces["everyone"], status=PENDING)
    client.force_login(admin_b)
    for url in (
        reverse(
            "community:manage_post",
            kwargs={"org_slug": org_b.slug, "post_kind": "question", "post_id": question.pk},
        ),
        reverse(
            "community:manage_member",
            kwargs={"org_slug": org_b.slug, "member_id": question.author_id},
        ),
    ):
        with organization_scope(org_b):
            assert client.get(url).status_code == 404
            assert client.post(url, {"step": "approve"}).status_code == 404
    question.refresh_from_db()
    assert question.status == PENDING


# --- Approve, reject, hide ---------------------------------------------------------------------


def test_approving_publishes_each_kind_and_counts_the_authors_approved_posts(admin, org, spaces):
    author = CommunityMemberFactory(organization=org)
    question = CommunityQuestionFactory(space=spaces["everyone"], author=author, status=PENDING)
    published = CommunityQuestionFactory(space=spaces["everyone"])
    answer = CommunityAnswerFactory(question=published, author=author, status=PENDING)
    remark = comment(org, published, author)
    idea = CommunityIdeaFactory(space=spaces["everyone"], author=author, moderation=PENDING)

    for kind, post in (("question", question), ("answer", answer), ("comment", remark)):
        response = admin.post(post_url(org, kind, post), {"step": "approve", "next": "queue"})
        assert response.status_code == 302
        assert response["Location"] == reverse("community:manage", kwargs={"org_slug": org.slug})
    admin.post(post_url(org, "idea", idea), {"step": "approve"})

    for post in (question, answer, remark):
        post.refresh_from_db()
        assert post.status == PUBLISHED
    idea.refresh_from_db()
    published.refresh_from_db()
    author.refresh_from_db()
    assert idea.moderation == PUBLISHED
    assert published.answer_count == 1
    assert author.approved_posts == 4
    assert audit_steps(org) == ["approve"] * 4
    event = AuditEvent.objects.filter(organization=org, action=services.MODERATION).last()
    assert event.actor_email and event.target_type == "community.question"

    # approving twice is refused with a message, and counts nothing twice
    admin.post(post_url(org, "comment", remark), {"step": "approve"})
    author.refresh_from_db()
    assert author.approved_posts == 4


def test_rejecting_needs_a_reason_and_keeps_it(admin, org, spaces):
    question = CommunityQuestionFactory(space=spaces["everyone"], status=PENDING)

    refused = admin.post(post_url(org, "question", question), {"step": "hide", "hide-reason": ""})
    assert refused.status_code == 400
    assert 'class="field__errors"' in refused.content.decode()
    question.refresh_from_db()
    assert question.status == PENDING and audit_steps(org) == []

    admin.post(post_url(org, "question", question), {"step": "hide", "hide-reason": "Advert"})
    question.refresh_from_db()
    assert question.status == HIDDEN and question.hold_reason == "Advert"
    assert audit_steps(org) == ["reject"]


def test_hiding_an_accepted_answer_takes_it_out_of_the_questions_counts(admin, org, spaces):
    question = CommunityQuestionFactory(space=spaces["everyone"])
    helper = CommunityMemberFactory(organization=org, reputation=15)
    accepted = CommunityAnswerFactory(question=question, author=helper, is_accepted=True)
    CommunityAnswerFactory(question=question)
    Question.objects.filter(pk=question.pk).update(
        accepted_answer=accepted, answer_count=2, first_answer_at=accepted.created_at
    )

    admin.post(post_url(org, "answer", accepted), {"step": "hide", "hide-reason": "Unsafe advice"})

    question.refresh_from_db()
    accepted.refresh_from_db()
    helper.refresh_from_db()
    assert accepted.status == HIDDEN and not accepted.is_accepted
    assert question.answer_count == 1 and question.accepted_answer_id is None
    assert helper.reputation == 0  # the accepted answer's points go with it
    assert audit_steps(org) == ["hide"]


# --- Edit, lock, move, merge -----------------------------------------------------------------


def test_an_edit_needs_a_reason_and_keeps_the_earlier_version(admin, org, spaces):
    question = CommunityQuestionFactory(
        space=spaces["everyone"], title="Call me on 0412 345 678", body="My number is above"
    )
    url = post_url(org, "question", question)

    refused = admin.post(
        url,
        {"step": "edit", "edit-title": "Food parcels", "edit-body": "Where?", "edit-reason": ""},
    )
    assert refused.status_code == 400
    assert not Revision.objects.filter(organization=org).exists()

    admin.post(
        url,
        {
            "step": "edit",
            "edit-title": "Collecting a food parcel",
            "edit-body": "Where do I collect it?",
            "edit-reason": "Removed a phone number",
        },
    )
    question.refresh_from_db()
    revision = Revision.objects.get(organization=org, question=question)
    assert question.title == "Collecting a food parcel" and question.edited_at
    assert revision.title == "Call me on 0412 345 678" and revision.body == "My number is above"
    assert revision.reason == "Removed a phone number"
    assert audit_steps(org) == ["edit"]
    assert "Removed a phone number" in admin.get(url).content.decode()


def test_lock_and_unlock(admin, org, spaces):
    question = CommunityQuestionFactory(space=spaces["everyone"])
    admin.post(post_url(org, "question", question), {"step": "lock"})
    question.refresh_from_db()
    assert question.is_locked
    admin.post(post_url(org, "question", question), {"step": "unlock"})
    question.refresh_from_db()
    assert not question.is_locked
    assert audit_steps(org) == ["lock", "unlock"]


def test_moving_a_question_only_to_a_space_the_moderator_moderates(org, spaces, member_factory):
    question = CommunityQuestionFactory(space=spaces["everyone"])
    fundraiser = staff_client(org, member_factory, Role.FUNDRAISER)
    url = post_url(org, "question", question)

    refused = fundraiser.post(url, {"step": "move", "move-space": spaces["help"].pk})
    assert refused.status_code == 400
    question.refresh_from_db()
    assert question.space_id == spaces["everyone"].pk

    fundraiser.post(url, {"step": "move", "move-space": spaces["supporters"].pk})
    question.refresh_from_db()
    assert question.space_id == spaces["supporters"].pk
    assert audit_steps(org) == ["move"]


def test_merging_a_duplicate_moves_answers_comments_and_followers(admin, org, spaces):
    keep = CommunityQuestionFactory(space=spaces["everyone"])
    duplicate = CommunityQuestionFactory(space=spaces["everyone"])
    kept_answer = CommunityAnswerFactory(question=keep)
    moved = [CommunityAnswerFactory(question=duplicate) for _ in range(2)]
    remark = comment(org, duplicate, duplicate.author, status=PUBLISHED)
    both = CommunityMemberFactory(organization=org)
    only_duplicate = CommunityMemberFactory(organization=org)
    for member, question in ((both, keep), (both, duplicate), (only_duplicate, duplicate)):
        Follow.objects.create(organization=org, member=member, question=question)
    Question.objects.filter(pk=keep.pk).update(answer_count=1)
    type(kept_answer).objects.filter(pk=moved[0].pk).update(is_accepted=True)
    Question.objects.filter(pk=duplicate.pk).update(answer_count=2, accepted_answer=moved[0])

    refused = admin.post(post_url(org, "question", duplicate), {"step": "merge", "merge-target": 0})
    assert refused.status_code == 400
    response = admin.post(
        post_url(org, "question", duplicate), {"step": "merge", "merge-target": keep.pk}
    )
    assert response.status_code == 302

    keep.refresh_from_db()
    duplicate.refresh_from_db()
    remark.refresh_from_db()
    assert duplicate.merged_into_id == keep.pk and duplicate.is_locked
    assert duplicate.answer_count == 0 and duplicate.accepted_answer_id is None
    assert keep.answer_count == 3
    assert keep.accepted_answer_id == moved[0].pk  # the one without its own takes it over
    assert {a.question_id for a in moved} and all(
        answer.question_id == keep.pk
        for answer in type(kept_answer).objects.filter(pk__in=[a.pk for a in moved])
    )
    assert remark.question_id == keep.pk
    followers = set(
        Follow.objects.filter(organization=org, question=keep).values_list("member_id", flat=True)
    )
    assert {both.pk, only_duplicate.pk} <= followers
    assert not Follow.objects.filter(organization=org, question=duplicate).exists()
    assert audit_steps(org) == ["merge"]
    # merged: it can't be merged again
    again = admin.post(
        post_url(org, "question", duplicate), {"step": "merge", "merge-target": keep.pk}
    )
    assert again.status_code == 400


# --- Members ---------------------------------------------------------------------------------


def test_blocking_a_member_hides_their_waiting_posts_and_ends_their_session(admin, org, spaces):
    troll = CommunityMemberFactory(organization=org)
    waiting = CommunityQuestionFactory(space=spaces["everyone"], author=troll, status=PENDING)
    out = CommunityQuestionFactory(space=spaces["everyone"], author=troll)
    idea = CommunityIdeaFactory(space=spaces["everyone"], author=troll, moderation=PENDING)
    url = reverse("community:manage_member", kwargs={"org_slug": org.slug, "member_id": troll.pk})
    visitor = Client()
    session = visitor.session
    session[MEMBER_SESSION] = {str(org.pk): troll.pk}
    session.save()

    assert admin.post(url, {"step": "block", "block-reason": ""}).status_code == 400
    admin.post(url, {"step": "block", "block-reason": "Repeated abuse"})

    troll.refresh_from_db()
    waiting.refresh_from_db()
    out.refresh_from_db()
    idea.refresh_from_db()
    assert troll.status == MemberStatus.BLOCKED and troll.blocked_reason == "Repeated abuse"
    assert waiting.status == HIDDEN and idea.moderation == HIDDEN
    assert out.status == PUBLISHED  # what was out stays: moderators hide it one by one
    # the blocked member's session no longer counts: reporting as them is as a visitor
    visitor.post(report_url(org, "question", out), R(kind="spam"), REMOTE_ADDR="10.1.1.1")
    assert Report.objects.get(organization=org).member_id is None

    admin.post(url, {"step": "unblock"})
    troll.refresh_from_db()
    assert troll.status == MemberStatus.ACTIVE and troll.blocked_reason == ""
    assert audit_steps(org) == ["block", "unblock"]


def test_staff_experts_cant_be_blocked(admin, org, admin_a):
    expert = staff_member(organization=org, user=admin_a)
    url = reverse("community:manage_member", kwargs={"org_slug": org.slug, "member_id": expert.pk})
    assert admin.post(url, {"step": "block", "block-reason": "test"}).status_code == 400
    expert.refresh_from_db()
    assert expert.status == MemberStatus.ACTIVE and audit_steps(org) == []


# --- Reports -----------------------------------------------------------------------------------


def test_a_visitor_reports_a_post_and_reporting_twice_counts_once(client, org, spaces):
    question = CommunityQuestionFactory(space=spaces["everyone"])
    url = report_url(org, "question", question)
    page = client.get(url)
    assert page.status_code == 200 and 'name="website"' in page.content.decode()

    for _ in range(2):
        sent = client.post(url, R(kind="spam", details="Selling things"), REMOTE_ADDR="10.0.0.9")
        assert sent.status_code == 200 and sent.context["sent"]
    report = Report.objects.get(organization=org)
    assert report.question_id == question.pk and report.reason == "spam|Selling things"
    assert "10.0.0.9" not in report.reporter_key
    question.refresh_from_db()
    assert question.status == PUBLISHED


def test_three_people_reporting_hide_the_post_until_a_moderator_keeps_it(
    client, admin, org, spaces
):
    question = CommunityQuestionFactory(space=spaces["everyone"])
    answer = CommunityAnswerFactory(question=question)
    Question.objects.filter(pk=question.pk).update(answer_count=1)
    url = report_url(org, "answer", answer)
    reporters = [CommunityMemberFactory(organization=org) for _ in range(2)]
    for reporter in reporters:
        visitor = Client()
        session = visitor.session
        session[MEMBER_SESSION] = {str(org.pk): reporter.pk}
        session.save()
        visitor.post(url, R(kind="rude"))
    answer.refresh_from_db()
    assert answer.status == PUBLISHED
    client.post(url, R(kind="rude"), REMOTE_ADDR="10.0.0.3")

    answer.refresh_from_db()
    question.refresh_from_db()
    assert answer.status == HIDDEN and question.answer_count == 0
    assert audit_steps(org) == ["auto_hide"]
    reports_page = admin.get(
        reverse("community:manage", kwargs={"org_slug": org.slug}) + "?view=reports"
    )
    (item,) = reports_page.context["items"]
    assert item.post.pk == answer.pk and item.reports == 3
    assert reports_page.context["counts"]["reports"] == 1
    # a hidden post can't be reported any more
    assert client.post(url, R(kind="rude"), REMOTE_ADDR="10.0.0.4").status_code == 404

    admin.post(post_url(org, "answer", answer), {"step": "dismiss", "dismiss-note": "Fair"})
    answer.refresh_from_db()
    question.refresh_from_db()
    assert answer.status == PUBLISHED and question.answer_count == 1
    assert not Report.objects.filter(organization=org, resolved_at__isnull=True).exists()
    assert Report.objects.filter(organization=org, resolution="Fair").count() == 3
    assert audit_steps(org) == ["auto_hide", "dismiss_reports"]


def test_hiding_a_reported_post_resolves_its_reports(client, admin, org, spaces):
    idea = CommunityIdeaFactory(space=spaces["everyone"])
    client.post(report_url(org, "idea", idea), R(kind="personal"), REMOTE_ADDR="10.0.0.5")
    admin.post(post_url(org, "idea", idea), {"step": "hide", "hide-reason": "Personal details"})
    idea.refresh_from_db()
    report = Report.objects.get(organization=org)
    assert idea.moderation == HIDDEN
    assert report.resolved_at and report.resolution == "Personal details"


def test_the_report_form_turns_bots_away(client, org, spaces, settings):
    question = CommunityQuestionFactory(space=spaces["everyone"])
    url = report_url(org, "question", question)

    bot = client.post(url, R(kind="spam", website="http://spam.example"))
    assert bot.status_code == 200 and bot.context["sent"]  # answered like a success…
    assert not Report.objects.filter(organization=org).exists()  # …and nothing kept

    settings.COMMUNITY_FORM_MIN_SECONDS = 3
    page = client.get(url)
    quick = client.post(url, {"kind": "spam", "started": page.context["form"]["started"].value()})
    assert quick.status_code == 400 and "very quick" in quick.content.decode()
    assert not Report.objects.filter(organization=org).exists()

    settings.COMMUNITY_FORM_MIN_SECONDS = 0
    assert client.post(url, R(details="no kind")).status_code == 400  # error by the field


def test_reports_are_rate_limited_per_address_and_per_member(client, org, spaces, settings):
    settings.COMMUNITY_REPORT_IP_RATE = "2/h"
    settings.COMMUNITY_REPORT_MEMBER_RATE = "1/h"
    questions = [CommunityQuestionFactory(space=spaces["everyone"]) for _ in range(3)]
    for question in questions[:2]:
        client.post(report_url(org, "question", question), R(kind="spam"), REMOTE_ADDR="10.2.0.1")
    limited = client.post(
        report_url(org, "question", questions[2]), R(kind="spam"), REMOTE_ADDR="10.2.0.1"
    )
    assert limited.status_code == 429
    assert Report.objects.filter(organization=org).count() == 2

    reporter = CommunityMemberFactory(organization=org)
    member_client = Client()
    session = member_client.session
    session[MEMBER_SESSION] = {str(org.pk): reporter.pk}
    session.save()
    member_client.post(
        report_url(org, "question", questions[0]), R(kind="spam"), REMOTE_ADDR="10.3.0.1"
    )
    limited = member_client.post(
        report_url(org, "question", questions[1]), R(kind="spam"), REMOTE_ADDR="10.3.0.2"
    )
    assert limited.status_code == 429
    assert Report.objects.filter(organization=org, member=reporter).count() == 1


def test_members_cant_report_their_own_post_nor_unpublished_ones(client, org, spaces):
    author = CommunityMemberFactory(organization=org)
    own = CommunityQuestionFactory(space=spaces["everyone"], author=author)
    waiting = CommunityQuestionFactory(space=spaces["everyone"], status=PENDING)
    session = client.session
    session[MEMBER_SESSION] = {str(org.pk): author.pk}
    session.save()
    assert client.post(report_url(org, "question", own), R(kind="spam")).status_code == 400
    assert client.get(report_url(org, "question", waiting)).status_code == 404
    assert client.get(report_url(org, "nonsense", own)).status_code == 404
    assert not Report.objects.filter(organization=org).exists()


def test_members_only_spaces_take_reports_from_members_only(client, org):
    private = CommunitySpaceFactory(organization=org, slug="inner", visibility="members")
    question = CommunityQuestionFactory(space=private)
    assert client.get(report_url(org, "question", question)).status_code == 404


# --- Settings and the dashboard ---------------------------------------------------------------


def test_admins_change_the_community_settings(admin, org, member_factory):
    url = reverse("community:manage_settings", kwargs={"org_slug": org.slug})
    assert staff_client(org, member_factory, Role.CASEWORKER).get(url).status_code == 403

    refused = admin.post(url, {"approve_first_posts": "1", "posts_per_hour": "0"})
    assert refused.status_code == 400
    assert 'class="field__errors"' in refused.content.decode()
    row = CommunitySettings.objects.get(organization=org)
    assert row.enabled and row.approve_first_posts == 2 and row.posts_per_hour == 10

    admin.post(
        url,
        {
            "enabled": "on",
            "approve_first_posts": "3",
            "held_words": "casino\n\n  loan shark \ncasino",
            "posts_per_hour": "5",
        },
    )
    row = CommunitySettings.objects.get(organization=org)
    assert row.enabled and row.approve_first_posts == 3 and row.posts_per_hour == 5
    assert row.held_words == "casino\nloan shark"
    event = AuditEvent.objects.get(organization=org, action="organization.settings")
    assert event.changes["held_words"] == {"changed": True}  # the words stay out of the trail
    assert event.changes["posts_per_hour"] == {"from": 10, "to": 5}


def test_the_dashboard_card_counts_the_queue_for_moderators(org, spaces, member_factory):
    author = CommunityMemberFactory(organization=org)
    CommunityQuestionFactory(space=spaces["help"], author=author, status=PENDING)
    CommunityQuestionFactory(space=spaces["supporters"], author=author, status=PENDING)
    reported = CommunityQuestionFactory(space=spaces["supporters"])
    services.report_post(
        organization=org, kind="question", post=reported, reason="spam|", address="10.9.9.9"
    )
    dashboard = reverse("stakeholders:dashboard", kwargs={"org_slug": org.slug})

    html = staff_client(org, member_factory, Role.FUNDRAISER).get(dashboard).content.decode()
    assert 'data-figure="moderation-pending"><bdi>1</bdi>' in html
    assert 'data-figure="moderation-reports">1</bdi>' in html
    html = staff_client(org, member_factory, Role.ADMIN).get(dashboard).content.decode()
    assert 'data-figure="moderation-pending"><bdi>2</bdi>' in html
    html = staff_client(org, member_factory, Role.VIEWER).get(dashboard).content.decode()
    assert "moderation-pending" not in html


def test_a_quiet_closed_community_stays_off_the_dashboard(
    admin, org, admin_a, django_capture_on_commit_callbacks
):
    dashboard = reverse("stakeholders:dashboard", kwargs={"org_slug": org.slug})
    with django_capture_on_commit_callbacks(execute=True):
        services.update_settings(organization=org, user=admin_a, data={"enabled": False})
    assert "moderation-card-heading" not in admin.get(dashboard).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        services.update_settings(organization=org, user=admin_a, data={"enabled": True})
    assert "moderation-card-heading" in admin.get(dashboard).content.decode()


def test_a_closed_community_takes_no_reports(client, org, spaces):
    question = CommunityQuestionFactory(space=spaces["everyone"])
    CommunitySettings.objects.filter(organization=org).update(enabled=False)
    assert client.get(report_url(org, "question", question)).status_code == 404
    assert client.post(report_url(org, "question", question), R(kind="spam")).status_code == 404
    assert not Report.objects.filter(organization=org).exists()


def test_services_refuse_another_organizations_space_and_question(org, org_b, spaces, admin_a):
    question = CommunityQuestionFactory(space=spaces["everyone"])
    with organization_scope(org_b):
        elsewhere = CommunitySpaceFactory(organization=org_b)
    with pytest.raises(ValidationError):
        services.move(organization=org, user=admin_a, question=question, space=elsewhere)
    question.refresh_from_db()
    assert question.space_id == spaces["everyone"].pk
    assert Member.objects.filter(organization=org).count() == 1
