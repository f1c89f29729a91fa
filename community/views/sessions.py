"""Expert hours: the public list of coming sessions (with "remind me" and an .ics file), and
staff's page to schedule, change and cancel them. The community's home and space pages show
them with ``{% load community_sessions %}{% expert_sessions %}``."""

from datetime import timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_ratelimit.core import is_ratelimited

from community.forms.sessions import SessionForm
from community.models import ExpertSession
from community.selectors import sessions as selectors
from community.selectors.members import redirect_to_sign_in
from community.services import sessions as services
from community.views.questions import public_page, render_page, viewer_of
from stakeholders.forms import add_errors
from stakeholders.models import Role
from stakeholders.tenancy.views import staff_view

SESSION_ROLES = (Role.ADMIN, Role.CASEWORKER, Role.VOLUNTEER_COORDINATOR, Role.FUNDRAISER)


@public_page
@require_GET
def sessions(request, org_slug):
    viewer = viewer_of(request)
    return render_page(
        request,
        "community/sessions.html",
        {
            "member": viewer.member,
            "sessions": selectors.upcoming_sessions(
                organization=request.organization, viewer=viewer, limit=50
            ),
        },
    )


@public_page
@require_GET
def session_ics(request, org_slug, expert_session_id):
    session = selectors.session_for_reader(
        organization=request.organization,
        session_id=expert_session_id,
        viewer=viewer_of(request),
    )
    response = HttpResponse(
        services.session_ics(organization=request.organization, session=session),
        content_type="text/calendar; charset=utf-8",
    )
    response["Content-Disposition"] = 'attachment; filename="expert-session.ics"'
    return response


def _back(request, fallback):
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect(fallback, org_slug=request.organization.slug)


@public_page
@require_POST
def session_remind(request, org_slug, expert_session_id):
    viewer = viewer_of(request)
    member = viewer.member
    session = selectors.session_for_reader(
        organization=request.organization, session_id=expert_session_id, viewer=viewer
    )
    if member is None:
        return redirect_to_sign_in(request)
    if is_ratelimited(
        request,
        group=f"community-remind-ip-{request.organization.pk}",
        key="ip",
        rate=settings.COMMUNITY_REMIND_IP_RATE,
        increment=True,
    ):
        messages.error(request, _("Too many clicks in a short time. Please try again later."))
        return _back(request, "community:sessions")
    try:
        reminded = services.reminder_toggle(
            organization=request.organization, session=session, member=member
        )
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(
            request,
            _("We will email you an hour before it starts.")
            if reminded
            else _("No reminder for this session."),
        )
    return _back(request, "community:sessions")


# --- Staff ---------------------------------------------------------------------------------


def _staff_page(request, form, session=None):
    coming, past = selectors.staff_sessions(organization=request.organization)
    return render(
        request,
        "community/manage/sessions.html",
        {"form": form, "session": session, "coming": coming, "past": past},
        status=400 if form.errors else 200,
    )


def _save(request, form):
    if not form.is_valid():
        return False
    try:
        services.session_save(
            organization=request.organization, session=form.instance, actor=request.user
        )
    except ValidationError as error:
        add_errors(form, error)
        return False
    messages.success(request, _("The session is saved."))
    return True


@staff_view(roles=SESSION_ROLES)
@require_http_methods(["GET", "POST"])
def manage_sessions(request, org_slug):
    organization = request.organization
    with timezone.override(ZoneInfo(organization.timezone)):
        start = (timezone.localtime() + timedelta(days=1)).replace(
            hour=17, minute=0, second=0, microsecond=0
        )
        form = SessionForm(
            request.POST or None,
            organization=organization,
            instance=ExpertSession(organization=organization),
            initial={
                "starts_at": start,
                "ends_at": start + timedelta(hours=1),
                "host": request.user.pk,
            },
        )
        if request.method == "POST" and _save(request, form):
            return redirect("community:manage_sessions", org_slug=organization.slug)
        return _staff_page(request, form)


@staff_view(roles=SESSION_ROLES)
@require_http_methods(["GET", "POST"])
def manage_session_edit(request, org_slug, expert_session_id):
    organization = request.organization
    session = selectors.session_get(organization=organization, session_id=expert_session_id)
    with timezone.override(ZoneInfo(organization.timezone)):
        form = SessionForm(request.POST or None, organization=organization, instance=session)
        if request.method == "POST" and _save(request, form):
            return redirect("community:manage_sessions", org_slug=organization.slug)
        return _staff_page(request, form, session)


@staff_view(roles=SESSION_ROLES)
@require_POST
def manage_session_cancel(request, org_slug, expert_session_id):
    session = selectors.session_get(organization=request.organization, session_id=expert_session_id)
    services.session_cancel(organization=request.organization, session=session, actor=request.user)
    messages.success(request, _("The session is cancelled."))
    return redirect("community:manage_sessions", org_slug=org_slug)


urlpatterns = [
    path("sessions/", sessions, name="sessions"),
    path("sessions/<int:expert_session_id>/calendar.ics", session_ics, name="session_ics"),
    path("sessions/<int:expert_session_id>/remind/", session_remind, name="session_remind"),
    path("manage/sessions/", manage_sessions, name="manage_sessions"),
    path(
        "manage/sessions/<int:expert_session_id>/",
        manage_session_edit,
        name="manage_session_edit",
    ),
    path(
        "manage/sessions/<int:expert_session_id>/cancel/",
        manage_session_cancel,
        name="manage_session_cancel",
    ),
]
