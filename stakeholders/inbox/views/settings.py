"""The shared inbox's settings: first-response targets and escalation (admins), and canned
replies (every member who answers conversations)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from stakeholders.forms import add_errors
from stakeholders.inbox import canned
from stakeholders.inbox.forms import CannedReplyForm, InboxSettingsForm
from stakeholders.inbox.models import CannedReply
from stakeholders.inbox.services import inbox_settings
from stakeholders.inbox.views.conversations import INBOX_ROLES
from stakeholders.models import Role
from stakeholders.tenancy.views import staff_view


def _inbound_address(organization):
    """The organization's inbound email address, once the email-in module provides it."""
    try:
        from stakeholders.inbox import email_in
    except ImportError:
        return ""
    if not hasattr(email_in, "inbound_address"):
        return ""
    return email_in.inbound_address(organization)


def _messaging_url(organization):
    try:
        return reverse("inbox:messaging_settings", kwargs={"org_slug": organization.slug})
    except NoReverseMatch:
        return ""


@staff_view(roles=[Role.ADMIN])
@require_http_methods(["GET", "POST"])
def inbox_settings_edit(request, org_slug):
    organization = request.organization
    row = inbox_settings(organization=organization)
    form = InboxSettingsForm(request.POST or None, instance=row, organization=organization)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            form.save()
            messages.success(request, _("Inbox settings saved."))
            return redirect("inbox:settings", org_slug=org_slug)
        status = 400
    return render(
        request,
        "inbox/settings.html",
        {
            "form": form,
            "inbound_address": _inbound_address(organization),
            "messaging_url": _messaging_url(organization),
        },
        status=status,
    )


# --- Canned replies ------------------------------------------------------------------------------


@staff_view(roles=INBOX_ROLES)
@require_http_methods(["GET"])
def canned_list(request, org_slug):
    replies = CannedReply.objects.filter(organization=request.organization).order_by(
        "title", "language"
    )
    return render(
        request,
        "inbox/canned_list.html",
        {"replies": replies, "merge_fields": canned.MERGE_FIELDS},
    )


def _canned_form(request, reply):
    organization = request.organization
    form = CannedReplyForm(
        request.POST or None,
        instance=reply,
        initial=None if reply else {"language": organization.language},
    )
    if request.method == "POST" and form.is_valid():
        try:
            if reply is None:
                canned.reply_create(
                    organization=organization, actor=request.user, **form.cleaned_data
                )
            else:
                canned.reply_update(organization=organization, reply=reply, **form.cleaned_data)
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("Canned reply saved."))
            return redirect("inbox:canned_list", org_slug=organization.slug)
    return render(
        request,
        "inbox/canned_form.html",
        {"form": form, "reply": reply, "merge_fields": canned.MERGE_FIELDS},
        status=400 if request.method == "POST" else 200,
    )


@staff_view(roles=INBOX_ROLES)
@require_http_methods(["GET", "POST"])
def canned_create(request, org_slug):
    return _canned_form(request, None)


def _reply_or_404(request, reply_id):
    reply = canned.reply_get(organization=request.organization, reply_id=reply_id)
    if reply is None:
        raise Http404
    return reply


@staff_view(roles=INBOX_ROLES)
@require_http_methods(["GET", "POST"])
def canned_edit(request, org_slug, reply_id):
    return _canned_form(request, _reply_or_404(request, reply_id))


@staff_view(roles=INBOX_ROLES)
@require_http_methods(["POST"])
def canned_delete(request, org_slug, reply_id):
    reply = _reply_or_404(request, reply_id)
    canned.reply_delete(organization=request.organization, reply=reply)
    messages.success(request, _("Canned reply deleted."))
    return redirect("inbox:canned_list", org_slug=org_slug)


urlpatterns = [
    path("settings/", inbox_settings_edit, name="settings"),
    path("canned/", canned_list, name="canned_list"),
    path("canned/new/", canned_create, name="canned_create"),
    path("canned/<int:reply_id>/", canned_edit, name="canned_edit"),
    path("canned/<int:reply_id>/delete/", canned_delete, name="canned_delete"),
]
