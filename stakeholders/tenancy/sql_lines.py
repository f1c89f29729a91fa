"""NDJSON exports written by PostgreSQL (issue 22, point 3): each row's line is one text column,
built by the query from the serializer's plain plan (``tenancy.plain_rows``), so Python only
joins lines.

Why: with plain rows a large export still spent ~100 µs of Python per contact (reading 28
columns through psycopg2, a dict, orjson); PostgreSQL writes the same line in a fraction of that
on the database's core. The line must be byte-for-byte what ``ndjson_lines`` writes from the
plain rows (tests/test_api_plain_rows.py compares them), so only values whose JSON PostgreSQL
writes identically are read so:

- text, integers, booleans, text choices and related ids: ``to_json`` (the same escapes as
  orjson: ``\\"``, ``\\\\``, ``\\n``…, ``\\u001f``; everything else as UTF-8);
- dates in ISO form; decimals as strings with the column's scale (DRF's default, when the field's
  decimal places are the column's);
- date-times as DRF writes them in the organization's time zone: ISO 8601, microseconds only when
  there are some, ``Z`` for UTC — by ``to_char`` in the session's time zone, set for the export's
  transaction;
- what a serializer computes (``plain_<field>``) only when it also says how in SQL, with
  ``plain_sql_<field>()`` returning an expression of its JSON text (``JsonValue(…)`` of a
  value, or text built by the query).

Anything else — JSON columns (PostgreSQL spaces them), floats, durations, a computed field
without SQL — keeps the Python path for the whole export: nothing is guessed.
"""

import orjson
from django.db import connections
from django.db.models import F, Func, TextField, Value
from rest_framework import ISO_8601
from rest_framework import fields as drf_fields
from rest_framework.settings import api_settings

from stakeholders.tenancy.plain_rows import IsoDateTime

AS_JSON = {  # stored types whose ``to_json`` is the serializer's output
    "CharField",
    "TextField",
    "EmailField",
    "SlugField",
    "URLField",
    "IntegerField",
    "BigIntegerField",
    "SmallIntegerField",
    "PositiveIntegerField",
    "PositiveSmallIntegerField",
    "PositiveBigIntegerField",
    "AutoField",
    "BigAutoField",
    "BooleanField",
    "ForeignKey",
    "OneToOneField",
}
CONCAT_ARGUMENTS = 90  # PostgreSQL calls take at most 100


class JsonValue(Func):
    """The value's JSON text; ``null`` for NULL."""

    template = "COALESCE(to_json(%(expressions)s)::text, 'null')"
    output_field = TextField()


class JsonTextArray(Func):
    """A text array's JSON, without the NULLs in it: ``["donor","client"]``."""

    template = "to_json(array_remove(ARRAY[%(expressions)s]::text[], NULL))::text"
    output_field = TextField()


class JsonText(Func):
    """A value written as a JSON string of its text (decimals)."""

    template = "COALESCE(to_json((%(expressions)s)::text)::text, 'null')"
    output_field = TextField()


class JsonDateTime(Func):
    """A timestamptz as DRF writes it, in the session's time zone: ``2026-03-01T09:30:00Z``,
    ``…T09:30:00.250000+01:00``."""

    template = (
        "CASE WHEN %(expressions)s IS NULL THEN 'null' ELSE '\"' || "
        "to_char(%(expressions)s, 'YYYY-MM-DD\"T\"HH24:MI:SS') || "
        "CASE WHEN date_trunc('second', %(expressions)s) = %(expressions)s THEN '' "
        "ELSE to_char(%(expressions)s, '.US') END || "
        "CASE WHEN to_char(%(expressions)s, 'TZH:TZM') = '+00:00' THEN 'Z' "
        "ELSE to_char(%(expressions)s, 'TZH:TZM') END || '\"' END"
    )
    output_field = TextField()


class Concat(Func):
    """PostgreSQL's ``concat``: NULL-free text pieces joined (Django's ``Concat`` pairs them)."""

    function = "concat"
    output_field = TextField()


def _model_field(serializer, column):
    model = serializer.Meta.model
    return next((f for f in model._meta.concrete_fields if f.attname == column), None)


def _is_iso_date(field):
    return (
        type(field).to_representation is drf_fields.DateField.to_representation
        and (getattr(field, "format", api_settings.DATE_FORMAT) or "").lower() == ISO_8601
    )


def _is_plain_decimal(field, model_field):
    coerce = getattr(field, "coerce_to_string", api_settings.COERCE_DECIMAL_TO_STRING)
    return (
        type(field).to_representation is drf_fields.DecimalField.to_representation
        and coerce
        and not field.localize
        and not getattr(field, "normalize_output", False)
        and field.decimal_places == getattr(model_field, "decimal_places", None)
    )


def _value(serializer, name, column, convert, method):
    """The SQL of one field's JSON text, or None when PostgreSQL can't write it as DRF does."""
    if method is not None:
        sql = getattr(serializer, f"plain_sql_{name}", None)
        return None if sql is None else sql()
    model_field = _model_field(serializer, column)
    if model_field is None:
        return None
    field, internal = serializer.fields[name], model_field.get_internal_type()
    if convert is None:
        return JsonValue(F(column)) if internal in AS_JSON else None
    if convert is IsoDateTime:
        return JsonDateTime(F(column))
    if isinstance(field, drf_fields.DateField) and internal == "DateField" and _is_iso_date(field):
        return JsonValue(F(column))
    if isinstance(field, drf_fields.DecimalField) and internal == "DecimalField":
        return JsonText(F(column)) if _is_plain_decimal(field, model_field) else None
    return None


def line_expression(serializer, plan):
    """The expression of a row's NDJSON line (without the newline), or None."""
    pieces, separator = [], "{"
    for name, column, convert, method in plan.readers:
        value = _value(serializer, name, column, convert, method)
        if value is None:
            return None
        pieces += [Value(separator + orjson.dumps(name).decode() + ":"), value]
        separator = ","
    pieces.append(Value("}" if pieces else "{}"))
    while len(pieces) > CONCAT_ARGUMENTS:
        pieces = [
            Concat(*pieces[start : start + CONCAT_ARGUMENTS])
            for start in range(0, len(pieces), CONCAT_ARGUMENTS)
        ]
    return Concat(*pieces)


def lines(queryset, plan, expression, *, time_zone, chunk_size):
    """The export's lines from ``queryset`` (already in the list's order), in ``time_zone``.

    Called inside the export's transaction (``exports.in_scope``): the time zone is set for that
    transaction and put back after, even when the transaction is a savepoint in a longer one."""
    rows = (
        queryset.prefetch_related(None)
        .annotate(**plan.annotations)
        .annotate(steward_line=expression)
        .values_list("steward_line", flat=True)
    )
    with connections[queryset.db].cursor() as cursor:
        cursor.execute("SELECT current_setting('TimeZone')")
        previous = cursor.fetchone()[0]
        cursor.execute("SELECT set_config('TimeZone', %s, true)", [time_zone])
    try:
        yield from rows.iterator(chunk_size=chunk_size)
    finally:
        with connections[queryset.db].cursor() as cursor:
            cursor.execute("SELECT set_config('TimeZone', %s, true)", [previous])
