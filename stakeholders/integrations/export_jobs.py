"""Background exports (issue 22, point 3): a whole API list, with its filters, written to a file
by Celery; the requester downloads it when it is ready.

Why through the list itself: the file must hold exactly what ``GET …/<list>/?format=…`` would
stream for the same member — the same filters, fields, order and role walls — so the job calls
that view (the one ``resolve`` finds for the list's URL) with a request made for its requester,
rather than a second description of every list. Asking for one is checked the same way, at once:
the list is read with a page of one, so an unknown list, a filter it refuses or a wall answers the
caller now (with the list's own error), not later as a failed job.
"""

import re
import tempfile
from datetime import timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction
from django.http import HttpRequest, QueryDict
from django.urls import Resolver404, resolve
from django.utils import timezone
from django.utils.translation import gettext as _

from stakeholders.integrations.models import ExportJob
from stakeholders.tenancy.exports import EXPORT_FORMATS

LIST_NAME = re.compile(r"^[a-z][a-z0-9-]{0,59}$")
MAX_FILTERS = 20
# Exports one member may have waiting or running at once: each reads a whole list, so a script
# asking in a loop must not fill the worker's queue for everyone else.
MAX_WAITING_PER_MEMBER = 3
# How often a running job writes how many rows it has written (its progress).
PROGRESS_EVERY_S = 2.0


class ListRefused(Exception):
    """The list answered the check with an error: its status and body go back to the caller."""

    def __init__(self, response):
        super().__init__(response.status_code)
        self.response = response


def _list_view(organization, list_name):
    """The view of ``/api/v1/o/<slug>/<list_name>/`` when it is a list that can be exported."""
    from stakeholders.tenancy.api import OrganizationViewSet

    if not LIST_NAME.match(list_name or ""):
        return None
    try:
        match = resolve(f"/api/v1/o/{organization.slug}/{list_name}/")
    except Resolver404:
        return None
    viewset = getattr(match.func, "cls", None)
    actions = getattr(match.func, "actions", None) or {}
    if (
        viewset is None
        or not issubclass(viewset, OrganizationViewSet)
        or actions.get("get") != "list"
    ):
        return None
    if list_name == "exports":  # an export of the exports is not a thing
        return None
    return match


def _request(organization, user, list_name, query, accept):
    """A GET of the list as ``user`` would send it (DRF authenticates it as them)."""
    request = HttpRequest()
    request.method = "GET"
    request.path = request.path_info = f"/api/v1/o/{organization.slug}/{list_name}/"
    site = urlsplit(settings.SITE_URL)  # the links the list writes (its next page) are ours
    request.META = {
        "HTTP_HOST": site.netloc,
        "SERVER_NAME": site.hostname,
        "SERVER_PORT": str(site.port or (443 if site.scheme == "https" else 80)),
        "wsgi.url_scheme": site.scheme,
        "HTTP_ACCEPT": accept,
        "REMOTE_ADDR": "127.0.0.1",
    }
    request.GET = query
    request.user = user
    request.organization = organization
    request.membership = None
    request._force_auth_user = user  # DRF's forced authentication: no token, no session
    request._dont_enforce_csrf_checks = True
    return request


def _call(organization, user, list_name, filters, extra, accept):
    match = _list_view(organization, list_name)
    query = QueryDict(mutable=True)
    query.update({**filters, **extra})
    request = _request(organization, user, list_name, query, accept)
    with timezone.override(ZoneInfo(organization.timezone)):
        response = match.func(request, **match.kwargs)
        if not response.streaming and hasattr(response, "render"):
            response.render()  # DRF's answer, rendered as the handler would
        return response


def _clean_filters(filters):
    if not isinstance(filters, dict) or len(filters) > MAX_FILTERS:
        raise ValidationError({"filters": _("Give at most 20 filters, as names and values.")})
    cleaned = {}
    for key, value in filters.items():
        if not isinstance(value, str | int | bool) or len(str(key)) > 60 or len(str(value)) > 200:
            raise ValidationError(
                {"filters": _("Each filter is a name and a value of up to 200 characters.")}
            )
        if key in ("format", "cursor", "page_size"):
            continue
        cleaned[str(key).replace("\x00", "")] = str(value).replace("\x00", "")
    return cleaned


def export_job_create(*, organization, user, list_name, export_format, filters):
    """Check the list with its filters for ``user`` and queue the job; raises ``ValidationError``
    (an unknown list or format) or ``ListRefused`` (the list's own answer)."""
    from stakeholders.integrations.tasks import run_export

    if export_format not in EXPORT_FORMATS:
        raise ValidationError({"format": _("Choose ndjson or csv.")})
    if _list_view(organization, list_name) is None:
        raise ValidationError({"list": _("There is no list of that name to export.")})
    filters = _clean_filters(filters)
    waiting = ExportJob.objects.filter(
        organization=organization,
        requested_by=user,
        status__in=[ExportJob.Status.QUEUED, ExportJob.Status.RUNNING],
    )
    if waiting.count() >= MAX_WAITING_PER_MEMBER:
        raise ValidationError(
            {"list": _("You have 3 exports waiting: ask again when one of them is ready.")}
        )
    check = _call(organization, user, list_name, filters, {"page_size": "1"}, "application/json")
    if check.status_code != 200:
        raise ListRefused(check)
    job = ExportJob.objects.create(
        organization=organization,
        requested_by=user,
        list_name=list_name,
        filters=filters,
        format=export_format,
        expires_at=timezone.now() + timedelta(days=settings.EXPORTS_KEEP_DAYS),
    )
    transaction.on_commit(lambda: run_export.delay(organization_id=organization.pk, job_id=job.pk))
    return job


def export_job_run(*, organization, job_id):
    """Write the job's file: the list streamed as its requester would get it, then stored."""
    job = (
        ExportJob.objects.select_related("requested_by")
        .filter(pk=job_id, status=ExportJob.Status.QUEUED)
        .first()
    )
    if job is None:  # done, running elsewhere, or gone
        return None
    ExportJob.objects.filter(pk=job.pk).update(
        status=ExportJob.Status.RUNNING, started_at=timezone.now()
    )
    renderer = EXPORT_FORMATS[job.format]
    try:
        response = _call(
            organization, job.requested_by, job.list_name, job.filters, {}, renderer.media_type
        )
        if response.status_code != 200 or not response.streaming:
            detail = response.content.decode(errors="replace")[:500]
            return _finish(job, status=ExportJob.Status.FAILED, error=detail)
        with tempfile.TemporaryFile() as file:
            rows, size = _write(job, response, file)
            file.seek(0)
            job.file.save(f"{job.list_name}.{job.format}", File(file), save=False)
    except Exception as error:
        _finish(job, status=ExportJob.Status.FAILED, error=str(error)[:500])
        raise
    if job.format == ExportJob.Format.CSV:
        rows -= 1  # the header
    return _finish(job, status=ExportJob.Status.DONE, rows=rows, size=size, file=job.file.name)


def _write(job, response, file):
    rows = size = 0
    reported = timezone.now()
    for chunk in response.streaming_content:
        chunk = chunk if isinstance(chunk, bytes) else chunk.encode()
        file.write(chunk)
        rows += chunk.count(b"\n")
        size += len(chunk)
        now = timezone.now()
        if (now - reported).total_seconds() >= PROGRESS_EVERY_S:
            ExportJob.objects.filter(pk=job.pk).update(rows=rows, size=size)
            reported = now
    return rows, size


def _finish(job, *, status, **fields):
    ExportJob.objects.filter(pk=job.pk).update(status=status, finished_at=timezone.now(), **fields)
    job.refresh_from_db()
    return job


def purge_expired_exports(*, now=None):
    """Across organizations: jobs (and their files) past ``expires_at``."""
    from django_scopes import scopes_disabled

    now = now or timezone.now()
    with scopes_disabled():
        expired = list(ExportJob.objects.filter(expires_at__lt=now))
        for job in expired:
            if job.file:
                job.file.storage.delete(job.file.name)
        ExportJob.objects.filter(pk__in=[job.pk for job in expired]).delete()
    return len(expired)


def erase_person(*, organization, contact):
    """Erasure: any export file may hold the person among many, so every file of the
    organization's finished exports is deleted (the jobs stay, saying why)."""
    from stakeholders.storage import delete_on_commit

    for job in ExportJob.objects.filter(organization=organization).exclude(file=""):
        delete_on_commit(job.file)
        ExportJob.objects.filter(pk=job.pk).update(
            file="",
            status=ExportJob.Status.FAILED,
            error="Deleted: a person it held was erased. Ask for the export again.",
        )
