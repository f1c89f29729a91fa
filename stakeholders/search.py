"""The sound of a name, in any script: the key that lets the contact search forgive
transliteration ("Mohammad" = "Muhammad" = "Mohamed" = "محمد", "Zhaksybekov" = "Жақсыбеков",
"Sok Chantha" = "សុខ ចាន់ធា") on top of the trigram similarity that forgives typos.

The key is a consonant skeleton in a dozen Latin classes (p t k j s h l m n r): Persian writes
no short vowels, Latin spellings of the same name disagree mostly on vowels, doubled letters and
digraphs (kh/x, gh/q, sh/ş, ch/tch, zh/j, th, ph/f), and Khmer's aspirated consonants are the
Latin digraphs. So vowels, semivowels (y, w, v and their letters in other scripts: ی, و, й, в,
យ, វ), apostrophes and repeats are dropped, and each consonant goes to its class. Latin, Persian
and Arabic, Cyrillic (Kazakh, Russian) and Khmer letters are covered; any other script has an
empty key (its names are still found by their trigrams).

The key is computed by PostgreSQL, in a column generated from ``search_name`` (migration 0024,
``Contact.search_key``) and from the query by the same expression (``NameKey``), so both sides
can never disagree, the services need not keep another column, and COPY fills it. The
expression uses only immutable built-ins (``regexp_replace``, ``translate``), and the search
compares keys with pg_trgm's word-similarity operator, which is LEAKPROOF on our server: the
condition keeps its trigram index under row-level security.

Keys are loose (a dozen letters make few distinct trigrams), so a query's key is compared only
with the names in another script than the query's (``search_latin``, two partial indexes): a
Latin query with the few Persian, Khmer or Cyrillic names, a Persian one with the Latin names.
Names in the query's own script are found by their letters, which is both cheaper and closer.

One edit away (``WordVariants``, migration 0027): trigrams forgive a typo in a long word but not
in a short one ("Thoa" for "Thao" shares 2 of 5), nor two in a name of short words ("Calros
Mednoza"). So each word of the name and of its key is also stored with its one-letter deletions
(a tsvector, GIN-indexed; ``@@`` is LEAKPROOF on our server): two words are one edit apart — a
letter missing, extra or wrong, two neighbours swapped — when one is the other or a deletion of
the other, or both share a deletion (SymSpell's rule). Deletions are stored marked (``~``) so that
an edit needs words of three letters or more on both sides: keys are short, and "pjn" (بیژن) one
edit from "jn" (Joanna) would find Joanna Fischer for "بیژن افشار".
"""

import re

from django.contrib.postgres.search import (
    SearchVectorField,
    TrigramSimilarity,
    TrigramWordSimilarity,
)
from django.db.models import BooleanField, Case, CharField, F, FloatField, Func, Q, Value, When
from django.db.models.expressions import RawSQL
from django.db.models.functions import Greatest
from django.db.models.lookups import GreaterThan, GreaterThanOrEqual

# On the normalised name (lower case, accents dropped: ``stakeholders.text.normalise_text``),
# in order: Latin digraphs first (they hold letters the single-letter step maps on its own).
LATIN_STEPS = (
    ("['’`ʼ]", ""),  # O'Brien = OBrien
    ("[-‐‑–—_.,/()&+0-9]+", " "),  # Abdol-Hossein = Abdol Hossein
    ("sch", "s"),  # Schmidt
    ("tch|chh|ch|zh|dzh|dj", "j"),  # ч, ж, چ, ژ, ج, Khmer ច ឆ ជ ឈ
    ("kh|gh|ck|q", "k"),  # خ, غ, ق, х, қ, ғ; Qasemi = Ghasemi
    ("x", "ks"),
    ("sh", "s"),
    ("th|dh", "t"),  # Khmer ថ ធ
    ("ph", "p"),  # Khmer ផ ភ
    ("ng|nh|ny", "n"),  # Khmer ង ញ
)
# One letter to its class; anything not listed and not a class letter is dropped afterwards.
SINGLE = {
    # Latin
    "b": "p",
    "f": "p",
    "d": "t",
    "g": "k",
    "c": "k",
    "z": "s",
    # Persian and Arabic (ی/ي and ک/ك are already one letter in the normalised name)
    "ب": "p",
    "پ": "p",
    "ف": "p",
    "ت": "t",
    "ط": "t",
    "د": "t",
    "ث": "s",
    "س": "s",
    "ص": "s",
    "ش": "s",
    "ذ": "s",
    "ز": "s",
    "ض": "s",
    "ظ": "s",
    "ج": "j",
    "چ": "j",
    "ژ": "j",
    "ح": "h",
    "ه": "h",
    "خ": "k",
    "غ": "k",
    "ق": "k",
    "ک": "k",
    "گ": "k",
    "ر": "r",
    "ل": "l",
    "م": "m",
    "ن": "n",
    # Cyrillic (Kazakh and Russian)
    "б": "p",
    "п": "p",
    "ф": "p",
    "т": "t",
    "д": "t",
    "с": "s",
    "з": "s",
    "ц": "s",
    "ш": "s",
    "щ": "s",
    "ж": "j",
    "ч": "j",
    "г": "k",
    "ғ": "k",
    "к": "k",
    "қ": "k",
    "х": "k",
    "һ": "h",
    "р": "r",
    "л": "l",
    "м": "m",
    "н": "n",
    "ң": "n",
    # Khmer consonants (vowel signs, COENG and the independent vowels are dropped)
    "ក": "k",
    "ខ": "k",
    "គ": "k",
    "ឃ": "k",
    "ង": "n",
    "ច": "j",
    "ឆ": "j",
    "ជ": "j",
    "ឈ": "j",
    "ញ": "n",
    "ដ": "t",
    "ឋ": "t",
    "ឌ": "t",
    "ឍ": "t",
    "ណ": "n",
    "ត": "t",
    "ថ": "t",
    "ទ": "t",
    "ធ": "t",
    "ន": "n",
    "ប": "p",
    "ផ": "p",
    "ព": "p",
    "ភ": "p",
    "ម": "m",
    "រ": "r",
    "ល": "l",
    "ឡ": "l",
    "ស": "s",
    "ហ": "h",
    "\u17c6": "m",  # NIKAHIT, the final "m" of "Samnang", "Um"
}
CLASSES = "ptkjshlmnr"


def _literal(text):
    return "'" + text.replace("'", "''") + "'"


def key_sql(argument):
    """The SQL expression of the key of ``argument`` (SQL of a normalised name)."""
    sql = argument
    for pattern, replacement in LATIN_STEPS:
        sql = f"regexp_replace({sql}, {_literal(pattern)}, {_literal(replacement)}, 'g')"
    sql = f"translate({sql}, {_literal(''.join(SINGLE))}, {_literal(''.join(SINGLE.values()))})"
    sql = f"regexp_replace({sql}, '[^{CLASSES} ]+', '', 'g')"  # vowels, semivowels, the rest
    sql = f"regexp_replace({sql}, '([{CLASSES}])\\1+', '\\1', 'g')"  # Mohammad = Mohamad
    return f"btrim(regexp_replace({sql}, ' +', ' ', 'g'))"


class NameKey(Func):
    """The key of a normalised name (a column, or the query's text as a ``Value``)."""

    output_field = CharField()

    def as_sql(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.source_expressions[0])
        return key_sql(sql), params


class IsLatin(Func):
    """Whether a normalised name is written in Latin letters only (accents are dropped from
    it already): the search compares a query's key only with names in another script."""

    template = "(%(expressions)s !~ '[^ -~]')"
    output_field = BooleanField()


def is_latin(text):
    """``IsLatin`` in Python, for the query."""
    return all(" " <= character <= "~" for character in text)


# The function behind ``WordVariants`` (migration 0027): SQL, IMMUTABLE, so that a generated
# column may call it. A stored word ``w`` is itself and, from three letters, ``~d`` for each of
# its deletions ``d`` (``variants_query`` builds the other side).
VARIANTS_SQL = r"""
CREATE OR REPLACE FUNCTION steward_word_variants(text) RETURNS tsvector
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT array_to_tsvector(coalesce(array_agg(v), '{}'::text[])) FROM (
    SELECT w AS v FROM unnest(string_to_array($1, ' ')) AS w WHERE w <> ''
    UNION
    SELECT '~' || left(w, i - 1) || substr(w, i + 1)
    FROM unnest(string_to_array($1, ' ')) AS w, generate_series(1, char_length(w)) AS i
    WHERE char_length(w) >= 3
  ) AS variants
$$;
"""
VARIANTS_DROP_SQL = "DROP FUNCTION IF EXISTS steward_word_variants(text);"


class WordVariants(Func):
    """Each word of a name (or of its key) with its one-letter deletions: where
    ``variants_query`` finds words one edit away."""

    function = "steward_word_variants"
    output_field = SearchVectorField()


def variants_query(text, min_length=1):
    """A tsquery (as ``Matches`` takes it) matching a ``WordVariants`` that holds, for each word
    of ``text`` of ``min_length`` letters or more, a word one edit away: the word itself; from
    three letters, ``~word`` (a letter missing from it), ``~d`` for each deletion ``d`` (a
    letter wrong, two neighbours swapped); from four, ``d`` (a letter extra). None when no word
    is long enough. Built here rather than by PostgreSQL: a function in the query would be run
    again at planning for each of its several uses (+25 ms)."""
    groups = []
    for word in text.split():
        if len(word) < min_length:
            continue
        alternatives = {word}
        if len(word) >= 3:
            alternatives.add(f"~{word}")
            for i in range(len(word)):
                deletion = word[:i] + word[i + 1 :]
                alternatives.add(f"~{deletion}")
                if len(word) >= 4:
                    alternatives.add(deletion)
        quoted = ("'" + a.replace("\\", "\\\\").replace("'", "''") + "'" for a in alternatives)
        groups.append("(" + " | ".join(sorted(quoted)) + ")")
    return " & ".join(groups) or None


def key_of(text):
    """``key_sql`` in Python, for the query's words (a test checks both agree)."""
    for pattern, replacement in LATIN_STEPS:
        text = re.sub(pattern, replacement, text)
    text = text.translate(str.maketrans("".join(SINGLE), "".join(SINGLE.values())))
    text = re.sub(f"[^{CLASSES} ]+", "", text)
    text = re.sub(f"([{CLASSES}])\\1+", r"\1", text)
    return re.sub(" +", " ", text).strip(" ")


class Matches(Func):
    """``vector @@ query`` (``query`` the text of a tsquery), as a condition."""

    template = "(%(expressions)s::tsquery)"
    arg_joiner = " @@ "
    output_field = BooleanField()


# --- The closest names -------------------------------------------------------------------------
# What the contact search (``stakeholders.selectors.contact_search``) lists when no name starts
# with the words typed.


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


def _closeness(contacts, text):
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


def closest_names(contacts, text):
    """Names that nothing starts with: the closest, best first (typos, transliterations).

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
    close, rank, as_a_whole, key, latin = _closeness(contacts, text)
    # A name in another script found by its key may rank 0 (the whole keys too far apart): it is
    # left out. Names in the query's script rank above 0 (they share letters with it), so the
    # rank is computed here for the few others only, and once, below, for the names found.
    first = contacts.filter(close).filter(Q(search_latin=latin) | Q(GreaterThan(rank, Value(0.0))))
    # The second pass, only when the first found nobody: names in the query's script that
    # sound alike (their key is close to the query's) and share some letters with it. It
    # catches what the first misses: two typos in short words ("Hannha Schimdt", "Fatia
    # Adyeemi"), a spacing and a typo at once ("Ewen Mc Leod"). Another script is left to the
    # first pass: there, keys alone are as close for a typo on a transliteration ("Нұран
    # Беков", 0.5) as for different names ("بیژن افشار" and "Joanna Fischer", 0.56).
    second = (
        contacts.filter(search_key__trigram_similar=key, search_latin=latin)
        .alias(sounds_alike=TrigramSimilarity("search_key", key), looks_alike=as_a_whole)
        .filter(sounds_alike__gte=SECOND_PASS_KEY_FLOOR, looks_alike__gte=SECOND_PASS_NAME_FLOOR)
    )
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
    return (
        contacts.filter(pk__in=found)
        .annotate(similarity=rank)
        .order_by("-similarity", as_a_whole.desc(), "search_name", "pk")
    )
