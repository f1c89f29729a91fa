"""The public volunteer signup form: double opt-in, matching existing contacts, abuse guards
(honeypot, fill time, rate limits), no enumeration, per-field errors, the embeddable page, and
the portal reached by a magic link."""

import re

import pytest
from django.core import signing
from django.core.exceptions import ValidationError
from django.test import Client
from django_scopes import scopes_disabled

from stakeholders.models import Consent, Contact, DuplicatePair, Role
from stakeholders.tenancy.models import organization_scope
from tests.factories import ContactFactory, MembershipFactory, VolunteerProfileFactory
from volunteers import selectors, services
from volunteers.models import PendingSignup, Skill, VolunteerProfile

pytestmark = pytest.mark.django_db
SIGNUP = "/o/riverside/volunteer/"


@pytest.fixture(autouse=True)
def quick_people(settings):
    """People in these tests fill the form in no time; the bot test sets its own limit."""
    settings.VOLUNTEER_SIGNUP_MIN_SECONDS = 0
    selectors._LOCAL_OPTIONS.clear()


@pytest.fixture
def coordinator(org_a):
    return MembershipFactory(organization=org_a, role=Role.VOLUNTEER_COORDINATOR).user


def form_data(client, url=SIGNUP, **overrides):
    page = client.get(url)
    started = re.search(rb'name="started" value="([^"]+)"', page.content).group(1).decode()
    data = {
        "first_name": "Amara",
        "last_name": "Okafor",
        "email": "Amara@Example.org",
        "phone": "+44 7911 123456",
        "availability": ["0-0", "5-1"],
        "languages": "English, Igbo",
        "heard_from": "friend",
        "consent": "on",
        "started": started,
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def rows(organization):
    with scopes_disabled():
        return {
            "pending": PendingSignup.objects.filter(organization=organization).count(),
            "contacts": Contact.objects.filter(organization=organization).count(),
            "profiles": VolunteerProfile.objects.filter(organization=organization).count(),
        }


def test_signup_confirm_welcome_and_coordinator_notified(
    client, org_a, coordinator, mailbox, django_capture_on_commit_callbacks
):
    with organization_scope(org_a):
        kitchen = Skill.objects.create(organization=org_a, name="Cooking")
    page = client.get(SIGNUP)
    assert page.status_code == 200 and b"Volunteer with Riverside Food Bank" in page.content
    assert page["X-Frame-Options"] == "DENY"  # only the embed page may be framed
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(SIGNUP, form_data(client, skills=[str(kitchen.pk)]))
    assert response.status_code == 200 and b"check your inbox" in response.content
    assert rows(org_a) == {"pending": 1, "contacts": 0, "profiles": 0}  # nothing kept yet

    [message] = mailbox.to("amara@example.org")
    link = next(u for u in mailbox.links(message) if "/volunteer/confirm/" in u)
    path = link.split("127.0.0.1:8000")[-1] if "127.0.0.1:8000" in link else link
    assert client.get(path).status_code == 200  # GET only shows a button (mail scanners)
    assert rows(org_a)["contacts"] == 0
    with django_capture_on_commit_callbacks(execute=True):
        confirmed = client.post(path)
    assert confirmed.status_code == 200 and b"Welcome, Amara" in confirmed.content
    with organization_scope(org_a):
        contact = Contact.objects.get(email="amara@example.org")
        profile = VolunteerProfile.objects.get(contact=contact)
        assert contact.is_volunteer and contact.mobile == "+447911123456"
        assert profile.status == VolunteerProfile.Status.APPLICANT
        assert profile.is_available(0, 0) and profile.is_available(5, 1)
        assert not profile.is_available(2, 2)
        assert list(profile.skills.values_list("name", flat=True)) == ["Cooking"]
        consent = Consent.objects.get(contact=contact)
        assert consent.granted and "keeps my details" in consent.wording
    welcome = mailbox.to("amara@example.org")[-1]
    assert "Welcome to Riverside Food Bank" in welcome["Subject"]
    assert any("/volunteer/portal/enter/" in u for u in mailbox.links(welcome))
    [note] = mailbox.to(coordinator.email)
    assert "Amara Okafor" in note["Subject"]
    # confirming again changes nothing, and a used link opens no portal in another browser
    again = Client().post(path)
    assert b"already confirmed" in again.content and b"Hello" not in again.content
    assert rows(org_a) == {"pending": 1, "contacts": 1, "profiles": 1}
    stranger = Client()
    stranger.post(path)
    assert b"Send me a link" in stranger.get("/o/riverside/volunteer/portal/").content


def test_same_email_joins_the_existing_contact_a_lookalike_goes_to_review(
    client, org_a, django_capture_on_commit_callbacks
):
    with organization_scope(org_a):
        donor = ContactFactory(organization=org_a, first_name="Amara", email="amara@example.org")
        twin = ContactFactory(
            organization=org_a, first_name="Ben", last_name="Ode", email="", mobile="+447911123457"
        )
    for data in (
        form_data(client),
        form_data(
            client,
            email="b.ode@example.org",
            first_name="Ben",
            last_name="Ode",
            phone="+447911123457",
        ),
    ):
        client.post(SIGNUP, data)
    with organization_scope(org_a):
        for pending in PendingSignup.objects.filter(organization=org_a):
            services.signup_confirm(organization=org_a, pending=pending)
        assert VolunteerProfile.objects.get(contact=donor)  # matched, no second Amara
        assert Contact.objects.filter(organization=org_a, email="amara@example.org").count() == 1
        ben = Contact.objects.get(organization=org_a, email="b.ode@example.org")
        pair = DuplicatePair.objects.get(organization=org_a)
        assert {pair.contact_id, pair.other_id} == {ben.pk, twin.pk} and "phone" in pair.reasons


def test_junk_gets_per_field_errors_and_no_row(client, org_a):
    response = client.post(
        SIGNUP,
        form_data(
            client,
            email="not-an-email",
            first_name="",
            phone="12",
            consent=None,
            under_18="on",
            availability=["9-9"],
        ),
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'role="alert"' in html
    for field in ("email", "first_name", "phone", "consent", "guardian_name", "availability"):
        assert f'id="id_{field}_error"' in html or f'href="#id_{field}"' in html, field
    assert rows(org_a)["pending"] == 0


def test_a_filled_honeypot_and_a_too_fast_post_keep_nothing(client, org_a, settings):
    bot = client.post(SIGNUP, form_data(client, website="http://spam.example"))
    assert bot.status_code == 200 and b"check your inbox" in bot.content  # told nothing
    settings.VOLUNTEER_SIGNUP_MIN_SECONDS = 30
    fast = client.post(SIGNUP, form_data(client))
    assert fast.status_code == 400 and b"very quick" in fast.content
    forged = client.post(SIGNUP, form_data(client, started="0:forged"))
    assert forged.status_code == 400
    assert rows(org_a)["pending"] == 0


def test_rate_limits_per_email_and_per_ip_answer_429_kindly(client, org_a, settings):
    settings.VOLUNTEER_SIGNUP_IP_RATE = "5/h"
    for _i in range(3):
        assert client.post(SIGNUP, form_data(client)).status_code == 200
    limited = client.post(SIGNUP, form_data(client))
    assert limited.status_code == 429 and b"try again in an hour" in limited.content
    assert client.post(SIGNUP, form_data(client, email="x1@example.org")).status_code == 200
    assert client.post(SIGNUP, form_data(client, email="x2@example.org")).status_code == 429
    # the same address before confirming: one open signup, not three
    assert rows(org_a)["pending"] == 2


def test_the_answer_is_the_same_for_a_known_address(
    client, org_a, mailoutbox, django_capture_on_commit_callbacks
):
    with organization_scope(org_a):
        VolunteerProfileFactory(contact__organization=org_a, contact__email="known@example.org")
    known = client.post(SIGNUP, form_data(client, email="known@example.org"))
    unknown = client.post(SIGNUP, form_data(client, email="new@example.org"))
    assert known.status_code == unknown.status_code == 200
    strip = lambda html: re.sub(rb'value="[^"]*"', b"", html)  # noqa: E731
    assert strip(known.content) == strip(unknown.content)
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True) as queued:
        link_known = client.post("/o/riverside/volunteer/portal/", {"email": "known@example.org"})
        link_unknown = client.post("/o/riverside/volunteer/portal/", {"email": "who@example.org"})
    assert strip(link_known.content) == strip(link_unknown.content)
    # Both requests only queue a task (the page never looks the address up, so it takes as long
    # for a stranger's address); the task mails the volunteer and nobody else.
    assert len(queued) == 3  # a task for each address, then the volunteer's email
    assert [m.to for m in mailoutbox] == [["known@example.org"]]
    assert "/volunteer/portal/enter/" in mailoutbox[0].body


def test_the_embed_page_may_be_framed_by_the_listed_sites_only(client, org_a):
    response = client.get("/o/riverside/volunteer/embed/")
    assert response.status_code == 200 and "X-Frame-Options" not in response
    assert "frame-ancestors https:" in response["Content-Security-Policy"]
    with organization_scope(org_a):
        services.settings_save(
            organization=org_a,
            skills_text="",
            causes_text="",
            embed_origins="https://www.riverside.example",
            hourly_rate=0,
        )
    response = client.get("/o/riverside/volunteer/embed/")
    assert "frame-ancestors https://www.riverside.example" in response["Content-Security-Policy"]
    assert b'class="site-header"' not in response.content
    assert "frame-ancestors 'none'" in client.get(SIGNUP)["Content-Security-Policy"]
    # the answer to a post from inside the iframe may be framed too
    sent = client.post(
        "/o/riverside/volunteer/embed/", form_data(client, "/o/riverside/volunteer/embed/")
    )
    assert b"check your inbox" in sent.content and "X-Frame-Options" not in sent
    assert "frame-ancestors https://www.riverside.example" in sent["Content-Security-Policy"]


def test_a_signup_under_a_never_lands_in_b(
    client, org_a, org_b, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(SIGNUP, form_data(client))
    assert rows(org_b) == {"pending": 0, "contacts": 0, "profiles": 0}
    with organization_scope(org_a):
        pending = PendingSignup.objects.get()
        token = services.confirm_token(organization=org_a, pending=pending)
    # A's confirmation link under B's address is refused and creates nothing anywhere
    assert client.post(f"/o/hope/volunteer/confirm/{token}/").status_code == 400
    assert rows(org_b) == {"pending": 0, "contacts": 0, "profiles": 0}
    assert rows(org_a)["contacts"] == 0


def test_portal_link_binds_the_session_to_one_organization(client, org_a, org_b):
    with organization_scope(org_a):
        profile = VolunteerProfileFactory(contact__organization=org_a, contact__first_name="Ada")
        token = services.portal_token(organization=org_a, profile=profile)
    assert client.get(f"/o/hope/volunteer/portal/enter/{token}/").status_code == 400
    entered = client.post(f"/o/riverside/volunteer/portal/enter/{token}/")
    assert entered.status_code == 302 and entered["Referrer-Policy"] == "no-referrer"
    home = client.get("/o/riverside/volunteer/portal/")
    assert b"Hello, Ada" in home.content
    # the same browser under B: no volunteer there, only the link request form
    other = client.get("/o/hope/volunteer/portal/")
    assert b"Hello" not in other.content and b"Send me a link" in other.content
    assert client.get("/o/hope/volunteer/portal/shifts/").status_code == 302
    # an expired or tampered link
    assert client.get(f"/o/riverside/volunteer/portal/enter/{token}x/").status_code == 400
    stale = signing.dumps({"o": org_a.pk, "p": profile.pk}, salt="other-salt")
    assert client.get(f"/o/riverside/volunteer/portal/enter/{stale}/").status_code == 400


@pytest.mark.django_db(transaction=True)
def test_the_same_address_sent_at_once_is_one_open_signup(org_a, settings):
    """Five tabs, one click each, the same moment: one row (the upsert)."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    import threading

    from django.db import connection

    barrier = threading.Barrier(5)

    def send(n):
        barrier.wait()
        try:
            with organization_scope(org_a):  # as the public form's request would be
                services.signup_submit(
                    organization=org_a,
                    data={"email": "twin@example.org", "first_name": f"Try {n}", "last_name": "X"},
                )
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=(n,)) for n in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert rows(org_a)["pending"] == 1


def test_a_burst_queues_one_sweep_a_second_and_the_sweep_sends_each_once(
    org_a, settings, monkeypatch, mailbox
):
    """With a real worker, signups don't queue a task each: a sweep at most once a second per
    organization, starting after the marker expires, finds every row committed meanwhile."""
    import time as clock

    from volunteers import tasks

    settings.CELERY_TASK_ALWAYS_EAGER = False
    queued = []
    monkeypatch.setattr(
        tasks.send_signup_confirmations, "apply_async", lambda **kw: queued.append(kw)
    )
    with organization_scope(org_a):
        for n in range(5):
            services.signup_submit(
                organization=org_a,
                data={"email": f"b{n}@example.org", "first_name": "B", "last_name": str(n)},
            )
            services._schedule_confirmations(organization=org_a)  # what on_commit runs
        assert len(queued) == 1 and queued[0]["countdown"] > 1
        clock.sleep(1.1)
        services._schedule_confirmations(organization=org_a)
        assert len(queued) == 2
        assert services.signup_confirmations_send(organization=org_a) == 5
        assert services.signup_confirmations_send(organization=org_a) == 0  # a rerun: nothing
    assert sorted(m["To"] for m in mailbox.messages) == [f"b{n}@example.org" for n in range(5)]


def test_a_portal_link_opens_the_portal_once_and_a_used_one_offers_a_fresh_one(
    client, org_a, mailbox, django_capture_on_commit_callbacks
):
    with organization_scope(org_a):
        profile = VolunteerProfileFactory(
            contact__organization=org_a, contact__first_name="Ada", contact__email="ada@example.org"
        )
        token = services.portal_token(organization=org_a, profile=profile)
    enter = f"/o/riverside/volunteer/portal/enter/{token}/"
    page = client.get(enter)  # what a mail scanner does: it spends nothing
    assert page.status_code == 200 and b"Open my volunteer page" in page.content
    assert page["Referrer-Policy"] == "same-origin"  # the button's post carries an Origin
    assert b"Send me a link" in client.get("/o/riverside/volunteer/portal/").content
    assert client.post(enter).status_code == 302
    assert b"Hello, Ada" in client.get("/o/riverside/volunteer/portal/").content

    # the same link again — a forwarded email, another browser — opens nothing
    other = Client()
    for used in (other.get(enter), other.post(enter)):
        assert used.status_code == 410 and b"Email me a fresh link" in used.content
    assert b"Hello" not in other.get("/o/riverside/volunteer/portal/").content

    # …but offers a fresh link, sent to the volunteer's own address
    with django_capture_on_commit_callbacks(execute=True):
        sent = other.post(enter, {"action": "resend", "email": "thief@example.org"})
    assert sent.status_code == 200 and b"on its way" in sent.content
    assert not mailbox.to("thief@example.org")
    (email,) = mailbox.to("ada@example.org")
    fresh = next(u for u in mailbox.links(email) if "/volunteer/portal/enter/" in u)
    fresh = fresh[fresh.index("/o/") :]
    assert fresh != enter and other.post(fresh).status_code == 302
    assert b"Hello, Ada" in other.get("/o/riverside/volunteer/portal/").content


def test_a_forged_post_cannot_confirm_a_signup_into_a_victims_browser(org_a):
    """Confirming binds the portal to the browser: the attacker's own link, posted from their
    site into a victim's browser, is refused without the page's CSRF token."""
    with organization_scope(org_a):
        services.signup_submit(
            organization=org_a,
            data={"email": "mallory@example.org", "first_name": "M", "last_name": "X"},
        )
        pending = PendingSignup.objects.get()
        token = services.confirm_token(organization=org_a, pending=pending)
    path = f"/o/riverside/volunteer/confirm/{token}/"
    victim = Client(enforce_csrf_checks=True)
    assert victim.post(path).status_code == 403
    assert rows(org_a)["profiles"] == 0 and "volunteer_portal" not in victim.session
    page = victim.get(path)
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page.content).group(1)
    confirmed = victim.post(path, {"csrfmiddlewaretoken": token.decode()})
    assert confirmed.status_code == 200 and rows(org_a)["profiles"] == 1


@pytest.mark.parametrize(
    "line",
    [
        "http://www.riverside.example",  # https only
        "https://www.riverside.example/volunteer",  # an origin has no path
        "https://*.riverside.example",
        "https://user@www.riverside.example",
        "https://www.riverside.example?x=1",
        "https://a.example https://b.example",
    ],
)
def test_embed_origins_must_be_origins(org_a, line):
    with organization_scope(org_a), pytest.raises(ValidationError) as refused:
        services.settings_save(
            organization=org_a, skills_text="", causes_text="", embed_origins=line, hourly_rate=0
        )
    assert "embed_origins" in refused.value.message_dict


def test_embed_origins_are_kept_as_origins(org_a):
    with organization_scope(org_a):
        saved = services.settings_save(
            organization=org_a,
            skills_text="",
            causes_text="",
            embed_origins="https://WWW.Riverside.example/\nhttp://localhost:3000\n"
            "https://bücher.example:8443",
            hourly_rate=0,
        )
    assert saved.origins == [
        "https://www.riverside.example",
        "http://localhost:3000",
        "https://xn--bcher-kva.example:8443",
    ]
