"""Emails to the followers of a question when an answer is published: one email per answer to
those who chose instant emails, one email a day (the digest) to the others.

Each email passes the core's sending decision (a service they use: do-not-contact, an erased
or merged record and a bounced or complained-about address stop it) and carries a one-click
unsubscribe (RFC 8058: ``List-Unsubscribe`` + ``List-Unsubscribe-Post``) that stops following
the question(s) it is about.

The digest is kept in the database, not the queue: publishing an answer appends its id to each
digest follower's ``Follow.digest_answer_ids``; the digest takes them under a row lock, sends
one email and empties them with ``digested_until`` set, in the same transaction — so a rerun,
or two workers at once, never sends twice, and a member gets one digest a day at most.
"""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.core.mail import get_connection
from django.db import transaction
from django.db.models import F, Func, Q, Value
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from community.models import Answer, Follow, Member, MemberStatus, PostStatus
from stakeholders import branding, sending
from stakeholders.languages import reading_as
from stakeholders.models import ConsentChannel
from stakeholders.sending import Transactional
from stakeholders.tenancy import links

UNSUBSCRIBE_SALT = "steward.community.unsubscribe"
UNSUBSCRIBE_AGE = timedelta(days=365)
DIGEST_HOUR = 7  # the organization's local time: a morning email
EXCERPT = 600


# --- One-click unsubscribe --------------------------------------------------------------------


def unsubscribe_token(*, organization, follows):
    return links.sign(organization=organization, salt=UNSUBSCRIBE_SALT, f=[f.pk for f in follows])


def unsubscribe_url(*, organization, follows):
    return links.absolute_url(
        organization=organization,
        url_name="community:unsubscribe",
        unsubscribe_token=unsubscribe_token(organization=organization, follows=follows),
    )


def follows_from_token(*, organization, token):
    """The follows an unsubscribe link names that still exist (a list, maybe empty); None when
    the link is forged, too old or another organization's."""
    data = links.unsign(
        organization=organization, token=token, salt=UNSUBSCRIBE_SALT, max_age=UNSUBSCRIBE_AGE
    )
    if data is None or not isinstance(data.get("f"), list):
        return None
    ids = [pk for pk in data["f"] if isinstance(pk, int)]
    return list(
        Follow.objects.filter(organization=organization, pk__in=ids)
        .select_related("question")
        .order_by("pk")
    )


def unsubscribe(*, organization, token):
    """Stop following what the link names. Idempotent (a second POST, from a mail client and
    from the person, finds nothing left); None for a refused link."""
    follows = follows_from_token(organization=organization, token=token)
    if follows is None:
        return None
    Follow.objects.filter(organization=organization, pk__in=[f.pk for f in follows]).delete()
    return follows


# --- Sending ------------------------------------------------------------------------------------


def _may_email(organization, member):
    """Staff experts are emailed as staff; a stakeholder through the core's decision."""
    if member.status != MemberStatus.ACTIVE:
        return False
    if member.user_id is not None:
        return member.user.is_active and bool(member.email)
    if member.contact is None:
        return False
    return sending.decide(
        organization=organization,
        contact=member.contact,
        channel=ConsentChannel.EMAIL,
        transactional=Transactional.SERVICE,
        address=member.email,
    ).allowed


def _question_url(organization, question):
    return links.absolute_url(
        organization=organization, url_name="community:question", question_id=question.pk
    )


def _profile_url(organization):
    return links.absolute_url(organization=organization, url_name="community:profile")


def _message(*, organization, member, follows, subject, template, context):
    link = unsubscribe_url(organization=organization, follows=follows)
    reader = {"user": member.user} if member.user_id else {"contact": member.contact}
    with reading_as(organization=organization, **reader):
        return branding.email_message(
            organization=organization,
            subject=str(subject()),
            body=render_to_string(
                template,
                {
                    "organization": organization,
                    "member": member,
                    "unsubscribe_url": link,
                    "profile_url": _profile_url(organization),
                    **context,
                },
            ),
            to=[member.email],
            headers={
                "List-Unsubscribe": f"<{link}>",
                "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            },
        )


def _followers(organization, **filters):
    return (
        Follow.objects.filter(
            organization=organization, member__status=MemberStatus.ACTIVE, **filters
        )
        .select_related("member", "member__contact", "member__user")
        .order_by("pk")
    )


def notify_followers(*, organization, answer):
    """An answer was published (called once its transaction committed): queue it for the
    digest followers, and have the instant followers emailed by a task. The answer's author
    hears nothing of their own answer. Calling it twice queues the answer once."""
    from community import tasks

    Follow.objects.filter(
        organization=organization,
        question_id=answer.question_id,
        member__digest=True,
        member__status=MemberStatus.ACTIVE,
    ).exclude(member_id=answer.author_id).exclude(digest_answer_ids__contains=[answer.pk]).update(
        digest_answer_ids=Func(F("digest_answer_ids"), Value(answer.pk), function="array_append")
    )
    tasks.send_answer_emails.delay_on_commit(organization_id=organization.pk, answer_id=answer.pk)


def answer_emails_send(*, organization, answer_id):
    """One email per instant follower of the answer's question (its author left out)."""
    answer = (
        Answer.objects.filter(organization=organization, pk=answer_id, status=PostStatus.PUBLISHED)
        .select_related("question", "author")
        .first()
    )
    if answer is None:
        return 0
    question = answer.question
    messages = [
        _message(
            organization=organization,
            member=follow.member,
            follows=[follow],
            subject=lambda: _("New answer: %(title)s") % {"title": question.title},
            template="community/members/emails/answer.txt",
            context={
                "question": question,
                "answer": answer,
                "excerpt": _excerpt(answer.body),
                "url": _question_url(organization, question),
            },
        )
        for follow in _followers(organization, question=question, member__digest=False).exclude(
            member_id=answer.author_id
        )
        if _may_email(organization, follow.member)
    ]
    if messages:
        get_connection().send_messages(messages)
    return len(messages)


def _excerpt(text):
    text = " ".join(text.split())
    return text if len(text) <= EXCERPT else text[: EXCERPT - 1].rstrip() + "…"


# --- The daily digest ---------------------------------------------------------------------------


def digest_time(*, organization, now=None):
    """This day's digest moment in the organization's time zone (7:00 there), or None before
    it: a digest never goes in the small hours."""
    zone = ZoneInfo(organization.timezone)
    local = (now or timezone.now()).astimezone(zone)
    moment = datetime.combine(local.date(), time(DIGEST_HOUR), tzinfo=zone)
    return moment if local >= moment else None


def members_due(*, organization, now=None):
    """Ids of the digest members with answers waiting and no digest yet today."""
    moment = digest_time(organization=organization, now=now)
    if moment is None:
        return []
    waiting = Follow.objects.filter(organization=organization, member__digest=True).exclude(
        digest_answer_ids=[]
    )
    sent_today = Follow.objects.filter(organization=organization, digested_until__gte=moment)
    return list(
        Member.objects.filter(
            organization=organization,
            status=MemberStatus.ACTIVE,
            digest=True,
            pk__in=waiting.values("member_id"),
        )
        .exclude(pk__in=sent_today.values("member_id"))
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def digests_send(*, organization, now=None):
    """Each digest member with answers waiting gets one email (today's, if not sent yet)."""
    moment = digest_time(organization=organization, now=now)
    sent = 0
    for member_id in members_due(organization=organization, now=now):
        sent += _digest_one(organization=organization, member_id=member_id, moment=moment)
    return sent


@transaction.atomic
def _digest_one(*, organization, member_id, moment):
    member = (
        Member.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("contact", "user")
        .filter(organization=organization, pk=member_id, status=MemberStatus.ACTIVE, digest=True)
        .first()
    )
    if member is None:  # another worker has it, or it changed meanwhile
        return 0
    follows = Follow.objects.filter(organization=organization, member=member)
    if follows.filter(digested_until__gte=moment).exists():
        return 0
    due = list(follows.exclude(digest_answer_ids=[]).select_related("question").order_by("pk"))
    ids = {pk for follow in due for pk in follow.digest_answer_ids}
    answers = {}
    for answer in (
        Answer.objects.filter(organization=organization, pk__in=ids, status=PostStatus.PUBLISHED)
        .exclude(author=member)
        .select_related("author")
        .order_by("created_at", "pk")
    ):
        answers.setdefault(answer.question_id, []).append(answer)
    sections = [
        {
            "question": follow.question,
            "url": _question_url(organization, follow.question),
            "unfollow_url": unsubscribe_url(organization=organization, follows=[follow]),
            "answers": [(a, _excerpt(a.body)) for a in answers[follow.question_id]],
        }
        for follow in due
        if follow.question_id in answers
    ]
    sent = 0
    if sections and _may_email(organization, member):
        count = sum(len(section["answers"]) for section in sections)
        _message(
            organization=organization,
            member=member,
            follows=[follow for follow in due if follow.question_id in answers],
            subject=lambda: (
                ngettext(
                    "Your daily digest: %(count)s new answer",
                    "Your daily digest: %(count)s new answers",
                    count,
                )
                % {"count": count}
            ),
            template="community/members/emails/digest.txt",
            context={"sections": sections},
        ).send()
        sent = 1
    Follow.objects.filter(organization=organization, pk__in=[f.pk for f in due]).update(
        digest_answer_ids=[], digested_until=timezone.now()
    )
    if sent:
        # The day's digest is marked on every follow, so a follow made later today waits.
        follows.filter(Q(digested_until__isnull=True) | Q(digested_until__lt=moment)).update(
            digested_until=timezone.now()
        )
    return sent
