"""Ideas: a space's ideas page (propose, vote, sort), one idea, and staff's ideas page (status
and note, the top ideas by votes and by stakeholder type). Thin: the work is in
``community.services.ideas`` and ``community.selectors.ideas``."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from community.forms.ideas import IdeaForm, IdeaStatusForm
from community.models import IdeaStatus
from community.selectors import ideas as selectors
from community.selectors import questions
from community.selectors.members import redirect_to_sign_in
from community.services import ideas as services
from community.views.questions import post_limited, public_page, render_page, viewer_of
from stakeholders.forms import add_errors
from stakeholders.registries import restricted_contact_roles
from stakeholders.tenancy.views import staff_view

# Who answers ideas for the organization: everyone but read-only viewers.
PAGE_SIZE = 20


def _space(request, space_slug):
    """The space if this reader may see it (404 otherwise), and who reads."""
    viewer = viewer_of(request)
    space = questions.space_for_reader(
        organization=request.organization,
        slug=space_slug,
        viewer=viewer,
        language=translation.get_language(),
    )
    return space, viewer


def _ideas_url(request, space):
    return reverse(
        "community:ideas", kwargs={"org_slug": request.organization.slug, "space_slug": space.slug}
    )


@public_page
@require_http_methods(["GET", "POST"])
def ideas(request, org_slug, space_slug):
    space, viewer = _space(request, space_slug)
    member = viewer.member
    organization = request.organization
    may_post = questions.can_post(space, viewer)
    form = IdeaForm(request.POST or None) if may_post else None
    status = 200
    if request.method == "POST":
        if member is None:
            return redirect_to_sign_in(request)
        if not may_post:
            return redirect(_ideas_url(request, space))
        if form.is_bot:  # a filled honeypot: answer like a success, keep nothing
            messages.success(request, _("Thank you: your idea is saved."))
            return redirect(_ideas_url(request, space))
        if post_limited(request, member=member):
            form.full_clean()
            form.add_error(
                None, _("You have shared many ideas in a short time. Please try again later.")
            )
            status = 429
        elif form.too_quick(min_seconds=settings.COMMUNITY_FORM_MIN_SECONDS):
            form.full_clean()
            form.add_error(
                None, _("That was very quick — please check your idea and send it again.")
            )
        elif form.is_valid():
            try:
                idea = services.idea_propose(
                    organization=organization,
                    space=space,
                    member=member,
                    title=form.cleaned_data["title"],
                    body=form.cleaned_data["body"],
                )
            except ValidationError as error:
                add_errors(form, error)
            else:
                if idea.moderation == "pending":
                    messages.success(
                        request,
                        _("Thank you: your idea waits for a moderator, then everyone sees it."),
                    )
                else:
                    messages.success(request, _("Thank you: your idea is posted."))
                return redirect(
                    "community:idea",
                    org_slug=organization.slug,
                    space_slug=space.slug,
                    idea_id=idea.pk,
                )
        status = status if status != 200 else 400
        form.restamp()
    sort = request.GET.get("sort") if request.GET.get("sort") in selectors.SORTS else "votes"
    shown_status = (
        request.GET.get("status") if request.GET.get("status") in IdeaStatus.values else ""
    )
    page = Paginator(
        selectors.ideas_list(
            organization=organization, space=space, sort=sort, status=shown_status, member=member
        ),
        PAGE_SIZE,
    ).get_page(request.GET.get("page"))
    counts = selectors.status_counts(organization=organization, space=space)
    return render_page(
        request,
        "community/ideas.html",
        {
            "space": space,
            "member": member,
            "form": form,
            "page": page,
            "sort": sort,
            "shown_status": shown_status,
            "statuses": [
                (value, label, counts.get(value, 0)) for value, label in IdeaStatus.choices
            ],
        },
        status=status,
    )


@public_page
@require_GET
def idea(request, org_slug, space_slug, idea_id):
    space, viewer = _space(request, space_slug)
    shown = selectors.idea_get(
        organization=request.organization, idea_id=idea_id, space=space, member=viewer.member
    )
    return render_page(
        request, "community/idea.html", {"space": space, "member": viewer.member, "idea": shown}
    )


@public_page
@require_POST
def idea_vote(request, org_slug, space_slug, idea_id):
    space, viewer = _space(request, space_slug)
    member = viewer.member
    if member is None:
        return redirect_to_sign_in(request)
    shown = selectors.idea_get(organization=request.organization, idea_id=idea_id, space=space)
    try:
        voted = services.idea_vote_toggle(
            organization=request.organization, idea=shown, member=member
        )
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(
            request, _("Your vote is counted.") if voted else _("Your vote is taken back.")
        )
    back = request.POST.get("next", "")
    if back not in ("list", "idea"):
        back = "idea"
    if back == "list":
        return redirect(_ideas_url(request, space))
    return redirect("community:idea", org_slug=org_slug, space_slug=space.slug, idea_id=shown.pk)


# --- Staff ---------------------------------------------------------------------------------


def _voter_types(request):
    """The stakeholder types this staff member may see (being a client is confidential)."""
    hidden = restricted_contact_roles.hidden_from(request.membership.role)
    labels = {
        "donor": _("Donors"),
        "volunteer": _("Volunteers"),
        "client": _("Clients"),
        "staff": _("Staff"),
    }
    return [(code, label) for code, label in labels.items() if code not in hidden]


@staff_view(roles=services.IDEA_ROLES)
def manage_ideas(request, org_slug):
    organization = request.organization
    shown_status = (
        request.GET.get("status") if request.GET.get("status") in IdeaStatus.values else ""
    )
    types = _voter_types(request)
    totals = selectors.voters_by_type(organization=organization)
    rows = selectors.staff_ideas(organization=organization, status=shown_status)
    for row in rows:
        row.voter_counts = [row.voters.get(code, 0) for code, _label in types]
    top_by_type = [
        (label, selectors.top_ideas_of_type(organization=organization, voter_type=code))
        for code, label in types
        if code != "staff"
    ]
    return render(
        request,
        "community/manage/ideas.html",
        {
            "ideas": rows,
            "types": types,
            "shown_status": shown_status,
            "statuses": IdeaStatus.choices,
            "chart": [(label, totals.get(code, 0)) for code, label in types],
            "chart_title": _("People who voted for ideas, by stakeholder type"),
            "top_by_type": top_by_type,
        },
    )


@staff_view(roles=services.IDEA_ROLES)
@require_http_methods(["GET", "POST"])
def manage_idea(request, org_slug, idea_id):
    organization = request.organization
    shown = selectors.idea_get(organization=organization, idea_id=idea_id, published_only=False)
    form = IdeaStatusForm(
        request.POST or None, initial={"status": shown.status, "note": shown.staff_note}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.idea_set_status(
                organization=organization,
                idea=shown,
                status=form.cleaned_data["status"],
                note=form.cleaned_data["note"],
                actor=request.user,
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("The idea's status is saved."))
            return redirect("community:manage_ideas", org_slug=organization.slug)
    return render(
        request,
        "community/manage/idea.html",
        {"idea": shown, "form": form},
        status=400 if form.errors else 200,
    )


urlpatterns = [
    path("s/<slug:space_slug>/ideas/", ideas, name="ideas"),
    path("s/<slug:space_slug>/ideas/<int:idea_id>/", idea, name="idea"),
    path("s/<slug:space_slug>/ideas/<int:idea_id>/vote/", idea_vote, name="idea_vote"),
    path("manage/ideas/", manage_ideas, name="manage_ideas"),
    path("manage/ideas/<int:idea_id>/", manage_idea, name="manage_idea"),
]
