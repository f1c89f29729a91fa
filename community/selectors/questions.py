"""What the community's readers see: the spaces open to them, a space's questions (paged by
key, never counted past a cap), a question with its answers and comments in a fixed number of
queries, and the questions similar to one being typed.

Who reads decides: a public space is for anyone; a members-only space for signed-in members
whose contact holds one of the space's stakeholder types (any type when the space names none);
staff see every space. A space or question the reader may not see is "not found", as another
organization's is.
"""

import base64
import json
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db.models import F, FloatField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Cast
from django.http import Http404

from community.models import (
    Answer,
    Comment,
    CommunitySettings,
    Follow,
    PostStatus,
    Question,
    Space,
    Visibility,
    Vote,
)
from stakeholders import text

PAGE_SIZE = 20
COUNT_CAP = 1000
SORTS = ("activity", "unanswered", "votes", "relevance")


@dataclass(frozen=True)
class Viewer:
    """Who reads: a member (or None for a visitor) and whether they are the organization's
    staff (signed into Steward with a membership)."""

    member: object = None
    staff: bool = False

    @property
    def roles(self):
        contact = getattr(self.member, "contact", None)
        if contact is None:
            return frozenset()
        return frozenset(
            role for role in ("donor", "volunteer", "client") if getattr(contact, f"is_{role}")
        )


def community_enabled(*, organization):
    return CommunitySettings.objects.filter(organization=organization, enabled=True).exists()


def community_open(*, organization, viewer):
    """Staff prepare the community before it opens; everyone else finds nothing until then."""
    return viewer.staff or community_enabled(organization=organization)


def _in_audience(space, viewer):
    return not space.audiences or bool(viewer.roles & set(space.audiences))


def can_read(space, viewer):
    if viewer.staff or space.visibility == Visibility.PUBLIC:
        return True
    return viewer.member is not None and _in_audience(space, viewer)


def can_post(space, viewer):
    """Members of the space's audiences (staff always) may ask and answer, while it is open."""
    if space.is_archived or viewer.member is None:
        return False
    return viewer.staff or _in_audience(space, viewer)


def localise(space, language):
    """The space's name and description in ``language`` when staff wrote them, else the
    default (set as ``shown_name`` and ``shown_description``)."""
    version = (space.translations or {}).get(language) or {}
    space.shown_name = version.get("name") or space.name
    space.shown_description = version.get("description") or space.description
    return space


def visible_spaces(*, organization, viewer, language):
    """The open spaces this reader may see, in the staff's order, each with the time of its
    latest published activity (one indexed look-up per space, no counting)."""
    latest = (
        Question.objects.filter(
            organization=organization, space=OuterRef("pk"), status=PostStatus.PUBLISHED
        )
        .order_by("-last_activity_at", "-id")
        .values("last_activity_at")[:1]
    )
    spaces = Space.objects.filter(organization=organization, is_archived=False).annotate(
        latest_activity=Subquery(latest)
    )
    return [localise(space, language) for space in spaces if can_read(space, viewer)]


def space_for_reader(*, organization, slug, viewer, language):
    """The space at ``slug`` if this reader may see it (archived ones stay readable by their
    address), else 404."""
    space = Space.objects.filter(organization=organization, slug=slug).first()
    if space is None or not can_read(space, viewer):
        raise Http404
    return localise(space, language)


# --- A space's questions -------------------------------------------------------------------


def _encode_cursor(values):
    raw = json.dumps(values, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(cursor, sort):
    """The key of the last row of the previous page, or None for a missing or mangled one."""
    if not cursor:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        first, last_id = json.loads(raw)
        last_id = int(last_id)
        if sort == "votes":
            first = int(first)
        elif sort == "relevance":
            first = float(first)
        else:
            first = datetime.fromisoformat(first)
    except (ValueError, TypeError):
        return None
    return first, last_id


def _cursor_of(question, sort):
    if sort == "votes":
        return _encode_cursor([question.score, question.pk])
    if sort == "relevance":
        return _encode_cursor([question.rank, question.pk])
    return _encode_cursor([question.last_activity_at.isoformat(), question.pk])


def search_configs(*, organization):
    """The text search configurations a question can be written in: one per configuration
    (Persian, Khmer and Kazakh share 'simple'), the organization's language first."""
    codes = [organization.language, *(code for code, _name in settings.LANGUAGES)]
    return list(dict.fromkeys(text.regconfig_for_language(code) for code in codes))


def search_filter(*, organization, query, prefix=False):
    """A full-text match for ``query`` in every language, with the rank to order by.

    One ``@@`` against one tsquery — the query parsed by each configuration, joined with
    ``||`` (English stemming, Spanish, French, and 'simple' for Khmer split by ICU) — so
    PostgreSQL answers it from the GIN index on ``search_vector`` (an OR of one condition per
    language cannot use it). ``prefix``: word beginnings, any word (as one types)."""
    query = (query or "").strip()[:200]
    if prefix:
        words = [
            word.replace("'", "''").replace("\\", "")
            for word in text.words(query, organization.language)[:8]
        ]
        if not words:
            return None, None
        raw, search_type = " | ".join(f"'{word}':*" for word in words), "raw"
    else:
        raw, search_type = text.spaced(query, organization.language), "websearch"
        if not raw.strip():
            return None, None
    combined = None
    for config in search_configs(organization=organization):
        search = SearchQuery(raw, search_type=search_type, config=config)
        combined = search if combined is None else combined | search
    # ts_rank is a 4-byte real: as a double, the value a page's cursor carries back compares
    # exactly with the same row's rank.
    rank = Cast(SearchRank(F("search_vector"), combined), FloatField())
    return Q(search_vector=combined), rank


def capped_count(queryset, cap=COUNT_CAP):
    """How many rows, counted up to ``cap`` only (the page says "1,000+" beyond)."""
    return queryset.order_by().values("pk")[: cap + 1].count()


@dataclass
class QuestionPage:
    questions: list
    next_cursor: str | None
    count: int
    count_capped: bool
    waiting: list  # the reader's own questions waiting for a moderator (first page only)


def question_list(
    *, organization, space, viewer, sort="activity", tag="", query="", cursor="", size=PAGE_SIZE
):
    """One page of the space's published questions: latest activity first, unanswered only,
    most votes first, or (with a query) best match first; filtered by a tag and a full-text
    query; the next page starts after the last row's key (no OFFSET, no COUNT over the whole
    space)."""
    sort = sort if sort in SORTS else "activity"
    if sort == "relevance" and not query.strip():
        sort = "activity"
    rows = Question.objects.filter(
        organization=organization,
        space=space,
        status=PostStatus.PUBLISHED,
        merged_into__isnull=True,
    )
    if tag:
        rows = rows.filter(tags__contains=[tag])
    if sort == "unanswered":
        rows = rows.filter(answer_count=0)
    rank = None
    if query.strip():
        matches, rank = search_filter(organization=organization, query=query)
        rows = rows.filter(matches) if matches is not None else rows.none()
    filtered = tag or query.strip() or sort == "unanswered"
    if sort == "relevance":
        # Ranked: the newest matches up to the cap only (found by the index; ts_rank reads each
        # one's vector), so a common word costs the same in 1,000 questions or 100,000. Their
        # ids are the capped count as well. Newest by an expression, not the bare id: else
        # the planner walks the primary key backwards testing every row against the query
        # (3x slower for a common word at 100,000) instead of sorting the index's matches.
        newest = (F("id") + Value(0)).desc()
        candidates = list(rows.order_by(newest).values_list("pk", flat=True)[: COUNT_CAP + 1])
        count = len(candidates)
        rows = Question.objects.filter(
            organization=organization, pk__in=candidates[:COUNT_CAP]
        ).annotate(rank=rank if rank is not None else Value(0.0, output_field=FloatField()))
    else:
        count = capped_count(rows) if filtered else None
    key = _decode_cursor(cursor, sort)
    if sort == "votes":
        order = ("-score", "-id")
        if key:
            rows = rows.filter(Q(score__lt=key[0]) | Q(score=key[0], id__lt=key[1]))
    elif sort == "relevance":
        order = ("-rank", "-id")
        if key:
            rows = rows.filter(Q(rank__lt=key[0]) | Q(rank=key[0], id__lt=key[1]))
    else:
        order = ("-last_activity_at", "-id")
        if key:
            rows = rows.filter(
                Q(last_activity_at__lt=key[0]) | Q(last_activity_at=key[0], id__lt=key[1])
            )
    questions = list(
        rows.select_related("author")
        .defer("body", "search_vector", "author__blocked_reason")
        .order_by(*order)[: size + 1]
    )
    next_cursor = _cursor_of(questions[size - 1], sort) if len(questions) > size else None
    waiting = []
    if viewer.member is not None and not key:
        waiting = list(
            Question.objects.filter(
                organization=organization,
                space=space,
                author=viewer.member,
                status=PostStatus.PENDING,
            )
            .defer("body", "search_vector")
            .order_by("-created_at")[:10]
        )
    if count is None:
        count = capped_count(
            Question.objects.filter(
                organization=organization, space=space, status=PostStatus.PUBLISHED
            )
        )
    return QuestionPage(
        questions=questions[:size],
        next_cursor=next_cursor,
        count=min(count, COUNT_CAP),
        count_capped=count > COUNT_CAP,
        waiting=waiting,
    )


def recent_questions(*, organization, spaces, limit=8):
    """The latest active questions across the reader's spaces (the community's home)."""
    return list(
        Question.objects.filter(
            organization=organization,
            space__in=[space.pk for space in spaces],
            status=PostStatus.PUBLISHED,
            merged_into__isnull=True,
        )
        .select_related("author")
        .defer("body", "search_vector")
        .order_by("-last_activity_at", "-id")[:limit]
    )


# --- One question --------------------------------------------------------------------------


def _readable_post(post, viewer):
    if post.status == PostStatus.PUBLISHED:
        return True
    mine = viewer.member is not None and post.author_id == viewer.member.pk
    return (mine and post.status == PostStatus.PENDING) or viewer.staff


def question_for_reader(*, organization, question_id, viewer):
    """The question if this reader may see it (published; their own waiting one; any for staff)
    in a space they may read, else 404. A merged question is returned as it is: the page
    sends the reader on to ``merged_into``."""
    question = (
        Question.objects.select_related("author", "space")
        .filter(organization=organization, pk=question_id)
        .first()
    )
    if question is None or not can_read(question.space, viewer):
        raise Http404
    if not question.merged_into_id and not _readable_post(question, viewer):
        raise Http404
    return question


ANSWERS_PER_PAGE = 30


@dataclass
class Thread:
    question: object
    answers: list
    question_comments: list
    voted_question: bool
    voted_answers: set
    following: bool
    next_cursor: str | None = None  # the "more answers" key, None on the last page
    first_page: bool = True


def _visible_answers(*, organization, question, member):
    """The question's published answers, and the reader's own ones waiting for a moderator."""
    answers = Answer.objects.filter(organization=organization, question=question)
    if member is not None:
        return answers.filter(
            Q(status=PostStatus.PUBLISHED) | Q(status=PostStatus.PENDING, author=member)
        )
    return answers.filter(status=PostStatus.PUBLISHED)


# Answers after the accepted one: most votes first, then oldest (the key of answer paging).
ANSWER_ORDER = ("-score", "created_at", "id")


def _answer_cursor(answer):
    return _encode_cursor([answer.score, answer.created_at.isoformat(), answer.pk])


def _decode_answer_cursor(cursor):
    """(score, created_at, id) of the last answer of the previous page, or None."""
    if not cursor:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        score, created_at, answer_id = json.loads(raw)
        return int(score), datetime.fromisoformat(created_at), int(answer_id)
    except (ValueError, TypeError):
        return None


def _after_key(score, created_at, answer_id):
    """Answers after (score, created_at, id) in ANSWER_ORDER."""
    return (
        Q(score__lt=score)
        | Q(score=score, created_at__gt=created_at)
        | Q(score=score, created_at=created_at, id__gt=answer_id)
    )


def thread(*, organization, question, viewer, cursor="", size=ANSWERS_PER_PAGE):
    """One page of the question's answers — the accepted one first on the first page, then
    ``size`` at a time by most votes, then oldest, paged by key — each with its comments, and
    what the reader already did (votes, following): five queries, however long the thread."""
    member = viewer.member
    key = _decode_answer_cursor(cursor)
    answers = _visible_answers(organization=organization, question=question, member=member)
    answers = answers.select_related("author")
    if key:
        rows = list(
            answers.filter(is_accepted=False)
            .filter(_after_key(*key))
            .order_by(*ANSWER_ORDER)[: size + 1]
        )
        accepted = []
    else:
        # The accepted answer (one at most) sorts first; one row more tells of a next page.
        rows = list(answers.order_by("-is_accepted", *ANSWER_ORDER)[: size + 2])
        accepted = rows[:1] if rows and rows[0].is_accepted else []
        rows = rows[len(accepted) :]
    next_cursor = _answer_cursor(rows[size - 1]) if len(rows) > size else None
    answers = accepted + rows[:size]
    answer_ids = [answer.pk for answer in answers]
    shown = Q(status=PostStatus.PUBLISHED)
    if member is not None:
        shown |= Q(status=PostStatus.PENDING, author=member)
    comments = Comment.objects.filter(organization=organization).filter(
        Q(question=question) | Q(answer_id__in=answer_ids)
    )
    comments = list(comments.filter(shown).select_related("author").order_by("created_at", "id"))
    by_answer = {}
    question_comments = []
    for comment in comments:
        if comment.answer_id:
            by_answer.setdefault(comment.answer_id, []).append(comment)
        else:
            question_comments.append(comment)
    for answer in answers:
        answer.comments = by_answer.get(answer.pk, [])
        answer.voted = False
    voted_question, voted_answers, following = False, set(), False
    if member is not None:
        votes = Vote.objects.filter(organization=organization, member=member).filter(
            Q(question=question) | Q(answer_id__in=answer_ids)
        )
        for question_id, answer_id in votes.values_list("question_id", "answer_id"):
            if answer_id:
                voted_answers.add(answer_id)
            elif question_id:
                voted_question = True
        for answer in answers:
            answer.voted = answer.pk in voted_answers
        following = Follow.objects.filter(
            organization=organization, member=member, question=question
        ).exists()
    return Thread(
        question=question,
        answers=answers,
        question_comments=question_comments,
        voted_question=voted_question,
        voted_answers=voted_answers,
        following=following,
        next_cursor=next_cursor,
        first_page=not key,
    )


def answer_page_cursor(*, organization, question, viewer, answer_id, size=ANSWERS_PER_PAGE):
    """The page key under which answer ``answer_id`` is shown ("" for the first page), so a link
    to an answer lands on its page; None when the reader can't see such an answer."""
    try:
        answer_id = int(answer_id)
    except (TypeError, ValueError):
        return None
    answers = _visible_answers(organization=organization, question=question, member=viewer.member)
    target = answers.filter(pk=answer_id).only("score", "created_at", "is_accepted").first()
    if target is None:
        return None
    if target.is_accepted:
        return ""
    others = answers.filter(is_accepted=False).order_by(*ANSWER_ORDER)
    # Its place among them (0 for the first), then the last answer of the page before its own.
    place = others.exclude(_after_key(target.score, target.created_at, target.pk)).count() - 1
    start = (place // size) * size
    if start == 0:
        return ""
    previous = list(others.only("score", "created_at")[start - 1 : start])
    return _answer_cursor(previous[0]) if previous else ""


def answer_of(*, organization, question, answer_id):
    """An answer of ``question`` (from a form's field), or 404."""
    try:
        answer_id = int(answer_id)
    except (TypeError, ValueError):
        raise Http404 from None
    answer = Answer.objects.filter(
        organization=organization, question=question, pk=answer_id
    ).first()
    if answer is None:
        raise Http404
    return answer


# --- Similar questions ---------------------------------------------------------------------


def similar_questions(*, organization, spaces, title, limit=5):
    """Published questions in the reader's spaces whose words begin like the words being typed,
    best match first (the ask form's "similar questions")."""
    matches, rank = search_filter(organization=organization, query=title, prefix=True)
    if matches is None or not spaces:
        return []
    return list(
        Question.objects.filter(
            organization=organization,
            space__in=[space.pk for space in spaces],
            status=PostStatus.PUBLISHED,
            merged_into__isnull=True,
        )
        .filter(matches)
        .annotate(rank=rank)
        .only("pk", "title", "language", "answer_count", "accepted_answer_id", "space_id")
        .order_by("-rank", "-id")[:limit]
    )
