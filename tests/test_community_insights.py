"""The community's insights: the weekly trend report (rising terms and tags across community
questions, help-centre searches, client requests and feedback comments, examples walled by
role), its weekly task (once a week, safe twice), and the activity figures (reputation, time to
a first answer, peers vs staff, active members by month) — on the staff page and the dashboard,
in a number of queries that does not grow with the data."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_scopes import scopes_disabled

from clients.models import HelpSearch
from community import tasks
from community.models import PostStatus, TrendReport
from community.selectors import activity
from community.selectors import trends as trend_selectors
from community.services import trends
from stakeholders.models import Role
from stakeholders.tenancy.models import ScheduledRun, organization_scope
from tests.factories import (
    CommunityAnswerFactory,
    CommunityIdeaFactory,
    CommunityMemberFactory,
    CommunityQuestionFactory,
    CommunitySpaceFactory,
    ContactFactory,
    FeedbackFactory,
    InteractionFactory,
    RequestCategoryFactory,
    ServiceRequestFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

# A Wednesday: its week starts on Monday 16 November 2026.
NOW = datetime(2026, 11, 18, 12, 0, tzinfo=UTC)
WEEK = date(2026, 11, 16)
URL = "/o/riverside/community/manage/insights/"


def at(day, hour=10):
    return datetime.combine(day, datetime.min.time(), tzinfo=UTC) + timedelta(hours=hour)


def previous_weeks(weeks=4):
    """A day inside each of the four weeks before WEEK."""
    return [WEEK - timedelta(weeks=n) + timedelta(days=2) for n in range(1, weeks + 1)]


@pytest.fixture
def space(org_a):
    with scopes_disabled():
        return CommunitySpaceFactory(organization=org_a, name="Getting help", slug="help")


@pytest.fixture
def rising(org_a, space):
    """Four weeks of a steady "housing" question a week; this week "eviction" in client requests
    (4, all in one category), "housing" twice (not enough to rise), unmet "voucher" searches."""
    with scopes_disabled():
        for day in previous_weeks():
            CommunityQuestionFactory(space=space, title="Housing list wait", created_at=at(day))
        category = RequestCategoryFactory(organization=org_a, name="Tenancy")
        subjects = [
            "Eviction notice from my landlord",
            "Landlord eviction next week",
            "Eviction: what are my rights?",
            "Help with an eviction letter",
        ]
        requests = [
            ServiceRequestFactory(
                contact__organization=org_a,
                subject=subject,
                category=category,
                created_at=at(WEEK, hour=8 + n),
            )
            for n, subject in enumerate(subjects)
        ]
        for n in range(2):
            CommunityQuestionFactory(
                space=space, title=f"Housing benefit {n}", created_at=at(WEEK + timedelta(days=1))
            )
        for n, (query, results) in enumerate(
            [("food vouchers", 0), ("vouchers", 0), ("voucher renewal", 2), ("Vouchers", 0)]
        ):
            HelpSearch.objects.create(
                organization=org_a,
                query=query,
                results=results,
                visitor=f"v{n}",
                created_at=at(WEEK, hour=9),
            )
    return {"requests": requests, "category": category}


def report(org):
    with organization_scope(org):
        return trends.report_week(organization=org, week_start=WEEK, now=NOW)


def topic(made, term, source):
    found = [t for t in made.topics if t["term"] == term and t["source"] == source]
    assert len(found) <= 1
    return found[0] if found else None


# --- Terms ---------------------------------------------------------------------------------------


def test_terms_are_normalised_without_stop_words_numbers_or_single_letters():
    stop = trends._stop_words(("en", "es", "fr"))
    found = trends.terms_of(
        "Where is the Café? ¿Dónde está el café? 2026 a B réfugiés", language="en", stop_words=stop
    )
    assert found == {"cafe", "refugies"}  # "donde", "esta": Spanish stop words


def test_khmer_is_split_into_words_and_persian_stop_words_go():
    khmer = trends.terms_of("ខ្ញុំត្រូវការអាហារ", language="km", stop_words=trends._stop_words(("km",)))
    assert "ខ្ញុំ" not in khmer  # "I", a stop word, split off by ICU
    assert "អាហារ" in khmer  # "food"
    persian = trends.terms_of(
        "کمک برای اجاره خانه", language="fa", stop_words=trends._stop_words(("fa",))
    )
    assert persian == {"کمک", "اجاره", "خانه"}


# --- The report ----------------------------------------------------------------------------------


def test_terms_and_tags_that_grew_rise_with_examples_and_their_source(org_a, rising):
    made = report(org_a)
    eviction = topic(made, "eviction", "clients.requests")
    assert eviction["count"] == 4 and eviction["previous"] == 0 and eviction["growth"] == 4
    assert len(eviction["examples"]) == trends.EXAMPLES
    newest = {r.pk for r in rising["requests"][1:]}  # the three newest of the four
    assert {e["key"] for e in eviction["examples"]} == newest
    tag = topic(made, "tenancy", "clients.requests")
    assert tag["kind"] == trends.TAG and tag["count"] == 4
    # two "housing" questions this week, one a week before: below the minimum, not a topic
    assert topic(made, "housing", "community.questions") is None
    assert topic(made, "landlord", "clients.requests") is None  # 2 uses


def test_unmet_searches_are_flagged_and_shown_first(org_a, rising):
    made = report(org_a)
    vouchers = topic(made, "vouchers", "clients.help_searches")
    assert vouchers["count"] == 3  # "food vouchers", "vouchers", "Vouchers": case folded
    assert vouchers["unmet"] == 3
    # "vouchers" and "Vouchers" say the same: one example of them, the searches that found
    # nothing first
    assert len(vouchers["examples"]) == 2
    assert all(example["unmet"] for example in vouchers["examples"])


def test_a_term_that_was_as_common_before_does_not_rise(org_a, space):
    with scopes_disabled():
        for day in [*previous_weeks(), WEEK]:
            for n in range(3):
                CommunityQuestionFactory(
                    space=space, title=f"Parcel pickup {n}", created_at=at(day)
                )
    made = report(org_a)
    assert topic(made, "parcel", "community.questions") is None


def test_growth_ranks_a_new_term_above_a_common_one_that_doubled(org_a, space):
    with scopes_disabled():
        for day in previous_weeks():
            for n in range(5):
                CommunityQuestionFactory(space=space, title=f"Rota swap {n}", created_at=at(day))
        for n in range(10):
            CommunityQuestionFactory(space=space, title=f"Rota change {n}", created_at=at(WEEK))
        for n in range(4):
            CommunityQuestionFactory(space=space, title=f"Minibus trip {n}", created_at=at(WEEK))
    made = report(org_a)
    terms = [t["term"] for t in made.topics]
    assert terms.index("minibus") < terms.index("rota")
    rota = topic(made, "rota", "community.questions")
    assert (rota["count"], rota["previous"], rota["growth"]) == (10, 5, 1)


def test_hidden_and_pending_questions_are_not_counted(org_a, space):
    with scopes_disabled():
        for status in (PostStatus.PENDING, PostStatus.HIDDEN, PostStatus.HIDDEN):
            CommunityQuestionFactory(
                space=space, title="Spam giveaway", status=status, created_at=at(WEEK)
            )
    assert topic(report(org_a), "giveaway", "community.questions") is None


def test_feedback_comments_and_their_categories_are_a_source(org_a):
    with scopes_disabled():
        for n in range(3):
            FeedbackFactory(
                contact__organization=org_a,
                comment=f"The waiting room was too cold ({n})",
                created_at=at(WEEK),
            )
    made = report(org_a)
    assert topic(made, "cold", "stakeholders.feedback")["count"] == 3


def test_running_a_week_twice_keeps_one_report(org_a, rising):
    first = report(org_a)
    second = report(org_a)
    with scopes_disabled():
        assert TrendReport.objects.filter(organization=org_a).count() == 1
    assert first.pk == second.pk and first.topics == second.topics


def test_the_weekly_task_makes_last_weeks_report_once_and_again_only_if_made_early(org_a, rising):
    monday = at(WEEK + timedelta(weeks=1), hour=5)
    with organization_scope(org_a):
        early = trends.report_week(organization=org_a, week_start=WEEK, now=NOW)  # mid-week
        made = trends.report_last_week_if_missing(organization=org_a, now=monday)
        assert made.pk == early.pk and made.created_at == monday  # the complete week, again
        again = trends.report_last_week_if_missing(organization=org_a, now=monday + timedelta(1))
        assert again.created_at == monday  # already complete: left alone
    assert tasks.trend_report.apply(kwargs={"organization_id": org_a.pk}).get()
    with scopes_disabled():
        assert TrendReport.objects.filter(organization=org_a).count() >= 1


def test_the_beat_queues_each_organization_once_a_day_at_its_morning(org_a, monkeypatch):
    queued = []
    monkeypatch.setattr(
        tasks.trend_report, "delay", lambda **kwargs: queued.append(kwargs["organization_id"])
    )
    org_a.timezone = "Asia/Phnom_Penh"  # UTC+7: 05:00 there is 22:00 UTC the day before
    org_a.save()
    from django.utils import timezone as django_timezone

    fake_now = datetime(2026, 11, 22, 22, 10, tzinfo=UTC)
    monkeypatch.setattr(django_timezone, "now", lambda: fake_now)
    assert tasks.trend_reports() >= 1
    assert tasks.trend_reports() == 0  # the day is claimed
    assert queued.count(org_a.pk) == 1
    with scopes_disabled():
        assert ScheduledRun.objects.filter(organization=org_a).exists()


def test_the_week_follows_the_organizations_calendar(org_a):
    org_a.timezone = "Pacific/Auckland"
    sunday_night_utc = datetime(2026, 11, 15, 20, 0, tzinfo=UTC)  # Monday morning in Auckland
    assert trends.week_start_of(organization=org_a, moment=sunday_night_utc) == WEEK


# --- Role walls ----------------------------------------------------------------------------------


def page(client, user, path=URL):
    client.force_login(user)
    response = client.get(path)
    assert response.status_code == 200
    return response.content.decode()


def test_request_examples_are_for_caseworkers_and_admins_only(
    client, org_a, rising, member_factory
):
    report(org_a)
    subject = "Landlord eviction next week"
    for role in (Role.CASEWORKER, Role.ADMIN):
        html = page(client, member_factory(org_a, role=role))
        assert subject in html
    for role in (Role.VIEWER, Role.FUNDRAISER, Role.VOLUNTEER_COORDINATOR):
        html = page(client, member_factory(org_a, role=role))
        assert 'data-topic="eviction"' in html  # the topic, its counts
        assert subject not in html and "food vouchers" not in html  # not the texts
        assert "3 examples only caseworkers and admins may read." in html


def test_the_dashboard_card_shows_terms_never_texts(client, org_a, rising, member_factory):
    report(org_a)
    for role in (Role.VIEWER, Role.CASEWORKER):
        client.force_login(member_factory(org_a, role=role))
        html = client.get("/o/riverside/").content.decode()
        assert 'data-figure="rising-topics"' in html
        assert "eviction" in html
        assert "Landlord eviction next week" not in html


def test_no_dashboard_card_before_the_first_report(client, org_a, admin_a):
    client.force_login(admin_a)
    assert 'data-figure="rising-topics"' not in client.get("/o/riverside/").content.decode()


def test_feedback_given_on_casework_is_an_example_for_caseworkers_only(org_a):
    with scopes_disabled():
        contact = ContactFactory(organization=org_a)
        casework = InteractionFactory(contact=contact, related_kind="clients.request")
        for n in range(3):
            FeedbackFactory(
                contact=contact,
                interaction=casework if n == 0 else None,
                comment=f"Staff were rude at reception {n}",
                created_at=at(WEEK),
            )
    made = report(org_a)
    with organization_scope(org_a):
        for role, readable in ((Role.CASEWORKER, 3), (Role.FUNDRAISER, 2)):
            shown = trend_selectors.topics_shown(organization=org_a, report=made, role=role)
            rude = next(t for t in shown if t["term"] == "rude")
            assert len(rude["examples"]) == readable
            assert rude["hidden"] == 3 - readable


def test_a_question_hidden_after_the_report_is_no_longer_an_example(org_a, space):
    with scopes_disabled():
        questions = [
            CommunityQuestionFactory(space=space, title=f"Minibus trip {n}", created_at=at(WEEK))
            for n in range(3)
        ]
    made = report(org_a)
    with scopes_disabled():
        questions[0].status = PostStatus.HIDDEN
        questions[0].save()
    with organization_scope(org_a):
        shown = trend_selectors.topics_shown(organization=org_a, report=made, role=Role.ADMIN)
    minibus = next(t for t in shown if t["term"] == "minibus")
    assert sorted(e["text"] for e in minibus["examples"]) == ["Minibus trip 1", "Minibus trip 2"]


# --- The page ------------------------------------------------------------------------------------


def test_staff_update_this_weeks_report_on_demand_within_a_limit(client, org_a, rising, admin_a):
    client.force_login(admin_a)
    response = client.post(URL + "refresh/")
    assert response.status_code == 302
    with scopes_disabled():
        made = TrendReport.objects.get(organization=org_a)
    assert response["Location"].endswith(f"?week={made.week_start.isoformat()}")
    for _n in range(5):
        client.post(URL + "refresh/")
    limited = client.post(URL + "refresh/", follow=True)
    assert "several times this hour" in limited.content.decode()
    with scopes_disabled():
        assert TrendReport.objects.filter(organization=org_a).count() == 1
    assert client.get(URL + "refresh/").status_code == 405


def test_a_week_without_a_report_is_not_found(client, org_a, admin_a):
    client.force_login(admin_a)
    assert client.get(URL + "?week=2020-01-06").status_code == 404
    assert client.get(URL + "?week=not-a-date").status_code == 404
    assert "No report yet" in client.get(URL).content.decode()


def test_an_older_week_can_be_read(client, org_a, rising, admin_a):
    report(org_a)
    with organization_scope(org_a):
        TrendReport.objects.create(organization=org_a, week_start=WEEK - timedelta(weeks=1))
    client.force_login(admin_a)
    html = client.get(URL + f"?week={(WEEK - timedelta(weeks=1)).isoformat()}").content.decode()
    assert "Nothing rose this week." in html
    assert 'data-topic="eviction"' in client.get(URL).content.decode()  # the newest by default


# --- Activity ------------------------------------------------------------------------------------


@pytest.fixture
def community(org_a, space):
    """Three questions this month: answered first by a peer after 2 h, by staff after 6 h, and
    one unanswered; a vote by a fourth member; reputations."""
    now = NOW
    with scopes_disabled():
        asker = CommunityMemberFactory(organization=org_a, display_name="Marigold", reputation=3)
        peer = CommunityMemberFactory(organization=org_a, display_name="Rowan", reputation=25)
        expert = CommunityMemberFactory(
            organization=org_a,
            contact=None,
            user=UserFactory(),
            email="sam@example.org",
            display_name="Sam (team)",
            reputation=40,
        )
        voter = CommunityMemberFactory(organization=org_a, display_name="Juniper")
        asked = now - timedelta(days=2)
        by_peer = CommunityQuestionFactory(
            space=space, author=asker, created_at=asked, first_answer_at=asked + timedelta(hours=2)
        )
        CommunityAnswerFactory(question=by_peer, author=peer, created_at=asked + timedelta(hours=2))
        CommunityAnswerFactory(
            question=by_peer, author=expert, created_at=asked + timedelta(hours=3)
        )
        by_staff = CommunityQuestionFactory(
            space=space, author=asker, created_at=asked, first_answer_at=asked + timedelta(hours=6)
        )
        CommunityAnswerFactory(
            question=by_staff, author=peer, status=PostStatus.HIDDEN, created_at=asked
        )
        CommunityAnswerFactory(
            question=by_staff, author=expert, created_at=asked + timedelta(hours=6)
        )
        CommunityQuestionFactory(space=space, author=asker, created_at=asked)
        from community.models import Vote

        Vote.objects.create(organization=org_a, member=voter, question=by_peer, created_at=asked)
        # last year: outside the 12 months
        CommunityIdeaFactory(space=space, author=voter, created_at=now - timedelta(days=400))
    return {"asker": asker, "peer": peer, "expert": expert, "voter": voter}


def test_who_answers_first_and_how_fast(org_a, community):
    with organization_scope(org_a):
        by_month = activity.answering_by_month(organization=org_a, now=NOW)
        overall = activity.answering_overall(by_month)
        median = activity.median_first_answer(organization=org_a, now=NOW)
    this_month = by_month[-1]
    assert this_month["month"] == date(2026, 11, 1) and len(by_month) == 12
    assert (this_month["asked"], this_month["answered"]) == (3, 2)
    assert (overall["by_peers"], overall["by_staff"]) == (1, 1)
    assert overall["peer_share"] == overall["staff_share"] == 50
    assert median == 4 * 3600  # the median of 2 h and 6 h
    assert this_month["wait"] == 4 * 3600


def test_active_members_are_those_who_posted_or_voted_this_month(org_a, community):
    with organization_scope(org_a):
        months = activity.active_members_by_month(organization=org_a, now=NOW)
    assert months[-1] == (date(2026, 11, 1), 4)  # asker, peer, expert (answers), voter
    assert sum(n for _month, n in months) == 4  # last year's idea is outside the window


def test_top_members_by_reputation_with_the_expert_badge(org_a, community):
    with organization_scope(org_a):
        top = activity.top_members(organization=org_a)
    assert [(m["display_name"], m["is_staff_expert"]) for m in top] == [
        ("Sam (team)", True),
        ("Rowan", False),
        ("Marigold", False),
    ]


def test_the_page_shows_activity_with_charts_and_tables(client, org_a, community, admin_a):
    client.force_login(admin_a)
    html = client.get(URL).content.decode()
    assert 'data-figure="top-members"' in html and "Sam (team)" in html
    assert 'id="community-active-title"' in html and 'id="community-wait-title"' in html
    assert 'data-figure="by-month"' in html
    assert 'data-figure="peer-share"' in html


def test_the_page_costs_the_same_queries_with_more_data(client, org_a, rising, space, admin_a):
    """One query per source for the examples, one per figure: more topics, members, questions
    and answers cost no more."""
    with scopes_disabled():
        for n in range(3):
            CommunityQuestionFactory(space=space, title=f"Minibus trip {n}", created_at=at(WEEK))
    report(org_a)
    client.force_login(admin_a)
    client.get(URL)  # warm the session and the member caches
    with CaptureQueriesContext(connection) as small:
        assert client.get(URL).status_code == 200
    with scopes_disabled():
        members = [CommunityMemberFactory(organization=org_a, reputation=n) for n in range(1, 9)]
        for n, member in enumerate(members):
            question = CommunityQuestionFactory(
                space=space, author=member, title=f"Eviction help {n}", created_at=at(WEEK)
            )
            CommunityAnswerFactory(question=question, author=members[-1 - n])
    report(org_a)
    with CaptureQueriesContext(connection) as large:
        assert client.get(URL).status_code == 200
    assert len(large) == len(small), [q["sql"][:120] for q in large.captured_queries]
