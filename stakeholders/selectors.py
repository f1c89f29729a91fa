"""Reads of the core: memberships, invitations, tokens."""

import json
import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import time, timedelta
from zoneinfo import ZoneInfo

from allauth.account.models import EmailAddress
from allauth.mfa.adapter import get_adapter as get_mfa_adapter
from django.contrib.postgres.search import TrigramSimilarity
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connections, router
from django.db.models import (
    Avg,
    Case,
    Count,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django_scopes import scopes_disabled

from stakeholders import timeline_sql
from stakeholders.clock import Calendar
from stakeholders.contact_page import lists_in_one_query
from stakeholders.models import (
    CONTACT_ROLES,
    ApiToken,
    ComplaintCategory,
    Consent,
    Contact,
    ContactTag,
    DuplicatePair,
    Feedback,
    Holiday,
    Interaction,
    Invitation,
    Membership,
    Relationship,
    Tag,
    User,
    WorkingHours,
    hash_secret,
)
from stakeholders.registries import (
    complaint_sources,
    contact_hooks,
    restricted_contact_roles,
    restricted_interactions,
)
from stakeholders.search.closest import bearing, closest_names, long_words
from stakeholders.search.starts import OneOf, bearers, starting_names, typed_start


def membership_get(*, organization, user):
    """The user's membership of ``organization``, or None. Every staff page asks: its SQL is
    compiled once per organization and bound to the user's id (``timeline_sql.for_values``)."""
    if not user.is_authenticated:
        return None

    def compile_for(values):
        # (unordered: the model's ordering would join the user only to sort one row)
        query = Membership.objects.filter(organization=organization, user_id=values[0])
        return (*query.order_by()[:1].query.sql_with_params(), None)

    sql, params, _extra = timeline_sql.for_values(
        ("membership", timeline_sql.organization_key(organization)), (user.pk,), compile_for
    )
    database = router.db_for_read(Membership)
    with connections[database].cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    columns = [field.attname for field in Membership._meta.concrete_fields]
    return None if row is None else Membership.from_db(database, columns, row)


def memberships_for_user(*, user):
    return (
        Membership.objects.filter(user=user)
        .select_related("organization")
        .order_by("organization__name")
    )


def organization_members(*, organization, search=""):
    members = Membership.objects.filter(organization=organization)
    if search:
        members = members.filter(Q(user__name__icontains=search) | Q(user__email__icontains=search))
    return members.select_related("user").order_by("user__name", "user__email", "pk")


def admin_count(*, organization):
    return Membership.objects.filter(organization=organization, role="admin").count()


def invitations_pending(*, organization):
    return Invitation.objects.filter(organization=organization, accepted_at__isnull=True)


def invitation_get_by_key(*, key):
    """Find an invitation from the key in its link, in any organization (the key is the proof)."""
    with scopes_disabled():
        return (
            Invitation.objects.select_related("organization")
            .filter(key_hash=hash_secret(key), accepted_at__isnull=True)
            .first()
        )


def invitations_for_user(*, user):
    """Open, unexpired invitations sent to one of the user's verified addresses."""
    emails = EmailAddress.objects.filter(user=user, verified=True).values_list("email", flat=True)
    with scopes_disabled():
        return list(
            Invitation.objects.select_related("organization").filter(
                email__in=[e.lower() for e in emails],
                accepted_at__isnull=True,
                expires_at__gt=timezone.now(),
            )
        )


def api_tokens_for(*, organization, user):
    return ApiToken.objects.filter(organization=organization, user=user)


def user_has_mfa(*, user):
    return get_mfa_adapter().is_mfa_enabled(user)


# --- Contacts ------------------------------------------------------------------------------------

EMAIL_LIKE = re.compile(r"^[^@\s]+@[^@\s]*$")
PHONE_LIKE = re.compile(r"^[+(]?[\d\s().-]{6,}$")


def contact_get(*, organization, contact_id):
    """A live contact; a merged one leads to the record it was merged into."""
    contact = (
        Contact.objects.select_related("relationship_manager")
        .filter(organization=organization, pk=contact_id)
        .first()
    )
    if contact is not None and contact.merged_into_id:
        return contact_get(organization=organization, contact_id=contact.merged_into_id)
    return contact


def contacts_active(*, organization):
    return Contact.objects.filter(
        organization=organization, merged_into__isnull=True, erased_at__isnull=True
    )


def _word_starts(text, field="search_name"):
    """Every word typed starts a word of the name: "fatim ade" finds "Fatima Adeyemi".

    The start of the name is a range on the sorted index; later words use the trigram index.
    ``field`` reaches the name from another table ("contact__search_name").
    """
    condition = Q()
    for word in text.split():
        after = word[:-1] + chr(ord(word[-1]) + 1)
        condition &= Q(**{f"{field}__gte": word, f"{field}__lt": after}) | Q(
            **{f"{field}__contains": f" {word}"}
        )
    return condition


def name_matches(query, *, field="search_name"):
    """The condition "each word of ``query`` starts a word of the name", for other apps' lists
    of contacts' rows (gifts by donor name)."""
    from stakeholders.services import normalise_text

    return _word_starts(normalise_text(query), field=field)


@dataclass(frozen=True)
class ContactSearch:
    """What a search found: ``contacts``, best first, and — when it asked for names alone (no
    filter, no external id) — how many, from the counts of the dictionary's names they bear
    (``stakeholders.search.models``), without reading a contact: ``total``."""

    contacts: QuerySet
    total: int | None = None
    # A name start's (key, values, contacts of values): its pages' SQL compiled once per key and
    # bound to what was typed (``timeline_sql.for_values``).
    shape: tuple | None = None

    def rows(self, fields, *, start, size):
        """The ``fields`` of at most ``size`` contacts from ``start``, as dicts."""
        if self.shape is None:
            return list(self.contacts.values(*fields)[start : start + size])
        key, values, contacts_of = self.shape

        def compile_for(bound):
            page = contacts_of(bound).values(*fields)[start : start + size]
            query = page.query
            names = (*query.extra_select, *query.values_select, *query.annotation_select)
            return (*query.sql_with_params(), names)

        sql, params, names = timeline_sql.for_values(
            (*key, tuple(fields), start, size), values, compile_for
        )
        with connections[router.db_for_read(Contact)].cursor() as cursor:
            cursor.execute(sql, params)
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    @property
    def suggested(self):
        """Whether these are the closest names (typos, transliterations), not matches."""
        return "suggestion_rank" in self.contacts.query.annotations

    def count(self, *, cap=10_000):
        """How many were found, counting at most ``cap`` + 1 (as ``count_capped``)."""
        if self.total is not None:
            return min(cap + 1, self.total)
        return count_capped(self.contacts, cap=cap)


def contact_search(**criteria):
    """Contacts matching one search box and filters, best matches first (``contact_searched``)."""
    return contact_searched(**criteria).contacts


def contact_searched(
    *,
    organization,
    query="",
    role=None,
    tag=None,
    manager_id=None,
    last_interaction_after=None,
    last_interaction_before=None,
    staff_role=None,
) -> ContactSearch:
    """Contacts matching one search box and filters, best matches first.

    Email-like queries match emails, phone-like ones the normalised numbers and the external id,
    anything else the name: names whose words start with the words typed, alphabetically; when
    there are none, the closest names (typos, transliterations: ``stakeholders.search``). Both
    are read from the organization's dictionary of names, which holds each name once: a name
    start in the list's order, a page's worth; the closest names ranked once each.
    ``role`` filters by a stakeholder role; one that ``staff_role`` may not learn (a client, for
    a fundraiser) finds nobody.
    """
    from stakeholders.services import normalise_phone, normalise_text

    contacts = contacts_active(organization=organization)
    if role in restricted_contact_roles.hidden_from(staff_role):
        return ContactSearch(contacts.none())
    filtered = False
    if role in {code for code, _label in CONTACT_ROLES}:
        contacts = contacts.filter(**{f"is_{role}": True})
        filtered = True
    tag = (tag or "").replace("\x00", "")  # (no tag's name holds a NUL; PostgreSQL refuses it)
    if tag:
        contacts = contacts.filter(
            pk__in=ContactTag.objects.filter(organization=organization, tag__name=tag).values(
                "contact_id"
            )
        )
    if manager_id:
        contacts = contacts.filter(relationship_manager_id=manager_id)
    if last_interaction_after:
        contacts = contacts.filter(last_interaction_at__date__gte=last_interaction_after)
    if last_interaction_before:
        contacts = contacts.filter(
            Q(last_interaction_at__date__lte=last_interaction_before)
            | Q(last_interaction_at__isnull=True)
        )
    filtered = filtered or bool(
        tag or manager_id or last_interaction_after or last_interaction_before
    )
    contacts = contacts.select_related("relationship_manager")
    query = (query or "").replace("\x00", "").strip()  # PostgreSQL's text holds no NUL
    if not query:
        return ContactSearch(contacts.order_by("search_name", "pk"))
    if EMAIL_LIKE.match(query):
        email = query.lower()
        complete = "." in email.split("@")[1] and not email.endswith(".")
        return ContactSearch(
            contacts.filter(
                Q(email=email) | Q(email_alt=email) if complete else Q(email__startswith=email)
            ).order_by("search_name", "pk")
        )
    if PHONE_LIKE.match(query):
        try:
            number = normalise_phone(query, country=organization.country)
        except ValidationError:
            number = None
        condition = Q(external_id=query)
        if number:
            condition |= Q(phone=number) | Q(mobile=number)
        return ContactSearch(contacts.filter(condition).order_by("search_name", "pk"))
    text = normalise_text(query)[: Contact._meta.get_field("search_name").max_length]
    if not text:
        return ContactSearch(contacts.none())
    typed = typed_start(text)
    shape = None
    if typed is None:  # no word as long as the dictionary files words by: the contacts' names
        named = contacts.filter(
            (_word_starts(text) & _trigrams_of_word_starts(text)) | Q(external_id=query)
        ).order_by("search_name", "pk")
        if len(text) < 3:
            return ContactSearch(named)
        by_id, found, counted = None, named.exists(), False
    else:

        def named_by(typed):
            names = starting_names(typed, organization=organization)
            return contacts.filter(OneOf(F("search_name"), names)).order_by("search_name", "pk")

        def found_by(values):
            *typed, external_id = values
            names = starting_names(typed, organization=organization)
            return _found_sql(
                contacts.filter(external_id=external_id),
                bearers(names, organization=organization) if counted else named_by(typed),
            )

        named = named_by(typed)
        # Unfiltered, the names' counts say how many bear them (none: no name starts so), and
        # the SQL is the same for any start of as many words: compiled once, bound to this one.
        counted = not filtered
        if counted:
            shape = ("name start", timeline_sql.organization_key(organization), len(typed))
            found_sql = timeline_sql.for_values((*shape, "found"), (*typed, query), found_by)
        else:
            found_sql = found_by((*typed, query))
        by_id, found = _found(found_sql)
    if by_id is not None:  # (and the names that start so, the rare time there are both)
        exact = Q(pk=by_id) | Q(pk__in=named.values("pk")) if found else Q(pk=by_id)
        return ContactSearch(contacts.filter(exact).order_by("search_name", "pk"))
    if found:
        return ContactSearch(
            named,
            total=found if counted else None,
            shape=None if shape is None else (shape, typed, named_by),
        )
    closest = closest_names(text, organization=organization, whole_names=not filtered)
    return ContactSearch(
        bearing(contacts, closest),
        total=None if filtered else sum(count for _name, count in closest),
    )


def _found_sql(by_id, found):
    """(sql, params, None) of one query: the contact of ``by_id`` (its external id is the
    query), and what ``found`` says — how many (SQL and its parameters) or whether any (a
    queryset). Written from the compiled querysets: an ``annotate`` of two subqueries cost ~2 ms
    more to build than to run."""
    sql, params = by_id.order_by().values("pk")[:1].query.sql_with_params()
    if isinstance(found, QuerySet):
        found_sql, found_params = found.order_by().values("pk")[:1].query.sql_with_params()
        found_sql = f"SELECT EXISTS({found_sql})"
    else:
        found_sql, found_params = found
    return f"SELECT ({sql}), ({found_sql})", [*params, *found_params], None


def _found(composed):
    sql, params, _extra = composed
    with connections[router.db_for_read(Contact)].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()


def _trigrams_of_word_starts(text):
    """What any name holding the typed words' starts also satisfies, in a form that keeps the
    trigram index under row-level security: a word that starts a word of the name shares all
    its trigrams but the last with it, so its word similarity is at least 1/2 (the threshold is
    0.45). The exact condition (``_word_starts``) uses LIKE, which PostgreSQL may not evaluate
    before the policy (not LEAKPROOF): alone, it read the whole organization to learn that a
    typo starts no name (300 ms for 200,000 contacts; now a few)."""
    condition = Q()
    for word in long_words(text):
        condition &= Q(search_name__trigram_word_similar=word)
    return condition


def count_capped(queryset, *, cap=10_000):
    """How many rows ``queryset`` holds, counting at most ``cap`` + 1 of them: a list of a
    million contacts says "10,000+" in milliseconds instead of counting them all."""
    return queryset.order_by()[: cap + 1].count()


def contact_prefill(typed):
    """What someone typed into the search, as the fields of a new contact: an email, a phone
    number, or a name whose last word is the family name ("Add Ada Lovelace")."""
    typed = " ".join((typed or "").split())
    if not typed:
        return {}
    if EMAIL_LIKE.match(typed):
        return {"email": typed.lower()}
    if PHONE_LIKE.match(typed):
        return {"phone": typed}
    first, _space, last = typed.rpartition(" ")
    return {"first_name": first, "last_name": last} if first else {"first_name": typed}


def contact_tags(*, organization, contact):
    return list(
        Tag.objects.filter(
            organization=organization,
            pk__in=ContactTag.objects.filter(organization=organization, contact=contact).values(
                "tag_id"
            ),
        )
    )


def contact_relationships(*, organization, contact):
    return (
        Relationship.objects.filter(organization=organization)
        .filter(Q(person=contact) | Q(related=contact))
        .select_related("person", "related")
    )


def duplicate_candidates(*, organization, contact):
    """Other live contacts that look like the same person, with the reasons."""
    found = {}

    def add(queryset, reason):
        for other in queryset.exclude(pk=contact.pk)[:20]:
            found.setdefault(other.pk, (other, []))[1].append(reason)

    live = contacts_active(organization=organization)
    emails = [e for e in (contact.email, contact.email_alt) if e]
    if emails:
        add(live.filter(Q(email__in=emails) | Q(email_alt__in=emails)), "email")
    phones = [p for p in (contact.phone, contact.mobile) if p]
    if phones:
        add(live.filter(Q(phone__in=phones) | Q(mobile__in=phones)), "phone")
    if contact.postal_code and contact.search_name:
        same_place = (
            live.filter(postal_code__iexact=contact.postal_code)
            .annotate(similarity=TrigramSimilarity("search_name", contact.search_name))
            .filter(similarity__gte=0.5)
        )
        add(same_place, "name+postcode")
    return list(found.values())


def contact_list_choices(*, organization):
    """The stakeholder list's filter choices — ``tags`` ({name}), ``managers`` ({id, name,
    email}: the members) — and ``duplicates`` (one open pair, or none) in one round trip."""
    return lists_in_one_query(
        ("list_choices", timeline_sql.organization_key(organization)),
        lambda: {
            "tags": Tag.objects.filter(organization=organization).order_by("name").values("name"),
            "managers": User.objects.filter(memberships__organization=organization)
            .order_by("name", "email", "pk")
            .values("id", "name", "email"),
            "duplicates": duplicate_pairs_open(organization=organization).values("pk")[:1],
        },
    )


def duplicate_pairs_open(*, organization):
    return (
        DuplicatePair.objects.filter(organization=organization, status=DuplicatePair.Status.OPEN)
        .select_related("contact", "other")
        .order_by("-created_at", "-pk")
    )


# --- Interactions, follow-ups, consent, feedback -------------------------------------------------


def interactions_visible(*, organization, staff_role):
    """The interactions a member with ``staff_role`` may read (casework only for the roles its
    app names, see ``restricted_interactions``)."""
    return Interaction.objects.filter(organization=organization).exclude(
        related_kind__in=restricted_interactions.hidden_from(staff_role)
    )


def interactions_for(*, organization, contact=None, staff_role=None):
    interactions = interactions_visible(organization=organization, staff_role=staff_role)
    if contact is not None:
        interactions = interactions.filter(contact=contact)
    return interactions.select_related("contact", "staff", "follow_up_owner", "complaint_category")


def follow_ups_for(*, organization, user, staff_role=None):
    """Open follow-ups owned by ``user`` that their role may read: overdue first, then by due
    date."""
    today = timezone.localdate()
    return (
        interactions_visible(organization=organization, staff_role=staff_role)
        .filter(
            follow_up_owner=user,
            follow_up_on__isnull=False,
            follow_up_done_at__isnull=True,
        )
        .select_related("contact")
        .annotate(overdue=Case(When(follow_up_on__lt=today, then=Value(0)), default=Value(1)))
        .order_by("overdue", "follow_up_on", "pk")
    )


def consent_current(*, organization, contact):
    """The latest decision per (channel, purpose): {(channel, purpose): Consent}."""
    current = {}
    for consent in Consent.objects.filter(organization=organization, contact=contact).order_by(
        "-recorded_at", "-pk"
    ):
        current.setdefault((consent.channel, consent.purpose), consent)
    return current


def consent_latest(*, organization, contact_ids, purpose):
    """The latest decision per person and channel for one purpose, for many people in one
    query: {(contact_id, channel): granted} (no key: never asked)."""
    rows = (
        Consent.objects.filter(
            organization=organization, contact_id__in=contact_ids, purpose=purpose
        )
        .order_by("recorded_at", "pk")
        .values_list("contact_id", "channel", "granted")
    )
    return {(contact_id, channel): granted for contact_id, channel, granted in rows}  # last wins


def complaint_categories(*, organization):
    return ComplaintCategory.objects.filter(organization=organization)


def feedback_visible(*, organization, staff_role=None):
    """The scores and comments a member with ``staff_role`` may read: none given on casework
    they may not see (a client's survey after their request was resolved)."""
    hidden = restricted_interactions.hidden_from(staff_role)
    on_hidden_casework = Interaction.objects.filter(
        organization=organization, pk=OuterRef("interaction_id"), related_kind__in=hidden
    )
    return (
        Feedback.objects.filter(organization=organization)
        .exclude(related_kind__in=hidden)
        .exclude(Exists(on_hidden_casework))
    )


# --- Dashboard -----------------------------------------------------------------------------------


def _of_kind(rows, category, kind):
    """``rows`` whose category is of ``kind`` (None: every kind); an uncategorised complaint is
    still a complaint."""
    if kind is None:
        return rows
    of_kind = Q(**{f"{category}__kind": kind})
    if kind == ComplaintCategory.Kind.COMPLAINT:
        of_kind |= Q(**{f"{category}__isnull": True})
    return rows.filter(of_kind)


def _complaint_querysets(*, organization, staff_role, kind=ComplaintCategory.Kind.COMPLAINT):
    """(queryset, category field, time field) of everything ``staff_role`` may count as a
    complaint (or, with ``kind``, an expectation): interactions logged as complaints, the
    sources feature apps register, and feedback comments staff tagged with a category. A row
    counts for the kind of its category (``kind=None``: every kind)."""
    logged = interactions_visible(organization=organization, staff_role=staff_role).filter(
        kind="complaint"
    )
    yield _of_kind(logged, "complaint_category", kind), "complaint_category", "occurred_at"
    for source in complaint_sources.visible_to(staff_role):
        yield _of_kind(source.rows(organization), source.category, kind), source.category, source.at
    tagged = feedback_visible(organization=organization, staff_role=staff_role).filter(
        category__isnull=False
    )
    yield _of_kind(tagged, "category", kind), "category", "created_at"


def complaint_counts(
    *, organization, staff_role=None, since, split=None, kind=ComplaintCategory.Kind.COMPLAINT
):
    """Complaints (or expectations: ``kind``) per category since ``since`` — the one figure the
    dashboard and the client reports both show. With ``split``, each row also says how many came
    from ``split`` on (``recent``) and before it (``before``). Largest first."""
    rows = {}
    for complaints, category, at in _complaint_querysets(
        organization=organization, staff_role=staff_role, kind=kind
    ):
        counts = {"total": Count("pk")}
        if split is not None:
            counts["recent"] = Count("pk", filter=Q(**{f"{at}__gte": split}))
            counts["before"] = Count("pk", filter=Q(**{f"{at}__lt": split}))
        for found in (
            complaints.filter(**{f"{at}__gte": since})
            .values(complaint_id=F(f"{category}_id"), complaint_name=F(f"{category}__name"))
            .annotate(**counts)
            .order_by()
        ):
            row = rows.setdefault(
                found["complaint_id"],
                {
                    "complaint_category_id": found["complaint_id"],
                    "complaint_category__name": found["complaint_name"],
                    **dict.fromkeys(counts, 0),
                },
            )
            for key in counts:
                row[key] += found[key]
    return sorted(
        rows.values(), key=lambda row: (-row["total"], row["complaint_category__name"] or "")
    )


def complaint_months(
    *,
    organization,
    staff_role=None,
    since,
    category_ids,
    zone,
    kind=ComplaintCategory.Kind.COMPLAINT,
):
    """{category id: {first day of month: complaints}} for the reports' trend, counted like
    ``complaint_counts``."""
    months = {}
    for complaints, category, at in _complaint_querysets(
        organization=organization, staff_role=staff_role, kind=kind
    ):
        for found in (
            complaints.filter(**{f"{at}__gte": since, f"{category}_id__in": category_ids})
            .annotate(month=TruncMonth(at, tzinfo=zone))
            .values("month", complaint_id=F(f"{category}_id"))
            .annotate(n=Count("pk"))
            .order_by()
        ):
            per = months.setdefault(found["complaint_id"], {})
            day = found["month"].date()
            per[day] = per.get(day, 0) + found["n"]
    return months


def complaint_tallies(*, organization, staff_role=None, since, zone, split=None):
    """Complaints and expectations together, counted like ``complaint_counts`` in one query per
    source: {kind: {category id: {"name", "total", "recent", "months": {first day: n}}}}, where
    ``recent`` counts those from ``split`` on (the dashboard's 90 days)."""
    tallies = {kind: {} for kind in ComplaintCategory.Kind.values}
    for rows, category, at in _complaint_querysets(
        organization=organization, staff_role=staff_role, kind=None
    ):
        counts = {"n": Count("pk")}
        if split is not None:
            counts["recent"] = Count("pk", filter=Q(**{f"{at}__gte": split}))
        for found in (
            rows.filter(**{f"{at}__gte": since})
            .annotate(month=TruncMonth(at, tzinfo=zone))
            .values(
                "month",
                complaint_id=F(f"{category}_id"),
                complaint_name=F(f"{category}__name"),
                complaint_kind=F(f"{category}__kind"),
            )
            .annotate(**counts)
            .order_by()
        ):
            kind = found["complaint_kind"] or ComplaintCategory.Kind.COMPLAINT
            row = tallies[kind].setdefault(
                found["complaint_id"],
                {"name": found["complaint_name"], "total": 0, "recent": 0, "months": {}},
            )
            row["total"] += found["n"]
            row["recent"] += found.get("recent", 0)
            day = found["month"].date()
            row["months"][day] = row["months"].get(day, 0) + found["n"]
    return tallies


def dashboard_figures(*, organization, user, staff_role=None):
    """The numbers behind the dashboard cards, in a handful of aggregate queries (follow-ups:
    those ``staff_role`` may open)."""
    now = timezone.now()
    week_ago = now - timedelta(days=7)
    quarter_ago = now - timedelta(days=90)
    interactions = Interaction.objects.filter(organization=organization)
    by_channel = dict(
        interactions.filter(occurred_at__gte=week_ago)
        .values_list("channel")
        .annotate(n=Count("pk"))
        .values_list("channel", "n")
    )
    today = timezone.localdate()
    follow_ups = interactions_visible(organization=organization, staff_role=staff_role).filter(
        follow_up_on__isnull=False, follow_up_done_at__isnull=True
    )
    follow_up_counts = follow_ups.aggregate(
        open=Count("pk"),
        overdue=Count("pk", filter=Q(follow_up_on__lt=today)),
        mine=Count("pk", filter=Q(follow_up_owner=user)),
    )
    scores = Feedback.objects.filter(
        organization=organization, created_at__gte=quarter_ago
    ).aggregate(
        csat=Avg("score", filter=Q(measure="csat")),
        csat_n=Count("pk", filter=Q(measure="csat")),
        ces=Avg("score", filter=Q(measure="ces")),
        ces_n=Count("pk", filter=Q(measure="ces")),
    )
    from stakeholders.experience.insights import top_fives

    # The top five complaints and expectations of the last twelve months, with their trend and
    # the last 90 days (the figure the client reports show too).
    top = top_fives(organization=organization, staff_role=staff_role, now=now)
    for row in top["complaint"] + top["expectation"]:
        row["complaint_category_id"] = row["category_id"]
        row["complaint_category__name"] = row["name"]
    return {
        "by_channel": by_channel,
        "follow_ups": follow_up_counts,
        "scores": scores,
        "complaints": top["complaint"],
        "expectations": top["expectation"],
        "complaint_months": top["months"],
    }


def merged_records(*, organization, contact):
    """The records merged into ``contact`` (and into those, and so on): the same person."""
    found, merged_into = [], [contact.pk]
    while merged_into:
        records = list(
            Contact.objects.filter(organization=organization, merged_into__in=merged_into)
        )
        found.extend(records)
        merged_into = [record.pk for record in records]
    return found


def contact_everything(*, organization, contact):
    """All that the organization holds about a person, app by app (data subject access)."""
    from django.forms.models import model_to_dict

    def record_of(person):
        record = model_to_dict(person, exclude=["tags", "search_name"])
        record["relationship_manager"] = str(person.relationship_manager or "")
        return record

    data = {
        "organization": organization.name,
        "exported_at": timezone.now().isoformat(timespec="seconds"),
        "contact": record_of(contact),
        "merged_records": [
            record_of(person)
            for person in merged_records(organization=organization, contact=contact)
        ],
        "tags": [t.name for t in contact_tags(organization=organization, contact=contact)],
    }
    for hook in contact_hooks:
        if hook.export:
            data.update(hook.export(organization=organization, contact=contact))
    return json.loads(json.dumps(data, cls=DjangoJSONEncoder))


def contact_files(*, organization, contact):
    """The person's own files (their letters, their attachments) as (name in the export, file),
    app by app; files of many people are in ``contact_everything`` as their part only."""
    return [
        (f"{hook.name}/{name}", stored)
        for hook in contact_hooks
        if hook.files
        for name, stored in hook.files(organization=organization, contact=contact)
    ]


def recently_messaged(*, organization, since):
    """Contacts that got a non-transactional message since ``since`` (the frequency cap)."""
    return Interaction.objects.filter(
        organization=organization, is_bulk_message=True, occurred_at__gte=since
    ).values("contact_id")


# --- The working-time clock ----------------------------------------------------------------------

DEFAULT_HOURS = {day: ((time(9), time(17)),) for day in range(5)}


def calendar_for(*, organization, around_the_clock=False):
    """The organization's clock (``stakeholders.clock``): its working hours (Monday–Friday 9–5
    until it sets some), holidays and time zone; or every hour, when the caller counts 24/7."""
    zone = ZoneInfo(organization.timezone)
    if around_the_clock:
        return Calendar(zone=zone, around_the_clock=True)
    hours = defaultdict(list)
    for row in WorkingHours.objects.filter(organization=organization):
        hours[row.weekday].append((row.opens, row.closes))
    holidays = frozenset(
        Holiday.objects.filter(organization=organization).values_list("date", flat=True)
    )
    return Calendar(
        zone=zone,
        hours={day: tuple(periods) for day, periods in hours.items()} if hours else DEFAULT_HOURS,
        holidays=holidays,
    )
