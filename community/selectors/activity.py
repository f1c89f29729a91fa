"""How the community is doing: who earns reputation, how long a question waits for its first
answer, whether peers or staff answer first, and how many members take part each month. Each
figure is one query whatever the size of the community."""

from collections import Counter
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Count, F, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce, Extract, TruncMonth
from django.utils import timezone

from community.models import (
    Answer,
    Comment,
    Idea,
    IdeaVote,
    Member,
    MemberStatus,
    PostStatus,
    Question,
    Vote,
)
from stakeholders.aggregates import Percentile

MONTHS = 12


def months_back(*, organization, now=None, months=MONTHS):
    """The first days of the last ``months`` months (oldest first, this month last) on the
    organization's calendar, and the moment the oldest starts."""
    zone = ZoneInfo(organization.timezone)
    today = (now or timezone.now()).astimezone(zone).date()
    firsts = [today.replace(day=1)]
    while len(firsts) < months:
        firsts.insert(0, (firsts[0] - timedelta(days=1)).replace(day=1))
    return firsts, datetime.combine(firsts[0], time(), tzinfo=zone)


def top_members(*, organization, limit=10):
    """The members with the most reputation (from accepted answers and upvotes)."""
    return list(
        Member.objects.filter(
            organization=organization, status=MemberStatus.ACTIVE, reputation__gt=0
        )
        .annotate(is_staff_expert=Q(user__isnull=False))
        .order_by("-reputation", "display_name")
        .values("pk", "display_name", "reputation", "is_staff_expert")[:limit]
    )


def _who_answered_first(organization):
    """0 for a peer, the staff user's id for staff, None for no published answer yet."""
    first = (
        Answer.objects.filter(
            organization=organization, question=OuterRef("pk"), status=PostStatus.PUBLISHED
        )
        .order_by("created_at", "id")
        .annotate(who=Coalesce("author__user_id", Value(0)))
        .values("who")[:1]
    )
    return Subquery(first, output_field=IntegerField())


def answering_by_month(*, organization, now=None):
    """For the questions asked each month: how many, how many answered, the median wait for the
    first answer (seconds) and who answered first (peers, staff)."""
    firsts, since = months_back(organization=organization, now=now)
    zone = ZoneInfo(organization.timezone)
    rows = (
        Question.objects.filter(
            organization=organization, status=PostStatus.PUBLISHED, created_at__gte=since
        )
        .annotate(
            month=TruncMonth("created_at", tzinfo=zone), who=_who_answered_first(organization)
        )
        .values("month")
        .annotate(
            asked=Count("id"),
            answered=Count("id", filter=Q(first_answer_at__isnull=False)),
            wait=Percentile(Extract(F("first_answer_at") - F("created_at"), "epoch"), 0.5),
            by_peers=Count("id", filter=Q(who=0)),
            by_staff=Count("id", filter=Q(who__gt=0)),
        )
        .order_by("month")
    )
    found = {row["month"].date(): row for row in rows}
    empty = {"asked": 0, "answered": 0, "wait": None, "by_peers": 0, "by_staff": 0}
    return [{**empty, **found.get(first, {}), "month": first} for first in firsts]


def answering_overall(by_month):
    """The year's totals from the monthly rows, and the shares answered first by peers and
    staff (in percent of the answered questions that have a published answer)."""
    totals = Counter()
    for row in by_month:
        totals.update({k: row[k] for k in ("asked", "answered", "by_peers", "by_staff")})
    first = totals["by_peers"] + totals["by_staff"]
    return {
        **totals,
        "peer_share": 100 * totals["by_peers"] / first if first else None,
        "staff_share": 100 * totals["by_staff"] / first if first else None,
    }


def median_first_answer(*, organization, now=None):
    """The median wait for a first answer (seconds) over the last 12 months."""
    _firsts, since = months_back(organization=organization, now=now)
    return Question.objects.filter(
        organization=organization,
        status=PostStatus.PUBLISHED,
        created_at__gte=since,
        first_answer_at__isnull=False,
    ).aggregate(wait=Percentile(Extract(F("first_answer_at") - F("created_at"), "epoch"), 0.5))[
        "wait"
    ]


def active_members_by_month(*, organization, now=None):
    """Members who posted (a question, an answer, a comment, an idea) or voted, per month: one
    query (a UNION of the distinct member-months of each kind of activity)."""
    firsts, since = months_back(organization=organization, now=now)
    zone = ZoneInfo(organization.timezone)

    def member_months(model, member_field):
        return (
            model.objects.filter(organization=organization, created_at__gte=since)
            .annotate(month=TruncMonth("created_at", tzinfo=zone), who=F(member_field))
            .values_list("month", "who")
            .order_by()
        )

    activity = member_months(Question, "author_id").union(
        member_months(Answer, "author_id"),
        member_months(Comment, "author_id"),
        member_months(Idea, "author_id"),
        member_months(Vote, "member_id"),
        member_months(IdeaVote, "member_id"),
    )
    per_month = Counter(month.date() for month, _who in activity)
    return [(first, per_month.get(first, 0)) for first in firsts]
