"""The moderators' actions and the public "report this post": each one atomic, each one in the
audit trail (``community.moderation``, with the post's kind and id; never the text or who the
author is). Posts are questions, answers, comments and ideas (``kind``); which ones a staff
member may act on is decided by ``community.selectors.moderation`` before these run.

Counters that publishing sets (a question's answers, a member's approved posts) follow a hidden
or restored post, so a hidden answer no longer counts and a hidden accepted answer is no longer
the accepted one.
"""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Max, Min
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from community.models import (
    Answer,
    Comment,
    CommunitySettings,
    Follow,
    Member,
    MemberStatus,
    PostStatus,
    Question,
    Report,
)
from community.selectors.moderation import (
    MODEL,
    REPORTS_TO_HIDE,
    forget_dashboard_figures,
    open_reports_for,
    status_field,
)
from stakeholders import audit
from stakeholders.models import AuditAction

# One audit action for every moderation step (``changes["step"]`` says which).
MODERATION = AuditAction.COMMUNITY_MODERATION


def _record(*, organization, step, summary, target, **changes):
    audit.record(
        organization=organization,
        action=MODERATION,
        summary=summary,
        target=target,
        changes={"step": step, **changes},
    )


def _locked(kind, post):
    """The post's row, locked for this transaction (two moderators at once act once). An
    answer's question is locked first, in the order every writer of answers locks."""
    if kind == "answer":
        Question.objects.select_for_update().filter(
            organization=post.organization, pk=post.question_id
        ).first()
    return MODEL[kind].objects.select_for_update().get(organization=post.organization, pk=post.pk)


def _status(kind, post):
    return getattr(post, status_field(kind))


def _set_status(kind, post, status, *, hold_reason=None):
    setattr(post, status_field(kind), status)
    fields = [status_field(kind)]
    if hold_reason is not None:
        post.hold_reason = hold_reason[:200]
        fields.append("hold_reason")
    post.save(update_fields=fields)


def _recount_answers(question):
    """A question's answer counters from its published answers (after one is hidden, shown
    again or moved here)."""
    published = Answer.objects.filter(
        organization=question.organization, question=question, status=PostStatus.PUBLISHED
    )
    figures = published.aggregate(first=Min("created_at"), latest=Max("created_at"))
    question.answer_count = published.count()
    question.first_answer_at = figures["first"]
    if figures["latest"] and figures["latest"] > question.last_activity_at:
        question.last_activity_at = figures["latest"]
    accepted = question.accepted_answer_id
    if accepted and not published.filter(pk=accepted).exists():
        _unaccept(question, accepted)
    question.save(
        update_fields=["answer_count", "first_answer_at", "last_activity_at", "accepted_answer"]
    )


def _unaccept(question, answer_id):
    """Take the accepted mark off an answer (hidden, or moved under a question that has its
    own), with the reputation it gave back as the questions' own accepting does."""
    from community.services.questions import set_accepted

    set_accepted(question.organization, question, answer_id, False)
    question.accepted_answer = None


def _visibility_changed(kind, post):
    if kind == "answer":
        question = Question.objects.select_for_update().get(
            organization=post.organization, pk=post.question_id
        )
        _recount_answers(question)


def _resolve_open_reports(*, organization, user, kind, post, resolution):
    return open_reports_for(organization=organization, kind=kind, post=post).update(
        resolved_at=timezone.now(), resolved_by=user, resolution=resolution[:300]
    )


# --- Approve, reject, hide -----------------------------------------------------------------------


@transaction.atomic
def approve(*, organization, user, kind, post):
    """Publish a post that waited: questions, answers and ideas through their own publishing
    (counters, the author's approved posts, followers told); comments here."""
    post = _locked(kind, post)
    if _status(kind, post) != PostStatus.PENDING:
        raise ValidationError(_("This post is not waiting for approval any more."))
    if kind == "question":
        from community.services.questions import publish_question

        publish_question(organization=organization, question=post)
    elif kind == "answer":
        from community.services.questions import publish_answer

        publish_answer(organization=organization, answer=post)
    elif kind == "idea":
        from community.services.ideas import idea_publish

        idea_publish(organization=organization, idea=post)
    else:
        _set_status(kind, post, PostStatus.PUBLISHED, hold_reason="")
        Member.objects.filter(organization=organization, pk=post.author_id).update(
            approved_posts=F("approved_posts") + 1
        )
    _record(
        organization=organization,
        step="approve",
        summary=f"Community: {kind} #{post.pk} approved",
        target=post,
        kind=kind,
    )
    return post


@transaction.atomic
def hide(*, organization, user, kind, post, reason):
    """Reject a waiting post or hide a published one, with the reason kept on the post; its
    open reports are resolved with it. A post its reports hid is kept hidden so (the
    moderator agrees with the reporters)."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why, for the other moderators.")})
    post = _locked(kind, post)
    before = _status(kind, post)
    resolved = _resolve_open_reports(
        organization=organization, user=user, kind=kind, post=post, resolution=reason
    )
    if before == PostStatus.HIDDEN and not resolved:
        raise ValidationError(_("This post is hidden already."))
    _set_status(kind, post, PostStatus.HIDDEN, hold_reason=reason)
    if before == PostStatus.PUBLISHED:
        _visibility_changed(kind, post)
    step = {PostStatus.PENDING: "reject", PostStatus.HIDDEN: "keep_hidden"}.get(before, "hide")
    _record(
        organization=organization,
        step=step,
        summary=f"Community: {kind} #{post.pk} {'rejected' if step == 'reject' else 'hidden'}",
        target=post,
        kind=kind,
        reason=reason,
        reports_resolved=resolved,
    )
    return post


@transaction.atomic
def dismiss_reports(*, organization, user, kind, post, note=""):
    """The reports were unfounded: resolve them, and show the post again if the reports had
    hidden it."""
    post = _locked(kind, post)
    reports = list(open_reports_for(organization=organization, kind=kind, post=post))
    if not reports:
        raise ValidationError(_("This post has no open reports."))
    resolution = (note or "").strip() or _("Kept: the post follows the community's rules.")
    _resolve_open_reports(
        organization=organization, user=user, kind=kind, post=post, resolution=resolution
    )
    restored = False
    # A hidden post with open reports was hidden by them: a moderator's hiding resolves them.
    if _status(kind, post) == PostStatus.HIDDEN:
        _set_status(kind, post, PostStatus.PUBLISHED, hold_reason="")
        _visibility_changed(kind, post)
        restored = True
    _record(
        organization=organization,
        step="dismiss_reports",
        summary=f"Community: reports on {kind} #{post.pk} dismissed",
        target=post,
        kind=kind,
        reports_resolved=len(reports),
        shown_again=restored,
    )
    return post


# --- Edit, lock, move, merge ---------------------------------------------------------------------


@transaction.atomic
def edit(*, organization, user, kind, post, body, reason, title=None):
    """Change a question's or an answer's words; what it said before is kept as a Revision
    with the reason."""
    from community.models import Revision

    if kind not in ("question", "answer"):
        raise ValidationError(_("Only questions and answers can be edited."))
    reason = (reason or "").strip()
    errors = {}
    if not reason:
        errors["reason"] = _("Say why, for the author and the other moderators.")
    if not (body or "").strip():
        errors["body"] = _("The text can't be empty.")
    if kind == "question" and not (title or "").strip():
        errors["title"] = _("The title can't be empty.")
    if errors:
        raise ValidationError(errors)
    post = _locked(kind, post)
    Revision.objects.create(
        organization=organization,
        **{kind: post},
        title=getattr(post, "title", ""),
        body=post.body,
        reason=reason[:300],
        editor=user,
    )
    post.body = body.strip()
    fields = ["body", "edited_at"]
    if kind == "question":
        post.title = title.strip()[:200]
        fields.append("title")
    post.edited_at = timezone.now()
    post.save(update_fields=fields)
    if kind == "question":
        _reindex(organization=organization, question=post)
    _record(
        organization=organization,
        step="edit",
        summary=f"Community: {kind} #{post.pk} edited",
        target=post,
        kind=kind,
        reason=reason,
    )
    return post


def _reindex(*, organization, question):
    """Keep the question's search in step with its new words (the questions' own indexing)."""
    from community.services.questions import question_index

    question_index(organization=organization, question_ids=[question.pk])


@transaction.atomic
def set_locked(*, organization, user, question, locked):
    """A locked question takes no new answers or comments (a heated or finished thread)."""
    question = _locked("question", question)
    if question.is_locked == locked:
        return question
    question.is_locked = locked
    question.save(update_fields=["is_locked"])
    _record(
        organization=organization,
        step="lock" if locked else "unlock",
        summary=f"Community: question #{question.pk} {'locked' if locked else 'unlocked'}",
        target=question,
        kind="question",
    )
    return question


@transaction.atomic
def move(*, organization, user, question, space):
    """Put a question in the space where it belongs (``space`` checked by the caller to be
    one the moderator moderates)."""
    if space.organization_id != organization.pk:
        raise ValidationError({"space": _("Choose one of the community's spaces.")})
    question = _locked("question", question)
    if question.space_id == space.pk:
        raise ValidationError({"space": _("The question is in this space already.")})
    before = question.space_id
    question.space = space
    question.save(update_fields=["space"])
    _record(
        organization=organization,
        step="move",
        summary=f"Community: question #{question.pk} moved",
        target=question,
        kind="question",
        from_space=before,
        to_space=space.pk,
    )
    return question


@transaction.atomic
def merge(*, organization, user, duplicate, target):
    """Fold a duplicate question into ``target``: its answers and comments move there, its
    followers follow ``target``, and the duplicate's page sends readers on to ``target``.
    ``target`` keeps its accepted answer if it has one."""
    if target.organization_id != organization.pk:
        raise ValidationError({"target": _("Choose a question of this community.")})
    if duplicate.pk == target.pk:
        raise ValidationError({"target": _("A question can't be merged into itself.")})
    first, second = sorted([duplicate.pk, target.pk])
    rows = {
        row.pk: row
        for row in Question.objects.select_for_update()
        .filter(organization=organization, pk__in=[first, second])
        .order_by("pk")
    }
    duplicate, target = rows[duplicate.pk], rows[target.pk]
    if duplicate.merged_into_id:
        raise ValidationError(_("This question was merged already."))
    if target.merged_into_id:
        raise ValidationError({"target": _("That question was itself merged into another.")})
    if target.status != PostStatus.PUBLISHED:
        raise ValidationError({"target": _("Choose a published question.")})
    answers = Answer.objects.filter(organization=organization, question=duplicate)
    moved_ids = list(answers.values_list("pk", flat=True))
    if target.accepted_answer_id and duplicate.accepted_answer_id:
        _unaccept(duplicate, duplicate.accepted_answer_id)
    elif duplicate.accepted_answer_id:
        target.accepted_answer_id = duplicate.accepted_answer_id
    answers.update(question=target)
    Comment.objects.filter(organization=organization, question=duplicate).update(question=target)
    already = set(
        Follow.objects.filter(organization=organization, question=target).values_list(
            "member_id", flat=True
        )
    )
    followers = Follow.objects.filter(organization=organization, question=duplicate)
    carried = followers.exclude(member_id__in=already).update(question=target)
    followers.delete()
    target.last_activity_at = max(target.last_activity_at, duplicate.last_activity_at)
    target.save(update_fields=["accepted_answer", "last_activity_at"])
    _recount_answers(target)
    duplicate.merged_into = target
    duplicate.accepted_answer = None
    duplicate.answer_count = 0
    duplicate.first_answer_at = None
    duplicate.is_locked = True
    duplicate.save(
        update_fields=[
            "merged_into",
            "accepted_answer",
            "answer_count",
            "first_answer_at",
            "is_locked",
        ]
    )
    _record(
        organization=organization,
        step="merge",
        summary=f"Community: question #{duplicate.pk} merged into #{target.pk}",
        target=duplicate,
        kind="question",
        into=target.pk,
        answers_moved=len(moved_ids),
        followers_carried=carried,
    )
    return target


# --- Members -------------------------------------------------------------------------------------


@transaction.atomic
def block_member(*, organization, user, member, reason):
    """A blocked member can't sign in or post, and what they had waiting is hidden."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why, for the other moderators.")})
    member = Member.objects.select_for_update().get(organization=organization, pk=member.pk)
    if member.is_expert:
        raise ValidationError(_("Staff can't be blocked here; change their role instead."))
    if member.status == MemberStatus.BLOCKED:
        raise ValidationError(_("This member is blocked already."))
    member.status = MemberStatus.BLOCKED
    member.blocked_reason = reason[:300]
    member.save(update_fields=["status", "blocked_reason"])
    hidden = 0
    note = _("The author was blocked.")[:200]
    for kind, model in MODEL.items():
        field_name = status_field(kind)
        hidden += model.objects.filter(
            organization=organization, author=member, **{field_name: PostStatus.PENDING}
        ).update(**{field_name: PostStatus.HIDDEN, "hold_reason": note})
    _record(
        organization=organization,
        step="block",
        summary=f"Community: member #{member.pk} blocked",
        target=member,
        reason=reason,
        pending_hidden=hidden,
    )
    return member


@transaction.atomic
def unblock_member(*, organization, user, member):
    member = Member.objects.select_for_update().get(organization=organization, pk=member.pk)
    if member.status != MemberStatus.BLOCKED:
        raise ValidationError(_("This member is not blocked."))
    member.status = MemberStatus.ACTIVE if member.confirmed_at else MemberStatus.PENDING
    member.blocked_reason = ""
    member.save(update_fields=["status", "blocked_reason"])
    _record(
        organization=organization,
        step="unblock",
        summary=f"Community: member #{member.pk} unblocked",
        target=member,
    )
    return member


# --- Reports -------------------------------------------------------------------------------------


def reporter_key(*, member=None, address=None):
    """Who reported, for counting each person once: the member, else a keyed hash of the
    visitor's network address (the address itself is never kept)."""
    if member is not None:
        return f"m:{member.pk}"
    digest = salted_hmac("community.report", address or "unknown", algorithm="sha256")
    return f"v:{digest.hexdigest()[:40]}"


def report_post(*, organization, kind, post, reason, member=None, address=None):
    """Flag a published post. The same person reporting it again changes nothing; a post that
    ``REPORTS_TO_HIDE`` people reported is hidden until a moderator looks. Returns whether
    this report was new."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Tell the moderators what is wrong.")})
    if _status(kind, post) != PostStatus.PUBLISHED:
        raise ValidationError(_("This post can't be reported."))
    if member is not None and post.author_id == member.pk:
        raise ValidationError(_("You can't report your own post."))
    key = reporter_key(member=member, address=address)
    with transaction.atomic():
        try:
            with transaction.atomic():
                Report.objects.create(
                    organization=organization,
                    member=member,
                    reporter_key=key,
                    reason=reason[:300],
                    **{kind: post},
                )
        except IntegrityError:
            return False
        post = _locked(kind, post)
        reports = open_reports_for(organization=organization, kind=kind, post=post).count()
        if reports >= REPORTS_TO_HIDE and _status(kind, post) == PostStatus.PUBLISHED:
            _set_status(kind, post, PostStatus.HIDDEN, hold_reason=_("Reported by several people"))
            _visibility_changed(kind, post)
            _record(
                organization=organization,
                step="auto_hide",
                summary=f"Community: {kind} #{post.pk} hidden after {reports} reports",
                target=post,
                kind=kind,
                reports=reports,
            )
    return True


# --- Settings ------------------------------------------------------------------------------------

SETTINGS_FIELDS = ("enabled", "approve_first_posts", "held_words", "posts_per_hour")


@transaction.atomic
def update_settings(*, organization, user, data):
    """The community's rules (admins): open or closed, how many first posts wait, the held
    words, the posts per member per hour."""
    row, _created = CommunitySettings.objects.select_for_update().get_or_create(
        organization=organization
    )
    if "held_words" in data:
        words = [line.strip() for line in data["held_words"].splitlines() if line.strip()]
        data = {**data, "held_words": "\n".join(dict.fromkeys(words))}
    changed = {
        name: {"from": getattr(row, name), "to": data[name]}
        for name in SETTINGS_FIELDS
        if name in data and getattr(row, name) != data[name]
    }
    if not changed:
        return row
    for name in changed:
        setattr(row, name, data[name])
    row.save(update_fields=list(changed))
    if "enabled" in changed:  # the dashboard card shows or goes at once
        transaction.on_commit(lambda: forget_dashboard_figures(organization=organization))
    audit.record(
        organization=organization,
        action=AuditAction.SETTINGS_CHANGED,
        summary="Community settings changed",
        target=row,
        # the held words are the organization's own list: say that it changed, not the words
        changes={
            name: ({"changed": True} if name == "held_words" else values)
            for name, values in changed.items()
        },
    )
    return row
