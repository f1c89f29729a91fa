"""A name start ("fatim", "fatim ade"): the names whose words start with the words typed, read
from the organization's dictionary of names (``ContactNameWord``).

The longest word typed picks one range of the words filed under its first letters, which the
index keeps in name order: the contacts are then read in the list's own order, a page's worth,
and how many there are is the sum of the names' counts — no contact row is read to count them,
nor any beyond the page. Each other word typed must start a word of the same name, which the
index entry holds too.
"""

from django.db.models import F, Q
from django.db.models.lookups import Contains

from stakeholders.search.models import HEAD_LETTERS


def start_condition(text, *, to_name=""):
    """The condition "each word of ``text`` starts a word of the name", on a model that reaches
    the dictionary's name by ``to_name`` (``"name_entry__"`` from contacts, ``""`` from
    ``ContactName``). None when no word typed has HEAD_LETTERS letters (the dictionary files
    words by them)."""
    words = text.split()
    driver = max(words, key=len, default="")
    if len(driver) < HEAD_LETTERS:
        return None
    word = f"{to_name}words__"
    # Of a name's words starting alike ("fatima fatimah"), only the first one: one row a name.
    # (A NOT LIKE, which PostgreSQL estimates from the column's statistics — most words have no
    # earlier word starting alike —, where a function's result it would guess at 0.5%.)
    starting = {f"{word}head": driver[:HEAD_LETTERS], f"{word}word__startswith": driver}
    condition = Q(**starting) & ~Q(Contains(F(f"{word}earlier"), f" {driver}"))
    # Each other word typed starts a word of the same name: checked on the name the index
    # entry holds, before any contact is read.
    others = list(words)
    others.remove(driver)
    for other in others:
        condition &= Q(**{f"{word}search_name__startswith": other}) | Q(
            **{f"{word}search_name__contains": f" {other}"}
        )
    return condition
