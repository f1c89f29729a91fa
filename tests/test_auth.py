"""Accounts: signup with mandatory verification, login, MFA, rate limits, invitations, logout."""

import re
from datetime import timedelta

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.conf import settings
from django.utils import timezone

from stakeholders.models import Membership, Role, User
from tests.factories import PASSWORD, InvitationFactory, UserFactory

pytestmark = pytest.mark.django_db


def totp_now(secret, step=0):
    counter = int(timezone.now().timestamp()) // 30 + step
    return format_hotp_value(hotp_value(secret, counter))


def login(client, email, password=PASSWORD):
    return client.post("/accounts/login/", {"login": email, "password": password})


def test_signup_requires_email_verification_then_logs_in(client, mailbox):
    response = client.post(
        "/accounts/signup/",
        {
            "email": "new.director@example.org",
            "name": "Ada Director",
            "password1": "a-long-unusual-passphrase",
            "password2": "a-long-unusual-passphrase",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == "/accounts/confirm-email/"
    user = User.objects.get(email="new.director@example.org")
    assert user.name == "Ada Director"
    # Not verified yet: signing in is refused until the address is confirmed.
    client.logout()
    response = login(client, "new.director@example.org", "a-long-unusual-passphrase")
    assert response["Location"] == "/accounts/confirm-email/"
    assert client.get("/orgs/").status_code == 302

    [link] = [
        url
        for url in mailbox.links(mailbox.to("new.director@example.org")[-1])
        if "confirm-email" in url
    ]
    path = re.sub(r"^https?://[^/]+", "", link)
    assert client.get(path).status_code == 200
    response = client.post(path)
    assert response.status_code == 302
    assert client.get("/orgs/").status_code == 200  # logged in, no organization yet


def test_login_with_email_and_password_goes_to_the_only_organization(client, org_a, admin_a):
    response = login(client, admin_a.email)
    assert response["Location"] == "/orgs/"
    response = client.get("/orgs/")
    assert response["Location"] == "/o/riverside/"


def test_login_with_several_organizations_shows_the_picker(client, org_a, org_b, member_factory):
    user = member_factory(org_a)
    Membership.objects.create(organization=org_b, user=user, role=Role.VIEWER)
    login(client, user.email)
    response = client.get("/orgs/")
    assert response.status_code == 200
    assert b"Riverside Food Bank" in response.content and b"Hope Mentoring" in response.content


def test_wrong_password_is_refused_and_then_rate_limited(client, admin_a):
    for _attempt in range(5):
        response = login(client, admin_a.email, "wrong")
        assert response.status_code == 200
        assert b"not correct" in response.content
    response = login(client, admin_a.email, "wrong")
    assert b"Too many failed login attempts" in response.content
    # Even the right password is refused while the limit holds.
    response = login(client, admin_a.email)
    assert response.status_code == 200
    assert b"Too many failed login attempts" in response.content


def test_flooding_the_login_form_gets_429(client, admin_a):
    statuses = [login(client, f"nobody{i}@example.org", "x").status_code for i in range(35)]
    assert statuses[0] == 200
    assert statuses[-1] == 429


def test_logout_ends_the_session(client, admin_a):
    login(client, admin_a.email)
    session_key = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert client.get("/o/riverside/").status_code == 200
    client.post("/accounts/logout/")
    from django.contrib.sessions.backends.db import SessionStore

    assert not SessionStore().exists(session_key)
    client.cookies[settings.SESSION_COOKIE_NAME] = session_key  # replaying the old cookie
    assert client.get("/o/riverside/").status_code == 302


def test_password_reset_sends_a_working_link(client, admin_a, mailbox):
    client.post("/accounts/password/reset/", {"email": admin_a.email})
    [link] = [
        u for u in mailbox.links(mailbox.to(admin_a.email)[-1]) if "/password/reset/key/" in u
    ]
    response = client.get(re.sub(r"^https?://[^/]+", "", link), follow=True)
    form_path = response.redirect_chain[-1][0] if response.redirect_chain else link
    response = client.post(
        form_path, {"password1": "brand-new-passphrase-42", "password2": "brand-new-passphrase-42"}
    )
    assert response.status_code == 302
    client.logout()
    assert login(client, admin_a.email, "brand-new-passphrase-42")["Location"] == "/orgs/"


def enrol_totp(client):
    """Enrol an authenticator app; allauth first asks for the password again (reauthentication)."""
    response = client.get("/accounts/2fa/totp/activate/")
    assert response["Location"].startswith("/accounts/reauthenticate/")
    client.post(response["Location"], {"password": PASSWORD})
    response = client.get("/accounts/2fa/totp/activate/")
    assert response.status_code == 200
    secret = client.session["mfa.totp.secret"]
    response = client.post("/accounts/2fa/totp/activate/", {"code": totp_now(secret)})
    assert response.status_code == 302
    return secret


def test_mfa_enrolment_and_login_with_totp(client, admin_a, settings):
    # A code is accepted once (no replay): sign in with the next period's code, which a
    # tolerance of one period admits, so the test never waits for the clock.
    settings.MFA_TOTP_TOLERANCE = 1
    login(client, admin_a.email)
    secret = enrol_totp(client)
    assert Authenticator.objects.filter(user=admin_a, type=Authenticator.Type.TOTP).exists()
    assert Authenticator.objects.filter(
        user=admin_a, type=Authenticator.Type.RECOVERY_CODES
    ).exists()
    client.post("/accounts/logout/")

    response = login(client, admin_a.email)
    assert response["Location"] == "/accounts/2fa/authenticate/"
    assert client.get("/o/riverside/").status_code == 302  # password alone is not enough
    response = client.post("/accounts/2fa/authenticate/", {"code": "000000"})
    assert response.status_code == 200  # wrong code: the form again
    response = client.post("/accounts/2fa/authenticate/", {"code": totp_now(secret, step=1)})
    assert response.status_code == 302
    assert client.get("/o/riverside/").status_code == 200


def test_an_organization_can_require_mfa_of_its_staff(client, org_a, admin_a, member_factory):
    org_a.require_mfa = True
    org_a.save()
    viewer = member_factory(org_a)
    login(client, viewer.email)
    response = client.get("/o/riverside/settings/members/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/2fa/totp/activate/")
    enrol_totp(client)
    assert client.get("/o/riverside/settings/members/").status_code == 200


def test_a_non_member_gets_404(client, org_a, stranger):
    login(client, stranger.email)
    assert client.get("/o/riverside/").status_code == 404
    assert client.get("/o/riverside/settings/").status_code == 404


def test_invitation_accepted_by_the_invited_address(client, org_a, admin_a):
    invitee = UserFactory(email="volunteer.lead@example.org")
    invitation = InvitationFactory(
        organization=org_a, email=invitee.email, role=Role.VOLUNTEER_COORDINATOR
    )
    login(client, invitee.email)
    url = f"/invitations/{invitation.key}/"
    page = client.get(url)
    assert page.status_code == 200
    assert page["Referrer-Policy"] == "same-origin"
    response = client.post(url)
    assert response["Location"] == "/o/riverside/"
    membership = Membership.objects.get(user=invitee, organization=org_a)
    assert membership.role == Role.VOLUNTEER_COORDINATOR
    assert client.get(url).status_code == 404  # used: the link is dead


def test_invitation_for_another_address_is_refused(client, org_a, stranger):
    invitation = InvitationFactory(organization=org_a, email="someone.else@example.org")
    login(client, stranger.email)
    response = client.post(f"/invitations/{invitation.key}/")
    assert response.status_code == 200
    assert b"someone.else@example.org" in response.content
    assert not Membership.objects.filter(user=stranger).exists()


def test_expired_invitation_is_refused(client, org_a):
    invitee = UserFactory()
    invitation = InvitationFactory(
        organization=org_a, email=invitee.email, expires_at=timezone.now() - timedelta(minutes=1)
    )
    login(client, invitee.email)
    assert client.get(f"/invitations/{invitation.key}/").status_code == 410
    assert client.post(f"/invitations/{invitation.key}/").status_code == 410
    assert not Membership.objects.filter(user=invitee).exists()


def test_unknown_invitation_key_is_404(client):
    assert client.get("/invitations/not-a-real-key/").status_code == 404


def test_invitee_signs_up_from_the_link_without_a_second_verification(client, org_a, mailbox):
    invitation = InvitationFactory(
        organization=org_a, email="fresh@example.org", role=Role.CASEWORKER
    )
    url = f"/invitations/{invitation.key}/"
    page = client.get(url)
    assert b"Create my account" in page.content
    response = client.post(
        f"/accounts/signup/?next={url}",
        {
            "email": "fresh@example.org",
            "name": "Fresh Caseworker",
            "password1": "a-long-unusual-passphrase",
            "password2": "a-long-unusual-passphrase",
            "next": url,
        },
    )
    assert response["Location"] == url  # straight in: the link proved the address
    assert client.post(url)["Location"] == "/o/riverside/"
    assert Membership.objects.get(user__email="fresh@example.org").role == Role.CASEWORKER
    assert not mailbox.messages  # no verification email was needed
