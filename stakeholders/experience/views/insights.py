"""insights pages: what separates the satisfied from the rest, the top five complaints and
expectations, and the comments waiting for a category."""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from stakeholders.experience import insights
from stakeholders.models import ComplaintCategory, Role
from stakeholders.replica import reads_from_replica
from stakeholders.tenancy.views import staff_view

EDITORS = (Role.ADMIN, Role.FUNDRAISER, Role.VOLUNTEER_COORDINATOR, Role.CASEWORKER)
COMMENTS_PER_PAGE = 25


# --- Forms ----------------------------------------------------------------------------------------


class CategoryForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=100)
    kind = forms.ChoiceField(
        label=gettext_lazy("Kind"),
        choices=ComplaintCategory.Kind.choices,
        initial=ComplaintCategory.Kind.COMPLAINT,
    )


class TagForm(forms.Form):
    """One comment's category: an existing one (grouped by kind) or a new one named here."""

    category = forms.TypedChoiceField(
        label=gettext_lazy("Tag as"), coerce=int, required=False, empty_value=None
    )
    new_name = forms.CharField(label=gettext_lazy("New category"), max_length=100, required=False)
    new_kind = forms.ChoiceField(
        label=gettext_lazy("Kind"),
        choices=ComplaintCategory.Kind.choices,
        initial=ComplaintCategory.Kind.COMPLAINT,
        required=False,
    )

    def __init__(self, *args, groups, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [("", _("Choose a category"))] + [
            (label, [(category.pk, category.name) for category in found])
            for _kind, label, found in groups
            if found
        ]

    def clean(self):
        data = super().clean()
        if not data.get("category") and not (data.get("new_name") or "").strip():
            self.add_error("category", _("Choose a category, or name a new one."))
        return data


def _tag_form(feedback, groups, data=None):
    return TagForm(data, groups=groups, prefix=f"f{feedback.pk}")


# --- Pages ----------------------------------------------------------------------------------------


def _median_chart(found):
    """Paired bars (satisfied, dissatisfied) of one numeric attribute, when both have a median."""
    medians = (found["satisfied_median"], found["dissatisfied_median"])
    if None in medians or not max(medians):
        return None
    return [
        (_("Satisfied"), round(found["satisfied_median"], 1)),
        (_("Dissatisfied"), round(found["dissatisfied_median"], 1)),
    ]


@staff_view()
@reads_from_replica()
def insights_page(request, org_slug):
    organization = request.organization
    role = request.membership.role
    sections = insights.separates(organization=organization, staff_role=role)
    for section in sections:
        for found in section["numbers"]:
            found["chart"] = _median_chart(found)
    top = insights.top_fives(organization=organization, staff_role=role)
    return render(
        request,
        "experience/insights/index.html",
        {
            "sections": sections,
            "top": top,
            "min_answers": insights.MIN_ANSWERS,
            "may_tag": role in EDITORS,
        },
    )


def _comments_context(request, *, tag_forms=None, category_form=None):
    organization = request.organization
    groups = insights.categories_by_kind(organization=organization)
    comments = insights.comments_to_tag(
        organization=organization, staff_role=request.membership.role
    )
    page = Paginator(comments, COMMENTS_PER_PAGE).get_page(request.GET.get("page"))
    tag_forms = tag_forms or {}
    rows = [
        (feedback, tag_forms.get(feedback.pk) or _tag_form(feedback, groups)) for feedback in page
    ]
    return {
        "page": page,
        "rows": rows,
        "groups": groups,
        "category_form": category_form or CategoryForm(prefix="new"),
    }


def _tag(request, organization, feedback, form):
    """Tag ``feedback`` from a valid ``form``; a field error on the form when it can't be."""
    data = form.cleaned_data
    try:
        if (data.get("new_name") or "").strip():
            category = insights.category_create(
                organization=organization,
                name=data["new_name"],
                kind=data.get("new_kind") or ComplaintCategory.Kind.COMPLAINT,
            )
        else:
            category = (
                insights.categories(organization=organization).filter(pk=data["category"]).first()
            )
            if category is None:
                raise ValidationError({"category": [_("Choose a category of this organization.")]})
        insights.feedback_tag(organization=organization, feedback=feedback, category=category)
    except ValidationError as error:
        for field, errors in error.message_dict.items():
            field = {"name": "new_name", "kind": "new_kind"}.get(field, field)
            for message in errors:
                form.add_error(field if field in form.fields else None, message)
        return None
    return category


@staff_view(roles=EDITORS)
def comments_page(request, org_slug):
    """Comments nobody has tagged yet, each with a category select (complaints and expectations)
    and a way to name a new category; and the categories, with a form to add one."""
    organization = request.organization
    back = reverse("experience:insights_comments", kwargs={"org_slug": org_slug})
    if request.GET.get("page"):
        back += f"?page={request.GET['page']}"
    if request.method != "POST":
        return render(request, "experience/insights/comments.html", _comments_context(request))

    if request.POST.get("action") == "category":
        form = CategoryForm(request.POST, prefix="new")
        if form.is_valid():
            try:
                category = insights.category_create(organization=organization, **form.cleaned_data)
            except ValidationError as error:
                for field, errors in error.message_dict.items():
                    for message in errors:
                        form.add_error(field, message)
            else:
                messages.success(request, _("Category “%(name)s” added.") % {"name": category})
                return redirect(back)
        context = _comments_context(request, category_form=form)
        return render(request, "experience/insights/comments.html", context, status=422)

    feedback_id = request.POST.get("feedback", "")
    feedback = insights.feedback_for_tagging(
        organization=organization,
        staff_role=request.membership.role,
        feedback_id=int(feedback_id) if feedback_id.isdigit() else None,
    )
    if feedback is None:
        raise Http404
    groups = insights.categories_by_kind(organization=organization)
    form = _tag_form(feedback, groups, request.POST)
    category = _tag(request, organization, feedback, form) if form.is_valid() else None
    if request.htmx:
        return render(
            request,
            "experience/insights/_comment_row.html",
            # htmx swaps only 2xx responses: the errors come back as a 200 aimed at the row.
            {"feedback": feedback, "form": form, "tagged": category, "groups": groups},
        )
    if category is not None:
        messages.success(request, _("Tagged as “%(name)s”.") % {"name": category})
        return redirect(back)
    context = _comments_context(request, tag_forms={feedback.pk: form})
    return render(request, "experience/insights/comments.html", context, status=422)


urlpatterns = [
    path("insights/", insights_page, name="insights"),
    path("insights/comments/", comments_page, name="insights_comments"),
]
