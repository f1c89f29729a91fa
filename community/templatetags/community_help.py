"""``{% load community_help %}{% help_centre_link question %}``: on a question's page, "now in
the help centre" (a link to the published article it became) and, for staff who edit the help
centre, the way to make its accepted answer into an article."""

from django import template

from community.selectors.members import staff_membership
from stakeholders.models import Role
from stakeholders.registries import knowledge

register = template.Library()

PROMOTE_ROLES = (Role.ADMIN, Role.CASEWORKER)


@register.inclusion_tag("community/promotion_link.html", takes_context=True)
def help_centre_link(context, question):
    request = context["request"]
    organization = request.organization
    membership = getattr(request, "membership", None) or staff_membership(request)
    article = knowledge.article(organization=organization, article_id=question.article_id)
    can_promote = (
        membership is not None
        and membership.role in PROMOTE_ROLES
        and knowledge.available
        and question.accepted_answer_id is not None
        and question.article_id is None
    )
    return {
        "organization": organization,
        "question": question,
        "article": article,
        "draft": question.article_id is not None and article is None,
        "is_staff": membership is not None and membership.role in PROMOTE_ROLES,
        "can_promote": can_promote,
    }
