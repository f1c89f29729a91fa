"""The API routes of programmes, sessions and attendance, request/article/complaint categories,
relationships, duplicates and merge, imports and data subject requests: the pages' services,
roles, field errors and audit; lists in a number of queries that doesn't grow with the page."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from clients.models import (
    AccessLog,
    ArticleCategory,
    Attendance,
    Programme,
    ProgrammeCompletion,
    RequestCategory,
)
from stakeholders.models import (
    AuditAction,
    AuditEvent,
    ComplaintCategory,
    Contact,
    ContactKind,
    DataImport,
    DuplicatePair,
    Relationship,
    Role,
)
from stakeholders.tenancy.models import organization_scope
from tests.factories import (
    ApiTokenFactory,
    ContactFactory,
    DataImportFactory,
    DuplicatePairFactory,
    ProgrammeFactory,
    RelationshipFactory,
    SessionFactory,
)

pytestmark = pytest.mark.django_db

BASE = "/api/v1/o/riverside"


def as_member(client, organization, user):
    """``client`` with a token of ``user`` (its "last used" already written)."""
    token = ApiTokenFactory(organization=organization, user=user)
    client.defaults["HTTP_AUTHORIZATION"] = f"Token {token.key}"
    client.get(f"{BASE}/members/")
    return client


@pytest.fixture
def api(client, org_a, admin_a):
    with organization_scope(org_a):
        yield as_member(client, org_a, admin_a)


@pytest.fixture
def as_role(client, org_a, member_factory):
    def make(role):
        return as_member(client, org_a, member_factory(org_a, role=role))

    with organization_scope(org_a):
        yield make


def post(client, path, data):
    return client.post(f"{BASE}/{path}", data, content_type="application/json")


def patch(client, path, data):
    return client.patch(f"{BASE}/{path}", data, content_type="application/json")


def assert_constant_queries(client, path, make_rows, key="results"):
    """The same number of queries for a page of 2 rows as for a page of 30."""
    make_rows(31)
    counts = []
    for size in (2, 30):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(f"{BASE}/{path}?page_size={size}")
        assert response.status_code == 200, response.content
        assert len(response.json()[key]) == size
        counts.append(len(queries))
    assert counts[0] == counts[1], counts


# --- Programmes, sessions, attendance -------------------------------------------------------------


def test_programmes_are_created_changed_and_named_once(api, org_a):
    response = post(api, "programmes/", {"name": "Budgeting", "sessions_to_complete": 2})
    assert response.status_code == 201, response.content
    programme_id = response.json()["id"]
    assert response.json()["is_active"] is True
    again = post(api, "programmes/", {"name": "Budgeting"})
    assert again.status_code == 400 and list(again.json()) == ["name"]
    assert Programme.objects.filter(organization=org_a).count() == 1
    retired = patch(api, f"programmes/{programme_id}/", {"is_active": False})
    assert retired.status_code == 200 and retired.json()["is_active"] is False
    listed = api.get(f"{BASE}/programmes/?is_active=false").json()["results"]
    assert [row["id"] for row in listed] == [programme_id]


def test_programme_and_session_lists_are_constant_in_queries(api, org_a):
    assert_constant_queries(
        api, "programmes/", lambda n: ProgrammeFactory.create_batch(n, organization=org_a)
    )
    programme = ProgrammeFactory(organization=org_a)
    assert_constant_queries(
        api, "sessions/", lambda n: SessionFactory.create_batch(n, programme=programme)
    )


def test_sessions_take_attendance_which_completes_the_programme(api, org_a, admin_a):
    programme = ProgrammeFactory(organization=org_a, sessions_to_complete=1)
    response = post(
        api,
        "sessions/",
        {"programme": programme.pk, "title": "Week 1", "starts_at": "2026-03-02T18:30:00Z"},
    )
    assert response.status_code == 201, response.content
    session_id = response.json()["id"]
    came, missed = ContactFactory(organization=org_a), ContactFactory(organization=org_a)

    response = post(
        api, f"sessions/{session_id}/attendance/", {"present": [came.pk], "absent": [missed.pk]}
    )
    assert response.status_code == 200, response.content
    assert {(row["contact"], row["status"]) for row in response.json()} == {
        (came.pk, "attended"),
        (missed.pk, "absent"),
    }
    assert ProgrammeCompletion.objects.filter(contact=came, programme=programme).exists()
    assert not ProgrammeCompletion.objects.filter(contact=missed).exists()
    came.refresh_from_db()
    assert came.is_client
    # Reading the register is in the access log, as on the session page.
    assert AccessLog.objects.filter(object_kind="attendance", user_id=admin_a.pk).count() == 2
    listed = api.get(f"{BASE}/attendance/?session={session_id}").json()["results"]
    assert len(listed) == 2
    assert AccessLog.objects.filter(object_kind="attendance").count() == 4


def test_attendance_errors_name_their_field_and_save_nothing(api, org_a, org_b):
    session = SessionFactory(programme__organization=org_a)
    with organization_scope(org_b):
        stranger = ContactFactory(organization=org_b)
    ours = ContactFactory(organization=org_a)
    response = post(api, f"sessions/{session.pk}/attendance/", {"present": [ours.pk, stranger.pk]})
    assert response.status_code == 400 and list(response.json()) == ["present"]
    response = post(
        api, f"sessions/{session.pk}/attendance/", {"present": [ours.pk], "absent": [ours.pk]}
    )
    assert response.status_code == 400 and list(response.json()) == ["absent"]
    response = post(api, f"sessions/{session.pk}/attendance/", {"present": []})
    assert response.status_code == 400 and list(response.json()) == ["present"]
    assert not Attendance.objects.filter(organization=org_a).exists()


def test_a_session_stays_with_its_programme_of_the_same_organization(api, org_a, org_b):
    session = SessionFactory(programme__organization=org_a)
    with organization_scope(org_b):
        theirs = ProgrammeFactory(organization=org_b)
    response = post(
        api,
        "sessions/",
        {"programme": theirs.pk, "title": "Week 1", "starts_at": "2026-03-02T18:30:00Z"},
    )
    assert response.status_code == 400 and list(response.json()) == ["programme"]
    other = ProgrammeFactory(organization=org_a)
    response = patch(api, f"sessions/{session.pk}/", {"programme": other.pk})
    assert response.status_code == 400 and list(response.json()) == ["programme"]
    response = patch(api, f"sessions/{session.pk}/", {"location": "Library"})
    assert response.status_code == 200 and response.json()["location"] == "Library"


@pytest.mark.parametrize("role", [Role.FUNDRAISER, Role.VOLUNTEER_COORDINATOR, Role.VIEWER])
def test_client_routes_are_not_found_for_other_roles(as_role, org_a, role):
    """As the client pages: a role without client data is told the route does not exist."""
    client = as_role(role)
    programme = ProgrammeFactory(organization=org_a)
    session = SessionFactory(programme=programme)
    for path in (
        "programmes/",
        f"programmes/{programme.pk}/",
        "sessions/",
        f"sessions/{session.pk}/",
        "attendance/",
        "request-categories/",
        "article-categories/",
    ):
        assert client.get(f"{BASE}/{path}").status_code == 404, path
    assert post(client, "programmes/", {"name": "Mine"}).status_code == 404
    assert post(client, f"sessions/{session.pk}/attendance/", {"present": [1]}).status_code == 404
    assert Programme.objects.filter(organization=org_a).count() == 1


# --- Categories ---------------------------------------------------------------------------------


def test_request_categories_caseworkers_read_admins_manage(api, as_role, org_a):
    response = post(api, "request-categories/", {"name": "Housing", "is_public": False})
    assert response.status_code == 201, response.content
    category_id = response.json()["id"]
    duplicate = post(api, "request-categories/", {"name": "Housing"})
    assert duplicate.status_code == 400 and list(duplicate.json()) == ["name"]
    caseworker = as_role(Role.CASEWORKER)
    assert caseworker.get(f"{BASE}/request-categories/").json()["results"][0]["name"] == "Housing"
    # Writes are the admins' (the settings page): to a caseworker the route is not there.
    assert patch(caseworker, f"request-categories/{category_id}/", {"name": "X"}).status_code == 404
    assert RequestCategory.objects.get(pk=category_id).name == "Housing"
    assert_constant_queries(
        caseworker,
        "request-categories/",
        lambda n: RequestCategory.objects.bulk_create(
            RequestCategory(organization=org_a, name=f"Topic {i}") for i in range(n)
        ),
    )


def test_article_categories_are_kept_in_order_and_named_once(as_role, org_a):
    caseworker = as_role(Role.CASEWORKER)
    for name, position in (("Money", 2), ("Housing", 1)):
        response = post(caseworker, "article-categories/", {"name": name, "position": position})
        assert response.status_code == 201, response.content
    listed = caseworker.get(f"{BASE}/article-categories/").json()["results"]
    assert [row["name"] for row in listed] == ["Housing", "Money"]
    duplicate = post(caseworker, "article-categories/", {"name": "Money"})
    assert duplicate.status_code == 400 and list(duplicate.json()) == ["name"]
    assert ArticleCategory.objects.filter(organization=org_a).count() == 2
    assert_constant_queries(
        caseworker,
        "article-categories/",
        lambda n: ArticleCategory.objects.bulk_create(
            ArticleCategory(organization=org_a, name=f"Section {i}", position=i) for i in range(n)
        ),
    )


def test_complaint_categories_through_the_insights_service(api, as_role, org_a):
    response = post(api, "complaint-categories/", {"name": "Waiting times"})
    assert response.status_code == 201, response.content
    assert response.json()["kind"] == "complaint"
    # Names are unique whatever their case (the service's rule), the kind is checked.
    duplicate = post(api, "complaint-categories/", {"name": "waiting TIMES"})
    assert duplicate.status_code == 400 and list(duplicate.json()) == ["name"]
    wrong = post(api, "complaint-categories/", {"name": "Hours", "kind": "mood"})
    assert wrong.status_code == 400 and list(wrong.json()) == ["kind"]
    viewer = as_role(Role.VIEWER)
    assert viewer.get(f"{BASE}/complaint-categories/?kind=complaint").json()["results"]
    assert post(viewer, "complaint-categories/", {"name": "Other"}).status_code == 403
    assert ComplaintCategory.objects.filter(organization=org_a).count() == 1
    assert_constant_queries(
        viewer,
        "complaint-categories/",
        lambda n: ComplaintCategory.objects.bulk_create(
            ComplaintCategory(organization=org_a, name=f"Thing {i}") for i in range(n)
        ),
    )


# --- Relationships ------------------------------------------------------------------------------


def test_relationships_link_in_either_order_and_unlink(api, org_a):
    person = ContactFactory(organization=org_a)
    trust = ContactFactory(
        organization=org_a, kind=ContactKind.ORGANIZATION, organization_name="Acme Trust"
    )
    response = post(
        api,
        "relationships/",
        {"person": trust.pk, "related": person.pk, "kind": "trustee", "role_title": "Chair"},
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["person"], body["related"], body["role_title"]) == (person.pk, trust.pk, "Chair")
    listed = api.get(f"{BASE}/relationships/?related={trust.pk}").json()["results"]
    assert [row["id"] for row in listed] == [body["id"]]
    assert api.delete(f"{BASE}/relationships/{body['id']}/").status_code == 204
    assert not Relationship.objects.filter(organization=org_a).exists()


def test_relationship_errors_name_their_field(api, org_a, org_b):
    one, two = ContactFactory(organization=org_a), ContactFactory(organization=org_a)
    response = post(api, "relationships/", {"person": one.pk, "related": two.pk, "kind": "other"})
    assert response.status_code == 400 and list(response.json()) == ["related"]
    with organization_scope(org_b):
        theirs = ContactFactory(organization=org_b, kind=ContactKind.HOUSEHOLD)
    response = post(
        api, "relationships/", {"person": one.pk, "related": theirs.pk, "kind": "household_member"}
    )
    assert response.status_code == 400 and list(response.json()) == ["related"]
    assert not Relationship.objects.filter(organization=org_a).exists()


def test_relationships_viewers_read_editors_write(as_role, org_a):
    link = RelationshipFactory(organization=org_a)
    viewer = as_role(Role.VIEWER)
    assert viewer.get(f"{BASE}/relationships/{link.pk}/").status_code == 200
    assert viewer.delete(f"{BASE}/relationships/{link.pk}/").status_code == 403
    assert Relationship.objects.filter(pk=link.pk).exists()
    assert_constant_queries(
        viewer,
        "relationships/",
        lambda n: RelationshipFactory.create_batch(n, organization=org_a),
    )


# --- Duplicates and merge -----------------------------------------------------------------------


def test_duplicate_pairs_list_in_constant_queries(api, org_a):
    assert_constant_queries(
        api, "duplicates/", lambda n: DuplicatePairFactory.create_batch(n, organization=org_a)
    )
    row = api.get(f"{BASE}/duplicates/?page_size=1").json()["results"][0]
    assert set(row["contact"]) >= {"id", "name", "email", "phone"} and row["reasons"] == ["email"]


def test_dismissing_a_pair_takes_it_off_the_list(api, org_a, admin_a):
    pair = DuplicatePairFactory(organization=org_a)
    response = api.post(f"{BASE}/duplicates/{pair.pk}/dismiss/")
    assert response.status_code == 200 and response.json()["status"] == "dismissed"
    pair.refresh_from_db()
    assert pair.decided_by == admin_a
    assert api.get(f"{BASE}/duplicates/").json()["results"] == []
    assert api.post(f"{BASE}/duplicates/{pair.pk}/dismiss/").status_code == 404


def test_merge_goes_through_the_merge_service(api, org_a):
    keep = ContactFactory(organization=org_a, email="", phone="")
    remove = ContactFactory(organization=org_a, email="same@example.org")
    low, high = sorted([keep, remove], key=lambda c: c.pk)
    pair = DuplicatePairFactory(organization=org_a, contact=low, other=high)
    stranger = ContactFactory(organization=org_a)
    wrong = post(api, f"duplicates/{pair.pk}/merge/", {"keep": stranger.pk})
    assert wrong.status_code == 400 and list(wrong.json()) == ["keep"]

    response = post(api, f"duplicates/{pair.pk}/merge/", {"keep": keep.pk})
    assert response.status_code == 200, response.content
    assert response.json()["id"] == keep.pk and response.json()["email"] == "same@example.org"
    remove.refresh_from_db()
    assert remove.merged_into_id == keep.pk
    pair.refresh_from_db()
    assert pair.status == DuplicatePair.Status.MERGED
    assert AuditEvent.objects.filter(action=AuditAction.MERGED, target_id=keep.pk).exists()


def test_duplicates_are_for_editors(as_role, org_a, django_capture_on_commit_callbacks):
    pair = DuplicatePairFactory(organization=org_a)
    viewer = as_role(Role.VIEWER)
    assert viewer.get(f"{BASE}/duplicates/").status_code == 403
    assert viewer.post(f"{BASE}/duplicates/{pair.pk}/dismiss/").status_code == 403
    assert (
        post(viewer, f"duplicates/{pair.pk}/merge/", {"keep": pair.contact_id}).status_code == 403
    )
    pair.refresh_from_db()
    assert pair.status == DuplicatePair.Status.OPEN
    fundraiser = as_role(Role.FUNDRAISER)
    ContactFactory(organization=org_a, first_name="Ada", last_name="Byron", email="a@example.org")
    ContactFactory(organization=org_a, first_name="Ada", last_name="Byron", email="a@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        response = fundraiser.post(f"{BASE}/duplicates/scan/")
    assert response.status_code == 202
    assert DuplicatePair.objects.filter(organization=org_a, status="open").count() == 2


# --- Imports -------------------------------------------------------------------------------------

CSV = (
    b"First name,Surname,Email\n"
    b"Ada,Lovelace,ada@example.org\n"
    b"Grace,Hopper,not-an-email\n"
    b"Mary,Somerville,mary@example.org\n"
)


def upload(client, content=CSV, kind="contacts", name="people.csv"):
    return client.post(
        f"{BASE}/imports/", {"kind": kind, "file": SimpleUploadedFile(name, content, "text/csv")}
    )


def test_an_import_is_uploaded_checked_run_and_reports_its_errors(
    api, org_a, admin_a, django_capture_on_commit_callbacks
):
    org_a.country = "GB"
    org_a.save()
    response = upload(api)
    assert response.status_code == 201, response.content
    job = response.json()
    assert job["status"] == "uploaded" and job["total_rows"] == 3
    assert job["mapping"] == {"First name": "first_name", "Surname": "last_name", "Email": "email"}
    assert "email" in job["targets"]
    preview = api.get(f"{BASE}/imports/{job['id']}/preview/").json()
    assert preview["headers"] == ["First name", "Surname", "Email"]
    assert preview["rows"][0] == ["Ada", "Lovelace", "ada@example.org"]

    with django_capture_on_commit_callbacks(execute=True):
        response = post(api, f"imports/{job['id']}/check/", {})
    assert response.status_code == 202, response.content
    checked = api.get(f"{BASE}/imports/{job['id']}/").json()
    assert checked["status"] == "checked" and checked["error_count"] == 1
    assert not Contact.objects.filter(organization=org_a).exists()  # a dry run

    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(f"{BASE}/imports/{job['id']}/run/")
    assert response.status_code == 202 and response.json()["status"] == "importing"
    done = api.get(f"{BASE}/imports/{job['id']}/").json()
    assert done["status"] == "done" and done["progress"] == 100
    assert set(Contact.objects.values_list("email", flat=True)) == {
        "ada@example.org",
        "mary@example.org",
    }
    errors = api.get(f"{BASE}/imports/{job['id']}/errors/").json()
    assert [error["row"] for error in errors] == [3] and "email" in errors[0]["errors"]
    assert errors[0]["values"]["Email"] == "not-an-email"
    assert AuditEvent.objects.filter(action=AuditAction.IMPORT, actor_id=admin_a.pk).exists()
    # A finished import can't be checked or run again.
    assert post(api, f"imports/{job['id']}/check/", {}).status_code == 400
    assert api.get(f"{BASE}/imports/{job['id']}/preview/").status_code == 400
    assert api.post(f"{BASE}/imports/{job['id']}/run/").status_code == 400


def test_import_errors_name_their_field_and_save_nothing(api, org_a):
    response = upload(api, b"just one column\nvalue\n")
    assert response.status_code == 400 and list(response.json()) == ["file"]
    response = upload(api, b"")
    assert response.status_code == 400 and list(response.json()) == ["file"]
    response = upload(api, kind="spaceships")
    assert response.status_code == 400 and list(response.json()) == ["kind"]
    assert not DataImport.objects.filter(organization=org_a).exists()
    job = upload(api).json()
    response = post(api, f"imports/{job['id']}/check/", {"mapping": {"Email": "email"}})
    assert response.status_code == 400 and list(response.json()) == ["mapping"]
    response = post(api, f"imports/{job['id']}/encoding/", {"encoding": "klingon"})
    assert response.status_code == 400 and list(response.json()) == ["encoding"]
    response = post(api, f"imports/{job['id']}/encoding/", {"encoding": "cp1252"})
    assert response.status_code == 200 and response.json()["encoding"] == "cp1252"
    assert api.post(f"{BASE}/imports/{job['id']}/run/").status_code == 400  # not checked yet


def test_imports_follow_the_roles_of_their_kind(as_role, org_a):
    gifts = DataImportFactory(organization=org_a, kind="gifts")
    contacts = DataImportFactory(organization=org_a, kind="contacts")
    caseworker = as_role(Role.CASEWORKER)
    listed = caseworker.get(f"{BASE}/imports/").json()["results"]
    assert [row["id"] for row in listed] == [contacts.pk]
    assert caseworker.get(f"{BASE}/imports/{gifts.pk}/").status_code == 404
    assert caseworker.get(f"{BASE}/imports/{gifts.pk}/errors/").status_code == 404
    refused = upload(caseworker, kind="gifts")
    assert refused.status_code == 400 and list(refused.json()) == ["kind"]
    assert as_role(Role.VIEWER).get(f"{BASE}/imports/").status_code == 403
    fundraiser = as_role(Role.FUNDRAISER)
    assert fundraiser.get(f"{BASE}/imports/{gifts.pk}/").status_code == 200
    assert_constant_queries(
        fundraiser,
        "imports/",
        lambda n: DataImportFactory.create_batch(n, organization=org_a),
    )


# --- Data subject requests ---------------------------------------------------------------------


def test_export_is_the_pages_data_and_audited(api, org_a, admin_a):
    contact = ContactFactory(organization=org_a, email="ada@example.org")
    response = api.get(f"{BASE}/data-subjects/{contact.pk}/export/")
    assert response.status_code == 200
    body = response.json()
    assert body["contact"]["email"] == "ada@example.org" and body["organization"] == org_a.name
    event = AuditEvent.objects.get(action=AuditAction.SUBJECT_EXPORT)
    assert (event.target_id, event.actor_id) == (contact.pk, admin_a.pk)


def test_erasure_needs_the_name_and_goes_through_the_service(api, org_a):
    contact = ContactFactory(organization=org_a, first_name="Ada", last_name="Lovelace")
    for body in ({}, {"confirm": "ada lovelace"}):
        response = post(api, f"data-subjects/{contact.pk}/erase/", body)
        assert response.status_code == 400 and list(response.json()) == ["confirm"]
    contact.refresh_from_db()
    assert contact.erased_at is None and contact.first_name == "Ada"
    response = post(api, f"data-subjects/{contact.pk}/erase/", {"confirm": "Ada Lovelace"})
    assert response.status_code == 200, response.content
    assert response.json()["id"] == contact.pk and response.json()["erased"] is True
    contact.refresh_from_db()
    assert contact.erased_at is not None and contact.first_name != "Ada"
    assert AuditEvent.objects.filter(action=AuditAction.ERASED, target_id=contact.pk).exists()
    again = post(api, f"data-subjects/{contact.pk}/erase/", {"confirm": contact.name})
    assert again.status_code == 400 and list(again.json()) == ["confirm"]


@pytest.mark.parametrize("role", [Role.FUNDRAISER, Role.CASEWORKER, Role.VIEWER])
def test_data_subject_requests_are_for_admins(as_role, org_a, role):
    contact = ContactFactory(organization=org_a, first_name="Ada", last_name="Lovelace")
    client = as_role(role)
    assert client.get(f"{BASE}/data-subjects/{contact.pk}/export/").status_code == 403
    response = post(client, f"data-subjects/{contact.pk}/erase/", {"confirm": "Ada Lovelace"})
    assert response.status_code == 403
    contact.refresh_from_db()
    assert contact.erased_at is None
    assert not AuditEvent.objects.filter(action=AuditAction.SUBJECT_EXPORT).exists()


# --- Another organization's rows -----------------------------------------------------------------


def test_another_organizations_rows_are_not_found(api, org_a, org_b):
    with organization_scope(org_b):
        programme = ProgrammeFactory(organization=org_b)
        session = SessionFactory(programme=programme)
        attendance = Attendance.objects.create(
            organization=org_b, session=session, contact=ContactFactory(organization=org_b)
        )
        category = RequestCategory.objects.create(organization=org_b, name="Housing")
        section = ArticleCategory.objects.create(organization=org_b, name="Money")
        complaint = ComplaintCategory.objects.create(organization=org_b, name="Queues")
        link = RelationshipFactory(organization=org_b)
        pair = DuplicatePairFactory(organization=org_b)
        job = DataImportFactory(organization=org_b)
        contact = ContactFactory(organization=org_b, first_name="Ada", last_name="Lovelace")
    for path in (
        f"programmes/{programme.pk}/",
        f"sessions/{session.pk}/",
        f"attendance/{attendance.pk}/",
        f"request-categories/{category.pk}/",
        f"article-categories/{section.pk}/",
        f"complaint-categories/{complaint.pk}/",
        f"relationships/{link.pk}/",
        f"duplicates/{pair.pk}/",
        f"imports/{job.pk}/",
        f"imports/{job.pk}/errors/",
        f"data-subjects/{contact.pk}/export/",
    ):
        assert api.get(f"{BASE}/{path}").status_code == 404, path
    for path, body in (
        (f"sessions/{session.pk}/attendance/", {"present": [attendance.contact_id]}),
        (f"duplicates/{pair.pk}/dismiss/", {}),
        (f"duplicates/{pair.pk}/merge/", {"keep": pair.contact_id}),
        (f"imports/{job.pk}/check/", {}),
        (f"imports/{job.pk}/run/", {}),
        (f"data-subjects/{contact.pk}/erase/", {"confirm": "Ada Lovelace"}),
    ):
        assert post(api, path, body).status_code == 404, path
    assert api.delete(f"{BASE}/relationships/{link.pk}/").status_code == 404
    with organization_scope(org_b):
        contact.refresh_from_db()
        pair.refresh_from_db()
        assert contact.erased_at is None and pair.status == DuplicatePair.Status.OPEN
        assert Relationship.objects.filter(pk=link.pk).exists()


# --- Completions, request messages, the working-time clock --------------------------------------


def test_completions_are_recorded_once_with_the_clients_answer(api, org_a):
    from stakeholders.models import Consent

    programme = ProgrammeFactory(organization=org_a)
    client = ContactFactory(organization=org_a)
    body = {"contact": client.pk, "programme": programme.pk, "consent": True}
    response = post(api, "programme-completions/", body)
    assert response.status_code == 201, response.content
    assert "consent" not in response.json()
    again = post(api, "programme-completions/", {**body, "consent": None})
    assert again.status_code == 201 and again.json()["id"] == response.json()["id"]
    assert ProgrammeCompletion.objects.filter(contact=client).count() == 1
    consent = Consent.objects.get(contact=client)
    assert consent.granted and consent.purpose == "thank_yous"
    listed = api.get(f"{BASE}/programme-completions/?contact={client.pk}").json()["results"]
    assert [row["programme"] for row in listed] == [programme.pk]
    assert AccessLog.objects.filter(object_kind="completion").count() == 1
    assert_constant_queries(
        api,
        "programme-completions/",
        lambda n: ProgrammeCompletion.objects.bulk_create(
            ProgrammeCompletion(
                organization=org_a,
                contact=ContactFactory(organization=org_a),
                programme=programme,
                completed_on="2026-03-30",
            )
            for _ in range(n)
        ),
    )


def test_request_messages_go_through_the_request_services(api, org_a, admin_a, mailbox):
    from tests.factories import ServiceRequestFactory

    request = ServiceRequestFactory(contact__organization=org_a, contact__email="ada@example.org")
    note = post(api, "request-messages/", {"request": request.pk, "kind": "note", "body": "Hi"})
    assert note.status_code == 201, note.content
    assert note.json()["kind"] == "note" and note.json()["author"] == admin_a.pk
    empty = post(api, "request-messages/", {"request": request.pk, "kind": "call", "body": " "})
    assert empty.status_code == 400 and list(empty.json()) == ["body"]
    reply = post(
        api,
        "request-messages/",
        {"request": request.pk, "kind": "reply", "body": "Booked for Tuesday.", "then": "open"},
    )
    assert reply.status_code == 201, reply.content
    request.refresh_from_db()
    assert request.first_responded_at is not None and request.status == "open"
    assert len(mailbox.messages) == 1 and "Booked for Tuesday." in mailbox.text(mailbox.messages[0])
    listed = api.get(f"{BASE}/request-messages/?request={request.pk}").json()["results"]
    assert [row["kind"] for row in listed] == ["note", "reply"]
    assert AccessLog.objects.filter(object_kind="request", object_id=request.pk).exists()
    client_says = post(
        api, "request-messages/", {"request": request.pk, "kind": "client", "body": "x"}
    )
    assert client_says.status_code == 400 and list(client_says.json()) == ["kind"]


def test_request_message_list_is_constant_in_queries(api, org_a):
    from clients.models import RequestMessage
    from tests.factories import ServiceRequestFactory

    request = ServiceRequestFactory(contact__organization=org_a)
    assert_constant_queries(
        api,
        "request-messages/",
        lambda n: RequestMessage.objects.bulk_create(
            RequestMessage(organization=org_a, request=request, kind="note", body=f"Note {i}")
            for i in range(n)
        ),
    )


def test_working_hours_and_holidays_move_open_deadlines(api, as_role, org_a):
    from stakeholders.models import Holiday, WorkingHours
    from tests.factories import ServiceRequestFactory

    request = ServiceRequestFactory(contact__organization=org_a)
    before = request.resolution_due_at
    response = post(api, "working-hours/", {"weekday": 0, "opens": "09:00", "closes": "17:00"})
    assert response.status_code == 201, response.content
    clash = post(api, "working-hours/", {"weekday": 0, "opens": "09:00", "closes": "12:00"})
    assert clash.status_code == 400 and list(clash.json()) == ["opens"]
    backwards = post(api, "working-hours/", {"weekday": 1, "opens": "17:00", "closes": "09:00"})
    assert backwards.status_code == 400 and list(backwards.json()) == ["closes"]
    day = post(api, "holidays/", {"date": "2026-12-25", "name": "Christmas Day"})
    assert day.status_code == 201, day.content
    again = post(api, "holidays/", {"date": "2026-12-25", "name": "Christmas"})
    assert again.status_code == 400 and list(again.json()) == ["date"]
    request.refresh_from_db()
    assert request.resolution_due_at != before  # one opening period a week: much later
    caseworker = as_role(Role.CASEWORKER)
    assert len(caseworker.get(f"{BASE}/working-hours/").json()["results"]) == 1
    assert caseworker.delete(f"{BASE}/holidays/{day.json()['id']}/").status_code == 404
    assert Holiday.objects.filter(organization=org_a).count() == 1
    assert WorkingHours.objects.filter(organization=org_a).count() == 1


def test_attachments_are_listed_and_downloaded_into_the_access_log(api, org_a, admin_a):
    from django.core.files.base import ContentFile

    from clients.models import Attachment
    from tests.factories import ServiceRequestFactory

    request = ServiceRequestFactory(contact__organization=org_a)
    attachment = Attachment(
        organization=org_a,
        request=request,
        original_name="letter.txt",
        content_type="text/plain",
        size=5,
    )
    attachment.file.save("letter", ContentFile(b"hello"), save=True)
    listed = api.get(f"{BASE}/attachments/?request={request.pk}").json()["results"]
    assert [row["original_name"] for row in listed] == ["letter.txt"]
    response = api.get(f"{BASE}/attachments/{attachment.pk}/download/")
    assert response.status_code == 200 and b"".join(response.streaming_content) == b"hello"
    assert response["Content-Disposition"].startswith("attachment")
    assert response["Cache-Control"] == "private, no-store"
    logged = AccessLog.objects.filter(object_kind="attachment", object_id=attachment.pk)
    assert logged.count() == 2 and {row.user_id for row in logged} == {admin_a.pk}


def _attendance_rows(org, n):
    session = SessionFactory(programme__organization=org)
    return Attendance.objects.bulk_create(
        Attendance(organization=org, session=session, contact=ContactFactory(organization=org))
        for _ in range(n)
    )


def _attachment_rows(org, n):
    from tests.factories import AttachmentFactory, ServiceRequestFactory

    request = ServiceRequestFactory(contact__organization=org)
    return AttachmentFactory.create_batch(n, request=request)


def _working_hours_rows(org, n):
    from datetime import time

    from stakeholders.models import WorkingHours

    return WorkingHours.objects.bulk_create(
        WorkingHours(organization=org, weekday=i % 7, opens=time(i // 7), closes=time(23))
        for i in range(n)
    )


def _holiday_rows(org, n):
    from datetime import date, timedelta

    from stakeholders.models import Holiday

    return Holiday.objects.bulk_create(
        Holiday(organization=org, date=date(2027, 1, 1) + timedelta(days=i), name=f"Day {i}")
        for i in range(n)
    )


@pytest.mark.parametrize(
    "path,make",
    [
        ("attendance/", _attendance_rows),
        ("attachments/", _attachment_rows),
        ("working-hours/", _working_hours_rows),
        ("holidays/", _holiday_rows),
    ],
)
def test_more_lists_are_constant_in_queries(api, org_a, path, make):
    assert_constant_queries(api, path, lambda n: make(org_a, n))


@pytest.mark.parametrize(
    "path,make",
    [
        ("programmes/", lambda org, n: ProgrammeFactory.create_batch(n, organization=org)),
        ("attendance/", _attendance_rows),
        ("duplicates/", lambda org, n: DuplicatePairFactory.create_batch(n, organization=org)),
        ("relationships/", lambda org, n: RelationshipFactory.create_batch(n, organization=org)),
        ("imports/", lambda org, n: DataImportFactory.create_batch(n, organization=org)),
        ("working-hours/", _working_hours_rows),
    ],
)
def test_lists_stream_as_ndjson_the_rows_of_the_json_list(api, org_a, path, make):
    """The streaming export of each new list: the JSON list's rows, whole (nested ones too)."""
    import json

    make(org_a, 3)
    listed = api.get(f"{BASE}/{path}").json()["results"]
    response = api.get(f"{BASE}/{path}?format=ndjson")
    assert response.status_code == 200 and response.streaming
    rows = [json.loads(line) for line in b"".join(response.streaming_content).splitlines()]
    assert sorted(rows, key=lambda row: row["id"]) == sorted(listed, key=lambda row: row["id"])


# --- The inbox's saved replies and WhatsApp templates -------------------------------------------


def test_canned_replies_are_checked_by_the_sandbox_and_one_per_language(api, as_role, org_a):
    from stakeholders.models import CannedReply
    from tests.factories import CannedReplyFactory

    body = {"title": "Opening hours", "language": "en", "body": "Hello {{ first_name }}."}
    response = post(api, "canned-replies/", body)
    assert response.status_code == 201, response.content
    reply_id = response.json()["id"]
    twice = post(api, "canned-replies/", {**body, "body": "Hi."})
    assert twice.status_code == 400 and list(twice.json()) == ["language"]
    broken = post(api, "canned-replies/", {**body, "language": "fr", "body": "{% if %}"})
    assert broken.status_code == 400 and list(broken.json()) == ["body"]
    french = post(api, "canned-replies/", {**body, "language": "fr", "body": "Bonjour."})
    assert french.status_code == 201
    changed = patch(api, f"canned-replies/{reply_id}/", {"body": "Hello, we open at 9."})
    assert changed.status_code == 200 and changed.json()["body"] == "Hello, we open at 9."
    caseworker = as_role(Role.CASEWORKER)
    listed = caseworker.get(f"{BASE}/canned-replies/?language=fr").json()["results"]
    assert [row["body"] for row in listed] == ["Bonjour."]
    assert caseworker.delete(f"{BASE}/canned-replies/{reply_id}/").status_code == 204
    assert CannedReply.objects.filter(organization=org_a).count() == 1
    assert_constant_queries(
        caseworker,
        "canned-replies/",
        lambda n: CannedReplyFactory.create_batch(n, organization=org_a),
    )
    assert as_role(Role.VIEWER).get(f"{BASE}/canned-replies/").status_code == 403


def test_whatsapp_templates_admins_manage_the_inbox_reads(api, as_role, org_a):
    from stakeholders.models import WhatsAppTemplate
    from tests.factories import WhatsAppTemplateFactory

    body = {
        "name": "reminder",
        "language": "en",
        "content_sid": "HX0123456789abcdef0123456789abcdef",
        "body": "Hello {{1}}.",
    }
    response = post(api, "whatsapp-templates/", body)
    assert response.status_code == 201, response.content
    twice = post(api, "whatsapp-templates/", body)
    assert twice.status_code == 400 and list(twice.json()) == ["name"]
    wrong = post(api, "whatsapp-templates/", {**body, "language": "fr", "content_sid": "HX1"})
    assert wrong.status_code == 400 and list(wrong.json()) == ["content_sid"]
    fundraiser = as_role(Role.FUNDRAISER)
    assert len(fundraiser.get(f"{BASE}/whatsapp-templates/").json()["results"]) == 1
    template_id = response.json()["id"]
    assert patch(fundraiser, f"whatsapp-templates/{template_id}/", {"body": "x"}).status_code == 403
    assert WhatsAppTemplate.objects.get(pk=template_id).body == "Hello {{1}}."
    assert_constant_queries(
        fundraiser,
        "whatsapp-templates/",
        lambda n: WhatsAppTemplateFactory.create_batch(n, organization=org_a),
    )
