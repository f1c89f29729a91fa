"""Loading generated rows fast, as the owner of the tables: COPY, then indexes and foreign keys.

``bulk_create`` needs hours for ten million rows; COPY of generated text takes minutes. COPY gets
none of Django's defaults, so a generator names the columns it fills and ``copy()`` fills every
other column from the model, as Django would have written it: the field's default (``""`` for
a blank text field, ``now`` for ``auto_now``), or NULL where the column allows it. A field added
to a model later is then filled without anyone touching the generator; one that no default can
fill (a new required foreign key, say) stops the load at once with its name.

Loading runs as the owner (``bench/roles.py``), which may COPY into its tables (the application's
role may not: COPY FROM refuses a table with row-level security) but may not switch off the
foreign-key triggers (``session_replication_role`` is for superusers): so the foreign keys of the
loaded tables are dropped before and added back after, each checked once in one pass — as
``pg_restore`` does — instead of one lookup per row.
"""

from django.apps import apps
from django.db import connection
from django.db.models import NOT_PROVIDED
from django.utils import timezone

COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


class Stream:
    """A read()-able file over an iterator of text chunks, for ``cursor.copy_expert``."""

    def __init__(self, chunks):
        self.chunks = chunks

    def read(self, size=-1):
        return next(self.chunks, "").encode()


def _chunks(lines, size=20_000):
    batch = []
    for line in lines:
        batch.append(line)
        if len(batch) == size:
            yield "".join(batch)
            batch = []
    if batch:
        yield "".join(batch)


def copy_text(value):
    """A value as COPY's text format writes it."""
    return "\\N" if value is None else str(value).translate(COPY_ESCAPES)


def model_for_table(table):
    for model in apps.get_models():
        if model._meta.db_table == table and not model._meta.proxy:
            return model
    raise LookupError(table)


def defaults_for(cursor, model, columns):
    """The model's other columns and their values as COPY text: every concrete field the
    generator leaves out, from its default as Django would save it (through the field's own
    ``get_db_prep_save`` and a cast to its column type, so booleans, JSON and dates come out as
    PostgreSQL writes them). Columns the database fills itself (identity, ``db_default``, generated
    columns) and nullable ones without a default are left to the database."""
    filled = set(columns)
    names, values = [], []
    missing = []
    now = timezone.now()
    for field in model._meta.concrete_fields:
        if field.column in filled:
            continue
        if field.primary_key and field.get_internal_type().endswith("AutoField"):
            continue  # identity
        if field.db_default is not NOT_PROVIDED or getattr(field, "generated", False):
            continue  # the database fills it (a default, or a generated column)
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            value = now
        elif field.has_default() or not field.null:
            value = field.get_default()
        else:
            continue  # NULL
        if value is None and not field.null:
            missing.append(field.column)
            continue
        prepared = field.get_db_prep_save(value, connection)
        cursor.execute(f"SELECT (%s::{field.cast_db_type(connection)})::text", [prepared])
        (text,) = cursor.fetchone()
        names.append(field.column)
        values.append(copy_text(text))
    if missing:
        raise RuntimeError(
            f"{model._meta.db_table}: the generator must fill {sorted(missing)} "
            "(required, and the model gives no default)"
        )
    return names, values


def check_columns(cursor, table, columns):
    """Every NOT NULL column without a database default must be in ``columns`` (also those a
    migration added without a model field)."""
    cursor.execute(
        """
        SELECT column_name FROM information_schema.columns
        WHERE table_schema = current_schema() AND table_name = %s AND is_nullable = 'NO'
          AND column_default IS NULL AND is_identity = 'NO' AND is_generated = 'NEVER'
        """,
        [table],
    )
    missing = {name for (name,) in cursor.fetchall()} - set(columns)
    if missing:
        raise RuntimeError(f"{table}: the generator does not fill {sorted(missing)}")


def copy(cursor, table, columns, lines):
    """COPY ``lines`` (the tab-separated values of ``columns``, each line ending in a newline)
    into ``table``; the model's defaults fill the other columns."""
    extra, values = defaults_for(cursor, model_for_table(table), columns)
    if extra:
        suffix = "\t" + "\t".join(values) + "\n"
        lines = (line[:-1] + suffix for line in lines)
    columns = [*columns, *extra]
    check_columns(cursor, table, columns)
    cursor.copy_expert(
        f"COPY {table} ({', '.join(columns)}) FROM STDIN", Stream(_chunks(lines)), size=1 << 20
    )


# --- Indexes and foreign keys ------------------------------------------------------------------


def drop_indexes(cursor, tables):
    """Drop the secondary indexes of ``tables`` (not the primary keys nor indexes behind
    constraints); returns their definitions for ``create_indexes``. Loading then indexing once is
    several times faster than maintaining a dozen indexes row by row."""
    cursor.execute(
        """
        SELECT c.relname, pg_get_indexdef(i.indexrelid)
        FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
        WHERE i.indrelid = ANY(%s::regclass[]) AND NOT i.indisprimary
          AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid
                          AND k.contype IN ('p', 'u', 'x'))
        ORDER BY c.relname
        """,
        [list(tables)],
    )
    definitions = cursor.fetchall()
    for name, _definition in definitions:
        cursor.execute(f'DROP INDEX "{name}"')
    return [definition for _name, definition in definitions]


def create_indexes(cursor, definitions):
    for definition in definitions:
        cursor.execute(definition)


def drop_foreign_keys(cursor, tables):
    """Drop the foreign keys of ``tables``; returns the statements that add them back. Without
    them COPY fires no per-row trigger (Django's foreign keys are deferred: ten million rows
    would queue tens of millions of checks until the commit)."""
    cursor.execute(
        """
        SELECT k.conrelid::regclass::text, k.conname, pg_get_constraintdef(k.oid)
        FROM pg_constraint k
        WHERE k.conrelid = ANY(%s::regclass[]) AND k.contype = 'f'
        ORDER BY 1, 2
        """,
        [list(tables)],
    )
    definitions = cursor.fetchall()
    for table, name, _definition in definitions:
        cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    return [
        f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}'
        for table, name, definition in definitions
    ]


def add_foreign_keys(cursor, statements):
    """Add the foreign keys back: each checks every row once, in one join."""
    for statement in statements:
        cursor.execute(statement)
