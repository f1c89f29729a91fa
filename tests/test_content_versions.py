"""Content in each person's language (stakeholders.content_versions): a version per language of
thank-you templates, impact stories and donor updates; each reader gets theirs, else the
organization's; lists count originals; staff see and add the missing languages."""

from datetime import timedelta
from decimal import Decimal
from urllib.parse import urlsplit

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation

from donors import selectors as donor_selectors
from donors import services as donor_services
from donors import updates
from donors.models import DonorUpdate, ImpactStory
from stakeholders import services as stakeholder_services
from stakeholders.content_versions import (
    choose,
    in_language,
    languages_panel,
    originals,
    translation_add,
)
from stakeholders.models import Role
from stakeholders.tenancy.models import organization_scope
from tests.factories import (
    ContactFactory,
    DonorUpdateFactory,
    ImpactStoryFactory,
    ThankYouTemplateFactory,
)
from thankyous import selectors as thankyou_selectors
from thankyous import services as thankyou_services
from thankyous.models import Rule, ThankYouTemplate

pytestmark = pytest.mark.django_db


@pytest.fixture
def org(org_a):
    org_a.other_languages = ["fr", "fa", "km"]
    org_a.save()
    with organization_scope(org_a):
        yield org_a


@pytest.fixture
def staff(client, org, member_factory):
    client.force_login(member_factory(org, role=Role.FUNDRAISER))
    return client


# --- The core ---------------------------------------------------------------------------------


def test_a_translation_starts_from_the_original_and_only_once_per_language(org):
    story = ImpactStoryFactory(organization=org, title="Forty families fed")
    assert story.language == "en"  # empty → the organization's language
    french = translation_add(story, language="fr", title="Quarante familles nourries")
    assert french.original == story and french.language == "fr"
    assert french.body == story.body  # the text to translate is there
    assert translation_add(french, language="fa").original == story  # a version of the root
    for language in ("fr", "en", "xx"):
        with pytest.raises(ValidationError):
            translation_add(story, language=language)
    with pytest.raises(IntegrityError), transaction.atomic():  # the database says so too
        ImpactStory.objects.create(organization=org, original=story, language="fr", **_text())
    story.language = "fr"  # the original moved into a translation's language
    with pytest.raises(ValidationError):
        story.full_clean()


def _text():
    return {"title": "x", "body": "y", "published_on": timezone.localdate()}


def test_each_reader_gets_theirs_else_the_organizations_language(org):
    story = ImpactStoryFactory(organization=org, title="Forty families fed")
    translation_add(story, language="fr", title="Quarante familles nourries")
    [loaded] = originals(ImpactStory.objects.filter(organization=org))
    assert choose(loaded, "fr").title == "Quarante familles nourries"
    assert choose(loaded, "es").title == "Forty families fed"
    assert choose(None, "fr") is None
    # Written first in Persian, translated into the organization's English: an English, a
    # Spanish reader get the English one, a Persian reader the original.
    persian = ImpactStoryFactory(organization=org, language="fa", title="چهل خانواده")
    translation_add(persian, language="en", title="Forty more")
    [_first, loaded] = sorted(
        originals(ImpactStory.objects.filter(organization=org)), key=lambda story: story.pk
    )
    assert [choose(loaded, code).title for code in ("en", "es", "fa")] == [
        "Forty more",
        "Forty more",
        "چهل خانواده",
    ]


def test_lists_count_originals_in_a_constant_number_of_queries(org, django_assert_num_queries):
    for number in range(3):
        story = ImpactStoryFactory(organization=org, title=f"Story {number}")
        translation_add(story, language="fr")
        translation_add(story, language="km")
    with django_assert_num_queries(2):  # the originals, then every translation at once
        stories = in_language(ImpactStory.objects.filter(organization=org), "km")
    assert len(stories) == 3 and {story.language for story in stories} == {"km"}
    with django_assert_num_queries(2):
        rows = originals(ImpactStory.objects.filter(organization=org))
        assert [story.missing_languages() for story in rows] == [["fa"]] * 3


def test_the_panel_names_present_and_missing_languages_in_the_readers_language(org):
    template = ThankYouTemplateFactory(organization=org)
    persian = translation_add(template, language="fa")
    with translation.override("en"):
        panel = languages_panel(
            persian, edit_url=lambda version: f"/edit/{version.pk}", add_url="/add/"
        )
    assert [(v["code"], v["is_original"], v["is_current"]) for v in panel["versions"]] == [
        ("en", True, False),
        ("fa", False, True),
    ]
    assert panel["versions"][1]["name"] == "Persian" and panel["versions"][1]["native"] == "فارسی"
    assert panel["versions"][0]["native"] == ""  # "English (English)" says nothing more
    assert [m["code"] for m in panel["missing"]] == ["fr", "km"] and panel["add_url"] == "/add/"


# --- Thank-you templates ----------------------------------------------------------------------


def test_template_page_shows_the_missing_languages_and_adds_one(staff, org):
    template = ThankYouTemplateFactory(organization=org, name="Riverside standard")
    page = reverse("thankyous:template_edit", args=[org.slug, template.pk])
    body = staff.get(page).content.decode()
    assert 'id="languages-heading"' in body
    assert 'name="language" value="fa"' in body and 'name="language" value="km"' in body
    add = reverse("thankyous:template_translation_add", args=[org.slug, template.pk])
    response = staff.post(add, {"language": "fr"})
    french = ThankYouTemplate.objects.get(original=template)
    assert response.status_code == 302 and response["Location"].endswith(f"/{french.pk}/")
    assert french.email_body == template.email_body and french.language == "fr"
    form = staff.get(response["Location"]).content.decode()
    assert template.email_subject in form and 'name="rule"' not in form  # texts only
    assert staff.post(add, {"language": "fr"}).status_code == 302  # refused, back to the page
    assert ThankYouTemplate.objects.filter(original=template).count() == 1
    listing = staff.get(reverse("thankyous:template_list", args=[org.slug])).content.decode()
    assert listing.count("Riverside standard") == 1 and "fa, km" in listing


def test_the_batch_thanks_each_donor_in_their_language(org, mailbox):
    thankyou_services.ensure_default_templates(organization=org)
    default = ThankYouTemplate.objects.get(rule=Rule.DEFAULT)
    french = translation_add(default, language="fr")
    thankyou_services.template_save(
        organization=org,
        template=french,
        email_subject="Merci, {{ first_name }}",
        email_body="{{ salutation }}, merci pour votre don.",
    )
    for email, language in (("amelie@example.org", "fr"), ("ana@example.org", "es")):
        contact = ContactFactory(
            organization=org, first_name=email[:3], email=email, preferred_language=language
        )
        donor_services.gift_record(
            organization=org,
            contact=contact,
            amount=Decimal("20"),
            received_on=timezone.localdate(),
        )
    assert thankyou_services.run_batch(organization=org)["sent"] == 2
    subjects = {str(m["To"]): str(m["Subject"]) for m in mailbox.messages}
    assert subjects["amelie@example.org"] == "Merci, ame"
    assert subjects["ana@example.org"] == thankyou_services.rendering.render_text(
        default.email_subject, {"first_name": "ana"}
    )
    # The list and the rules know one template; a change of rule reaches the translation.
    assert list(thankyou_selectors.templates(organization=org)).count(french) == 0
    thankyou_services.template_save(organization=org, template=default, is_active=False)
    french.refresh_from_db()
    assert french.is_active is False


def test_the_api_lists_originals_with_their_translations(client, org, admin_a):
    template = ThankYouTemplateFactory(organization=org)
    french = translation_add(template, language="fr")
    client.force_login(admin_a)
    response = client.get(f"/api/v1/o/{org.slug}/thank-you-templates/")
    rows = response.json()
    rows = rows.get("results", rows)
    assert [row["id"] for row in rows] == [template.pk]
    assert rows[0]["translations"] == [french.pk] and rows[0]["language"] == "en"
    detail = client.get(f"/api/v1/o/{org.slug}/thank-you-templates/{french.pk}/").json()
    assert detail["original"] == template.pk and detail["language"] == "fr"


# --- Impact stories ---------------------------------------------------------------------------


def test_the_impact_page_shows_stories_in_the_visitors_language(client, org, staff):
    story = ImpactStoryFactory(organization=org, title="Forty families fed")
    add = reverse("donors:story_translation_add", args=[org.slug, story.pk])
    response = staff.post(add, {"language": "fa"})
    persian = ImpactStory.objects.get(original=story)
    assert response["Location"].endswith(f"/stories/{persian.pk}/")
    form = staff.get(response["Location"]).content.decode()
    assert 'name="title"' in form and 'name="fund"' not in form
    staff.post(response["Location"], {"title": "چهل خانواده سیر شدند", "body": "متن"})
    persian.refresh_from_db()
    assert persian.title == "چهل خانواده سیر شدند"
    funds = staff.get(reverse("donors:fund_list", args=[org.slug])).content.decode()
    assert funds.count("Forty families fed") == 1 and "چهل" not in funds
    assert "fr, km" in funds  # what is still missing

    donor = ContactFactory(organization=org, email="ada@example.org")
    donor_services.gift_record(
        organization=org, contact=donor, amount=Decimal("20"), received_on=timezone.localdate()
    )
    link = urlsplit(donor_services.impact_url(organization=org, contact=donor))
    client.logout()
    persian_page = client.get(f"{link.path}?{link.query}", HTTP_ACCEPT_LANGUAGE="fa")
    assert "چهل خانواده سیر شدند" in persian_page.content.decode()
    spanish_page = client.get(f"{link.path}?{link.query}", HTTP_ACCEPT_LANGUAGE="es")
    assert "Forty families fed" in spanish_page.content.decode()
    stories = donor_selectors.stories_for_funds(organization=org, fund_ids=[], language="es")
    assert [s.title for s in stories] == ["Forty families fed"]


def test_another_organizations_content_cannot_be_translated(client, org, org_b, admin_b):
    story = ImpactStoryFactory(organization=org)
    update = DonorUpdateFactory(organization=org)
    template = ThankYouTemplateFactory(organization=org)
    client.force_login(admin_b)
    for name, pk in (
        ("donors:story_translation_add", story.pk),
        ("donors:update_translation_add", update.pk),
        ("thankyous:template_translation_add", template.pk),
    ):
        response = client.post(reverse(name, args=[org_b.slug, pk]), {"language": "fr"})
        assert response.status_code == 404, name
    assert not ImpactStory.objects.filter(original__isnull=False).exists()


# --- Donor updates ----------------------------------------------------------------------------


def _text_of(message):
    return "".join(
        part.get_payload(decode=True).decode()
        for part in message.walk()
        if part.get_content_maintype() == "text"
    )


def _donor(org, email, language=""):
    contact = ContactFactory(organization=org, email=email, preferred_language=language)
    donor_services.gift_record(
        organization=org, contact=contact, amount=Decimal("20"), received_on=timezone.localdate()
    )
    stakeholder_services.consent_record(
        organization=org,
        contact=contact,
        channel="email",
        purpose="donor_updates",
        granted=True,
        source="form",
    )
    return contact


def test_each_donor_gets_the_update_in_their_language(staff, org, mailbox):
    _donor(org, "amelie@example.org", "fr")
    _donor(org, "ana@example.org", "es")
    story = ImpactStoryFactory(organization=org, title="Forty families fed")
    translation_add(story, language="fr", title="Quarante familles nourries")
    update = DonorUpdateFactory(organization=org, title="Winter news", story=story)
    response = staff.post(
        reverse("donors:update_translation_add", args=[org.slug, update.pk]), {"language": "fr"}
    )
    french = DonorUpdate.objects.get(original=update)
    assert response["Location"].endswith(f"/updates/{french.pk}/")
    staff.post(response["Location"], {"title": "Nouvelles d'hiver", "body": "Merci à vous."})
    french.refresh_from_db()
    assert french.title == "Nouvelles d'hiver" and french.status == DonorUpdate.Status.DRAFT
    listing = staff.get(reverse("donors:update_list", args=[org.slug])).content.decode()
    assert "Winter news" in listing and "Nouvelles" not in listing
    with pytest.raises(ValueError):
        updates.schedule(organization=org, update=french)

    updates.schedule(organization=org, update=update, send_after=timezone.now() - timedelta(1))
    assert updates.next_due(organization=org) == update
    assert updates.send(organization=org, update=update) == 2
    by_donor = {str(m["To"]): m for m in mailbox.messages}
    assert str(by_donor["amelie@example.org"]["Subject"]) == "Nouvelles d'hiver"
    assert "Quarante familles nourries" in _text_of(by_donor["amelie@example.org"])
    assert str(by_donor["ana@example.org"]["Subject"]) == "Winter news"
    # Sent: no translation can be added any more.
    response = staff.post(
        reverse("donors:update_translation_add", args=[org.slug, update.pk]), {"language": "km"}
    )
    assert response.status_code == 404
