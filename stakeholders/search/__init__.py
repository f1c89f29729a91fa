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

The key is computed by PostgreSQL, in a column generated from ``search_name`` (of each name of
the search's dictionary, ``ContactName.search_key``: ``stakeholders/search/models.py``) and from
the query by the same expression (``NameKey``), so both sides can never disagree, the services
need not keep another column, and COPY fills it. The
expression uses only immutable built-ins (``regexp_replace``, ``translate``), and the search
compares keys with pg_trgm's word-similarity operator, which is LEAKPROOF on our server: the
condition keeps its trigram index under row-level security.

Keys are loose (a dozen letters make few distinct trigrams), so a query's key is compared only
with the names in another script than the query's (``search_latin``, two partial indexes): a
Latin query with the few Persian, Khmer or Cyrillic names, a Persian one with the Latin names.
Names in the query's own script are found by their letters, which is both cheaper and closer.

One edit away (``WordVariants``, ``ContactName.search_variants``): trigrams forgive a typo in a
long word but not in a short one ("Thoa" for "Thao" shares 2 of 5), nor two in a name of short
words ("Calros Mednoza"). So each word of the name and of its key is also stored with its
one-letter deletions (a tsvector, GIN-indexed; ``@@`` is LEAKPROOF on our server): two words are
one edit apart — a letter missing, extra or wrong, two neighbours swapped — when one is the other
or a deletion of the other, or both share a deletion (SymSpell's rule). Deletions are stored marked
(``~``) so that an edit needs words of three letters or more on both sides: keys are short, and
"pjn" (بیژن) one edit from "jn" (Joanna) would find Joanna Fischer for "بیژن افشار".

The package: the dictionary's rows (``models``), name starts read from it (``starts``), the
closest names ranked in it (``closest``).
"""

import re

from django.contrib.postgres.search import SearchVectorField
from django.db.models import BooleanField, CharField, Func

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


# A typed word longer than this is matched as it is, without its one-edit neighbours: no name's
# word is that long, and a word of n letters has n deletions of n letters each (a 500-letter one
# made a tsquery PostgreSQL refuses).
LONGEST_WORD = 40


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
        if 3 <= len(word) <= LONGEST_WORD:
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
