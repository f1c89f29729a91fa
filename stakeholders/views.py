"""HTML pages of the core: choosing and creating an organization, invitations, settings."""

import mimetypes
import tempfile
from datetime import datetime, time

from allauth.account.adapter import get_adapter as get_account_adapter
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import (
    FileResponse,
    Http404,
    HttpResponse,
    JsonResponse,
    StreamingHttpResponse,
)
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.dateparse import parse_date
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views import defaults
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from stakeholders import (
    audit,
    branding,
    contact_page,
    csv_export,
    data_export,
    importing,
    list_html,
    quick_widgets,
    selectors,
    services,
    tasks,
    timeline_cursor,
    timeline_sql,
)
from stakeholders.forms import (
    ApiTokenForm,
    AuditFilterForm,
    ComplaintResolutionForm,
    ConsentForm,
    ContactForm,
    ImportUploadForm,
    InteractionForm,
    InvitationForm,
    MembershipRoleForm,
    OrganizationCreateForm,
    OrganizationProfileForm,
    PublicFeedbackForm,
    RelationshipForm,
    StaffFeedbackForm,
    UserLanguageForm,
)
from stakeholders.forms import (
    add_errors as _add_errors,
)
from stakeholders.models import (
    SCORE_RANGES,
    AuditAction,
    Channel,
    ConsentChannel,
    ConsentPurpose,
    ConsentSource,
    Contact,
    DataImport,
    Invitation,
    Membership,
    Relationship,
    Role,
)
from stakeholders.registries import (
    contact_panels,
    dashboard_cards,
    restricted_contact_roles,
    timeline,
)
from stakeholders.replica import database_now, reads_from_replica
from stakeholders.tenancy.middleware import organization_public
from stakeholders.tenancy.throttling import default_per_minute
from stakeholders.tenancy.views import staff_view

ADMINS = [Role.ADMIN]
MEMBERS_PER_PAGE = 50


# --- Platform pages -------------------------------------------------------------------------


def home(request):
    if request.user.is_authenticated:
        return redirect("organization_picker")
    return redirect("account_login")


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
@require_http_methods(["GET", "POST"])
def account_language(request):
    """Your account → Language. Saving also sets this browser's language cookie, so the public
    pages' switcher and the staff pages agree."""
    form = UserLanguageForm(request.POST or None, initial={"language": request.user.language})
    if request.method == "POST" and form.is_valid():
        language = form.cleaned_data["language"]
        services.user_language_set(user=request.user, language=language)
        response = redirect("account_language")
        if language:
            response.set_cookie(
                settings.LANGUAGE_COOKIE_NAME,
                language,
                max_age=settings.LANGUAGE_COOKIE_AGE,
                path=settings.LANGUAGE_COOKIE_PATH,
                secure=settings.LANGUAGE_COOKIE_SECURE,
                httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
                samesite=settings.LANGUAGE_COOKIE_SAMESITE,
            )
            with translation.override(language):
                messages.success(request, _("Your language is saved."))
        else:
            response.delete_cookie(
                settings.LANGUAGE_COOKIE_NAME, path=settings.LANGUAGE_COOKIE_PATH
            )
            messages.success(request, _("Your language is saved."))
        return response
    return render(request, "stakeholders/account_language.html", {"form": form})


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
    # The key stays out of other sites' logs; not "no-referrer", which would make the browser
    # send "Origin: null" with the form's POST and fail the CSRF check.
    response["Referrer-Policy"] = "same-origin"
    return response


# --- Organization pages ---------------------------------------------------------------------


@staff_view()
@reads_from_replica()
def dashboard(request, org_slug):
    organization = request.organization
    member_count = selectors.organization_members(organization=organization).count()
    figures = selectors.dashboard_figures(
        organization=organization, user=request.user, staff_role=request.membership.role
    )
    channel_labels = dict(Channel.choices)
    context = {
        "cards": dashboard_cards.render_context(request),
        "figures": figures,
        "channel_chart": [
            (channel_labels[channel], count)
            for channel, count in sorted(figures["by_channel"].items(), key=lambda item: -item[1])
        ],
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
            data = form.cleaned_data
            expires_on = data.get("expires_on")
            _token, new_key = services.api_token_create(
                organization=request.organization,
                user=request.user,
                name=data["name"],
                scope=data["scope"],
                # the end of the chosen day, on the organization's clock
                expires_at=timezone.make_aware(datetime.combine(expires_on, time.max))
                if expires_on
                else None,
                rate_limit_per_minute=data.get("rate_limit_per_minute"),
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            form = ApiTokenForm()
    tokens = selectors.api_tokens_for(organization=request.organization, user=request.user)
    return render(
        request,
        "stakeholders/settings_tokens.html",
        {
            "form": form,
            "tokens": tokens,
            "new_key": new_key,
            "default_rate": default_per_minute(),
        },
    )


AUDIT_PAGE = 50


@never_cache
@staff_view(roles=ADMINS)
def settings_audit(request, org_slug):
    """Who changed roles, tokens and settings, exported, imported, merged or erased: newest
    first, filtered, paged by key (the log only grows)."""
    members = selectors.organization_members(organization=request.organization)
    form = AuditFilterForm(request.GET or None, members=members)
    filters = form.cleaned_data if form.is_valid() else {}
    rows = audit.events(
        organization=request.organization,
        action=filters.get("action"),
        actor_id=filters.get("actor"),
        since=filters.get("since"),
        until=filters.get("until"),
    )
    before = request.GET.get("before", "")
    if before.isdigit():
        rows = rows.filter(id__lt=int(before))
    rows = list(rows[: AUDIT_PAGE + 1])
    query = request.GET.copy()
    if len(rows) > AUDIT_PAGE:
        rows = rows[:AUDIT_PAGE]
        query["before"] = rows[-1].pk
    else:
        query = None
    return render(
        request,
        "stakeholders/settings_audit.html",
        {"form": form, "rows": rows, "next_query": query.urlencode() if query else ""},
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


@organization_public
@require_GET
def organization_brand_css(request, org_slug):
    """The organization's colour for its public pages, as a stylesheet: the pages' policy allows
    no inline style. Its URL carries the colour (``?v=``), so it can be cached for long."""
    response = render(
        request,
        "stakeholders/brand.css",
        {"brand": branding.brand(request.organization)},
        content_type="text/css; charset=utf-8",
    )
    response["Cache-Control"] = "public, max-age=86400"
    return response


# --- Contacts ------------------------------------------------------------------------------------

EDITORS = [Role.ADMIN, Role.FUNDRAISER, Role.VOLUNTEER_COORDINATOR, Role.CASEWORKER]
CONTACTS_PER_PAGE = 50
COUNT_CAP = 10_000  # beyond this, lists say "10,000+" rather than count every row
TIMELINE_PAGE = 20


def _contact_or_404(request, contact_id):
    contact = selectors.contact_get(organization=request.organization, contact_id=contact_id)
    if contact is None:
        raise Http404
    return contact


def _search_params(request):
    params = request.GET
    manager = params.get("manager") or ""
    return {
        "query": params.get("q", "").strip(),
        "role": params.get("role") or None,
        "tag": params.get("tag") or None,
        # one of the organization's members, or no filter (never another organization's user)
        "manager_id": manager
        if manager.isdigit()
        and selectors.organization_members(organization=request.organization)
        .filter(user_id=int(manager))
        .exists()
        else None,
        "last_interaction_after": parse_date(params.get("seen_after") or "") or None,
        "last_interaction_before": parse_date(params.get("seen_before") or "") or None,
        "staff_role": request.membership.role,
    }


@staff_view()
@reads_from_replica()
def contact_list(request, org_slug):
    organization = request.organization
    filters = _search_params(request)
    page_number = (
        max(1, int(request.GET.get("page", "1"))) if request.GET.get("page", "1").isdigit() else 1
    )
    start = (page_number - 1) * CONTACTS_PER_PAGE
    search = selectors.contact_searched(organization=organization, **filters)
    rows = search.rows(list_html.ROW_VALUES, start=start, size=CONTACTS_PER_PAGE + 1)
    query_string = request.GET.copy()
    query_string.pop("page", None)
    # A first page that isn't full has counted itself; otherwise count, up to COUNT_CAP.
    if start == 0 and len(rows) <= CONTACTS_PER_PAGE:
        total = len(rows)
    else:
        total = search.count(cap=COUNT_CAP)
    context = {
        "contacts": rows[:CONTACTS_PER_PAGE],
        "has_next": len(rows) > CONTACTS_PER_PAGE,
        "page_number": page_number,
        "total": total,
        "total_is_estimate": total > COUNT_CAP,
        "page_count": None if total > COUNT_CAP else max(1, -(-total // CONTACTS_PER_PAGE)),
        # The closest names (typos, transliterations) are suggestions, not matches.
        "suggestions": bool(rows) and search.suggested,
        "filters": filters,
        "query_string": query_string.urlencode(),
    }
    if request.htmx:  # the results alone, as the search box asks for them while one types
        return render(request, "stakeholders/contacts/_results.html", context)
    lists = selectors.contact_list_choices(organization=organization)
    context |= {
        "tag_options": list_html.options(
            [(None, tag["name"]) for tag in lists["tags"]], filters["tag"]
        ),
        "manager_options": list_html.options(
            [(member["id"], member["name"] or member["email"]) for member in lists["managers"]],
            filters["manager_id"],
        ),
        "pending_duplicates": bool(lists["duplicates"]),
        "hidden_roles": restricted_contact_roles.hidden_from(request.membership.role),
    }
    return render(request, "stakeholders/contacts/list.html", context)


@staff_view()
@reads_from_replica()
def contact_export(request, org_slug):
    """The filtered list as CSV; cells that a spreadsheet would run as formulas are defused."""
    params = _search_params(request)
    contacts = selectors.contact_search(organization=request.organization, **params)
    contacts = contacts.using(database_now())  # read while streaming; chosen before the audit
    audit.record(
        organization=request.organization,
        action=AuditAction.EXPORT,
        summary="contacts CSV",
        changes={"filters": {key: str(value) for key, value in params.items() if value}},
    )
    response = StreamingHttpResponse(
        csv_export.rows_in_scope(contacts, organization=request.organization),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = 'attachment; filename="contacts.csv"'
    return response


@staff_view(roles=EDITORS)
def contact_create(request, org_slug):
    organization = request.organization
    # "Add this person" from a search that found nobody arrives with what was typed.
    initial = selectors.contact_prefill(request.GET.get("name", ""))
    form = ContactForm(request.POST or None, organization=organization, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            contact = services.contact_create(
                organization=organization,
                actor=request.user,
                tags=form.cleaned_data["tags"],
                **form.contact_fields(),
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("%(name)s was added.") % {"name": contact.name})
            return redirect("stakeholders:contact_detail", org_slug=org_slug, contact_id=contact.pk)
    return render(request, "stakeholders/contacts/form.html", {"form": form})


@staff_view(roles=EDITORS)
def contact_edit(request, org_slug, contact_id):
    organization = request.organization
    contact = _contact_or_404(request, contact_id)
    tags = [t.name for t in selectors.contact_tags(organization=organization, contact=contact)]
    form = ContactForm(request.POST or None, instance=contact, organization=organization, tags=tags)
    if request.method == "POST" and form.is_valid():
        try:
            # A savepoint: an error undoes both writes and leaves the request's transaction
            # usable for rendering the form again.
            with transaction.atomic():
                services.contact_update(
                    organization=organization,
                    contact=contact,
                    actor=request.user,
                    **form.contact_fields(),
                )
                services.contact_set_tags(
                    organization=organization, contact=contact, names=form.cleaned_data["tags"]
                )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("Saved."))
            return redirect("stakeholders:contact_detail", org_slug=org_slug, contact_id=contact.pk)
    return render(request, "stakeholders/contacts/form.html", {"form": form, "contact": contact})


def _timeline_context(request, contact):
    kinds = [k for k in request.GET.getlist("kind") if k]
    channel = request.GET.get("channel") or None
    cursor = timeline_cursor.decode(request.GET.get("before", ""))
    events, next_cursor = timeline.events(
        organization=request.organization,
        contact=contact,
        role=request.membership.role,
        limit=TIMELINE_PAGE,
        before=cursor,
        kinds=kinds,
        channel=channel,
    )
    filter_query = request.GET.copy()
    filter_query.pop("before", None)
    return {
        "events": events,
        "next_cursor": timeline_cursor.encode(next_cursor) if next_cursor else "",
        "timeline_kinds": timeline.kinds(),
        "selected_kinds": kinds,
        "selected_channel": channel,
        "channels": Channel.choices,
        "filter_query": filter_query.urlencode(),
    }


def _contact_page(request, contact, *, log_form=None, status=200):
    """The person's page in at most 8 queries (4 of them the middleware's): the contact, one for
    the small lists beside the timeline, one for the timeline. The panels apps contribute load
    after it (``contact_panels_page``)."""
    organization = request.organization
    can_edit = request.membership.role in EDITORS
    forms_shown = can_edit and not contact.erased_at
    side = contact_page.side_lists(
        organization=organization,
        contact=contact,
        form_choices=forms_shown and log_form is None,
    )
    consents = side["consents"]
    # The forms are the same for every contact (the quick-log's choices in its key): their HTML
    # is kept a few minutes per language (``contact_page.form_html_once``); a quick-log with
    # errors is drawn afresh.
    forms_html = {}
    if forms_shown:
        choices = side["form_choices"]
        forms_html = {
            "log_form_html": None
            if log_form is not None
            else contact_page.form_html_once(
                ("log", timeline_sql.organization_key(organization), repr(choices)),
                lambda: quick_widgets.form_html(
                    InteractionForm(organization=organization, choices=choices)
                ),
            ),
            "consent_form_html": contact_page.form_html_once(
                ("consent",), lambda: quick_widgets.form_html(ConsentForm())
            ),
            "relationship_fields_html": contact_page.form_html_once(
                ("relationship",), lambda: _relationship_fields_html(RelationshipForm())
            ),
        }
    context = {
        "contact": contact,
        "tags": side["tags"],
        "relationships": side["relationships"],
        "consent_rows": [
            {
                "purpose": purpose_label,
                "cells": [
                    (channel_label, consents.get((channel, purpose)))
                    for channel, channel_label in ConsentChannel.choices
                ],
            }
            for purpose, purpose_label in ConsentPurpose.choices
        ],
        "consent_channels": ConsentChannel.choices,
        "log_form": log_form,
        **forms_html,
        "can_edit": can_edit,
        **_timeline_context(request, contact),
    }
    return render(request, "stakeholders/contacts/detail.html", context, status=status)


def _relationship_fields_html(form):
    """The relationship form's two visible fields, as ``includes/field.html`` draws each."""
    return format_html(
        "{}\n          {}",
        quick_widgets.field_html(form["kind"]),
        quick_widgets.field_html(form["role_title"]),
    )


@staff_view()
def contact_panels_page(request, org_slug, contact_id):
    """The panels apps add to the person's page (giving, volunteering, conversations…), each for
    the roles it names: loaded by htmx once the page is shown, or opened as a page without
    JavaScript."""
    contact = _contact_or_404(request, contact_id)
    context = {
        "contact": contact,
        "panels": contact_panels.render_context(request, contact),
        "can_edit": request.membership.role in EDITORS,
    }
    if request.htmx:
        return render(request, "stakeholders/contacts/_panels.html", context)
    return render(request, "stakeholders/contacts/panels.html", context)


@staff_view()
def contact_detail(request, org_slug, contact_id):
    contact = _contact_or_404(request, contact_id)
    if contact.pk != contact_id:
        return redirect("stakeholders:contact_detail", org_slug=org_slug, contact_id=contact.pk)
    return _contact_page(request, contact)


@staff_view()
def contact_timeline(request, org_slug, contact_id):
    """The next page of the timeline (htmx "Show older"), or the filtered first page."""
    contact = _contact_or_404(request, contact_id)
    context = {"contact": contact, **_timeline_context(request, contact)}
    return render(request, "stakeholders/contacts/_timeline_page.html", context)


@require_POST
@staff_view(roles=EDITORS)
def contact_log(request, org_slug, contact_id):
    """Quick-log from the contact page: htmx swaps in the new entry and a fresh form."""
    organization = request.organization
    contact = _contact_or_404(request, contact_id)
    form = InteractionForm(request.POST, organization=organization)
    interaction = None
    if form.is_valid():
        try:
            interaction = services.interaction_log(
                organization=organization,
                contact=contact,
                staff=request.user,
                **form.interaction_fields(),
            )
        except ValidationError as error:
            _add_errors(form, error)
    if interaction is None:
        if not request.htmx:
            return _contact_page(request, contact, log_form=form, status=422)
        # htmx swaps only 2xx responses: the errors come back as a 200 aimed at the form.
        response = render(
            request, "stakeholders/contacts/_log_form.html", {"contact": contact, "log_form": form}
        )
        response["HX-Retarget"] = "#quick-log"
        response["HX-Reswap"] = "outerHTML"
        return response
    if not request.htmx:
        messages.success(request, _("Logged."))
        return redirect("stakeholders:contact_detail", org_slug=org_slug, contact_id=contact.pk)
    # The whole first page again (not the new entry on top): the same order as after a reload.
    context = {
        "contact": contact,
        "log_form": InteractionForm(organization=organization),
        **_timeline_context(request, contact),
    }
    return render(request, "stakeholders/contacts/_logged.html", context)


@require_POST
@staff_view(roles=EDITORS)
def contact_relationship_add(request, org_slug, contact_id):
    """Link a person to an organization or household (employee, trustee, household member…)."""
    organization = request.organization
    contact = _contact_or_404(request, contact_id)
    form = RelationshipForm(request.POST)
    other = None
    if form.is_valid():
        other = selectors.contact_get(
            organization=organization, contact_id=form.cleaned_data["related"]
        )
    if other is None:
        messages.error(request, _("Choose the organization or household to link to."))
    else:
        person, related = (contact, other) if contact.kind == "person" else (other, contact)
        try:
            services.relationship_add(
                organization=organization,
                person=person,
                related=related,
                kind=form.cleaned_data["kind"],
                role_title=form.cleaned_data["role_title"],
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Linked to %(name)s.") % {"name": other.name})
    return redirect("stakeholders:contact_detail", org_slug=org_slug, contact_id=contact.pk)


@require_POST
@staff_view(roles=EDITORS)
def relationship_remove(request, org_slug, relationship_id):
    relationship = get_object_or_404(
        Relationship, organization=request.organization, pk=relationship_id
    )
    services.relationship_remove(organization=request.organization, relationship=relationship)
    messages.success(request, _("Link removed."))
    back = request.POST.get("contact")
    if back and back.isdigit():
        return redirect("stakeholders:contact_detail", org_slug=org_slug, contact_id=int(back))
    return redirect("stakeholders:index", org_slug=org_slug)


@require_POST
@staff_view(roles=EDITORS)
def contact_consent(request, org_slug, contact_id):
    contact = _contact_or_404(request, contact_id)
    form = ConsentForm(request.POST)
    if form.is_valid():
        services.consent_record(
            organization=request.organization,
            contact=contact,
            source=ConsentSource.STAFF,
            recorded_by=request.user,
            **form.cleaned_data,
        )
        messages.success(request, _("Consent recorded."))
    else:
        messages.error(request, _("Choose a channel, a purpose and a decision."))
    return redirect("stakeholders:contact_detail", org_slug=org_slug, contact_id=contact.pk)


@staff_view()
def interaction_detail(request, org_slug, interaction_id):
    organization = request.organization
    role = request.membership.role
    interaction = get_object_or_404(
        selectors.interactions_for(organization=organization, staff_role=role), pk=interaction_id
    )
    can_edit = role in EDITORS
    resolution_form = ComplaintResolutionForm(instance=interaction)
    feedback_form = StaffFeedbackForm()
    if request.method == "POST" and can_edit:
        action = request.POST.get("action")
        if action == "resolve":
            resolution_form = ComplaintResolutionForm(request.POST, instance=interaction)
            if resolution_form.is_valid():
                services.interaction_update(
                    organization=organization,
                    interaction=interaction,
                    resolution=resolution_form.cleaned_data["resolution"],
                    resolved_at=resolution_form.cleaned_data["resolved_at"] or timezone.now(),
                )
                messages.success(request, _("Resolution saved."))
                return redirect(request.path)
        elif action == "feedback":
            feedback_form = StaffFeedbackForm(request.POST)
            if feedback_form.is_valid():
                try:
                    services.feedback_record(
                        organization=organization,
                        contact=interaction.contact,
                        interaction=interaction,
                        recorded_by=request.user,
                        **feedback_form.cleaned_data,
                    )
                except ValidationError as error:
                    _add_errors(feedback_form, error)
                else:
                    messages.success(request, _("Feedback recorded."))
                    return redirect(request.path)
    elif request.method == "POST":
        raise PermissionDenied
    context = {
        "interaction": interaction,
        "resolution_form": resolution_form,
        "feedback_form": feedback_form,
        "feedback": selectors.feedback_visible(organization=organization, staff_role=role).filter(
            interaction=interaction
        ),
        "can_edit": can_edit,
    }
    return render(request, "stakeholders/interactions/detail.html", context)


@require_POST
@staff_view(roles=EDITORS)
def follow_up_done(request, org_slug, interaction_id):
    interaction = get_object_or_404(
        selectors.interactions_for(
            organization=request.organization, staff_role=request.membership.role
        ),
        pk=interaction_id,
    )
    services.follow_up_complete(organization=request.organization, interaction=interaction)
    if request.htmx:
        return HttpResponse(
            format_html('<span class="badge badge--done">{}</span>', _("Done")), status=200
        )
    messages.success(request, _("Follow-up done."))
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        back = reverse("stakeholders:follow_ups", args=[org_slug])  # never off to another site
    return redirect(back)


@staff_view(roles=EDITORS)
def interaction_log(request, org_slug):
    """The global "log an interaction" shortcut: pick a contact, then the quick-log fields."""
    organization = request.organization
    form = InteractionForm(request.POST or None, organization=organization)
    contact = None
    contact_id = request.POST.get("contact") or request.GET.get("contact")
    if contact_id and str(contact_id).isdigit():
        contact = selectors.contact_get(organization=organization, contact_id=int(contact_id))
    if request.method == "POST":
        if contact is None:
            form.add_error(None, _("Choose who you were in touch with."))
        elif form.is_valid():
            try:
                services.interaction_log(
                    organization=organization,
                    contact=contact,
                    staff=request.user,
                    **form.interaction_fields(),
                )
            except ValidationError as error:
                _add_errors(form, error)
            else:
                messages.success(
                    request, _("Logged on %(name)s's timeline.") % {"name": contact.name}
                )
                return redirect(
                    "stakeholders:contact_detail", org_slug=org_slug, contact_id=contact.pk
                )
    return render(request, "stakeholders/interactions/log.html", {"form": form, "contact": contact})


@staff_view()
def follow_ups(request, org_slug):
    items = selectors.follow_ups_for(
        organization=request.organization, user=request.user, staff_role=request.membership.role
    )
    return render(
        request,
        "stakeholders/interactions/follow_ups.html",
        {"items": items[:200], "today": timezone.localdate()},
    )


# --- Duplicates -----------------------------------------------------------------------------


@staff_view(roles=EDITORS)
def duplicate_list(request, org_slug):
    if request.method == "POST":
        tasks.scan_duplicates.delay_on_commit(organization_id=request.organization.pk)
        messages.success(request, _("Looking for duplicates. Refresh in a moment."))
        return redirect(request.path)
    pairs = selectors.duplicate_pairs_open(organization=request.organization)
    page = Paginator(pairs, 50).get_page(request.GET.get("page"))
    return render(request, "stakeholders/duplicates/list.html", {"pairs": page, "members": page})


@staff_view(roles=EDITORS)
def duplicate_review(request, org_slug, pair_id):
    organization = request.organization
    pair = get_object_or_404(selectors.duplicate_pairs_open(organization=organization), pk=pair_id)
    if request.method == "POST":
        if request.POST.get("action") == "dismiss":
            services.duplicate_dismiss(organization=organization, pair=pair, actor=request.user)
            messages.success(request, _("Marked as different people."))
            return redirect("stakeholders:duplicate_list", org_slug=org_slug)
        keep_id = request.POST.get("keep")
        if keep_id in (str(pair.contact_id), str(pair.other_id)):
            keep, remove = (
                (pair.contact, pair.other)
                if keep_id == str(pair.contact_id)
                else (pair.other, pair.contact)
            )
            try:
                kept = services.contact_merge(
                    organization=organization, keep=keep, remove=remove, actor=request.user
                )
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
            else:
                messages.success(request, _("Merged into %(name)s.") % {"name": kept.name})
                return redirect(
                    "stakeholders:contact_detail", org_slug=org_slug, contact_id=kept.pk
                )
        else:
            messages.error(request, _("Choose the record to keep."))
    fields = [
        (
            Contact._meta.get_field(name).verbose_name,
            getattr(pair.contact, name),
            getattr(pair.other, name),
        )
        for name in (
            "name",
            "email",
            "email_alt",
            "phone",
            "mobile",
            "street",
            "city",
            "postal_code",
            "external_id",
        )
    ]
    return render(request, "stakeholders/duplicates/review.html", {"pair": pair, "fields": fields})


# --- Data subject requests -------------------------------------------------------------------

EXPORT_IN_MEMORY_BYTES = 8 * 1024 * 1024  # a bigger ZIP (many attachments) goes to a temp file


@staff_view(roles=ADMINS)
def contact_data_export(request, org_slug, contact_id):
    """Everything held about a person: JSON (machine-readable), a PDF summary, or a ZIP of the
    JSON and their own files (letters, attachments)."""
    contact = _contact_or_404(request, contact_id)
    data = selectors.contact_everything(organization=request.organization, contact=contact)
    audit.record(
        organization=request.organization,
        action=AuditAction.SUBJECT_EXPORT,
        target=contact,
        summary=f"contact {contact.pk} ({request.GET.get('format') or 'json'})",
    )
    if request.GET.get("format") == "zip":
        # FileResponse closes it once sent.
        archive = tempfile.SpooledTemporaryFile(max_size=EXPORT_IN_MEMORY_BYTES)  # noqa: SIM115
        data_export.write_zip(
            data=data,
            files=selectors.contact_files(organization=request.organization, contact=contact),
            out=archive,
        )
        archive.seek(0)
        return FileResponse(
            archive,
            as_attachment=True,
            filename=f"contact-{contact.pk}.zip",
            content_type="application/zip",
        )
    if request.GET.get("format") == "pdf":
        pdf = data_export.render_pdf(organization=request.organization, contact=contact, data=data)
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="contact-{contact.pk}.pdf"'
        return response
    response = JsonResponse(data, json_dumps_params={"indent": 2, "ensure_ascii": False})
    response["Content-Disposition"] = f'attachment; filename="contact-{contact.pk}.json"'
    return response


@staff_view(roles=ADMINS)
def contact_erase(request, org_slug, contact_id):
    contact = _contact_or_404(request, contact_id)
    if request.method == "POST":
        if request.POST.get("confirm") != contact.name:
            messages.error(request, _("Type the contact's name exactly to confirm."))
        else:
            services.contact_erase(
                organization=request.organization, contact=contact, actor=request.user
            )
            messages.success(request, _("The person's data was erased."))
            return redirect("stakeholders:contact_detail", org_slug=org_slug, contact_id=contact.pk)
    return render(request, "stakeholders/contacts/erase.html", {"contact": contact})


# --- Feedback from stakeholders (public, signed link) ------------------------------------------


@organization_public
@never_cache
@require_http_methods(["GET", "POST"])
def feedback_public(request, org_slug, token):
    """One link per score in the email. GET only shows the chosen score (mail scanners open
    links), the click on "Send" records it; a second answer replaces the first."""
    organization = request.organization
    form = PublicFeedbackForm(request.POST or None, initial={"score": request.GET.get("score")})
    measure = services.feedback_link_measure(organization=organization, token=token)
    if measure is None:
        return render(request, "stakeholders/feedback/invalid.html", status=400)
    low, high = SCORE_RANGES[measure]
    if request.method == "POST" and form.is_valid():
        try:
            services.feedback_record_from_link(
                organization=organization, token=token, **form.cleaned_data
            )
        except ValidationError:
            return render(request, "stakeholders/feedback/invalid.html", status=400)
        return render(request, "stakeholders/feedback/thanks.html")
    response = render(
        request,
        "stakeholders/feedback/form.html",
        {
            "form": form,
            "scores": range(low, high + 1),
            "measure": measure,
            "selected": request.GET.get("score"),
        },
    )
    response["Referrer-Policy"] = "same-origin"  # as invitation_accept: the POST keeps its Origin
    return response


# --- Import ----------------------------------------------------------------------------------


@staff_view(roles=EDITORS)
def import_start(request, org_slug):
    form = ImportUploadForm(
        request.POST or None,
        request.FILES or None,
        initial={"kind": request.GET.get("kind", "contacts")},
    )
    if request.method == "POST" and form.is_valid():
        importer = importing.importers[form.cleaned_data["kind"]]
        if not importer.allows(request.membership.role):
            raise PermissionDenied
        try:
            job = importing.import_create(
                organization=request.organization,
                upload=form.cleaned_data["file"],
                actor=request.user,
                kind=importer.kind,
            )
        except ValidationError as error:
            form.add_error("file", error)
        else:
            return redirect("stakeholders:import_detail", org_slug=org_slug, import_id=job.pk)
    imports = importing.imports_for(
        organization=request.organization, staff_role=request.membership.role
    )[:20]
    return render(request, "stakeholders/imports/start.html", {"form": form, "imports": imports})


def _import_or_404(request, import_id):
    """A job of a kind the member's role may import (else it is not theirs to see)."""
    jobs = importing.imports_for(
        organization=request.organization, staff_role=request.membership.role
    )
    return get_object_or_404(jobs, pk=import_id)


@staff_view(roles=EDITORS)
def import_detail(request, org_slug, import_id):
    job = _import_or_404(request, import_id)
    error = None
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "check" and job.status in (
            DataImport.Status.UPLOADED,
            DataImport.Status.CHECKED,
        ):
            mapping = {h: request.POST.get(f"map-{i}", "") for i, h in enumerate(job.headers)}
            try:
                importing.set_mapping(job=job, mapping=mapping)
            except ValidationError as exc:
                error = " ".join(exc.messages)
            else:
                tasks.check_import.delay_on_commit(
                    organization_id=request.organization.pk, import_id=job.pk
                )
                return redirect(request.path)
        elif action == "encoding" and job.status in (
            DataImport.Status.UPLOADED,
            DataImport.Status.CHECKED,
        ):
            try:
                importing.set_encoding(job=job, encoding=request.POST.get("encoding", ""))
            except ValidationError as exc:
                error = " ".join(exc.messages)
            else:
                return redirect(request.path)
        elif action == "run" and job.status == DataImport.Status.CHECKED:
            DataImport.objects.filter(pk=job.pk).update(status=DataImport.Status.IMPORTING)
            tasks.run_import.delay_on_commit(
                organization_id=request.organization.pk, import_id=job.pk
            )
            return redirect(request.path)
    context = {
        "job": job,
        "error": error,
        "columns": [
            {"index": i, "header": h, "target": job.mapping.get(h, "")}
            for i, h in enumerate(job.headers)
        ],
        "importer": importing.importers[job.kind],
        "targets": [
            (t, t.replace("_", " ").capitalize()) for t in importing.importers[job.kind].targets
        ],
        "encodings": importing.ENCODING_CHOICES,
        "preview": importing.preview(job)
        if job.status in (DataImport.Status.UPLOADED, DataImport.Status.CHECKED)
        else [],
        "working": job.status in (DataImport.Status.CHECKING, DataImport.Status.IMPORTING),
    }
    if request.htmx:
        response = render(request, "stakeholders/imports/_progress.html", context)
        if not context["working"]:
            response["HX-Refresh"] = "true"  # the step finished: show the whole page again
        return response
    return render(request, "stakeholders/imports/detail.html", context)


@staff_view(roles=EDITORS)
def import_errors(request, org_slug, import_id):
    job = _import_or_404(request, import_id)
    response = HttpResponse(
        "\ufeff" + importing.errors_csv(job), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="import-{job.pk}-errors.csv"'
    return response
