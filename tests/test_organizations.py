"""Creating an organization, its settings, team, invitations and API tokens — through the pages."""

import io
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from stakeholders.models import ApiToken, Invitation, Membership, Organization, Role
from stakeholders.tenancy.models import organization_scope
from tests.factories import ApiTokenFactory, InvitationFactory

pytestmark = pytest.mark.django_db


def png_bytes(size=(120, 60), fmt="PNG"):
    buffer = io.BytesIO()
    Image.new("RGB", size, (29, 78, 216)).save(buffer, format=fmt)
    return buffer.getvalue()


def test_create_an_organization_and_become_its_admin(client, stranger):
    client.force_login(stranger)
    response = client.post(
        "/orgs/new/",
        {
            "name": "Lakeside Shelter",
            "slug": "",
            "timezone": "Asia/Tehran",
            "currency": "IRR",
            "language": "fa",
        },
    )
    assert response["Location"] == "/o/lakeside-shelter/"
    organization = Organization.objects.get(slug="lakeside-shelter")
    assert (organization.timezone, organization.currency) == ("Asia/Tehran", "IRR")
    assert Membership.objects.get(organization=organization).role == Role.ADMIN
    assert client.get("/o/lakeside-shelter/").status_code == 200


def test_create_organization_errors_are_next_to_the_field(client, stranger, org_a):
    client.force_login(stranger)
    response = client.post(
        "/orgs/new/",
        {"name": "Another", "slug": "riverside", "timezone": "Mars/Olympus", "currency": "XXX1"},
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert "timezone" in form.errors and "currency" in form.errors
    response = client.post(
        "/orgs/new/",
        {
            "name": "Another",
            "slug": "riverside",
            "timezone": "UTC",
            "currency": "EUR",
            "language": "en",
        },
    )
    assert response.context["form"].errors["slug"] == ["This web address is already taken."]
    assert b'aria-invalid="true"' in response.content
    assert Organization.objects.count() == 1


def test_dashboard_shows_the_cards_in_a_constant_number_of_queries(
    client, org_a, admin_a, member_factory, django_assert_max_num_queries
):
    client.force_login(admin_a)
    client.get("/o/riverside/")  # warm the session
    for _ in range(5):
        member_factory(org_a)
    # session, user, organization, membership, MFA, members, invitations, 4 figure queries,
    # the donor card's 6 aggregates, the thank-you card's 3, the volunteer card's 4, the top
    # fives' 3 (one per kind of source), the recovery card's 2, the keep-in-touch card's 1,
    # the delivery-health card's 1, the inbox card's 3 (capped counts): constant, whatever
    # the size
    with django_assert_max_num_queries(34):
        response = client.get("/o/riverside/")
    assert response.status_code == 200
    assert b"Getting started" in response.content and b"Team" in response.content


def test_pages_set_lang_and_dir_for_right_to_left_languages(client, org_a, admin_a):
    client.force_login(admin_a)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fa"
    response = client.get("/o/riverside/")
    assert b'<html lang="fa" dir="rtl">' in response.content
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "kk"
    assert b'<html lang="kk" dir="ltr">' in client.get("/o/riverside/").content


def test_admin_updates_the_profile_and_uploads_a_logo(client, org_a, admin_a):
    client.force_login(admin_a)
    logo = SimpleUploadedFile("logo.png", png_bytes(), content_type="image/png")
    response = client.post(
        "/o/riverside/settings/",
        {
            "name": "Riverside Community Food Bank",
            "contact_email": "hello@riverside.example.org",
            "sender_name": "Amara Okafor",
            "address": "12 Mill Lane\nBristol",
            "timezone": "Europe/London",
            "currency": "GBP",
            "language": "en",
            "logo": logo,
        },
    )
    assert response.status_code == 302
    org_a.refresh_from_db()
    assert org_a.name == "Riverside Community Food Bank"
    assert org_a.logo.name.startswith(f"organizations/{org_a.pk}/logo-")
    served = client.get("/o/riverside/logo/")
    assert served.status_code == 200 and served["Content-Type"] == "image/png"
    client.logout()
    assert client.get("/o/riverside/logo/").status_code == 200  # public pages show it too


@pytest.mark.parametrize(
    "upload,message",
    [
        (
            lambda: SimpleUploadedFile("logo.png", b"not an image", "image/png"),
            b"Upload a valid image",
        ),
        (
            lambda: SimpleUploadedFile(
                "logo.svg", b"<svg onload='alert(1)'></svg>", "image/svg+xml"
            ),
            b"Upload a valid image",
        ),
        (
            lambda: SimpleUploadedFile("logo.bmp", png_bytes(fmt="BMP"), "image/bmp"),
            b"Upload a PNG",
        ),
        (
            lambda: SimpleUploadedFile("logo.png", png_bytes(size=(5000, 10)), "image/png"),
            b"too big",
        ),
    ],
)
def test_bad_logos_are_refused_and_nothing_is_saved(client, org_a, admin_a, upload, message):
    client.force_login(admin_a)
    response = client.post(
        "/o/riverside/settings/",
        {
            "name": "Renamed",
            "timezone": "UTC",
            "currency": "GBP",
            "language": "en",
            "logo": upload(),
        },
    )
    assert response.status_code == 200
    assert message in response.content
    org_a.refresh_from_db()
    assert org_a.name == "Riverside Food Bank" and not org_a.logo


def test_a_logo_over_the_size_limit_is_refused(client, org_a, admin_a, settings):
    settings.LOGO_MAX_BYTES = 1000
    client.force_login(admin_a)
    big = SimpleUploadedFile("logo.png", png_bytes(size=(600, 600)) + b"\0" * 2000, "image/png")
    response = client.post(
        "/o/riverside/settings/",
        {"name": "Riverside", "timezone": "UTC", "currency": "GBP", "language": "en", "logo": big},
    )
    assert b"too large" in response.content


def test_only_admins_open_the_organization_settings(client, org_a, member_factory):
    for role in (Role.FUNDRAISER, Role.VOLUNTEER_COORDINATOR, Role.CASEWORKER, Role.VIEWER):
        client.force_login(member_factory(org_a, role=role))
        assert client.get("/o/riverside/settings/").status_code == 403
        assert client.get("/o/riverside/settings/members/").status_code == 200
        assert client.post("/o/riverside/settings/invitations/new/", {}).status_code == 403


def test_admin_changes_a_role_but_never_removes_the_last_admin(
    client, org_a, admin_a, member_factory
):
    client.force_login(admin_a)
    viewer = Membership.objects.get(user=member_factory(org_a, role=Role.VIEWER))
    client.post(f"/o/riverside/settings/members/{viewer.pk}/role/", {"role": Role.FUNDRAISER})
    viewer.refresh_from_db()
    assert viewer.role == Role.FUNDRAISER

    mine = Membership.objects.get(user=admin_a)
    response = client.post(
        f"/o/riverside/settings/members/{mine.pk}/role/", {"role": Role.VIEWER}, follow=True
    )
    assert b"at least one admin" in response.content
    response = client.post(f"/o/riverside/settings/members/{mine.pk}/remove/", follow=True)
    assert b"at least one admin" in response.content
    mine.refresh_from_db()
    assert mine.role == Role.ADMIN


def test_removing_a_member_revokes_their_tokens(client, org_a, admin_a, member_factory):
    user = member_factory(org_a, role=Role.FUNDRAISER)
    token = ApiTokenFactory(organization=org_a, user=user)
    client.force_login(admin_a)
    membership = Membership.objects.get(user=user)
    client.post(f"/o/riverside/settings/members/{membership.pk}/remove/")
    assert not Membership.objects.filter(pk=membership.pk).exists()
    headers = {"HTTP_AUTHORIZATION": f"Token {token.key}"}
    assert client.get("/api/v1/o/riverside/members/", **headers).status_code == 401


def test_invite_resend_and_withdraw(
    client, org_a, admin_a, mailbox, django_capture_on_commit_callbacks
):
    client.force_login(admin_a)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/o/riverside/settings/invitations/new/",
            {"email": "New.Colleague@Example.org", "role": Role.CASEWORKER},
        )
    assert response["Location"] == "/o/riverside/settings/members/"
    [message] = mailbox.to("new.colleague@example.org")
    assert "Riverside Food Bank" in message["Subject"]
    [first_link] = mailbox.links(message)
    assert message.get_body(preferencelist=("html",)) is not None

    with organization_scope(org_a):
        invitation = Invitation.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/o/riverside/settings/invitations/{invitation.pk}/resend/")
    [second_link] = mailbox.links(mailbox.to("new.colleague@example.org")[-1])
    assert second_link != first_link
    client.logout()
    assert client.get(urlsplit(first_link).path).status_code == 404  # replaced by the new link

    client.force_login(admin_a)
    client.post(f"/o/riverside/settings/invitations/{invitation.pk}/revoke/")
    with organization_scope(org_a):
        assert not Invitation.objects.exists()


def test_inviting_bad_input_or_an_existing_member_is_a_field_error(client, org_a, admin_a):
    client.force_login(admin_a)
    response = client.post(
        "/o/riverside/settings/invitations/new/", {"email": "not-an-email", "role": "boss"}
    )
    errors = response.context["form"].errors
    assert "email" in errors and "role" in errors
    response = client.post(
        "/o/riverside/settings/invitations/new/", {"email": admin_a.email, "role": Role.VIEWER}
    )
    assert response.context["form"].errors["email"] == ["This person is already a member."]
    with organization_scope(org_a):
        assert not Invitation.objects.exists()


def test_a_member_creates_a_token_sees_it_once_and_revokes_it(client, org_a, member_factory):
    user = member_factory(org_a, role=Role.FUNDRAISER)
    client.force_login(user)
    response = client.post(
        "/o/riverside/settings/tokens/", {"name": "Website form", "scope": "read_write"}
    )
    key = response.context["new_key"]
    assert key.startswith("stw_")
    with organization_scope(org_a):
        token = ApiToken.objects.get()
    assert token.key_hash != key and key not in token.key_hash  # only the hash is stored
    assert key not in client.get("/o/riverside/settings/tokens/").content.decode()

    api = client.__class__()
    assert (
        api.get("/api/v1/o/riverside/members/", HTTP_AUTHORIZATION=f"Token {key}").status_code
        == 200
    )
    client.post(f"/o/riverside/settings/tokens/{token.pk}/revoke/")
    assert (
        api.get("/api/v1/o/riverside/members/", HTTP_AUTHORIZATION=f"Token {key}").status_code
        == 401
    )


def test_a_member_cannot_revoke_a_colleagues_token(client, org_a, admin_a, member_factory):
    colleague_token = ApiTokenFactory(organization=org_a, user=member_factory(org_a))
    client.force_login(admin_a)
    assert (
        client.post(f"/o/riverside/settings/tokens/{colleague_token.pk}/revoke/").status_code == 404
    )


def test_expired_invitations_are_purged_by_the_beat_task(org_a, org_b):
    from datetime import timedelta

    from django.utils import timezone

    from stakeholders.tasks import purge_expired_invitations

    InvitationFactory(organization=org_a, expires_at=timezone.now() - timedelta(days=40))
    InvitationFactory(organization=org_b, expires_at=timezone.now() - timedelta(days=31))
    keep = InvitationFactory(organization=org_b, expires_at=timezone.now() - timedelta(days=2))
    assert purge_expired_invitations.delay().get() == 2
    with organization_scope(org_b):
        assert list(Invitation.objects.all()) == [keep]


def test_the_team_page_pages_and_searches_in_constant_queries(
    client, org_a, admin_a, django_assert_max_num_queries
):
    from tests.factories import MembershipFactory

    MembershipFactory.create_batch(60, organization=org_a, role=Role.VIEWER)
    MembershipFactory(organization=org_a, user__name="Zainab Quartermaine")
    client.force_login(admin_a)
    client.get("/o/riverside/settings/members/")
    with django_assert_max_num_queries(9):
        response = client.get("/o/riverside/settings/members/")
    assert len(response.context["members"]) == 50
    assert b"Page 1 of 2" in response.content
    response = client.get("/o/riverside/settings/members/?q=quarterm")
    assert [m.user.name for m in response.context["members"]] == ["Zainab Quartermaine"]
