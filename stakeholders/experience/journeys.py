"""Journeys: where each person is on each stakeholder journey, and the funnel of each journey.

Positions are precomputed (``JourneyPosition``) by set-based SQL: each journey (registered by its
feature app in ``stakeholders.experience.registry``) gives a SELECT of (contact_id, reached,
next_change_at); the core adds the current stage and since when, and upserts the positions in
one ``INSERT … SELECT … ON CONFLICT DO UPDATE`` statement (deleting the positions of people no
longer on the journey in the same statement) — no Python loop over people. The funnel of a
journey (``JourneySummary``) is then one aggregate query over its positions, so the pages read
one row per journey whatever the number of contacts.

The beat job refreshes incrementally: only the contacts whose journey data changed since the
last refresh (``Journey.changed_since``) and those whom time alone moves on (``next_change_at``
passed, e.g. a donor lapsing) are recomputed.
"""

from dataclasses import dataclass
from datetime import timedelta

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from stakeholders.experience.registry import journeys as registry
from stakeholders.models import Contact, JourneyPosition, JourneyStageSetting, JourneySummary

# Rows committed late (a transaction that started before the last refresh and ended after it)
# are caught by looking back a little further than the last refresh.
OVERLAP = timedelta(minutes=10)
# With nobody moved, the funnel is recomputed only when it is older than this (its stuck counts
# drift with time alone): a quiet refresh of a large organization then costs a few small reads.
SUMMARY_MAX_AGE = timedelta(hours=1)


def created_since(queryset, since, *, at="created_at"):
    """The rows of ``queryset`` created since ``since``, for tables whose creation time has no
    index: an id watermark, found rather than stored — the primary key (which follows creation
    order) is walked backwards to the last row created before ``since``, and the rows above it
    are taken (with ``OVERLAP``, a row whose id was drawn before but committed after is in)."""
    last_before = (
        queryset.filter(**{f"{at}__lt": since}).order_by("-pk").values_list("pk", flat=True)[:1]
    )
    last_before = next(iter(last_before), None)
    return queryset if last_before is None else queryset.filter(pk__gt=last_before)


# --- Stage settings (labels and stuck thresholds) ---------------------------------------------


@dataclass(frozen=True)
class StageView:
    """A stage as an organization sees it: its own name and stuck threshold, else the default."""

    key: str
    label: str
    stuck_after_days: int | None
    exit: bool
    default_label: str
    default_stuck_after_days: int | None


def stage_settings(*, organization, journey_keys=None):
    """{journey key: [StageView, …] in the journey's order}, in one query."""
    wanted = [j for j in registry if journey_keys is None or j.key in journey_keys]
    own = {
        (row.journey, row.stage): row
        for row in JourneyStageSetting.objects.filter(
            organization=organization, journey__in=[j.key for j in wanted]
        )
    }
    views = {}
    for journey in wanted:
        views[journey.key] = []
        for stage in journey.stages:
            setting = own.get((journey.key, stage.key))
            label = (setting.label if setting else "") or str(stage.label)
            days = stage.stuck_after_days
            if setting is not None and setting.stuck_after_days is not None:
                days = setting.stuck_after_days or None  # 0: never stuck
            views[journey.key].append(
                StageView(
                    stage.key, label, days, stage.exit, str(stage.label), stage.stuck_after_days
                )
            )
    return views


@transaction.atomic
def stage_settings_save(*, organization, journey, values, now=None):
    """``values``: {stage key: (label, stuck_after_days or None)}. A label equal to the default
    or empty, and a threshold equal to the default, are stored as "use the default". The funnel
    is recomputed at once (its stuck counts depend on the thresholds)."""
    for stage in journey.stages:
        if stage.key not in values:
            continue
        label, days = values[stage.key]
        label = (label or "").strip()
        if label == str(stage.label):
            label = ""
        if days == stage.stuck_after_days:
            days = None
        if not label and days is None:
            JourneyStageSetting.objects.filter(
                organization=organization, journey=journey.key, stage=stage.key
            ).delete()
            continue
        JourneyStageSetting.objects.update_or_create(
            organization=organization,
            journey=journey.key,
            stage=stage.key,
            defaults={"label": label, "stuck_after_days": days},
        )
    summary_compute(organization=organization, journey=journey, now=now or timezone.now())


# --- Computing positions ------------------------------------------------------------------------


def _stage_sql(journey):
    """SQL CASEs giving the stage and the time it was entered from ``reached``: an exit reached
    (lapsed) wins; otherwise the furthest stage along the journey that was reached."""
    order = [(i, s) for i, s in enumerate(journey.stages, start=1) if s.exit]
    order += [(i, s) for i, s in reversed(list(enumerate(journey.stages, start=1))) if not s.exit]
    stage = " ".join(f"WHEN c.reached[{i}] IS NOT NULL THEN '{s.key}'" for i, s in order)
    entered = " ".join(f"WHEN c.reached[{i}] IS NOT NULL THEN c.reached[{i}]" for i, s in order)
    return f"CASE {stage} END", f"CASE {entered} END"


def _refresh_sql(journey, *, organization, contact_ids, now):
    """One statement: compute, upsert what changed, delete positions of people no longer on the
    journey (among ``contact_ids``, or everyone). Returns (sql, params)."""
    for stage in journey.stages:  # keys go into the SQL text: keep them plain
        assert stage.key.replace("_", "").isalnum(), stage.key
    computed_sql, params = journey.compute(organization, contact_ids, now)
    stage_case, entered_case = _stage_sql(journey)
    params = {
        **params,
        "_org": organization.pk,
        "_journey": journey.key,
        "_now": now,
        "_ids": list(contact_ids or []),
    }
    narrow = "AND p.contact_id = ANY(%(_ids)s)" if contact_ids is not None else ""
    position = JourneyPosition._meta.db_table
    sql = f"""
        WITH computed AS ({computed_sql}),
        s AS (
            SELECT c.contact_id, c.reached, c.next_change_at,
                   {stage_case} AS stage, {entered_case} AS entered_at
            FROM computed c
            JOIN {Contact._meta.db_table} person
              ON person.id = c.contact_id AND person.organization_id = %(_org)s
             AND person.merged_into_id IS NULL AND person.erased_at IS NULL
        ),
        up AS (
            INSERT INTO {position} AS p (organization_id, contact_id, journey, stage, entered_at,
                                         reached, next_change_at, computed_at)
            SELECT %(_org)s, s.contact_id, %(_journey)s, s.stage, s.entered_at, s.reached,
                   s.next_change_at, %(_now)s
            FROM s WHERE s.stage IS NOT NULL
            ON CONFLICT (organization_id, journey, contact_id) DO UPDATE SET
                stage = EXCLUDED.stage, entered_at = EXCLUDED.entered_at,
                reached = EXCLUDED.reached, next_change_at = EXCLUDED.next_change_at,
                computed_at = EXCLUDED.computed_at
            WHERE (p.stage, p.entered_at, p.reached, p.next_change_at)
                  IS DISTINCT FROM (EXCLUDED.stage, EXCLUDED.entered_at, EXCLUDED.reached,
                                    EXCLUDED.next_change_at)
            RETURNING 1
        ),
        gone AS (
            DELETE FROM {position} p
            WHERE p.organization_id = %(_org)s AND p.journey = %(_journey)s {narrow}
              AND NOT EXISTS (
                  SELECT 1 FROM s WHERE s.contact_id = p.contact_id AND s.stage IS NOT NULL
              )
            RETURNING 1
        )
        SELECT (SELECT count(*) FROM up), (SELECT count(*) FROM gone)
    """  # noqa: S608 (table names and stage keys are our own; values are parameters)
    return sql, params


def positions_compute(*, organization, journey, now, contact_ids=None):
    """Recompute the positions of ``contact_ids`` (None: everyone) on ``journey``; returns
    (rows written, rows deleted)."""
    if contact_ids is not None and not contact_ids:
        return 0, 0
    sql, params = _refresh_sql(journey, organization=organization, contact_ids=contact_ids, now=now)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()


def _due_contacts(*, organization, journey, now):
    """People whom time alone moves on (or whom a merge asked to be looked at again)."""
    return set(
        JourneyPosition.objects.filter(
            organization=organization, journey=journey.key, next_change_at__lte=now
        ).values_list("contact_id", flat=True)
    )


def _lock(organization, journey):
    """One refresh of a journey at a time (a doubled beat waits for nothing: it skips)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_try_advisory_xact_lock(hashtext(%s))",
            [f"journey:{organization.pk}:{journey.key}"],
        )
        return cursor.fetchone()[0]


def journeys_refresh(*, organization, now, full=False, journey_keys=None):
    """Bring every journey's positions and funnel up to date. Incremental unless ``full`` or the
    journey has never been computed: only contacts whose data changed since the last refresh
    (less ``OVERLAP``) and those whose ``next_change_at`` has passed are recomputed.

    Returns {journey key: {"full": bool, "examined": n or None, "written": n, "removed": n}}."""
    report = {}
    for journey in registry:
        if journey_keys is not None and journey.key not in journey_keys:
            continue
        with transaction.atomic():
            if not _lock(organization, journey):
                report[journey.key] = {"skipped": "running"}
                continue
            summary = JourneySummary.objects.filter(
                organization=organization, journey=journey.key
            ).first()
            since = summary.refreshed_until if summary else None
            if full or since is None:
                written, removed = positions_compute(
                    organization=organization, journey=journey, now=now
                )
                examined = None
            else:
                ids = set(journey.changed_since(organization, since - OVERLAP))
                ids |= _due_contacts(organization=organization, journey=journey, now=now)
                written, removed = positions_compute(
                    organization=organization, journey=journey, now=now, contact_ids=sorted(ids)
                )
                examined = len(ids)
            if (
                examined is None
                or written
                or removed
                or now - summary.computed_at > SUMMARY_MAX_AGE
            ):
                summary_compute(organization=organization, journey=journey, now=now)
            else:
                JourneySummary.objects.filter(pk=summary.pk).update(refreshed_until=now)
            report[journey.key] = {
                "full": examined is None,
                "examined": examined,
                "written": written,
                "removed": removed,
            }
    return report


# --- The funnel -------------------------------------------------------------------------------


def _summary_sql(journey, stages, *, organization, now):
    """One aggregate query over the journey's positions: per stage, people who reached it, people
    there now, people who reached it and the funnel stage before, the median days between the
    two, and the people stuck there."""
    columns = []
    params = {"_org": organization.pk, "_journey": journey.key}
    funnel = [i for i, s in enumerate(journey.stages, start=1) if not s.exit]
    for i, (stage, view) in enumerate(zip(journey.stages, stages, strict=True), start=1):
        previous = max((j for j in funnel if j < i), default=None) if not stage.exit else None
        columns.append(f"count(*) FILTER (WHERE reached[{i}] IS NOT NULL)")
        columns.append(f"count(*) FILTER (WHERE stage = '{stage.key}')")
        if previous:
            both = f"reached[{i}] IS NOT NULL AND reached[{previous}] IS NOT NULL"
            columns.append(f"count(*) FILTER (WHERE {both})")
            columns.append(
                "percentile_cont(0.5) WITHIN GROUP (ORDER BY greatest(0, extract(epoch FROM "
                f"reached[{i}] - reached[{previous}])) / 86400.0) FILTER (WHERE {both})"
            )
        else:
            columns += ["NULL::bigint", "NULL::float"]
        if view.stuck_after_days:
            params[f"_stuck{i}"] = now - timedelta(days=view.stuck_after_days)
            columns.append(
                f"count(*) FILTER (WHERE stage = '{stage.key}' AND entered_at < %(_stuck{i})s)"
            )
        else:
            columns.append("0")
    sql = (
        f"SELECT {', '.join(columns)} FROM {JourneyPosition._meta.db_table} "  # noqa: S608
        "WHERE organization_id = %(_org)s AND journey = %(_journey)s"
    )
    return sql, params


def summary_compute(*, organization, journey, now):
    """Recompute and store the funnel of ``journey`` (one aggregate query and one upsert)."""
    stages = stage_settings(organization=organization, journey_keys=[journey.key])[journey.key]
    sql, params = _summary_sql(journey, stages, organization=organization, now=now)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    first = row[0] or 0
    rows = []
    for n, stage in enumerate(journey.stages):
        people, here, both, median, stuck = row[n * 5 : n * 5 + 5]
        if stage.exit:
            previous_people, conversion = first, (people / first * 100 if first else None)
        else:
            previous = rows[-1]["people"] if rows and not rows[-1]["exit"] else None
            previous_people = previous
            conversion = both / previous * 100 if previous else None
        rows.append(
            {
                "stage": stage.key,
                "exit": stage.exit,
                "people": people,
                "now": here,
                "from_previous": both if both is not None else previous_people,
                "conversion": round(conversion, 1) if conversion is not None else None,
                "median_days": round(median, 1) if median is not None else None,
                "stuck": stuck,
            }
        )
    JourneySummary.objects.update_or_create(
        organization=organization,
        journey=journey.key,
        defaults={"stages": rows, "computed_at": now, "refreshed_until": now},
    )
    return rows


# --- Reads -------------------------------------------------------------------------------------


def visible_journeys(*, role):
    return registry.visible_to(role)


def journey_get(*, role, key):
    """The journey ``key`` if a member with ``role`` may see it, else None."""
    return next((j for j in visible_journeys(role=role) if j.key == key), None)


def funnels(*, organization, role):
    """The funnel of every journey ``role`` may see, read from the summaries (two queries):
    [{"journey", "summary" or None, "stages": [{…, "label", "stuck_after_days"}]}]."""
    journeys = visible_journeys(role=role)
    keys = [j.key for j in journeys]
    summaries = {
        s.journey: s
        for s in JourneySummary.objects.filter(organization=organization, journey__in=keys)
    }
    views = stage_settings(organization=organization, journey_keys=keys)
    return [
        funnel_of(journey, summaries.get(journey.key), views[journey.key]) for journey in journeys
    ]


def funnel_of(journey, summary, views):
    by_key = {row["stage"]: row for row in (summary.stages if summary else [])}
    stages = []
    for view in views:
        row = by_key.get(view.key, {})
        stages.append(
            {
                "stage": view.key,
                "label": view.label,
                "exit": view.exit,
                "stuck_after_days": view.stuck_after_days,
                "people": row.get("people", 0),
                "now": row.get("now", 0),
                "conversion": row.get("conversion"),
                "median_days": row.get("median_days"),
                "median_hours": (
                    row["median_days"] * 24 if row.get("median_days") is not None else None
                ),
                "stuck": row.get("stuck", 0),
            }
        )
    return {"journey": journey, "summary": summary, "stages": stages}


def stuck_filter(views, *, now, stage=None):
    """A Q for positions stuck at ``stage`` (or at any stage with a threshold)."""
    condition = Q(pk__in=[])
    for view in views:
        if view.stuck_after_days and (stage is None or view.key == stage):
            condition |= Q(
                stage=view.key, entered_at__lt=now - timedelta(days=view.stuck_after_days)
            )
    return condition


def stuck_people(*, organization, journey, views, now, stage=None, after=None, limit=50):
    """People stuck on ``journey`` (at ``stage``, or anywhere), longest waiting first, paged by
    key: ``after`` is the (entered_at, id) of the last row of the previous page."""
    rows = JourneyPosition.objects.filter(organization=organization, journey=journey.key).filter(
        stuck_filter(views, now=now, stage=stage)
    )
    if after is not None:
        at, pk = after
        rows = rows.filter(Q(entered_at__gt=at) | Q(entered_at=at, pk__gt=pk))
    return list(
        rows.select_related("contact", "contact__relationship_manager").order_by(
            "entered_at", "pk"
        )[:limit]
    )


def contact_positions(*, organization, contact, role):
    """The person's stage on each journey ``role`` may see: [{journey, stage label, since}]."""
    journeys = {j.key: j for j in visible_journeys(role=role)}
    if not journeys:
        return []
    positions = list(
        JourneyPosition.objects.filter(
            organization=organization, contact=contact, journey__in=list(journeys)
        )
    )
    if not positions:
        return []
    views = stage_settings(organization=organization, journey_keys=list(journeys))
    result = []
    for position in positions:
        journey = journeys[position.journey]
        view = next((v for v in views[journey.key] if v.key == position.stage), None)
        result.append(
            {
                "journey": journey,
                "stage": position.stage,
                "label": view.label if view else position.stage,
                "exit": view.exit if view else False,
                "entered_at": position.entered_at,
                "stuck": bool(
                    view
                    and view.stuck_after_days
                    and position.entered_at < timezone.now() - timedelta(days=view.stuck_after_days)
                ),
            }
        )
    return sorted(result, key=lambda row: str(row["journey"].label))
