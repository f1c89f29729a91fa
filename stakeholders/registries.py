"""The registries feature apps plug into, so the core never imports them.

- The **timeline**: each app contributes the events it holds for a contact.
- **Merge/erase** hooks: each app moves its rows when two contacts are merged, anonymises them
  (and deletes the person's files) when a person is erased, and exports them with those files
  for a data subject request; each declares which of its fields it covers.
- **Contact panels** and **dashboard cards**; **demo data** for ``seed_demo``.
- **Related objects**: the kinds of row an interaction or a feedback score may point at.
- **Text sources**: what people write (questions, searches, requests, comments), for the
  community's weekly rising topics.

Example (in ``donors/apps.py``'s ``ready()``)::

    timeline.register("gift", _("Gifts"), gift_events)
    contact_hooks.register(
        "donors", merge=move_gifts, erase=anonymise_gifts, export=export_gifts,
        covers=["donors.Gift.contact"], no_personal_data={"donors.ImpactStory.photo": "…"},
    )
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class TimelineEvent:
    """One entry of a contact's timeline, whatever app it comes from."""

    kind: str
    occurred_at: datetime
    key: int  # tie-breaker within a kind (the row's id), for stable paging
    title: str
    body: str = ""
    channel: str = ""
    channel_label: str = ""
    badge: str = ""
    url: str = ""
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def sort_key(self):
        return (self.occurred_at, self.kind, self.key)


@dataclass(frozen=True)
class TimelineSource:
    kind: str
    label: str
    events: Callable | None  # (organization, contact, before, limit, channel) -> [TimelineEvent]
    has_channels: bool = False
    wants_role: bool = False  # events()/rows() also get the reader's ``role`` (it hides rows)
    # The one-query form (preferred): rows() takes the same arguments as events() but ``limit``
    # and returns ``timeline_rows(...)`` ordered newest first; event() builds an entry from one
    # row: (organization, occurred_at, key, data) -> TimelineEvent.
    rows: Callable | None = None
    event: Callable | None = None


def timeline_rows(queryset, *, at, data):
    """A source's rows for the one-query timeline: (occurred_at, key, data) where ``data`` is a
    JSON object of what its event needs ({name: field path or expression}). Decimals come back
    as ``Decimal``, dates and datetimes as ISO text (``django.utils.dateparse``)."""
    from django.db.models import F
    from django.db.models.functions import JSONObject

    return queryset.annotate(
        timeline_at=F(at) if isinstance(at, str) else at,
        timeline_data=JSONObject(**data),
    ).values_list("timeline_at", "pk", "timeline_data")


class Timeline:
    """Timeline sources. ``events(before=…)`` pages by key: newest first, ``limit`` at a time."""

    def __init__(self):
        self._sources: dict[str, TimelineSource] = {}

    def register(
        self,
        kind,
        label,
        events=None,
        *,
        has_channels=False,
        wants_role=False,
        rows=None,
        event=None,
    ):
        if (rows is None) != (event is None) or (events is None) == (rows is None):
            raise ValueError(f"{kind}: give events(), or rows() and event()")
        self._sources[kind] = TimelineSource(
            kind, label, events, has_channels, wants_role, rows, event
        )

    def kinds(self):
        return [(source.kind, source.label) for source in self._sources.values()]

    def events(
        self, *, organization, contact, limit, role=None, before=None, kinds=None, channel=None
    ):
        """The newest ``limit`` events older than ``before`` (a sort key), and the next cursor.

        Each source gives at most ``limit`` + 1 rows older than the cursor, newest first (an
        indexed top-N, however long the history); the sources with ``rows()`` are read together
        in one UNION ALL query, so a page costs one round trip whatever the number of apps.
        """
        from stakeholders import timeline_sql

        collected, selected = [], []
        for source in self._sources.values():
            if kinds and source.kind not in kinds:
                continue
            if channel and not source.has_channels:
                continue
            arguments = {
                "organization": organization,
                "contact": contact,
                "before": before,
                "channel": channel,
                **({"role": role} if source.wants_role else {}),
            }
            if source.rows is not None:
                selected.append((source, arguments))
            else:
                collected.extend(source.events(limit=limit + 1, **arguments))
        # One query, its SQL compiled once per shape (``timeline_sql``).
        collected.extend(
            timeline_sql.union_events(organization, contact, selected, limit + 1, before=before)
        )
        collected.sort(key=lambda event: event.sort_key, reverse=True)
        page = collected[:limit]
        has_more = len(collected) > limit
        return page, (page[-1].sort_key if has_more and page else None)


@dataclass(frozen=True)
class ContactHook:
    name: str
    merge: Callable | None  # (organization, keep, remove) -> None: move rows to `keep`
    erase: Callable | None  # (organization, contact) -> None: anonymise rows, delete files
    export: Callable | None  # (organization, contact) -> dict: what the app holds, for a DSR
    files: Callable | None  # (organization, contact) -> [(name, FieldFile)]: the person's own
    covers: tuple = ()  # labels whose rows or files the hook both exports and erases
    kept: dict = field(default_factory=dict)  # label -> why erasure leaves it (still exported)
    no_personal_data: dict = field(default_factory=dict)  # label -> why it holds none


class ContactHooks:
    """Each app's merge, erase and export of what it holds about a person, and what it declares
    that covers: its foreign keys to a contact and its file fields, as ``"app.Model.field"``
    (or a model holding personal data without such a key, as ``"app.Model"``). A test holds
    every foreign key to ``Contact`` and every file field of the project to a declaration, so a
    new one can't slip past erasure and export unnoticed."""

    COVERED, KEPT, NO_PERSONAL_DATA = "exported and erased", "exported, kept", "no personal data"

    def __init__(self):
        self._hooks: dict[str, ContactHook] = {}

    def register(
        self,
        name,
        *,
        merge=None,
        erase=None,
        export=None,
        files=None,
        covers=(),
        kept=None,
        no_personal_data=None,
    ):
        if covers and not (erase and export):
            raise ValueError(f"{name}: what a hook covers, it must both export and erase")
        if kept and not export:
            raise ValueError(f"{name}: what erasure keeps must at least be exported")
        self._hooks[name] = ContactHook(
            name, merge, erase, export, files, tuple(covers), kept or {}, no_personal_data or {}
        )

    def __iter__(self):
        return iter(self._hooks.values())

    def coverage(self):
        """{label: [(hook name, how, reason)]}: how is COVERED, KEPT or NO_PERSONAL_DATA."""
        declared = {}
        for hook in self:
            for label in hook.covers:
                declared.setdefault(label, []).append((hook.name, self.COVERED, ""))
            for how, reasons in (
                (self.KEPT, hook.kept),
                (self.NO_PERSONAL_DATA, hook.no_personal_data),
            ):
                for label, reason in reasons.items():
                    declared.setdefault(label, []).append((hook.name, how, reason))
        return declared


timeline = Timeline()
contact_hooks = ContactHooks()


def older_than(before, kind, *, at="occurred_at", key="id"):
    """A filter for a source's rows that sort after the cursor ``before`` (newest first)."""
    from django.db.models import Q

    if before is None:
        return Q()
    at_value, before_kind, before_key = before
    condition = Q(**{f"{at}__lt": at_value})
    if kind < before_kind:
        condition |= Q(**{at: at_value})
    elif kind == before_kind:
        condition |= Q(**{at: at_value, f"{key}__lt": before_key})
    return condition


@dataclass(frozen=True)
class ContactPanel:
    name: str
    template: str
    context: Callable  # (request, contact) -> dict, or None to hide the panel
    roles: tuple | None  # staff roles that see it (None: every member)


class ContactPanels:
    """Cards that feature apps add to the contact page (a donor summary, a volunteer profile…)."""

    def __init__(self):
        self._panels: dict[str, ContactPanel] = {}

    def register(self, name, *, template, context, roles=None):
        self._panels[name] = ContactPanel(name, template, context, tuple(roles) if roles else None)

    def render_context(self, request, contact):
        panels = []
        for panel in self._panels.values():
            if panel.roles and request.membership.role not in panel.roles:
                continue
            data = panel.context(request, contact)
            if data is not None:
                panels.append({"template": panel.template, **data})
        return panels


contact_panels = ContactPanels()


class DashboardCards(ContactPanels):
    """Cards feature apps add to the organization dashboard: ``context(request)`` → dict or None."""

    def render_context(self, request, contact=None):
        cards = []
        for card in self._panels.values():
            if card.roles and request.membership.role not in card.roles:
                continue
            data = card.context(request)
            if data is not None:
                cards.append({"template": card.template, **data})
        return cards


dashboard_cards = DashboardCards()


class DemoData:
    """What each app adds to ``manage.py seed_demo`` (development only):
    ``seed(organization=, contacts=, staff=, rng=)``, idempotent, run in registration order."""

    def __init__(self):
        self._seeders: dict[str, Callable] = {}

    def register(self, name, seed):
        self._seeders[name] = seed

    def __iter__(self):
        return iter(self._seeders.items())


demo_data = DemoData()


class RoleRestrictions:
    """Names of confidential things a feature app holds, each with the staff roles that may
    see them; ``hidden_from(role)`` lists the rest (everything, for no role: fail closed)."""

    def __init__(self):
        self._roles: dict[str, tuple] = {}

    def register(self, name, *, roles):
        self._roles[name] = tuple(roles)

    def hidden_from(self, role):
        return [name for name, roles in self._roles.items() if role not in roles]


# Interactions about confidential work, by ``related_kind`` (a client's service request,
# "clients.request"): the other roles see neither them nor the feedback given on them — on
# the timeline, the interaction and follow-up pages, and the interactions and feedback API.
restricted_interactions = RoleRestrictions()
# Stakeholder roles (the ``is_<role>`` flags of a contact) that only some staff may learn: the
# others get no badge, no ``roles`` entry in the API and no filter by it ("client").
restricted_contact_roles = RoleRestrictions()


class RelatedObjects:
    """What an interaction or a feedback score may point at with ``related_kind`` and
    ``related_id`` (a gift, a shift, a service request): each app names its kinds and the rows
    an id of that kind may name, so an id given through the API is checked in the organization::

        related_objects.register("volunteers.shift", rows=lambda organization:
                                 Shift.objects.filter(organization=organization))
    """

    def __init__(self):
        self._rows: dict[str, Callable] = {}

    def register(self, kind, *, rows):
        self._rows[kind] = rows

    def kinds(self):
        return sorted(self._rows)

    def exists(self, *, organization, kind, related_id):
        rows = self._rows.get(kind)
        return rows is not None and rows(organization).filter(pk=related_id).exists()


related_objects = RelatedObjects()


class OrganizationHooks:
    """What feature apps do when an organization's settings change:
    ``on_change(organization=, changed=)`` with the names of the fields that changed (e.g. a
    new language reindexes the help centre)."""

    def __init__(self):
        self._hooks: dict[str, Callable] = {}

    def register(self, name, on_change):
        self._hooks[name] = on_change

    def changed(self, *, organization, changed):
        for on_change in self._hooks.values():
            on_change(organization=organization, changed=changed)


organization_hooks = OrganizationHooks()


@dataclass(frozen=True)
class PlatformMetric:
    name: str
    documentation: str
    collect: Callable  # () -> iterable of (labels dict, value), across organizations
    labels: tuple = ()


class PlatformMetrics:
    """Gauges that feature apps add to ``/metrics`` (the thank-you backlog, failed sends…)."""

    def __init__(self):
        self._metrics: dict[str, PlatformMetric] = {}

    def register(self, name, documentation, collect, *, labels=()):
        self._metrics[name] = PlatformMetric(name, documentation, collect, tuple(labels))

    def __iter__(self):
        return iter(self._metrics.values())


platform_metrics = PlatformMetrics()


@dataclass(frozen=True)
class ComplaintSource:
    name: str
    rows: Callable  # (organization) -> queryset of complaints
    category: str  # its foreign key to ComplaintCategory ("complaint_category")
    at: str  # when it was made ("created_at")
    roles: tuple


class ComplaintSources:
    """Where complaints are besides the interactions logged as one (a client's complaint request):
    the dashboard and every report count them through one selector, so their numbers agree."""

    def __init__(self):
        self._sources: dict[str, ComplaintSource] = {}

    def register(self, name, *, rows, category, at, roles):
        self._sources[name] = ComplaintSource(name, rows, category, at, tuple(roles))

    def visible_to(self, role):
        return [source for source in self._sources.values() if role in source.roles]


complaint_sources = ComplaintSources()


@dataclass(frozen=True)
class KnowledgeArticle:
    id: int
    title: str
    summary: str
    url: str  # the public page, relative to the site


class Knowledge:
    """The help centre's articles for apps that can't import it (the community): the help
    centre registers a provider with ``search(organization=, text=, language=, limit=)`` →
    [KnowledgeArticle], ``publish(organization=, title=, body=, language=, source_url=, user=)``
    → KnowledgeArticle (a draft for staff to check and publish, linking back to
    ``source_url``),
    ``deflected(organization=, article_id=)`` (someone found their answer in it, not asking)
    and ``article(organization=, article_id=, published=)`` → KnowledgeArticle or None."""

    def __init__(self):
        self._provider = None

    def register(self, provider):
        self._provider = provider

    @property
    def available(self):
        return self._provider is not None

    def search(self, *, organization, text, language, limit=5):
        if self._provider is None:
            return []
        return self._provider.search(
            organization=organization, text=text, language=language, limit=limit
        )

    def publish(self, **kwargs):
        if self._provider is None:
            raise LookupError("No help centre is installed.")
        return self._provider.publish(**kwargs)

    def deflected(self, *, organization, article_id):
        if self._provider is not None:
            self._provider.deflected(organization=organization, article_id=article_id)

    def article(self, *, organization, article_id, published=True):
        """One article as a KnowledgeArticle, or None (gone, or a draft when ``published``):
        what a community question that became an article links to."""
        if self._provider is None or article_id is None:
            return None
        return self._provider.article(
            organization=organization, article_id=article_id, published=published
        )


knowledge = Knowledge()


@dataclass(frozen=True)
class PublicNotice:
    title: str
    body: str
    severity: str  # "info" or "warning"
    ends_at: object  # datetime


class PublicNotices:
    """Known-issue notices for public pages (the community, the help centre, the request form):
    a provider ``(organization=, place=, language=)`` → [PublicNotice], current ones only."""

    def __init__(self):
        self._providers: dict[str, Callable] = {}

    def register(self, name, provider):
        self._providers[name] = provider

    def for_place(self, *, organization, place, language):
        notices = []
        for provider in self._providers.values():
            notices.extend(provider(organization=organization, place=place, language=language))
        return notices


public_notices = PublicNotices()


@dataclass(frozen=True)
class TextItem:
    """One text a source offers the trend report (a question's title, a help-centre search, a
    request's subject): ``key`` names it again in ``examples``; ``unmet``: a need nothing
    answered (a search that found nothing)."""

    key: int
    at: datetime
    text: str
    tags: tuple = ()
    language: str = ""
    unmet: bool = False


@dataclass(frozen=True)
class TextExample:
    text: str
    url: str = ""


@dataclass(frozen=True)
class TextSource:
    name: str
    label: str
    texts: Callable  # (organization=, since=, until=) -> iterable of TextItem
    examples: Callable  # (organization=, keys=, role=) -> {key: TextExample} the role may read
    roles: tuple | None  # staff roles that may read its examples (None: every role)


class TextSources:
    """What people write to the organization, for the community's weekly trend report (rising
    topics): the community's questions, help-centre searches, client requests, feedback
    comments. The report keeps only terms, counts and keys; examples are read back through
    ``examples`` when a page is shown, so the reader's role decides what text they see, and
    text erased later is not kept in a report."""

    def __init__(self):
        self._sources: dict[str, TextSource] = {}

    def register(self, name, *, label, texts, examples, roles=None):
        self._sources[name] = TextSource(
            name, label, texts, examples, tuple(roles) if roles else None
        )

    def __iter__(self):
        return iter(self._sources.values())

    def get(self, name):
        return self._sources.get(name)

    def readable_by(self, name, role):
        """Whether ``role`` may read the examples of source ``name`` (an unknown one: no)."""
        source = self._sources.get(name)
        return source is not None and (source.roles is None or role in source.roles)


text_sources = TextSources()
