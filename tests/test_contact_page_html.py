"""Issue 21: the contact page's forms and timeline written in Python are the templates' HTML,
byte for byte, and its two reads compiled once per shape still read each contact's own rows."""

from datetime import date, timedelta

import pytest
from django.template import Context, Template
from django.template.loader import render_to_string
from django.utils import timezone, translation

from stakeholders import contact_page, list_html, quick_widgets, timeline_html, timeline_sql
from stakeholders.forms import ConsentForm, InteractionForm, RelationshipForm
from stakeholders.models import Role
from stakeholders.registries import TimelineEvent, timeline
from stakeholders.tenancy.models import organization_scope
from tests.factories import InteractionFactory
from tests.test_contacts import _with_everything, make

pytestmark = pytest.mark.django_db

LANGUAGES = ["en", "fr", "fa", "km", "kk", "es"]


@pytest.fixture
def org(org_a):
    with organization_scope(org_a):
        yield org_a


def _included(form):
    return Template('{% include "includes/form.html" with form=form %}').render(
        Context({"form": form})
    )


def _field_included(field):
    return Template('{% include "includes/field.html" with field=field %}').render(
        Context({"field": field})
    )


def _forms(org, admin):
    choices = {
        "follow_up_owner": [(admin.pk, 'Ann <"O\'Neil"> & co')],
        "complaint_category": [(7, "Late parcel")],
    }
    bound = InteractionForm(
        {"channel": "nope", "subject": "<b>x</b>", "follow_up_on": "garbage"}, organization=org
    )
    with_non_field_error = InteractionForm({"channel": "phone"}, organization=org)
    with_non_field_error.is_valid()
    with_non_field_error.add_error(None, "Something <wrong> & odd")
    return [
        lambda: InteractionForm(organization=org, choices=choices),
        lambda: InteractionForm(organization=org),
        lambda: InteractionForm(bound.data, organization=org),
        lambda: with_non_field_error,
        ConsentForm,
        lambda: ConsentForm({"channel": "email"}),
        RelationshipForm,
        lambda: RelationshipForm({"kind": "nope"}),
    ]


@pytest.mark.parametrize("language", LANGUAGES)
def test_forms_written_in_python_are_the_includes(org, admin_a, language):
    with translation.override(language):
        for make_form in _forms(org, admin_a):
            expected, form = _included(make_form()), make_form()
            assert str(quick_widgets.form_html(form)) == expected
            for name in form.fields:
                assert str(quick_widgets.field_html(form[name])) == _field_included(
                    make_form()[name]
                )


def _events(org, contact, admin):
    _with_everything(org, contact, admin)
    events, _cursor = timeline.events(organization=org, contact=contact, limit=60, role=Role.ADMIN)
    now = timezone.now()
    odd = [
        TimelineEvent(
            kind="interaction",
            occurred_at=now,
            key=1,
            title='A <b>"title"</b> & more',
            body="line one\nline <two>\r\n" + "long " * 200,
            channel="phone",
            channel_label="Phone",
            badge="Complaint",
            url="/o/x/?a=1&b=2",
            meta={
                "staff": "Ann & Bob",
                "complaint_category": "Late <parcel>",
                "resolved": True,
                "outcome": "Sorted 'out'",
                "follow_up_on": date(2026, 1, 2),
                "follow_up_done": True,
            },
        ),
        TimelineEvent(kind="gift", occurred_at=now, key=2, title="", meta={"all_day": True}),
        TimelineEvent(kind="x", occurred_at=now - timedelta(days=3), key=3, title=None),
        TimelineEvent(kind="y", occurred_at=now, key=4, title="t", meta={"outcome": "o"}),
    ]
    return [*events, *odd]


@pytest.mark.parametrize("language", LANGUAGES)
def test_timeline_written_in_python_is_the_template(org, admin_a, language):
    events = _events(org, make(org), admin_a)
    with translation.override(language):
        expected = "".join(
            render_to_string("stakeholders/contacts/_timeline_item.html", {"event": event})
            for event in events
        )
        assert str(timeline_html.items(events)) == expected


def test_timeline_sql_compiled_once_reads_each_contacts_own_rows(org, admin_a, monkeypatch):
    first, second, third = make(org), make(org, first_name="Hana"), make(org, first_name="Zed")
    _with_everything(org, first, admin_a)
    InteractionFactory.create_batch(5, contact=second, organization=org, staff=admin_a)

    def page(contact, **filters):
        events, cursor = timeline.events(
            organization=org, contact=contact, limit=20, role=Role.ADMIN, **filters
        )
        return [(e.kind, e.key, e.title) for e in events], cursor

    timeline_sql._shapes.clear()
    cached = {c.pk: page(c) for c in (first, second, third)}
    cached_phone = {c.pk: page(c, channel="phone") for c in (first, second)}
    shapes = [shape for _expires, shape in timeline_sql._shapes.values()]
    assert shapes and all(shape is not timeline_sql.UNCACHEABLE for shape in shapes)
    # The same pages built every time:
    monkeypatch.setattr(
        timeline_sql, "for_contact", lambda key, contact, compile_for: compile_for(contact)
    )
    for contact in (first, second, third):
        assert cached[contact.pk] == page(contact)
    for contact in (first, second):
        assert cached_phone[contact.pk] == page(contact, channel="phone")
    assert cached[first.pk] != cached[second.pk]
    assert len(cached[third.pk][0]) == 1  # "record created" only


def test_side_lists_compiled_once_read_each_contacts_own_rows(org, admin_a, monkeypatch):
    first, second, third = make(org), make(org, first_name="Hana"), make(org, first_name="Zed")
    _with_everything(org, first, admin_a)

    def lists(contact):
        return contact_page.side_lists(organization=org, contact=contact, form_choices=True)

    timeline_sql._shapes.clear()
    cached = {c.pk: lists(c) for c in (first, second, third)}
    assert all(shape is not timeline_sql.UNCACHEABLE for _e, shape in timeline_sql._shapes.values())
    monkeypatch.setattr(
        timeline_sql, "for_contact", lambda key, contact, compile_for: compile_for(contact)
    )
    for contact in (first, second, third):
        assert cached[contact.pk] == lists(contact)
    assert cached[first.pk]["tags"] and not cached[second.pk]["tags"]
    assert len(cached[first.pk]["relationships"]) == 3


def test_the_kept_quick_log_form_follows_the_members_and_the_errors(
    client, org, admin_a, member_factory
):
    first, second = make(org), make(org, first_name="Hana")
    client.force_login(admin_a)
    page = client.get(f"/o/riverside/contacts/{first.pk}/").content.decode()
    assert f'action="/o/riverside/contacts/{first.pk}/log/"' in page
    newcomer = member_factory(org, role=Role.FUNDRAISER, user__name="Zoë Newcomer")
    page = client.get(f"/o/riverside/contacts/{second.pk}/").content.decode()
    assert "Zoë Newcomer" in page and f'value="{newcomer.pk}"' in page
    assert f'action="/o/riverside/contacts/{second.pk}/log/"' in page
    response = client.post(
        f"/o/riverside/contacts/{second.pk}/log/", {"channel": "nope", "follow_up_on": "x"}
    )
    assert response.status_code == 422
    assert 'class="field field--invalid"' in response.content.decode()
    page = client.get(f"/o/riverside/contacts/{second.pk}/").content.decode()
    assert "field--invalid" not in page


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("staff_role", [Role.ADMIN, Role.FUNDRAISER])
def test_list_rows_written_in_python_are_the_template(org, admin_a, language, staff_role):
    """Every cell's cases: a person and an organization, names to escape and in other scripts,
    a mobile, a phone or neither, each role (a client's hidden from a fundraiser), a manager or
    none, last seen or never (two on the same instant: the date written once)."""
    seen = timezone.now() - timedelta(days=40)
    contacts = [
        make(org, first_name="Ann <b>&", last_name="O'Neil", mobile="+15035550123"),
        make(org, first_name="شیرین", last_name="فرهادی", phone="+44 20 7946 0958"),
        make(org, kind="organization", organization_name="Acme & Sons", first_name=""),
        make(org, first_name="Sok", last_name="Chantha", email="sok@example.org"),
    ]
    contacts[0].is_donor = contacts[0].is_client = contacts[1].is_volunteer = True
    contacts[0].relationship_manager = admin_a
    contacts[0].last_interaction_at = contacts[1].last_interaction_at = seen
    contacts[3].last_interaction_at = seen - timedelta(days=400, hours=5)
    membership = type("Membership", (), {"role": staff_role})()
    with translation.override(language):
        expected = "".join(
            "\n"
            + render_to_string(
                "stakeholders/contacts/_result_row.html",
                {"contact": contact, "organization": org, "membership": membership},
            )
            + "\n    "
            for contact in contacts
        )
        values = [
            {
                **{
                    name: getattr(contact, name)
                    for name in list_html.ROW_VALUES
                    if "__" not in name
                },
                "relationship_manager__name": getattr(contact.relationship_manager, "name", None),
                "relationship_manager__email": getattr(contact.relationship_manager, "email", None),
            }
            for contact in contacts
        ]
        written = list_html.result_rows(values, organization=org, staff_role=staff_role)
        assert str(written) == expected
