"""What feature apps plug into the experience loop, so the core never imports them.

- An **area** per stakeholder type ("donor", "volunteer", "client"): who on the staff may see its
  surveys, recovery cases and journeys, and who owns a recovery case about one of its things
  (the relationship manager, the coordinator of the shift, the caseworker of the request).
- **Touchpoints**: moments worth a survey (a first thank-you sent, a completed shift, a resolved
  request), each able to list the occurrences in a time window.
- **Journeys**: the stages a person goes through, computed from the app's data.
- **Insight attributes**: what the app knows about the experience behind a score (time to thank,
  time to first response, the fund, the opportunity), for "what separates the satisfied".

Example (in ``volunteers/contributions.py``)::

    areas.register("volunteer", _("Volunteers"), roles=VOLUNTEER_ROLES, owner=shift_coordinator)
    touchpoints.register("volunteers.shift_completed", _("A completed shift"),
                         area="volunteer", occurrences=completed_shifts)
    journeys.register(Journey("volunteer", "volunteer", _("Volunteers"), stages=…, compute=…,
                              changed_since=…))
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from stakeholders.models import Role

# Recovery cases and surveys about the person in general (a logged interaction, a complaint with
# no feature app behind it) belong to this area; every staff role but the viewer sees it.
GENERAL = "general"


@dataclass(frozen=True)
class Area:
    key: str
    label: str
    roles: tuple
    # (organization, contact, related_kind, related_id) -> User or None: the usual owner of a
    # recovery case about this thing (the core falls back to the relationship manager, then an
    # admin).
    owner: Callable | None = None


class Areas:
    def __init__(self):
        self._areas: dict[str, Area] = {}
        self.register(
            GENERAL,
            "general",
            roles=(Role.ADMIN, Role.FUNDRAISER, Role.VOLUNTEER_COORDINATOR, Role.CASEWORKER),
        )

    def register(self, key, label, *, roles, owner=None):
        from stakeholders.registries import restricted_interactions

        self._areas[key] = Area(key, label, tuple(roles), owner)
        # What keep-in-touch steps log on a person's timeline is walled like the area itself
        # (a client's check-in email is read by the roles that see clients only).
        restricted_interactions.register(f"experience.keep_in_touch.{key}", roles=roles)

    def get(self, key):
        return self._areas.get(key) or self._areas[GENERAL]

    def visible_to(self, role):
        """The area keys a member with ``role`` may see (none for no role: fail closed)."""
        return [key for key, area in self._areas.items() if role in area.roles]

    def __iter__(self):
        return iter(self._areas.values())


areas = Areas()


@dataclass(frozen=True)
class Occurrence:
    """One person passing one touchpoint."""

    contact_id: int
    related_kind: str
    related_id: int
    occurred_at: datetime


@dataclass(frozen=True)
class Touchpoint:
    key: str
    label: str
    area: str
    # (organization, since, until, rule) -> iterable of Occurrence, in [since, until)
    occurrences: Callable
    # (organization, related_kind, related_id) -> short text naming the thing ("Shift on 3 May")
    describe: Callable | None = None


class Touchpoints:
    def __init__(self):
        self._touchpoints: dict[str, Touchpoint] = {}

    def register(self, key, label, *, area, occurrences, describe=None):
        self._touchpoints[key] = Touchpoint(key, label, area, occurrences, describe)

    def get(self, key):
        return self._touchpoints.get(key)

    def choices(self):
        return [(t.key, t.label) for t in self._touchpoints.values()]

    def __iter__(self):
        return iter(self._touchpoints.values())


touchpoints = Touchpoints()


@dataclass(frozen=True)
class Stage:
    key: str
    label: str
    stuck_after_days: int | None = None  # the default; organizations set their own
    exit: bool = False  # a way out of the funnel (lapsed), not a step on it


@dataclass(frozen=True)
class Position:
    """Where a person is on a journey: the stage they are at now and since when, when they
    reached each stage (by key), and when time alone will move them on (a lapse), if ever."""

    contact_id: int
    stage: str
    entered_at: datetime
    reached: dict = field(default_factory=dict)
    next_change_at: datetime | None = None


@dataclass(frozen=True)
class Journey:
    key: str
    area: str
    label: str
    stages: tuple  # of Stage, in order
    # (organization, contact_ids, now) -> (sql, params): a SELECT of one row per person on the
    # journey among ``contact_ids`` (None: everyone) — ``contact_id``, ``reached`` (a
    # timestamptz[] with when each stage, in ``stages`` order, was reached, or NULL) and
    # ``next_change_at`` (when time alone moves them on, or NULL). Set-based: the core
    # (``stakeholders.experience.journeys``) derives the stage, drops erased and merged-away
    # contacts and upserts the positions in one statement; a contact with no row is not on it.
    compute: Callable
    # (organization, since) -> contact ids whose data for this journey changed since then
    # (new or changed rows; indexed timestamps, or ``journeys.created_since`` where there is none)
    changed_since: Callable
    # (organization, contact) -> dict of extra merge fields for keep-in-touch emails
    merge_fields: Callable | None = None

    def stage(self, key):
        return next((stage for stage in self.stages if stage.key == key), None)

    def index(self, key):
        return [stage.key for stage in self.stages].index(key)


class Journeys:
    def __init__(self):
        self._journeys: dict[str, Journey] = {}

    def register(self, journey):
        self._journeys[journey.key] = journey

    def get(self, key):
        return self._journeys.get(key)

    def visible_to(self, role):
        allowed = set(areas.visible_to(role))
        return [journey for journey in self._journeys.values() if journey.area in allowed]

    def __iter__(self):
        return iter(self._journeys.values())


journeys = Journeys()


@dataclass(frozen=True)
class Attribute:
    key: str
    label: str
    kind: str  # "number" (compared by median) or "category" (compared by share)
    unit: str = ""  # "hours", "days", "" – how a number reads


@dataclass(frozen=True)
class InsightSource:
    area: str
    attributes: tuple  # of Attribute
    # (organization, feedback rows) -> {feedback id: {attribute key: value}}; rows carry
    # contact_id, related_kind, related_id, interaction_id and created_at
    values: Callable


class Insights:
    def __init__(self):
        self._sources: list[InsightSource] = []

    def register(self, area, *, attributes, values):
        self._sources.append(InsightSource(area, tuple(attributes), values))

    def for_area(self, area):
        return [source for source in self._sources if source.area == area]


insights = Insights()
