"""Joining the community, signing in by single-use links, a member's own settings, leaving,
and what the core's merge/erase/export asks of members (see ``community.selectors.members``
for who is at a page).

Joining is double opt-in: the form keeps a *pending* member (its display name reserved) and
emails a link; only the link's POST makes the member active, finds or creates their contact by
email and signs them in. The pages answer the same whether or not an address is known: what
differs (a confirmation, a sign-in link, nothing for a blocked member) happens in a task.
"""

import logging
import re
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from community.models import (
    Answer,
    Comment,
    Follow,
    Idea,
    IdeaVote,
    Member,
    MemberStatus,
    PostStatus,
    Question,
    Report,
    SessionReminder,
    Vote,
)
from community.selectors.members import MEMBER_SESSION
from stakeholders import branding, sending
from stakeholders import selectors as stakeholder_selectors
from stakeholders import services as stakeholder_services
from stakeholders.languages import reading_as, supported
from stakeholders.models import ConsentChannel
from stakeholders.sending import Transactional
from stakeholders.tenancy import links

logger = logging.getLogger(__name__)

JOIN_SALT = "steward.community.join"
ENTER_SALT = "steward.community.enter"
JOIN_AGE = timedelta(days=7)
ENTER_AGE = timedelta(minutes=30)
DISPLAY_NAME = re.compile(r"^[\w .'’-]+$")


# --- The session ---------------------------------------------------------------------------


def sign_in(request, member):
    """Bind ``member`` to this browser's session, for this organization only."""
    bound = dict(request.session.get(MEMBER_SESSION, {}))
    bound[str(request.organization.pk)] = member.pk
    request.session[MEMBER_SESSION] = bound
    request.session.cycle_key()
    Member.objects.filter(pk=member.pk).update(last_seen_at=timezone.now())
    request._community_member = member


def sign_out(request):
    bound = dict(request.session.get(MEMBER_SESSION, {}))
    bound.pop(str(request.organization.pk), None)
    request.session[MEMBER_SESSION] = bound
    if hasattr(request, "_community_member"):
        del request._community_member


def _staff_display_name(user):
    return (user.get_full_name() or user.email.split("@")[0])[:40]


def staff_member(*, organization, user):
    """The expert member of a staff user (made on first use): staff post under their name,
    with the expert badge, and never wait for moderation."""
    member = Member.objects.filter(user=user).first()
    if member is not None:
        return member
    name = _staff_display_name(user)
    for attempt in range(20):
        candidate = name if attempt == 0 else f"{name[:36]} {attempt + 1}"
        try:
            with transaction.atomic():
                return Member.objects.create(
                    organization=organization,
                    user=user,
                    email=user.email,
                    display_name=candidate,
                    status=MemberStatus.ACTIVE,
                    confirmed_at=timezone.now(),
                )
        except IntegrityError:
            member = Member.objects.filter(user=user).first()
            if member is not None:
                return member
    raise RuntimeError("no free display name")


# --- Display names ---------------------------------------------------------------------------


def display_name_clean(value):
    """A display name as kept: spaces collapsed; letters of any script, digits, spaces and
    . ' - only (no addresses or links: it is shown to everyone)."""
    name = " ".join((value or "").split())
    if len(name) < 3:
        raise ValidationError({"display_name": _("Use at least 3 characters.")})
    if len(name) > 40:
        raise ValidationError({"display_name": _("Use at most 40 characters.")})
    if not DISPLAY_NAME.match(name):
        raise ValidationError({"display_name": _("Use letters, numbers, spaces and . ' - only.")})
    return name


def _check_name_free(*, organization, display_name, member=None):
    taken = Member.objects.filter(organization=organization, display_name__iexact=display_name)
    if member is not None:
        taken = taken.exclude(pk=member.pk)
    if taken.exists():
        raise ValidationError(
            {"display_name": _("Someone already uses this display name. Please choose another.")}
        )


# --- Joining (double opt-in) -------------------------------------------------------------------


def join_request(*, organization, email, display_name, language=""):
    """Someone asked to join with ``email``: keep a pending member (reserving the display name)
    and have the right email sent — a confirmation link to a new address, a sign-in link to a
    member's, nothing to a blocked one. Raises ValidationError only for the display name, which
    is public anyway: the caller learns nothing about the address."""
    from community import tasks

    email = (email or "").strip().lower()
    display_name = display_name_clean(display_name)
    try:
        with transaction.atomic():
            member = (
                Member.objects.select_for_update()
                .filter(organization=organization, email__iexact=email)
                .first()
            )
            # Only a pending member may take their own name again; a member's name typed with
            # their address is "taken" as for anyone, so the answer never ties the two.
            own = member if member is not None and member.status == MemberStatus.PENDING else None
            _check_name_free(organization=organization, display_name=display_name, member=own)
            if member is None:
                member = Member.objects.create(
                    organization=organization,
                    email=email,
                    display_name=display_name,
                    status=MemberStatus.PENDING,
                )
            elif own is not None:
                own.display_name = display_name
                own.joined_at = timezone.now()
                own.save(update_fields=["display_name", "joined_at"])
    except IntegrityError as error:  # a name or an address taken at the same moment
        raise ValidationError(
            {"display_name": _("Someone already uses this display name. Please choose another.")}
        ) from error
    tasks.send_join_email.delay_on_commit(
        organization_id=organization.pk, member_id=member.pk, language=language
    )
    return member


def join_token(*, organization, member):
    return links.sign(organization=organization, salt=JOIN_SALT, single_use=True, m=member.pk)


def _contact_by_email(organization, email):
    """The contact on record with this address (the oldest, as the signup forms match)."""
    return (
        stakeholder_selectors.contacts_active(organization=organization)
        .filter(Q(email=email) | Q(email_alt=email))
        .order_by("pk")
        .first()
    )


def _may_email(organization, member, *, contact=None, transactional=Transactional.ASKED):
    """The core's sending decision for an email to ``member``'s address (a link they asked
    for, or a service they use); an address with no contact yet has no record to ask."""
    contact = contact or member.contact or _contact_by_email(organization, member.email)
    if contact is None:
        return True
    return sending.decide(
        organization=organization,
        contact=contact,
        channel=ConsentChannel.EMAIL,
        transactional=transactional,
        address=member.email,
    ).allowed


def _send(*, organization, member, subject, template, context, language=""):
    with reading_as(organization=organization, contact=member.contact, language=language):
        message = branding.email_message(
            organization=organization,
            subject=str(subject()),
            body=render_to_string(template, {"organization": organization, **context}),
            to=[member.email],
        )
    message.send()


def join_email_send(*, organization, member_id, language=""):
    """The email a join asks for: the confirmation link to a pending member, a sign-in link to
    an active one (they forgot they joined), nothing to a blocked member or to staff."""
    member = Member.objects.select_related("contact").filter(pk=member_id).first()
    if member is None or member.user_id is not None:
        return False
    if member.status == MemberStatus.PENDING:
        if not _may_email(organization, member):
            return False
        url = links.absolute_url(
            organization=organization,
            url_name="community:join_confirm",
            join_token=join_token(organization=organization, member=member),
        )
        _send(
            organization=organization,
            member=member,
            language=language,
            subject=lambda: (
                _("Confirm your email to join the %(name)s community") % {"name": organization.name}
            ),
            template="community/members/emails/join_confirm.txt",
            context={"member": member, "url": url, "days": JOIN_AGE.days},
        )
        return True
    if member.status == MemberStatus.ACTIVE:
        return sign_in_link_send(organization=organization, email=member.email, joined=True)
    return False


def _join_data(*, organization, token):
    data = links.unsign(organization=organization, token=token, salt=JOIN_SALT, max_age=JOIN_AGE)
    if data is None:
        return None, None
    member = Member.objects.filter(pk=data.get("m"), user__isnull=True).first()
    return data, member


def join_link_check(*, organization, token):
    """(member, used) for a confirmation link; None when forged, expired, another
    organization's, or the member is gone or blocked."""
    data, member = _join_data(organization=organization, token=token)
    if member is None or member.status not in (MemberStatus.PENDING, MemberStatus.ACTIVE):
        return None
    used = member.status != MemberStatus.PENDING or links.is_used(
        organization=organization, data=data
    )
    return member, used


@transaction.atomic
def join_confirm(*, organization, token, language=""):
    """The address is confirmed (the link's POST, once): the member becomes active, tied to the
    contact with that address (a new contact when there is none). None when the link is
    refused or was used."""
    data, member = _join_data(organization=organization, token=token)
    if member is None or not links.use(organization=organization, data=data, max_age=JOIN_AGE):
        return None
    member = Member.objects.select_for_update().get(pk=member.pk)
    if member.status != MemberStatus.PENDING:
        return None
    contact = _contact_by_email(organization, member.email)
    if contact is None:
        contact = stakeholder_services.contact_create(
            organization=organization,
            last_name=member.display_name,
            email=member.email,
            preferred_language=supported(language),
        )
    else:
        other = Member.objects.filter(organization=organization, contact=contact).first()
        if other is not None:  # the person joined before under their other address
            member.delete()
            return other if other.status == MemberStatus.ACTIVE else None
    member.contact = contact
    member.status = MemberStatus.ACTIVE
    member.confirmed_at = member.last_seen_at = timezone.now()
    member.save(update_fields=["contact", "status", "confirmed_at", "last_seen_at"])
    return member


def pending_purge(*, organization, now=None):
    """Joins never confirmed free their display name once their link has long expired."""
    cutoff = (now or timezone.now()) - JOIN_AGE * 2
    deleted, _rows = Member.objects.filter(
        organization=organization, status=MemberStatus.PENDING, joined_at__lt=cutoff
    ).delete()
    return deleted


# --- Signing in by link ------------------------------------------------------------------------


def safe_next(*, organization, path):
    """``path`` when it is one of this organization's community pages, else ""."""
    prefix = f"/o/{organization.slug}/community/"
    path = path or ""
    if path.startswith(prefix) and "//" not in path and "\\" not in path:
        return path[:500]
    return ""


def enter_token(*, organization, member, next_path=""):
    return links.sign(
        organization=organization,
        salt=ENTER_SALT,
        single_use=True,
        m=member.pk,
        x=safe_next(organization=organization, path=next_path),
    )


def sign_in_link_send(*, organization, email, next_path="", language="", joined=False):
    """Email a single-use sign-in link (30 minutes) to an active member with this address; a
    pending one gets their confirmation again. Nothing for anyone else — the page asking for
    it reads the same either way."""
    email = (email or "").strip().lower()
    member = (
        Member.objects.select_related("contact")
        .filter(organization=organization, email__iexact=email, user__isnull=True)
        .first()
        if email
        else None
    )
    if member is None:
        return False
    if member.status == MemberStatus.PENDING and not joined:
        return join_email_send(organization=organization, member_id=member.pk, language=language)
    if member.status != MemberStatus.ACTIVE or not _may_email(organization, member):
        return False
    url = links.absolute_url(
        organization=organization,
        url_name="community:enter",
        sign_in_token=enter_token(organization=organization, member=member, next_path=next_path),
    )
    _send(
        organization=organization,
        member=member,
        language=language,
        subject=lambda: (
            _("Your link to sign in to the %(name)s community") % {"name": organization.name}
        ),
        template="community/members/emails/sign_in.txt",
        context={
            "member": member,
            "url": url,
            "minutes": int(ENTER_AGE.total_seconds() // 60),
            "joined": joined,
        },
    )
    return True


def _enter_data(*, organization, token):
    data = links.unsign(organization=organization, token=token, salt=ENTER_SALT, max_age=ENTER_AGE)
    if data is None:
        return None, None
    member = Member.objects.filter(
        pk=data.get("m"), user__isnull=True, status=MemberStatus.ACTIVE
    ).first()
    return data, member


def sign_in_link_check(*, organization, token):
    """(member, used, next path) for a sign-in link; None when forged, expired, another
    organization's, or the member is blocked or gone."""
    data, member = _enter_data(organization=organization, token=token)
    if member is None:
        return None
    return member, links.is_used(organization=organization, data=data), data.get("x", "")


def sign_in_link_use(*, organization, token):
    """Spend a sign-in link: (member, next path) the first time, None ever after."""
    data, member = _enter_data(organization=organization, token=token)
    if member is None or not links.use(organization=organization, data=data, max_age=ENTER_AGE):
        return None
    return member, safe_next(organization=organization, path=data.get("x", ""))


# --- The member's own settings --------------------------------------------------------------


@transaction.atomic
def profile_update(*, organization, member, display_name, digest):
    """A new display name (checked as at joining) and how they hear about answers. Leaving the
    daily digest drops what waited for it (they chose to hear less, not a flood at once)."""
    display_name = display_name_clean(display_name)
    _check_name_free(organization=organization, display_name=display_name, member=member)
    member = Member.objects.select_for_update().get(organization=organization, pk=member.pk)
    if member.digest and not digest:
        Follow.objects.filter(organization=organization, member=member).update(digest_answer_ids=[])
    member.display_name, member.digest = display_name, digest
    try:
        with transaction.atomic():
            member.save(update_fields=["display_name", "digest"])
    except IntegrityError as error:
        raise ValidationError(
            {"display_name": _("Someone already uses this display name. Please choose another.")}
        ) from error
    return member


def follow_remove(*, organization, member, follow_id):
    """Stop following a question (only one's own follow; another's id changes nothing)."""
    deleted, _rows = Follow.objects.filter(
        organization=organization, member=member, pk=follow_id
    ).delete()
    return bool(deleted)


def _anonymise(*, organization, member):
    """What is left of a member who left or was erased: their posts, under "Former member";
    their address, display name, follows and reminders go, and posts still waiting for a
    moderator are hidden (nobody will answer for them)."""
    for model in (Question, Answer, Comment):
        model.objects.filter(
            organization=organization, author=member, status=PostStatus.PENDING
        ).update(status=PostStatus.HIDDEN)
    Idea.objects.filter(
        organization=organization, author=member, moderation=PostStatus.PENDING
    ).update(moderation=PostStatus.HIDDEN)
    Follow.objects.filter(organization=organization, member=member).delete()
    SessionReminder.objects.filter(organization=organization, member=member).delete()
    Member.objects.filter(organization=organization, pk=member.pk).update(
        status=MemberStatus.LEFT,
        contact=None,
        email=f"former-{member.pk}@members.invalid",
        display_name=f"former-{member.pk}",
        digest=False,
        blocked_reason="",
        last_seen_at=None,
    )


@transaction.atomic
def member_leave(*, organization, member):
    """The member leaves: anonymised at once (their posts stay, as a former member's)."""
    if member.user_id is not None:
        raise ValidationError(_("Staff experts leave with their Steward account."))
    _anonymise(organization=organization, member=member)
    logger.info("community member %s of organization %s left", member.pk, organization.pk)


# --- The core's contact hooks ----------------------------------------------------------------


def merge_members(*, organization, keep, remove):
    """The kept contact gets the removed one's membership; when both had one, the removed
    member's posts, votes, follows and reports move to the kept member (a vote or a follow both
    had stays once) and the removed member goes."""
    gone = Member.objects.filter(organization=organization, contact=remove).first()
    if gone is None:
        return
    kept = Member.objects.filter(organization=organization, contact=keep).first()
    if kept is None:
        gone.contact = keep
        gone.save(update_fields=["contact"])
        return
    for model in (Question, Answer, Comment, Idea):
        model.objects.filter(organization=organization, author=gone).update(author=kept)
    Report.objects.filter(organization=organization, member=gone).update(member=kept)
    for model, keys in (
        (Vote, ("question_id", "answer_id")),
        (Follow, ("question_id",)),
        (IdeaVote, ("idea_id",)),
        (SessionReminder, ("session_id",)),
    ):
        for key in keys:
            had = model.objects.filter(
                organization=organization, member=kept, **{f"{key}__isnull": False}
            ).values(key)
            model.objects.filter(
                organization=organization, member=gone, **{f"{key}__in": had}
            ).delete()
        model.objects.filter(organization=organization, member=gone).update(member=kept)
    kept.reputation += gone.reputation
    kept.approved_posts += gone.approved_posts
    if gone.status == MemberStatus.BLOCKED:  # a block is kept: it protects the others
        kept.status, kept.blocked_reason = MemberStatus.BLOCKED, gone.blocked_reason
    kept.save(update_fields=["reputation", "approved_posts", "status", "blocked_reason"])
    gone.delete()


def erase_members(*, organization, contact):
    """Right to erasure: the member is anonymised as if they had left."""
    for member in Member.objects.filter(organization=organization, contact=contact):
        _anonymise(organization=organization, member=member)


def export_members(*, organization, contact):
    member = Member.objects.filter(organization=organization, contact=contact).first()
    if member is None:
        return {}
    return {
        "community_member": {
            "display_name": member.display_name,
            "email": member.email,
            "status": member.status,
            "joined_at": member.joined_at,
            "confirmed_at": member.confirmed_at,
            "reputation": member.reputation,
            "daily_digest": member.digest,
        },
        "community_questions": list(
            Question.objects.filter(organization=organization, author=member).values(
                "title", "body", "tags", "status", "created_at"
            )
        ),
        "community_answers": list(
            Answer.objects.filter(organization=organization, author=member).values(
                "question__title", "body", "status", "created_at"
            )
        ),
        "community_comments": list(
            Comment.objects.filter(organization=organization, author=member).values(
                "body", "status", "created_at"
            )
        ),
        "community_ideas": list(
            Idea.objects.filter(organization=organization, author=member).values(
                "title", "body", "status", "created_at"
            )
        ),
        "community_follows": list(
            Follow.objects.filter(organization=organization, member=member).values(
                "question__title", "created_at"
            )
        ),
    }
