"""API rows written by PostgreSQL (issue 22, points 2 and 3): each row's JSON (a list page, an
NDJSON export) or CSV line is a text column built by the query from the serializer's plain plan
(``tenancy.plain_rows``), so Python only joins lines.

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
  there are some, ``Z`` for UTC (a SQL function, ``steward_json_time``);
- what a serializer computes (``plain_<field>``) only when it also says how in SQL, with
  ``plain_sql_<field>()`` returning an expression of its JSON text (``JsonValue(…)`` of a
  value, or text built by the query).

A CSV line is the cells the Python export writes (``exports.cell``, then the csv module's minimal
quoting): text defused (a leading ``=``, ``+``, ``-``, ``@``, tab or CR gets a ``'``) and quoted
when it holds a comma, quote or line break; numbers as text (negative ones defused too);
``true``/``false``; times and dates as in the JSON; a list joined by ``|`` when the serializer
gives it as a text array (``plain_sql_list_<field>()``).

Anything else — a column Python reads (``from_db_value``: encrypted text, JSON), floats,
durations, a computed field without SQL — keeps the Python path for the whole list: nothing is
guessed.
"""

import orjson
from django.contrib.postgres.fields import ArrayField
from django.db.models import F, Func, TextField, Value
from django.db.models.expressions import RawSQL
from rest_framework import ISO_8601
from rest_framework import fields as drf_fields
from rest_framework.settings import api_settings

from stakeholders.csv_export import defuse
from stakeholders.tenancy import plain_rows

TEXT_TYPES = set(plain_rows.TEXT_TYPES)
NUMBER_TYPES = {*plain_rows.INTEGER_TYPES, "ForeignKey", "OneToOneField"}  # ids too
CONCAT_ARGUMENTS = 90  # PostgreSQL calls take at most 100
CSV_NEEDS_QUOTES = ',"\r\n'


class JsonValue(Func):
    """The value's JSON text; ``null`` for NULL."""

    template = "COALESCE(to_json(%(expressions)s)::text, 'null')"
    output_field = TextField()


class TextArray(Func):
    """A text array of the values, without the NULLs among them."""

    template = "array_remove(ARRAY[%(expressions)s]::text[], NULL)"
    output_field = ArrayField(TextField())


class JsonObjectArray(Func):
    """Parallel arrays as a JSON array of objects, in the arrays' order:
    ``JsonObjectArray(fund=F("funds"), amount=F("amounts"))`` →
    ``[{"fund":1,"amount":"60.25"}]``. The keys are the code's names, never input."""

    output_field = TextField()

    def __init__(self, **arrays):
        if not all(name.isidentifier() for name in arrays):
            raise ValueError("JSON keys must be identifiers")
        members = " || ',' || ".join(
            f"'{orjson.dumps(name).decode()}:' || COALESCE(to_json(t.v{n})::text, 'null')"
            for n, name in enumerate(arrays)
        )
        columns = ", ".join(f"v{n}" for n in range(len(arrays)))
        self.template = (  # identifiers and our own SQL only
            f"COALESCE((SELECT '[' || string_agg('{{' || {members} || '}}', ',' ORDER BY t.n) "  # noqa: S608
            f"|| ']' FROM unnest(%(expressions)s) WITH ORDINALITY AS t({columns}, n)), '[]')"
        )
        super().__init__(*arrays.values())


class JsonText(Func):
    """A value written as a JSON string of its text (decimals)."""

    template = "COALESCE(to_json((%(expressions)s)::text)::text, 'null')"
    output_field = TextField()


class JsonDateTime(Func):
    """A timestamptz as DRF writes it in ``zone`` (``steward_json_time``, migration
    stakeholders 0030): ``2026-03-01T09:30:00Z``, ``…T09:30:00.250000+01:00``."""

    function = "steward_json_time"
    output_field = TextField()

    def __init__(self, expression, zone):
        super().__init__(expression, Value(zone))


# A text cell: defused, then quoted when it holds a comma, a quote or a line break (byte
# searches: a regular expression converts every value to wide characters first). ``v`` appears
# ten times: a column, or the name of a value computed once.
_DEFUSED = (
    "CASE WHEN left({v}, 1) IN ('=', '+', '-', '@', E'\\t', E'\\r') THEN '''' || {v} "
    "ELSE coalesce({v}, '') END"
)
_QUOTED = (
    "CASE WHEN strpos({v}, ',') + strpos({v}, '\"') + strpos({v}, E'\\r') + strpos({v}, E'\\n')"
    " > 0 THEN '\"' || replace({d}, '\"', '\"\"') || '\"' ELSE {d} END"
)


def _text_cell(value):
    return _QUOTED.format(v=value, d=_DEFUSED.format(v=value))


class CsvText(Func):
    """A text column as a CSV cell."""

    output_field = TextField()

    def as_sql(self, compiler, connection, **extra_context):
        value, params = compiler.compile(self.source_expressions[0])
        return _text_cell(value), params * 10


class CsvNumber(Func):
    """A number as a CSV cell: a negative one defused, as the Python export does."""

    template = (
        "CASE WHEN %(expressions)s < 0 THEN '''' || %(expressions)s::text "
        "ELSE coalesce(%(expressions)s::text, '') END"
    )
    output_field = TextField()


class CsvBoolean(Func):
    template = (
        "CASE WHEN %(expressions)s THEN 'true' WHEN NOT %(expressions)s THEN 'false' ELSE '' END"
    )
    output_field = TextField()


class CsvDate(Func):
    template = "coalesce(to_char(%(expressions)s, 'YYYY-MM-DD'), '')"
    output_field = TextField()


class CsvDateTime(Func):
    """As ``JsonDateTime``, without the JSON's quotes."""

    template = "coalesce(btrim(NULLIF(steward_json_time(%(expressions)s), 'null'), '\"'), '')"
    output_field = TextField()

    def __init__(self, expression, zone):
        super().__init__(expression, Value(zone))


class CsvList(Func):
    """A text array (``plain_sql_list_<field>()``) as a CSV cell: its items joined by ``|``,
    computed once per row, then defused and quoted."""

    output_field = TextField()

    def as_sql(self, compiler, connection, **extra_context):
        # Compiled SQL of our own expressions only, its values still parameters.
        value, params = compiler.compile(self.source_expressions[0])
        joined = f"array_to_string({value}, '|', '')"
        return f"(SELECT {_text_cell('v')} FROM (SELECT {joined} AS v) AS cell)", params  # noqa: S608


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


def _kind(serializer, name, column, convert, method):
    """What PostgreSQL writes a field as — ``computed`` (the serializer says how), ``text``,
    ``number``, ``boolean``, ``datetime``, ``date``, ``decimal`` — or ``python`` (text Python
    reads and writes between PostgreSQL's pieces), or None when neither can be done as DRF
    does."""
    if method is not None:
        return "computed"
    model_field = _model_field(serializer, column)
    if model_field is None:
        return None
    internal = model_field.get_internal_type()
    if hasattr(model_field, "from_db_value"):  # read by Python (encrypted text, JSON)
        return "python" if convert is None and internal in TEXT_TYPES else None
    field = serializer.fields[name]
    if convert is None:
        if internal in TEXT_TYPES:
            return "text"
        if internal in NUMBER_TYPES:
            return "number"
        return "boolean" if internal == "BooleanField" else None
    if convert is plain_rows.IsoDateTime:
        return "datetime"
    if isinstance(field, drf_fields.DateField) and internal == "DateField" and _is_iso_date(field):
        return "date"
    if isinstance(field, drf_fields.DecimalField) and internal == "DecimalField":
        return "decimal" if _is_plain_decimal(field, model_field) else None
    return None


def _json_value(serializer, name, column, kind, zone):
    """The SQL of one field's JSON text (``plain_sql_<field>()`` for a computed one)."""
    if kind == "computed":
        sql = getattr(serializer, f"plain_sql_{name}", None)
        return None if sql is None else sql()
    if kind == "datetime":
        return JsonDateTime(F(column), zone)
    return (JsonText if kind == "decimal" else JsonValue)(F(column))


CSV_CELLS = {
    "text": CsvText,
    "number": CsvNumber,
    "decimal": CsvNumber,
    "boolean": CsvBoolean,
    "date": CsvDate,
}


def _csv_value(serializer, name, column, kind, zone):
    """The SQL of one field's CSV cell (a computed one's from ``plain_sql_list_<field>()``, a
    text array)."""
    if kind == "computed":
        sql = getattr(serializer, f"plain_sql_list_{name}", None)
        return None if sql is None else CsvList(sql())
    if kind == "datetime":
        return CsvDateTime(F(column), zone)
    return CSV_CELLS[kind](F(column))


def csv_cell(value):
    """A text value Python read (decrypted) as the Python export's CSV cell."""
    text = defuse(value)
    if any(character in text for character in CSV_NEEDS_QUOTES):
        return '"' + text.replace('"', '""') + '"'
    return text


def _concat(pieces):
    while len(pieces) > CONCAT_ARGUMENTS:
        pieces = [
            Concat(*pieces[start : start + CONCAT_ARGUMENTS])
            for start in range(0, len(pieces), CONCAT_ARGUMENTS)
        ]
    return Concat(*pieces)


class Lines:
    """A row's JSON line: pieces PostgreSQL writes (``segments``) with, between them, the
    columns only Python can read (``columns``: encrypted text), written by orjson. A list
    without such columns is one segment: the whole line."""

    def __init__(self, segments, columns, *, csv=False):
        self.segments, self.columns, self.csv = segments, columns, csv
        self.names = [f"steward_line_{n}" for n in range(len(segments))]

    def queryset(self, queryset, keys=()):
        """``queryset`` as rows of ``keys``, the segments and the columns."""
        segments = dict(zip(self.names, self.segments, strict=True))
        return (
            queryset.prefetch_related(None)
            .annotate(**segments)
            .values(*dict.fromkeys([*keys, *self.columns]), *self.names)
        )

    def line(self, row):
        names = self.names
        if not self.columns:
            return row[names[0]]
        write = csv_cell if self.csv else _json
        parts = [row[names[0]]]
        for column, name in zip(self.columns, names[1:], strict=True):
            parts += [write(row[column]), row[name]]
        return "".join(parts)


def _json(value):
    return orjson.dumps(value).decode()


def line_shape(serializer, plan, *, zone, csv=False):
    """How PostgreSQL (and, for encrypted text, Python) writes a row of ``serializer`` as the
    JSON DRF would give — or, ``csv``, as the Python export's CSV line without its line end —
    times in ``zone``, as ``Lines`` whose segments read the plan's annotations; or None."""
    if csv and len(plan.readers) < 2:
        return None  # the csv module quotes a lone empty cell: not worth a rule of its own
    segments, columns, pieces, separator = [], [], [], "" if csv else "{"
    for name, column, convert, method in plan.readers:
        key = Value(separator if csv else separator + orjson.dumps(name).decode() + ":")
        separator = ","
        kind = _kind(serializer, name, column, convert, method)
        if kind == "python":
            segments.append(_concat([*pieces, key]))
            columns.append(column)
            pieces = []
            continue
        value = (
            None
            if kind is None
            else (_csv_value if csv else _json_value)(serializer, name, column, kind, zone)
        )
        if value is None:
            return None
        pieces += [key, value]
    end = "" if csv else "}" if plan.readers else "{}"
    segments.append(_concat([*pieces, Value(end)]))
    return Lines(segments, columns, csv=csv)


class CompiledLines:
    """Lines compiled once per shape (issue 22, point 2): Django spends ~3 ms resolving and
    compiling ~90 expression nodes, more than the 50-row page they write. The SQL depends on
    the serializer's class, the organization (its scoped subqueries), the member's role (what
    ``plain_sql_<field>`` may show) and the time zone — the cache's key — and refers to the
    list's table by its name, as the list's own query does."""

    def __init__(self, size=256):
        self.size, self.entries = size, {}

    def get(self, key, queryset, plan, build):
        """The compiled ``Lines`` of ``key`` (``build()`` makes them the first time), or None."""
        if key not in self.entries:
            self.entries[key] = self._compile(queryset, plan, build())
            if len(self.entries) > self.size:
                self.entries.pop(next(iter(self.entries)))
        entry = self.entries[key]
        if entry is None:
            return None
        compiled, columns = entry
        # Compiled by Django from our own expressions, their values still parameters.
        raw = [RawSQL(sql, params, output_field=TextField()) for sql, params in compiled]  # noqa: S611
        return Lines(raw, columns)

    @staticmethod
    def _compile(queryset, plan, lines):
        if lines is None:
            return None
        query = queryset.annotate(**plan.annotations).annotate(
            **dict(zip(lines.names, lines.segments, strict=True))
        )
        compiler = query.query.get_compiler(query.db)
        compiled = [compiler.compile(query.query.annotations[name]) for name in lines.names]
        return compiled, lines.columns


compiled_lines = CompiledLines()


def export_lines(queryset, plan, lines, *, chunk_size):
    """The export's lines from ``queryset`` (already in the list's order)."""
    rows = lines.queryset(queryset.annotate(**plan.annotations))
    return map(lines.line, rows.iterator(chunk_size=chunk_size))
