"""A name start ("fatim", "fatim ade"): the names whose words start with the words typed, read
from the organization's dictionary of names (``ContactNameWord``).

The longest word typed picks one range of the words filed under its first letters; each other
word typed must start a word of the same name, which the index entry holds too. The names found
are handed to the contacts' query as one array (``search_name = ANY(ARRAY(…))``): PostgreSQL
(17 and later) then reads the contacts' sort index (organization, name, id) in the list's own
order and stops at the page — a join would read every bearer of every name to sort them by id.
How many there are is the sum of the names' counts: no contact row is read to count them.

The SQL is written here rather than built by the ORM: it is the search box's hottest path, and
building and compiling the querysets cost several times what PostgreSQL spends running them.
"""

from django.contrib.postgres.fields import ArrayField
from django.db import connection
from django.db.models import CharField, Lookup
from django.db.models.expressions import RawSQL

from stakeholders.search.models import HEAD_LETTERS, ContactName, ContactNameWord


class OneOf(Lookup):
    """``column = ANY(array)``: a condition an index scan keeps the index's order under, where
    ``IN (SELECT …)`` becomes a join."""

    lookup_name = "one_of"

    def as_sql(self, compiler, connection):
        column, column_params = self.process_lhs(compiler, connection)
        array, array_params = self.process_rhs(compiler, connection)
        return f"{column} = ANY({array})", (*column_params, *array_params)


def typed_start(text):
    """What a name start's SQL binds for ``text``: the longest word's first letters and its two
    patterns, then each other word's two (``starting_names``); None when no word typed has
    HEAD_LETTERS letters (the dictionary files words by them)."""
    words = text.split()
    driver = max(words, key=len, default="")
    if len(driver) < HEAD_LETTERS:
        return None
    like = connection.ops.prep_for_like_query  # (%, _ and \ typed are matched as themselves)
    values = [driver[:HEAD_LETTERS], f"{like(driver)}%", f"% {like(driver)}%"]
    others = list(words)
    others.remove(driver)
    for other in others:
        values += [f"{like(other)}%", f"% {like(other)}%"]
    return tuple(values)


def starting_names(typed, *, organization):
    """The dictionary's names each word typed starts a word of (``typed_start``'s values), as
    an array for ``OneOf`` (one name once)."""
    # Of a name's words starting alike ("fatima fatimah"), only the first one: one row a name.
    # (A NOT LIKE, which PostgreSQL estimates from the column's statistics — most words have no
    # earlier word starting alike —, where a function's result it would guess at 0.5%.)
    conditions = [
        "w.organization_id = %s",
        "w.head = %s",
        "w.word LIKE %s",
        "w.earlier NOT LIKE %s",
    ]
    # each other word starts a word of the same name
    conditions += ["(w.search_name LIKE %s OR w.search_name LIKE %s)"] * ((len(typed) - 3) // 2)
    return RawSQL(  # noqa: S611 (the values are parameters)
        f"ARRAY(SELECT w.search_name FROM {ContactNameWord._meta.db_table} w "  # noqa: S608
        f"WHERE {' AND '.join(conditions)})",
        [organization.pk, *typed],
        output_field=ArrayField(CharField()),
    )


def bearers(names, *, organization):
    """(sql, params): how many contacts bear one of ``names`` (``starting_names``), from the
    names' counts; NULL when no name starts so."""
    return (
        f"SELECT sum(n.contacts) FROM {ContactName._meta.db_table} n "  # noqa: S608
        f"WHERE n.organization_id = %s AND n.search_name = ANY({names.sql})",
        [organization.pk, *names.params],
    )
