"""HTML pages of the core: choosing and creating an organization, invitations, settings."""

import mimetypes

import redis
from allauth.account.adapter import get_adapter as get_account_adapter
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import connection
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views import defaults
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from stakeholders import selectors, services
from stakeholders.forms import (
    ApiTokenForm,
    InvitationForm,
    MembershipRoleForm,
    OrganizationCreateForm,
    OrganizationProfileForm,
)
from stakeholders.models import Invitation, Membership, Role
from stakeholders.tenancy.middleware import organization_public
from stakeholders.tenancy.views import staff_view

ADMINS = [Role.ADMIN]
MEMBERS_PER_PAGE = 50


def _add_errors(form, error: ValidationError):
    """Put a service's ValidationError next to the field it names (or on top of the form)."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


# --- Platform pages -------------------------------------------------------------------------


def home(request):
    if request.user.is_authenticated:
        return redirect("organization_picker")
    return redirect("account_login")


@never_cache
@require_GET
def healthz(request):
    """Database and broker status for load balancers and compose health checks."""
    status = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        status["database"] = "ok"
    except Exception as exc:
        status["database"] = f"error: {exc.__class__.__name__}"
    if settings.CELERY_TASK_ALWAYS_EAGER:
        status["broker"] = "in-process"
    else:
        try:
            redis.Redis.from_url(settings.CELERY_BROKER_URL, socket_timeout=2).ping()
            status["broker"] = "ok"
        except redis.RedisError as exc:
            status["broker"] = f"error: {exc.__class__.__name__}"
    healthy = all(value in ("ok", "in-process") for value in status.values())
    return JsonResponse(
        {"status": "ok" if healthy else "error", **status}, status=200 if healthy else 503
    )


def page_not_found(request, exception):
    if request.path_info.startswith("/api/"):
        return JsonResponse({"detail": _("Not found.")}, status=404)
    return defaults.page_not_found(request, exception)


def server_error(request):
    if request.path_info.startswith("/api/"):
        return JsonResponse({"detail": _("Server error. It has been logged.")}, status=500)
    return defaults.server_error(request)


# --- Account pages (no organization yet) ----------------------------------------------------


@login_required
def organization_picker(request):
    memberships = list(selectors.memberships_for_user(user=request.user))
    invitations = selectors.invitations_for_user(user=request.user)
    if len(memberships) == 1 and not invitations and not request.GET.get("all"):
        return redirect("stakeholders:dashboard", org_slug=memberships[0].organization.slug)
    return render(
        request,
        "stakeholders/organization_picker.html",
        {"memberships": memberships, "invitations": invitations},
    )


@login_required
def organization_create(request):
    form = OrganizationCreateForm(request.POST or None, initial={"language": request.LANGUAGE_CODE})
    if request.method == "POST" and form.is_valid():
        try:
            organization = services.organization_create(creator=request.user, **form.cleaned_data)
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(
                request, _("%(name)s is ready. Welcome!") % {"name": organization.name}
            )
            return redirect("stakeholders:dashboard", org_slug=organization.slug)
    return render(request, "stakeholders/organization_create.html", {"form": form})


@never_cache
def invitation_accept(request, key):
    invitation = selectors.invitation_get_by_key(key=key)
    if invitation is None:
        return render(request, "stakeholders/invitation_invalid.html", status=404)
    if invitation.is_expired:
        return render(
            request, "stakeholders/invitation_invalid.html", {"expired": invitation}, status=410
        )
    error = None
    if not request.user.is_authenticated:
        # Following the link proves the invitee reads this mailbox: signing up with the same
        # address needs no second confirmation email.
        get_account_adapter(request).stash_verified_email(request, invitation.email)
    elif request.method == "POST":
        try:
            membership = services.invitation_accept(invitation=invitation, user=request.user)
        except ValidationError as exc:
            error = exc.messages[0]
        else:
            messages.success(
                request, _("You joined %(name)s.") % {"name": membership.organization.name}
            )
            return redirect("stakeholders:dashboard", org_slug=membership.organization.slug)
    response = render(
        request, "stakeholders/invitation_accept.html", {"invitation": invitation, "error": error}
    )
    response["Referrer-Policy"] = "no-referrer"  # keep the key out of other sites' logs
    return response


# --- Organization pages ---------------------------------------------------------------------


@staff_view()
def dashboard(request, org_slug):
    organization = request.organization
    member_count = selectors.organization_members(organization=organization).count()
    context = {
        "member_count": member_count,
        "pending_invitations": selectors.invitations_pending(organization=organization).count(),
        "setup_steps": [
            (_("Add your logo and address"), bool(organization.logo and organization.address)),
            (_("Set the email address people reply to"), bool(organization.contact_email)),
            (_("Invite a colleague"), member_count > 1),
            (_("Turn on two-factor authentication"), selectors.user_has_mfa(user=request.user)),
        ],
    }
    return render(request, "stakeholders/dashboard.html", context)


@staff_view(roles=ADMINS)
def settings_profile(request, org_slug):
    organization = request.organization
    form = OrganizationProfileForm(
        request.POST or None, request.FILES or None, instance=organization
    )
    if request.method == "POST" and form.is_valid():
        services.organization_update(
            organization=organization,
            **{name: form.cleaned_data[name] for name in form.changed_data},
        )
        messages.success(request, _("Settings saved."))
        return redirect("stakeholders:settings_profile", org_slug=organization.slug)
    if request.method == "POST":
        organization.refresh_from_db()  # the failed form left unsaved values on the instance
    return render(request, "stakeholders/settings_profile.html", {"form": form})


@staff_view()
def settings_members(request, org_slug):
    organization = request.organization
    query = request.GET.get("q", "").strip()
    members = selectors.organization_members(organization=organization, search=query)
    context = {
        "members": Paginator(members, MEMBERS_PER_PAGE).get_page(request.GET.get("page")),
        "query": query,
        "invitations": selectors.invitations_pending(organization=organization).select_related(
            "invited_by"
        ),
        "invitation_form": InvitationForm(),
        "role_choices": Role.choices,
    }
    return render(request, "stakeholders/settings_members.html", context)


@require_POST
@staff_view(roles=ADMINS)
def member_role(request, org_slug, membership_id):
    membership = get_object_or_404(Membership, organization=request.organization, pk=membership_id)
    form = MembershipRoleForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(form.errors["role"])
        services.membership_set_role(
            organization=request.organization, membership=membership, role=form.cleaned_data["role"]
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("%(user)s is now %(role)s.")
            % {"user": membership.user, "role": membership.get_role_display()},
        )
    return redirect("stakeholders:settings_members", org_slug=org_slug)


@require_POST
@staff_view(roles=ADMINS)
def member_remove(request, org_slug, membership_id):
    membership = get_object_or_404(Membership, organization=request.organization, pk=membership_id)
    try:
        services.membership_remove(organization=request.organization, membership=membership)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("%(user)s was removed.") % {"user": membership.user})
    return redirect("stakeholders:settings_members", org_slug=org_slug)


@staff_view(roles=ADMINS)
def invitation_create(request, org_slug):
    form = InvitationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            invitation = services.invitation_create(
                organization=request.organization, invited_by=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(
                request, _("Invitation sent to %(email)s.") % {"email": invitation.email}
            )
            return redirect("stakeholders:settings_members", org_slug=org_slug)
    return render(
        request,
        "stakeholders/invitation_create.html",
        {"form": form, "invitation_days": settings.INVITATION_MAX_AGE_DAYS},
    )


@require_POST
@staff_view(roles=ADMINS)
def invitation_resend(request, org_slug, invitation_id):
    invitation = get_object_or_404(Invitation, organization=request.organization, pk=invitation_id)
    services.invitation_resend(organization=request.organization, invitation=invitation)
    messages.success(request, _("A new link was sent to %(email)s.") % {"email": invitation.email})
    return redirect("stakeholders:settings_members", org_slug=org_slug)


@require_POST
@staff_view(roles=ADMINS)
def invitation_revoke(request, org_slug, invitation_id):
    invitation = get_object_or_404(Invitation, organization=request.organization, pk=invitation_id)
    services.invitation_revoke(organization=request.organization, invitation=invitation)
    messages.success(
        request, _("The invitation to %(email)s was withdrawn.") % {"email": invitation.email}
    )
    return redirect("stakeholders:settings_members", org_slug=org_slug)


@never_cache
@staff_view()
def settings_tokens(request, org_slug):
    form = ApiTokenForm(request.POST or None)
    new_key = None
    if request.method == "POST" and form.is_valid():
        try:
            _token, new_key = services.api_token_create(
                organization=request.organization, user=request.user, name=form.cleaned_data["name"]
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            form = ApiTokenForm()
    tokens = selectors.api_tokens_for(organization=request.organization, user=request.user)
    return render(
        request,
        "stakeholders/settings_tokens.html",
        {"form": form, "tokens": tokens, "new_key": new_key},
    )


@require_POST
@staff_view()
def api_token_revoke(request, org_slug, token_id):
    token = get_object_or_404(
        selectors.api_tokens_for(organization=request.organization, user=request.user), pk=token_id
    )
    services.api_token_revoke(organization=request.organization, token=token)
    messages.success(request, _("The token “%(name)s” was revoked.") % {"name": token.name})
    return redirect("stakeholders:settings_tokens", org_slug=org_slug)


@organization_public
@require_GET
def organization_logo(request, org_slug):
    """The logo, for staff pages and the organization's public pages alike."""
    logo = request.organization.logo
    if not logo:
        raise Http404
    content_type = mimetypes.guess_type(logo.name)[0] or "application/octet-stream"
    response = FileResponse(logo.open("rb"), content_type=content_type)
    response["Cache-Control"] = "public, max-age=3600"
    return response
