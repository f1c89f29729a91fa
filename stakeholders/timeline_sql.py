"""The timeline's one UNION ALL query, its SQL compiled once per shape (issue 21).

Building and compiling the sources' querysets (eight of them, with their visibility rules) cost
the contact page about as much as running the query. The first page of a timeline is the same
SQL for every contact of an organization read by the same role, with the same filters, language
and time zone: only the contact's id changes. So the first time a shape is seen, its querysets
are built twice, for the contact and for a copy with another id, and compiled; when the two
differ only where one has the contact's id and the other the copy's, the SQL and its parameters
are kept, and later pages of that shape bind the new contact's id at those places. Anything
else that differs (a source reading the time, the contact's name…) keeps the shape uncached:
it is built every time, as before. Entries expire after ``TTL_SECONDS``, and the key holds the
organization's own fields, so a change to its settings (time zone, currency) is read afresh.

A source's ``rows()`` must depend only on its arguments (see ``registries.TimelineSource``);
pages older than a cursor (``before``) are built every time.

The same cache serves other hot reads (``for_values``: the search box's name start, bound to
what was typed; ``once``: the list's filter choices, with nothing to bind).
"""

import copy
import json
import threading
import time
from decimal import Decimal

from django.core.exceptions import EmptyResultSet
from django.db import connections, router
from django.utils import timezone, translation

TTL_SECONDS = 300
MAX_SHAPES = 512
UNCACHEABLE = object()

_shapes = {}
_lock = threading.Lock()


def compose(queries, limit):
    """(sql, params, {kind: source}) of the sources' querysets as one query, or None: each
    source's own top-N (its index) in a derived table, the whole ordered as ``sort_key`` is
    (kind compared byte by byte, as Python compares the strings)."""
    parts, params, sources = [], [], {}
    for source, queryset in queries:
        try:
            sql, part_params = queryset.query.get_compiler(using=queryset.db).as_sql()
        except EmptyResultSet:  # e.g. ``__in=[]``: nothing to read
            continue
        parts.append(f"SELECT %s::text, t.* FROM ({sql}) t")  # noqa: S608 (compiled, with params)
        params += [source.kind, *part_params]
        sources[source.kind] = source
    if not parts:
        return None
    union = " UNION ALL ".join(f"({part})" for part in parts)
    sql = (
        f"SELECT * FROM ({union}) "  # noqa: S608 (the sources' compiled SQL, values as params)
        'u (kind, at, key, data) ORDER BY at DESC, kind COLLATE "C" DESC, key DESC LIMIT %s'
    )
    return sql, [*params, limit], sources


def _querysets(selected, contact, limit):
    return [
        (source, source.rows(**{**arguments, "contact": contact})[:limit])
        for source, arguments in selected
    ]


def organization_key(organization):
    """The organization's own fields, as a cache key's part: a change to any is a new key."""
    return repr(tuple(getattr(organization, f.attname) for f in organization._meta.concrete_fields))


def for_values(key, values, compile_for):
    """``compile_for(values)`` → (sql, params, extra) or None, compiled once per ``key`` (which
    must hold whatever else the SQL depends on) and bound to other ``values`` after that: a
    tuple of ints and strings, each of which ``compile_for`` passes into the parameters as it
    is."""
    now = time.monotonic()
    entry = _shapes.get(key)
    if entry is not None and entry[0] > now:
        shape = entry[1]
        if shape is UNCACHEABLE:
            return compile_for(values)
    else:
        shape, compiled = _learn(key, values, compile_for, now)
        if shape is UNCACHEABLE:
            return compiled
    sql, template, positions, extra = shape
    params = list(template)
    for index, value in positions:
        params[index] = values[value]
    return sql, params, extra


def for_contact(key, contact, compile_for):
    """``compile_for(contact)`` → (sql, params, extra) or None, compiled once per ``key`` and
    bound to ``contact``'s id after that (``for_values``)."""

    def with_id(values):
        if values[0] == contact.pk:
            return compile_for(contact)
        someone = copy.copy(contact)
        someone.pk = values[0]
        return compile_for(someone)

    return for_values(key, (contact.pk,), with_id)


def once(key, compile):
    """``compile()`` → (sql, params, extra) or None, kept per ``key`` for ``TTL_SECONDS``: for
    SQL with nothing to bind (``key`` holds all it depends on, e.g. ``organization_key``)."""
    now = time.monotonic()
    entry = _shapes.get(key)
    if entry is not None and entry[0] > now:
        return entry[1]
    composed = compile()
    _keep(key, composed, now)
    return composed


def _keep(key, shape, now):
    with _lock:
        if len(_shapes) >= MAX_SHAPES:
            _shapes.clear()
        _shapes[key] = (now + TTL_SECONDS, shape)


def _stand_in(value, index):
    """A value no other takes, its place's own: two values alike (a query "fat" is also its
    first letters) must be told apart where they sit."""
    if type(value) is int:
        return value + 1_000_003 * (index + 1)
    return f"{value}\u2063stand-in {index}"


def _learn(key, values, compile_for, now):
    """The SQL for ``values`` and for stand-ins of them: cacheable when the two differ only
    where one has a value and the other that value's stand-in."""
    real = compile_for(values)
    stand_ins = tuple(_stand_in(value, index) for index, value in enumerate(values))
    probe = compile_for(stand_ins)
    shape = UNCACHEABLE
    if real is not None and probe is not None and real[0] == probe[0]:
        positions = []
        for index, (mine, other) in enumerate(zip(real[1], probe[1], strict=True)):
            if mine == other and type(mine) is type(other):
                continue
            which = next(
                (
                    number
                    for number, stand_in in enumerate(stand_ins)
                    if type(other) is type(stand_in) and other == stand_in
                ),
                None,
            )
            if which is None or mine != values[which]:
                positions = None
                break
            positions.append((index, which))
        if positions is not None:
            shape = (real[0], real[1], tuple(positions), real[2])
    _keep(key, shape, now)
    return shape, real


def union_events(organization, contact, selected, limit, *, before):
    """The newest ``limit`` events of the ``selected`` sources ([(source, rows() arguments)]),
    read in one query."""
    if not selected:
        return []

    def compile_for(someone):
        queries = _querysets(selected, someone, limit)
        composed = compose(queries, limit)
        if composed is None:
            return None
        sql, params, sources = composed
        return sql, params, (sources, queries[0][1].model)

    if before is None:
        key = (
            "timeline",
            organization_key(organization),
            tuple((source.kind, id(source)) for source, _arguments in selected),
            next(
                (arguments["role"] for _source, arguments in selected if "role" in arguments), None
            ),
            selected[0][1]["channel"],
            limit,
            translation.get_language(),
            timezone.get_current_timezone_name(),
            type(contact),
        )
        composed = for_contact(key, contact, compile_for)
    else:  # an older page: its cursor is in the SQL
        composed = compile_for(contact)
    if composed is None:
        return []
    sql, params, (sources, model) = composed
    using = router.db_for_read(model)
    with connections[using].cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    events = []
    for kind, at, key, data in rows:
        if isinstance(data, str | bytes):
            data = json.loads(data, parse_float=Decimal)
        events.append(sources[kind].event(organization, at, key, data))
    return events
