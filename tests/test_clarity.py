"""Issue 17, clarity: durations in words, labels without colons, plurals, a search that finds
nobody suggests names and offers to add the person, lists that say how many they hold, lapsed
donors with actions, a note without a subject, one timeline order, the shortcuts dialog."""

import csv
import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import timezone, translation

from donors import services as donor_services
from stakeholders import formats, selectors, services
from stakeholders.models import Contact, Interaction, Role
from stakeholders.tenancy.models import organization_scope
from tests.factories import ContactFactory, OrganizationFactory
from volunteers.selectors import milestone_label

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


@pytest.fixture
def org(org_a):
    org_a.country = "GB"
    org_a.save()
    with organization_scope(org_a):
        yield org_a


def person(org, first, last, **fields):
    return services.contact_create(organization=org, first_name=first, last_name=last, **fields)


@pytest.mark.parametrize(
    ("value", "words"),
    [
        (timedelta(days=1, hours=17, minutes=20), "1 day 17 hours"),
        (timedelta(days=2), "2 days"),
        (timedelta(hours=3, minutes=5), "3 hours 5 minutes"),
        (timedelta(hours=1), "1 hour"),
        (timedelta(minutes=45), "45 minutes"),
        (timedelta(seconds=20), "0 minutes"),
        (-timedelta(hours=2), "2 hours"),
    ],
)
def test_durations_read_as_words(org, value, words):
    assert formats.format_duration(value) == words


def test_durations_in_every_language(org):
    """CLDR keeps a number with its unit (a no-break space); the test reads plain spaces."""
    value = timedelta(days=1, hours=17)
    with translation.override("fr"):
        assert plain(formats.format_duration(value)) == "1 jour 17 heures"
    with translation.override("es"):
        assert plain(formats.format_duration(value)) == "1 día 17 horas"
    with translation.override("kk"):
        assert plain(formats.format_duration(value)) == "1 күн 17 сағат"
    persian = OrganizationFactory(slug="tehran", language="fa", country="IR", solar_hijri=True)
    with organization_scope(persian), translation.override("fa"):
        assert plain(formats.format_duration(value)) == "۱ روز ۱۷ ساعت"


def plain(text):
    return text.replace("\xa0", " ").replace("\u202f", " ")


def test_the_duration_filter_takes_timedeltas_and_hours(org):
    template = Template(
        '{% load steward %}{{ a|duration }}|{{ b|duration:"hours" }}|{{ c|duration }}'
    )
    text = template.render(Context({"a": timedelta(minutes=90), "b": 41.5, "c": None}))
    assert text == "1 hour 30 minutes|1 day 17 hours|—"


def test_form_labels_have_no_colon(client, org, admin_a):
    client.force_login(admin_a)
    for language in ("en", "fr", "fa"):
        with translation.override(language):
            html = client.get("/o/riverside/contacts/new/", HTTP_ACCEPT_LANGUAGE=language)
        assert html.status_code == 200
        content = html.content.decode()
        assert ":</label>" not in content and "：</label>" not in content, language


def test_milestones_say_one_year_and_one_hour(org):
    assert milestone_label("anniversary_1") == "1 year volunteering"
    assert milestone_label("anniversary_5") == "5 years volunteering"
    assert milestone_label("hours_1") == "1 hour"


def test_a_typo_suggests_the_closest_names_and_offers_to_add(client, org, admin_a):
    person(org, "Ada", "Lovelace")
    person(org, "Grace", "Hopper")
    client.force_login(admin_a)
    content = client.get("/o/riverside/contacts/", {"q": "Lovelase"}).content.decode()
    assert "Did you mean one of these?" in content and "Ada Lovelace" in content
    assert "Grace Hopper" not in content
    assert "/o/riverside/contacts/new/?name=Lovelase" in content
    content = client.get("/o/riverside/contacts/", {"q": "Zyxwvut Qqq"}).content.decode()
    assert "Nobody matches" in content
    assert "/o/riverside/contacts/new/?name=Zyxwvut%20Qqq" in content
    form = client.get("/o/riverside/contacts/new/", {"name": "Zyxwvut Qqq"}).content.decode()
    assert 'value="Zyxwvut"' in form and 'value="Qqq"' in form


def test_what_was_typed_prefills_a_new_contact():
    assert selectors.contact_prefill("  Ada   King Lovelace ") == {
        "first_name": "Ada King",
        "last_name": "Lovelace",
    }
    assert selectors.contact_prefill("Ada@Example.org") == {"email": "ada@example.org"}
    assert selectors.contact_prefill("+44 20 7946 0958") == {"phone": "+44 20 7946 0958"}
    assert selectors.contact_prefill("Madonna") == {"first_name": "Madonna"}


def test_viewers_are_not_offered_to_add(client, org, member_factory):
    client.force_login(member_factory(org, role=Role.VIEWER))
    content = client.get("/o/riverside/contacts/", {"q": "Nobody Here"}).content.decode()
    assert "Nobody matches" in content and "contacts/new/" not in content


def test_the_list_says_how_many_it_holds_and_pages(client, org, admin_a, monkeypatch):
    for n in range(3):
        person(org, f"Person{n}", "Example")
    client.force_login(admin_a)
    content = client.get("/o/riverside/contacts/").content.decode()
    assert "3 stakeholders" in content and "Page 1 of 1" in content
    content = client.get("/o/riverside/contacts/", {"q": "person1"}).content.decode()
    assert "1 stakeholder<" in content
    monkeypatch.setattr("stakeholders.views.COUNT_CAP", 2)
    content = client.get("/o/riverside/contacts/").content.decode()
    assert "More than" in content and "Page 1<" in content


def test_counting_stops_at_the_cap(org):
    for n in range(5):
        person(org, f"P{n}", "Example")
    assert selectors.count_capped(Contact.objects.filter(organization=org), cap=3) == 4
    assert selectors.count_capped(Contact.objects.filter(organization=org), cap=10) == 5


@pytest.fixture
def lapsed(org):
    ada = ContactFactory(organization=org, first_name="Ada", last_name="Lovelace")
    bob = ContactFactory(organization=org, first_name="Bob", last_name="Example")
    for contact in (ada, bob):
        donor_services.gift_record(
            organization=org,
            contact=contact,
            amount=Decimal("40"),
            received_on=date(TODAY.year - 1, 6, 1),
        )
    return ada, bob


def test_lapsed_donors_are_counted_exported_and_assigned(client, org, admin_a, lapsed, org_b):
    ada, bob = lapsed
    client.force_login(admin_a)
    content = client.get("/o/riverside/donors/lapsed/").content.decode()
    assert "2 donors gave last year but not yet this year." in content
    assert f"/o/riverside/interactions/log/?contact={ada.pk}" in content
    response = client.get("/o/riverside/donors/lapsed/", {"kind": "lybunt", "format": "csv"})
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert sorted(row[2] for row in rows[1:]) == ["Ada", "Bob"]
    with organization_scope(org_b):
        stranger = ContactFactory(organization=org_b, first_name="Not", last_name="Yours")
    response = client.post(
        "/o/riverside/donors/lapsed/?kind=lybunt",
        {"contact": [ada.pk, bob.pk, stranger.pk], "manager": admin_a.pk},
    )
    assert response.status_code == 302
    ada.refresh_from_db()
    bob.refresh_from_db()
    assert ada.relationship_manager == admin_a and bob.relationship_manager == admin_a
    with organization_scope(org_b):
        stranger.refresh_from_db()
        assert stranger.relationship_manager is None


def test_a_viewer_cannot_assign(client, org, lapsed, member_factory):
    ada, _bob = lapsed
    viewer = member_factory(org, role=Role.VIEWER)
    client.force_login(viewer)
    assert (
        "Assign the selected donors"
        not in client.get("/o/riverside/donors/lapsed/").content.decode()
    )
    client.post("/o/riverside/donors/lapsed/", {"contact": [ada.pk], "manager": viewer.pk})
    ada.refresh_from_db()
    assert ada.relationship_manager is None


def test_a_note_needs_no_subject(client, org, admin_a):
    contact = person(org, "Ada", "Lovelace")
    client.force_login(admin_a)
    url = f"/o/riverside/contacts/{contact.pk}/log/"
    note = (
        "Called back about the food drive; she will bring ten volunteers on Saturday morning"
        " at nine\nMore"
    )
    response = client.post(
        url,
        {"channel": "phone", "direction": "outbound", "notes": note, "kind": "conversation"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    interaction = Interaction.objects.get()
    assert interaction.subject.startswith("Called back about the food drive")
    assert interaction.subject.endswith("…") and len(interaction.subject) <= 81
    assert interaction.notes == note


def test_the_timeline_after_quick_log_is_the_timeline_after_a_reload(client, org, admin_a):
    contact = person(org, "Ada", "Lovelace")
    services.interaction_log(
        organization=org, contact=contact, staff=admin_a, channel="email", subject="Newest one"
    )
    client.force_login(admin_a)
    earlier = (timezone.localtime() - timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
    logged = client.post(
        f"/o/riverside/contacts/{contact.pk}/log/",
        {
            "channel": "phone",
            "direction": "outbound",
            "subject": "Logged late, happened three days ago",
            "kind": "conversation",
            "occurred_at": earlier,
        },
        HTTP_HX_REQUEST="true",
    ).content.decode()
    reloaded = client.get(f"/o/riverside/contacts/{contact.pk}/").content.decode()

    def order(html):
        return [
            subject
            for subject in ("Newest one", "Logged late, happened three days ago")
            if subject in html
        ], html.index("Newest one") < html.index("Logged late")

    assert order(logged) == order(reloaded)
    assert order(logged)[1] is True


def test_every_staff_page_has_the_shortcuts_dialog(client, org, admin_a):
    client.force_login(admin_a)
    content = client.get("/o/riverside/").content.decode()
    assert 'id="shortcuts"' in content and "Keyboard shortcuts" in content
    assert "data-shortcuts-open" in content
