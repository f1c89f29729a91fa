"""Issue 18, point 5: the top five complaints and expectations (complaints logged, complaint
requests and tagged comments), tagging comments, and what separates the satisfied from the rest
— with the role walls around client casework."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from stakeholders import services as stakeholder_services
from stakeholders.experience import insights
from stakeholders.models import ComplaintCategory, Feedback, Role
from stakeholders.tenancy.models import organization_scope
from tests.factories import (
    ContactFactory,
    FeedbackFactory,
    GiftFactory,
    InteractionFactory,
    RequestCategoryFactory,
    ServiceRequestFactory,
)

pytestmark = pytest.mark.django_db

CLIENT_REQUEST = "clients.request"


@pytest.fixture
def org(org_a):
    with organization_scope(org_a):
        yield org_a


@pytest.fixture
def fundraiser(org, member_factory):
    return member_factory(org, role=Role.FUNDRAISER)


@pytest.fixture
def caseworker(org, member_factory):
    return member_factory(org, role=Role.CASEWORKER)


def category(org, name, kind=ComplaintCategory.Kind.COMPLAINT):
    return ComplaintCategory.objects.create(organization=org, name=name, kind=kind)


def complaint(org, contact, staff, category, **extra):
    return stakeholder_services.interaction_log(
        organization=org,
        contact=contact,
        staff=staff,
        channel="phone",
        direction="inbound",
        subject="Not happy",
        kind="complaint",
        complaint_category=category,
        **extra,
    )


def by_name(rows):
    return {row["name"]: row["total"] for row in rows}


# --- Top five -----------------------------------------------------------------------------------


def test_top_five_counts_each_kind_across_all_three_sources(org, admin_a, fundraiser):
    waiting, rude = category(org, "Waiting times"), category(org, "Staff attitude")
    evenings = category(org, "Evening opening", ComplaintCategory.Kind.EXPECTATION)
    person = ContactFactory(organization=org)
    complaint(org, person, admin_a, waiting)  # logged complaint
    complaint(org, person, admin_a, rude)
    complaint(org, person, admin_a, evenings)  # a complaint tagged as an expectation
    for _ in range(2):  # complaint requests (clients' complaint source)
        ServiceRequestFactory(
            organization=org, contact=person, kind="complaint", complaint_category=waiting
        )
    tagged = FeedbackFactory(contact=person, measure="csat", score=2, comment="Slow")
    insights.feedback_tag(organization=org, feedback=tagged, category=waiting)
    wished = FeedbackFactory(contact=person, measure="csat", score=3, comment="Open later")
    insights.feedback_tag(organization=org, feedback=wished, category=evenings)
    old = FeedbackFactory(
        contact=person, comment="Ages ago", created_at=timezone.now() - timedelta(days=400)
    )
    insights.feedback_tag(organization=org, feedback=old, category=rude)  # out of the window
    FeedbackFactory(contact=person, comment="Untagged")  # counts nowhere

    top = insights.top_fives(organization=org, staff_role=Role.ADMIN)
    assert by_name(top["complaint"]) == {"Waiting times": 4, "Staff attitude": 1}
    assert by_name(top["expectation"]) == {"Evening opening": 2}
    assert len(top["months"]) == insights.MONTHS
    for row in top["complaint"] + top["expectation"]:
        assert sum(row["trend"]) == row["total"] == row["recent"]
        assert row["trend"][-1] == row["total"]  # all this month
    assert (
        insights.top_five(
            organization=org,
            staff_role=Role.ADMIN,
            kind="expectation",
            since=insights.year_start(organization=org),
        )
        == top["expectation"]
    )

    # A fundraiser counts no client complaint request.
    top = insights.top_fives(organization=org, staff_role=Role.FUNDRAISER)
    assert by_name(top["complaint"]) == {"Waiting times": 2, "Staff attitude": 1}


def test_top_five_keeps_five_and_the_dashboard_and_client_reports_agree(client, org, admin_a):
    person = ContactFactory(organization=org)
    for n in range(7):
        found = category(org, f"Complaint {n}")
        for _ in range(n + 1):
            complaint(org, person, admin_a, found)
    hoped = category(org, "Home visits", ComplaintCategory.Kind.EXPECTATION)
    feedback = FeedbackFactory(contact=person, comment="Could you come to us?")
    insights.feedback_tag(organization=org, feedback=feedback, category=hoped)
    top = insights.top_fives(organization=org, staff_role=Role.ADMIN)
    assert [row["name"] for row in top["complaint"]] == [f"Complaint {n}" for n in (6, 5, 4, 3, 2)]

    client.force_login(admin_a)
    dashboard = client.get("/o/riverside/").content.decode()
    reports = client.get("/o/riverside/clients/reports/").content.decode()
    for n in (6, 2):
        found = ComplaintCategory.objects.get(organization=org, name=f"Complaint {n}")
        figure = f'data-figure="complaints-{found.pk}">{n + 1}<'
        assert figure in dashboard and figure in reports
    assert f'data-figure="expectations-{hoped.pk}">1<' in dashboard
    assert "Top five expectations" in dashboard and "<svg" in dashboard


# --- Tagging ------------------------------------------------------------------------------------


def test_tagging_takes_only_a_category_of_the_same_organization(org, org_b):
    feedback = FeedbackFactory(contact=ContactFactory(organization=org), comment="Too slow")
    with organization_scope(org_b):
        theirs = category(org_b, "Theirs")
    with pytest.raises(ValidationError) as error:
        insights.feedback_tag(organization=org, feedback=feedback, category=theirs)
    assert "category" in error.value.message_dict
    ours = category(org, "Ours")
    insights.feedback_tag(organization=org, feedback=feedback, category=ours)
    assert Feedback.objects.get(pk=feedback.pk).category == ours
    insights.feedback_tag(organization=org, feedback=feedback, category=None)
    assert Feedback.objects.get(pk=feedback.pk).category is None


def test_category_names_are_unique_and_kinds_checked(org):
    made = insights.category_create(organization=org, name=" Parking ", kind="expectation")
    assert (made.name, made.kind) == ("Parking", "expectation")
    with pytest.raises(ValidationError) as error:
        insights.category_create(organization=org, name="parking", kind="complaint")
    assert "name" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        insights.category_create(organization=org, name="Noise", kind="wish")
    assert "kind" in error.value.message_dict


def test_api_patches_the_category_only_and_refuses_another_organizations(
    client, org, org_b, admin_a
):
    feedback = FeedbackFactory(contact=ContactFactory(organization=org), score=2, comment="Slow")
    ours = category(org, "Waiting times")
    with organization_scope(org_b):
        theirs = category(org_b, "Theirs")
    client.force_login(admin_a)
    url = f"/api/v1/o/riverside/feedback/{feedback.pk}/"
    response = client.patch(url, {"category": theirs.pk}, content_type="application/json")
    assert response.status_code == 400 and "category" in response.json()
    response = client.patch(url, {"category": ours.pk, "score": 5}, content_type="application/json")
    assert response.status_code == 400 and "score" in response.json()
    response = client.patch(url, {"category": ours.pk}, content_type="application/json")
    assert response.status_code == 200, response.content
    assert response.json()["category"] == ours.pk
    stored = Feedback.objects.get(pk=feedback.pk)
    assert (stored.category_id, stored.score) == (ours.pk, 2)  # the answer stays as given
    assert client.put(url, {"category": None}, content_type="application/json").status_code == 405
    response = client.patch(url, {"category": None}, content_type="application/json")
    assert response.status_code == 200 and Feedback.objects.get(pk=feedback.pk).category is None
    listed = client.get(f"/api/v1/o/riverside/feedback/?category={ours.pk}")
    assert listed.status_code == 200


def test_api_hides_client_feedback_from_a_fundraiser(client, org, fundraiser):
    request = ServiceRequestFactory(contact=ContactFactory(organization=org))
    feedback = FeedbackFactory(
        contact=request.contact, related_kind=CLIENT_REQUEST, related_id=request.pk
    )
    ours = category(org, "Waiting times")
    client.force_login(fundraiser)
    response = client.patch(
        f"/api/v1/o/riverside/feedback/{feedback.pk}/",
        {"category": ours.pk},
        content_type="application/json",
    )
    assert response.status_code == 404
    assert Feedback.objects.get(pk=feedback.pk).category is None


# --- The comments page --------------------------------------------------------------------------


def test_comments_page_tags_and_adds_categories(client, org, admin_a, org_b):
    person = ContactFactory(organization=org, name="Ada Lovelace")
    first = FeedbackFactory(contact=person, comment="The queue was long", score=2)
    second = FeedbackFactory(contact=person, comment="I wish you opened on Saturdays", score=3)
    FeedbackFactory(contact=person, comment="")  # nothing to tag
    waiting = category(org, "Waiting times")
    client.force_login(admin_a)
    url = "/o/riverside/experience/insights/comments/"
    page = client.get(url).content.decode()
    assert "The queue was long" in page and "Saturdays" in page
    assert '<optgroup label="Complaint">' in page and "Waiting times" in page

    response = client.post(
        url, {"action": "tag", "feedback": first.pk, f"f{first.pk}-category": waiting.pk}
    )
    assert response.status_code == 302
    assert Feedback.objects.get(pk=first.pk).category == waiting
    assert "The queue was long" not in client.get(url).content.decode()

    # A new category named inline, through htmx: the item comes back tagged.
    response = client.post(
        url,
        {
            "action": "tag",
            "feedback": second.pk,
            f"f{second.pk}-new_name": "Weekend opening",
            f"f{second.pk}-new_kind": "expectation",
        },
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200 and "Tagged as Expectation" in response.content.decode()
    made = Feedback.objects.get(pk=second.pk).category
    assert (made.name, made.kind) == ("Weekend opening", "expectation")

    # Neither a category nor a name: the error is next to the field.
    third = FeedbackFactory(contact=person, comment="Rude on the phone")
    response = client.post(url, {"action": "tag", "feedback": third.pk})
    assert response.status_code == 422
    assert "Choose a category, or name a new one." in response.content.decode()

    response = client.post(
        url, {"action": "category", "new-name": "Parking", "new-kind": "complaint"}
    )
    assert response.status_code == 302
    assert ComplaintCategory.objects.filter(organization=org, name="Parking").exists()
    response = client.post(
        url, {"action": "category", "new-name": "parking", "new-kind": "complaint"}
    )
    assert response.status_code == 422 and "already a category" in response.content.decode()

    # Another organization's comment is a 404, and nothing changes.
    with organization_scope(org_b):
        theirs = FeedbackFactory(contact=ContactFactory(organization=org_b), comment="Theirs")
    response = client.post(
        url, {"action": "tag", "feedback": theirs.pk, f"f{theirs.pk}-category": waiting.pk}
    )
    assert response.status_code == 404
    with organization_scope(org_b):
        assert Feedback.objects.get(pk=theirs.pk).category is None


def test_comments_page_hides_client_feedback_from_a_fundraiser(client, org, fundraiser):
    person = ContactFactory(organization=org)
    request = ServiceRequestFactory(contact=person)
    hidden = FeedbackFactory(
        contact=person,
        related_kind=CLIENT_REQUEST,
        related_id=request.pk,
        comment="My caseworker never called back",
    )
    FeedbackFactory(contact=person, comment="Lovely thank-you letter")
    waiting = category(org, "Waiting times")
    client.force_login(fundraiser)
    url = "/o/riverside/experience/insights/comments/"
    page = client.get(url).content.decode()
    assert "Lovely thank-you letter" in page and "never called back" not in page
    response = client.post(
        url, {"action": "tag", "feedback": hidden.pk, f"f{hidden.pk}-category": waiting.pk}
    )
    assert response.status_code == 404


def test_a_viewer_may_not_tag(client, org, member_factory):
    client.force_login(member_factory(org, role=Role.VIEWER))
    assert client.get("/o/riverside/experience/insights/comments/").status_code == 403
    assert client.get("/o/riverside/experience/insights/").status_code == 200


# --- What separates the satisfied --------------------------------------------------------------


def client_answers(org, *, score, hours, topic, count, staff=None):
    """``count`` CSAT answers about requests first answered after ``hours`` working hours."""
    for _ in range(count):
        person = ContactFactory(organization=org)
        request = ServiceRequestFactory(
            contact=person,
            category=topic,
            first_response_seconds=int(hours * 3600),
            created_at=timezone.now() - timedelta(days=10),
            assignee=staff,
        )
        FeedbackFactory(
            contact=person,
            related_kind=CLIENT_REQUEST,
            related_id=request.pk,
            measure="csat",
            score=score,
        )


def section_of(sections, area):
    return next(section for section in sections if section["area"] == area)


def test_separates_the_satisfied_clients_on_a_hand_made_dataset(client, org, admin_a):
    housing = RequestCategoryFactory(organization=org, name="Housing")
    benefits = RequestCategoryFactory(organization=org, name="Benefits")
    client_answers(org, score=5, hours=3, topic=benefits, count=5)
    client_answers(org, score=4, hours=3, topic=housing, count=1)
    client_answers(org, score=1, hours=26, topic=housing, count=5)
    client_answers(org, score=2, hours=26, topic=benefits, count=1)

    sections = insights.separates(organization=org, staff_role=Role.ADMIN)
    clients = section_of(sections, "client")
    assert (clients["satisfied"], clients["dissatisfied"], clients["enough"]) == (6, 6, True)
    first_response = next(n for n in clients["numbers"] if n["key"] == "first_response")
    assert first_response["satisfied_median"] == 3
    assert first_response["dissatisfied_median"] == 26
    assert first_response["highlight"]
    assert "26 working hours" in first_response["sentence"]
    topics = next(c for c in clients["categories"] if c["key"] == "request_category")
    rows = {row["value"]: row for row in topics["values"]}
    assert rows["Housing"]["highlight"] and round(rows["Housing"]["share"]) == 83
    assert not rows["Benefits"]["highlight"]
    assert any("Housing" in sentence for sentence in clients["highlights"])
    contacts = next(n for n in clients["numbers"] if n["key"] == "contacts_90d")
    assert not contacts["highlight"]

    client.force_login(admin_a)
    page = client.get("/o/riverside/experience/insights/").content.decode()
    assert 'data-figure="client-first_response-dissatisfied">26 working hours<' in page
    assert 'data-figure="client-first_response-satisfied">3 working hours<' in page
    assert "Housing" in page and 'data-area="donor"' in page


def test_numbers_highlight_only_when_medians_are_far_apart(org):
    topic = RequestCategoryFactory(organization=org, name="Housing")
    client_answers(org, score=5, hours=10, topic=topic, count=6)
    client_answers(org, score=1, hours=15, topic=topic, count=6)
    clients = section_of(insights.separates(organization=org, staff_role=Role.ADMIN), "client")
    first_response = next(n for n in clients["numbers"] if n["key"] == "first_response")
    assert (first_response["satisfied_median"], first_response["dissatisfied_median"]) == (10, 15)
    assert not first_response["highlight"]


def test_small_samples_say_too_few_to_compare(client, org, admin_a):
    for score in (5, 1, 2):
        gift = GiftFactory(contact=ContactFactory(organization=org))
        FeedbackFactory(
            contact=gift.contact, related_kind="donors.gift", related_id=gift.pk, score=score
        )
    donors = section_of(insights.separates(organization=org, staff_role=Role.ADMIN), "donor")
    assert (donors["answers"], donors["enough"], donors["numbers"]) == (3, False, [])
    client.force_login(admin_a)
    page = client.get("/o/riverside/experience/insights/").content.decode()
    assert 'data-figure="too-few-donor"' in page
    assert "Too few answers to compare" in page


def test_a_survey_with_several_questions_counts_once(org):
    topic = RequestCategoryFactory(organization=org, name="Housing")
    client_answers(org, score=5, hours=1, topic=topic, count=1)
    answer = Feedback.objects.get(organization=org)
    invitation_id = _invitation_for(org, answer)
    Feedback.objects.filter(pk=answer.pk).update(invitation_id=invitation_id)
    FeedbackFactory(
        contact=answer.contact,
        related_kind=CLIENT_REQUEST,
        related_id=answer.related_id,
        measure="ces",
        score=7,  # a high effort, but the satisfaction answer decides
        invitation_id=invitation_id,
    )
    clients = section_of(insights.separates(organization=org, staff_role=Role.ADMIN), "client")
    assert (clients["answers"], clients["satisfied"], clients["dissatisfied"]) == (1, 1, 0)


def _invitation_for(org, answer):
    from stakeholders.experience.models import SurveyInvitation, SurveyRule

    rule = SurveyRule.objects.create(
        organization=org, name="After a request", touchpoint="clients.request_resolved"
    )
    return SurveyInvitation.objects.create(
        organization=org,
        rule=rule,
        contact=answer.contact,
        related_kind=CLIENT_REQUEST,
        related_id=answer.related_id,
        touchpoint_at=timezone.now(),
        due_at=timezone.now(),
    ).pk


def test_verdicts_follow_each_scale():
    assert [insights.verdict("csat", s) for s in (1, 2, 3, 4, 5)] == [
        "dissatisfied", "dissatisfied", None, "satisfied", "satisfied"
    ]  # fmt: skip
    assert [insights.verdict("ces", s) for s in (1, 3, 4, 5, 7)] == [
        "satisfied", "satisfied", None, "dissatisfied", "dissatisfied"
    ]  # fmt: skip
    assert [insights.verdict("nps", s) for s in (0, 6, 7, 8, 9, 10)] == [
        "dissatisfied", "dissatisfied", None, None, "satisfied", "satisfied"
    ]  # fmt: skip


# --- Role walls -----------------------------------------------------------------------------------


def test_a_fundraiser_sees_no_client_section_on_the_page_nor_in_the_api(
    client, org, fundraiser, caseworker
):
    topic = RequestCategoryFactory(organization=org, name="Housing")
    client_answers(org, score=1, hours=26, topic=topic, count=6)
    client.force_login(fundraiser)
    page = client.get("/o/riverside/experience/insights/").content.decode()
    assert 'data-area="donor"' in page and 'data-area="client"' not in page
    assert "Housing" not in page
    data = client.get("/api/v1/o/riverside/insights/").json()
    assert {s["area"] for s in data["separates"]} == {"donor", "general"}
    assert set(data["top_five"]) == {"months", "complaint", "expectation"}

    client.force_login(caseworker)
    data = client.get("/api/v1/o/riverside/insights/").json()
    areas = {s["area"]: s for s in data["separates"]}
    assert "client" in areas and "donor" not in areas
    assert areas["client"]["dissatisfied"] == 6


# --- Query counts -------------------------------------------------------------------------------


def mixed_answers(org, staff, n):
    """``n`` answers in each area: about a client's request, a gift, a shift-less volunteer and
    a logged interaction."""
    topic = RequestCategoryFactory(organization=org)
    for index in range(n):
        client_answers(org, score=1 + index % 5, hours=index + 1, topic=topic, count=1, staff=staff)
        gift = GiftFactory(contact=ContactFactory(organization=org))
        FeedbackFactory(
            contact=gift.contact,
            related_kind="donors.gift",
            related_id=gift.pk,
            score=index % 5 + 1,
        )
        talk = InteractionFactory(contact__organization=org, staff=staff)
        FeedbackFactory(
            contact=talk.contact, interaction=talk, measure="nps", score=index % 11, comment="Hm"
        )


def count_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize(
    "url", ["/o/riverside/experience/insights/", "/api/v1/o/riverside/insights/"]
)
def test_insights_query_count_does_not_grow_with_answers(client, org, admin_a, url):
    client.force_login(admin_a)
    mixed_answers(org, admin_a, 3)
    client.get(url)  # the organization is cached (the API's)
    few = count_queries(client, url)
    mixed_answers(org, admin_a, 12)
    assert count_queries(client, url) == few


def test_comments_page_query_count_does_not_grow_with_comments(client, org, admin_a):
    client.force_login(admin_a)
    url = "/o/riverside/experience/insights/comments/"
    category(org, "Waiting times")
    mixed_answers(org, admin_a, 2)
    count_queries(client, url)  # (the first request caches the organization)
    few = count_queries(client, url)
    mixed_answers(org, admin_a, 8)
    assert count_queries(client, url) == few
