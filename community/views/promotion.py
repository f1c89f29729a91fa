"""Staff turn a question's accepted answer into a help-centre article (a draft they check and
publish in the help centre's editor)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from community.services import promotion as services
from stakeholders.models import Role
from stakeholders.tenancy.views import staff_view

# Those who edit the help centre.
PROMOTE_ROLES = (Role.ADMIN, Role.CASEWORKER)


@staff_view(roles=PROMOTE_ROLES)
@require_http_methods(["GET", "POST"])
def manage_promote(request, org_slug, question_id):
    organization = request.organization
    question = services.question_for_promotion(organization=organization, question_id=question_id)
    problem = services.promotion_problem(organization=organization, question=question)
    if request.method == "POST" and not problem:
        try:
            services.promote_question(
                organization=organization, question=question, user=request.user
            )
        except ValidationError as error:
            problem = error.messages[0]
        else:
            messages.success(
                request,
                _(
                    "A draft article is ready in the help centre, in “From the community”. "
                    "Check it and publish it there."
                ),
            )
            return redirect("community:question", org_slug=org_slug, question_id=question.pk)
    return render(
        request,
        "community/manage/promote.html",
        {"question": question, "answer": question.accepted_answer, "problem": problem},
        status=400 if problem and request.method == "POST" else 200,
    )


urlpatterns = [
    path("manage/questions/<int:question_id>/promote/", manage_promote, name="manage_promote"),
]
