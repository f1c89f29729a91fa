"""Contacts: records, search, timeline, quick-log, follow-ups, consent, feedback, merge, erase."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from donors.models import Gift
from stakeholders import selectors, sending, services
from stakeholders.forms import InteractionForm
from stakeholders.models import (
    ComplaintCategory,
    Consent,
    Contact,
    ContactEvent,
    ContactTag,
    DuplicatePair,
    Feedback,
    Interaction,
    Role,
)
from stakeholders.registries import timeline
from stakeholders.tenancy.models import organization_scope
from tests.factories import (
    AcknowledgmentFactory,
    AssignmentFactory,
    ConsentFactory,
    FeedbackFactory,
    GiftFactory,
    InteractionFactory,
    RelationshipFactory,
    VolunteerProfileFactory,
)
from thankyous.models import Acknowledgment
from volunteers.models import Assignment

pytestmark = pytest.mark.django_db


@pytest.fixture
def org(org_a):
    org_a.country = "GB"
    org_a.save()
    with organization_scope(org_a):
        yield org_a


def make(org, **fields):
    fields.setdefault("first_name", "Fatima")
    fields.setdefault("last_name", "Adeyemi")
    return services.contact_create(organization=org, **fields)


def test_phones_are_normalised_with_the_organization_country(org):
    contact = make(
        org, phone="020 7946 0958", mobile="+1 (503) 555-0123", email=" Fatima@Example.ORG "
    )
    assert (contact.phone, contact.mobile) == ("+442079460958", "+15035550123")
    assert contact.email == "fatima@example.org"
    assert contact.name == "Fatima Adeyemi" and contact.search_name == "fatima adeyemi"


def test_bad_input_is_refused_field_by_field_and_nothing_is_saved(org, admin_b):
    with pytest.raises(ValidationError) as error:
        make(
            org,
            first_name="",
            last_name="",
            phone="12",
            email="not-an-email",
            relationship_manager=admin_b,
        )
    assert set(error.value.message_dict) == {"last_name", "phone", "email", "relationship_manager"}
    assert not Contact.objects.exists()


def test_external_ids_are_unique_in_an_organization(org):
    make(org, external_id="EXT-1")
    with pytest.raises(ValidationError) as error:
        make(org, first_name="Other", external_id="EXT-1")
    assert "external_id" in error.value.message_dict


def test_organizations_and_households_are_contacts_too(org):
    company = services.contact_create(
        organization=org, kind="organization", organization_name="Acme Foundation"
    )
    person = make(org)
    services.relationship_add(organization=org, person=person, related=company, kind="trustee")
    assert company.name == "Acme Foundation"
    assert [r.kind for r in selectors.contact_relationships(organization=org, contact=person)] == [
        "trustee"
    ]
    with pytest.raises(ValidationError):
        services.relationship_add(organization=org, person=company, related=person, kind="employee")


@pytest.mark.parametrize(
    "query",
    ["fatim", "adeyemi", "Fatma Adeymi", "FÁTIMA", "fatima@example.org", "020 7946 0958", "EXT-77"],
)
def test_one_search_box_finds_by_name_typo_email_phone_and_external_id(org, query):
    target = make(org, email="fatima@example.org", phone="020 7946 0958", external_id="EXT-77")
    make(org, first_name="Bjorn", last_name="Nguyen", email="bjorn@example.org")
    results = list(selectors.contact_search(organization=org, query=query))
    assert results and results[0] == target


def test_search_filters(org, admin_a):
    donor = make(org, relationship_manager=admin_a, tags=["major donor"])
    services.contact_set_role(organization=org, contact_id=donor.pk, role="donor")
    make(org, first_name="Someone", last_name="Else")
    assert list(selectors.contact_search(organization=org, role="donor")) == [donor]
    assert list(selectors.contact_search(organization=org, tag="major donor")) == [donor]
    assert list(selectors.contact_search(organization=org, manager_id=admin_a.pk)) == [donor]
    services.interaction_log(
        organization=org, contact=donor, staff=admin_a, channel="phone", subject="Hi"
    )
    recent = selectors.contact_search(organization=org, last_interaction_after=timezone.localdate())
    assert list(recent) == [donor]


def test_contact_list_page_queries_do_not_grow(client, org, admin_a, django_assert_max_num_queries):
    for i in range(30):
        make(org, first_name=f"Person{i}", tags=["x"])
    client.force_login(admin_a)
    client.get("/o/riverside/contacts/")
    with django_assert_max_num_queries(10):
        response = client.get("/o/riverside/contacts/?q=person")
    assert len(response.context["contacts"]) == 30


def test_contact_list_offers_its_members_and_tags_and_flags_duplicates(
    client, org, admin_a, admin_b, member_factory
):
    """The filters' choices and the duplicates badge come from one query of JSON arrays."""
    from django.utils.html import escape

    from tests.factories import DuplicatePairFactory

    colleague = member_factory(org, role="fundraiser", user__name="", user__email="zoe@example.org")
    make(org, tags=["major donor"])
    client.force_login(admin_a)
    page = client.get(f"/o/riverside/contacts/?manager={colleague.pk}").content.decode()
    assert f'<option value="{colleague.pk}" selected>zoe@example.org</option>' in page
    assert f'<option value="{admin_a.pk}">{escape(admin_a.name)}</option>' in page
    assert f'value="{admin_b.pk}"' not in page  # another organization's member
    assert "<option>major donor</option>" in page
    assert "to review" not in page
    DuplicatePairFactory(organization=org)
    assert "to review" in client.get("/o/riverside/contacts/").content.decode()


def test_logging_moves_last_interaction_and_validates(org, admin_a):
    contact = make(org)
    earlier = timezone.now() - timedelta(days=3)
    services.interaction_log(
        organization=org,
        contact=contact,
        staff=admin_a,
        channel="email",
        subject="Old",
        occurred_at=earlier,
    )
    contact.refresh_from_db()
    assert contact.last_interaction_at == earlier
    services.interaction_log(
        organization=org, contact=contact, staff=admin_a, channel="phone", subject="New"
    )
    contact.refresh_from_db()
    assert contact.last_interaction_at > earlier
    with pytest.raises(ValidationError) as error:
        services.interaction_log(
            organization=org,
            contact=contact,
            staff=admin_a,
            channel="carrier pigeon",
            subject="",
            kind="complaint",
            occurred_at=timezone.now() + timedelta(days=1),
        )
    assert set(error.value.message_dict) == {
        "channel",
        "subject",
        "complaint_category",
        "occurred_at",
    }
    assert Interaction.objects.count() == 2


def test_follow_ups_overdue_first_and_done(org, admin_a):
    contact = make(org)
    today = timezone.localdate()
    later = services.interaction_log(
        organization=org,
        contact=contact,
        staff=admin_a,
        channel="phone",
        subject="Later",
        follow_up_on=today + timedelta(days=3),
    )
    overdue = services.interaction_log(
        organization=org,
        contact=contact,
        staff=admin_a,
        channel="phone",
        subject="Late",
        follow_up_on=today - timedelta(days=2),
    )
    assert list(selectors.follow_ups_for(organization=org, user=admin_a)) == [overdue, later]
    assert overdue.follow_up_owner == admin_a  # defaults to whoever logged it
    services.follow_up_complete(organization=org, interaction=overdue)
    assert list(selectors.follow_ups_for(organization=org, user=admin_a)) == [later]


def test_timeline_merges_every_source_newest_first_and_pages_by_key(org, admin_a):
    contact = make(org)
    base = timezone.now() - timedelta(days=30)
    for day in range(25):
        services.interaction_log(
            organization=org,
            contact=contact,
            staff=admin_a,
            channel="phone" if day % 2 else "email",
            subject=f"Call {day}",
            occurred_at=base + timedelta(days=day),
        )
    services.consent_record(
        organization=org,
        contact=contact,
        channel="email",
        purpose="donor_updates",
        granted=True,
        source="staff",
    )
    first, cursor = timeline.events(organization=org, contact=contact, limit=10)
    assert first[0].kind == "consent"  # the newest
    assert [e.occurred_at for e in first] == sorted((e.occurred_at for e in first), reverse=True)
    second, cursor2 = timeline.events(organization=org, contact=contact, limit=10, before=cursor)
    third, cursor3 = timeline.events(organization=org, contact=contact, limit=10, before=cursor2)
    everything = first + second + third
    assert len(everything) == 27 and cursor3 is None  # 25 calls, a consent, "record created"
    assert len({(e.kind, e.key) for e in everything}) == 27
    phone_only, _ = timeline.events(organization=org, contact=contact, limit=50, channel="phone")
    assert {e.channel for e in phone_only} == {"phone"}
    consents, _ = timeline.events(organization=org, contact=contact, limit=50, kinds=["consent"])
    assert [e.kind for e in consents] == ["consent"]


def _with_everything(org, contact, admin):
    """A long history from every timeline source, tags, consents, feedback and links to others."""
    InteractionFactory.create_batch(40, contact=contact, organization=org, staff=admin)
    profile = VolunteerProfileFactory(contact=contact)
    for n in range(3):
        trust = services.contact_create(
            organization=org, kind="organization", organization_name=f"Trust {n}"
        )
        RelationshipFactory(organization=org, person=contact, related=trust)
        ConsentFactory(contact=contact, channel="email", purpose="donor_updates", granted=n != 1)
        FeedbackFactory(contact=contact, comment=f"Comment {n}")
        GiftFactory(contact=contact, amount=Decimal("25.50"), description=f"Gift {n}")
        AcknowledgmentFactory(contact=contact)
        AssignmentFactory(shift__opportunity__organization=org, profile=profile)
    services.contact_set_tags(organization=org, contact=contact, names=["major donor", "choir"])
    ComplaintCategory.objects.create(organization=org, name="Late parcel")


CONTACT_PAGE_QUERIES = (
    5  # user, membership (session and organization: Redis); contact, lists, timeline
)


def test_contact_page_and_timeline_queries_are_constant(
    client, org, admin_a, django_assert_num_queries
):
    """Issue 21: the page in at most 8 queries, the same for a new contact and a long history."""
    typical, heavy = make(org), make(org, first_name="Hana")
    InteractionFactory.create_batch(8, contact=typical, organization=org, staff=admin_a)
    _with_everything(org, heavy, admin_a)
    client.force_login(admin_a)
    client.get(f"/o/riverside/contacts/{typical.pk}/")
    for contact in (typical, heavy):
        with django_assert_num_queries(CONTACT_PAGE_QUERIES):
            response = client.get(f"/o/riverside/contacts/{contact.pk}/")
    assert len(response.context["events"]) == 20 and response.context["next_cursor"]
    page = response.content.decode()
    assert "Trust 2" in page and "major donor" in page and "Late parcel" in page
    assert f'hx-get="/o/riverside/contacts/{heavy.pk}/panels/"' in page
    kinds = {event.kind for event in response.context["events"]}
    assert {"interaction", "consent", "feedback", "thank-you", "volunteer_shift"} <= kinds
    with django_assert_num_queries(CONTACT_PAGE_QUERIES - 1):  # no lists: the timeline only
        more = client.get(
            f"/o/riverside/contacts/{heavy.pk}/timeline/?before={response.context['next_cursor']}"
        )
    assert len(more.context["events"]) == 20
    assert (
        client.get(f"/o/riverside/contacts/{heavy.pk}/timeline/?before=garbage").status_code == 200
    )


def test_the_one_query_timeline_is_the_sources_merged(org, admin_a):
    """Every event as each source builds it, newest first, paged by key without gaps or repeats."""
    contact = make(org)
    _with_everything(org, contact, admin_a)
    everything, cursor, pages = [], None, 0
    while True:
        page, cursor = timeline.events(
            organization=org, contact=contact, limit=7, before=cursor, role=Role.ADMIN
        )
        everything += page
        pages += 1
        if cursor is None:
            break
    keys = [event.sort_key for event in everything]
    rows = sum(
        model.objects.filter(organization=org, **{field: contact}).count()
        for model, field in (
            (Interaction, "contact"),
            (Consent, "contact"),
            (Feedback, "contact"),
            (ContactEvent, "contact"),
            (Gift, "contact"),
            (Acknowledgment, "contact"),
            (Assignment, "profile__contact"),
        )
    )
    assert keys == sorted(keys, reverse=True) and len(set(keys)) == len(keys) == rows
    assert pages == -(-rows // 7) and rows >= 40 + 5 * 3
    gift = next(event for event in everything if event.kind == "gift")
    assert "25.50" in gift.title and gift.meta == {"all_day": True}
    call = next(event for event in everything if event.kind == "interaction")
    assert call.channel_label == "Phone" and call.badge == "Inbound"
    assert call.meta["staff"] == str(admin_a) and call.url.endswith(f"/interactions/{call.key}/")
    withdrawn = [e.title for e in everything if e.kind == "consent" and "Withdrew" in e.title]
    assert withdrawn == ["Withdrew donor updates by email"]


def test_the_panels_load_after_the_page_for_the_roles_they_name(client, org, member_factory):
    """The apps' panels come with htmx (a fragment) or as a page of their own without JavaScript;
    each still shows only to the roles it names."""
    donor = make(org)
    GiftFactory(contact=donor, amount=Decimal("1250"))
    Contact.objects.filter(pk=donor.pk).update(is_donor=True)
    url = f"/o/riverside/contacts/{donor.pk}/panels/"
    client.force_login(member_factory(org, role=Role.FUNDRAISER))
    page = client.get(f"/o/riverside/contacts/{donor.pk}/").content.decode()
    assert f'href="{url}"' in page  # the link without JavaScript
    fragment = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert fragment.startswith('<div id="contact-panels">') and "1,250.00" in fragment
    full = client.get(url).content.decode()
    assert "<html" in full and "1,250.00" in full and "Back to their record" in full
    client.force_login(member_factory(org, role=Role.CASEWORKER))
    assert "1,250.00" not in client.get(url).content.decode()


@pytest.mark.parametrize(
    "data",
    [
        None,
        {"channel": "email", "subject": '<b>Hi</b> & "you"', "notes": "a\n<i>b</i>", "kind": "x"},
    ],
)
def test_the_quick_log_widgets_written_in_python_are_djangos_html(org, admin_a, data):
    """Same HTML as Django's widget templates (attributes, escaping, errors, choices)."""
    ComplaintCategory.objects.create(organization=org, name="Rude <staff>")
    form = InteractionForm(data, organization=org)
    form.is_valid() if data else None
    fast = [str(form[name]) for name in form.fields]
    for field in form.fields.values():
        field.widget.__class__ = field.widget.__class__.__mro__[2]  # Django's own widget class
    for name, html in zip(form.fields, fast, strict=True):
        assert html == str(form[name]), name
    assert "Rude &lt;staff&gt;" in "".join(fast)


def test_another_organizations_panels_are_a_404(client, org, admin_b):
    contact = make(org)
    client.force_login(admin_b)
    assert client.get(f"/o/riverside/contacts/{contact.pk}/panels/").status_code == 404
    assert client.get(f"/o/hope/contacts/{contact.pk}/panels/").status_code == 404


def test_quick_log_with_htmx_returns_the_entry_or_the_errors(client, org, admin_a):
    contact = make(org)
    client.force_login(admin_a)
    url = f"/o/riverside/contacts/{contact.pk}/log/"
    response = client.post(
        url,
        {
            "channel": "phone",
            "direction": "inbound",
            "subject": "Asked about volunteering",
            "kind": "conversation",
        },
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert (
        b"Asked about volunteering" in response.content
        and b'hx-swap-oob="true"' in response.content
    )
    response = client.post(
        url,
        {"channel": "phone", "direction": "inbound", "subject": "", "kind": "conversation"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200 and response["HX-Retarget"] == "#quick-log"
    assert b"Write a subject or a note." in response.content
    assert Interaction.objects.count() == 1


def test_viewers_read_but_do_not_write(client, org, member_factory):
    contact = make(org)
    client.force_login(member_factory(org, role=Role.VIEWER))
    assert client.get(f"/o/riverside/contacts/{contact.pk}/").status_code == 200
    assert (
        client.post(f"/o/riverside/contacts/{contact.pk}/log/", {"subject": "x"}).status_code == 403
    )
    assert client.get("/o/riverside/contacts/new/").status_code == 403


def may_send_an_update(org, contact):
    return sending.decide(
        organization=org, contact=contact, channel="email", purpose="donor_updates"
    ).allowed


def test_consent_is_append_only_and_honoured(org):
    contact = make(org, email="fatima@example.org")
    assert not may_send_an_update(org, contact)
    consent = services.consent_record(
        organization=org,
        contact=contact,
        channel="email",
        purpose="donor_updates",
        granted=True,
        source="form",
        wording="Yes, monthly news",
    )
    assert may_send_an_update(org, contact)
    consent.granted = False
    with pytest.raises(ValueError):
        consent.save()
    services.consent_record(
        organization=org,
        contact=contact,
        channel="email",
        purpose="donor_updates",
        granted=False,
        source="unsubscribe",
    )
    assert not may_send_an_update(org, contact)
    assert Consent.objects.count() == 2
    services.consent_record(
        organization=org,
        contact=contact,
        channel="email",
        purpose="donor_updates",
        granted=True,
        source="staff",
    )
    for flag in ("do_not_contact", "deceased"):
        setattr(contact, flag, True)
        assert not may_send_an_update(org, contact)
        setattr(contact, flag, False)


def test_feedback_scores_in_range(org, admin_a):
    contact = make(org)
    with pytest.raises(ValidationError):
        services.feedback_record(organization=org, contact=contact, measure="csat", score=6)
    services.feedback_record(
        organization=org, contact=contact, measure="ces", score=7, recorded_by=admin_a
    )
    assert Feedback.objects.get().score == 7


def test_feedback_through_the_emailed_link(client, org, admin_a):
    contact = make(org)
    interaction = services.interaction_log(
        organization=org, contact=contact, staff=admin_a, channel="phone", subject="Help"
    )
    token = services.feedback_link_token(organization=org, interaction=interaction)
    url = f"/o/riverside/feedback/{token}/"
    page = client.get(url + "?score=4")
    assert page.status_code == 200 and b'value="4" checked' in page.content
    assert not Feedback.objects.exists()  # a mail scanner opening the link records nothing
    assert client.post(url, {"score": 4, "comment": "Quick and kind"}).status_code == 200
    assert client.post(url, {"score": 5}).status_code == 200  # changing one's mind replaces
    [feedback] = Feedback.objects.all()
    assert (feedback.score, feedback.by_contact, feedback.interaction) == (5, True, interaction)
    assert client.get(f"/o/riverside/feedback/{token[:-3]}abc/").status_code == 400
    assert client.post(url, {"score": 9}).status_code == 200 and Feedback.objects.get().score == 5


def test_a_duplicate_is_flagged_and_merged_with_everything(org, admin_a):
    keep = make(org, email="fatima@example.org", tags=["donor"])
    remove = make(
        org,
        first_name="Fatma",
        email="fatima@example.org",
        phone="020 7946 0958",
        tags=["volunteer"],
    )
    pair = DuplicatePair.objects.get()
    assert pair.reasons == "email"
    InteractionFactory.create_batch(3, contact=remove, organization=org)
    services.consent_record(
        organization=org,
        contact=remove,
        channel="post",
        purpose="appeals",
        granted=True,
        source="staff",
    )
    services.contact_merge(organization=org, keep=keep, remove=remove, actor=admin_a)
    keep.refresh_from_db()
    remove.refresh_from_db()
    assert keep.phone == "+442079460958"  # blanks filled from the other record
    assert Interaction.objects.filter(contact=keep).count() == 3
    assert Consent.objects.filter(contact=keep).count() == 1
    assert set(ContactTag.objects.filter(contact=keep).values_list("tag__name", flat=True)) == {
        "donor",
        "volunteer",
    }
    assert remove.merged_into == keep
    assert ContactEvent.objects.filter(contact=keep, kind="merged").exists()
    pair.refresh_from_db()
    assert pair.status == "merged"
    assert selectors.contact_get(organization=org, contact_id=remove.pk) == keep
    with pytest.raises(ValidationError):
        services.contact_merge(organization=org, keep=keep, remove=remove, actor=admin_a)


def test_merge_through_the_review_page(client, org, admin_a):
    a = make(org, email="same@example.org")
    b = make(org, first_name="Fatimah", email="same@example.org")
    pair = DuplicatePair.objects.get()
    client.force_login(admin_a)
    page = client.get(f"/o/riverside/contacts/duplicates/{pair.pk}/")
    assert b"Are these the same person?" in page.content
    response = client.post(
        f"/o/riverside/contacts/duplicates/{pair.pk}/", {"action": "merge", "keep": b.pk}
    )
    assert response["Location"] == f"/o/riverside/contacts/{b.pk}/"
    a.refresh_from_db()
    assert a.merged_into == b


def test_erase_anonymises_and_export_holds_everything(client, org, admin_a):
    contact = make(org, email="fatima@example.org", notes="Allergic to nuts", tags=["vip"])
    services.interaction_log(
        organization=org,
        contact=contact,
        staff=admin_a,
        channel="phone",
        subject="Talked about her son",
        notes="Private",
    )
    client.force_login(admin_a)
    data = client.get(f"/o/riverside/contacts/{contact.pk}/data/").json()
    assert data["contact"]["email"] == "fatima@example.org" and data["tags"] == ["vip"]
    assert data["interactions"][0]["subject"] == "Talked about her son"
    pdf = client.get(f"/o/riverside/contacts/{contact.pk}/data/?format=pdf")
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")

    assert (
        client.post(f"/o/riverside/contacts/{contact.pk}/erase/", {"confirm": "wrong"}).status_code
        == 200
    )
    client.post(f"/o/riverside/contacts/{contact.pk}/erase/", {"confirm": "Fatima Adeyemi"})
    contact.refresh_from_db()
    assert (
        contact.erased_at
        and contact.email == ""
        and contact.notes == ""
        and "Fatima" not in contact.name
    )
    interaction = Interaction.objects.get()
    assert (interaction.subject, interaction.notes) == ("Erased", "")
    assert not ContactTag.objects.exists()
    assert list(selectors.contact_search(organization=org, query="fatima")) == []


def test_erase_and_export_are_for_admins(client, org, member_factory):
    contact = make(org)
    client.force_login(member_factory(org, role=Role.FUNDRAISER))
    assert client.get(f"/o/riverside/contacts/{contact.pk}/data/").status_code == 403
    assert (
        client.post(
            f"/o/riverside/contacts/{contact.pk}/erase/", {"confirm": contact.name}
        ).status_code
        == 403
    )


def test_csv_export_defuses_formulas(client, org, admin_a):
    make(org, first_name='=HYPERLINK("http://evil")', last_name="+1", notes="-2")
    client.force_login(admin_a)
    body = b"".join(client.get("/o/riverside/contacts/export.csv").streaming_content).decode()
    assert body.startswith("\ufeffid,kind,first_name")
    assert "'=HYPERLINK" in body and ",'+1," in body


def test_dashboard_cards(client, org, admin_a):
    contact = make(org)
    category = ComplaintCategory.objects.create(organization=org, name="Waiting time")
    services.interaction_log(
        organization=org, contact=contact, staff=admin_a, channel="phone", subject="a"
    )
    services.interaction_log(
        organization=org,
        contact=contact,
        staff=admin_a,
        channel="phone",
        subject="b",
        kind="complaint",
        complaint_category=category,
        follow_up_on=timezone.localdate() - timedelta(days=1),
    )
    services.feedback_record(organization=org, contact=contact, measure="csat", score=4)
    services.feedback_record(organization=org, contact=contact, measure="csat", score=5)
    client.force_login(admin_a)
    response = client.get("/o/riverside/")
    figures = response.context["figures"]
    assert figures["by_channel"] == {"phone": 2}
    assert figures["follow_ups"] == {"open": 1, "overdue": 1, "mine": 1}
    assert figures["scores"]["csat"] == 4.5
    assert figures["complaints"][0]["complaint_category__name"] == "Waiting time"
    assert b"<svg" in response.content


def test_quick_log_without_javascript_shows_the_page_with_errors(client, org, admin_a):
    contact = make(org)
    client.force_login(admin_a)
    response = client.post(f"/o/riverside/contacts/{contact.pk}/log/", {"channel": "phone"})
    assert response.status_code == 422
    assert b"Fatima Adeyemi" in response.content and b"This field is required" in response.content
    response = client.post(
        f"/o/riverside/contacts/{contact.pk}/log/",
        {
            "channel": "phone",
            "direction": "outbound",
            "subject": "Rang back",
            "kind": "conversation",
        },
    )
    assert response.status_code == 302 and Interaction.objects.get().subject == "Rang back"


def test_link_a_person_to_an_organization_from_the_page(client, org, admin_a):
    person = make(org)
    trust = services.contact_create(
        organization=org, kind="organization", organization_name="Acme Trust"
    )
    client.force_login(admin_a)
    client.post(
        f"/o/riverside/contacts/{person.pk}/relationships/",
        {"related": trust.pk, "kind": "trustee", "role_title": "Treasurer"},
    )
    page = client.get(f"/o/riverside/contacts/{trust.pk}/")
    assert b"Fatima Adeyemi" in page.content and b"Treasurer" in page.content
    [relationship] = selectors.contact_relationships(organization=org, contact=person)
    client.post(f"/o/riverside/relationships/{relationship.pk}/remove/", {"contact": person.pk})
    assert not selectors.contact_relationships(organization=org, contact=person).exists()


def test_letters_without_accents_fold_too(org):
    soren = make(org, first_name="Søren", last_name="Jørgensen")
    lukasz = make(org, first_name="Łukasz", last_name="Wałęsa")
    assert soren.search_name == "soren jorgensen" and lukasz.search_name == "lukasz walesa"
    assert list(selectors.contact_search(organization=org, query="Soren Jorgensen")) == [soren]
    assert list(selectors.contact_search(organization=org, query="lukasz")) == [lukasz]


def test_word_starts_come_before_fuzzy_matches(org):
    fatima = make(org)
    fatma = make(org, first_name="Fatma", last_name="Aydin")
    # Typing the start of a word lists those names, alphabetically.
    assert list(selectors.contact_search(organization=org, query="fat")) == [fatima, fatma]
    assert list(selectors.contact_search(organization=org, query="xylophone")) == []
    assert list(selectors.contact_search(organization=org, query="adey")) == [fatima]
    # Nothing starts with it: the closest whole names, best first.
    assert selectors.contact_search(organization=org, query="Fatma Adeymi").first() == fatima
