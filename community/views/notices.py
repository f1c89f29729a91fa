"""Staff pages for known-issue notices, under /community/manage/notices/ (the public pages show
them through the core's ``public_notices`` registry and the ``public_notices`` template tag)."""

from datetime import timedelta
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from community.forms.notices import NoticeForm
from community.models import Notice
from community.selectors import notices as selectors
from community.services import notices as services
from stakeholders.forms import add_errors
from stakeholders.tenancy.views import staff_view

# Who speaks for the organization in public: everyone but read-only viewers.


def _list_url(request):
    return redirect("community:manage_notices", org_slug=request.organization.slug)


def _form_page(request, form, notice=None):
    showing, coming, ended = selectors.staff_notices(organization=request.organization)
    return render(
        request,
        "community/manage/notices.html",
        {
            "form": form,
            "notice": notice,
            "showing": showing,
            "coming": coming,
            "ended": ended,
        },
        status=400 if form.errors else 200,
    )


def _save(request, form):
    if not form.is_valid():
        return False
    try:
        services.notice_save(
            organization=request.organization, notice=form.instance, actor=request.user
        )
    except ValidationError as error:
        add_errors(form, error)
        return False
    return True


@staff_view(roles=services.NOTICE_ROLES)
@require_http_methods(["GET", "POST"])
def manage_notices(request, org_slug):
    with timezone.override(ZoneInfo(request.organization.timezone)):
        now = timezone.localtime().replace(second=0, microsecond=0)
        form = NoticeForm(
            request.POST or None,
            instance=Notice(organization=request.organization),
            initial={"starts_at": now, "ends_at": now + timedelta(days=1)},
        )
        if request.method == "POST" and _save(request, form):
            messages.success(request, _("The notice is saved."))
            return _list_url(request)
        return _form_page(request, form)


@staff_view(roles=services.NOTICE_ROLES)
@require_http_methods(["GET", "POST"])
def manage_notice_edit(request, org_slug, notice_id):
    notice = selectors.notice_get(organization=request.organization, notice_id=notice_id)
    with timezone.override(ZoneInfo(request.organization.timezone)):
        form = NoticeForm(request.POST or None, instance=notice)
        if request.method == "POST" and _save(request, form):
            messages.success(request, _("The notice is saved."))
            return _list_url(request)
        return _form_page(request, form, notice)


@staff_view(roles=services.NOTICE_ROLES)
@require_POST
def manage_notice_end(request, org_slug, notice_id):
    notice = selectors.notice_get(organization=request.organization, notice_id=notice_id)
    services.notice_end(organization=request.organization, notice=notice, actor=request.user)
    messages.success(request, _("The notice has ended and no longer shows."))
    return _list_url(request)


urlpatterns = [
    path("manage/notices/", manage_notices, name="manage_notices"),
    path("manage/notices/<int:notice_id>/", manage_notice_edit, name="manage_notice_edit"),
    path("manage/notices/<int:notice_id>/end/", manage_notice_end, name="manage_notice_end"),
]
