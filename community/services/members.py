"""Joining the community and signing in (see ``community.selectors.members`` for who is at a
page)."""

from django.db import IntegrityError, transaction
from django.utils import timezone

from community.models import Member, MemberStatus
from community.selectors.members import MEMBER_SESSION


def sign_in(request, member):
    """Bind ``member`` to this browser's session, for this organization only."""
    bound = dict(request.session.get(MEMBER_SESSION, {}))
    bound[str(request.organization.pk)] = member.pk
    request.session[MEMBER_SESSION] = bound
    request.session.cycle_key()
    Member.objects.filter(pk=member.pk).update(last_seen_at=timezone.now())


def sign_out(request):
    bound = dict(request.session.get(MEMBER_SESSION, {}))
    bound.pop(str(request.organization.pk), None)
    request.session[MEMBER_SESSION] = bound


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
