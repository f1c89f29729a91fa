"""Journeys: stages computed from the data (refunds, merges, erasure, lapsing by time alone),
the incremental refresh, the funnel's numbers, the pages and API behind the area walls."""

import calendar
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from donors import services as donor_services
from donors.models import Gift
from stakeholders import services
from stakeholders.experience import journeys
from stakeholders.experience.registry import journeys as registry
from stakeholders.experience.tasks import refresh_journeys, refresh_journeys_of
from stakeholders.models import JourneyPosition, JourneyStageSetting, JourneySummary, Role
from stakeholders.tenancy.models import organization_scope
from tests.factories import (
    AcknowledgmentFactory,
    AssignmentFactory,
    ContactFactory,
    GiftFactory,
    MembershipFactory,
    RecurringGiftFactory,
    ServiceRequestFactory,
    ShiftFactory,
    VolunteerProfileFactory,
)
from volunteers.models import Assignment

pytestmark = pytest.mark.django_db

# An hour ahead: rows the tests write (at the real time) are older than a refresh at NOW.
NOW = timezone.now().replace(microsecond=0) + timedelta(hours=1)
DONOR = registry.get("donor")


def days_ago(n):
    return (NOW - timedelta(days=n)).date()


def midnight(org, day):
    """The start of ``day`` in the organization's time zone (a gift's date as a moment)."""
    return datetime.combine(day, time(), ZoneInfo(org.timezone))


def add_months(day, months):
    """As PostgreSQL adds months to a date (the 31st becomes the month's last day)."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def gift(contact, day, **kwargs):
    return GiftFactory(
        contact=contact, organization=contact.organization, received_on=day, **kwargs
    )


def position(org, contact, journey="donor"):
    with organization_scope(org):
        return JourneyPosition.objects.filter(journey=journey, contact=contact).first()


def refresh(org, now=NOW, **kwargs):
    with organization_scope(org):
        return journeys.journeys_refresh(organization=org, now=now, **kwargs)


def summary(org, journey="donor"):
    with organization_scope(org):
        row = JourneySummary.objects.get(journey=journey)
    return {stage["stage"]: stage for stage in row.stages}


# --- Stage computation --------------------------------------------------------------------------


def test_donor_stages_follow_the_gifts_thanks_and_welcome(org_a):
    with organization_scope(org_a):
        donor = ContactFactory(organization=org_a)
        first = gift(donor, days_ago(100))
        AcknowledgmentFactory(
            contact=donor, target_id=first.pk, state="sent", sent_at=NOW - timedelta(days=99)
        )
    refresh(org_a)
    at = position(org_a, donor)
    assert at.stage == "thanked"
    assert at.entered_at == NOW - timedelta(days=99)
    assert at.reached[0] == midnight(org_a, days_ago(100))
    assert at.reached[2:] == [None, None, None, None]
    assert at.next_change_at == midnight(org_a, add_months(days_ago(100), 18))

    with organization_scope(org_a):
        gift(donor, days_ago(50))
        gift(donor, days_ago(10))
    refresh(org_a, full=True)
    at = position(org_a, donor)
    assert at.stage == "regular"  # three gifts within 18 months


def test_a_refunded_second_gift_is_not_a_second_gift(org_a):
    with organization_scope(org_a):
        donor = ContactFactory(organization=org_a)
        gift(donor, days_ago(200))
        second = gift(donor, days_ago(20))
    refresh(org_a)
    assert position(org_a, donor).stage == "second_gift"
    with organization_scope(org_a):
        donor_services.gift_refund(organization=org_a, gift=second, reason="Card disputed")
    refresh(org_a, now=NOW + timedelta(minutes=15))
    at = position(org_a, donor)
    assert at.stage == "first_gift"
    assert at.reached[3] is None


def test_a_donor_whose_only_gift_was_refunded_leaves_the_journey(org_a):
    with organization_scope(org_a):
        donor = ContactFactory(organization=org_a)
        only = gift(donor, days_ago(20))
    refresh(org_a)
    assert position(org_a, donor) is not None
    with organization_scope(org_a):
        donor_services.gift_refund(organization=org_a, gift=only, reason="Mistake")
    report = refresh(org_a, now=NOW + timedelta(minutes=15))
    assert report["donor"]["removed"] == 1
    assert position(org_a, donor) is None


def test_merged_contacts_have_one_position_with_both_gift_histories(org_a, admin_a):
    with organization_scope(org_a):
        keep = ContactFactory(organization=org_a)
        remove = ContactFactory(organization=org_a)
        gift(keep, days_ago(300))
        gift(remove, days_ago(100))
    refresh(org_a)
    assert position(org_a, keep).stage == "first_gift"
    assert position(org_a, remove).stage == "first_gift"
    with organization_scope(org_a):
        services.contact_merge(organization=org_a, keep=keep, remove=remove, actor=admin_a)
    refresh(org_a, now=NOW + timedelta(minutes=15))
    with organization_scope(org_a):
        rows = list(JourneyPosition.objects.filter(journey="donor"))
    assert [row.contact_id for row in rows] == [keep.pk]
    assert rows[0].stage == "second_gift"  # both histories: two gifts
    assert rows[0].reached[0] == midnight(org_a, days_ago(300))
    assert rows[0].reached[3] == midnight(org_a, days_ago(100))


def test_erased_people_have_no_position(org_a, admin_a):
    with organization_scope(org_a):
        donor = ContactFactory(organization=org_a)
        gift(donor, days_ago(30))
    refresh(org_a)
    assert position(org_a, donor) is not None
    with organization_scope(org_a):
        services.contact_erase(organization=org_a, contact=donor, actor=admin_a)
    assert position(org_a, donor) is None
    refresh(org_a, now=NOW + timedelta(minutes=15), full=True)
    assert position(org_a, donor) is None


def test_a_donor_lapses_by_time_alone(org_a):
    with organization_scope(org_a):
        donor = ContactFactory(organization=org_a)
        gift(donor, days_ago(500))
        gift(donor, days_ago(400))
    refresh(org_a)
    at = position(org_a, donor)
    assert at.stage == "second_gift"
    lapse = midnight(org_a, add_months(days_ago(400), 18))  # no gift for 18 months
    assert at.next_change_at == lapse > NOW

    report = refresh(org_a, now=lapse + timedelta(hours=1))
    assert report["donor"]["examined"] == 1  # no data changed: the due one only
    at = position(org_a, donor)
    assert at.stage == "lapsed"
    assert at.entered_at == lapse
    assert at.next_change_at is None


def test_an_active_recurring_gift_makes_a_regular_donor_who_does_not_lapse(org_a):
    with organization_scope(org_a):
        donor = ContactFactory(organization=org_a)
        gift(donor, date(2024, 1, 10))
        RecurringGiftFactory(contact=donor, organization=org_a, started_on=date(2024, 1, 10))
    refresh(org_a)
    at = position(org_a, donor)
    assert at.stage == "regular"
    assert at.reached[5] is None


def test_volunteer_stages(org_a):
    with organization_scope(org_a):
        profile = VolunteerProfileFactory(contact__organization=org_a, approved_at=NOW)
        for n in (80, 50, 20):
            shift = ShiftFactory(opportunity__organization=org_a, starts_at=NOW - timedelta(days=n))
            AssignmentFactory(shift=shift, profile=profile, status=Assignment.Status.ATTENDED)
        applicant = VolunteerProfileFactory(
            contact__organization=org_a, approved_at=None, status="applicant"
        )
    refresh(org_a)
    at = position(org_a, profile.contact, "volunteer")
    assert at.stage == "active"
    assert at.entered_at == NOW - timedelta(days=20)
    assert at.next_change_at > NOW + timedelta(days=150)
    assert position(org_a, applicant.contact, "volunteer").stage == "applied"

    report = refresh(org_a, now=NOW + timedelta(days=200))
    assert report["volunteer"]["examined"] == 1
    assert position(org_a, profile.contact, "volunteer").stage == "lapsed"


def test_client_stages(org_a):
    with organization_scope(org_a):
        contact = ContactFactory(organization=org_a)
        ServiceRequestFactory(
            contact=contact,
            created_at=NOW - timedelta(days=40),
            resolved_at=NOW - timedelta(days=30),
            status="resolved",
        )
        waiting = ContactFactory(organization=org_a)
        ServiceRequestFactory(contact=waiting, created_at=NOW - timedelta(days=40))
    refresh(org_a)
    assert position(org_a, contact, "client").stage == "helped"
    assert position(org_a, waiting, "client").stage == "first_request"
    with organization_scope(org_a):
        ServiceRequestFactory(contact=contact, created_at=NOW + timedelta(minutes=5))
    refresh(org_a, now=NOW + timedelta(minutes=15))
    assert position(org_a, contact, "client").stage == "returning"


# --- Incremental refresh ------------------------------------------------------------------------


def test_the_incremental_refresh_only_touches_changed_contacts(org_a):
    with organization_scope(org_a):
        donors = [ContactFactory(organization=org_a) for _ in range(5)]
        for donor in donors:
            gift(donor, days_ago(40))
    report = refresh(org_a)
    assert report["donor"] == {"full": True, "examined": None, "written": 5, "removed": 0}
    with organization_scope(org_a):
        before = dict(
            JourneyPosition.objects.filter(journey="donor").values_list("contact_id", "computed_at")
        )
        new = gift(donors[2], timezone.localdate())  # a new gift for one of them, made after
        Gift.objects.filter(pk=new.pk).update(created_at=NOW + timedelta(minutes=1))

    report = refresh(org_a, now=NOW + timedelta(minutes=15))
    assert report["donor"]["full"] is False
    assert report["donor"]["examined"] == 1
    assert report["donor"]["written"] == 1
    with organization_scope(org_a):
        after = dict(
            JourneyPosition.objects.filter(journey="donor").values_list("contact_id", "computed_at")
        )
    changed = {pk for pk in after if after[pk] != before[pk]}
    assert changed == {donors[2].pk}
    assert position(org_a, donors[2]).stage == "second_gift"
    assert summary(org_a)["second_gift"]["people"] == 1


def test_changing_stage_settings_recomputes_the_funnel(org_a):
    with organization_scope(org_a):
        donor = ContactFactory(organization=org_a)
        gift(donor, days_ago(10))
    refresh(org_a)
    assert summary(org_a)["first_gift"]["stuck"] == 1  # 7 days by default
    with organization_scope(org_a):
        journeys.stage_settings_save(
            organization=org_a,
            journey=DONOR,
            values={"first_gift": ("New donor", 30)},
            now=NOW,
        )
        setting = JourneyStageSetting.objects.get(stage="first_gift")
        views = journeys.stage_settings(organization=org_a)["donor"]
    assert (setting.label, setting.stuck_after_days) == ("New donor", 30)
    assert views[0].label == "New donor"
    assert summary(org_a)["first_gift"]["stuck"] == 0


# --- The funnel's numbers -----------------------------------------------------------------------


def test_summary_conversion_and_median_on_a_small_dataset(org_a):
    """Four donors: all gave once; three were thanked (after 1, 3 and 5 days); two of those
    gave again."""
    with organization_scope(org_a):
        contacts = [ContactFactory(organization=org_a) for _ in range(4)]
        for n, donor in enumerate(contacts):
            first = gift(donor, days_ago(300))
            if n < 3:
                AcknowledgmentFactory(
                    contact=donor,
                    target_id=first.pk,
                    state="sent",
                    sent_at=midnight(org_a, days_ago(300)) + timedelta(days=(1, 3, 5)[n]),
                )
            if n < 2:
                gift(donor, days_ago(200))
    refresh(org_a)
    stages = summary(org_a)
    assert stages["first_gift"]["people"] == 4
    assert stages["thanked"]["people"] == 3
    assert stages["thanked"]["conversion"] == 75.0
    assert stages["thanked"]["median_days"] == 3.0
    assert stages["welcomed"]["people"] == 0
    assert stages["second_gift"]["people"] == 2
    assert stages["second_gift"]["conversion"] is None  # nobody welcomed: no step before
    assert stages["second_gift"]["now"] == 2
    assert stages["thanked"]["now"] == 1
    assert stages["first_gift"]["now"] == 1
    assert stages["first_gift"]["stuck"] == 1  # not thanked after 7 days
    assert stages["thanked"]["stuck"] == 1  # 90 days without a second gift
    assert stages["lapsed"]["people"] == 0


# --- The beat -----------------------------------------------------------------------------------


def test_the_beat_fans_out_to_every_organization(org_a, org_b, settings):
    with organization_scope(org_a):
        gift(ContactFactory(organization=org_a), days_ago(3))
    assert refresh_journeys.delay().get() == 2
    with organization_scope(org_a):
        assert JourneySummary.objects.count() == 3
    with organization_scope(org_b):
        assert JourneySummary.objects.count() == 3
        assert JourneyPosition.objects.count() == 0
    assert refresh_journeys_of.delay(organization_id=org_a.pk).get()["donor"]["full"] is False


# --- Pages, panel and API behind the area walls -------------------------------------------------


@pytest.fixture
def everyone_on_a_journey(org_a):
    """A donor (stuck: not thanked), a volunteer and a client, computed."""
    with organization_scope(org_a):
        donor = ContactFactory(organization=org_a, first_name="Dana", last_name="Donor")
        gift(donor, days_ago(20))
        volunteer = VolunteerProfileFactory(contact__organization=org_a).contact
        client = ContactFactory(organization=org_a, first_name="Cleo", last_name="Client")
        ServiceRequestFactory(contact=client, created_at=NOW - timedelta(days=30))
    refresh(org_a)
    return {"donor": donor, "volunteer": volunteer, "client": client}


def _login(client, org, role):
    user = MembershipFactory(organization=org, role=role).user
    client.force_login(user)
    return user


def test_the_hub_shows_the_funnels_of_the_members_areas_only(client, org_a, everyone_on_a_journey):
    _login(client, org_a, Role.FUNDRAISER)
    page = client.get(reverse("experience:index", kwargs={"org_slug": org_a.slug}))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="journey-donor"' in html
    assert 'id="journey-client"' not in html and 'id="journey-volunteer"' not in html
    assert "First gift" in html and "First request" not in html

    _login(client, org_a, Role.CASEWORKER)
    html = client.get(reverse("experience:index", kwargs={"org_slug": org_a.slug})).content
    assert b'id="journey-client"' in html and b'id="journey-donor"' not in html

    _login(client, org_a, Role.ADMIN)
    html = client.get(reverse("experience:index", kwargs={"org_slug": org_a.slug})).content
    assert html.count(b'class="chart__svg"') == 3
    assert b'class="visually-hidden"><table><caption>' in html  # the chart's text alternative

    _login(client, org_a, Role.VIEWER)
    assert (
        client.get(reverse("experience:index", kwargs={"org_slug": org_a.slug})).status_code == 403
    )


def test_the_hub_reads_only_the_summaries(
    client, org_a, everyone_on_a_journey, django_assert_max_num_queries
):
    """A few queries, whatever the number of people: adding people adds none."""
    _login(client, org_a, Role.ADMIN)
    url = reverse("experience:index", kwargs={"org_slug": org_a.slug})
    client.get(url)
    with CaptureQueriesContext(connection) as first:
        assert client.get(url).status_code == 200
    with organization_scope(org_a):
        for _ in range(5):
            gift(ContactFactory(organization=org_a), days_ago(3))
    refresh(org_a, full=True)
    with CaptureQueriesContext(connection) as second:
        client.get(url)
    assert len(second) == len(first) <= 12
    assert not any("journeyposition" in q["sql"] for q in second.captured_queries)


def test_a_fundraiser_never_sees_the_client_journey(client, org_a, everyone_on_a_journey):
    _login(client, org_a, Role.FUNDRAISER)
    slug = org_a.slug
    detail = reverse("experience:journey_detail", kwargs={"org_slug": slug, "journey": "client"})
    assert client.get(detail).status_code == 404
    assert (
        client.get(
            reverse("experience:journey_settings", kwargs={"org_slug": slug, "journey": "client"})
        ).status_code
        == 403
    )
    assert client.get(f"/api/v1/o/{slug}/journeys/client/").status_code == 404
    keys = [row["key"] for row in client.get(f"/api/v1/o/{slug}/journeys/").json()["results"]]
    assert keys == ["donor"]
    assert client.get(f"/api/v1/o/{slug}/journey-positions/?journey=client").status_code == 404
    rows = client.get(f"/api/v1/o/{slug}/journey-positions/").json()["results"]
    assert {row["journey"] for row in rows} == {"donor"}
    # The client's page: no journey panel for what the fundraiser may not see.
    person = everyone_on_a_journey["client"]
    page = client.get(  # the page's panels (loaded after it)
        reverse("stakeholders:contact_panels", kwargs={"org_slug": slug, "contact_id": person.pk})
    )
    assert page.status_code == 200
    assert b"journeys-panel-heading" not in page.content
    page = client.get(
        reverse(
            "stakeholders:contact_panels",
            kwargs={"org_slug": slug, "contact_id": everyone_on_a_journey["donor"].pk},
        )
    )
    assert b"journeys-panel-heading" in page.content
    assert b"First gift" in page.content


def test_the_journey_page_lists_who_is_stuck_oldest_first_paged_by_key(client, org_a):
    with organization_scope(org_a):
        donors = [ContactFactory(organization=org_a) for _ in range(3)]
        for n, donor in enumerate(donors):
            gift(donor, days_ago(30 + n))
        fresh = ContactFactory(organization=org_a)
        gift(fresh, days_ago(1))  # not stuck yet (7 days)
    refresh(org_a, now=timezone.now())
    _login(client, org_a, Role.FUNDRAISER)
    url = reverse("experience:journey_detail", kwargs={"org_slug": org_a.slug, "journey": "donor"})
    page = client.get(url)
    assert page.status_code == 200
    people = page.context["people"]
    assert [p.contact_id for p in people] == [donors[2].pk, donors[1].pk, donors[0].pk]
    assert page.context["stage"] == "first_gift"

    from stakeholders.experience.views import journeys as journey_views

    journey_views.PAGE_SIZE, size = 2, journey_views.PAGE_SIZE
    try:
        page = client.get(url)
        assert len(page.context["people"]) == 2
        after = page.context["next_after"]
        page = client.get(url, {"stage": "first_gift", "after": after})
        assert [p.contact_id for p in page.context["people"]] == [donors[0].pk]
        assert page.context["next_after"] == ""
    finally:
        journey_views.PAGE_SIZE = size


def test_admins_rename_stages_and_set_thresholds(client, org_a, everyone_on_a_journey):
    _login(client, org_a, Role.ADMIN)
    url = reverse(
        "experience:journey_settings", kwargs={"org_slug": org_a.slug, "journey": "donor"}
    )
    assert client.get(url).status_code == 200
    response = client.post(url, {"label_first_gift": "Newcomer", "days_first_gift": "40"})
    assert response.status_code == 302
    with organization_scope(org_a):
        setting = JourneyStageSetting.objects.get(journey="donor", stage="first_gift")
    assert (setting.label, setting.stuck_after_days) == ("Newcomer", 40)
    assert summary(org_a)["first_gift"]["stuck"] == 0  # 20 days < 40: recomputed at once
    html = client.get(reverse("experience:index", kwargs={"org_slug": org_a.slug})).content
    assert b"Newcomer" in html
    response = client.post(url, {"days_first_gift": "-3"})
    assert response.status_code == 200 and response.context["form"].errors

    _login(client, org_a, Role.FUNDRAISER)
    assert client.post(url, {"label_first_gift": "X"}).status_code == 403


def test_api_journeys_and_positions(client, org_a, everyone_on_a_journey):
    _login(client, org_a, Role.ADMIN)
    slug = org_a.slug
    body = client.get(f"/api/v1/o/{slug}/journeys/donor/").json()
    assert body["key"] == "donor"
    first = body["stages"][0]
    assert first["stage"] == "first_gift" and first["people"] == 1 and first["stuck"] == 1
    rows = client.get(
        f"/api/v1/o/{slug}/journey-positions/?journey=donor&stage=first_gift&stuck=1"
    ).json()["results"]
    assert [row["contact"] for row in rows] == [everyone_on_a_journey["donor"].pk]
    assert rows[0]["stuck"] is True
    assert rows[0]["reached"]["first_gift"] is not None
    assert rows[0]["reached"]["thanked"] is None
    rows = client.get(f"/api/v1/o/{slug}/journey-positions/?journey=volunteer&stuck=1").json()
    assert rows["results"] == []


def test_api_list_query_counts_do_not_grow_with_the_page(
    client, org_a, django_assert_max_num_queries
):
    with organization_scope(org_a):
        for n in range(6):
            gift(ContactFactory(organization=org_a), days_ago(20 + n))
    refresh(org_a)
    _login(client, org_a, Role.ADMIN)
    base = f"/api/v1/o/{org_a.slug}"
    client.get(f"{base}/journeys/")
    with CaptureQueriesContext(connection) as small:
        client.get(f"{base}/journey-positions/?page_size=2")
    with CaptureQueriesContext(connection) as large:
        client.get(f"{base}/journey-positions/?page_size=6")
    assert len(small) == len(large)
    with django_assert_max_num_queries(len(large)):
        client.get(f"{base}/journey-positions/?page_size=6&stuck=1")
    with CaptureQueriesContext(connection) as journeys_list:
        assert len(client.get(f"{base}/journeys/").json()["results"]) == 3
    assert len(journeys_list) <= len(large) + 1  # it reads the organization's stage settings too


def test_a_donors_keep_in_touch_email_can_link_their_impact_page(org_a):
    with organization_scope(org_a):
        donor = ContactFactory(organization=org_a)
        fields = registry.get("donor").merge_fields(organization=org_a, contact=donor)
    assert "/o/riverside/donors/impact/" in fields["impact_link"] and "t=" in fields["impact_link"]
