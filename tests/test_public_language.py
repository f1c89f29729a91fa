"""Who reads which language: visitors of public pages (their choice → their browser → the
organization), stakeholders' emails (their preferred language → the organization's), staff pages
and staff emails (their interface language → the organization's)."""

import pytest
from django.test import Client
from django_scopes import scopes_disabled

from clients import services as client_services
from clients.models import ServiceRequest
from donors import services as donor_services
from stakeholders.languages import language_for, staff_language_for
from stakeholders.models import Contact, Role
from stakeholders.public_forms import form_started_token
from stakeholders.tenancy.models import organization_scope
from tests.factories import ContactFactory, MembershipFactory

pytestmark = pytest.mark.django_db

SIGNUP = "/o/riverside/volunteer/"
HELP = "/o/riverside/help/"
REQUEST_FORM = "/o/riverside/help/request/"

# Each page's own words, in English and as locale/km says them.
PAGES = {
    SIGNUP: (["Volunteer with", "Skip to content"], "ស្ម័គ្រចិត្តជាមួយ"),
    HELP: (["How can we help?", "Skip to content"], "តើយើងអាចជួយអ្វីបានខ្លះ?"),
    REQUEST_FORM: (["Ask us for help", "Skip to content"], "សុំជំនួយពីយើង"),
}


@pytest.fixture(autouse=True)
def quick_forms(settings):
    settings.CLIENTS_FORM_MIN_SECONDS = 0
    settings.VOLUNTEER_SIGNUP_MIN_SECONDS = 0


def html_lang(response):
    head = response.content.decode()[:400]
    return head.split('<html lang="', 1)[1].split('"', 1)[0]


@pytest.mark.parametrize("url", list(PAGES))
def test_a_khmer_browser_reads_the_public_pages_in_khmer(client, org_a, url):
    english, khmer = PAGES[url]
    response = client.get(url, HTTP_ACCEPT_LANGUAGE="km-KH,km;q=0.9,en;q=0.5")
    assert response.status_code == 200
    text = response.content.decode()
    assert html_lang(response) == "km" and response["Content-Language"] == "km"
    assert khmer in text
    assert not [word for word in english if word in text]
    # nothing caches one visitor's language for another
    vary = response["Vary"]
    assert "Accept-Language" in vary and "Cookie" in vary


def test_the_switcher_names_each_language_in_itself(client, org_a):
    text = client.get(SIGNUP, HTTP_ACCEPT_LANGUAGE="km").content.decode()
    for code, name in [("en", "English"), ("fa", "فارسی"), ("km", "ខ្មែរ"), ("kk", "Қазақша")]:
        assert f'value="{code}" lang="{code}"' in text and f">{name}</option>" in text
    assert 'value="fa" lang="fa" dir="rtl"' in text
    assert '<label for="language-select">' in text  # labelled for screen readers


def test_the_switcher_changes_the_language_and_is_remembered(org_a):
    browser = Client(enforce_csrf_checks=False)
    chosen = browser.post(
        "/i18n/setlang/", {"language": "fa", "next": SIGNUP}, HTTP_ACCEPT_LANGUAGE="km"
    )
    assert chosen.status_code == 302 and chosen["Location"] == SIGNUP
    again = browser.get(SIGNUP, HTTP_ACCEPT_LANGUAGE="km")
    assert html_lang(again) == "fa" and 'dir="rtl"' in again.content.decode()[:400]
    # a `next` to another site is not followed
    away = browser.post("/i18n/setlang/", {"language": "km", "next": "https://evil.example/"})
    assert "evil.example" not in away.get("Location", "")


def test_the_organizations_language_is_the_fallback(client, org_a):
    org_a.language = "es"
    org_a.save()
    unknown = client.get(HELP, HTTP_ACCEPT_LANGUAGE="de-DE,de;q=0.9")
    assert html_lang(unknown) == "es"
    assert html_lang(client.get(HELP)) == "es"  # no header at all
    assert html_lang(client.get(HELP, HTTP_ACCEPT_LANGUAGE="kk")) == "kk"  # the browser wins


def test_a_new_client_keeps_the_pages_language_a_known_one_keeps_theirs(client, org_a):
    with organization_scope(org_a):
        ContactFactory(organization=org_a, email="known@example.org", preferred_language="es")
    form = {
        "first_name": "Sok",
        "last_name": "Dara",
        "phone": "",
        "subject": "Food parcel",
        "description": "Please help.",
        "website": "",
    }
    for email in ["new@example.org", "known@example.org"]:
        response = client.post(
            REQUEST_FORM,
            {**form, "email": email, "started": form_started_token()},
            HTTP_ACCEPT_LANGUAGE="km",
        )
        assert response.status_code == 200
    with organization_scope(org_a):
        assert Contact.objects.get(email="new@example.org").preferred_language == "km"
        assert Contact.objects.get(email="known@example.org").preferred_language == "es"
        assert ServiceRequest.objects.count() == 2


def test_a_khmer_volunteer_signs_up_and_reads_khmer_emails(
    client, org_a, mailbox, django_capture_on_commit_callbacks
):
    coordinator = MembershipFactory(
        organization=org_a, role=Role.VOLUNTEER_COORDINATOR, user__language="fa"
    ).user
    page = client.get(SIGNUP, HTTP_ACCEPT_LANGUAGE="km")
    started = page.content.decode().split('name="started" value="', 1)[1].split('"', 1)[0]
    data = {
        "first_name": "Sok",
        "last_name": "Dara",
        "email": "sok@example.org",
        "availability": ["0-0"],
        "consent": "on",
        "started": started,
    }
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(SIGNUP, data, HTTP_ACCEPT_LANGUAGE="km").status_code == 200
    [confirm] = mailbox.to("sok@example.org")
    assert "សូមបញ្ជាក់អ៊ីមែល" in confirm["Subject"]
    link = next(u for u in mailbox.links(confirm) if "/volunteer/confirm/" in u)
    path = link.split("://", 1)[1].split("/", 1)[1]
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/" + path, HTTP_ACCEPT_LANGUAGE="en")
    with organization_scope(org_a):
        assert Contact.objects.get(email="sok@example.org").preferred_language == "km"
    assert "សូមស្វាគមន៍មកកាន់" in mailbox.to("sok@example.org")[-1]["Subject"]
    [note] = mailbox.to(coordinator.email)  # staff: their own language
    assert "ثبت‌نام داوطلب جدید" in note["Subject"]


def test_a_persian_contacts_emails_are_in_persian(
    org_a, admin_a, mailbox, django_capture_on_commit_callbacks
):
    with organization_scope(org_a):
        ContactFactory(
            organization=org_a,
            first_name="Ali",
            email="ali@example.org",
            preferred_language="fa",
            is_donor=True,
        )
        with django_capture_on_commit_callbacks(execute=True):
            donor_services.impact_link_send(organization=org_a, email="ali@example.org")
        client_contact = ContactFactory(
            organization=org_a, email="sara@example.org", preferred_language="fa"
        )
        request = client_services.request_create(
            organization=org_a, contact=client_contact, subject="Rent", channel="phone"
        )
        client_services.request_acknowledge(organization=org_a, request=request)
    [impact] = mailbox.to("ali@example.org")
    assert "کمک‌های شما" in impact["Subject"]
    assert "Here is your link" not in mailbox.text(impact)
    [acknowledgement] = mailbox.to("sara@example.org")
    assert "لطفاً درخواست" in acknowledgement["Subject"]
    assert "Hello," not in mailbox.text(acknowledgement)


def test_a_staff_escalation_goes_in_the_staff_members_language(org_a, mailbox):
    with organization_scope(org_a):
        persian = MembershipFactory(
            organization=org_a, role=Role.CASEWORKER, user__language="fa"
        ).user
        client_services.client_settings_save(
            organization=org_a, around_the_clock=True, warn_before_minutes=60
        )
        contact = ContactFactory(organization=org_a, email="sam@example.org")
        client_services.request_create(
            organization=org_a,
            contact=contact,
            subject="Parcel",
            channel="phone",
            priority="urgent",
            assignee=persian,
        )
        assert client_services.escalate(organization=org_a) == 1
    [alert] = mailbox.to(persian.email)
    assert "مهلت نزدیک است" in alert["Subject"]


def test_language_for_and_staff_language_for(org_a):
    org_a.language = "km"
    with scopes_disabled():
        assert language_for(Contact(preferred_language="fa-IR"), org_a) == "fa"
        assert language_for(Contact(preferred_language="de"), org_a) == "km"
        assert language_for(Contact(preferred_language=""), org_a) == "km"
    assert staff_language_for(None, org_a) == "km"
    assert staff_language_for(MembershipFactory.build().user, None) == "en"


def test_a_staff_user_reads_their_own_language_and_can_change_it(client, org_a, admin_a):
    admin_a.language = "fa"
    admin_a.save()
    client.force_login(admin_a)
    page = client.get("/o/riverside/", HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200 and html_lang(page) == "fa"
    assert 'dir="rtl"' in page.content.decode()[:400]
    saved = client.post("/accounts/language/", {"language": "kk"})
    assert saved.status_code == 302 and saved.cookies["django_language"].value == "kk"
    admin_a.refresh_from_db()
    assert admin_a.language == "kk"
    assert html_lang(client.get("/o/riverside/")) == "kk"
    client.post("/accounts/language/", {"language": ""})  # back to following the browser
    admin_a.refresh_from_db()
    assert admin_a.language == ""
    assert html_lang(client.get("/o/riverside/", HTTP_ACCEPT_LANGUAGE="es")) == "es"
    assert client.post("/accounts/language/", {"language": "xx"}).status_code == 200
