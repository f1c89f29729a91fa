"""A name start ("fatim", "fatim ade"): the names whose words start with the words typed, read
from the organization's dictionary of names (``ContactNameWord``).

The longest word typed picks one range of the words filed under its first letters, which the
index keeps in name order: the contacts are then read in the list's own order, a page's worth,
and how many there are is the sum of the names' counts — no contact row is read to count them,
nor any beyond the page. Each other word typed must start a word of the same name.
"""

from django.db.models import Exists, F, OuterRef, Q, Value
from django.db.models.functions import StrIndex
from django.db.models.lookups import Exact

from stakeholders.search.models import HEAD_LETTERS, ContactNameWord


def start_condition(text, *, to_name=""):
    """The condition "each word of ``text`` starts a word of the name", on a model that reaches
    the dictionary's name by ``to_name`` (``"name_entry__"`` from contacts, ``""`` from
    ``ContactName``) and has the name's ``organization_id`` and ``search_name`` itself. None when
    no word typed has HEAD_LETTERS letters (the dictionary files words by them)."""
    words = text.split()
    driver = max(words, key=len, default="")
    if len(driver) < HEAD_LETTERS:
        return None
    word = f"{to_name}words__"
    # Of a name's words starting alike ("fatima fatimah"), only the first one: one row a name.
    condition = Q(**{f"{word}head": driver[:HEAD_LETTERS], f"{word}word__startswith": driver}) & Q(
        Exact(StrIndex(F(f"{word}earlier"), Value(f" {driver}")), 0)
    )
    others = list(words)
    others.remove(driver)
    for other in others:
        condition &= Q(
            Exists(
                ContactNameWord.objects.filter(
                    organization_id=OuterRef("organization_id"),
                    search_name=OuterRef("search_name"),
                    word__startswith=other,
                )
            )
        )
    return condition
