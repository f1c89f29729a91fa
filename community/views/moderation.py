"""Moderation: the staff queue (posts waiting, open reports), a post's moderation page with its
actions, a member's block page, the community settings (admins) — and the public "report this
post". Thin: the rules are in ``community.services.moderation`` and the selectors."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from django_ratelimit.core import is_ratelimited

from community.forms.moderation import (
    DismissForm,
    EditForm,
    MergeForm,
    MoveForm,
    ReasonForm,
    ReportForm,
    SettingsForm,
    reason_display,
)
from community.models import PostStatus, Question, Revision
from community.selectors import moderation as selectors
from community.selectors.questions import can_read
from community.services import moderation as services
from community.services.holds import community_settings
from community.views.questions import public_page, render_page, viewer_of
from stakeholders.audit import _client_address
from stakeholders.forms import add_errors
from stakeholders.models import Role
from stakeholders.public_forms import over_limit
from stakeholders.tenancy.views import staff_view

MODERATORS = selectors.MODERATOR_ROLES
ADMINS = (Role.ADMIN,)
PAGE = 25


def _post_or_404(request, post_kind, post_id):
    post = selectors.post_get(
        organization=request.organization,
        role=request.membership.role,
        kind=post_kind,
        post_id=post_id,
    )
    if post is None:
        raise Http404
    return post


def _author_context(request, member):
    visible = selectors.contact_visible(role=request.membership.role, member=member)
    return {"author": member, "author_contact": member.contact if visible else None}


def _items_context(request, items):
    for item in items:
        item.reason_labels = [reason_display(reason) for reason in item.reasons]
        visible = selectors.contact_visible(role=request.membership.role, member=item.post.author)
        item.contact = item.post.author.contact if visible else None
    return items


@staff_view(roles=MODERATORS)
@require_http_methods(["GET"])
def manage(request, org_slug):
    """The queue: posts waiting for approval (oldest first), or open reports by post."""
    organization, role = request.organization, request.membership.role
    view = "reports" if request.GET.get("view") == "reports" else "pending"
    cursor = selectors.decode_cursor(request.GET.get("after"))
    if view == "reports":
        items, next_cursor = selectors.report_groups(
            organization=organization, role=role, cursor=cursor, limit=PAGE
        )
    else:
        items, next_cursor = selectors.pending_queue(
            organization=organization, role=role, cursor=cursor, limit=PAGE
        )
    return render(
        request,
        "community/manage/moderation.html",
        {
            "view": view,
            "items": _items_context(request, items),
            "next_cursor": next_cursor,
            "counts": selectors.queue_counts(organization=organization, role=role),
            "reports_to_hide": selectors.REPORTS_TO_HIDE,
            "is_admin": role == Role.ADMIN,
        },
    )


def _post_page(request, post_kind, post, forms, status=200):
    organization, role = request.organization, request.membership.role
    reports = list(selectors.open_reports_for(organization=organization, kind=post_kind, post=post))
    revisions = []
    if post_kind in ("question", "answer"):
        revisions = Revision.objects.filter(
            organization=organization, **{post_kind: post}
        ).order_by("-created_at", "-id")[:10]
    context = {
        "kind": post_kind,
        "post": post,
        "status": getattr(post, selectors.status_field(post_kind)),
        "space": selectors.post_space(post_kind, post),
        "question": selectors.post_question(post_kind, post),
        "reports": [(report, reason_display(report.reason)) for report in reports],
        "revisions": revisions,
        "public_url": _post_url(request, post_kind, post)
        if getattr(post, selectors.status_field(post_kind)) == PostStatus.PUBLISHED
        else None,
        "is_admin": role == Role.ADMIN,
        **_author_context(request, post.author),
        **forms,
    }
    return render(request, "community/manage/moderation_post.html", context, status=status)


def _forms(request, post_kind, post, bound=None, data=None):
    organization, role = request.organization, request.membership.role
    spaces = selectors.spaces_moderated(organization=organization, role=role).filter(
        is_archived=False
    )
    questions = Question.objects.filter(
        organization=organization,
        space__in=selectors.spaces_moderated(organization=organization, role=role),
        merged_into__isnull=True,
        status=PostStatus.PUBLISHED,
    ).exclude(pk=post.pk if post_kind == "question" else None)
    forms = {
        "hide_form": ReasonForm(prefix="hide"),
        "dismiss_form": DismissForm(prefix="dismiss"),
        "edit_form": None,
        "move_form": None,
        "merge_form": None,
    }
    if post_kind in ("question", "answer"):
        forms["edit_form"] = EditForm(
            prefix="edit",
            kind=post_kind,
            initial={"title": getattr(post, "title", ""), "body": post.body},
        )
    if post_kind == "question":
        forms["move_form"] = MoveForm(
            prefix="move", spaces=spaces.exclude(pk=post.space_id), initial={}
        )
        forms["merge_form"] = MergeForm(prefix="merge", questions=questions)
    if bound is not None:
        forms[f"{bound}_form"] = {
            "hide": lambda: ReasonForm(data, prefix="hide"),
            "dismiss": lambda: DismissForm(data, prefix="dismiss"),
            "edit": lambda: EditForm(data, prefix="edit", kind=post_kind),
            "move": lambda: MoveForm(data, prefix="move", spaces=spaces.exclude(pk=post.space_id)),
            "merge": lambda: MergeForm(data, prefix="merge", questions=questions),
        }[bound]()
    return forms


def _act(request, post_kind, post, step):
    """Run one action; returns the bound form with errors, or None when it worked."""
    organization, user = request.organization, request.user
    common = {"organization": organization, "user": user}
    if step == "approve":
        services.approve(**common, kind=post_kind, post=post)
        messages.success(request, _("The post is published."))
        return None, None
    if step in ("lock", "unlock") and post_kind == "question":
        services.set_locked(**common, question=post, locked=step == "lock")
        messages.success(
            request,
            _("The question is locked.") if step == "lock" else _("The question is open again."),
        )
        return None, None
    forms = _forms(request, post_kind, post, bound=step, data=request.POST)
    form = forms.get(f"{step}_form")
    if form is None:
        raise Http404
    if not form.is_valid():
        return step, forms
    data = form.cleaned_data
    try:
        if step == "hide":
            services.hide(**common, kind=post_kind, post=post, reason=data["reason"])
            messages.success(request, _("The post is hidden."))
        elif step == "dismiss":
            services.dismiss_reports(**common, kind=post_kind, post=post, note=data["note"])
            messages.success(request, _("The reports are closed."))
        elif step == "edit":
            services.edit(
                **common,
                kind=post_kind,
                post=post,
                title=data.get("title"),
                body=data["body"],
                reason=data["reason"],
            )
            messages.success(request, _("The post is changed; the earlier version is kept."))
        elif step == "move":
            services.move(**common, question=post, space=data["space"])
            messages.success(request, _("The question is moved."))
        elif step == "merge":
            services.merge(**common, duplicate=post, target=data["target"])
            messages.success(request, _("The questions are merged."))
    except ValidationError as error:
        add_errors(form, error)
        return step, forms
    return None, None


@staff_view(roles=MODERATORS)
@require_http_methods(["GET", "POST"])
def manage_post(request, org_slug, post_kind, post_id):
    """One post with everything a moderator can do to it; each action posts ``step``."""
    post = _post_or_404(request, post_kind, post_id)
    if request.method == "POST":
        step = request.POST.get("step", "")
        try:
            failed, forms = _act(request, post_kind, post, step)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            failed, forms = None, None
        if failed is None:
            if request.POST.get("next") == "queue":
                return redirect("community:manage", org_slug=org_slug)
            return redirect(
                "community:manage_post", org_slug=org_slug, post_kind=post_kind, post_id=post_id
            )
        return _post_page(request, post_kind, post, forms, status=400)
    return _post_page(request, post_kind, post, _forms(request, post_kind, post))


@staff_view(roles=MODERATORS)
@require_http_methods(["GET", "POST"])
def manage_member(request, org_slug, member_id):
    """A member's standing: their posts by state, and block (with a reason) or unblock."""
    organization = request.organization
    member = selectors.member_get(
        organization=organization, role=request.membership.role, member_id=member_id
    )
    if member is None:
        raise Http404
    form = ReasonForm(request.POST or None, prefix="block")
    status = 200
    if request.method == "POST":
        try:
            if request.POST.get("step") == "unblock":
                services.unblock_member(organization=organization, user=request.user, member=member)
                messages.success(request, _("The member can take part again."))
                return redirect("community:manage_member", org_slug=org_slug, member_id=member.pk)
            if form.is_valid():
                services.block_member(
                    organization=organization,
                    user=request.user,
                    member=member,
                    reason=form.cleaned_data["reason"],
                )
                messages.success(request, _("The member is blocked."))
                return redirect("community:manage_member", org_slug=org_slug, member_id=member.pk)
        except ValidationError as error:
            add_errors(form, error)
        status = 400
    return render(
        request,
        "community/manage/moderation_member.html",
        {
            "member": member,
            "form": form,
            "summary": selectors.member_posts_summary(organization=organization, member=member),
            **_author_context(request, member),
        },
        status=status,
    )


@staff_view(roles=ADMINS)
@require_http_methods(["GET", "POST"])
def manage_settings(request, org_slug):
    """The community's rules (admins)."""
    organization = request.organization
    row = community_settings(organization=organization)
    form = SettingsForm(request.POST or None, instance=row)
    if request.method == "POST" and form.is_valid():
        services.update_settings(
            organization=organization,
            user=request.user,
            data={name: form.cleaned_data[name] for name in services.SETTINGS_FIELDS},
        )
        messages.success(request, _("The community settings are saved."))
        return redirect("community:manage_settings", org_slug=org_slug)
    return render(
        request,
        "community/manage/settings.html",
        {
            "form": form,
            "counts": selectors.queue_counts(organization=organization, role=Role.ADMIN),
        },
        status=400 if form.errors else 200,
    )


# --- Public: report a post -----------------------------------------------------------------------


def _report_limited(request, member):
    organization_id = request.organization.pk
    by_ip = over_limit(
        request,
        prefix="community-report",
        email=None,
        ip_rate=settings.COMMUNITY_REPORT_IP_RATE,
        email_rate=None,
    )
    by_member = member is not None and is_ratelimited(
        request,
        group=f"community-report-member-{organization_id}",
        key=lambda group, req: str(member.pk),
        rate=settings.COMMUNITY_REPORT_MEMBER_RATE,
        increment=True,
    )
    return by_ip or by_member


def _public_post(request, post_kind, post_id):
    """A published post of this organization whose space the visitor may read, or 404."""
    if post_kind not in selectors.MODEL:
        raise Http404
    post = selectors.post_get(
        organization=request.organization, role=Role.ADMIN, kind=post_kind, post_id=post_id
    )
    if post is None or getattr(post, selectors.status_field(post_kind)) != PostStatus.PUBLISHED:
        raise Http404
    viewer = viewer_of(request)
    if not can_read(selectors.post_space(post_kind, post), viewer):
        raise Http404
    return post, viewer.member


def _post_url(request, post_kind, post):
    slug = request.organization.slug
    question = selectors.post_question(post_kind, post)
    if question is not None:
        url = reverse("community:question", kwargs={"org_slug": slug, "question_id": question.pk})
        return url if post_kind == "question" else f"{url}#{post_kind}-{post.pk}"
    return reverse(
        "community:idea",
        kwargs={"org_slug": slug, "space_slug": post.space.slug, "idea_id": post.pk},
    )


@public_page
@require_http_methods(["GET", "POST"])
def report(request, org_slug, post_kind, post_id):
    """Report a post to the moderators (members and visitors). Honeypot, fill-time check and
    rate limits per network address and member; reporting twice counts once."""
    post, member = _public_post(request, post_kind, post_id)
    form = ReportForm(request.POST or None)
    context = {"kind": post_kind, "post": post, "back_url": _post_url(request, post_kind, post)}
    if request.method == "POST":
        if _report_limited(request, member):
            return render(
                request,
                "community/moderation_report.html",
                {**context, "limited": True},
                status=429,
            )
        if form.is_bot:  # a filled honeypot: answer like a success, keep nothing
            return render_page(
                request, "community/moderation_report.html", {**context, "sent": True}
            )
        minimum = settings.COMMUNITY_FORM_MIN_SECONDS
        if form.too_quick(min_seconds=minimum):
            form.is_valid()
            form.add_error(
                None, _("That was very quick — please check your report and send it again.")
            )
        elif form.is_valid():
            try:
                services.report_post(
                    organization=request.organization,
                    kind=post_kind,
                    post=post,
                    reason=form.reason(),
                    member=member,
                    address=_client_address(request),
                )
            except ValidationError as error:
                add_errors(form, error)
            else:
                return render_page(
                    request, "community/moderation_report.html", {**context, "sent": True}
                )
        form.restamp()
        return render_page(
            request, "community/moderation_report.html", {**context, "form": form}, 400
        )
    return render_page(request, "community/moderation_report.html", {**context, "form": form})


urlpatterns = [
    path("manage/", manage, name="manage"),
    path(
        "manage/posts/<str:post_kind>/<int:post_id>/",
        manage_post,
        name="manage_post",
    ),
    path("manage/members/<int:member_id>/", manage_member, name="manage_member"),
    path("manage/settings/", manage_settings, name="manage_settings"),
    path("report/<str:post_kind>/<int:post_id>/", report, name="report"),
]


def dashboard_card(request):
    """The dashboard's moderation card: shown when the community is open or has anything
    waiting (a closed, quiet community stays off the dashboard)."""
    counts = selectors.dashboard_figures(
        organization=request.organization, role=request.membership.role
    )
    return {"moderation": counts} if counts else None
