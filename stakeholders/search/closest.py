"""The closest names: what the contact search (``stakeholders.selectors.contact_search``) lists
when no name starts with the words typed — typos and transliterations.

They are looked for in the organization's dictionary of names (``ContactName``: each distinct
name of its active contacts once, a narrow row with its key and one-edit variants), ranked there
once per name, and only then are the contacts who bear the closest names read, in that order.
"""

from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.search import TrigramSimilarity, TrigramWordSimilarity
from django.db.models import (
    Case,
    CharField,
    F,
    FloatField,
    Func,
    IntegerField,
    Q,
    Value,
    When,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Greatest
from django.db.models.lookups import GreaterThan, GreaterThanOrEqual

from stakeholders.search import Matches, NameKey, is_latin, key_of, variants_query
from stakeholders.search.models import ContactName

# The closest names listed, at most (each with everyone who bears it): suggestions for a typo,
# not a list to page through.
NAMES_LISTED = 100
# ... and as many as hold this many people, a name never split (when the names' counts are the
# people listed: no filter): a typo's suggestions read a few hundred contacts, not every bearer
# of a hundred common names.
PEOPLE_LISTED = 1_000


def long_words(text):
    return [word for word in text.split() if len(word) >= 3 and any(c.isalnum() for c in word)]


# A key (``stakeholders.search``) is a loose match: the same consonants spelt in another script
# or with other vowels. It ranks below a name as close by its letters.
KEY_WEIGHT = 0.9
# Keys are short: two differ in a letter or two from as little as 0.5 apart, so the whole keys
# must be this close (a typo and a transliteration together, "Нұран Беков" for "Nurlan Bekov",
# is 0.5 and not found; different names: "بیژن افشار" and "Joanna Fischer" 0.6, "کوروش اسفندیاری"
# and "Günther Groß" 0.5).
KEY_FLOOR = 0.65
# The second pass (``closest_names``), when the first finds nobody: names in the query's
# script whose key is this close to the query's (trigram similarity of the keys) and whose
# letters are this close (of the whole names: every typo set miss it catches is >= 0.3, every
# name far from all, ``typos.NEGATIVES``, 0.0).
SECOND_PASS_KEY_FLOOR = 0.5
SECOND_PASS_NAME_FLOOR = 0.25
# A typed word one edit from a word of the name counts as this close (an exact word is 1.0; a
# word one edit away shares as few as 40% of its trigrams, yet is the likelier typo).
ONE_EDIT = 0.8
# A name in another script whose key's words are each one edit from the query's: ranked from
# KEY_WORDS_BASE (keys otherwise unlike) to BASE + SPAN (the same key).
KEY_WORDS_BASE = 0.45
KEY_WORDS_SPAN = 0.4
# ... when the whole keys are this close too (two query words may be one edit from the same word:
# "pjn psr", بیژن افشار, and "prn", O'Brien, 0.08; "Megar Taheri" for نگار طاهری is 0.45), and
# only for a Latin query: a name in another script typed with a typo on a Latin keyboard. The
# other way round, the Latin names are many and a key one edit away is often another real name
# ("pjn psr", بیژن افشار, and "pjrn psr", Björn Fischer, 0.5).
KEY_WORDS_FLOOR = 0.3


def _close_word(word):
    """The name holds a word close to ``word``: by its letters (trigram word similarity) or one
    edit away (``stakeholders.search.WordVariants``: "Thoa" = "Thao", "Calros" = "Carlos")."""
    return Q(search_name__trigram_word_similar=word) | Q(
        Matches(F("search_variants"), Value(variants_query(word)))
    )


def _word_closeness(word):
    """How close ``word`` is to the closest word of the name: its word similarity, or ONE_EDIT
    when one edit away (a short word with a typo shares few trigrams: "thoa"/"thao" 0.4)."""
    similarity = TrigramWordSimilarity(word, "search_name")
    if len(word) < 3:
        return similarity
    one_edit = Matches(F("search_variants"), Value(variants_query(word)))
    return Greatest(
        similarity,
        Case(When(one_edit, then=Value(ONE_EDIT)), default=Value(0.0)),
        output_field=FloatField(),
    )


class _Joined(Func):
    """A key without its spaces and repeats: "mhmt rs njpt" = "mhmtrs njpt" (words joined)."""

    template = "regexp_replace(replace(%(expressions)s, ' ', ''), '(.)\\1+', '\\1', 'g')"
    output_field = CharField()


def _closeness(names, text):
    """The conditions and the rank of ``closest_names``: (every word close, close otherwise,
    rank)."""
    words = long_words(text) or [text]
    key = NameKey(Value(text))
    latin = is_latin(text)
    each_word = Q()
    for word in words:
        each_word &= _close_word(word)
    other_script = Q(search_key__trigram_word_similar=key)
    key_words = variants_query(key_of(text), min_length=2) if latin else None  # KEY_WORDS_FLOOR
    if key_words:
        other_script |= Q(Matches(F("search_key_variants"), Value(key_words)))
    other_script &= Q(search_latin=not latin)
    typed = text.split()
    by_words = sum(_word_closeness(word) for word in typed) / len(typed)
    as_a_whole = TrigramSimilarity("search_name", text)
    key_closeness = Greatest(
        TrigramSimilarity("search_key", key),
        TrigramSimilarity(_Joined("search_key"), _Joined(key)),
        output_field=FloatField(),
    )
    # Squared: an identical key (a transliteration) ranks high, a merely close one low.
    by_key = Case(
        When(
            GreaterThanOrEqual(key_closeness, KEY_FLOOR),
            then=key_closeness * key_closeness * KEY_WEIGHT,
        ),
        default=Value(0.0),
    )
    # Every word of the key (of two letters or more) one edit from a word of the name's key: a
    # typo on a transliteration ("Megar Taheri" for نگار طاهری, "Нұран Беков").
    key_words_close = (
        Case(
            When(
                Q(Matches(F("search_key_variants"), Value(key_words)))
                & Q(GreaterThanOrEqual(key_closeness, KEY_WORDS_FLOOR)),
                then=KEY_WORDS_BASE + KEY_WORDS_SPAN * key_closeness,
            ),
            default=Value(0.0),
        )
        if latin
        else Value(0.0)
    )
    rank = Greatest(
        Case(When(each_word, then=by_words), default=Value(0.0)),
        as_a_whole,
        Case(
            When(search_latin=latin, then=Value(0.0)),
            default=Greatest(by_key, key_words_close, output_field=FloatField()),
        ),
        output_field=FloatField(),
    )
    close = each_word | Q(search_name__trigram_word_similar=text) | other_script
    return close, rank, as_a_whole, key, latin


def closest_names(text, *, organization, whole_names=True):
    """Names that nothing starts with: the closest, best first (typos, transliterations) — the
    NAMES_LISTED closest names of the organization's dictionary (``ContactName``), each with how
    many bear it (``bearing`` lists the contacts). One query, on narrow rows, each name once.
    ``whole_names``: everyone who bears a name is listed (no filter), so the names stop at
    PEOPLE_LISTED people.

    Three ways to be close, each an operator that keeps its index under row-level security
    (pg_trgm's ``<%`` and full-text ``@@``, LEAKPROOF):
    - every typed word is close to a word of the name: by its letters (word similarity: two
      typos in a long word) or one edit away (a letter missing, extra, wrong, two swapped, in
      any word of three letters or more, the first letters too); a family name of several words
      typed without the first name ("van der Brg");
    - the typed text is close to a stretch of the name: words joined or split differently
      ("vanderberg", "Abdolhossein", "Mohammadreza"), a typo in a short word ("Xoë Davies");
    - the name's key (``stakeholders.search``) is close to the query's, or each of its words is
      one edit from one of the name's key: the name in another script ("Mohamadreza
      Najafabadi" = "محمدرضا نجف‌آبادی", "Нұрлан Беков" = "Nurlan Bekov"), with a typo too
      when typed in Latin letters ("Megar Taheri" = "نگار طاهری"), compared only with the names
      in another script than the query's (a small partial index for a Latin query in a
      Latin-writing organization). PostgreSQL computes the query's key once, at planning.
    Ranked by the best of: the typed words' mean closeness (when each is close; one edit counts
    ONE_EDIT), the closeness of the whole name (trigram similarity: "Zoë Davies" before "Chloé
    Davies" for "Xoë Davies") and, for a name in another script, its key's (squared, so that
    only a transliteration ranks high; with its words spaced or joined alike).
    """
    names = ContactName.objects.filter(organization=organization)
    close, rank, as_a_whole, key, latin = _closeness(names, text)
    # A name in another script found by its key may rank 0 (the whole keys too far apart): it is
    # left out. Names in the query's script rank above 0 (they share letters with it), so the
    # rank is computed here for the few others only, and once, below, for the names found.
    first = names.filter(close).filter(Q(search_latin=latin) | Q(GreaterThan(rank, Value(0.0))))
    # The second pass, only when the first found nobody: names in the query's script that
    # sound alike (their key is close to the query's) and share some letters with it. It
    # catches what the first misses: two typos in short words ("Hannha Schimdt", "Fatia
    # Adyeemi"), a spacing and a typo at once ("Ewen Mc Leod"). Another script is left to the
    # first pass: there, keys alone are as close for a typo on a transliteration ("Нұран
    # Беков", 0.5) as for different names ("بیژن افشار" and "Joanna Fischer", 0.56).
    second = names.filter(search_key__trigram_similar=key, search_latin=latin)
    second = second.alias(
        sounds_alike=TrigramSimilarity("search_key", key), looks_alike=as_a_whole
    ).filter(sounds_alike__gte=SECOND_PASS_KEY_FLOOR, looks_alike__gte=SECOND_PASS_NAME_FLOOR)
    # One statement, so the query count stays: the first pass is computed once (a materialised
    # CTE), and the second's scan sits under an uncorrelated NOT EXISTS, which PostgreSQL
    # evaluates once and uses as a one-time filter: skipped entirely when the first found
    # somebody. (A separate EXISTS gate recomputed the first pass, +22 ms, and for a query
    # that finds nobody the planner walked the organization's whole index, 1.4 s.)
    first_sql, first_params = first.order_by().values("pk").query.sql_with_params()
    second_sql, second_params = second.order_by().values("pk").query.sql_with_params()
    found = RawSQL(  # noqa: S611 (the SQL is the ORM's, with its parameters)
        f"WITH first AS MATERIALIZED ({first_sql}) SELECT * FROM first "  # noqa: S608 (ORM SQL)
        f"UNION ALL SELECT * FROM ({second_sql}) second WHERE NOT EXISTS (SELECT FROM first)",
        (*first_params, *second_params),
    )
    closest = (
        names.filter(pk__in=found)
        .annotate(similarity=rank)
        .order_by("-similarity", as_a_whole.desc(), "search_name")
        .values_list("search_name", "contacts")[:NAMES_LISTED]
    )
    if not whole_names:
        return list(closest)
    listed, people = [], 0
    for name, count in closest:
        if people >= PEOPLE_LISTED:
            break
        listed.append((name, count))
        people += count
    return listed


def bearing(contacts, closest):
    """The ``contacts`` who bear the ``closest`` names (``closest_names``' (name, count)
    pairs), in the names' order, then oldest first."""
    names = [name for name, _contacts in closest]
    return (
        contacts.filter(search_name__in=names)
        .annotate(
            suggestion_rank=Func(
                Value(names, output_field=ArrayField(CharField())),
                F("search_name"),
                function="array_position",
                output_field=IntegerField(),
            )
        )
        .order_by("suggestion_rank", "pk")
    )
