"""The staff pages' header — the organization, the navigation the member's role may open, the
account menu — is kept per process under a key of everything it shows (``base.html``,
``context_processors._header_key``): each of these changes must show on the very next page."""

import re

from stakeholders.models import Membership, Organization, Role


def header(response):
    html = response.content.decode()
    return html[html.index('<header class="site-header">') : html.index("</header>")]


def sections(response):
    main = header(response).split('id="main-nav"', 1)[1]
    return re.findall(r'<a href="[^"]*"(?: aria-current="page")?>([^<]+)</a>', main)


def current(response):
    return re.findall(r'aria-current="page">([^<]+)</a>', header(response))


def test_each_member_sees_their_own_account_and_the_sections_their_role_opens(
    client, org_a, admin_a, member_factory
):
    fundraiser = member_factory(org_a, role=Role.FUNDRAISER)
    client.force_login(admin_a)
    page = client.get("/o/riverside/contacts/")
    assert admin_a.email in header(page)
    assert "Clients" in sections(page)

    client.force_login(fundraiser)
    page = client.get("/o/riverside/contacts/")
    assert fundraiser.email in header(page)
    assert admin_a.email not in header(page)
    assert "Clients" not in sections(page)  # casework is not a fundraiser's


def test_the_current_section_follows_the_page(client, org_a, admin_a):
    client.force_login(admin_a)
    assert current(client.get("/o/riverside/")) == ["Dashboard"]
    assert current(client.get("/o/riverside/contacts/")) == ["Stakeholders"]
    assert current(client.get("/o/riverside/contacts/?q=ada")) == ["Stakeholders"]
    assert current(client.get("/o/riverside/donors/")) == ["Donors"]


def test_a_new_role_name_or_language_shows_on_the_next_page(client, org_a, admin_a):
    client.force_login(admin_a)
    assert "Clients" in sections(client.get("/o/riverside/contacts/"))

    Membership.objects.filter(user=admin_a).update(role=Role.FUNDRAISER)
    assert "Clients" not in sections(client.get("/o/riverside/contacts/"))

    organization = Organization.objects.get(pk=org_a.pk)
    organization.name = "Riverside Community Pantry"
    organization.save()
    assert "Riverside Community Pantry" in header(client.get("/o/riverside/contacts/"))

    admin_a.language = "fr"
    admin_a.save()
    page = client.get("/o/riverside/contacts/")
    assert "Donateurs" in sections(page)
    assert "Donors" not in sections(page)


def test_sign_out_posts_a_form_outside_the_kept_header_with_this_sessions_token(
    client, org_a, admin_a
):
    client = type(client)(enforce_csrf_checks=True)
    client.force_login(admin_a)
    page = client.get("/o/riverside/contacts/").content.decode()
    assert 'form="sign-out"' in header(client.get("/o/riverside/contacts/"))
    form = re.search(r'<form id="sign-out"[^>]*>(.*?)</form>', page, re.S).group(1)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)
    response = client.post("/accounts/logout/", {"csrfmiddlewaretoken": token})
    assert response.status_code == 302
    assert client.get("/o/riverside/contacts/").status_code == 302  # signed out: to sign-in
