"""The API at its edges: MFA, rate limits, unknown organizations, crafted cursors and bodies,
bounded shifts, links to related rows, and the fields a PATCH may change."""

from base64 import b64encode
from datetime import date, time, timedelta
from urllib.parse import urlencode

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.core.exceptions import ValidationError
from django.utils import timezone
from django_redis import get_redis_connection
from django_scopes import scopes_disabled

from donors.models import Gift
from stakeholders.models import Interaction, Invitation, Role
from stakeholders.tenancy.models import organization_scope
from tests.factories import (
    ApiTokenFactory,
    AssignmentFactory,
    ContactFactory,
    InteractionFactory,
    MembershipFactory,
    OpportunityFactory,
    ServiceRequestFactory,
    ShiftFactory,
    TrainingFactory,
    VolunteerProfileFactory,
)
from volunteers import services as volunteer_services
from volunteers.models import Assignment, HoursEntry, Shift, Skill

pytestmark = pytest.mark.django_db


def token_headers(organization, user):
    token = ApiTokenFactory(organization=organization, user=user)
    return {"HTTP_AUTHORIZATION": f"Token {token.key}"}


@pytest.fixture
def api(client, org_a, admin_a):
    client.defaults.update(token_headers(org_a, admin_a))
    return client


# --- MFA ---------------------------------------------------------------------------------------

MFA_MESSAGE = (
    "This organization requires two-factor authentication. Turn it on in your account "
    "(/accounts/2fa/) to use the API."
)


def test_required_mfa_holds_for_tokens(client, org_a, admin_a):
    headers = token_headers(org_a, admin_a)  # made before the organization required MFA
    org_a.require_mfa = True
    org_a.save()
    response = client.get("/api/v1/o/riverside/contacts/", **headers)
    assert response.status_code == 403
    assert response.json() == {"detail": MFA_MESSAGE}
    TOTP.activate(admin_a, generate_totp_secret())
    assert client.get("/api/v1/o/riverside/contacts/", **headers).status_code == 200


def test_required_mfa_holds_for_sessions(client, org_a, member_factory):
    caseworker = member_factory(org_a, role=Role.CASEWORKER)
    org_a.require_mfa = True
    org_a.save()
    client.force_login(caseworker)  # e.g. a phished password: the HTML pages ask for MFA first
    for path in ("/api/v1/o/riverside/members/", "/api/v1/o/riverside/service-requests/"):
        response = client.get(path)
        assert response.status_code == 403, path
        assert response.json() == {"detail": MFA_MESSAGE}
    TOTP.activate(caseworker, generate_totp_secret())
    assert client.get("/api/v1/o/riverside/service-requests/").status_code == 200


def test_mfa_costs_no_query_where_it_is_not_required(api, django_assert_num_queries):
    api.get("/api/v1/o/riverside/members/")  # records the token's "last used"
    with django_assert_num_queries(2):  # the token with its membership, the page
        api.get("/api/v1/o/riverside/members/")


# --- Rate limits -------------------------------------------------------------------------------


@pytest.fixture
def rates(settings):
    def set_rates(user, organization):
        settings.REST_FRAMEWORK = {
            **settings.REST_FRAMEWORK,
            "DEFAULT_THROTTLE_RATES": {"api_user": user, "api_organization": organization},
        }

    return set_rates


def test_each_token_has_its_own_limit(client, org_a, org_b, admin_a, admin_b, rates):
    rates("3/min", "100/min")
    first, second = token_headers(org_a, admin_a), token_headers(org_a, admin_a)
    for _ in range(3):
        assert client.get("/api/v1/o/riverside/members/", **first).status_code == 200
    refused = client.get("/api/v1/o/riverside/members/", **first)
    assert refused.status_code == 429
    assert refused.json()["detail"].startswith("Request was throttled.")
    assert 1 <= int(refused["Retry-After"]) <= 60
    assert client.get("/api/v1/o/riverside/members/", **second).status_code == 200
    client.force_login(admin_a)  # the staff UI's own calls count per user
    assert client.get("/api/v1/o/riverside/members/").status_code == 200
    assert client.get("/api/v1/o/hope/members/", **token_headers(org_b, admin_b)).status_code == 200


def test_an_organization_has_a_limit_for_all_its_tokens(client, org_a, org_b, admin_a, rates):
    rates("100/min", "4/min")
    for _ in range(4):
        headers = token_headers(org_a, MembershipFactory(organization=org_a).user)
        assert client.get("/api/v1/o/riverside/members/", **headers).status_code == 200
    refused = client.get("/api/v1/o/riverside/members/", **token_headers(org_a, admin_a))
    assert refused.status_code == 429 and 1 <= int(refused["Retry-After"]) <= 60
    other = token_headers(org_b, MembershipFactory(organization=org_b).user)
    assert client.get("/api/v1/o/hope/members/", **other).status_code == 200


def test_rate_counters_expire_with_their_window(api, settings):
    api.get("/api/v1/o/riverside/members/")
    redis = get_redis_connection("default")
    prefix = settings.CACHES["default"]["KEY_PREFIX"]
    keys = list(redis.scan_iter(f"{prefix}:*throttle_api_*"))
    assert len(keys) == 2  # one per scope: the token's and the organization's
    assert all(0 < redis.ttl(key) <= 60 for key in keys)
    assert all(int(redis.get(key)) == 1 for key in keys)


# --- Organizations that exist and don't answer alike -------------------------------------------


def test_unknown_and_foreign_organizations_answer_alike(client, org_a, org_b, admin_b):
    def answer(path, **headers):
        response = client.get(path, **headers)
        return response.status_code, response.json()

    for path in ("/api/v1/o/{}/members/", "/api/v1/o/{}/contacts/1/"):
        riverside, unknown = path.format("riverside"), path.format("no-such-org")
        assert (
            answer(riverside)
            == answer(unknown)
            == (
                401,
                {"detail": "Authentication credentials were not provided."},
            )
        )
        foreign = token_headers(org_b, admin_b)
        assert answer(riverside, **foreign) == answer(unknown, **foreign)
        assert answer(unknown, **foreign) == (401, {"detail": "Invalid token."})
    client.force_login(admin_b)
    assert answer("/api/v1/o/riverside/members/") == answer("/api/v1/o/no-such-org/members/")
    assert answer("/api/v1/o/no-such-org/members/")[0] == 404
    assert answer("/api/v1/o/no-such-org/nothing-here/")[0] == 404


def test_schema_and_docs_ignore_a_token(client, org_a, admin_a):
    headers = token_headers(org_a, admin_a)
    assert client.get("/api/schema/?format=json", **headers).status_code == 200
    assert client.get("/api/docs/", **headers).status_code == 200
    assert client.get("/api/schema/", HTTP_AUTHORIZATION="Token nonsense").status_code == 200


# --- Crafted cursors and bodies ----------------------------------------------------------------


def cursor(position):
    return b64encode(urlencode({"p": position}).encode()).decode()


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/o/riverside/members/",  # by id
        "/api/v1/o/riverside/service-levels/",  # by id, ascending
        "/api/v1/o/riverside/interactions/",  # by time
        "/api/v1/o/riverside/service-records/",  # by date
    ],
)
@pytest.mark.parametrize("position", ["abc", "", "1e3", "2024-13-45", "\x00"])
def test_a_crafted_cursor_is_an_invalid_cursor(api, path, position):
    response = api.get(path, {"cursor": cursor(position)})
    assert response.status_code == 404
    assert response.json() == {"detail": "Invalid cursor"}


def test_an_id_cursor_beyond_any_id_is_just_a_page(api):
    response = api.get("/api/v1/o/riverside/members/", {"cursor": cursor("9" * 40)})
    assert response.status_code == 200


@pytest.mark.parametrize("body", ["[]", "[1, 2]", "null", "5", '"text"'])
def test_a_body_that_is_not_an_object_is_a_400(api, org_a, body):
    with scopes_disabled():
        request = ServiceRequestFactory(contact__organization=org_a)
        member = MembershipFactory(organization=org_a)
    for path in (
        f"/api/v1/o/riverside/service-requests/{request.pk}/",
        f"/api/v1/o/riverside/members/{member.pk}/",
        "/api/v1/o/riverside/contacts/",
    ):
        method = api.post if path.endswith("contacts/") else api.patch
        response = method(path, body, content_type="application/json")
        assert response.status_code == 400, (path, response.content)
        assert response.json() == {"detail": "The request body must be a JSON object."}


def test_a_time_filter_takes_any_offset_python_reads(api):
    for value in ("0110-05-05T15:35:55+23:06", "2030-01-01T00:00:00-23:59"):
        assert api.get("/api/v1/o/riverside/shifts/", {"starts_at__gte": value}).status_code == 200
        response = api.get("/api/v1/o/riverside/interactions/", {"occurred_at__lt": value})
        assert response.status_code == 200
    response = api.get("/api/v1/o/riverside/shifts/", {"starts_at__gte": "0001-01-01T00:00+05:00"})
    assert response.status_code == 400 and set(response.json()) == {"starts_at__gte"}


def test_an_invitation_without_a_role_invites_a_viewer(api, org_a):
    response = api.post(
        "/api/v1/o/riverside/invitations/", {"email": "x@example.org"}, "application/json"
    )
    assert response.status_code == 201, response.content
    assert response.json()["role"] == Role.VIEWER
    with scopes_disabled():
        assert Invitation.objects.get(email="x@example.org").role == Role.VIEWER
    schema = api.get("/api/schema/?format=json").json()["components"]["schemas"]
    assert schema["InvitationRequest"]["properties"]["role"]["default"] == Role.VIEWER


# --- Shifts and their hours --------------------------------------------------------------------


@pytest.fixture
def shift(org_a):
    with scopes_disabled():
        return ShiftFactory(opportunity__organization=org_a)


def test_a_shift_lasts_a_day_at_most_and_starts_after_1900(api, shift):
    url = f"/api/v1/o/riverside/shifts/{shift.pk}/"
    response = api.patch(url, {"starts_at": "1700-01-01T09:00:00Z"}, "application/json")
    assert response.status_code == 400
    assert response.json() == {"starts_at": ["Give a date between 1900 and 2099."]}
    later = (shift.starts_at + timedelta(hours=25)).isoformat()
    response = api.patch(url, {"ends_at": later}, "application/json")
    assert response.status_code == 400
    assert response.json() == {"ends_at": ["A shift lasts 24 hours at most."]}
    response = api.post(
        "/api/v1/o/riverside/shifts/",
        {
            "opportunity": shift.opportunity_id,
            "starts_at": "9999-12-31T20:00:00Z",
            "ends_at": "9999-12-31T22:00:00Z",
        },
        "application/json",
    )
    assert response.status_code == 400 and set(response.json()) == {"starts_at"}
    night = (shift.starts_at + timedelta(hours=24)).isoformat()
    assert api.patch(url, {"ends_at": night}, "application/json").status_code == 200


def test_a_repeating_shift_stays_within_the_years_too(org_a, shift):
    with organization_scope(org_a), pytest.raises(ValidationError) as refused:
        volunteer_services.shift_create(
            organization=org_a,
            opportunity=shift.opportunity,
            date=date(2030, 1, 7),
            starts=time(9),
            ends=time(12),
            capacity=2,
            repeat_weeks=4,
            until=date(9999, 12, 31),
        )
    assert refused.value.message_dict == {"until": ["Give a date between 1900 and 2099."]}


def test_an_interaction_happened_after_1900(api, org_a):
    with scopes_disabled():
        interaction = InteractionFactory(contact__organization=org_a)
    url = f"/api/v1/o/riverside/interactions/{interaction.pk}/"
    for field in ("occurred_at", "resolved_at"):
        response = api.patch(url, {field: "1850-06-01T12:00:00Z"}, "application/json")
        assert response.status_code == 400
        assert response.json() == {field: ["Give a date from 1900 on."]}


def test_attendance_counts_a_day_at_most_for_a_longer_shift_saved_before(api, org_a, shift):
    with scopes_disabled():
        Shift.objects.filter(pk=shift.pk).update(
            starts_at=timezone.now() - timedelta(days=400), ends_at=timezone.now()
        )
        assignment = AssignmentFactory(
            shift=shift, profile=VolunteerProfileFactory(contact__organization=org_a)
        )
    response = api.post(
        f"/api/v1/o/riverside/assignments/{assignment.pk}/attendance/",
        {"attended": True},
        "application/json",
    )
    assert response.status_code == 200, response.content
    with scopes_disabled():
        assert Assignment.objects.get(pk=assignment.pk).status == Assignment.Status.ATTENDED
        assert HoursEntry.objects.get(assignment=assignment).hours == 24


def test_a_skill_or_training_named_twice_is_linked_once(api, org_a):
    with scopes_disabled():
        opportunity = OpportunityFactory(organization=org_a)
        skill = Skill.objects.create(organization=org_a, name="First aid")
        training = TrainingFactory(organization=org_a)
    body = {"skills": [skill.pk, skill.pk], "trainings": [training.pk, training.pk]}
    url = f"/api/v1/o/riverside/opportunities/{opportunity.pk}/"
    response = api.patch(url, body, "application/json")
    assert response.status_code == 200, response.content
    assert (response.json()["skills"], response.json()["trainings"]) == ([skill.pk], [training.pk])


def test_a_person_soft_credited_twice_is_a_400(api, org_a):
    with scopes_disabled():
        donor, asker = ContactFactory(organization=org_a), ContactFactory(organization=org_a)
    body = {
        "contact": donor.pk,
        "amount": "20.00",
        "received_on": "2026-01-05",
        "soft_credits": [{"contact": asker.pk}, {"contact": asker.pk, "kind": "influencer"}],
    }
    response = api.post("/api/v1/o/riverside/gifts/", body, "application/json")
    assert response.status_code == 400
    assert response.json() == {"soft_credits": ["Each person once, please."]}


def test_a_form_encoded_body_is_refused_not_half_read(api, org_a):
    """A form can't carry a gift's soft credits: the API takes JSON only, so nothing is
    dropped without a word."""
    with scopes_disabled():
        donor, asker = ContactFactory(organization=org_a), ContactFactory(organization=org_a)
    body = {"contact": donor.pk, "amount": "20.00", "received_on": "2026-01-05"}
    response = api.post(
        "/api/v1/o/riverside/gifts/",
        f"contact={donor.pk}&amount=20&received_on=2026-01-05&soft_credits={asker.pk}",
        "application/x-www-form-urlencoded",
    )
    assert response.status_code == 415
    assert "application/x-www-form-urlencoded" in response.json()["detail"]
    with scopes_disabled():
        assert not Gift.objects.filter(contact=donor).exists()
    assert api.post("/api/v1/o/riverside/gifts/", body, "application/json").status_code == 201


# --- Links to related rows ---------------------------------------------------------------------


def test_related_rows_are_checked_in_the_organization(api, org_a, org_b, shift):
    with scopes_disabled():
        contact = ContactFactory(organization=org_a)
        theirs = ShiftFactory(opportunity__organization=org_b)
    base = {"contact": contact.pk, "channel": "phone", "subject": "Call"}

    def post(path, **related):
        body = {**base, **related}
        if path == "feedback":
            body = {"contact": contact.pk, "measure": "csat", "score": 5, **related}
        return api.post(f"/api/v1/o/riverside/{path}/", body, "application/json")

    for path in ("interactions", "feedback"):
        response = post(path, related_kind="volunteers.shift", related_id=theirs.pk)
        assert response.status_code == 400
        assert response.json() == {
            "related_id": ["There is no such volunteers.shift in this organization."]
        }
        assert post(path, related_kind="volunteers.shift", related_id=10**12).status_code == 400
        response = post(path, related_kind="anything", related_id=shift.pk)
        assert response.status_code == 400 and set(response.json()) == {"related_kind"}
        response = post(path, related_id=shift.pk)
        assert response.status_code == 400 and set(response.json()) == {"related_kind"}
        response = post(path, related_kind="volunteers.shift")
        assert response.status_code == 400 and set(response.json()) == {"related_id"}
        response = post(path, related_kind="volunteers.shift", related_id=shift.pk)
        assert response.status_code == 201, response.content


def test_a_link_is_checked_when_it_changes(api, org_a, org_b, shift):
    with scopes_disabled():
        interaction = InteractionFactory(contact__organization=org_a)
        theirs = ShiftFactory(opportunity__organization=org_b)
    url = f"/api/v1/o/riverside/interactions/{interaction.pk}/"
    response = api.patch(url, {"related_kind": "volunteers.shift"}, "application/json")
    assert response.status_code == 400 and set(response.json()) == {"related_id"}
    response = api.patch(
        url, {"related_kind": "volunteers.shift", "related_id": theirs.pk}, "application/json"
    )
    assert response.status_code == 400
    body = {"related_kind": "volunteers.shift", "related_id": shift.pk}
    assert api.patch(url, body, "application/json").status_code == 200
    assert api.patch(url, {"notes": "Went well"}, "application/json").status_code == 200
    with scopes_disabled():
        assert Interaction.objects.get(pk=interaction.pk).related_id == shift.pk


def test_casework_kinds_are_only_for_the_roles_that_see_casework(client, org_a, member_factory):
    fundraiser = member_factory(org_a, role=Role.FUNDRAISER)
    with scopes_disabled():
        request = ServiceRequestFactory(contact__organization=org_a)
    body = {
        "contact": request.contact_id,
        "channel": "phone",
        "subject": "Call",
        "related_kind": "clients.request",
        "related_id": request.pk,
    }
    response = client.post(
        "/api/v1/o/riverside/interactions/",
        body,
        "application/json",
        **token_headers(org_a, fundraiser),
    )
    assert response.status_code == 400
    assert "clients.request" not in response.json()["related_kind"][0]
    caseworker = member_factory(org_a, role=Role.CASEWORKER)
    response = client.post(
        "/api/v1/o/riverside/interactions/",
        body,
        "application/json",
        **token_headers(org_a, caseworker),
    )
    assert response.status_code == 201, response.content


# --- What a service request's PATCH may change -------------------------------------------------


def test_service_request_patch_refuses_fields_it_does_not_change(api, org_a):
    with scopes_disabled():
        request = ServiceRequestFactory(contact__organization=org_a)
    url = f"/api/v1/o/riverside/service-requests/{request.pk}/"
    response = api.patch(url, {"subject": "New", "channel": "email"}, "application/json")
    assert response.status_code == 400
    assert response.json() == {
        "channel": ["This field can't be changed here."],
        "subject": ["This field can't be changed here."],
    }
    response = api.patch(url, {"priority": "high"}, "application/json")
    assert response.status_code == 200 and response.json()["priority"] == "high"
    schema = api.get("/api/schema/?format=json").json()
    operation = schema["paths"]["/api/v1/o/{org_slug}/service-requests/{id}/"]["patch"]
    ref = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    documented = schema["components"]["schemas"][ref.rsplit("/", 1)[-1]]["properties"]
    assert set(documented) == {
        "kind",
        "category",
        "complaint_category",
        "priority",
        "assignee",
        "status",
    }
