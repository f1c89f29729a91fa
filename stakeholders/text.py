"""Text in every script Steward's organizations write in: normalising names for matching,
splitting words for search, and spelling numbers out — with ICU (icu4py) where a regular
expression would be wrong.

- Khmer (like Thai, Lao and Myanmar) has no spaces between words: ``\\w+`` finds one "word" per
  phrase. ICU's dictionary-based word breaker finds the words.
- Accents are dropped for matching ("Björn" finds "Bjorn"), but only the diacritics of the
  Latin, Greek and Cyrillic alphabets and the Arabic vowel marks: a Khmer subscript sign (COENG)
  or vowel is part of the letter, and dropping it would merge different names.
- Persian and Arabic text arrives with Arabic or Persian forms of the same letters (ي/ی, ك/ک),
  zero-width non-joiners that people type or not, and Arabic-Indic digits; matching treats them
  as one.
"""

import re
import unicodedata
from functools import lru_cache

from icu4py.breakers import WordBreaker
from icu4py.messageformat import MessageFormat

# Letters that Unicode does not decompose into a base letter and an accent.
FOLDED_LETTERS = str.maketrans(
    {
        "ø": "o",
        "ł": "l",
        "đ": "d",
        "ı": "i",
        "æ": "ae",
        "œ": "oe",
        "ß": "ss",
        "þ": "th",
        "ð": "d",
        # Persian and Arabic forms of the same letter, and the joiners people type or not
        "ي": "ی",
        "ى": "ی",
        "ك": "ک",
        "ۀ": "ه",
        "ة": "ه",
        "\u200c": "",  # zero-width non-joiner
        "\u200d": "",  # zero-width joiner
        "\u200b": "",  # zero-width space (Khmer writers use it between words)
        "ـ": "",  # tatweel (a stretched letter)
    }
)
ASCII_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹០១២៣៤៥៦៧៨៩", "0123456789" * 3)
# Combining marks that are accents to drop, not parts of letters.
DROPPED_MARKS = re.compile(
    "[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f"
    "\u064b-\u065f\u0670]"  # Arabic harakat and the superscript alef
)
# Scripts written without spaces between words.
UNSPACED = re.compile("[\u1780-\u17ff\u19e0-\u19ff\u0e00-\u0e7f\u0e80-\u0eff\u1000-\u109f]")


def ascii_digits(value):
    """'۰۹۱۲' and '០៩' as '0912' and '09' (phone numbers, amounts, ids typed in any script)."""
    return (value or "").translate(ASCII_DIGITS)


# Scripts whose people write the family name first: Khmer, Chinese, Japanese, Korean.
FAMILY_NAME_FIRST = re.compile(
    r"[\u1780-\u17ff\u19e0-\u19ff\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]"
)


def person_name(first_name, last_name):
    """A person's name as their own script writes it: "Ada Lovelace", "مریم رضایی", but
    "សុខ ចាន់ថា" (family name Sok first) — never the given name first for a Khmer name."""
    parts = (first_name, last_name)
    if FAMILY_NAME_FIRST.search(f"{first_name}{last_name}"):
        parts = (last_name, first_name)
    return " ".join(part for part in parts if part).strip()


def normalise_text(value):
    """For matching names: lower-case, accents dropped, Persian/Arabic letter forms and joiners
    unified, digits made ASCII, spaces collapsed. "Björn Ó Súilleabháin" → "bjorn o
    suilleabhain", "Søren Łukasz" → "soren lukasz", "علي‌رضا" → "علیرضا"; Khmer keeps its
    signs ("សុខា" ≠ "សខា")."""
    decomposed = unicodedata.normalize("NFKD", (value or "").casefold())
    plain = DROPPED_MARKS.sub("", decomposed)
    recomposed = unicodedata.normalize("NFKC", plain.translate(FOLDED_LETTERS))
    return " ".join(ascii_digits(recomposed).split())


def words(text, language="en"):
    """The words of ``text`` (letters or digits), split by ICU: right for Khmer, Thai and the
    rest alike."""
    return [
        segment
        for segment in WordBreaker(text or "", language or "en")
        if any(character.isalnum() for character in segment)
    ]


def spaced(text, language="en"):
    """``text`` with spaces between the words of scripts written without them (for PostgreSQL's
    full-text search, which splits on spaces); other text is returned as it is."""
    if not text or not UNSPACED.search(text):
        return text or ""
    return " ".join(
        segment.strip() for segment in WordBreaker(text, language or "km") if segment.strip()
    )


# A language → its PostgreSQL text search configuration ('simple' has no stemming and no stop
# words: right for languages PostgreSQL has no dictionary for, e.g. Khmer, Persian, Kazakh).
REGCONFIG = {
    "en": "english",
    "es": "spanish",
    "fr": "french",
    "de": "german",
    "it": "italian",
    "pt": "portuguese",
    "nl": "dutch",
    "ru": "russian",
}


def regconfig_for_language(language):
    return REGCONFIG.get((language or "")[:2], "simple")


def base_direction(text):
    """ "rtl" or "ltr" by the first letter with a strong direction, as a browser decides for
    ``dir="auto"`` (WeasyPrint doesn't), or "" when there is none: "12 Mill Lane" is "ltr",
    "۱۲ خیابان ولیعصر" "rtl"."""
    for character in text or "":
        kind = unicodedata.bidirectional(character)
        if kind in ("R", "AL"):
            return "rtl"
        if kind == "L":
            return "ltr"
    return ""


@lru_cache(maxsize=64)
def _spellout(language):
    return MessageFormat("{n, spellout}", language)


def spell_out(number, language):
    """A number in words in ``language`` (ICU's rule-based number format): 1250 → "one thousand
    two hundred fifty", "មួយ​ពាន់​ពីរ​រយ​ហាសិប", "یک هزار و دویست و پنجاه", "мың екі жүз елу"."""
    return _spellout(language or "en").format({"n": number})
