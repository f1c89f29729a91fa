"""The staff contact page's own reads, in as few round trips as the page allows (issue 21: the page
in at most 8 queries, whatever the person's history).

The small lists beside the timeline (tags, the current consent per channel and purpose, the
links to organizations and households, and the quick-log form's choices) are read together in
one SELECT of JSON arrays; the timeline is one more (``registries.Timeline``); the panels that
apps contribute load after the page (``views.contact_panels_page``).
"""

import json
import time
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.core.exceptions import EmptyResultSet
from django.db import connections, router
from django.db.models import F, Q
from django.utils import translation

from stakeholders import timeline_sql
from stakeholders.models import (
    ComplaintCategory,
    Consent,
    ContactTag,
    Relationship,
    RelationshipKind,
    Tag,
    User,
)


def _one_query(querysets):
    """(sql, params, (names, model)) reading several ``values()`` querysets as JSON arrays."""
    columns, params = [], []
    for queryset in querysets.values():
        try:
            sql, part = queryset.query.get_compiler(using=queryset.db).as_sql()
        except EmptyResultSet:
            columns.append("'[]'::jsonb")
            continue
        columns.append(
            f"(SELECT coalesce(jsonb_agg(to_jsonb(t)), '[]'::jsonb) FROM ({sql}) t)"  # noqa: S608 (compiled)
        )
        params += part
    if not columns:
        return None
    model = next(iter(querysets.values())).model
    return "SELECT " + ", ".join(columns), params, (tuple(querysets), model)


def _read(composed):
    if composed is None:
        return {}
    sql, params, (names, model) = composed
    with connections[router.db_for_read(model)].cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    return {
        name: json.loads(value, parse_float=Decimal) if isinstance(value, str | bytes) else value
        for name, value in zip(names, row, strict=True)
    }


def lists_in_one_query(key, querysets):
    """{name: [row dict, …]} of the ``values()`` querysets that ``querysets()`` returns ({name:
    queryset}), read in one round trip (each a JSON array, in its queryset's order); their SQL
    compiled once per ``key`` (``timeline_sql.once``: building the querysets cost more than
    reading them). Dates and datetimes come back as ISO text."""
    return _read(timeline_sql.once(key, lambda: _one_query(querysets())))


@dataclass(frozen=True)
class CurrentConsent:
    granted: bool
    recorded_at: datetime


@dataclass(frozen=True)
class RelationshipRow:
    pk: int
    person_id: int
    related_id: int
    kind: str
    role_title: str
    person_name: str
    related_name: str

    @property
    def kind_label(self):
        return RelationshipKind(self.kind).label if self.kind in RelationshipKind else self.kind


def side_lists(*, organization, contact, form_choices):
    """Tags, current consents, relationships and (``form_choices``) the quick-log's members and
    complaint categories, in one query: its SQL compiled once per organization and bound to
    each contact after that (``timeline_sql.for_contact``)."""
    key = ("side_lists", timeline_sql.organization_key(organization), bool(form_choices))
    composed = timeline_sql.for_contact(
        key,
        contact,
        lambda someone: _one_query(
            _side_querysets(organization=organization, contact=someone, form_choices=form_choices)
        ),
    )
    return _side_rows(_read(composed), form_choices=form_choices)


def _side_querysets(*, organization, contact, form_choices):
    querysets = {
        "tags": Tag.objects.filter(
            organization=organization,
            pk__in=ContactTag.objects.filter(organization=organization, contact=contact).values(
                "tag_id"
            ),
        )
        .order_by("name")
        .values("name"),
        # The latest decision per (channel, purpose): DISTINCT ON over the newest first.
        "consents": Consent.objects.filter(organization=organization, contact=contact)
        .order_by("channel", "purpose", "-recorded_at", "-pk")
        .distinct("channel", "purpose")
        .values("channel", "purpose", "granted", "recorded_at"),
        "relationships": Relationship.objects.filter(organization=organization)
        .filter(Q(person=contact) | Q(related=contact))
        .order_by("pk")
        .values(
            "id",
            "person_id",
            "related_id",
            "kind",
            "role_title",
            person_name=F("person__name"),
            related_name=F("related__name"),
        ),
    }
    if form_choices:
        querysets["members"] = (
            User.objects.filter(memberships__organization=organization)
            .order_by("name", "email")
            .values("id", "name", "email")
        )
        querysets["categories"] = (
            ComplaintCategory.objects.filter(organization=organization)
            .order_by("name")
            .values("id", "name")
        )
    return querysets


def _side_rows(lists, *, form_choices):
    return {
        "tags": [SimpleTag(row["name"]) for row in lists["tags"]],
        "consents": {
            (row["channel"], row["purpose"]): CurrentConsent(
                granted=row["granted"], recorded_at=datetime.fromisoformat(row["recorded_at"])
            )
            for row in lists["consents"]
        },
        "relationships": [
            RelationshipRow(
                pk=row["id"],
                person_id=row["person_id"],
                related_id=row["related_id"],
                kind=row["kind"],
                role_title=row["role_title"],
                person_name=row["person_name"],
                related_name=row["related_name"],
            )
            for row in lists["relationships"]
        ],
        "form_choices": {
            "follow_up_owner": [
                (row["id"], row["name"] or row["email"]) for row in lists["members"]
            ],
            "complaint_category": [(row["id"], row["name"]) for row in lists["categories"]],
        }
        if form_choices
        else None,
    }


@dataclass(frozen=True)
class SimpleTag:
    name: str


# --- Forms drawn the same for every contact ------------------------------------------------------

_html = {}
HTML_TTL_SECONDS = 300
MAX_HTML = 256


def form_html_once(key, build):
    """The HTML of ``build()`` (a str), kept per ``key`` and language for a few minutes: the
    quick-log form with the organization's members and categories (in the key), the consent
    form and the relationship fields are the same for every contact. A form with data or
    errors is never kept (the callers pass only fresh, unbound forms)."""
    key = (*key, translation.get_language())
    now = time.monotonic()
    entry = _html.get(key)
    if entry is not None and entry[0] > now:
        return entry[1]
    html = build()
    if len(_html) >= MAX_HTML:
        _html.clear()
    _html[key] = (now + HTML_TTL_SECONDS, html)
    return html
