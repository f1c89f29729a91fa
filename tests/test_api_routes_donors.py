"""API routes of issue 22 (point 1) for the donors, volunteers and thank-you apps: appeals,
grants, donor updates and their versions, welcome calls, donor settings, skills, causes,
milestones, volunteer settings, versions of opportunities, stories and thank-you templates,
thank-you settings and print batches.

Each goes through the page's service (same refusals, a 400 naming the field), keeps the page's
roles, answers 404 for another organization's row, and lists in a number of queries that does
not grow with the page.
"""

import datetime
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from donors.models import Appeal, DonorUpdate, Grant
from stakeholders.models import ContactKind, Interaction, Role
from stakeholders.tenancy.models import organization_scope
from tests.factories import (
    ApiTokenFactory,
    CampaignFactory,
    ContactFactory,
    DonorUpdateFactory,
    FundFactory,
    GiftFactory,
    GrantFactory,
    ImpactStoryFactory,
    MembershipFactory,
    OpportunityFactory,
    PledgeFactory,
    RecurringGiftFactory,
    ThankYouTemplateFactory,
    VolunteerProfileFactory,
)
from volunteers import services as volunteer_services
from volunteers.models import (
    Cause,
    Milestone,
    OpportunitySkill,
    ProfileSkill,
    Shift,
    ShiftSeries,
    Skill,
)

pytestmark = pytest.mark.django_db

A = "/api/v1/o/riverside"
B = "/api/v1/o/hope"


def _client(organization, user):
    client = Client()
    token = ApiTokenFactory(organization=organization, user=user)
    client.defaults["HTTP_AUTHORIZATION"] = f"Token {token.key}"
    return client


@pytest.fixture
def api(org_a, admin_a):
    client = _client(org_a, admin_a)
    client.get(f"{A}/funds/")  # records the token's "last used" (once a minute)
    with organization_scope(org_a):
        yield client


@pytest.fixture
def as_role(org_a):
    """A client with a token of a member of organization A with ``role``."""

    def make(role):
        client = _client(org_a, MembershipFactory(organization=org_a, role=role).user)
        client.get(f"{A}/members/")
        return client

    return make


def post(client, url, data):
    return client.post(url, data, content_type="application/json")


def patch(client, url, data):
    return client.patch(url, data, content_type="application/json")


def queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, response.content
    return len(captured), response.json()


def assert_constant(client, url, make, many=25):
    """The list costs as many queries for 2 rows as for ``many``."""
    make(2)
    small, body = queries(client, f"{url}{'&' if '?' in url else '?'}page_size=50")
    assert len(body["results"]) >= 2
    make(many)
    large, body = queries(client, f"{url}{'&' if '?' in url else '?'}page_size=50")
    assert len(body["results"]) >= many
    assert small == large, f"{url}: {small} queries for a few rows, {large} for {many} more"


# --- Appeals ----------------------------------------------------------------------------------


def test_appeals_create_update_and_refuse_a_name_twice(api, org_a, org_b):
    campaign = CampaignFactory(organization=org_a, name="Winter")
    response = post(api, f"{A}/appeals/", {"name": "Winter letter", "campaign": campaign.pk})
    assert response.status_code == 201, response.content
    appeal = Appeal.objects.get(pk=response.json()["id"])
    assert appeal.campaign == campaign and appeal.organization == org_a

    again = post(api, f"{A}/appeals/", {"name": "Winter letter"})
    assert again.status_code == 400
    assert again.json() == {"name": ["There is already an appeal with this name."]}

    renamed = patch(api, f"{A}/appeals/{appeal.pk}/", {"name": "Winter letter 2026"})
    assert renamed.status_code == 200 and renamed.json()["name"] == "Winter letter 2026"
    assert patch(api, f"{A}/appeals/{appeal.pk}/", {"campaign": None}).json()["campaign"] is None

    with organization_scope(org_b):
        foreign = CampaignFactory(organization=org_b, name="Theirs")
    refused = post(api, f"{A}/appeals/", {"name": "Spring", "campaign": foreign.pk})
    assert refused.status_code == 400 and "campaign" in refused.json()
    assert not Appeal.objects.filter(name="Spring").exists()


def test_appeals_list_in_constant_queries(api, org_a):
    def make(count):
        start = Appeal.objects.filter(organization=org_a).count()
        for number in range(count):
            Appeal.objects.create(organization=org_a, name=f"Appeal {start + number}")

    assert_constant(api, f"{A}/appeals/", make)


# --- Grants -----------------------------------------------------------------------------------


def test_grants_go_through_the_service_and_its_checks(api, org_a):
    funder = ContactFactory(
        organization=org_a, kind=ContactKind.ORGANIZATION, organization_name="River Trust"
    )
    fund = FundFactory(organization=org_a)
    response = post(
        api,
        f"{A}/grants/",
        {"funder": funder.pk, "title": "Youth club", "fund": fund.pk, "stage": "awarded"},
    )
    assert response.status_code == 400
    assert response.json() == {"amount_awarded": ["Enter the amount awarded."]}
    assert not Grant.objects.exists()

    response = post(
        api,
        f"{A}/grants/",
        {"funder": funder.pk, "title": "Youth club", "amount_requested": "12000"},
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["stage"] == "prospect" and body["funder_name"] == funder.name
    funder.refresh_from_db()
    assert funder.is_donor  # the service makes the funder a donor, as the page does

    late = patch(
        api,
        f"{A}/grants/{body['id']}/",
        {"submitted_on": "2026-10-01", "decided_on": "2026-09-01"},
    )
    assert late.status_code == 400
    assert late.json() == {"decided_on": ["The decision can't come before the application."]}
    awarded = patch(
        api,
        f"{A}/grants/{body['id']}/",
        {"stage": "awarded", "amount_awarded": "10000", "decided_on": "2026-11-15"},
    )
    assert awarded.status_code == 200 and awarded.json()["amount_awarded"] == "10000.00"
    assert api.get(f"{A}/grants/?stage=awarded").json()["results"][0]["id"] == body["id"]
    assert api.get(f"{A}/grants/?stage=prospect").json()["results"] == []


def test_grants_list_in_constant_queries(api, org_a):
    assert_constant(
        api,
        f"{A}/grants/",
        lambda count: [GrantFactory(funder__organization=org_a) for _ in range(count)],
    )


def test_grants_follow_the_pages_roles(org_a, as_role):
    grant = GrantFactory(funder__organization=org_a)
    viewer = as_role(Role.VIEWER)
    assert viewer.get(f"{A}/grants/{grant.pk}/").status_code == 200
    assert patch(viewer, f"{A}/grants/{grant.pk}/", {"title": "Mine now"}).status_code == 403
    assert as_role(Role.CASEWORKER).get(f"{A}/grants/").status_code == 403
    assert as_role(Role.VOLUNTEER_COORDINATOR).get(f"{A}/grants/").status_code == 403
    fundraiser = as_role(Role.FUNDRAISER)
    assert patch(fundraiser, f"{A}/grants/{grant.pk}/", {"title": "Renewal"}).status_code == 200
    grant.refresh_from_db()
    assert grant.title == "Renewal"


def test_another_organizations_rows_are_not_found(org_a, org_b, admin_b):
    with organization_scope(org_a):
        grant = GrantFactory(funder__organization=org_a)
        update = DonorUpdateFactory(organization=org_a)
        appeal = Appeal.objects.create(organization=org_a, name="Theirs")
        skill = Skill.objects.create(organization=org_a, name="Driving")
    intruder = _client(org_b, admin_b)
    for url in (
        f"{B}/grants/{grant.pk}/",
        f"{B}/donor-updates/{update.pk}/",
        f"{B}/donor-updates/{update.pk}/audience/",
        f"{B}/appeals/{appeal.pk}/",
        f"{B}/skills/{skill.pk}/",
    ):
        assert intruder.get(url).status_code == 404, url
    assert post(intruder, f"{B}/donor-updates/{update.pk}/schedule/", {}).status_code == 404
    assert intruder.delete(f"{B}/skills/{skill.pk}/").status_code == 404
    assert intruder.get(f"{A}/grants/").status_code == 401  # B's token is unknown under A
    with organization_scope(org_a):
        assert DonorUpdate.objects.get(pk=update.pk).status == DonorUpdate.Status.DRAFT
        assert Skill.objects.filter(pk=skill.pk).exists()


# --- Donor updates and their versions ---------------------------------------------------------


def test_donor_update_draft_versions_and_schedule(api, org_a):
    story = ImpactStoryFactory(organization=org_a)
    response = post(
        api,
        f"{A}/donor-updates/",
        {"title": "A warm winter", "body": "Thanks to you…", "story": story.pk},
    )
    assert response.status_code == 201, response.content
    update = response.json()
    assert update["status"] == "draft" and update["language"] == "en"
    assert DonorUpdate.objects.get(pk=update["id"]).created_by is not None

    version = post(api, f"{A}/donor-updates/{update['id']}/translations/", {"language": "fr"})
    assert version.status_code == 201, version.content
    version = version.json()
    assert version["original"] == update["id"] and version["title"] == "A warm winter"
    twice = post(api, f"{A}/donor-updates/{update['id']}/translations/", {"language": "fr"})
    assert twice.status_code == 400
    assert twice.json() == {"language": ["This content already has a version in that language."]}
    assert (
        post(api, f"{A}/donor-updates/{update['id']}/translations/", {"language": "xx"})
    ).status_code == 400

    # a version takes only its words: its story and audience stay the original's
    changed = patch(
        api,
        f"{A}/donor-updates/{version['id']}/",
        {"title": "Un hiver au chaud", "story": None},
    )
    assert changed.status_code == 200, changed.content
    assert changed.json()["title"] == "Un hiver au chaud" and changed.json()["story"] == story.pk
    listed = api.get(f"{A}/donor-updates/").json()["results"]
    assert [(row["id"], row["translations"]) for row in listed] == [(update["id"], [version["id"]])]

    assert post(api, f"{A}/donor-updates/{version['id']}/schedule/", {}).json() == {
        "original": ["A translation goes out with its original."]
    }
    scheduled = post(api, f"{A}/donor-updates/{update['id']}/schedule/", {})
    assert scheduled.status_code == 200 and scheduled.json()["status"] == "scheduled"
    assert scheduled.json()["send_after"]

    refused = patch(api, f"{A}/donor-updates/{update['id']}/", {"title": "Too late"})
    assert refused.status_code == 400
    assert refused.json() == {
        "status": ["This update is scheduled or sent: it can no longer be changed."]
    }
    # its translations can still be written until it goes out
    assert patch(api, f"{A}/donor-updates/{version['id']}/", {"body": "Merci"}).status_code == 200

    DonorUpdate.objects.filter(pk=update["id"]).update(status=DonorUpdate.Status.SENT)
    assert post(api, f"{A}/donor-updates/{update['id']}/schedule/", {}).json() == {
        "status": ["Only a draft can be scheduled."]
    }
    late = post(api, f"{A}/donor-updates/{update['id']}/translations/", {"language": "es"})
    assert late.status_code == 404
    assert patch(api, f"{A}/donor-updates/{version['id']}/", {"body": "x"}).status_code == 400


def test_donor_update_audience_counts_as_the_sender(api, org_a):
    update = DonorUpdateFactory(organization=org_a)
    GiftFactory(contact=ContactFactory(organization=org_a, email="yes@example.org", is_donor=True))
    GiftFactory(contact=ContactFactory(organization=org_a, email="", is_donor=True))
    counts = api.get(f"{A}/donor-updates/{update.pk}/audience/").json()
    assert counts["donors"] == 2 and counts["no_email"] == 1
    assert counts["eligible"] + counts["no_consent"] == 1


def test_donor_updates_list_in_constant_queries(api, org_a):
    def make(count):
        for _ in range(count):
            original = DonorUpdateFactory(organization=org_a)
            DonorUpdateFactory(organization=org_a, original=original, language="fr")

    assert_constant(api, f"{A}/donor-updates/", make)


def test_story_and_template_versions(api, org_a):
    story = ImpactStoryFactory(organization=org_a)
    response = post(api, f"{A}/stories/{story.pk}/translations/", {"language": "fa"})
    assert response.status_code == 201 and response.json()["original"] == story.pk
    template = ThankYouTemplateFactory(organization=org_a)
    response = post(api, f"{A}/thank-you-templates/{template.pk}/translations/", {"language": "km"})
    assert response.status_code == 201, response.content
    version = response.json()
    assert version["original"] == template.pk and version["language"] == "km"
    # a version of a version is not a thing: translate the original
    nested = post(api, f"{A}/thank-you-templates/{version['id']}/translations/", {"language": "kk"})
    assert nested.status_code == 404


# --- Welcome calls ----------------------------------------------------------------------------


def test_welcome_calls_list_and_log(api, org_a, admin_a):
    mine = ContactFactory(organization=org_a, relationship_manager=admin_a)
    nobodys = ContactFactory(organization=org_a)
    GiftFactory(contact=mine, amount=Decimal("75"))
    GiftFactory(contact=nobodys, received_on=timezone.localdate() - timedelta(days=3))
    old = ContactFactory(organization=org_a)
    GiftFactory(contact=old, received_on=timezone.localdate() - timedelta(days=90))

    rows = api.get(f"{A}/welcome-calls/").json()["results"]
    assert [row["contact"] for row in rows] == [nobodys.pk, mine.pk]  # longest waiting first
    assert rows[1]["first_gift_amount"] == "75.00" and rows[1]["attempts"] == 0
    assert [r["contact"] for r in api.get(f"{A}/welcome-calls/?manager=me").json()["results"]] == [
        mine.pk
    ]
    assert [
        r["contact"] for r in api.get(f"{A}/welcome-calls/?manager=none").json()["results"]
    ] == [nobodys.pk]
    assert api.get(f"{A}/welcome-calls/?manager=boss").status_code == 400

    missed = post(api, f"{A}/welcome-calls/", {"contact": mine.pk, "outcome": "no_answer"})
    assert missed.status_code == 201, missed.content
    rows = api.get(f"{A}/welcome-calls/?manager=me").json()["results"]
    assert rows[0]["attempts"] == 1  # nobody home: still on the list

    reached = post(
        api,
        f"{A}/welcome-calls/",
        {"contact": mine.pk, "outcome": "reached", "notes": "Delighted"},
    )
    assert reached.status_code == 201
    logged = reached.json()
    call = Interaction.objects.get(pk=logged["interaction"])
    assert call.contact_id == mine.pk and call.notes == "Delighted" and call.channel == "phone"
    assert logged["outcome"] == "reached"
    assert api.get(f"{A}/welcome-calls/?manager=me").json()["results"] == []

    bad = post(api, f"{A}/welcome-calls/", {"contact": mine.pk, "outcome": "sang"})
    assert bad.status_code == 400 and "outcome" in bad.json()
    never_gave = ContactFactory(organization=org_a)
    refused = post(api, f"{A}/welcome-calls/", {"contact": never_gave.pk, "outcome": "reached"})
    assert refused.status_code == 400
    assert refused.json() == {"detail": ["This person has not given yet."]}


def test_welcome_calls_pages_by_key_and_in_constant_queries(api, org_a):
    def make(count):
        for day in range(count):
            GiftFactory(
                contact__organization=org_a,
                received_on=timezone.localdate() - timedelta(days=day % 20),
            )

    assert_constant(api, f"{A}/welcome-calls/", make)
    first = api.get(f"{A}/welcome-calls/?page_size=5").json()
    second = api.get(first["next"]).json()
    seen = [row["contact"] for row in first["results"] + second["results"]]
    assert len(seen) == len(set(seen)) == 10
    dates = [row["first_gift_on"] for row in first["results"] + second["results"]]
    assert dates == sorted(dates)


def test_welcome_calls_follow_the_pages_roles(org_a, as_role):
    contact = ContactFactory(organization=org_a)
    GiftFactory(contact=contact)
    viewer = as_role(Role.VIEWER)
    assert viewer.get(f"{A}/welcome-calls/").status_code == 200
    logged = post(viewer, f"{A}/welcome-calls/", {"contact": contact.pk, "outcome": "reached"})
    assert logged.status_code == 403
    with organization_scope(org_a):
        assert not Interaction.objects.filter(contact=contact).exists()
    assert as_role(Role.CASEWORKER).get(f"{A}/welcome-calls/").status_code == 403


# --- Settings ---------------------------------------------------------------------------------


def test_donor_settings_are_the_admins(api, org_a, as_role):
    assert as_role(Role.FUNDRAISER).get(f"{A}/donor-settings/").status_code == 403
    rows = api.get(f"{A}/donor-settings/").json()["results"]
    assert len(rows) == 1 and rows[0]["frequency_cap_days"] == 14
    url = f"{A}/donor-settings/{rows[0]['id']}/"
    insecure = patch(api, url, {"donation_url": "http://give.example.org"})
    assert insecure.status_code == 400
    assert insecure.json() == {
        "donation_url": ["Use the page's secure address, starting with https://."]
    }
    assert patch(api, url, {"update_interval_days": 3}).status_code == 400  # at least a week
    saved = patch(api, url, {"donation_url": "https://give.example.org", "frequency_cap_days": 21})
    assert saved.status_code == 200 and saved.json()["frequency_cap_days"] == 21


def test_thank_you_settings(api, as_role):
    assert as_role(Role.VIEWER).get(f"{A}/thank-you-settings/").status_code == 403
    row = api.get(f"{A}/thank-you-settings/").json()["results"][0]
    url = f"{A}/thank-you-settings/{row['id']}/"
    assert patch(api, url, {"batch_hour": 24}).json() == {"batch_hour": ["An hour from 0 to 23."]}
    fundraiser = as_role(Role.FUNDRAISER)
    saved = patch(fundraiser, url, {"target_hours": 24, "thank_on_entry": True})
    assert saved.status_code == 200 and saved.json()["thank_on_entry"] is True


def test_a_print_batch_with_nothing_waiting_is_refused(api):
    response = post(api, f"{A}/print-batches/", {})
    assert response.status_code == 400
    assert response.json() == {"detail": ["No letters are waiting to be printed."]}


def test_volunteer_settings_through_the_pages_service(org_a, as_role):
    coordinator = as_role(Role.VOLUNTEER_COORDINATOR)
    assert as_role(Role.VIEWER).get(f"{A}/volunteer-settings/").status_code == 403
    row = coordinator.get(f"{A}/volunteer-settings/").json()["results"][0]
    url = f"{A}/volunteer-settings/{row['id']}/"
    saved = patch(
        coordinator,
        url,
        {
            "skills": ["Driving", "First  aid", "driving"],
            "text_translations": {"fa": {"signup_intro": "خوش آمدید", "unknown": "x"}},
        },
    )
    assert saved.status_code == 200, saved.content
    assert saved.json()["skills"] == ["Driving", "First aid"]
    assert saved.json()["text_translations"] == {"fa": {"signup_intro": "خوش آمدید"}}
    refused = patch(coordinator, url, {"embed_origins": "http://www.example.org"})
    assert refused.status_code == 400 and list(refused.json()) == ["embed_origins"]
    assert patch(coordinator, url, {"text_translations": {"xx": {}}}).json() == {
        "text_translations": ["Choose a language from the list."]
    }
    with organization_scope(org_a):
        assert sorted(Skill.objects.values_list("name", flat=True)) == ["Driving", "First aid"]


# --- Skills, causes, milestones, opportunity versions -----------------------------------------


def test_skills_added_and_removed_as_on_the_settings_page(org_a, as_role):
    coordinator = as_role(Role.VOLUNTEER_COORDINATOR)
    response = post(coordinator, f"{A}/skills/", {"name": "  First \n aid "})
    assert response.status_code == 201 and response.json()["name"] == "First aid"
    same = post(coordinator, f"{A}/skills/", {"name": "first aid"})
    assert same.json()["id"] == response.json()["id"]
    cause = post(coordinator, f"{A}/causes/", {"name": "Food poverty"}).json()
    assert [row["name"] for row in coordinator.get(f"{A}/skills/").json()["results"]] == [
        "First aid"
    ]
    assert as_role(Role.VIEWER).get(f"{A}/causes/").json()["results"] == [cause]
    assert post(as_role(Role.FUNDRAISER), f"{A}/skills/", {"name": "Cooking"}).status_code == 403
    assert post(as_role(Role.VIEWER), f"{A}/skills/", {"name": "Cooking"}).status_code == 403
    assert post(coordinator, f"{A}/skills/", {"name": " "}).status_code == 400

    with organization_scope(org_a):
        skill = Skill.objects.get(pk=response.json()["id"])
        profile = VolunteerProfileFactory(contact__organization=org_a)
        ProfileSkill.objects.create(organization=org_a, profile=profile, skill=skill)
        opportunity = OpportunityFactory(organization=org_a)
        OpportunitySkill.objects.create(organization=org_a, opportunity=opportunity, skill=skill)
    assert coordinator.delete(f"{A}/skills/{skill.pk}/").status_code == 204
    with organization_scope(org_a):
        assert not Skill.objects.exists()
        assert not ProfileSkill.objects.exists() and not OpportunitySkill.objects.exists()
        assert Cause.objects.filter(name="Food poverty").exists()  # the other list is kept


def test_skills_causes_and_milestones_list_in_constant_queries(api, org_a):
    def names(model):
        def make(count):
            start = model.objects.filter(organization=org_a).count()
            for number in range(count):
                model.objects.create(organization=org_a, name=f"{model.__name__} {start + number}")

        return make

    assert_constant(api, f"{A}/skills/", names(Skill))
    assert_constant(api, f"{A}/causes/", names(Cause))

    def milestones(count):
        for _ in range(count):
            Milestone.objects.create(
                organization=org_a,
                profile=VolunteerProfileFactory(contact__organization=org_a),
                code="hours_50",
                reached_on=timezone.localdate(),
            )

    assert_constant(api, f"{A}/volunteer-milestones/", milestones)
    row = api.get(f"{A}/volunteer-milestones/?page_size=1").json()["results"][0]
    assert row["label"] == "50 hours" and row["code"] == "hours_50"
    filtered = api.get(f"{A}/volunteer-milestones/?profile={row['profile']}").json()["results"]
    assert [r["id"] for r in filtered] == [row["id"]]


def test_opportunity_versions_change_their_words_only(api, org_a):
    opportunity = OpportunityFactory(organization=org_a, title="Sort food", location="Depot")
    response = post(api, f"{A}/opportunities/{opportunity.pk}/translations/", {"language": "fa"})
    assert response.status_code == 201, response.content
    version = response.json()
    assert version["original"] == opportunity.pk and version["title"] == "Sort food"
    changed = patch(
        api,
        f"{A}/opportunities/{version['id']}/",
        {"title": "مرتب کردن غذا", "minimum_age": 30, "is_active": False},
    )
    assert changed.status_code == 200, changed.content
    assert changed.json()["title"] == "مرتب کردن غذا"
    assert changed.json()["is_active"] is True and changed.json()["location"] == "Depot"
    blank = patch(api, f"{A}/opportunities/{version['id']}/", {"title": ""})
    assert blank.status_code == 400 and "title" in blank.json()
    opportunity.refresh_from_db()
    assert opportunity.title == "Sort food"


# --- Gifts: what their page does to one -------------------------------------------------------


def test_gift_refund_correct_receive_and_not_thank(api, org_a):
    fund = FundFactory(organization=org_a)
    other = FundFactory(organization=org_a, name="Other")
    appeal = Appeal.objects.create(organization=org_a, name="Winter letter")
    contact = ContactFactory(organization=org_a)
    created = post(
        api,
        f"{A}/gifts/",
        {
            "contact": contact.pk,
            "amount": "500",
            "received_on": "2026-12-01",
            "fund": fund.pk,
            "appeal": appeal.pk,
        },
    )
    assert created.status_code == 201, created.content
    gift = created.json()
    assert gift["appeal"] == appeal.pk

    corrected = post(
        api,
        f"{A}/gifts/{gift['id']}/correct/",
        {"amount": "50", "received_on": "2026-12-01", "fund": other.pk},
    )
    assert corrected.json() == {"tax_deductible_amount": ["It can't be more than the gift."]}
    corrected = post(
        api,
        f"{A}/gifts/{gift['id']}/correct/",
        {
            "amount": "50",
            "received_on": "2026-12-01",
            "fund": other.pk,
            "tax_deductible_amount": "50",
        },
    )
    assert corrected.status_code == 201, corrected.content
    new = corrected.json()
    assert new["replaces"] == gift["id"] and new["amount"] == "50.00"
    assert new["allocations"] == [{"fund": other.pk, "amount": "50.00"}]
    assert api.get(f"{A}/gifts/{gift['id']}/").json()["status"] == "replaced"
    again = post(
        api, f"{A}/gifts/{gift['id']}/correct/", {"amount": "5", "received_on": "2026-12-01"}
    )
    assert again.status_code == 400
    assert again.json() == {"detail": ["Only a received gift can be corrected."]}

    blank = post(api, f"{A}/gifts/{new['id']}/refund/", {"reason": " "})
    assert blank.status_code == 400
    refunded = post(api, f"{A}/gifts/{new['id']}/refund/", {"reason": "Charge-back"})
    assert refunded.status_code == 200, refunded.content
    assert refunded.json()["status"] == "refunded"
    assert refunded.json()["refund_reason"] == "Charge-back"

    why = post(api, f"{A}/gifts/{new['id']}/thanking/", {"do_not_acknowledge": True})
    assert why.json() == {"do_not_acknowledge_reason": ["Say why this gift should not be thanked."]}
    quiet = post(
        api,
        f"{A}/gifts/{new['id']}/thanking/",
        {"do_not_acknowledge": True, "reason": "Anonymous"},
    )
    assert quiet.json()["do_not_acknowledge"] is True
    assert quiet.json()["do_not_acknowledge_reason"] == "Anonymous"

    expected = GiftFactory(contact=contact, status="expected", amount=Decimal("1000"))
    received = post(api, f"{A}/gifts/{expected.pk}/received/", {"amount": "900"})
    assert received.status_code == 200, received.content
    assert received.json()["status"] == "received" and received.json()["amount"] == "900.00"
    assert post(api, f"{A}/gifts/{expected.pk}/received/", {}).json() == {
        "detail": ["Only an expected gift can be marked received."]
    }


def test_gift_actions_are_the_fundraisers(org_a, as_role):
    gift = GiftFactory(contact__organization=org_a)
    viewer = as_role(Role.VIEWER)
    assert post(viewer, f"{A}/gifts/{gift.pk}/refund/", {"reason": "x"}).status_code == 403
    fundraiser = as_role(Role.FUNDRAISER)
    assert post(fundraiser, f"{A}/gifts/{gift.pk}/refund/", {"reason": "x"}).status_code == 200


def test_a_coordinator_changes_a_volunteers_preferences(org_a, org_b, as_role):
    with organization_scope(org_a):
        profile = VolunteerProfileFactory(contact__organization=org_a, other_skills="Baking")
        driving = Skill.objects.create(organization=org_a, name="Driving")
        food = Cause.objects.create(organization=org_a, name="Food poverty")
    with organization_scope(org_b):
        theirs = Skill.objects.create(organization=org_b, name="Theirs")
    coordinator = as_role(Role.VOLUNTEER_COORDINATOR)
    url = f"{A}/volunteer-profiles/{profile.pk}/"
    changed = patch(
        coordinator,
        url,
        {"skills": [driving.pk], "causes": [food.pk], "availability_slots": ["5-0", "0-2"]},
    )
    assert changed.status_code == 200, changed.content
    body = changed.json()
    assert body["skills"] == [driving.pk] and body["causes"] == [food.pk]
    assert body["availability_slots"] == ["0-2", "5-0"] and len(body["availability"]) == 2
    assert body["other_skills"] == "Baking"  # what was not sent is kept
    assert patch(coordinator, url, {"skills": [theirs.pk]}).status_code == 400
    assert patch(coordinator, url, {"availability_slots": ["7-0"]}).status_code == 400
    assert patch(as_role(Role.VIEWER), url, {"languages": "Khmer"}).status_code == 403
    paused = patch(coordinator, url, {"status": "paused"})
    assert paused.json()["status"] == "paused" and paused.json()["skills"] == [driving.pk]


def test_pledge_and_recurring_gift_status_as_on_the_commitments_page(org_a, as_role):
    pledge = PledgeFactory(contact__organization=org_a)
    recurring = RecurringGiftFactory(contact__organization=org_a)
    fundraiser = as_role(Role.FUNDRAISER)
    response = post(fundraiser, f"{A}/pledges/{pledge.pk}/status/", {"status": "cancelled"})
    assert response.status_code == 200 and response.json()["status"] == "cancelled"
    wrong = post(fundraiser, f"{A}/pledges/{pledge.pk}/status/", {"status": "paused"})
    assert wrong.status_code == 400 and list(wrong.json()) == ["status"]
    paused = post(fundraiser, f"{A}/recurring-gifts/{recurring.pk}/status/", {"status": "paused"})
    assert paused.status_code == 200 and paused.json()["status"] == "paused"
    viewer = as_role(Role.VIEWER)
    refused = post(viewer, f"{A}/recurring-gifts/{recurring.pk}/status/", {"status": "active"})
    assert refused.status_code == 403
    recurring.refresh_from_db()
    assert recurring.status == "paused"


# --- Repeating shifts -------------------------------------------------------------------------


def test_a_repeating_shift_makes_its_shifts_through_the_service(api, org_a, org_b, admin_b):
    opportunity = OpportunityFactory(organization=org_a)
    body = {
        "opportunity": opportunity.pk,
        "every_weeks": 2,
        "first_date": "2027-01-09",
        "until_date": "2027-02-20",
        "starts": "09:00",
        "ends": "12:00",
        "capacity": 4,
    }
    response = post(api, f"{A}/shift-series/", body)
    assert response.status_code == 201, response.content
    created = response.json()
    assert len(created["shifts"]) == 4  # 9 and 23 January, 6 and 20 February
    shifts = Shift.objects.filter(organization=org_a, series_id=created["id"]).order_by("starts_at")
    assert [shift.capacity for shift in shifts] == [4, 4, 4, 4]
    assert api.get(f"{A}/shift-series/{created['id']}/").json()["shifts"] == created["shifts"]
    # The service's checks, next to their field; nothing half-made.
    refused = post(api, f"{A}/shift-series/", {**body, "until_date": "2026-12-31"})
    assert refused.status_code == 400 and "until" in str(refused.json())
    assert ShiftSeries.objects.filter(organization=org_a).count() == 1
    # Another organization's series is not found.
    other = _client(org_b, admin_b)
    assert other.get(f"{B}/shift-series/{created['id']}/").status_code == 404


def test_repeating_shifts_list_in_constant_queries_and_follow_the_roles(api, org_a, as_role):
    opportunity = OpportunityFactory(organization=org_a)

    def make(count):
        for index in range(count):
            volunteer_services.shift_create(
                organization=org_a,
                opportunity=opportunity,
                date=datetime.date(2027, 1, 1) + datetime.timedelta(days=index),
                starts=datetime.time(9),
                ends=datetime.time(12),
                capacity=2,
                repeat_weeks=1,
                until=datetime.date(2027, 1, 1) + datetime.timedelta(days=index + 14),
            )

    assert_constant(api, f"{A}/shift-series/", make, many=10)
    assert as_role("viewer").get(f"{A}/shift-series/").status_code == 200
    assert post(as_role("viewer"), f"{A}/shift-series/", {}).status_code in (403, 404)
