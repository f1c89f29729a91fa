"""What the volunteers app plugs into the experience loop (stakeholders/experience/registry.py): its
area with who may see it and who owns a recovery case, its touchpoints worth a survey, its journey
and what it knows about the experience behind a score."""

from datetime import timedelta

from django.utils.translation import gettext, gettext_lazy

from stakeholders.experience.registry import Occurrence, areas, touchpoints
from stakeholders.models import Role

AREA = "volunteer"
ROLES = (Role.ADMIN, Role.VOLUNTEER_COORDINATOR)


# --- Area and recovery-case owner -------------------------------------------------------------


def case_owner(*, organization, contact, related_kind, related_id):
    """Who usually puts things right for this person: the organization's first volunteer
    coordinator (no opportunity names a coordinator of its own; None: the core's fallback)."""
    from stakeholders.models import Membership

    membership = (
        Membership.objects.filter(organization=organization, role=Role.VOLUNTEER_COORDINATOR)
        .select_related("user")
        .order_by("created_at", "pk")
        .first()
    )
    return membership.user if membership is not None else None


# --- Touchpoints --------------------------------------------------------------------------------


SHIFT_COMPLETED = "volunteers.shift_completed"
FIRST_MONTH = "volunteers.first_month"
SHIFT_KIND = "volunteers.shift"
PROFILE_KIND = "volunteers.profile"
FIRST_MONTH_AFTER = timedelta(days=30)


def _attended():
    from volunteers.models import Assignment

    return Assignment.objects.filter(status=Assignment.Status.ATTENDED)


def shifts_completed(organization, since, until, rule=None):
    """A shift that ended in [since, until), which the volunteer attended."""
    rows = (
        _attended()
        .filter(organization=organization, shift__ends_at__gte=since, shift__ends_at__lt=until)
        .order_by()
        .values_list("profile__contact_id", "shift_id", "shift__ends_at")
    )
    return [Occurrence(contact_id, SHIFT_KIND, shift_id, at) for contact_id, shift_id, at in rows]


def first_months(organization, since, until, rule=None):
    """30 days after the end of a volunteer's first attended shift, in [since, until)."""
    from django.db.models import Exists, OuterRef, Q

    attended = _attended().filter(organization=organization)
    earlier = attended.filter(profile_id=OuterRef("profile_id")).filter(
        Q(shift__ends_at__lt=OuterRef("shift__ends_at"))
        | Q(shift__ends_at=OuterRef("shift__ends_at"), pk__lt=OuterRef("pk"))
    )
    rows = (
        attended.filter(
            shift__ends_at__gte=since - FIRST_MONTH_AFTER,
            shift__ends_at__lt=until - FIRST_MONTH_AFTER,
        )
        .exclude(Exists(earlier))
        .order_by()
        .values_list("profile__contact_id", "profile_id", "shift__ends_at")
    )
    return [
        Occurrence(contact_id, PROFILE_KIND, profile_id, ended + FIRST_MONTH_AFTER)
        for contact_id, profile_id, ended in rows
    ]


def describe_shift(organization, related_kind, related_id):
    from stakeholders import formats
    from volunteers.models import Shift

    starts = (
        Shift.objects.filter(organization=organization, pk=related_id)
        .values_list("starts_at", flat=True)
        .first()
    )
    if starts is None:
        return gettext("your recent shift with us")
    return gettext("your shift on %(date)s") % {"date": formats.format_date(starts, style="long")}


def describe_first_month(organization, related_kind, related_id):
    return gettext("your first month of volunteering with us")


def _register_touchpoints():
    touchpoints.register(
        SHIFT_COMPLETED,
        gettext_lazy("A volunteer's completed shift"),
        area=AREA,
        occurrences=shifts_completed,
        describe=describe_shift,
    )
    touchpoints.register(
        FIRST_MONTH,
        gettext_lazy("A volunteer's first month (30 days after their first shift)"),
        area=AREA,
        occurrences=first_months,
        describe=describe_first_month,
    )


# --- Journey ------------------------------------------------------------------------------------


# Volunteer: applied → confirmed (approved) → first shift (attended) → active (3+ shifts attended
# within 90 days) → lapsed (exit: no shift attended for 6 months after the last).
ACTIVE_WINDOW = "90 days"
LAPSE_AFTER = "6 months"
# Attendance is marked after a shift: changes to assignments of shifts that started within this
# many days before the last refresh are looked at (assignments have no indexed change time).
ATTENDANCE_LOOKBACK = timedelta(days=60)


def journey_rows(organization, contact_ids, now):
    """(sql, params): one row per volunteer — contact_id, reached[5], next_change_at."""
    from volunteers.models import Assignment, Shift, VolunteerProfile

    only = "AND v.contact_id = ANY(%(ids)s)" if contact_ids is not None else ""
    sql = f"""
        WITH v AS (
            SELECT v.id, v.contact_id, v.joined_at, v.approved_at
            FROM {VolunteerProfile._meta.db_table} v
            WHERE v.organization_id = %(org)s {only}
        ),
        s AS (
            SELECT a.profile_id, sh.starts_at,
                   lag(sh.starts_at, 2) OVER (
                       PARTITION BY a.profile_id ORDER BY sh.starts_at, a.id
                   ) AS two_before
            FROM {Assignment._meta.db_table} a
            JOIN {Shift._meta.db_table} sh
              ON sh.id = a.shift_id AND sh.organization_id = %(org)s
            WHERE a.organization_id = %(org)s AND a.status = 'attended'
                  AND a.profile_id IN (SELECT id FROM v)
        ),
        per AS (
            SELECT profile_id, min(starts_at) AS first_at,
                   min(starts_at) FILTER (
                       WHERE two_before >= starts_at - %(window)s::interval
                   ) AS active_at,
                   max(starts_at) + %(lapse)s::interval AS lapse_at
            FROM s GROUP BY profile_id
        )
        SELECT v.contact_id,
               ARRAY[
                   v.joined_at,
                   v.approved_at,
                   per.first_at,
                   per.active_at,
                   CASE WHEN per.lapse_at <= %(now)s THEN per.lapse_at END
               ]::timestamptz[] AS reached,
               CASE WHEN per.lapse_at > %(now)s THEN per.lapse_at END AS next_change_at
        FROM v LEFT JOIN per ON per.profile_id = v.id
    """  # noqa: S608 (our own table names; values are parameters)
    return sql, {
        "org": organization.pk,
        "ids": list(contact_ids or []),
        "now": now,
        "window": ACTIVE_WINDOW,
        "lapse": LAPSE_AFTER,
    }


def journey_changed_since(organization, since):
    """Volunteers who signed up or were approved, and those whose recent shifts changed
    (signed up, attendance marked) since ``since``."""
    from stakeholders.experience.journeys import created_since
    from volunteers.models import Assignment, VolunteerProfile

    profiles = VolunteerProfile.objects.filter(organization=organization)
    ids = set(created_since(profiles, since, at="joined_at").values_list("contact_id", flat=True))
    ids |= set(profiles.filter(approved_at__gte=since).values_list("contact_id", flat=True))
    assignments = Assignment.objects.filter(organization=organization)
    changed = (
        created_since(assignments, since)
        .values("profile_id")
        .union(
            assignments.filter(
                shift__starts_at__gte=since - ATTENDANCE_LOOKBACK, updated_at__gte=since
            ).values("profile_id")
        )
    )
    ids |= set(profiles.filter(pk__in=changed).values_list("contact_id", flat=True))
    return ids


def _register_journey():
    from stakeholders.experience.registry import Journey, Stage, journeys

    journeys.register(
        Journey(
            key=AREA,
            area=AREA,
            label=gettext_lazy("Volunteers"),
            stages=(
                Stage("applied", gettext_lazy("Applied"), stuck_after_days=14),
                Stage("confirmed", gettext_lazy("Confirmed"), stuck_after_days=30),
                Stage("first_shift", gettext_lazy("First shift"), stuck_after_days=60),
                Stage("active", gettext_lazy("Active")),
                Stage("lapsed", gettext_lazy("Lapsed"), exit=True),
            ),
            compute=journey_rows,
            changed_since=journey_changed_since,
        )
    )


# --- Insight attributes -------------------------------------------------------------------------


def insight_values(organization, rows):
    """For each answer: the opportunity of the shift it is about (else of the person's latest
    shift attended by then), how many shifts they had done by then, and the days from signing up
    to their first shift. Two queries, whatever the number of answers."""
    from django.db.models import F

    from volunteers.models import VolunteerProfile

    if not rows:
        return {}
    profiles = dict(
        VolunteerProfile.objects.filter(
            organization=organization, contact_id__in={row["contact_id"] for row in rows}
        ).values_list("contact_id", "joined_at")
    )
    shifts = {}
    for shift in (
        _attended()
        .filter(organization=organization, profile__contact_id__in=profiles.keys())
        .order_by("shift__starts_at", "pk")
        .values(
            "shift_id",
            contact_id=F("profile__contact_id"),
            starts_at=F("shift__starts_at"),
            ends_at=F("shift__ends_at"),
            opportunity=F("shift__opportunity__title"),
        )
    ):
        shifts.setdefault(shift["contact_id"], []).append(shift)
    found = {}
    for row in rows:
        if row["contact_id"] not in profiles:
            continue
        theirs = shifts.get(row["contact_id"], [])
        done = [shift for shift in theirs if shift["ends_at"] <= row["created_at"]]
        about = None
        if row["related_kind"] == SHIFT_KIND:
            about = next((s for s in theirs if s["shift_id"] == row["related_id"]), None)
        about = about or (done[-1] if done else None)
        values = {"shifts_done": len(done)}
        if about is not None:
            values["opportunity"] = about["opportunity"]
        if theirs:
            waited = theirs[0]["starts_at"] - profiles[row["contact_id"]]
            values["days_to_first_shift"] = max(waited.total_seconds(), 0) / 86400
        found[row["id"]] = values
    return found


def _register_insights():
    from stakeholders.experience.registry import Attribute, insights

    insights.register(
        AREA,
        attributes=(
            Attribute("opportunity", gettext_lazy("Opportunity"), "category"),
            Attribute("shifts_done", gettext_lazy("Shifts done by then"), "number"),
            Attribute(
                "days_to_first_shift",
                gettext_lazy("Days from signing up to the first shift"),
                "number",
                "days",
            ),
        ),
        values=insight_values,
    )


def register():
    areas.register(AREA, gettext_lazy("Volunteers"), roles=ROLES, owner=case_owner)
    _register_touchpoints()
    _register_journey()
    _register_insights()
