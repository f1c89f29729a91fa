"""Content in each person's language, on the public side: help-centre articles (searched in each
version's own language), volunteer opportunities (signup portal, emails) and the signup form's
texts and consent words. Staff add a version from the original and see what is missing."""

import re

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import translation
from django_scopes import scopes_disabled

from clients import selectors as client_selectors
from clients import services as client_services
from clients.models import Article, ArticleVote
from stakeholders.content_versions import choose, translation_add
from stakeholders.models import Consent, Contact, Role
from stakeholders.tenancy.models import organization_scope
from tests.factories import (
    ArticleCategoryFactory,
    ArticleFactory,
    MembershipFactory,
    OpportunityFactory,
)
from volunteers import selectors as volunteer_selectors
from volunteers import services as volunteer_services
from volunteers.models import Opportunity, PendingSignup, VolunteerSettings

pytestmark = pytest.mark.django_db

PERSIAN_TITLE = "درخواست بسته غذایی"
PERSIAN_BODY = "برای درخواست بسته غذایی مدرک نشانی خود را بیاورید."
KHMER_TITLE = "ការស្នើសុំកញ្ចប់អាហារ"
KHMER_BODY = "សូមយកឯកសារបញ្ជាក់អាសយដ្ឋានមកជាមួយ។"


@pytest.fixture(autouse=True)
def english_afterwards():
    """A visitor's request leaves its language active in this thread: the next tests read
    English again."""
    yield
    translation.activate("en")


@pytest.fixture
def org(org_a, settings):
    settings.CLIENTS_FORM_MIN_SECONDS = 0
    settings.VOLUNTEER_SIGNUP_MIN_SECONDS = 0
    volunteer_selectors._LOCAL_OPTIONS.clear()
    org_a.language = "en"
    org_a.other_languages = ["fa", "km"]
    org_a.save()
    with organization_scope(org_a):
        yield org_a


@pytest.fixture
def caseworker(org):
    return MembershipFactory(organization=org, role=Role.CASEWORKER).user


@pytest.fixture
def coordinator(org):
    return MembershipFactory(organization=org, role=Role.VOLUNTEER_COORDINATOR).user


def _article(org, actor, title="Applying for food parcels", body="Bring proof of address."):
    category = ArticleCategoryFactory(organization=org, name="Food")
    article = ArticleFactory.build(organization=org, category=category, title=title, body=body)
    return client_services.article_save(organization=org, article=article, actor=actor)


def _translate(org, article, language, title, body, actor=None):
    version = client_services.article_translation_add(
        organization=org, article=article, language=language, actor=actor
    )
    assert version.original_id == article.pk and not version.is_published
    assert version.body == article.body  # starts as the original's text
    version.title, version.body, version.is_published = title, body, True
    return client_services.article_save(organization=org, article=version, actor=actor)


# --- Help-centre articles --------------------------------------------------------------------


def test_article_versions_are_chosen_searched_and_counted_once(org, caseworker):
    article = _article(org, caseworker)
    persian = _translate(org, article, "fa", PERSIAN_TITLE, PERSIAN_BODY)
    khmer = _translate(org, article, "km", KHMER_TITLE, KHMER_BODY)

    # lists and counts: one article
    assert list(client_selectors.published_articles(organization=org)) == [article]
    assert [a.pk for a in client_selectors.article_stats(organization=org)] == [article.pk]
    [(_category, shown)] = client_selectors.help_categories(organization=org, language="fa")
    assert [a.pk for a in shown] == [persian.pk]
    # a reader of another language gets the organization's version
    [(_category, shown)] = client_selectors.help_categories(organization=org, language="es")
    assert [a.pk for a in shown] == [article.pk]

    def search(query, language, prefix=False):
        return [
            a.pk
            for a in client_selectors.article_search(
                organization=org, query=query, language=language, prefix=prefix
            )
        ]

    assert search("بسته غذایی", "fa") == [persian.pk]  # Persian words, Persian version
    assert search("کنجکاو", "fa") == []
    assert search("អាហារ", "km") == [khmer.pk]  # a Khmer word inside an unspaced phrase
    assert search("អាហ", "km", prefix=True) == [khmer.pk]  # suggestions as they type
    assert search("applied parcels", "en") == [article.pk]  # English stems
    assert search("applied parcels", "fa") == [persian.pk]  # found in English, shown in Persian
    # votes on a version count on the article
    client_services.article_vote(organization=org, article=persian, helpful=True)
    article.refresh_from_db()
    persian.refresh_from_db()
    assert (article.helpful_count, persian.helpful_count) == (1, 0)
    assert ArticleVote.objects.get().article_id == article.pk


def test_a_persian_visitor_finds_and_reads_the_persian_version(org, caseworker):
    article = _article(org, caseworker)
    persian = _translate(org, article, "fa", PERSIAN_TITLE, PERSIAN_BODY)
    visitor = Client(HTTP_ACCEPT_LANGUAGE="fa")
    response = visitor.get("/o/riverside/help/", {"q": "بسته غذایی"})
    assert [a.pk for a in response.context["results"]] == [persian.pk]
    assert PERSIAN_TITLE in response.content.decode()
    page = visitor.get(f"/o/riverside/help/articles/{persian.pk}/").content.decode()
    assert PERSIAN_BODY in page and 'lang="fa" dir="rtl"' in page
    assert f"/help/articles/{article.pk}/" in page  # "this article in other languages"
    # an English visitor gets the English one; a miss is still an unmet need
    english = Client(HTTP_ACCEPT_LANGUAGE="en").get("/o/riverside/help/", {"q": "parcels"})
    assert [a.pk for a in english.context["results"]] == [article.pk]
    visitor.get("/o/riverside/help/", {"q": "ویلچر"})
    unmet = client_selectors.unmet_searches(organization=org, since=article.created_at)
    assert [row["query"] for row in unmet] == ["ویلچر"]
    suggest = visitor.get("/o/riverside/help/suggest/", {"subject": "بسته غذ"})
    assert PERSIAN_TITLE in suggest.content.decode()


def test_an_unpublished_version_is_not_shown(org, caseworker):
    article = _article(org, caseworker)
    version = client_services.article_translation_add(
        organization=org, article=article, language="fa", actor=caseworker
    )
    visitor = Client(HTTP_ACCEPT_LANGUAGE="fa")
    [(_category, shown)] = client_selectors.help_categories(organization=org, language="fa")
    assert [a.pk for a in shown] == [article.pk]
    assert visitor.get(f"/o/riverside/help/articles/{version.pk}/").status_code == 404


def test_staff_add_an_article_version_and_see_what_is_missing(client, org, caseworker, org_b):
    article = _article(org, caseworker)
    client.force_login(caseworker)
    page = client.get(f"/o/riverside/clients/articles/{article.pk}/").content.decode()
    assert (
        "/translations/" in page
        and 'name="language" value="fa"' in page
        and 'name="language" value="km"' in page
    )
    listing = client.get("/o/riverside/clients/articles/").content.decode()
    assert "fa, km" in listing  # the row's marker of missing languages
    response = client.post(
        f"/o/riverside/clients/articles/{article.pk}/translations/", {"language": "fa"}
    )
    version = Article.objects.get(original=article)
    assert response.status_code == 302
    assert response["Location"] == f"/o/riverside/clients/articles/{version.pk}/"
    assert version.language == "fa" and version.title == article.title
    page = client.get(response["Location"]).content.decode()
    assert 'name="language" value="km"' in page and 'name="language" value="fa"' not in page
    # twice the same language: refused; lists still count one article
    client.post(f"/o/riverside/clients/articles/{article.pk}/translations/", {"language": "fa"})
    assert Article.objects.filter(original=article).count() == 1
    assert len(client_selectors.article_stats(organization=org)) == 1
    # another organization's article can't be translated
    with scopes_disabled():
        theirs = ArticleFactory(category__organization=org_b)
    response = client.post(
        f"/o/riverside/clients/articles/{theirs.pk}/translations/", {"language": "fa"}
    )
    assert response.status_code == 404
    with scopes_disabled():
        assert not Article.objects.filter(original=theirs).exists()


def test_the_api_lists_originals_and_shows_versions(org, caseworker):
    from rest_framework.test import APIClient

    article = _article(org, caseworker)
    persian = _translate(org, article, "fa", PERSIAN_TITLE, PERSIAN_BODY)
    api = APIClient()
    api.force_authenticate(caseworker)
    listed = api.get("/api/v1/o/riverside/articles/").json()
    rows = listed["results"] if isinstance(listed, dict) else listed
    assert [(r["id"], r["language"], r["original"]) for r in rows] == [(article.pk, "en", None)]
    versions = api.get(f"/api/v1/o/riverside/articles/?original={article.pk}").json()
    rows = versions["results"] if isinstance(versions, dict) else versions
    assert [(r["id"], r["language"]) for r in rows] == [(persian.pk, "fa")]


# --- Volunteer opportunities -----------------------------------------------------------------


def test_opportunity_versions_for_readers_lists_and_emails(org, coordinator):
    kitchen = OpportunityFactory(organization=org, title="Kitchen help", description="Cook.")
    persian = translation_add(kitchen, language="fa", title="کمک در آشپزخانه")
    assert persian.title == "کمک در آشپزخانه" and persian.description == "Cook."
    # a translation may keep the original's title; two originals may not share one
    translation_add(kitchen, language="km")
    with pytest.raises(ValidationError):
        translation_add(kitchen, language="fa")
    assert [o.pk for o in volunteer_selectors.opportunities(organization=org)] == [kitchen.pk]
    chosen = volunteer_selectors.opportunity_versions(
        organization=org, language="fa", ids=[kitchen.pk]
    )
    assert chosen[kitchen.pk].pk == persian.pk
    assert choose(kitchen, "es").pk == kitchen.pk  # another language: the organization's


def test_staff_add_an_opportunity_version_and_edit_it(client, org, coordinator, org_b):
    kitchen = OpportunityFactory(organization=org, title="Kitchen help")
    client.force_login(coordinator)
    page = client.get(f"/o/riverside/volunteers/opportunities/{kitchen.pk}/").content.decode()
    assert 'name="language" value="fa"' in page and 'name="language" value="km"' in page
    assert "fa, km" in client.get("/o/riverside/volunteers/opportunities/").content.decode()
    response = client.post(
        f"/o/riverside/volunteers/opportunities/{kitchen.pk}/translations/", {"language": "fa"}
    )
    version = Opportunity.objects.get(original=kitchen)
    assert response["Location"] == f"/o/riverside/volunteers/opportunities/{version.pk}/"
    response = client.post(
        response["Location"],
        {"action": "save", "title": "کمک در آشپزخانه", "description": "آشپزی", "location": ""},
    )
    version.refresh_from_db()
    assert response.status_code == 302 and version.title == "کمک در آشپزخانه"
    assert (
        client.get("/o/riverside/volunteers/opportunities/").context["opportunities"].count() == 1
    )
    with scopes_disabled():
        theirs = OpportunityFactory(organization=org_b)
    response = client.post(
        f"/o/riverside/volunteers/opportunities/{theirs.pk}/translations/", {"language": "fa"}
    )
    assert response.status_code == 404
    client.post(f"/o/riverside/volunteers/opportunities/{version.pk}/", {"action": "delete"})
    assert not Opportunity.objects.filter(original=kitchen).exists()


# --- The signup form's texts and consent words -----------------------------------------------


def _signup(client, **data):
    page = client.get("/o/riverside/volunteer/")
    started = re.search(rb'name="started" value="([^"]+)"', page.content).group(1).decode()
    form = {
        "first_name": "Dara",
        "last_name": "Rahimi",
        "email": "dara@example.org",
        "consent": "on",
        "started": started,
        **data,
    }
    return page, client.post("/o/riverside/volunteer/", form)


def test_the_signup_form_speaks_the_visitors_language_and_keeps_what_they_agreed_to(
    org, coordinator, django_capture_on_commit_callbacks
):
    staff = Client()
    staff.force_login(coordinator)
    settings_page = staff.get("/o/riverside/volunteers/settings/").content.decode()
    assert 'name="consent_wording_fa"' in settings_page and 'lang="km"' in settings_page
    response = staff.post(
        "/o/riverside/volunteers/settings/",
        {
            "hourly_rate": "10",
            "signup_intro": "Join us!",
            "consent_wording": "You may keep my details.",
            "signup_intro_fa": "به ما بپیوندید!",
            "consent_wording_fa": "می‌توانید اطلاعات مرا نگه دارید.",
            "signup_intro_km": "",
            "consent_wording_km": "",
        },
    )
    assert response.status_code == 302
    config = VolunteerSettings.objects.get()
    assert config.translated("consent_wording", "fa") == "می‌توانید اطلاعات مرا نگه دارید."
    assert config.missing_languages() == ["km"]
    assert "km" in staff.get("/o/riverside/volunteers/settings/").content.decode()

    visitor = Client(HTTP_ACCEPT_LANGUAGE="fa")
    with django_capture_on_commit_callbacks(execute=True):
        page, _sent = _signup(visitor)
    assert "به ما بپیوندید!" in page.content.decode()
    assert "می‌توانید اطلاعات مرا نگه دارید." in page.content.decode()
    english = Client(HTTP_ACCEPT_LANGUAGE="es").get("/o/riverside/volunteer/").content.decode()
    assert "You may keep my details." in english  # no Spanish version: the default

    pending = PendingSignup.objects.get()
    assert pending.data["consent_wording"] == "می‌توانید اطلاعات مرا نگه دارید."
    volunteer_services.signup_confirm(organization=org, pending=pending)
    contact = Contact.objects.get(email="dara@example.org")
    assert Consent.objects.get(contact=contact).wording == "می‌توانید اطلاعات مرا نگه دارید."


def test_the_help_centre_costs_the_same_queries_whatever_the_number_of_versions(org, caseworker):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    category = ArticleCategoryFactory(organization=org, name="Food")
    visitor = Client(HTTP_ACCEPT_LANGUAGE="fa")

    def add(count):
        for n in range(count):
            article = client_services.article_save(
                organization=org,
                article=ArticleFactory.build(
                    organization=org, category=category, title=f"Parcels {n} {count}", is_faq=True
                ),
                actor=caseworker,
            )
            _translate(org, article, "fa", f"{PERSIAN_TITLE} {n} {count}", PERSIAN_BODY)

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert visitor.get("/o/riverside/help/", {"q": "بسته"}).status_code == 200
        return len(captured)

    add(2)
    queries()  # (the first request caches the organization)
    few = queries()
    add(5)
    assert queries() == few
