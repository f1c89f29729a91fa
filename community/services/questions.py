"""Asking, answering, commenting, voting, accepting and following — and the staff's spaces.

Every counter (a question's answers and score, a member's approved posts and reputation) is
changed here, with F expressions under a row lock on the question, so two people answering or
voting at once never lose an update. Rows are locked question first, then answer, everywhere,
so no two of these transactions wait on each other in a circle.

Reputation, as Stack Overflow counts it: an upvote on an answer +10 to its author, on a question
+5, an accepted answer +15 (not for accepting one's own answer) — each taken back when undone.
"""

import re
import unicodedata

from django.contrib.postgres.search import SearchVector
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from community.models import (
    Answer,
    Comment,
    Follow,
    Member,
    MemberStatus,
    PostStatus,
    Question,
    Space,
    Vote,
)
from community.services.holds import hold_reasons
from stakeholders import audit, text
from stakeholders.models import AuditAction

MAX_TAGS = 5
TAG_LENGTH = 40
QUESTION_VOTE_POINTS = 5
ANSWER_VOTE_POINTS = 10
ACCEPTED_POINTS = 15
TAG_SEPARATORS = re.compile(r"[,\u060c\n]+")  # commas (also the Arabic-script comma), lines
TAG_KEEP = "-+.#"


# --- Tags and the search index -------------------------------------------------------------


def normalise_tag(raw):
    """One tag: lower case, spaces as hyphens, punctuation dropped — letters, digits and the
    combining signs of every script kept (a Khmer vowel sign is part of the word)."""
    folded = unicodedata.normalize("NFKC", raw).casefold().strip().lstrip("#")
    kept = "".join(
        character
        for character in "-".join(folded.split())
        if unicodedata.category(character)[0] in "LMN" or character in TAG_KEEP
    )
    return kept.strip("-.")[:TAG_LENGTH]


def normalise_tags(raw):
    """``"Food bank, housing , HOUSING"`` → ``["food-bank", "housing"]``; more than five is an
    error (for the form's field)."""
    tags = list(
        dict.fromkeys(tag for tag in map(normalise_tag, TAG_SEPARATORS.split(raw or "")) if tag)
    )
    if len(tags) > MAX_TAGS:
        raise ValidationError(
            _("At most %(count)d tags, please.") % {"count": MAX_TAGS}, code="too_many_tags"
        )
    return tags


def question_index(*, organization, question_ids):
    """Write each question's search vector in its own language's configuration (title, then
    tags, then text); words of scripts without spaces (Khmer) are split by ICU first."""
    questions = Question.objects.filter(organization=organization, pk__in=question_ids).only(
        "pk", "language", "title", "tags", "body"
    )
    for question in questions:
        language = question.language or organization.language
        config = text.regconfig_for_language(language)
        parts = (
            (text.spaced(question.title, language), "A"),
            (" ".join(tag.replace("-", " ") for tag in question.tags), "B"),
            (text.spaced(question.body, language), "C"),
        )
        vector = SearchVector(Value(parts[0][0]), weight=parts[0][1], config=config)
        for value, weight in parts[1:]:
            vector += SearchVector(Value(value), weight=weight, config=config)
        Question.objects.filter(pk=question.pk).update(search_vector=vector)


# --- Checks --------------------------------------------------------------------------------


def _same_organization(organization, *objects):
    for obj in objects:
        if obj is not None and obj.organization_id != organization.pk:
            raise ValidationError(_("Not found."), code="not_found")


def _check_author(member):
    if member.status != MemberStatus.ACTIVE:
        raise ValidationError(_("Your membership is not active."), code="inactive")


def _hold(organization, member, body):
    reasons = hold_reasons(organization=organization, member=member, text=body)
    return "; ".join(reasons)[:200]


def _follow(*, organization, member, question):
    Follow.objects.get_or_create(organization=organization, member=member, question=question)


def _open_for_answers(question):
    if question.status != PostStatus.PUBLISHED or question.merged_into_id:
        raise ValidationError(_("This question takes no answers."), code="closed")
    if question.is_locked:
        raise ValidationError(
            _("This question is locked: it takes no new answers or comments."), code="locked"
        )


# --- Questions -----------------------------------------------------------------------------


def question_ask(*, organization, member, space, title, body, tags, language):
    """A new question: held for a moderator when ``hold_reasons`` says so, else published at
    once. The asker follows it (emails on answers)."""
    _same_organization(organization, member, space)
    _check_author(member)
    if space.is_archived:
        raise ValidationError(_("This space is archived: it takes no new questions."))
    reason = _hold(organization, member, f"{title}\n{body}")
    with transaction.atomic():
        question = Question.objects.create(
            organization=organization,
            space=space,
            author=member,
            title=title.strip(),
            body=body.strip(),
            tags=tags,
            language=language,
            status=PostStatus.PENDING,
            hold_reason=reason,
        )
        _follow(organization=organization, member=member, question=question)
        question_index(organization=organization, question_ids=[question.pk])
        if not reason:
            question = publish_question(organization=organization, question=question)
    return question


def publish_question(*, organization, question):
    """The bookkeeping when a question becomes visible (at once, or a moderator approved it):
    published, active now, one more approved post for its author. Safe to call twice."""
    _same_organization(organization, question)
    with transaction.atomic():
        locked = Question.objects.select_for_update().get(organization=organization, pk=question.pk)
        if locked.status == PostStatus.PUBLISHED:
            return locked
        locked.status = PostStatus.PUBLISHED
        locked.hold_reason = ""
        locked.last_activity_at = timezone.now()
        locked.save(update_fields=["status", "hold_reason", "last_activity_at"])
        Member.objects.filter(organization=organization, pk=locked.author_id).update(
            approved_posts=F("approved_posts") + 1
        )
    return locked


# --- Answers -------------------------------------------------------------------------------


def answer_post(*, organization, member, question, body):
    """A new answer (held or published as a question is); the one answering follows the
    question from now on, as on every community platform."""
    _same_organization(organization, member, question)
    _check_author(member)
    _open_for_answers(question)
    reason = _hold(organization, member, body)
    with transaction.atomic():
        answer = Answer.objects.create(
            organization=organization,
            question=question,
            author=member,
            body=body.strip(),
            status=PostStatus.PENDING,
            hold_reason=reason,
        )
        _follow(organization=organization, member=member, question=question)
        if not reason:
            answer = publish_answer(organization=organization, answer=answer)
    return answer


def _notify_followers(organization, answer_id):
    """Runs on commit, which may come after the caller left the organization's scope (a
    command's outer transaction, e.g. ``seed_demo``): it enters the scope itself."""
    from community.services import notifications
    from stakeholders.tenancy.models import organization_scope

    with organization_scope(organization):
        answer = Answer.objects.filter(organization=organization, pk=answer_id).first()
        if answer is not None and answer.status == PostStatus.PUBLISHED:
            notifications.notify_followers(organization=organization, answer=answer)


def publish_answer(*, organization, answer):
    """The bookkeeping when an answer becomes visible: published; the question's answer count,
    first-answer time and last activity; one more approved post for its author; followers
    emailed once the transaction has committed. Safe to call twice."""
    _same_organization(organization, answer)
    with transaction.atomic():
        # The question first (as every writer here locks), then the answer.
        Question.objects.select_for_update().filter(
            organization=organization, pk=answer.question_id
        ).first()
        locked = Answer.objects.select_for_update().get(organization=organization, pk=answer.pk)
        if locked.status == PostStatus.PUBLISHED:
            return locked
        now = timezone.now()
        locked.status = PostStatus.PUBLISHED
        locked.hold_reason = ""
        locked.save(update_fields=["status", "hold_reason"])
        Question.objects.filter(organization=organization, pk=locked.question_id).update(
            answer_count=F("answer_count") + 1,
            first_answer_at=Coalesce(F("first_answer_at"), Value(now)),
            last_activity_at=now,
        )
        Member.objects.filter(organization=organization, pk=locked.author_id).update(
            approved_posts=F("approved_posts") + 1
        )
        answer_id = locked.pk
        transaction.on_commit(lambda: _notify_followers(organization, answer_id))
    return locked


def answer_accept(*, organization, member, answer, accepted=True):
    """Mark ``answer`` as the accepted one (or take the mark back): the asker or staff only, one
    accepted answer at a time. +15 reputation to its author (not for accepting one's own)."""
    _same_organization(organization, member, answer)
    with transaction.atomic():
        question = Question.objects.select_for_update().get(
            organization=organization, pk=answer.question_id
        )
        if not (member.is_expert or question.author_id == member.pk):
            raise ValidationError(
                _("Only the person who asked, or our staff, can accept an answer."),
                code="not_allowed",
            )
        if accepted and answer.status != PostStatus.PUBLISHED:
            raise ValidationError(_("Only a published answer can be accepted."))
        if accepted == (question.accepted_answer_id == answer.pk):
            return question
        previous = question.accepted_answer_id
        if previous:
            set_accepted(organization, question, previous, False)
        if accepted:
            set_accepted(organization, question, answer.pk, True)
        question.accepted_answer_id = answer.pk if accepted else None
        question.save(update_fields=["accepted_answer"])
    return question


def set_accepted(organization, question, answer_id, accepted):
    row = Answer.objects.select_for_update().get(organization=organization, pk=answer_id)
    Answer.objects.filter(pk=row.pk).update(is_accepted=accepted)
    if row.author_id != question.author_id:
        points = ACCEPTED_POINTS if accepted else -ACCEPTED_POINTS
        Member.objects.filter(organization=organization, pk=row.author_id).update(
            reputation=F("reputation") + points
        )


# --- Comments ------------------------------------------------------------------------------


def comment_add(*, organization, member, question, body, answer=None):
    """A comment under the question or one of its answers (held as posts are)."""
    _same_organization(organization, member, question, answer)
    _check_author(member)
    _open_for_answers(question)
    if answer is not None and (
        answer.question_id != question.pk or answer.status != PostStatus.PUBLISHED
    ):
        raise ValidationError(_("Not found."), code="not_found")
    reason = _hold(organization, member, body)
    with transaction.atomic():
        comment = Comment.objects.create(
            organization=organization,
            question=None if answer is not None else question,
            answer=answer,
            author=member,
            body=body.strip(),
            status=PostStatus.PENDING if reason else PostStatus.PUBLISHED,
            hold_reason=reason,
        )
        if not reason:
            Member.objects.filter(organization=organization, pk=member.pk).update(
                approved_posts=F("approved_posts") + 1
            )
    return comment


# --- Votes and following -------------------------------------------------------------------


def vote_set(*, organization, member, question=None, answer=None, voted=True):
    """Upvote a published question or answer (``voted``) or take the vote back; a second
    click of the same kind changes nothing. Not one's own post. Returns whether it counts."""
    post = answer if answer is not None else question
    _same_organization(organization, member, post)
    _check_author(member)
    if post.author_id == member.pk:
        raise ValidationError(_("You can't vote for your own post."), code="own_post")
    if post.status != PostStatus.PUBLISHED:
        raise ValidationError(_("Not found."), code="not_found")
    target = {"answer": answer} if answer is not None else {"question": question}
    model, points = (
        (Answer, ANSWER_VOTE_POINTS) if answer is not None else (Question, QUESTION_VOTE_POINTS)
    )
    question_id = answer.question_id if answer is not None else question.pk
    with transaction.atomic():
        Question.objects.select_for_update().filter(
            organization=organization, pk=question_id
        ).first()
        if voted:
            try:
                with transaction.atomic():
                    Vote.objects.create(organization=organization, member=member, **target)
            except IntegrityError:
                return True  # already counted (a double click)
            delta = 1
        else:
            deleted, _counts = Vote.objects.filter(
                organization=organization, member=member, **target
            ).delete()
            if not deleted:
                return False
            delta = -1
        model.objects.filter(organization=organization, pk=post.pk).update(score=F("score") + delta)
        Member.objects.filter(organization=organization, pk=post.author_id).update(
            reputation=F("reputation") + delta * points
        )
    return voted


def follow_set(*, organization, member, question, following=True):
    """Follow a question (an email on each new answer, or the daily digest) or stop."""
    _same_organization(organization, member, question)
    if following:
        _follow(organization=organization, member=member, question=question)
    else:
        Follow.objects.filter(organization=organization, member=member, question=question).delete()
    return following


# --- Spaces (staff) ------------------------------------------------------------------------

SPACE_FIELDS = ("name", "slug", "description", "translations", "visibility", "audiences")


def _space_save(*, organization, space, data, actor, created):
    for name in (*SPACE_FIELDS, "position"):
        if name in data:
            setattr(space, name, data[name])
    if (
        Space.objects.filter(organization=organization, slug=space.slug)
        .exclude(pk=space.pk)
        .exists()
    ):
        raise ValidationError({"slug": _("Another space already has this address.")})
    try:
        with transaction.atomic():
            space.save()
    except IntegrityError as error:  # the same address chosen at the same moment
        if "uniq_space_slug" not in str(error):
            raise
        raise ValidationError({"slug": _("Another space already has this address.")}) from error
    summary = ("Community space created: %s" if created else "Community space changed: %s") % (
        space.slug
    )
    audit.record(
        organization=organization,
        action=AuditAction.SETTINGS_CHANGED,
        summary=summary,
        target=space,
        changes={name: data[name] for name in SPACE_FIELDS if name in data},
        actor=actor,
    )
    return space


@transaction.atomic
def space_create(*, organization, data, actor=None):
    """A new space (``data``: the form's cleaned fields), last in the order unless placed."""
    if data.get("position") is None:
        last = Space.objects.filter(organization=organization).order_by("-position").first()
        data = {**data, "position": (last.position + 1) if last else 0}
    space = Space(organization=organization)
    return _space_save(organization=organization, space=space, data=data, actor=actor, created=True)


@transaction.atomic
def space_update(*, organization, space, data, actor=None):
    _same_organization(organization, space)
    return _space_save(
        organization=organization, space=space, data=data, actor=actor, created=False
    )


@transaction.atomic
def space_archive(*, organization, space, archived=True, actor=None):
    """Archive a space (no longer listed, no new posts; its questions stay readable by their
    links) or bring it back."""
    _same_organization(organization, space)
    Space.objects.filter(organization=organization, pk=space.pk).update(is_archived=archived)
    space.is_archived = archived
    audit.record(
        organization=organization,
        action=AuditAction.SETTINGS_CHANGED,
        summary=("Community space archived: %s" if archived else "Community space restored: %s")
        % space.slug,
        target=space,
        changes={"is_archived": archived},
        actor=actor,
    )
    return space
