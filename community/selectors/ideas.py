"""Ideas: a space's list (by votes, newest, or one status), one idea, and the staff's view of
the top ideas with who voted for them by stakeholder type."""

from django.db.models import Count, Exists, OuterRef, Q
from django.shortcuts import get_object_or_404

from community.models import Idea, IdeaStatus, IdeaVote, PostStatus

SORTS = ("votes", "newest")


def _with_voted(ideas, member):
    if member is None:
        return ideas
    return ideas.annotate(voted=Exists(IdeaVote.objects.filter(idea=OuterRef("pk"), member=member)))


def ideas_list(*, organization, space, sort="votes", status=None, member=None):
    """Published ideas of ``space`` (with ``voted`` for ``member``), most voted first or newest
    first, optionally one status only. Constant queries: the author comes in the same query."""
    ideas = Idea.objects.filter(
        organization=organization, space=space, moderation=PostStatus.PUBLISHED
    ).select_related("author")
    if status in IdeaStatus.values:
        ideas = ideas.filter(status=status)
    order = ("-created_at", "-pk") if sort == "newest" else ("-vote_count", "-created_at", "-pk")
    return _with_voted(ideas, member).order_by(*order)


def status_counts(*, organization, space):
    rows = (
        Idea.objects.filter(organization=organization, space=space, moderation=PostStatus.PUBLISHED)
        .values("status")
        .annotate(n=Count("pk"))
    )
    return {row["status"]: row["n"] for row in rows}


def idea_get(*, organization, idea_id, space=None, member=None, published_only=True):
    """One idea (404 when another organization's, another space's or not published — an
    author still sees their own idea waiting for moderation)."""
    ideas = Idea.objects.filter(organization=organization).select_related("author", "space")
    if space is not None:
        ideas = ideas.filter(space=space)
    if published_only:
        visible = Q(moderation=PostStatus.PUBLISHED)
        if member is not None:
            visible |= Q(author=member) & ~Q(moderation=PostStatus.HIDDEN)
        ideas = ideas.filter(visible)
    return get_object_or_404(_with_voted(ideas, member), pk=idea_id)


# Stakeholder types of voters, as the core's contact flags; staff vote as experts (no contact).
VOTER_TYPES = {
    "donor": Q(member__contact__is_donor=True),
    "volunteer": Q(member__contact__is_volunteer=True),
    "client": Q(member__contact__is_client=True),
    "staff": Q(member__user__isnull=False),
}


def _by_type():
    return {name: Count("member", distinct=True, filter=rule) for name, rule in VOTER_TYPES.items()}


def staff_ideas(*, organization, status=None, limit=50):
    """Published ideas for the staff page, most voted first, each with ``voters``: {type:
    count} (a voter who is a donor and a volunteer counts in both). Two queries."""
    ideas = Idea.objects.filter(organization=organization, moderation=PostStatus.PUBLISHED)
    if status in IdeaStatus.values:
        ideas = ideas.filter(status=status)
    ideas = list(
        ideas.select_related("space").order_by("-vote_count", "-created_at", "-pk")[:limit]
    )
    counts = {
        row.pop("idea_id"): row
        for row in IdeaVote.objects.filter(
            organization=organization, idea_id__in=[idea.pk for idea in ideas]
        )
        .values("idea_id")
        .annotate(**_by_type())
    }
    empty = dict.fromkeys(VOTER_TYPES, 0)
    for idea in ideas:
        idea.voters = counts.get(idea.pk, empty)
    return ideas


def voters_by_type(*, organization):
    """Everyone who voted for any published idea, counted once per stakeholder type."""
    return IdeaVote.objects.filter(
        organization=organization, idea__moderation=PostStatus.PUBLISHED
    ).aggregate(**_by_type())


def top_ideas_of_type(*, organization, voter_type, limit=5):
    """The ideas most voted for by one stakeholder type (e.g. what volunteers want most)."""
    rule = VOTER_TYPES[voter_type]
    rows = (
        IdeaVote.objects.filter(
            rule, organization=organization, idea__moderation=PostStatus.PUBLISHED
        )
        .values("idea_id", "idea__title")
        .annotate(n=Count("member", distinct=True))
        .order_by("-n", "idea_id")[:limit]
    )
    return [(row["idea__title"], row["n"]) for row in rows]
