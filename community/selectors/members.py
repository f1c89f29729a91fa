"""Who is at the community's pages: the member bound to this browser's session for this
organization (a stakeholder who signed in by link), or — for staff of the organization signed
into Steward — their expert member (made on first use by ``services.members.staff_member``)."""

from functools import wraps

from django.shortcuts import redirect

from community.models import Member, MemberStatus
from stakeholders.models import Membership

MEMBER_SESSION = "community_member"  # {organization id: member id}


def staff_membership(request):
    """The signed-in user's membership of the request's organization, or None."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    return Membership.objects.filter(organization=request.organization, user=user).first()


def session_member(request):
    member_id = request.session.get(MEMBER_SESSION, {}).get(str(request.organization.pk))
    if not member_id:
        return None
    return (
        Member.objects.filter(pk=member_id, status=MemberStatus.ACTIVE, user__isnull=True)
        .select_related("contact")
        .first()
    )


def current_member(request):
    """The member acting in this request (cached on the request), or None for a visitor."""
    if not hasattr(request, "_community_member"):
        from community.services.members import staff_member

        member = session_member(request)
        if member is None and staff_membership(request) is not None:
            member = staff_member(organization=request.organization, user=request.user)
        request._community_member = member
    return request._community_member


def member_required(view):
    """A page for members only: visitors are sent to the sign-in page, then back."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        member = current_member(request)
        if member is None:
            return redirect_to_sign_in(request)
        request.member = member
        return view(request, *args, **kwargs)

    return wrapper


def redirect_to_sign_in(request):
    from urllib.parse import urlencode

    from django.urls import reverse

    url = reverse("community:sign_in", kwargs={"org_slug": request.organization.slug})
    return redirect(f"{url}?{urlencode({'next': request.get_full_path()})}")


def member_follows(*, organization, member):
    """The questions ``member`` follows, newest first, with their titles."""
    from community.models import Follow

    return (
        Follow.objects.filter(organization=organization, member=member)
        .select_related("question")
        .order_by("-created_at", "-pk")
    )


def member_for_contact(*, organization, contact):
    return Member.objects.filter(organization=organization, contact=contact).first()


def latest_posts(*, organization, member, limit=5):
    """The member's newest questions and answers (any status: staff see what waits or was
    hidden too), as (kind, post, question) newest first — two indexed queries."""
    from community.models import Answer, Question

    questions = Question.objects.filter(organization=organization, author=member).order_by(
        "-created_at", "-pk"
    )[:limit]
    answers = (
        Answer.objects.filter(organization=organization, author=member)
        .select_related("question")
        .order_by("-created_at", "-pk")[:limit]
    )
    rows = [("question", q, q) for q in questions] + [("answer", a, a.question) for a in answers]
    rows.sort(key=lambda row: (row[1].created_at, row[1].pk), reverse=True)
    return rows[:limit]
