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
"""

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
