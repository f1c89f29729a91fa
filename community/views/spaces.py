"""Staff pages for the community's spaces (admins): list, create, edit, archive or restore.
Each change goes through ``community.services.questions`` and lands in the audit trail."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from community.forms.spaces import LANGUAGE_NAMES, SpaceForm
from community.models import Space
from community.services import questions as services
from stakeholders.forms import add_errors
from stakeholders.models import Role
from stakeholders.tenancy.views import staff_view


def _space(request, space_id):
    return get_object_or_404(Space, organization=request.organization, pk=space_id)


@staff_view(roles=[Role.ADMIN])
@require_http_methods(["GET"])
def manage_spaces(request, org_slug):
    spaces = Space.objects.filter(organization=request.organization)
    languages = [LANGUAGE_NAMES.get(code, code) for code in request.organization.content_languages]
    return render(
        request,
        "community/manage/spaces.html",
        {"spaces": spaces, "languages": languages, "section": "spaces"},
    )


def _space_form_page(request, *, space=None):
    organization = request.organization
    form = SpaceForm(request.POST or None, instance=space, organization=organization)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                if space is None:
                    saved = services.space_create(
                        organization=organization, data=form.space_data(), actor=request.user
                    )
                    messages.success(request, _("Space created."))
                else:
                    saved = services.space_update(
                        organization=organization,
                        space=space,
                        data=form.space_data(),
                        actor=request.user,
                    )
                    messages.success(request, _("Space saved."))
            except ValidationError as error:
                add_errors(form, error)
            else:
                return redirect(
                    "community:manage_space_edit",
                    org_slug=organization.slug,
                    space_id=saved.pk,
                )
        status = 400
    return render(
        request,
        "community/manage/space_form.html",
        {"form": form, "space": space, "section": "spaces"},
        status=status,
    )


@staff_view(roles=[Role.ADMIN])
@require_http_methods(["GET", "POST"])
def manage_space_new(request, org_slug):
    return _space_form_page(request)


@staff_view(roles=[Role.ADMIN])
@require_http_methods(["GET", "POST"])
def manage_space_edit(request, org_slug, space_id):
    return _space_form_page(request, space=_space(request, space_id))


@staff_view(roles=[Role.ADMIN])
@require_POST
def manage_space_archive(request, org_slug, space_id):
    """Archive the space (``archived=1``) or bring it back (``archived=0``)."""
    space = _space(request, space_id)
    archived = request.POST.get("archived") == "1"
    services.space_archive(
        organization=request.organization, space=space, archived=archived, actor=request.user
    )
    messages.success(request, _("Space archived.") if archived else _("Space restored."))
    return redirect("community:manage_space_edit", org_slug=org_slug, space_id=space.pk)


urlpatterns = [
    path("manage/spaces/", manage_spaces, name="manage_spaces"),
    path("manage/spaces/new/", manage_space_new, name="manage_space_new"),
    path("manage/spaces/<int:space_id>/", manage_space_edit, name="manage_space_edit"),
    path(
        "manage/spaces/<int:space_id>/archive/",
        manage_space_archive,
        name="manage_space_archive",
    ),
]
