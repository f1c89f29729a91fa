"""Background exports (issue 22, point 3): a whole list, with its filters, written to a file by
the worker; the file says what the streamed export says for the same member, its requester alone
sees and downloads it, a refused list answers at once, and expired files go."""

from datetime import timedelta

import pytest
from django.utils import timezone

from stakeholders import services
from stakeholders.integrations import export_jobs
from stakeholders.models import ApiTokenScope, AuditAction, AuditEvent, ExportJob, Role
from stakeholders.tenancy.models import organization_scope
from tests.factories import (
    ApiTokenFactory,
    ContactFactory,
    MembershipFactory,
    ServiceRequestFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db
BASE = "/api/v1/o/riverside"


@pytest.fixture
def people(org_a):
    with organization_scope(org_a):
        for n in range(12):
            contact = ContactFactory(organization=org_a, first_name=f"Person{n}")
            if n % 3 == 0:
                services.contact_set_tags(organization=org_a, contact=contact, names=["gala"])
        ServiceRequestFactory(organization=org_a, contact=contact)


def _token(org, role=Role.ADMIN, **fields):
    user = UserFactory()
    MembershipFactory(organization=org, user=user, role=role)
    return {
        "HTTP_AUTHORIZATION": f"Token {ApiTokenFactory(organization=org, user=user, **fields).key}"
    }


def _ask(client, headers, django_capture_on_commit_callbacks, **body):
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(f"{BASE}/exports/", body, content_type="application/json", **headers)


@pytest.mark.parametrize("export_format", ["csv", "ndjson"])
def test_a_background_export_holds_what_the_stream_holds(
    client, org_a, people, django_capture_on_commit_callbacks, export_format
):
    headers = _token(org_a)
    asked = _ask(
        client,
        headers,
        django_capture_on_commit_callbacks,
        list="contacts",
        format=export_format,
        filters={"tag": "gala"},
    )
    assert asked.status_code == 202, asked.content
    job = client.get(f"{BASE}/exports/{asked.json()['id']}/", **headers).json()
    assert job["status"] == "done" and job["rows"] == 4 and job["size"] > 0, job
    download = client.get(f"{BASE}/exports/{job['id']}/download/", **headers)
    assert download.status_code == 200
    assert download["Content-Disposition"] == f'attachment; filename="contacts.{export_format}"'
    streamed = client.get(f"{BASE}/contacts/?format={export_format}&tag=gala", **headers)
    assert b"".join(download.streaming_content) == b"".join(streamed.streaming_content)
    with organization_scope(org_a):
        downloads = AuditEvent.objects.filter(
            organization=org_a, action=AuditAction.EXPORT, summary__contains="background"
        )
        assert downloads.count() == 1


def test_a_refused_list_answers_at_once_with_its_own_error(
    client, org_a, people, django_capture_on_commit_callbacks
):
    headers = _token(org_a, role=Role.FUNDRAISER)
    walled = _ask(
        client, headers, django_capture_on_commit_callbacks, list="service-requests", format="csv"
    )
    assert walled.status_code == 404  # as the list answers a fundraiser
    unknown = _ask(
        client, headers, django_capture_on_commit_callbacks, list="no-such", format="csv"
    )
    assert unknown.status_code == 400 and "list" in unknown.json()
    bad = _ask(
        client,
        headers,
        django_capture_on_commit_callbacks,
        list="contacts",
        format="csv",
        filters={"kind": "alien"},
    )
    assert bad.status_code == 400 and "kind" in bad.json()
    wrong = _ask(
        client, headers, django_capture_on_commit_callbacks, list="contacts", format="xlsx"
    )
    assert wrong.status_code == 400 and "format" in wrong.json()
    with organization_scope(org_a):
        assert not ExportJob.objects.exists()


def test_only_the_requester_sees_and_downloads_an_export(
    client, org_a, people, django_capture_on_commit_callbacks
):
    mine = _token(org_a)
    job = _ask(
        client, mine, django_capture_on_commit_callbacks, list="contacts", format="csv"
    ).json()
    colleague = _token(org_a)
    assert client.get(f"{BASE}/exports/{job['id']}/", **colleague).status_code == 404
    assert client.get(f"{BASE}/exports/{job['id']}/download/", **colleague).status_code == 404
    assert client.get(f"{BASE}/exports/", **colleague).json()["results"] == []
    assert [row["id"] for row in client.get(f"{BASE}/exports/", **mine).json()["results"]] == [
        job["id"]
    ]


def test_a_read_only_token_may_ask_and_a_job_not_ready_is_a_conflict(
    client, org_a, people, django_capture_on_commit_callbacks
):
    headers = _token(org_a, scope=ApiTokenScope.READ)
    asked = client.post(  # no worker ran: the job waits
        f"{BASE}/exports/",
        {"list": "contacts", "format": "ndjson"},
        content_type="application/json",
        **headers,
    )
    assert asked.status_code == 202 and asked.json()["status"] == "queued"
    waiting = client.get(f"{BASE}/exports/{asked.json()['id']}/download/", **headers)
    assert waiting.status_code == 409 and waiting.json()["detail"].startswith("This export is not")


def test_expired_exports_and_their_files_are_deleted(
    client, org_a, people, django_capture_on_commit_callbacks
):
    headers = _token(org_a)
    job_id = _ask(
        client, headers, django_capture_on_commit_callbacks, list="contacts", format="csv"
    ).json()["id"]
    with organization_scope(org_a):
        job = ExportJob.objects.get(pk=job_id)
    storage, name = job.file.storage, job.file.name
    assert storage.exists(name)
    assert export_jobs.purge_expired_exports(now=timezone.now() + timedelta(days=6)) == 0
    assert export_jobs.purge_expired_exports(now=timezone.now() + timedelta(days=8)) == 1
    assert not storage.exists(name)
    assert client.get(f"{BASE}/exports/{job_id}/", **headers).status_code == 404


def test_a_member_who_left_gets_a_failed_job_not_a_file(
    client, org_a, people, django_capture_on_commit_callbacks
):
    user = UserFactory()
    membership = MembershipFactory(organization=org_a, user=user, role=Role.ADMIN)
    headers = {"HTTP_AUTHORIZATION": f"Token {ApiTokenFactory(organization=org_a, user=user).key}"}
    asked = client.post(
        f"{BASE}/exports/",
        {"list": "contacts", "format": "csv"},
        content_type="application/json",
        **headers,
    )
    membership.delete()  # before the worker runs the job
    with organization_scope(org_a):
        job = export_jobs.export_job_run(organization=org_a, job_id=asked.json()["id"])
    assert job.status == "failed" and not job.file and "Not found" in job.error


def test_a_member_may_have_three_exports_waiting_not_more(client, org_a, people):
    headers = _token(org_a)
    body = {"list": "contacts", "format": "csv"}
    for _n in range(export_jobs.MAX_WAITING_PER_MEMBER):  # no worker runs them: they wait
        asked = client.post(f"{BASE}/exports/", body, content_type="application/json", **headers)
        assert asked.status_code == 202
    refused = client.post(f"{BASE}/exports/", body, content_type="application/json", **headers)
    assert refused.status_code == 400 and "3 exports waiting" in refused.json()["list"][0]
    with organization_scope(org_a):
        assert ExportJob.objects.count() == export_jobs.MAX_WAITING_PER_MEMBER
    colleague = client.post(
        f"{BASE}/exports/", body, content_type="application/json", **_token(org_a)
    )
    assert colleague.status_code == 202  # a colleague still may
