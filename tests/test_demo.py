"""The demo in Khmer and Persian: `seed_demo` builds a Phnom Penh and a Tehran organization whose
staff read Steward in their own language, with content written in it (tests/test_platform.py
covers the English demo and the command's refusal outside DEBUG)."""

import re
import time

import pytest
from django.core.management import call_command
from django.test import Client
from django_scopes import scopes_disabled

from stakeholders.models import ComplaintCategory, Contact, Membership, Organization, User
from stakeholders.tenancy.models import organization_scope

LANGUAGES = {"phnompenh": "km", "nan-o-mehr": "fa"}


def _seed(settings):
    settings.DEBUG = True
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    started = time.perf_counter()
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    return time.perf_counter() - started


def _admin(slug):
    membership = Membership.objects.select_related("user").get(
        organization__slug=slug, role="admin"
    )
    client = Client()
    client.force_login(membership.user)
    return client


@pytest.mark.django_db
def test_seed_demo_adds_a_khmer_and_a_persian_organization_and_can_run_twice(settings, capsys):
    from clients.models import Article, ServiceRequest
    from donors.models import Gift, ImpactStory
    from thankyous.models import Acknowledgment, ThankYouTemplate
    from volunteers.models import Opportunity

    first = _seed(settings)
    counts = (Organization.objects.count(), User.objects.count(), Membership.objects.count())
    with scopes_disabled():
        rows = (Contact.objects.count(), Gift.objects.count(), Article.objects.count())
    second = _seed(settings)
    with scopes_disabled():
        assert (Contact.objects.count(), Gift.objects.count(), Article.objects.count()) == rows
    assert (
        Organization.objects.count(),
        User.objects.count(),
        Membership.objects.count(),
    ) == counts
    print(f"seed_demo: first run {first:.1f}s, second {second:.2f}s")

    khmer = Organization.objects.get(slug="phnompenh")
    assert (khmer.language, khmer.currency, khmer.timezone, khmer.country) == (
        "km",
        "KHR",
        "Asia/Phnom_Penh",
        "KH",
    )
    assert khmer.khmer_digits and khmer.name == "អង្គការស្បៀងអាហារភ្នំពេញ"
    persian = Organization.objects.get(slug="nan-o-mehr")
    assert (persian.language, persian.currency, persian.timezone, persian.country) == (
        "fa",
        "IRR",
        "Asia/Tehran",
        "IR",
    )
    assert persian.solar_hijri
    for slug, language in LANGUAGES.items():
        staff = User.objects.filter(memberships__organization__slug=slug)
        assert staff.count() >= 4
        assert set(staff.values_list("language", flat=True)) == {language}

    khmer_script, persian_script = re.compile("[\u1780-\u17ff]"), re.compile("[\u0600-\u06ff]")
    for organization, script in ((khmer, khmer_script), (persian, persian_script)):
        with organization_scope(organization):
            people = Contact.objects.filter(organization=organization)
            assert people.count() == 31
            assert all(script.search(person.name) for person in people)
            assert people.exclude(email="").count() >= 20  # Latin addresses…
            assert all(person.mobile.startswith("+") for person in people.exclude(mobile=""))
            for texts in (
                ImpactStory.objects.values_list("title", flat=True),
                Opportunity.objects.values_list("title", flat=True),
                Article.objects.values_list("body", flat=True),
                ServiceRequest.objects.values_list("subject", flat=True),
            ):
                assert texts and all(script.search(text) for text in texts)
            categories = ComplaintCategory.objects.values_list("name", flat=True)
            assert all(script.search(name) for name in categories)
            template = ThankYouTemplate.objects.get(rule="default")
            assert script.search(template.email_body) and script.search(template.letter_body)
            assert Acknowledgment.objects.filter(template=template, state="sent").exists()
            assert Gift.objects.exists()


@pytest.mark.django_db
def test_the_demo_staff_read_their_language_on_every_main_page(settings):
    from clients.models import Article
    from clients.selectors import article_search

    _seed(settings)
    for slug, language in LANGUAGES.items():
        staff = _admin(slug)
        organization = Organization.objects.get(slug=slug)
        with organization_scope(organization):
            contact = Contact.objects.filter(organization=organization).order_by("pk").first()
        dashboard = staff.get(f"/o/{slug}/")
        assert dashboard.status_code == 200
        assert f'<html lang="{language}"' in dashboard.content.decode()
        for path in (
            "contacts/",
            f"contacts/{contact.pk}/",
            "donors/",
            "volunteers/",
            "clients/",
        ):
            page = staff.get(f"/o/{slug}/{path}")
            assert page.status_code == 200, (slug, path)
            assert f'<html lang="{language}"' in page.content.decode(), (slug, path)
        help_centre = Client().get(f"/o/{slug}/help/")
        assert help_centre.status_code == 200
        assert f'lang="{language}"' in help_centre.content.decode()

    # "ទឹកនោមផ្អែម" (diabetes) is one word in the run "…ឬអ្នកជំងឺទឹកនោមផ្អែម": found by ICU.
    khmer = Organization.objects.get(slug="phnompenh")
    with organization_scope(khmer):
        parcels = Article.objects.get(title="របៀបទទួលបានកញ្ចប់ស្បៀងអាហារ")
        assert "អ្នកជំងឺទឹកនោមផ្អែម" in parcels.body
        assert article_search(organization=khmer, query="ទឹកនោមផ្អែម") == [parcels]
        found = article_search(organization=khmer, query="មណ្ឌលសុខភាព")
        assert [a.title for a in found] == ["របៀបស្នើសុំប័ណ្ណសមធម៌"]
    page = Client().get("/o/phnompenh/help/", {"q": "ទឹកនោមផ្អែម"}).content.decode()
    assert "របៀបទទួលបានកញ្ចប់ស្បៀងអាហារ" in page
