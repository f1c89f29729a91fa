"""Ideas members propose and vote on, and the status staff give them ("planned", with a note).

A new idea goes through the same holds as a question (``community.services.holds``); a vote is
a toggle, one per member, and ``vote_count`` is kept here under the idea's row lock. When staff
move an idea to "planned" or "done", its author and voters hear it once (a Celery task that
marks ``notified_status`` before it sends, so a rerun sends nothing twice)."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import get_connection
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from community.models import Idea, IdeaStatus, IdeaVote, Member, MemberStatus, PostStatus
from community.services.holds import hold_reasons
from stakeholders import audit, branding, sending
from stakeholders.languages import reading_as
from stakeholders.models import AuditAction, ConsentChannel, Role

AUDIT_ACTION = AuditAction.COMMUNITY_IDEA
NOTIFIED_STATUSES = (IdeaStatus.PLANNED, IdeaStatus.DONE)

# Who manages them on the pages and in the API.
IDEA_ROLES = (Role.ADMIN, Role.CASEWORKER, Role.VOLUNTEER_COORDINATOR, Role.FUNDRAISER)


@transaction.atomic
def idea_propose(*, organization, space, member, title, body):
    """A new idea: published at once, or held for a moderator with the reasons."""
    title, body = title.strip(), body.strip()
    errors = {}
    if not title:
        errors["title"] = _("Give your idea a short title.")
    if not body:
        errors["body"] = _("Say what you propose and why it would help.")
    if errors:
        raise ValidationError(errors)
    reasons = hold_reasons(organization=organization, member=member, text=f"{title}\n{body}")
    idea = Idea.objects.create(
        organization=organization,
        space=space,
        author=member,
        title=title[:200],
        body=body,
        moderation=PostStatus.PENDING if reasons else PostStatus.PUBLISHED,
        hold_reason="; ".join(reasons)[:200],
    )
    if not reasons:
        _count_approved(member)
    return idea


def _count_approved(member):
    Member.objects.filter(pk=member.pk).update(approved_posts=F("approved_posts") + 1)


@transaction.atomic
def idea_publish(*, organization, idea):
    """A held idea let through by a moderator (its author's approved posts count up)."""
    updated = Idea.objects.filter(
        organization=organization, pk=idea.pk, moderation=PostStatus.PENDING
    ).update(moderation=PostStatus.PUBLISHED, hold_reason="")
    if updated:
        _count_approved(idea.author)
        idea.moderation = PostStatus.PUBLISHED
    return idea


@transaction.atomic
def idea_vote_toggle(*, organization, idea, member):
    """Vote for ``idea``, or take the vote back: returns whether the member now votes for it.
    The idea's row is locked, so two clicks at once count once."""
    locked = (
        Idea.objects.select_for_update()
        .filter(organization=organization, pk=idea.pk, moderation=PostStatus.PUBLISHED)
        .first()
    )
    if locked is None:
        raise ValidationError(_("This idea can't be voted on."))
    removed, _kinds = IdeaVote.objects.filter(
        organization=organization, idea=locked, member=member
    ).delete()
    if removed:
        Idea.objects.filter(pk=locked.pk).update(vote_count=F("vote_count") - 1)
        return False
    try:
        with transaction.atomic():
            IdeaVote.objects.create(organization=organization, idea=locked, member=member)
    except IntegrityError:
        return True
    Idea.objects.filter(pk=locked.pk).update(vote_count=F("vote_count") + 1)
    return True


@transaction.atomic
def idea_set_status(*, organization, idea, status, note, actor):
    """Staff's answer to an idea: its status and a note everyone sees. Moving it to planned or
    done emails its author and voters once (after commit)."""
    if status not in IdeaStatus.values:
        raise ValidationError({"status": _("Choose a valid status.")})
    before = {"status": idea.status, "note": idea.staff_note}
    changed = status != idea.status
    idea.status, idea.staff_note = status, note.strip()
    if changed:
        idea.status_changed_at = timezone.now()
    idea.save(update_fields=["status", "staff_note", "status_changed_at"])
    audit.record(
        organization=organization,
        action=AUDIT_ACTION,
        summary=_("Idea “%(title)s”: %(status)s")
        % {
            "title": idea.title[:200],
            "status": idea.get_status_display(),
        },
        target=idea,
        changes={"before": before, "after": {"status": status, "note": idea.staff_note}},
        actor=actor,
    )
    if changed and status in NOTIFIED_STATUSES:
        from community import tasks

        tasks.send_idea_status.delay_on_commit(organization_id=organization.pk, idea_id=idea.pk)
    return idea


def idea_status_send(*, organization, idea_id):
    """Email the author and voters of an idea that became planned or done, once per status:
    the idea is marked under its row lock first, so a second run finds nothing to do. Each
    person gets the email in their language if the core's sending rules allow (part of the
    service they use: do-not-contact, erasure and suppressions stop it). Returns how many went."""
    with transaction.atomic():
        idea = (
            Idea.objects.select_for_update()
            .filter(organization=organization, pk=idea_id)
            .select_related("space")
            .first()
        )
        if (
            idea is None
            or idea.status not in NOTIFIED_STATUSES
            or idea.notified_status == idea.status
        ):
            return 0
        idea.notified_status = idea.status
        idea.save(update_fields=["notified_status"])
    voter_ids = IdeaVote.objects.filter(organization=organization, idea=idea).values("member_id")
    members = Member.objects.filter(
        Q(pk__in=voter_ids) | Q(pk=idea.author_id),
        organization=organization,
        contact__isnull=False,
        status=MemberStatus.ACTIVE,
    ).select_related("contact")
    url = idea_url(organization=organization, idea=idea)
    messages = []
    for member in members:
        contact = member.contact
        if not sending.decide(
            organization=organization,
            contact=contact,
            channel=ConsentChannel.EMAIL,
            transactional=sending.Transactional.SERVICE,
            address=member.email,
        ):
            continue
        with reading_as(organization=organization, contact=contact):
            subject = (
                _("Your idea is planned: %(title)s")
                if idea.status == IdeaStatus.PLANNED
                else _("Done: %(title)s")
            ) % {"title": idea.title}
            body = render_to_string(
                "community/ideas_status_email.txt",
                {
                    "organization": organization,
                    "idea": idea,
                    "member": member,
                    "is_author": member.pk == idea.author_id,
                    "url": url,
                },
            )
            messages.append(
                branding.email_message(
                    organization=organization, subject=subject, body=body, to=[member.email]
                )
            )
    if not messages:
        return 0
    return get_connection().send_messages(messages) or 0


def idea_url(*, organization, idea):
    return settings.SITE_URL.rstrip("/") + reverse(
        "community:idea",
        kwargs={"org_slug": organization.slug, "space_slug": idea.space.slug, "idea_id": idea.pk},
    )
