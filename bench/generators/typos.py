"""Realistic misspellings of people's names, to measure how the contact search forgives them.

Generated from the benchmark's names (``bench/generators/contacts.py``'s cultures), the demo's
people (English, Persian and Khmer organizations, ``stakeholders/demo``) and a few names the
benchmark lacks (``EXTRA_PEOPLE``: multi-word family names, compound Persian given names,
Kazakh in Cyrillic), by these rules, with one seeded random generator (the same set every run):

- ``swap``: two neighbouring letters exchanged, anywhere in a word (the first two too).
- ``missing``: one letter left out, the first letter of a word too.
- ``extra``: one letter typed twice, or a neighbouring key's letter typed beside it.
- ``wrong``: one letter replaced by a neighbouring key's (QWERTY for Latin letters; for Persian,
  the letters that sound alike: س/ص/ث, ت/ط, ز/ذ/ض/ظ, ه/ح, ق/غ; for Khmer and Cyrillic, the
  letters beside it in the alphabet).
- ``first letter``: the first letter of a word wrong.
- ``two typos``: two of the above in a name of at least 12 letters, in different words when it
  has two.
- ``no accents``: a name with diacritics typed in plain ASCII letters, with one typo besides.
- ``family name``: only the family name of several words, with a typo in one of its words.
- ``spacing``: compound and family names joined, split or hyphenated differently (O'Brien,
  OBrien, O Brien; MacLeod, McLeod, Mac Leod; Abdol-Hossein, Abdolhossein; Mohammad Reza,
  Mohammadreza), with a typo.
- ``arabic letters``: a Persian name typed on an Arabic keyboard (ي for ی, ك for ک) with a typo.
- ``transliteration``: the name in another script or spelling — Persian names in Latin letters
  (the demo people's own email spellings, and Mohammad/Muhammad/Mohamed, -i/-y, ou/u, gh/q
  variants), Latin-recorded Persian, Kazakh and Khmer names typed in their own script, Kazakh
  names in Cyrillic typed in Latin (passport and 2021 alphabet spellings), Khmer names typed in
  Latin in either order.

Each case is ``(kind, query, expected)``: a result "finds" it when its normalised name holds
the words of ``expected`` in order (the whole name, or the family name for ``family name``
cases). ``NEGATIVES`` are names far from every name in the data: a search for them should find
nobody.
"""

import random
import unicodedata

from bench.generators.contacts import CULTURES
from stakeholders.demo import en as demo_en
from stakeholders.demo import fa as demo_fa
from stakeholders.demo import km as demo_km

SEED = 21
LATIN_ROWS = ["qwertyuiop", "asdfghjkl", "zxcvbnm"]
SOUND_ALIKE = ["سصث", "تط", "زذضظ", "هح", "قغ", "کگ"]

# (first name, family name) the benchmark lacks; the scenario and the tests add them.
EXTRA_PEOPLE = [
    ("Anneke", "van der Berg"),
    ("Pieter", "van den Broek"),
    ("María José", "de la Cruz"),
    ("Juan Carlos", "de los Santos"),
    ("Seán", "O'Brien"),
    ("Ewan", "MacLeod"),
    ("Pádraig", "Ó Súilleabháin"),
    ("Siobhán", "Mac Giolla Phádraig"),
    ("Mohammad Reza", "Karimi"),
    ("Abdol-Hossein", "Tehrani"),
    ("محمدرضا", "نجف‌آبادی"),
    ("عبدالحسین", "زرگری"),
    ("Айгерім", "Нұрмағамбетова"),
    ("Ерлан", "Жақсыбеков"),
    ("Дәулет", "Сейітқали"),
]

# Latin-recorded names of the benchmark, as their own script writes them.
PERSIAN = {
    "Fatemeh": "فاطمه",
    "Reza": "رضا",
    "Maryam": "مریم",
    "Ali": "علی",
    "Zahra": "زهرا",
    "Omid": "امید",
    "Parisa": "پریسا",
    "Dariush": "داریوش",
    "Shirin": "شیرین",
    "Kaveh": "کاوه",
    "Hosseini": "حسینی",
    "Rahimi": "رحیمی",
    "Karimi": "کریمی",
    "Mohammadi": "محمدی",
    "Ahmadi": "احمدی",
    "Jafari": "جعفری",
    "Moradi": "مرادی",
    "Rezaei": "رضایی",
    "Sadeghi": "صادقی",
    "Tehrani": "تهرانی",
}
KAZAKH = {
    "Aigerim": "Айгерім",
    "Nurlan": "Нұрлан",
    "Dana": "Дана",
    "Askar": "Асқар",
    "Aruzhan": "Аружан",
    "Yerlan": "Ерлан",
    "Saule": "Сәуле",
    "Daulet": "Дәулет",
    "Nurmagambetov": "Нұрмағамбетов",
    "Abenova": "Әбенова",
    "Zhaksybekov": "Жақсыбеков",
    "Seitkali": "Сейітқали",
    "Omarova": "Омарова",
    "Bekov": "Беков",
    "Tulegenova": "Төлегенова",
    "Iskakov": "Ысқақов",
}
KHMER = {
    "Sokha": "សុខា",
    "Dara": "តារា",
    "Sophea": "សុភា",
    "Sreymom": "ស្រីមុំ",
    "Rithy": "រិទ្ធី",
    "Bopha": "បុប្ផា",
    "Sok": "សុខ",
    "Chea": "ជា",
    "Meas": "មាស",
    "Heng": "ហេង",
    "Kim": "គីម",
    "Chhim": "ឈឹម",
    "Prak": "ប្រាក់",
}
# Latin spellings people use for the same Persian name.
PERSIAN_LATIN_VARIANTS = [
    ("mohammad", "muhammad"),
    ("mohammad", "mohamed"),
    ("mohammad", "mohamad"),
    ("hosseini", "hosseiny"),
    ("hosseini", "husseini"),
    ("hossein", "hosein"),
    ("ghasemi", "qasemi"),
    ("ghorbani", "qorbani"),
    ("nouri", "nuri"),
    ("pourmohammadi", "purmohammadi"),
    ("rezaei", "rezaee"),
    ("heydari", "heidari"),
    ("yazdani", "yazdany"),
    ("esfahani", "isfahani"),
    ("fatemeh", "fatemah"),
]
KAZAKH_LATIN = [  # (Cyrillic family name of EXTRA_PEOPLE, passport spelling, 2021 alphabet)
    ("Айгерім Нұрмағамбетова", "Aigerim Nurmagambetova", "Aıgerim Nurmaǵambetova"),
    ("Ерлан Жақсыбеков", "Yerlan Zhaksybekov", "Erlan Jaqsybekov"),
    ("Дәулет Сейітқали", "Daulet Seitkali", "Dáulet Seıitqali"),
]
NEGATIVES = [
    "Xochitl Quetzalcoatl",
    "Bartholomew Featherstonehaugh",
    "Zbigniew Brzęczyszczykiewicz",
    "Gwendolyn Throckmorton",
    "Thaddeus Wolfenbarger",
    "Oyelaran Babatunde-Whitfield",
    "Ptolemy Vandersloot",
    "Quinevere Strzelczyk",
    "Ignatius Pumpernickel",
    "Wilhelmina Zuckerberg",
    "Hieronymus Bosch",
    "Rutger Hauer",
    "Xerxes Thucydides",
    "Euphemia Gubbins",
    "Leopold Bloomfield",
    "Clementine Quaver",
    "بیژن افشار",
    "کوروش اسفندیاری",
    "ឧកញ៉ា ហួត",
    "Бауыржан Момышұлы",
]


def _letters(word):
    return [i for i, c in enumerate(word) if c.isalpha()]


def _neighbours(char):
    """Letters a finger slips to from ``char``: beside it on a QWERTY row (Latin), a letter that
    sounds the same (Persian), the letters beside it in the alphabet (other scripts)."""
    lower = char.lower()
    for row in LATIN_ROWS:
        if lower in row:
            i = row.index(lower)
            return [row[j] for j in (i - 1, i + 1) if 0 <= j < len(row)]
    for group in SOUND_ALIKE:
        if char in group:
            return [c for c in group if c != char]
    if unicodedata.category(char) == "Lo" or char.isalpha():
        return [chr(ord(char) - 1), chr(ord(char) + 1)]
    return [char]


def _at_letter(rng, word, first=False):
    """A position in ``word`` that holds a letter (not a combining sign: a Khmer vowel sign
    alone is not a letter one mistypes)."""
    positions = [i for i in _letters(word) if unicodedata.category(word[i]) in ("Lu", "Ll", "Lo")]
    return positions[0] if first else rng.choice(positions)


def typo(rng, word, kind, first=False):
    """``word`` with one typo of ``kind`` (swap, missing, extra, wrong)."""
    if len(word) < 2:
        return word
    i = _at_letter(rng, word, first=first)
    if kind == "swap":
        i = min(i, len(word) - 2)
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    if kind == "missing":
        return word[:i] + word[i + 1 :]
    if kind == "extra":
        added = word[i] if rng.random() < 0.5 else rng.choice(_neighbours(word[i]))
        return word[: i + 1] + added + word[i + 1 :]
    replacement = rng.choice(_neighbours(word[i]))
    if word[i].isupper():
        replacement = replacement.upper()
    return word[:i] + replacement + word[i + 1 :]


def typo_in_name(rng, name, kind=None, word_index=None, first=False):
    words = name.split(" ")
    candidates = [j for j, w in enumerate(words) if len(w) >= 3] or [0]
    j = rng.choice(candidates) if word_index is None else word_index
    words[j] = typo(rng, words[j], kind or rng.choice(["swap", "missing", "extra", "wrong"]), first)
    return " ".join(words)


def plain(text):
    """Without diacritics, as typed on a keyboard without them."""
    folded = text.translate(str.maketrans({"ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "ı": "i"}))
    return "".join(
        c for c in unicodedata.normalize("NFKD", folded) if unicodedata.category(c) != "Mn"
    )


def benchmark_names(rng, count):
    """Full names as the generator makes them (first and last name of one culture)."""
    names = []
    for first_names, last_names, *_rest in CULTURES:
        for _ in range(count):
            names.append(f"{rng.choice(first_names)} {rng.choice(last_names)}")
    return names


def demo_names():
    return [f"{first} {last}" for first, last, *_rest in demo_en.PEOPLE] + [
        f"{first} {last}" for first, last, *_rest in demo_fa.PEOPLE
    ]


def khmer_demo_people():
    """(name as stored, family name first; the Latin spellings of the email address)."""
    people = []
    for family, given, email, _gender in demo_km._PEOPLE:
        if email:
            latin_given, latin_family = email.split(".")
            people.append((f"{family} {given}", latin_given, latin_family))
    return people


def extra_names():
    return [f"{first} {last}" for first, last in EXTRA_PEOPLE]


def _pairs(rng, spelling, count):
    """``count`` (first, family) names of the benchmark's culture that ``spelling`` covers."""
    for first_names, last_names, *_rest in CULTURES:
        firsts = [name for name in first_names if name in spelling]
        lasts = [name for name in last_names if name in spelling]
        if firsts and lasts:
            return sorted({(rng.choice(firsts), rng.choice(lasts)) for _ in range(count)})
    return []


def cases(seed=SEED):
    """Every misspelling: a list of (kind, query, expected name)."""
    rng = random.Random(seed)
    found = []

    def add(kind, query, expected):
        if query != expected:
            found.append((kind, query, expected))

    everyone = benchmark_names(rng, 6) + demo_names() + extra_names()
    for name in everyone:
        add("one typo", typo_in_name(rng, name), name)
    for name in rng.sample(everyone, 60):
        add(
            "first letter",
            typo_in_name(rng, name, kind=rng.choice(["wrong", "missing", "swap"]), first=True),
            name,
        )
    long_names = [name for name in everyone if sum(c.isalpha() for c in name) >= 12]
    for name in rng.sample(long_names, 50):
        words = name.split(" ")
        if len(words) >= 2:
            twice = typo_in_name(rng, name, word_index=0)
            twice = typo_in_name(rng, twice, word_index=len(words) - 1)
        else:
            twice = typo_in_name(rng, typo_in_name(rng, name))
        add("two typos", twice, name)
    accented = [name for name in everyone if plain(name) != name and name.isascii() is False]
    for name in rng.sample([n for n in accented if plain(n).isascii()], 30):
        add("no accents", plain(name), name)
        add("no accents", typo_in_name(rng, plain(name)), name)
    multi_word = [("Liam", "Ní Bhriain"), ("Layla", "El Amrani"), ("Pádraig", "Ó Ceallaigh")]
    for first, last in EXTRA_PEOPLE[:8] + multi_word:
        family_words = last.split(" ")
        for j in range(len(family_words)):
            add("family name", typo_in_name(rng, last, word_index=j), last)
            add(
                "family name",
                plain(typo_in_name(rng, f"{first} {last}", word_index=len(first.split(" ")) + j)),
                f"{first} {last}",
            )
    for query, expected in [
        ("Sean OBrien", "Seán O'Brien"),
        ("Sean O Brien", "Seán O'Brien"),
        ("Sean OBrian", "Seán O'Brien"),
        ("Saen O Brien", "Seán O'Brien"),
        ("Ewan McLeod", "Ewan MacLeod"),
        ("Ewan Mac Leod", "Ewan MacLeod"),
        ("Ewan McLoed", "Ewan MacLeod"),
        ("Ewen Mc Leod", "Ewan MacLeod"),
        ("Anneke vanderberg", "Anneke van der Berg"),
        ("Anneke Van Der Burg", "Anneke van der Berg"),
        ("Maria Jose dela Cruz", "María José de la Cruz"),
        ("Maria-Jose de la Curz", "María José de la Cruz"),
        ("Abdolhossein Tehrani", "Abdol-Hossein Tehrani"),
        ("Abdol Hossein Tehrany", "Abdol-Hossein Tehrani"),
        ("Abdolhosein Tehrani", "Abdol-Hossein Tehrani"),
        ("Mohammadreza Karimi", "Mohammad Reza Karimi"),
        ("Mohammad-Reza Karimy", "Mohammad Reza Karimi"),
        ("Muhammad Reza Karimi", "Mohammad Reza Karimi"),
        ("Mohamadreza Karimi", "Mohammad Reza Karimi"),
        ("محمد رضا نجف‌آبادی", "محمدرضا نجف‌آبادی"),
        ("محمد‌رضا نجف آبادی", "محمدرضا نجف‌آبادی"),
        ("محمدرضا نجفآبدی", "محمدرضا نجف‌آبادی"),
        ("عبدالحسین زرگرى", "عبدالحسین زرگری"),
        ("عبدل حسین زرگری", "عبدالحسین زرگری"),
        ("عبد الحسین زرکری", "عبدالحسین زرگری"),
        ("Padraig O Suilleabhain", "Pádraig Ó Súilleabháin"),
        ("Padraig OSuilleabhain", "Pádraig Ó Súilleabháin"),
        ("Siobhan Mac Giolla Padraig", "Siobhán Mac Giolla Phádraig"),
        ("Siobhan MacGiolla Phadraig", "Siobhán Mac Giolla Phádraig"),
    ]:
        add("spacing", query, expected)
    persian = [name for name in everyone if any("\u0600" <= c <= "\u06ff" for c in name)]
    for name in persian:
        arabic = name.replace("ی", "ي").replace("ک", "ك")
        add("arabic letters", typo_in_name(rng, arabic), name)
    # Transliterations
    for first, last, email, _gender in demo_fa._PEOPLE:
        latin = " ".join(part.capitalize() for part in email.split("."))
        if len(email.split(".")[0]) > 1:  # "m.jafari" is an initial, not a name
            add("transliteration", latin, f"{first} {last}")
            add("transliteration", typo_in_name(rng, latin), f"{first} {last}")
    for typed, name in [
        ("Mohammadreza Najafabadi", "محمدرضا نجف‌آبادی"),
        ("Mohammad Reza Najafabadi", "محمدرضا نجف‌آبادی"),
        ("Muhammad Reza Najaf Abadi", "محمدرضا نجف‌آبادی"),
        ("Mohamadreza Najafabady", "محمدرضا نجف‌آبادی"),
        ("Abdolhossein Zargari", "عبدالحسین زرگری"),
        ("Abdol-Hossein Zargary", "عبدالحسین زرگری"),
        ("Abdul Hussein Zargari", "عبدالحسین زرگری"),
    ]:
        add("transliteration", typed, name)
    for first, last in _pairs(rng, PERSIAN, 12):
        add("transliteration", f"{PERSIAN[first]} {PERSIAN[last]}", f"{first} {last}")
    for source, variant in PERSIAN_LATIN_VARIANTS:
        for first, last, email, _gender in demo_fa._PEOPLE:
            latin = " ".join(part.capitalize() for part in email.split("."))
            if source in latin.lower().split():
                add(
                    "transliteration",
                    latin.lower().replace(source, variant).title(),
                    f"{first} {last}",
                )
    for first, last in _pairs(rng, KAZAKH, 8):
        add("transliteration", f"{KAZAKH[first]} {KAZAKH[last]}", f"{first} {last}")
        add(
            "transliteration",
            typo_in_name(rng, f"{KAZAKH[first]} {KAZAKH[last]}"),
            f"{first} {last}",
        )
    for cyrillic, passport, alphabet in KAZAKH_LATIN:
        add("transliteration", passport, cyrillic)
        add("transliteration", alphabet, cyrillic)
        add("transliteration", typo_in_name(rng, passport), cyrillic)
    for first, last in _pairs(rng, KHMER, 10):
        add("transliteration", f"{KHMER[last]} {KHMER[first]}", f"{first} {last}")
    for stored, given, family in khmer_demo_people():
        add("transliteration", f"{family.capitalize()} {given.capitalize()}", stored)
        add("transliteration", f"{given.capitalize()} {family.capitalize()}", stored)
    return found


def people(all_cases):
    """(first name, family name) of everyone the cases look for: the demo's people (Khmer ones
    given name first, as the form takes them), ``EXTRA_PEOPLE`` and the benchmark's names
    the cases use, so that each intended person exists whatever the size of the data."""
    found = [(first, last) for first, last, *_rest in demo_en.PEOPLE + demo_fa.PEOPLE]
    found += [(given, family) for given, family, *_rest in demo_km.PEOPLE]
    found += EXTRA_PEOPLE
    known = {f"{first} {last}" for first, last in found}
    known |= {f"{last} {first}" for first, last in found}
    for _kind, _query, expected in all_cases:
        if expected in known:
            continue
        for last in _bench_last_names():
            first = expected.removesuffix(f" {last}")
            if first != expected and " " not in first:
                found.append((first, last))
                known.add(expected)
                break
    return found


def _bench_last_names():
    return sorted({last for _first, lasts, *_rest in CULTURES for last in lasts})


def kinds(all_cases):
    counts = {}
    for kind, _query, _expected in all_cases:
        counts[kind] = counts.get(kind, 0) + 1
    return counts
