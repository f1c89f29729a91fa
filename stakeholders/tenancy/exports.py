"""Streaming exports of every API list (issue 22, point 3): ``?format=ndjson`` or ``?format=csv``
(or ``Accept: application/x-ndjson`` / ``text/csv``) on any list route of an
``OrganizationViewSet`` streams the whole filtered list, not one page.

Same rows and fields as the JSON list: the viewset's queryset (organization, role walls), its
filters and its serializer. Rows are read with a server-side cursor in chunks
(``.iterator(chunk_size=…)``), so memory stays flat whatever the size.

Why the generator opens its own transaction: the body is produced after the view returned and
left the organization's scope; row-level security shows nothing outside one. So the generator
enters the scope again and opens one transaction for the whole read: inside it the cursor is a
plain (not ``WITH HOLD``) one that PostgreSQL streams instead of materialising the full result
at the first commit, and the scope's setting stays the connection's for every ``FETCH``.

A viewset may offer a faster row source than ``to_representation`` per row (the DRF fact of
DESIGN.md: ``values()`` is 2–3× cheaper) with ``export_rows(queryset)``, yielding dicts with
the serializer's fields.

With a replica (``stakeholders.replica``), an export is read-only work: the database is chosen
before the audit row is written (the replica unless the user has just written), and the stream
reads from it.
"""

import csv
import json
from zoneinfo import ZoneInfo

import orjson
from django.db import DEFAULT_DB_ALIAS, transaction
from django.http import StreamingHttpResponse
from django.utils import timezone
from rest_framework import mixins
from rest_framework.renderers import BaseRenderer
from rest_framework.utils.encoders import JSONEncoder

from stakeholders import audit, replica
from stakeholders.csv_export import _Echo, defuse
from stakeholders.models import AuditAction
from stakeholders.tenancy import sql_lines
from stakeholders.tenancy.models import organization_scope

CHUNK_SIZE = 2000
BUFFER_ROWS = 200  # lines joined per chunk written: fewer, larger writes to the socket


class NDJSONRenderer(BaseRenderer):
    """One JSON object per line. A non-streamed answer (an error) is one line too."""

    media_type = "application/x-ndjson"
    format = "ndjson"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if data is None:
            return b""
        return (json.dumps(data, cls=JSONEncoder, ensure_ascii=False) + "\n").encode()


class CSVRenderer(BaseRenderer):
    """A non-streamed answer (an error, a detail) as a one-row CSV with its keys as header."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if data is None:
            return b""
        rows = data if isinstance(data, list) else [data]
        rows = [row if isinstance(row, dict) else {"detail": row} for row in rows]
        fields = list(dict.fromkeys(key for row in rows for key in row))
        writer = csv.writer(_Echo())
        lines = [writer.writerow(fields)]
        lines += [writer.writerow([cell(row.get(name)) for name in fields]) for row in rows]
        return "".join(lines).encode()


EXPORT_RENDERERS = (NDJSONRenderer, CSVRenderer)
EXPORT_FORMATS = {renderer.format: renderer for renderer in EXPORT_RENDERERS}


def cell(value):
    """A CSV cell: lists joined by ``|``, objects as JSON, formulas defused."""
    if isinstance(value, list | tuple):
        value = "|".join("" if item is None else str(item) for item in value)
    elif isinstance(value, dict):
        value = json.dumps(value, cls=JSONEncoder, ensure_ascii=False)
    elif isinstance(value, bool):
        value = "true" if value else "false"
    return defuse(value)


def ndjson_lines(rows):
    """One compact JSON object per line (orjson: ten times DRF's encoder; what it can't write
    itself — times, decimals, lazy text — goes through DRF's, so values read as in the API)."""
    default = JSONEncoder().default
    dumps, options = orjson.dumps, orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_SUBCLASS
    buffer = []
    for row in rows:
        buffer.append(dumps(row, default=default, option=options))
        if len(buffer) >= BUFFER_ROWS:
            yield b"\n".join(buffer) + b"\n"
            buffer = []
    if buffer:
        yield b"\n".join(buffer) + b"\n"


def joined_lines(lines, end="\n"):
    """Lines PostgreSQL wrote (``tenancy.sql_lines``), as the body."""
    buffer = []
    for line in lines:
        buffer.append(line)
        if len(buffer) >= BUFFER_ROWS:
            yield (end.join(buffer) + end).encode()
            buffer = []
    if buffer:
        yield (end.join(buffer) + end).encode()


def csv_written_lines(lines, fields):
    """CSV lines PostgreSQL wrote, after the same start as ``csv_lines``."""
    yield "\ufeff"
    yield csv.writer(_Echo()).writerow(fields)
    yield from joined_lines(lines, end="\r\n")


def csv_lines(rows, fields):
    writer = csv.writer(_Echo())
    yield "\ufeff"  # as the contacts page's CSV: spreadsheets then read UTF-8 names correctly
    yield writer.writerow(fields)
    buffer = []
    for row in rows:
        buffer.append(writer.writerow([cell(row.get(name)) for name in fields]))
        if len(buffer) >= BUFFER_ROWS:
            yield "".join(buffer)
            buffer = []
    if buffer:
        yield "".join(buffer)


def serialized_rows(queryset, serializer):
    """The generic row source: the list serializer's ``to_representation``, row by row."""
    for instance in queryset.iterator(chunk_size=CHUNK_SIZE):
        yield serializer.to_representation(instance)


def in_scope(lines, *, organization, using=DEFAULT_DB_ALIAS):
    """Produce ``lines`` inside the organization's scope and one read transaction (see the
    module's docstring for why both), and its time zone, as the list's pages are."""
    with (
        organization_scope(organization),
        timezone.override(ZoneInfo(organization.timezone)),
        transaction.atomic(using=using),
    ):
        yield from lines


class ExportMixin:
    """Part of ``OrganizationViewSet``: a list asked for as NDJSON or CSV is streamed whole."""

    def get_renderers(self):
        renderers = super().get_renderers()
        if getattr(self, "action", None) == "list" and self.exportable():
            renderers += [renderer() for renderer in EXPORT_RENDERERS]
        return renderers

    def exportable(self):
        """A list of model rows with a serializer (not a computed report such as insights)."""
        if not isinstance(self, mixins.ListModelMixin):
            return False
        try:
            return self.get_serializer_class() is not None
        except AssertionError:
            return False

    def export_format(self, request):
        renderer = getattr(request, "accepted_renderer", None)
        return (
            renderer.format if renderer is not None and renderer.format in EXPORT_FORMATS else None
        )

    def export_fields(self, serializer):
        return [name for name, field in serializer.fields.items() if not field.write_only]

    def export_rows(self, queryset, serializer):
        """Rows as dicts of the serializer's fields: read as plain values where the list's
        serializer allows it (``tenancy.plain_rows``), else through ``to_representation``."""
        plan = self.plain_plan()
        if plan is None:
            return serialized_rows(queryset, serializer)
        return plan.represent_all(plan.queryset(queryset).iterator(chunk_size=CHUNK_SIZE))

    def export_lines(self, queryset, serializer, export_format):
        """The body's lines: written by PostgreSQL when every field allows it (NDJSON), else
        from the rows."""
        plan, csv = self.plain_plan(), export_format == "csv"
        if plan is not None:
            zone = self.request.organization.timezone
            lines = sql_lines.line_shape(serializer, plan, zone=zone, csv=csv)
            if lines is not None:
                rows = sql_lines.export_lines(queryset, plan, lines, chunk_size=CHUNK_SIZE)
                if csv:
                    return csv_written_lines(rows, self.export_fields(serializer))
                return joined_lines(rows)
        rows = self.export_rows(queryset, serializer)
        if csv:
            return csv_lines(rows, self.export_fields(serializer))
        return ndjson_lines(rows)

    def export_queryset(self):
        """The list's rows in the list's order: the paginator's key order (so an export and
        the pages agree), or the search's relevance where the list keeps it."""
        queryset = self.filter_queryset(self.get_queryset())
        if getattr(self, "relevance_ordered", lambda: False)():
            return queryset
        paginator = self.paginator
        if paginator is not None and hasattr(paginator, "get_ordering"):
            ordering = paginator.get_ordering(self.request, queryset, self)
        else:
            ordering = getattr(self, "keyset_ordering", None) or ("-pk",)
        return queryset.order_by(*ordering)

    def export(self, request, export_format):
        organization = request.organization
        database = replica.database_now()  # before the audit row: a write
        queryset = self.export_queryset().using(database)
        serializer = self.get_serializer()
        fields = self.export_fields(serializer)
        name = self.basename or self.model._meta.model_name
        # What the export was filtered by, as the caller wrote it: bounded, and without the NUL
        # characters PostgreSQL can't store in JSON.
        filters = {
            key.replace("\x00", "")[:50]: value.replace("\x00", "")[:100]
            for key, value in list(request.query_params.items())[:20]
            if key not in ("format", "cursor")
        }
        audit.record(
            organization=organization,
            action=AuditAction.EXPORT,
            summary=f"{name} {export_format.upper()} (API)",
            changes={"filters": filters, "format": export_format, "fields": fields},
        )
        lines = self.export_lines(queryset, serializer, export_format)
        renderer = EXPORT_FORMATS[export_format]
        response = StreamingHttpResponse(
            in_scope(lines, organization=organization, using=database),
            content_type=f"{renderer.media_type}; charset=utf-8",
        )
        response["Content-Disposition"] = f'attachment; filename="{name}.{export_format}"'
        response["Cache-Control"] = "no-store"
        return response

    def initial(self, request, *args, **kwargs):
        """After content negotiation: a list asked for in an export format is answered by
        ``export`` instead of the paginated ``list`` (which the subclass's ``ListModelMixin``
        provides, ahead of this class in the MRO, so it can't be overridden by name)."""
        super().initial(request, *args, **kwargs)
        if self.action == "list" and request.method in ("GET", "HEAD"):
            replica.reads_from_replica_until_response()  # read-only work (a list, an export)
        export_format = self.export_format(request) if self.action == "list" else None
        if export_format is not None:
            handler = lambda request, *args, **kwargs: self.export(request, export_format)  # noqa: E731
            setattr(self, request.method.lower(), handler)
