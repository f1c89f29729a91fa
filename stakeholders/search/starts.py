"""A name start ("fatim", "fatim ade"): the names whose words start with the words typed, read
from the organization's dictionary of names (``ContactNameWord``).

The longest word typed picks one range of the words filed under its first letters; each other
word typed must start a word of the same name, which the index entry holds too. The names found
are handed to the contacts' query as one array (``search_name = ANY(ARRAY(…))``): PostgreSQL
(17 and later) then reads the contacts' sort index (organization, name, id) in the list's own
order and stops at the page — a join would read every bearer of every name to sort them by id.
How many there are is the sum of the names' counts: no contact row is read to count them.
"""

from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import F, Lookup, Q, Subquery, Sum

from stakeholders.search.models import HEAD_LETTERS, ContactName, ContactNameWord


class OneOf(Lookup):
    """``column = ANY(array)``: a condition an index scan keeps the index's order under, where
    ``IN (SELECT …)`` becomes a join."""

    lookup_name = "one_of"

    def as_sql(self, compiler, connection):
        column, column_params = self.process_lhs(compiler, connection)
        array, array_params = self.process_rhs(compiler, connection)
        return f"{column} = ANY({array})", (*column_params, *array_params)


def starting_names(text, *, organization):
    """The dictionary's names each word of ``text`` starts a word of, as an array for ``OneOf``
    (one name once); None when no word typed has HEAD_LETTERS letters (the dictionary files
    words by them)."""
    words = text.split()
    driver = max(words, key=len, default="")
    if len(driver) < HEAD_LETTERS:
        return None
    # Of a name's words starting alike ("fatima fatimah"), only the first one: one row a name.
    # (A NOT LIKE, which PostgreSQL estimates from the column's statistics — most words have no
    # earlier word starting alike —, where a function's result it would guess at 0.5%.)
    entries = ContactNameWord.objects.filter(
        organization=organization, head=driver[:HEAD_LETTERS], word__startswith=driver
    ).exclude(earlier__contains=f" {driver}")
    others = list(words)
    others.remove(driver)
    for other in others:  # each other word starts a word of the same name
        entries = entries.filter(
            Q(search_name__startswith=other) | Q(search_name__contains=f" {other}")
        )
    return ArraySubquery(entries.values("search_name"))


def bearers(names, *, organization):
    """How many contacts bear one of ``names`` (``starting_names``), from the names' counts: a
    subquery, NULL when no name starts so."""
    return Subquery(
        ContactName.objects.filter(organization=organization)
        .filter(OneOf(F("search_name"), names))
        .order_by()
        .values("organization")
        .annotate(bearers=Sum("contacts"))
        .values("bearers")
    )
