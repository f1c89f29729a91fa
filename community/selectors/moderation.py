"""What moderators see: the queue of posts waiting for approval, the open reports grouped by
post, their counts, and which spaces (and which authors' contacts) a staff role may moderate.

Who moderates what: admins everything; each other working role the spaces open to the
stakeholders it works with (fundraisers: donors; volunteer coordinators: volunteers;
caseworkers: clients), and the spaces open to everyone. Viewers moderate nothing. A post's
link to its author's contact follows the core's walls: being a client is for caseworkers and
admins only (``restricted_contact_roles``).
"""

from dataclasses import dataclass, field
from datetime import datetime

from django.core.cache import cache
from django.db.models import Count, Min, Q

from community.models import (
    Answer,
    Comment,
    CommunitySettings,
    Idea,
    Member,
    PostStatus,
    Question,
    Report,
    Space,
)
from stakeholders.models import Role
from stakeholders.registries import restricted_contact_roles

KINDS = ("answer", "comment", "idea", "question")  # alphabetical: the queue's tie-breaker
MODEL = {"question": Question, "answer": Answer, "comment": Comment, "idea": Idea}
ROLE_AUDIENCE = {
    Role.FUNDRAISER: "donor",
    Role.VOLUNTEER_COORDINATOR: "volunteer",
    Role.CASEWORKER: "client",
}
MODERATOR_ROLES = (Role.ADMIN, *ROLE_AUDIENCE)
REPORTS_TO_HIDE = 3  # open reports by different people that hide a post until reviewed
COUNT_CAP = 1000  # counts beyond this show as "999+" (no COUNT over large sets)


def status_field(kind):
    """Ideas keep their moderation state apart from their planning status."""
    return "moderation" if kind == "idea" else "status"


def spaces_moderated(*, organization, role):
    """The spaces ``role`` moderates (archived ones too: their posts can still be reported)."""
    spaces = Space.objects.filter(organization=organization)
    if role == Role.ADMIN:
        return spaces
    audience = ROLE_AUDIENCE.get(role)
    if audience is None:
        return spaces.none()
    return spaces.filter(Q(audiences=[]) | Q(audiences__contains=[audience]))


def _in_spaces(kind, spaces, prefix=""):
    if kind in ("question", "idea"):
        return Q(**{f"{prefix}space__in": spaces})
    if kind == "answer":
        return Q(**{f"{prefix}question__space__in": spaces})
    return Q(**{f"{prefix}question__space__in": spaces}) | Q(
        **{f"{prefix}answer__question__space__in": spaces}
    )


def _posts(*, organization, role, kind):
    rows = MODEL[kind].objects.filter(organization=organization)
    if role != Role.ADMIN:
        rows = rows.filter(_in_spaces(kind, spaces_moderated(organization=organization, role=role)))
    related = {
        "question": ("author__contact", "space"),
        "answer": ("author__contact", "question__space"),
        "comment": ("author__contact", "question", "answer__question"),
        "idea": ("author__contact", "space"),
    }[kind]
    return rows.select_related(*related)


def post_get(*, organization, role, kind, post_id):
    """One post ``role`` may moderate, or None (another organization's, or another space's)."""
    if kind not in MODEL:
        return None
    return _posts(organization=organization, role=role, kind=kind).filter(pk=post_id).first()


def contact_visible(*, role, member):
    """May staff with ``role`` follow ``member``'s posts to their contact's timeline?"""
    contact = member.contact
    if contact is None:
        return False
    hidden = restricted_contact_roles.hidden_from(role)
    return not any(getattr(contact, f"is_{code}", False) for code in hidden)


def post_space(kind, post):
    if kind in ("question", "idea"):
        return post.space
    if kind == "answer":
        return post.question.space
    return (post.question or post.answer.question).space


def post_question(kind, post):
    """The question a post belongs to (None for ideas)."""
    if kind == "question":
        return post
    if kind == "answer":
        return post.question
    if kind == "comment":
        return post.question or post.answer.question
    return None


@dataclass
class QueueItem:
    kind: str
    post: object
    reports: int = 0
    reasons: list = field(default_factory=list)
    first_reported_at: datetime | None = None

    @property
    def space(self):
        return post_space(self.kind, self.post)

    @property
    def question(self):
        return post_question(self.kind, self.post)

    @property
    def title(self):
        return getattr(self.post, "title", "")

    @property
    def status(self):
        return getattr(self.post, status_field(self.kind))


# --- Cursors: "created_at~kind~id", oldest first -------------------------------------------------


def encode_cursor(at, kind, key):
    return f"{at.isoformat()}~{kind}~{key}"


def decode_cursor(raw):
    try:
        at, kind, key = (raw or "").split("~")
        return datetime.fromisoformat(at), kind, int(key)
    except ValueError:
        return None


def _after(cursor, kind, *, at="created_at", key="id"):
    """Rows that come after ``cursor`` in (at, kind, key) order."""
    if cursor is None:
        return Q()
    at_value, cursor_kind, cursor_key = cursor
    condition = Q(**{f"{at}__gt": at_value})
    if kind > cursor_kind:
        condition |= Q(**{at: at_value})
    elif kind == cursor_kind:
        condition |= Q(**{at: at_value, f"{key}__gt": cursor_key})
    return condition


def pending_queue(*, organization, role, cursor=None, limit=25):
    """Posts waiting for approval, oldest first: ``limit`` items and the next page's cursor.
    One indexed query per kind, whatever the queue's length."""
    collected = []
    for kind in KINDS:
        rows = (
            _posts(organization=organization, role=role, kind=kind)
            .filter(**{status_field(kind): PostStatus.PENDING})
            .filter(_after(cursor, kind))
            .order_by("created_at", "id")[: limit + 1]
        )
        collected.extend(QueueItem(kind, row) for row in rows)
    collected.sort(key=lambda item: (item.post.created_at, item.kind, item.post.pk))
    page = collected[:limit]
    next_cursor = None
    if len(collected) > limit and page:
        last = page[-1]
        next_cursor = encode_cursor(last.post.created_at, last.kind, last.post.pk)
    return page, next_cursor


def _open_reports(*, organization, role):
    reports = Report.objects.filter(organization=organization, resolved_at__isnull=True)
    if role == Role.ADMIN:
        return reports
    spaces = spaces_moderated(organization=organization, role=role)
    return reports.filter(
        Q(question__space__in=spaces)
        | Q(answer__question__space__in=spaces)
        | _in_spaces("comment", spaces, prefix="comment__")
        | Q(idea__space__in=spaces)
    )


def report_groups(*, organization, role, cursor=None, limit=25):
    """Open reports grouped by post, the longest-waiting first (by the group's first report):
    ``limit`` items with their count and reasons, and the next page's cursor."""
    groups = (
        _open_reports(organization=organization, role=role)
        .values("question_id", "answer_id", "comment_id", "idea_id")
        .annotate(reports=Count("id"), first_at=Min("created_at"), first_id=Min("id"))
    )
    if cursor is not None:
        at_value, _kind, key = cursor
        groups = groups.filter(Q(first_at__gt=at_value) | Q(first_at=at_value, first_id__gt=key))
    groups = list(groups.order_by("first_at", "first_id")[: limit + 1])
    has_more = len(groups) > limit
    groups = groups[:limit]
    wanted = {kind: [g[f"{kind}_id"] for g in groups if g[f"{kind}_id"]] for kind in KINDS}
    posts = {}
    for kind, ids in wanted.items():
        if ids:
            for row in _posts(organization=organization, role=role, kind=kind).filter(pk__in=ids):
                posts[(kind, row.pk)] = row
    reasons = {}
    target = Q()
    for kind, ids in wanted.items():
        if ids:
            target |= Q(**{f"{kind}_id__in": ids})
    if groups:
        for report in (
            Report.objects.filter(organization=organization, resolved_at__isnull=True)
            .filter(target)
            .order_by("created_at", "id")
            .values("question_id", "answer_id", "comment_id", "idea_id", "reason")
        ):
            kind = next(k for k in KINDS if report[f"{k}_id"])
            reasons.setdefault((kind, report[f"{kind}_id"]), []).append(report["reason"])
    items = []
    for group in groups:
        kind = next(k for k in KINDS if group[f"{k}_id"])
        post = posts.get((kind, group[f"{kind}_id"]))
        if post is None:
            continue
        items.append(
            QueueItem(
                kind,
                post,
                reports=group["reports"],
                reasons=reasons.get((kind, post.pk), []),
                first_reported_at=group["first_at"],
            )
        )
    next_cursor = None
    if has_more and groups:
        last = groups[-1]
        next_cursor = encode_cursor(last["first_at"], "report", last["first_id"])
    return items, next_cursor


def open_reports_for(*, organization, kind, post):
    return Report.objects.filter(
        organization=organization, resolved_at__isnull=True, **{kind: post}
    ).order_by("created_at", "id")


def queue_counts(*, organization, role):
    """{"pending": …, "reports": …, "capped": {…}}: counted up to COUNT_CAP each."""
    pending = 0
    for kind in KINDS:
        pending += (
            _posts(organization=organization, role=role, kind=kind)
            .filter(**{status_field(kind): PostStatus.PENDING})
            .values("pk")[:COUNT_CAP]
            .count()
        )
    reports = (
        _open_reports(organization=organization, role=role)
        .values("question_id", "answer_id", "comment_id", "idea_id")
        .distinct()[:COUNT_CAP]
        .count()
    )
    return {
        "pending": min(pending, COUNT_CAP),
        "reports": reports,
        "pending_capped": pending >= COUNT_CAP,
        "reports_capped": reports >= COUNT_CAP,
    }


CARD_SECONDS = 30


def _card_key(organization_id, role):
    return f"community:moderation-card:{organization_id}:{role}"


def dashboard_figures(*, organization, role):
    """The queue's counts for the dashboard card, or {} when the community is closed and
    nothing waits. Counted at most every 30 seconds per role: the dashboard is opened often,
    the queue itself is the live view; opening or closing the community forgets them."""

    def figures():
        counts = queue_counts(organization=organization, role=role)
        if not (counts["pending"] or counts["reports"]) and not community_open(
            organization=organization
        ):
            return {}
        return counts

    return cache.get_or_set(_card_key(organization.pk, role), figures, CARD_SECONDS)


def forget_dashboard_figures(*, organization):
    cache.delete_many([_card_key(organization.pk, role) for role in Role.values])


def member_get(*, organization, role, member_id):
    """A member ``role`` may moderate: admins any; the other roles those who wrote in a space
    they moderate (a fundraiser has no business with someone who only asks for help)."""
    member = (
        Member.objects.filter(organization=organization, pk=member_id)
        .select_related("contact")
        .first()
    )
    if member is None or role == Role.ADMIN:
        return member
    if role not in ROLE_AUDIENCE:
        return None
    for kind in KINDS:
        if _posts(organization=organization, role=role, kind=kind).filter(author=member).exists():
            return member
    return None


def member_posts_summary(*, organization, member):
    """How many posts of each state a member has (for the block page)."""
    summary = {}
    for kind in KINDS:
        field_name = status_field(kind)
        summary[kind] = dict(
            MODEL[kind]
            .objects.filter(organization=organization, author=member)
            .values_list(field_name)
            .annotate(n=Count("id"))
            .values_list(field_name, "n")
        )
    return summary


def community_open(*, organization):
    """Is the community open (a read: no settings row is made for asking)?"""
    return bool(
        CommunitySettings.objects.filter(organization=organization)
        .values_list("enabled", flat=True)
        .first()
    )
