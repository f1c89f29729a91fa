"""What people tell us and what separates the satisfied from the rest.

- **Tagging**: staff tag a feedback comment with a category of kind complaint or expectation
  (``feedback_tag``); a complaint logged as an interaction carries its own category.
- **Top five** of each kind (``top_five`` / ``top_fives``): complaints logged, the complaint
  sources apps register (a client's complaint request) and tagged comments, counted by the core's
  ``complaint_tallies`` (the figure the dashboard and the client reports share), with a monthly
  trend.
- **What separates the satisfied** (``separates``): per area the member may see, the answers of
  the last twelve months split into satisfied (CSAT 4–5, CES 1–3, NPS 9–10) and dissatisfied
  (CSAT 1–2, CES 5–7, NPS 0–6), compared on what the core and the feature apps know about the
  experience behind each answer (``registry.insights``): numbers by their medians, categories by
  the share of dissatisfied answers within each value against the share overall.
"""

import statistics
from collections import defaultdict
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, DateTimeField, ExpressionWrapper, F, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext_lazy

from stakeholders import formats, selectors
from stakeholders.experience.recovery import area_for, area_label
from stakeholders.experience.registry import GENERAL, Attribute, areas, insights
from stakeholders.models import Channel, ComplaintCategory, Feedback

Kind = ComplaintCategory.Kind

MONTHS = 12  # the reports look back twelve months, the current one included
TOP = 5
RECENT_DAYS = 90  # the dashboard's "last 90 days" column
CONTACT_WINDOW_DAYS = 90  # "contacts with the person in the 90 days before the answer"

MIN_ANSWERS = 10  # fewer satisfied and dissatisfied answers than this: too few to compare
MIN_GROUP = 3  # a median needs at least this many values on each side to be compared
MEDIAN_RATIO = 2  # medians this many times apart are worth saying
MIN_CATEGORY_ANSWERS = 5  # a value needs this many answers before its share means anything
SHARE_POINTS = 15  # a value's dissatisfied share this many points above the overall one
MAX_VALUES = 8  # values shown per category attribute (the highlighted ones first)

SATISFIED, DISSATISFIED = "satisfied", "dissatisfied"
# One answer per survey: when a survey asked several questions, the first of these decides.
MEASURE_ORDER = ("csat", "nps", "ces")

CORE_ATTRIBUTES = (
    Attribute(
        "contacts_90d",
        gettext_lazy("Contacts in the 90 days before the answer"),
        "number",
    ),
    Attribute("channel", gettext_lazy("Channel of the interaction"), "category"),
    Attribute("staff", pgettext_lazy("insight attribute", "Staff member"), "category"),
)


def verdict(measure, score):
    """SATISFIED, DISSATISFIED or None (in between) for one score."""
    if measure == "csat":
        return SATISFIED if score >= 4 else DISSATISFIED if score <= 2 else None
    if measure == "ces":
        return SATISFIED if score <= 3 else DISSATISFIED if score >= 5 else None
    if measure == "nps":
        return SATISFIED if score >= 9 else DISSATISFIED if score <= 6 else None
    return None


# --- Tagging ------------------------------------------------------------------------------------


def categories(*, organization):
    return ComplaintCategory.objects.filter(organization=organization).order_by("kind", "name")


def categories_by_kind(*, organization):
    """[(kind, label, [categories])], complaints first: the groups of a category select."""
    found = defaultdict(list)
    for category in categories(organization=organization):
        found[category.kind].append(category)
    return [(kind, label, found[kind]) for kind, label in Kind.choices]


def category_create(*, organization, name, kind):
    """A new category of ``kind``; the name is unique in the organization (whatever its case)."""
    name = (name or "").strip()
    errors = {}
    if not name:
        errors["name"] = [_("Give the category a name.")]
    elif len(name) > ComplaintCategory._meta.get_field("name").max_length:
        errors["name"] = [_("Keep the name under 100 characters.")]
    elif ComplaintCategory.objects.filter(organization=organization, name__iexact=name).exists():
        errors["name"] = [_("There is already a category with this name.")]
    if kind not in Kind.values:
        errors["kind"] = [_("Choose complaint or expectation.")]
    if errors:
        raise ValidationError(errors)
    return ComplaintCategory.objects.create(organization=organization, name=name, kind=kind)


def feedback_tag(*, organization, feedback, category):
    """Tag ``feedback`` with ``category`` (a complaint or an expectation of the same
    organization); None clears the tag."""
    if feedback.organization_id != organization.pk:
        raise ValidationError({"feedback": [_("There is no such answer in this organization.")]})
    if category is not None and category.organization_id != organization.pk:
        raise ValidationError({"category": [_("Choose a category of this organization.")]})
    with transaction.atomic():
        Feedback.objects.filter(organization=organization, pk=feedback.pk).update(category=category)
    feedback.category = category
    return feedback


def comments_to_tag(*, organization, staff_role, now=None):
    """Comments of the last twelve months nobody has tagged yet, newest first, of the answers
    ``staff_role`` may read (none on casework they may not see)."""
    now = now or timezone.now()
    return (
        selectors.feedback_visible(organization=organization, staff_role=staff_role)
        .exclude(comment="")
        .filter(category__isnull=True, created_at__gte=now - timedelta(days=365))
        .select_related("contact")
        .order_by("-created_at", "-pk")
    )


def feedback_for_tagging(*, organization, staff_role, feedback_id):
    """One answer the member may read, or None (another organization's, or hidden casework)."""
    return (
        selectors.feedback_visible(organization=organization, staff_role=staff_role)
        .filter(pk=feedback_id)
        .first()
    )


# --- Top five -----------------------------------------------------------------------------------


def _zone(organization, zone):
    return zone or ZoneInfo(organization.timezone)


def year_start(*, organization, now=None, zone=None):
    """The first moment of the month eleven months ago: twelve whole months, this one included."""
    zone = _zone(organization, zone)
    today = timezone.localtime(now or timezone.now(), zone).date()
    month = today.year * 12 + today.month - 1 - (MONTHS - 1)
    first = date(month // 12, month % 12 + 1, 1)
    return datetime.combine(first, time(0), tzinfo=zone)


def _months(since, now, zone):
    first = timezone.localtime(since, zone).date().replace(day=1)
    last = timezone.localtime(now, zone).date()
    months = []
    while first <= last:
        months.append(first)
        first = (first + timedelta(days=32)).replace(day=1)
    return months


def top_fives(*, organization, staff_role, since=None, zone=None, now=None):
    """The five categories of each kind with the most items since ``since`` (twelve months by
    default), counted in one query per source: {"complaint": rows, "expectation": rows,
    "months": [first days]}, each row {category_id, name, kind, total, recent, trend} where
    ``recent`` is the last 90 days and ``trend`` the count per month of ``months``."""
    now = now or timezone.now()
    zone = _zone(organization, zone)
    since = since or year_start(organization=organization, now=now, zone=zone)
    tallies = selectors.complaint_tallies(
        organization=organization,
        staff_role=staff_role,
        since=since,
        zone=zone,
        split=now - timedelta(days=RECENT_DAYS),
    )
    months = _months(since, now, zone)
    result = {"months": months}
    for kind in Kind.values:
        rows = sorted(
            (
                {
                    "category_id": category_id,
                    "name": row["name"],
                    "kind": kind,
                    "total": row["total"],
                    "recent": row["recent"],
                    "trend": [row["months"].get(month, 0) for month in months],
                }
                for category_id, row in tallies[kind].items()
            ),
            key=lambda row: (-row["total"], row["name"] or ""),
        )
        result[kind] = rows[:TOP]
    return result


def top_five(*, organization, staff_role, kind, since, zone=None, now=None):
    """The top five of one ``kind`` (see ``top_fives``)."""
    return top_fives(
        organization=organization, staff_role=staff_role, since=since, zone=zone, now=now
    )[kind]


# --- What separates the satisfied ---------------------------------------------------------------


def _answers(*, organization, staff_role, since, until):
    """The answers ``staff_role`` may read, with what the core knows about each, in one query:
    the contacts with the person in the 90 days before (an interaction the member may see), the
    channel and staff member of the interaction the answer is about, and the survey's touchpoint."""
    window_start = ExpressionWrapper(
        OuterRef("created_at") - Value(timedelta(days=CONTACT_WINDOW_DAYS)),
        output_field=DateTimeField(),
    )
    contacts_before = (
        selectors.interactions_visible(organization=organization, staff_role=staff_role)
        .filter(
            contact_id=OuterRef("contact_id"),
            occurred_at__lt=OuterRef("created_at"),
            occurred_at__gte=window_start,
        )
        .order_by()
        .values("contact_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return list(
        selectors.feedback_visible(organization=organization, staff_role=staff_role)
        .filter(created_at__gte=since, created_at__lt=until)
        .order_by("created_at", "pk")
        .values(
            "id",
            "contact_id",
            "related_kind",
            "related_id",
            "interaction_id",
            "invitation_id",
            "created_at",
            "measure",
            "score",
            touchpoint=F("invitation__rule__touchpoint"),
            interaction_related_kind=F("interaction__related_kind"),
            interaction_related_id=F("interaction__related_id"),
            channel=F("interaction__channel"),
            staff_name=F("interaction__staff__name"),
            staff_email=F("interaction__staff__email"),
        )
        .annotate(contacts_90d=Coalesce(Subquery(contacts_before), 0))
    )


def _responses(answers):
    """One response per survey answered (else per answer): the first measure of MEASURE_ORDER
    decides whether it was satisfied; answers with no verdict stay in as neither."""
    grouped = {}
    for row in answers:
        key = ("invitation", row["invitation_id"]) if row["invitation_id"] else ("id", row["id"])
        grouped.setdefault(key, []).append(row)
    responses = []
    for rows in grouped.values():
        row = min(rows, key=lambda r: MEASURE_ORDER.index(r["measure"]))
        related_kind = row["related_kind"] or row["interaction_related_kind"] or ""
        related_id = row["related_id"] if row["related_kind"] else row["interaction_related_id"]
        responses.append(
            {
                **row,
                "related_kind": related_kind,
                "related_id": related_id,
                "verdict": verdict(row["measure"], row["score"]),
            }
        )
    return responses


def _core_values(row, channels):
    staff = row["staff_name"] or row["staff_email"]
    return {
        "contacts_90d": row["contacts_90d"],
        "channel": str(channels.get(row["channel"], "")) or None,
        "staff": staff or None,
    }


def _format_value(value, unit):
    """A median in words, in the reader's conventions."""
    if value is None:
        return "—"
    if unit == "hours":
        return formats.format_duration(value * 3600) or formats.format_number(0)
    shown = formats.format_number(value, decimals=1)
    plural = round(value) if value >= 1 else 1
    if unit == "working_hours":
        return ngettext("%(number)s working hour", "%(number)s working hours", plural) % {
            "number": shown
        }
    if unit == "days":
        return ngettext("%(number)s day", "%(number)s days", plural) % {"number": shown}
    return shown


def _compare_number(attribute, values):
    satisfied = [v[attribute.key] for v in values[SATISFIED] if v.get(attribute.key) is not None]
    dissatisfied = [
        v[attribute.key] for v in values[DISSATISFIED] if v.get(attribute.key) is not None
    ]
    medians = {
        SATISFIED: statistics.median(satisfied) if satisfied else None,
        DISSATISFIED: statistics.median(dissatisfied) if dissatisfied else None,
    }
    highlight = False
    if len(satisfied) >= MIN_GROUP and len(dissatisfied) >= MIN_GROUP:
        low, high = sorted((medians[SATISFIED], medians[DISSATISFIED]))
        highlight = high >= 1 and (low <= 0 or high / low >= MEDIAN_RATIO)
    found = {
        "key": attribute.key,
        "label": str(attribute.label),
        "unit": attribute.unit,
        "satisfied_median": medians[SATISFIED],
        "dissatisfied_median": medians[DISSATISFIED],
        "satisfied_answers": len(satisfied),
        "dissatisfied_answers": len(dissatisfied),
        "satisfied_text": _format_value(medians[SATISFIED], attribute.unit),
        "dissatisfied_text": _format_value(medians[DISSATISFIED], attribute.unit),
        "highlight": highlight,
    }
    found["sentence"] = _(
        "%(attribute)s: a median of %(dissatisfied)s for the dissatisfied, "
        "%(satisfied)s for the satisfied."
    ) % {
        "attribute": found["label"],
        "dissatisfied": found["dissatisfied_text"],
        "satisfied": found["satisfied_text"],
    }
    return found


def _compare_category(attribute, everyone, overall_share):
    per_value = defaultdict(lambda: [0, 0])
    for response in everyone:
        value = response["values"].get(attribute.key)
        if value in (None, ""):
            continue
        per_value[str(value)][0] += 1
        per_value[str(value)][1] += response["verdict"] == DISSATISFIED
    rows = []
    for value, (answers, dissatisfied) in per_value.items():
        share = 100 * dissatisfied / answers
        highlight = answers >= MIN_CATEGORY_ANSWERS and share >= overall_share + SHARE_POINTS
        row = {
            "value": value,
            "answers": answers,
            "dissatisfied": dissatisfied,
            "share": share,
            "highlight": highlight,
        }
        if highlight:
            row["sentence"] = ngettext(
                "%(attribute)s “%(value)s”: %(share)s of %(number)s answer dissatisfied, "
                "against %(overall)s overall.",
                "%(attribute)s “%(value)s”: %(share)s of %(number)s answers dissatisfied, "
                "against %(overall)s overall.",
                answers,
            ) % {
                "attribute": str(attribute.label),
                "value": value,
                "share": formats.format_percent(share),
                "number": formats.format_number(answers),
                "overall": formats.format_percent(overall_share),
            }
        rows.append(row)
    rows.sort(key=lambda row: (not row["highlight"], -row["answers"], row["value"]))
    return {
        "key": attribute.key,
        "label": str(attribute.label),
        "values": rows[:MAX_VALUES],
        "more_values": max(len(rows) - MAX_VALUES, 0),
        "highlight": any(row["highlight"] for row in rows),
    }


def _section(*, organization, area, responses, channels):
    sources = insights.for_area(area)
    attributes = list(CORE_ATTRIBUTES) + [a for source in sources for a in source.attributes]
    for response in responses:
        response["values"] = _core_values(response, channels)
    for source in sources:
        found = source.values(organization, responses) or {}
        for response in responses:
            response["values"].update(found.get(response["id"], {}))
    satisfied = [r for r in responses if r["verdict"] == SATISFIED]
    dissatisfied = [r for r in responses if r["verdict"] == DISSATISFIED]
    section = {
        "area": area,
        "label": str(area_label(area)),
        "answers": len(responses),
        "satisfied": len(satisfied),
        "dissatisfied": len(dissatisfied),
        "enough": len(satisfied) + len(dissatisfied) >= MIN_ANSWERS,
        "numbers": [],
        "categories": [],
        "highlights": [],
    }
    if not section["enough"]:
        return section
    overall_share = 100 * len(dissatisfied) / len(responses)
    section["overall_share"] = overall_share
    values = {
        SATISFIED: [r["values"] for r in satisfied],
        DISSATISFIED: [r["values"] for r in dissatisfied],
    }
    for attribute in attributes:
        if attribute.kind == "number":
            found = _compare_number(attribute, values)
            section["numbers"].append(found)
            if found["highlight"]:
                section["highlights"].append(found["sentence"])
        else:
            found = _compare_category(attribute, responses, overall_share)
            section["categories"].append(found)
            section["highlights"].extend(
                row["sentence"] for row in found["values"] if row["highlight"]
            )
    return section


def separates(*, organization, staff_role, now=None):
    """What separates the satisfied from the dissatisfied, one section per area ``staff_role``
    may see (feature areas first, general last), over the last twelve months; a handful of
    queries whatever the number of answers (one for the answers, a few per feature app)."""
    now = now or timezone.now()
    visible = areas.visible_to(staff_role)
    if not visible:
        return []
    answers = _answers(
        organization=organization,
        staff_role=staff_role,
        since=now - timedelta(days=365),
        until=now,
    )
    found_area = {}
    by_area = defaultdict(list)
    for response in _responses(answers):
        key = (response["related_kind"], response["touchpoint"] or "")
        if key not in found_area:
            found_area[key] = area_for(related_kind=key[0], touchpoint=key[1])
        by_area[found_area[key]].append(response)
    channels = dict(Channel.choices)
    ordered = [key for key in visible if key != GENERAL] + [
        key for key in visible if key == GENERAL
    ]
    return [
        _section(
            organization=organization, area=area, responses=by_area.get(area, []), channels=channels
        )
        for area in ordered
    ]
