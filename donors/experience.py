"""What the donors app plugs into the experience loop (stakeholders/experience/registry.py): its
area with who may see it and who owns a recovery case, its touchpoints worth a survey, its journey
and what it knows about the experience behind a score."""

from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy

from stakeholders.experience.registry import Occurrence, areas, touchpoints
from stakeholders.models import Role

AREA = "donor"
ROLES = (Role.ADMIN, Role.FUNDRAISER)


# --- Area and recovery-case owner -------------------------------------------------------------


def case_owner(*, organization, contact, related_kind, related_id):
    """Who usually puts things right for this person: None, so the core's fallback picks the
    donor's relationship manager (else an admin)."""
    return None


# --- Touchpoints --------------------------------------------------------------------------------


FIRST_THANKED = "donors.first_thanked"
UPDATE = "donors.update"
GIFT_KIND = "donors.gift"


def first_thanked(organization, since, until, rule=None):
    """A donor's first thank-you for a gift sent in [since, until): no earlier one was sent."""
    from django.db.models import Exists, OuterRef, Q

    from thankyous.models import Acknowledgment

    gifts = Acknowledgment.objects.filter(organization=organization, kind="gift")
    earlier = gifts.filter(contact_id=OuterRef("contact_id"), sent_at__isnull=False).filter(
        Q(sent_at__lt=OuterRef("sent_at")) | Q(sent_at=OuterRef("sent_at"), pk__lt=OuterRef("pk"))
    )
    rows = (
        gifts.filter(sent_at__gte=since, sent_at__lt=until)
        .exclude(Exists(earlier))
        .order_by()
        .values_list("contact_id", "target_id", "sent_at")
    )
    return [Occurrence(contact_id, GIFT_KIND, gift_id, at) for contact_id, gift_id, at in rows]


def updates_delivered(organization, since, until, rule=None):
    """A donor update emailed to a donor in [since, until)."""
    from donors.models import UpdateDelivery

    rows = (
        UpdateDelivery.objects.filter(
            organization=organization,
            status=UpdateDelivery.Status.SENT,
            sent_at__gte=since,
            sent_at__lt=until,
        )
        .order_by()
        .values_list("contact_id", "update_id", "sent_at")
    )
    return [Occurrence(contact_id, UPDATE, update_id, at) for contact_id, update_id, at in rows]


def describe_thanks(organization, related_kind, related_id):
    return gettext("how we thanked you for your gift")


def describe_update(organization, related_kind, related_id):
    from django.utils import translation

    from donors.models import DonorUpdate
    from stakeholders.content_versions import choose, originals

    update = originals(DonorUpdate.objects.filter(organization=organization, pk=related_id)).first()
    if update is None:
        return gettext("our latest news to you")
    title = choose(update, translation.get_language()).title
    return gettext("our update “%(title)s”") % {"title": title}


def _register_touchpoints():
    touchpoints.register(
        FIRST_THANKED,
        gettext_lazy("A donor's first thank-you sent"),
        area=AREA,
        occurrences=first_thanked,
        describe=describe_thanks,
    )
    touchpoints.register(
        UPDATE,
        gettext_lazy("A donor update delivered"),
        area=AREA,
        occurrences=updates_delivered,
        describe=describe_update,
    )


# --- Journey ------------------------------------------------------------------------------------


# Donor: first gift → thanked (a thank-you for one of their gifts sent) → welcomed (a welcome
# call that reached them, or a donor update delivered) → second gift → regular (3+ gifts within
# 18 months, or an active recurring gift) → lapsed (exit: no gift for 18 months after the last).
# Only received gifts count: refunded ones and those replaced by a correction don't.
LAPSE_MONTHS = 18


def _only(column, contact_ids):
    return f"AND {column} = ANY(%(ids)s)" if contact_ids is not None else ""


def journey_rows(organization, contact_ids, now):
    """(sql, params): one row per donor — contact_id, reached[6], next_change_at."""
    from donors.models import Gift, RecurringGift, UpdateDelivery
    from donors.selectors import WELCOME_CALL_DONE
    from stakeholders.models import Interaction
    from thankyous.models import Acknowledgment

    sql = f"""
        WITH g AS (
            SELECT g.id, g.contact_id, g.received_on,
                   (g.received_on::timestamp AT TIME ZONE %(tz)s) AS at,
                   row_number() OVER w AS n,
                   lag(g.received_on, 2) OVER w AS two_before
            FROM {Gift._meta.db_table} g
            WHERE g.organization_id = %(org)s AND g.status = 'received'
                  {_only("g.contact_id", contact_ids)}
            WINDOW w AS (PARTITION BY g.contact_id ORDER BY g.received_on, g.id)
        ),
        per AS (
            SELECT contact_id,
                   min(at) FILTER (WHERE n = 1) AS first_at,
                   min(at) FILTER (WHERE n = 2) AS second_at,
                   min(at) FILTER (
                       WHERE n >= 3 AND two_before >= received_on - %(lapse)s::interval
                   ) AS regular_at,
                   ((max(received_on) + %(lapse)s::interval)::timestamp
                       AT TIME ZONE %(tz)s) AS lapse_at
            FROM g GROUP BY contact_id
        ),
        thanked AS (
            SELECT g.contact_id, min(a.sent_at) AS at
            FROM g JOIN {Acknowledgment._meta.db_table} a
              ON a.organization_id = %(org)s AND a.kind = 'gift' AND a.target_id = g.id
             AND a.sent_at IS NOT NULL
            GROUP BY g.contact_id
        ),
        welcomed AS (
            SELECT contact_id, min(at) AS at FROM (
                SELECT i.contact_id, i.occurred_at AS at
                FROM {Interaction._meta.db_table} i
                WHERE i.organization_id = %(org)s AND i.related_kind = %(welcome)s
                      AND i.related_id IS NOT NULL {_only("i.contact_id", contact_ids)}
                UNION ALL
                SELECT d.contact_id, d.sent_at
                FROM {UpdateDelivery._meta.db_table} d
                WHERE d.organization_id = %(org)s AND d.status = 'sent'
                      AND d.sent_at IS NOT NULL {_only("d.contact_id", contact_ids)}
            ) w GROUP BY contact_id
        ),
        recurring AS (
            SELECT contact_id, min(started_on::timestamp AT TIME ZONE %(tz)s) AS at
            FROM {RecurringGift._meta.db_table}
            WHERE organization_id = %(org)s AND status = 'active'
                  {_only("contact_id", contact_ids)}
            GROUP BY contact_id
        )
        SELECT p.contact_id,
               ARRAY[
                   p.first_at,
                   CASE WHEN t.at >= p.first_at THEN t.at END,
                   CASE WHEN w.at >= p.first_at THEN w.at END,
                   p.second_at,
                   least(p.regular_at,
                         CASE WHEN r.at IS NOT NULL THEN greatest(r.at, p.first_at) END),
                   CASE WHEN r.contact_id IS NULL AND p.lapse_at <= %(now)s THEN p.lapse_at END
               ]::timestamptz[] AS reached,
               CASE
                   WHEN p.lapse_at > %(now)s THEN p.lapse_at
                   -- an active recurring gift keeps them from lapsing: look again in a month
                   -- (it may have been cancelled; cancelling leaves no timestamp to watch)
                   WHEN r.contact_id IS NOT NULL THEN %(now)s + interval '30 days'
               END AS next_change_at
        FROM per p
        LEFT JOIN thanked t USING (contact_id)
        LEFT JOIN welcomed w USING (contact_id)
        LEFT JOIN recurring r USING (contact_id)
    """  # noqa: S608 (our own table names; values are parameters)
    return sql, {
        "org": organization.pk,
        "ids": list(contact_ids or []),
        "tz": organization.timezone,
        "now": now,
        "lapse": f"{LAPSE_MONTHS} months",
        "welcome": WELCOME_CALL_DONE,
    }


def journey_changed_since(organization, since):
    """Donors whose journey data changed since ``since``: new gifts, refunds, new recurring
    gifts, thank-yous sent to donors not thanked yet, welcome calls, updates delivered to donors
    not welcomed yet."""
    from django.db.models import Q

    from donors.models import DonorUpdate, Gift, RecurringGift, UpdateDelivery
    from donors.selectors import WELCOME_CALL_DONE
    from stakeholders.experience.journeys import created_since
    from stakeholders.models import Interaction, JourneyPosition
    from thankyous.models import Acknowledgment

    org = organization
    gifts = Gift.objects.filter(organization=org)
    waiting = JourneyPosition.objects.filter(organization=org, journey=AREA)
    ids = set(created_since(gifts, since).values_list("contact_id", flat=True))
    # Refunds leave only a date (no index): a scan of the organization's gifts.
    ids |= set(gifts.filter(refunded_on__gte=since.date()).values_list("contact_id", flat=True))
    ids |= set(
        created_since(RecurringGift.objects.filter(organization=org), since).values_list(
            "contact_id", flat=True
        )
    )
    ids |= set(
        Acknowledgment.objects.filter(
            organization=org,
            kind="gift",
            sent_at__gte=since,
            contact_id__in=waiting.filter(stage="first_gift").values("contact_id"),
        ).values_list("contact_id", flat=True)
    )
    ids |= set(
        created_since(
            Interaction.objects.filter(organization=org, related_kind=WELCOME_CALL_DONE),
            since,
        ).values_list("contact_id", flat=True)
    )
    updates = DonorUpdate.objects.filter(organization=org).filter(
        Q(sent_at__gte=since) | Q(status=DonorUpdate.Status.SENDING)
    )
    ids |= set(
        UpdateDelivery.objects.filter(
            organization=org,
            update__in=updates,
            sent_at__gte=since,
            contact_id__in=waiting.filter(stage__in=["first_gift", "thanked"]).values("contact_id"),
        ).values_list("contact_id", flat=True)
    )
    return ids


def _register_journey():
    from stakeholders.experience.registry import Journey, Stage, journeys

    journeys.register(
        Journey(
            key=AREA,
            area=AREA,
            label=gettext_lazy("Donors"),
            stages=(
                Stage("first_gift", gettext_lazy("First gift"), stuck_after_days=7),
                Stage("thanked", gettext_lazy("Thanked"), stuck_after_days=90),
                Stage("welcomed", gettext_lazy("Welcomed"), stuck_after_days=90),
                Stage("second_gift", gettext_lazy("Second gift"), stuck_after_days=365),
                Stage("regular", gettext_lazy("Regular donor")),
                Stage("lapsed", gettext_lazy("Lapsed"), exit=True),
            ),
            compute=journey_rows,
            changed_since=journey_changed_since,
            merge_fields=journey_merge_fields,
        )
    )


def journey_merge_fields(*, organization, contact):
    """``{impact_link}`` in a keep-in-touch email: the donor's own impact page (what their gifts
    did), e.g. in a re-engagement email to lapsed donors."""
    from donors import services

    return {"impact_link": services.impact_url(organization=organization, contact=contact)}


# --- Insight attributes -------------------------------------------------------------------------


def insight_values(organization, rows):
    """For each answer: the gift it is about (a survey about a gift's thank-you), else the
    person's latest gift on or before the answer — its time to thank (hours from the gift to its
    thank-you sent), fund (its largest allocation) and campaign — and how many gifts the person
    had given by then. Three queries, whatever the number of answers."""
    from zoneinfo import ZoneInfo

    from django.db.models import F

    from donors.models import Gift, GiftAllocation
    from thankyous.models import Acknowledgment

    if not rows:
        return {}
    gifts = list(
        Gift.objects.filter(
            organization=organization,
            contact_id__in={row["contact_id"] for row in rows},
            status=Gift.Status.RECEIVED,
        )
        .order_by("received_on", "pk")
        .values("id", "contact_id", "received_on", campaign_name=F("campaign__name"))
    )
    ids = [gift["id"] for gift in gifts]
    funds = {}
    for allocation in (
        GiftAllocation.objects.filter(organization=organization, gift_id__in=ids)
        .order_by("gift_id", "-amount", "pk")
        .values("gift_id", fund_name=F("fund__name"))
    ):
        funds.setdefault(allocation["gift_id"], allocation["fund_name"])
    hours_to_thank = {
        target_id: (sent - received).total_seconds() / 3600
        for target_id, received, sent in Acknowledgment.objects.filter(
            organization=organization, kind="gift", target_id__in=ids, sent_at__isnull=False
        ).values_list("target_id", "received_at", "sent_at")
    }
    zone = ZoneInfo(organization.timezone)
    by_contact, by_id = {}, {}
    for gift in gifts:
        by_contact.setdefault(gift["contact_id"], []).append(gift)
        by_id[gift["id"]] = gift
    found = {}
    for row in rows:
        answered_on = timezone.localtime(row["created_at"], zone).date()
        given = [
            g for g in by_contact.get(row["contact_id"], []) if g["received_on"] <= answered_on
        ]
        gift = by_id.get(row["related_id"]) if row["related_kind"] == GIFT_KIND else None
        if gift is None or gift["contact_id"] != row["contact_id"]:
            gift = given[-1] if given else None
        values = {"gifts": len(given)}
        if gift is not None:
            values.update(
                time_to_thank=hours_to_thank.get(gift["id"]),
                fund=funds.get(gift["id"]),
                campaign=gift["campaign_name"],
            )
        found[row["id"]] = values
    return found


def _register_insights():
    from stakeholders.experience.registry import Attribute, insights

    insights.register(
        AREA,
        attributes=(
            Attribute("time_to_thank", gettext_lazy("Time to thank"), "number", "hours"),
            Attribute("fund", gettext_lazy("Fund"), "category"),
            Attribute("campaign", gettext_lazy("Campaign"), "category"),
            Attribute("gifts", gettext_lazy("Gifts given by then"), "number"),
        ),
        values=insight_values,
    )


def register():
    areas.register(AREA, gettext_lazy("Donors"), roles=ROLES, owner=case_owner)
    _register_touchpoints()
    _register_journey()
    _register_insights()
