"""Known-issue notices: staff post, change and end them (times in the organization's zone,
errors next to the fields, the audit trail); the core's ``public_notices`` registry shows the
current ones — only where chosen, in the reader's language, escaped — on the community, the
help centre and the request form."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from community.models import CommunitySettings, Notice
from community.selectors.notices import current_notices
from community.services import notices as services
from stakeholders.models import AuditEvent, Role
from stakeholders.registries import public_notices
from stakeholders.tenancy.models import organization_scope
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def org(org_a):
    with organization_scope(org_a):
        CommunitySettings.objects.create(organization=org_a, enabled=True)
        yield org_a


def notice(org, **kwargs):
    now = timezone.now()
    values = {
        "title": "The food bank is closed on Friday",
        "body": "We reopen on Monday at 9.",
        "places": ["community", "help", "request"],
        "starts_at": now - timedelta(hours=1),
        "ends_at": now + timedelta(days=1),
        **kwargs,
    }
    return Notice.objects.create(organization=org, **values)


def manage_url(org, name="community:manage_notices", **kwargs):
    return reverse(name, kwargs={"org_slug": org.slug, **kwargs})


def form_data(**overrides):
    return {
        "title": "The online form is down",
        "body": "Please call us instead.",
        "severity": "warning",
        "places": ["help", "request"],
        "language": "",
        "starts_at": "2030-03-01T09:00",
        "ends_at": "2030-03-02T17:30",
        **overrides,
    }


# --- Staff ---------------------------------------------------------------------------------


def test_staff_post_a_notice_in_the_organizations_time_zone(client, org, admin_a):
    org.timezone = "Asia/Tehran"
    org.save()
    client.force_login(admin_a)
    response = client.post(manage_url(org), form_data())
    assert response.status_code == 302
    saved = Notice.objects.get(organization=org)
    tehran = ZoneInfo("Asia/Tehran")
    assert saved.starts_at == datetime(2030, 3, 1, 9, 0, tzinfo=tehran)
    assert saved.ends_at == datetime(2030, 3, 2, 17, 30, tzinfo=tehran)
    assert saved.places == ["help", "request"]
    assert saved.created_by == admin_a
    event = AuditEvent.objects.get(organization=org, action=services.AUDIT_ACTION)
    assert event.actor_id == admin_a.pk and "The online form is down" in event.summary
    page = client.get(manage_url(org))
    assert "The online form is down" in page.content.decode()


@pytest.mark.parametrize(
    "overrides,field",
    [
        ({"ends_at": "2030-03-01T08:00"}, "ends_at"),
        ({"places": []}, "places"),
        ({"title": ""}, "title"),
        ({"starts_at": "yesterday"}, "starts_at"),
    ],
)
def test_bad_input_is_shown_next_to_its_field_and_nothing_is_saved(
    client, org, admin_a, overrides, field
):
    client.force_login(admin_a)
    response = client.post(manage_url(org), form_data(**overrides))
    assert response.status_code == 400
    assert response.context["form"].errors[field]
    assert f'id="id_{field}' in response.content.decode()
    assert not Notice.objects.filter(organization=org).exists()
    assert not AuditEvent.objects.filter(organization=org, action=services.AUDIT_ACTION).exists()


def test_staff_change_and_end_a_notice(client, org, admin_a):
    shown = notice(org)
    client.force_login(admin_a)
    edit = manage_url(org, "community:manage_notice_edit", notice_id=shown.pk)
    assert client.get(edit).status_code == 200
    response = client.post(edit, form_data(title="Closed on Friday and Saturday"))
    assert response.status_code == 302
    shown.refresh_from_db()
    assert shown.title == "Closed on Friday and Saturday"

    response = client.post(manage_url(org, "community:manage_notice_end", notice_id=shown.pk))
    assert response.status_code == 302
    shown.refresh_from_db()
    assert shown.ends_at <= timezone.now()
    assert current_notices(organization=org, place="help", language="en") == []
    summaries = list(
        AuditEvent.objects.filter(organization=org, action=services.AUDIT_ACTION).values_list(
            "summary", flat=True
        )
    )
    assert any("ended" in summary for summary in summaries)
    assert any("changed" in summary for summary in summaries)


def test_ending_a_notice_that_has_not_started_means_it_never_shows(org, admin_a):
    coming = notice(
        org,
        starts_at=timezone.now() + timedelta(days=2),
        ends_at=timezone.now() + timedelta(days=3),
    )
    services.notice_end(organization=org, notice=coming, actor=admin_a)
    coming.refresh_from_db()
    assert coming.ends_at > coming.starts_at  # the database's rule still holds
    later = timezone.now() + timedelta(days=2, hours=1)
    assert current_notices(organization=org, place="help", language="en", now=later) == []


@pytest.mark.parametrize("role", [Role.VIEWER])
def test_read_only_staff_cannot_post_notices(client, org, role):
    user = MembershipFactory(organization=org, role=role).user
    client.force_login(user)
    assert client.get(manage_url(org)).status_code == 403
    assert client.post(manage_url(org), form_data()).status_code == 403
    shown = notice(org)
    end = manage_url(org, "community:manage_notice_end", notice_id=shown.pk)
    assert client.post(end).status_code == 403
    shown.refresh_from_db()
    assert shown.ends_at > timezone.now()


def test_another_organizations_notice_is_not_found(client, org, org_b, admin_b):
    shown = notice(org)
    client.force_login(admin_b)
    for name in ("community:manage_notice_edit", "community:manage_notice_end"):
        url = manage_url(org_b, name, notice_id=shown.pk)
        assert client.post(url, form_data()).status_code == 404
    shown.refresh_from_db()
    assert shown.title == "The food bank is closed on Friday"


# --- Where notices show --------------------------------------------------------------------


def test_only_current_notices_for_the_place_and_language_show(org):
    now = timezone.now()
    notice(org, title="Now, everywhere")
    notice(org, title="Ended", starts_at=now - timedelta(days=2), ends_at=now - timedelta(days=1))
    notice(org, title="Coming", starts_at=now + timedelta(days=1), ends_at=now + timedelta(days=2))
    notice(org, title="Community only", places=["community"])
    notice(org, title="Persian only", language="fa")
    shown = public_notices.for_place(organization=org, place="help", language="en")
    assert [n.title for n in shown] == ["Now, everywhere"]
    persian = public_notices.for_place(organization=org, place="help", language="fa")
    assert {n.title for n in persian} == {"Now, everywhere", "Persian only"}
    community = public_notices.for_place(organization=org, place="community", language="en")
    assert {n.title for n in community} == {"Now, everywhere", "Community only"}


def test_notices_show_on_the_help_centre_and_the_request_form_escaped(client, org, org_b):
    notice(
        org,
        title="<script>alert(1)</script> Closed",
        body="<b>Friday</b>",
        places=["help", "request"],
        severity="warning",
    )
    notice(org, title="Only on the community", places=["community"])
    for name in ("clients:help_home", "clients:public_request"):
        page = client.get(reverse(name, kwargs={"org_slug": org.slug})).content.decode()
        assert "&lt;script&gt;alert(1)&lt;/script&gt; Closed" in page
        assert "<script>alert(1)" not in page
        assert "&lt;b&gt;Friday&lt;/b&gt;" in page
        assert "Only on the community" not in page
    # another organization's pages show none of them
    other = client.get(reverse("clients:help_home", kwargs={"org_slug": org_b.slug}))
    assert "Closed" not in other.content.decode()


def test_notices_show_on_the_community_in_the_readers_language(client, org):
    notice(org, title="Closed on Friday", places=["community"])
    notice(org, title="جمعه تعطیل است", places=["community"], language="fa")
    home = reverse("community:home", kwargs={"org_slug": org.slug})
    page = client.get(home).content.decode()
    assert "Closed on Friday" in page and "جمعه تعطیل است" not in page
    with translation.override("fa"):
        page = client.get(home, HTTP_ACCEPT_LANGUAGE="fa").content.decode()
    assert "جمعه تعطیل است" in page
