"""``{% load community_sessions %}{% expert_sessions space %}``: staff's coming expert hours on
the community's home (every space the reader may see) or one space's page, with "live now"
during a session, "remind me" and the calendar file."""

from django import template

from community.selectors.sessions import upcoming_sessions
from community.views.questions import viewer_of

register = template.Library()


@register.inclusion_tag("community/sessions_upcoming.html", takes_context=True)
def expert_sessions(context, space=None, limit=3):
    request = context["request"]
    viewer = viewer_of(request)
    return {
        "request": request,
        "organization": request.organization,
        "member": viewer.member,
        "space": space,
        "sessions": upcoming_sessions(
            organization=request.organization, viewer=viewer, space=space, limit=limit
        ),
        "csrf_token": context.get("csrf_token"),
    }
