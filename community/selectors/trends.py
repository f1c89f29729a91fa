"""Reading the weekly trend reports for a staff member: the topics, with examples read back from
their sources only where the reader's role may read that source (client requests: caseworkers
and admins), one query per source however many topics are shown."""

from collections import defaultdict

from django.core.cache import cache
from django.urls import NoReverseMatch, reverse

from community.models import TrendReport
from stakeholders.registries import TextExample, TextItem, text_sources


def reports(*, organization, limit=12):
    """The latest weeks that have a report, newest first (for the week picker)."""
    return list(
        TrendReport.objects.filter(organization=organization)
        .order_by("-week_start")
        .values_list("week_start", flat=True)[:limit]
    )


def report_get(*, organization, week_start=None):
    """The report of ``week_start``, or the newest one; None when there is none."""
    rows = TrendReport.objects.filter(organization=organization)
    if week_start is not None:
        rows = rows.filter(week_start=week_start)
    return rows.order_by("-week_start").first()


def topics_shown(*, organization, report, role, limit=15, examples=True):
    """The report's first ``limit`` topics as the reader sees them: each with its source's
    label and, when ``examples``, the examples this ``role`` may read (``hidden`` counts the
    others, so the page can say some exist without showing them)."""
    if report is None:
        return []
    topics = [t for t in report.topics if text_sources.get(t["source"]) is not None][:limit]
    texts = {}
    if examples:
        wanted = defaultdict(set)
        for topic in topics:
            if text_sources.readable_by(topic["source"], role):
                wanted[topic["source"]].update(e["key"] for e in topic["examples"])
        for name, keys in wanted.items():
            found = text_sources.get(name).examples(organization=organization, keys=keys, role=role)
            texts.update({(name, key): example for key, example in found.items()})
    shown = []
    for topic in topics:
        readable = []
        for example in topic["examples"] if examples else ():
            found = texts.get((topic["source"], example["key"]))
            if found is not None:
                readable.append({"text": found.text, "url": found.url, "unmet": example["unmet"]})
        shown.append(
            {
                **topic,
                "source_label": text_sources.get(topic["source"]).label,
                "examples": readable,
                "hidden": len(topic["examples"]) - len(readable) if examples else 0,
                "is_new": topic["previous"] == 0,
            }
        )
    return shown


def question_texts(*, organization, since, until):
    """The community's published questions for the trend report: the title and the tags."""
    from community.models import PostStatus, Question

    rows = Question.objects.filter(
        organization=organization,
        status=PostStatus.PUBLISHED,
        created_at__gte=since,
        created_at__lt=until,
    ).values_list("pk", "created_at", "title", "tags", "language")
    for key, at, title, tags, language in rows.iterator(chunk_size=500):
        yield TextItem(key=key, at=at, text=title, tags=tuple(tags), language=language)


def question_examples(*, organization, keys, role):
    """Titles of questions still published, linked to their page."""
    from community.models import PostStatus, Question

    rows = Question.objects.filter(
        organization=organization, status=PostStatus.PUBLISHED, pk__in=keys
    ).values_list("pk", "title")
    return {
        key: TextExample(text=title, url=_question_url(organization, key)) for key, title in rows
    }


def _question_url(organization, question_id):
    try:
        return reverse(
            "community:question",
            kwargs={"org_slug": organization.slug, "question_id": question_id},
        )
    except NoReverseMatch:  # the public question page is not mounted (its app part is off)
        return ""


CARD_TOPICS = 5
CARD_SECONDS = 5 * 60  # a report is made once a week


def dashboard_card(request):
    """The dashboard's "Rising topics": the newest report's first topics, terms and counts only
    (no example text on the dashboard, whatever the role); hidden until a report exists."""
    organization = request.organization
    report = cache.get_or_set(
        f"community:rising-topics-card:{organization.pk}",
        lambda: report_get(organization=organization) or False,
        CARD_SECONDS,
    )
    if not report:
        return None
    return {
        "report": report,
        "topics": topics_shown(
            organization=request.organization,
            report=report,
            role=request.membership.role,
            limit=CARD_TOPICS,
            examples=False,
        ),
    }
