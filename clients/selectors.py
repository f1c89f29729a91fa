"""Reads of the clients app: the queue, clocks, reports and help-centre search."""

import re
from collections import defaultdict
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db.models import (
    Avg,
    Case,
    Count,
    F,
    FloatField,
    Prefetch,
    Q,
    Value,
    When,
)
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone

from clients.models import (
    ACTIVE_STATUSES,
    CLIENT_VISIBLE_KINDS,
    COMPLAINT_KINDS,
    AccessLog,
    Article,
    ArticleCategory,
    Attachment,
    Attendance,
    ClientSettings,
    HelpSearch,
    MessageKind,
    Priority,
    ProgrammeCompletion,
    RequestMessage,
    ServiceLevel,
    ServiceRecord,
    ServiceRequest,
    Status,
)
from stakeholders import selectors as stakeholder_selectors
from stakeholders import sending, text
from stakeholders.aggregates import Percentile
from stakeholders.content_versions import LANGUAGE_CODES, choose
from stakeholders.models import Feedback, FeedbackMeasure
from stakeholders.sending import Transactional

QUEUE_PAGE = 50
UNSAFE_IN_NAME = re.compile(r"[^\w.\- ]")

# Working minutes (first response, resolution) when the organization has set no targets.
DEFAULT_TARGETS = {
    Priority.URGENT: (60, 8 * 60),
    Priority.HIGH: (4 * 60, 2 * 8 * 60),
    Priority.NORMAL: (8 * 60, 5 * 8 * 60),
    Priority.LOW: (16 * 60, 10 * 8 * 60),
}

# The organization's language → PostgreSQL text search configuration (the core's table, which
# the community's search shares).
REGCONFIG = text.REGCONFIG
regconfig_for_language = text.regconfig_for_language


def regconfig_for(organization):
    return regconfig_for_language(organization.language)


def regconfig_of_row(field="language"):
    """The text search configuration of each row's own language (an SQL expression)."""
    return Case(
        *(
            When(**{field: code}, then=Value(regconfig_for_language(code)))
            for code in LANGUAGE_CODES
        ),
        default=Value("simple"),
    )


# --- Settings and clocks -------------------------------------------------------------------------


def client_settings(*, organization):
    return ClientSettings.objects.filter(organization=organization).first() or ClientSettings(
        organization=organization
    )


def calendar_for(*, organization):
    """The organization's clock for requests: 24/7 when the client settings say so."""
    return stakeholder_selectors.calendar_for(
        organization=organization,
        around_the_clock=client_settings(organization=organization).around_the_clock,
    )


def targets_for(*, organization, category_id, priority):
    """(first response, resolution) in working minutes: the category's own targets, else the
    organization's for any category, else the defaults."""
    level = (
        ServiceLevel.objects.filter(organization=organization, priority=priority)
        .filter(Q(category_id=category_id) | Q(category__isnull=True))
        .order_by(F("category_id").asc(nulls_last=True))
        .first()
    )
    if level is None:
        return DEFAULT_TARGETS[Priority(priority)]
    return level.first_response_minutes, level.resolution_minutes


def service_levels(*, organization):
    return ServiceLevel.objects.filter(organization=organization).select_related("category")


# --- Requests ----------------------------------------------------------------------------------

QUEUE_VIEWS = ("active", "mine", "breached", "waiting", "resolved", "closed")


def queue(*, organization, view="active", user=None, category_id=None, priority=None, after=None):
    """One page of the queue and the key of the next page.

    Active requests come most urgent first (the running clock's deadline, ascending), matching
    the partial index ``request_queue``; the others newest first. Pages go by key, never by
    offset, and nothing is counted.
    """
    rows = ServiceRequest.objects.filter(organization=organization).select_related(
        "contact", "category", "assignee"
    )
    urgent_first = view in ("active", "mine", "breached")
    if urgent_first:
        rows = rows.filter(status__in=ACTIVE_STATUSES, next_due_at__isnull=False)
        if view == "mine":
            rows = rows.filter(assignee=user)
        if view == "breached":
            rows = rows.filter(next_due_at__lte=timezone.now())
    else:
        rows = rows.filter(status=view)
    if category_id:
        rows = rows.filter(category_id=category_id)
    if priority:
        rows = rows.filter(priority=priority)
    if urgent_first:
        if after:
            due, key = after
            rows = rows.filter(Q(next_due_at__gt=due) | Q(next_due_at=due, id__gt=key))
        rows = rows.order_by("next_due_at", "id")
    else:
        if after:
            created, key = after
            rows = rows.filter(Q(created_at__lt=created) | Q(created_at=created, id__lt=key))
        rows = rows.order_by("-created_at", "-id")
    page = list(rows[: QUEUE_PAGE + 1])
    more = len(page) > QUEUE_PAGE
    page = page[:QUEUE_PAGE]
    next_key = None
    if more:
        last = page[-1]
        next_key = (last.next_due_at if urgent_first else last.created_at, last.pk)
    return page, next_key


def request_get(*, organization, request_id):
    return (
        ServiceRequest.objects.filter(organization=organization, pk=request_id)
        .select_related("contact", "category", "assignee", "complaint_category")
        .first()
    )


def email_decision(*, organization, request):
    """May a reply or the resolution be emailed to the client? Transactional either way; only
    once the address owner confirmed the request (staff-opened ones are confirmed) do we know the
    person themselves asked, which is what lets it through to someone who asked not to be
    contacted."""
    return sending.decide(
        organization=organization,
        contact=request.contact,
        transactional=Transactional.ASKED if request.confirmed_at else Transactional.SERVICE,
    )


def requests_for_contact(*, organization, contact):
    return (
        ServiceRequest.objects.filter(organization=organization, contact=contact)
        .select_related("category", "assignee")
        .order_by("-created_at", "-id")
    )


def request_messages(*, organization, request, client_view=False):
    rows = RequestMessage.objects.filter(organization=organization, request=request).select_related(
        "author"
    )
    if client_view:
        rows = rows.filter(kind__in=CLIENT_VISIBLE_KINDS)
    return rows.order_by("created_at", "id")


def request_attachments(*, organization, request):
    return Attachment.objects.filter(organization=organization, request=request).order_by(
        "created_at", "id"
    )


def attachment_get(*, organization, attachment_id):
    return (
        Attachment.objects.filter(organization=organization, pk=attachment_id)
        .select_related("request")
        .first()
    )


def attachment_files(*, organization, contact):
    """(name in a data subject export, file) of the attachments of the person's requests, but
    not those of internal notes: the export leaves them out like the notes themselves."""
    rows = (
        Attachment.objects.filter(organization=organization, request__contact=contact)
        .exclude(message__kind=MessageKind.NOTE)
        .order_by("created_at", "id")
    )
    return [
        (f"attachments/request-{row.request_id}/{row.pk}-{_safe_name(row.original_name)}", row.file)
        for row in rows
    ]


def _safe_name(name):
    """A file name that can't climb out of its folder when the archive is unpacked."""
    return UNSAFE_IN_NAME.sub("_", name).strip(". ") or "file"


# --- Reports -----------------------------------------------------------------------------------


def _timing_aggregates():
    return {
        "requests": Count("id"),
        "response_median": Percentile("first_response_seconds", 0.5),
        "response_p90": Percentile("first_response_seconds", 0.9),
        "resolution_median": Percentile("resolution_seconds", 0.5),
        "resolution_p90": Percentile("resolution_seconds", 0.9),
        "responded": Count("id", filter=Q(first_response_breached__isnull=False)),
        "response_breaches": Count("id", filter=Q(first_response_breached=True)),
        "resolved": Count("id", filter=Q(resolution_breached__isnull=False)),
        "resolution_breaches": Count("id", filter=Q(resolution_breached=True)),
    }


def _with_rates(row):
    answered = (row["responded"] or 0) + (row["resolved"] or 0)
    breaches = (row["response_breaches"] or 0) + (row["resolution_breaches"] or 0)
    row["breach_rate"] = round(100 * breaches / answered) if answered else None
    for key in ("response_median", "response_p90", "resolution_median", "resolution_p90"):
        row[key] = timedelta(seconds=round(row[key])) if row[key] is not None else None
    return row


def timing_report(*, organization, since):
    """First-response and resolution times (median, 90th percentile) and breach rate, by
    category and by month, for requests received since ``since`` — one query each."""
    rows = ServiceRequest.objects.filter(organization=organization, created_at__gte=since)
    by_category = [
        _with_rates(row)
        for row in rows.values("category__name")
        .annotate(**_timing_aggregates())
        .order_by("category__name")
    ]
    by_month = [
        _with_rates(row)
        for row in rows.annotate(
            month=TruncMonth("created_at", tzinfo=ZoneInfo(organization.timezone))
        )
        .values("month")
        .annotate(**_timing_aggregates())
        .order_by("month")
    ]
    overall = _with_rates(rows.aggregate(**_timing_aggregates()))
    return {"by_category": by_category, "by_month": by_month, "overall": overall}


REPORT_SECONDS = 300


def timing_report_of_the_year(*, organization):
    """``timing_report`` of the last 365 days, kept five minutes: its medians and 90th
    percentiles sort a year of requests (a second in a big organization); a year's figures
    five minutes old are as useful, and the queue stays the live view."""
    from django.core.cache import cache

    def compute():
        return timing_report(organization=organization, since=timezone.now() - timedelta(days=365))

    return cache.get_or_set(f"clients:timing-report:{organization.pk}", compute, REPORT_SECONDS)


def top_complaint_categories(*, organization, since, staff_role=None, split=None, limit=5):
    """The five most frequent complaint categories and their count per month (the trend),
    counted by the core's ``complaint_counts`` as the dashboard counts them: complaint
    requests and complaints logged as interactions alike."""
    top = stakeholder_selectors.complaint_counts(
        organization=organization, staff_role=staff_role, since=since, split=split
    )[:limit]
    months = stakeholder_selectors.complaint_months(
        organization=organization,
        staff_role=staff_role,
        since=since,
        category_ids=[row["complaint_category_id"] for row in top],
        zone=ZoneInfo(organization.timezone),
    )
    month_keys = sorted({m for per in months.values() for m in per})
    for row in top:
        per = months.get(row["complaint_category_id"], {})
        row["trend"] = [per.get(m, 0) for m in month_keys]
    return top, month_keys


def satisfaction_restored_rate(*, organization, since):
    resolved = ServiceRequest.objects.filter(
        organization=organization,
        resolved_at__gte=since,
        kind__in=COMPLAINT_KINDS,
        satisfaction_restored__isnull=False,
    ).aggregate(total=Count("id"), restored=Count("id", filter=Q(satisfaction_restored=True)))
    if not resolved["total"]:
        return None
    return round(100 * resolved["restored"] / resolved["total"])


def csat_by_month(*, organization, since):
    """Average CSAT of the surveys sent after requests were resolved, per month."""
    return list(
        Feedback.objects.filter(
            organization=organization,
            measure=FeedbackMeasure.CSAT,
            created_at__gte=since,
            related_kind="clients.request",
        )
        .annotate(month=TruncMonth("created_at", tzinfo=ZoneInfo(organization.timezone)))
        .values("month")
        .annotate(average=Avg("score"), answers=Count("id"))
        .order_by("month")
    )


def dashboard_figures(*, organization, now=None):
    """The dashboard card's numbers: one aggregate over the requests, one over CSAT answers,
    one over unmet searches."""
    now = now or timezone.now()
    zone = ZoneInfo(organization.timezone)
    today = datetime.combine(now.astimezone(zone).date(), time.min, tzinfo=zone)
    week_start = today - timedelta(days=today.weekday())
    active = Q(status__in=ACTIVE_STATUSES)
    figures = ServiceRequest.objects.filter(organization=organization).aggregate(
        new=Count("id", filter=Q(status=Status.NEW)),
        open=Count("id", filter=Q(status=Status.OPEN)),
        waiting=Count("id", filter=Q(status=Status.WAITING)),
        breached_now=Count("id", filter=active & Q(next_due_at__lte=now)),
        breached_today=Count("id", filter=active & Q(next_due_at__gte=today, next_due_at__lte=now)),
        answered_late_today=Count(
            "id", filter=Q(first_responded_at__gte=today, first_response_breached=True)
        ),
        median_first_response=Percentile(
            "first_response_seconds", 0.5, filter=Q(first_responded_at__gte=week_start)
        ),
    )
    return {
        "by_status": [
            (status, figures[status]) for status in (Status.NEW, Status.OPEN, Status.WAITING)
        ],
        "breached_now": figures["breached_now"],
        "breaches_today": figures["breached_today"] + figures["answered_late_today"],
        "median_first_response": figures["median_first_response"],
        "csat": csat_by_month(organization=organization, since=today - timedelta(days=180)),
        "unmet_searches": unmet_searches(
            organization=organization, since=today - timedelta(days=30)
        )[:5],
    }


# --- Help centre ---------------------------------------------------------------------------------


def published_articles(*, organization):
    """The published originals: what the help centre lists and counts (a translation is a
    version of an article, not another one)."""
    return Article.objects.filter(
        organization=organization, is_published=True, original__isnull=True
    ).select_related("category")


def published_versions(*, organization):
    """Every version a visitor may read: published, of a published original."""
    return Article.objects.filter(organization=organization, is_published=True).filter(
        Q(original__isnull=True) | Q(original__is_published=True)
    )


def articles_in_language(originals, *, organization, language):
    """Each of ``originals`` (a queryset of published originals, in its order) as a reader of
    ``language`` sees it: their published version, else the organization's, else the original.
    Two queries, whatever the count."""
    rows = list(
        originals.prefetch_related(
            Prefetch(
                "translations",
                queryset=Article.objects.filter(organization=organization, is_published=True)
                .select_related("category")
                .order_by("language"),
            )
        )
    )
    for row in rows:
        row.organization = organization  # choose() reads its language: no query per row
    return [choose(row, language or organization.language) for row in rows]


def article_for_visitor(*, organization, article_id):
    """A published version by id with its original and the other published versions (for
    "also in"), or None."""
    version = (
        published_versions(organization=organization)
        .select_related("category", "original__category")
        .filter(pk=article_id)
        .first()
    )
    if version is None:
        return None
    root = version.root
    version.other_versions = [
        other
        for other in published_versions(organization=organization)
        .filter(Q(pk=root.pk) | Q(original=root))
        .exclude(pk=version.pk)
        .only("pk", "language", "title")
        .order_by("language")
    ]
    return version


def article_categories(*, organization):
    return ArticleCategory.objects.filter(organization=organization)


def help_categories(*, organization, language=None):
    """Categories that have at least one published article, with their articles in the
    reader's language (grouped by the original's category)."""
    originals = published_articles(organization=organization).order_by("title")
    versions = articles_in_language(originals, organization=organization, language=language)
    by_category = defaultdict(list)
    for version in versions:
        by_category[version.root.category_id].append(version)
    for articles in by_category.values():
        articles.sort(key=lambda version: version.title.casefold())
    categories = ArticleCategory.objects.filter(organization=organization, pk__in=list(by_category))
    return [(category, by_category[category.pk]) for category in categories]


def help_faqs(*, organization, language=None, limit=10):
    originals = published_articles(organization=organization).filter(is_faq=True)[:limit]
    return articles_in_language(originals, organization=organization, language=language)


def article_search(*, organization, query, limit=10, prefix=False, language=None):
    """Published articles matching ``query``, best first, each in the reader's ``language``
    (the organization's when not given).

    Every version is searched in its own language (its stemming rules; Khmer split into words
    by ICU), so a Persian visitor's words find the Persian version and an English word still
    finds an article whose Persian version is then shown. An article counts once, however many
    of its versions match.

    ``prefix`` (suggestions as someone types) matches word beginnings and any of the words;
    otherwise the query is read like a web search (all words, "quoted phrases", -excluded).
    """
    language = language or organization.language
    query = (query or "").strip()[:200]
    if not query:
        return []
    if prefix:
        # Words found by ICU (Khmer has no spaces between words), quoted for tsquery.
        words = [word.replace("'", "''") for word in text.words(query, language)[:8]]
        if not words:
            return []
        raw, search_type = " | ".join(f"'{word}':*" for word in words), "raw"
    else:
        raw, search_type = text.spaced(query, language), "websearch"
    matches, ranks = Q(), []
    for code in LANGUAGE_CODES:
        search = SearchQuery(raw, search_type=search_type, config=regconfig_for_language(code))
        matches |= Q(language=code, search_vector=search)
        ranks.append(When(language=code, then=SearchRank(F("search_vector"), search)))
    found = (
        published_versions(organization=organization)
        .filter(matches)
        .annotate(
            rank=Case(*ranks, default=Value(0.0), output_field=FloatField()),
            root=Coalesce("original_id", "id"),
        )
        .order_by("-rank", "title")
        .values_list("root", flat=True)[: limit * len(LANGUAGE_CODES)]
    )
    order = list(dict.fromkeys(found))[:limit]
    if not order:
        return []
    versions = {
        version.root.pk: version
        for version in articles_in_language(
            published_articles(organization=organization).filter(pk__in=order),
            organization=organization,
            language=language,
        )
    }
    return [versions[pk] for pk in order if pk in versions]


def unmet_searches(*, organization, since):
    """What people searched for and did not find, most frequent first: ``times`` counts people
    (a visitor on a day), not how often each of them pressed Enter."""
    return list(
        HelpSearch.objects.filter(organization=organization, results=0, created_at__gte=since)
        .values("query")
        .annotate(times=Count("id"))
        .order_by("-times", "query")[:20]
    )


def article_stats(*, organization):
    """Articles (originals, their translations at hand for the missing-languages marker) with
    their votes and deflections (requests not sent because of them: a version's votes count on
    its original)."""
    return (
        Article.objects.filter(organization=organization, original__isnull=True)
        .select_related("category", "organization")
        .prefetch_related(
            Prefetch(
                "translations",
                queryset=Article.objects.filter(organization=organization)
                .only("pk", "original_id", "language", "title", "is_published")
                .order_by("language"),
            )
        )
        .order_by("-deflection_count", "-helpful_count", "title")
    )


# --- Service records ------------------------------------------------------------------------


def service_records_for(*, organization, contact):
    return (
        ServiceRecord.objects.filter(organization=organization, contact=contact)
        .select_related("programme", "staff")
        .order_by("-delivered_on", "-id")
    )


def completions_for(*, organization, contact):
    return ProgrammeCompletion.objects.filter(
        organization=organization, contact=contact
    ).select_related("programme")


def attended_sessions(*, organization, contact, programme):
    return Attendance.objects.filter(
        organization=organization,
        contact=contact,
        session__programme=programme,
        status=Attendance.Status.ATTENDED,
    ).count()


def access_log(*, organization, contact_id=None):
    rows = AccessLog.objects.filter(organization=organization).select_related("user", "contact")
    if contact_id:
        rows = rows.filter(contact_id=contact_id)
    return rows.order_by("-id")  # ids grow with time: newest first, paged by key
