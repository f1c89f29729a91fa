"""The weekly trend report: which terms and tags people wrote about this week much more than in
the four weeks before, in every text source registered with the core (the community's
questions, help-centre searches, client requests, feedback comments).

A topic is a term (or a tag) within one source, counted once per text that uses it. It rises
when this week's count reaches ``MIN_COUNT`` and grows against the average of the previous
``PREVIOUS_WEEKS`` weeks; ``growth`` is that rise relative to the average (at least one), so a
term new this week with 4 uses (growth 4) outranks one going from 10 to 20 (growth 1).

The report keeps terms, counts and the keys of up to ``EXAMPLES`` texts; the texts themselves
are read back through the source when shown, so the reader's role decides which they see and
a text erased later is not kept here.
"""

from collections import Counter, defaultdict
from datetime import datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.utils import timezone

from community.models import TrendReport
from stakeholders.registries import text_sources
from stakeholders.text import UNSPACED, normalise_text, words

MIN_COUNT = 3
PREVIOUS_WEEKS = 4
EXAMPLES = 3
KEPT_TOPICS = 40  # per report; pages show fewer
TERM = "term"
TAG = "tag"

# Function words only: short lists a reader can check, one per language Steward speaks. Words
# that carry meaning in a nonprofit's work ("help", "food") are never here.
STOP_WORDS = {
    "en": """a about after all also am an and any are as at be been before but by can could did
        do does for from get got had has have he her him his how i if in into is it its just me
        my no not of on or our out she so than that the their them then there these they this to
        too up us was we were what when where which who why will with would you your""",
    "es": """a al algo como con de del donde el ella ellas ellos en entre era es esa ese esta
        este esto fue ha hay la las le les lo los mas me mi mis muy no nos o para pero por que
        se ser si sin sobre su sus tambien te tengo tiene un una uno unos y ya yo""",
    "fr": """a au aux avec ce ces comme dans de des du elle en est et il ils je la le les leur
        lui ma mais me mes mon ne nous on ou par pas pour qu que qui sa se ses si son sur ta te
        tu un une vos votre vous y ai avez etre faire plus""",
    "fa": """از با برای به تا در را که و یا این آن است هست بود شد شده می هم من ما تو شما او
        ایشان آنها اینکه چه چرا چطور کجا کی اگر اما ولی نیز یک هر هیچ باید""",
    "kk": """және мен да де бен пен бір бұл сол осы ол мен сен біз сіз олар не қалай неге қайда
        қашан үшін туралы бар жоқ еді ғой ма ме ба бе па пе ме""",
    "km": """និង ឬ ដែល នៅ ក្នុង ជា មាន ទៅ ពី នេះ នោះ ខ្ញុំ យើង គាត់ វា បាន ដើម្បី ហើយ ទេ
        ផង ដែរ តើ អ្វី របស់ ឲ្យ ឱ្យ""",
}


@lru_cache(maxsize=64)
def _stop_words(languages):
    """The stop words of ``languages`` (a tuple), normalised as the terms are."""
    found = set()
    for language in languages:
        found.update(normalise_text(word) for word in STOP_WORDS.get(language, "").split())
    return frozenset(found)


def terms_of(text, *, language, stop_words):
    """The distinct terms of ``text``: lower-case, accents folded, split by ICU (so Khmer is
    split into words), without stop words, numbers and single letters."""
    found = set()
    for word in words(normalise_text(text), language or "en"):
        if word in stop_words or word.isdigit():
            continue
        if len(word) < 2 or (len(word) < 3 and not UNSPACED.search(word)):
            continue
        found.add(word)
    return found


def week_start_of(*, organization, moment):
    """The Monday that starts ``moment``'s week on the organization's own calendar."""
    day = moment.astimezone(ZoneInfo(organization.timezone)).date()
    return day - timedelta(days=day.weekday())


def _local_midnight(day, zone):
    return datetime.combine(day, time(), tzinfo=zone)


def _examples(found):
    """Up to ``EXAMPLES`` texts saying different things (the same search typed by three people
    is one example), the unmet needs first, then the newest."""
    chosen, seen = [], set()
    for is_unmet, _at, key, text in sorted(found, key=lambda e: (not e[0], -e[1].timestamp())):
        said = normalise_text(text)
        if said in seen:
            continue
        seen.add(said)
        chosen.append({"key": key, "unmet": is_unmet})
        if len(chosen) == EXAMPLES:
            break
    return chosen


def compute_topics(*, organization, week_start, now=None):
    """The rising topics of the week starting ``week_start`` (a date), most growth first."""
    zone = ZoneInfo(organization.timezone)
    since = _local_midnight(week_start - timedelta(weeks=PREVIOUS_WEEKS), zone)
    until = min(_local_midnight(week_start + timedelta(weeks=1), zone), now or timezone.now())
    languages = tuple(organization.content_languages)
    # (source, kind, term) → this week's count, previous weeks' count, this week's examples
    this_week, before = Counter(), Counter()
    unmet = Counter()
    examples = defaultdict(list)
    for source in text_sources:
        for item in source.texts(organization=organization, since=since, until=until):
            day = item.at.astimezone(zone).date()
            current = day >= week_start
            language = item.language or organization.language
            stop_words = _stop_words(tuple(sorted({*languages, language})))
            found = {
                (TERM, term)
                for term in terms_of(item.text, language=language, stop_words=stop_words)
            }
            found |= {(TAG, normalise_text(tag)) for tag in item.tags if tag and tag.strip()}
            for kind, term in found:
                key = (source.name, kind, term)
                if not current:
                    before[key] += 1
                    continue
                this_week[key] += 1
                unmet[key] += item.unmet
                examples[key].append((item.unmet, item.at, item.key, item.text))
    topics = []
    for key, count in this_week.items():
        previous = before[key] / PREVIOUS_WEEKS
        if count < MIN_COUNT or count <= previous:
            continue
        source, kind, term = key
        chosen = _examples(examples[key])
        topics.append(
            {
                "term": term,
                "kind": kind,
                "source": source,
                "count": count,
                "previous": round(previous, 2),
                "growth": round((count - previous) / max(previous, 1), 2),
                "unmet": unmet[key],
                "examples": chosen,
            }
        )
    topics.sort(key=lambda t: (-t["growth"], -t["count"], t["term"], t["source"]))
    return topics[:KEPT_TOPICS]


def report_week(*, organization, week_start, now=None):
    """Compute (or compute again) the report of one week: one row per week, so a second run —
    the beat doubled, staff pressing the button twice — replaces it rather than adding one."""
    topics = compute_topics(organization=organization, week_start=week_start, now=now)
    moment = now or timezone.now()
    for _attempt in range(2):
        try:
            with transaction.atomic():
                report, _created = TrendReport.objects.update_or_create(
                    organization=organization,
                    week_start=week_start,
                    defaults={"topics": topics, "created_at": moment},
                )
            cache.delete(f"community:rising-topics-card:{organization.pk}")  # the dashboard's
            return report
        except IntegrityError:  # the same week created at once by another run: update it
            continue
    raise RuntimeError("trend report: the week's row could not be written")


def report_current_week(*, organization, now=None):
    """Staff's "update now": the week so far."""
    now = now or timezone.now()
    return report_week(
        organization=organization,
        week_start=week_start_of(organization=organization, moment=now),
        now=now,
    )


def report_last_week_if_missing(*, organization, now=None):
    """The weekly run: the last complete week's report, once. Run daily, it makes the report on
    the first day of each week and does nothing on the others (nor when run twice)."""
    now = now or timezone.now()
    last_week = week_start_of(organization=organization, moment=now) - timedelta(weeks=1)
    existing = TrendReport.objects.filter(organization=organization, week_start=last_week).first()
    if existing is not None and existing.created_at >= _local_midnight(
        last_week + timedelta(weeks=1), ZoneInfo(organization.timezone)
    ):
        return existing
    return report_week(organization=organization, week_start=last_week, now=now)
