"""From the community to the help centre: staff turn a question's accepted answer into a
help-centre article through the core's ``knowledge`` registry (the community never imports the
help centre). The article is a draft in "From the community", in the question's language,
titled by the question, with the accepted answer as its text and a link back; the question
keeps ``article_id`` and says it is in the help centre once the article is published."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _

from community.models import Answer, PostStatus, Question
from stakeholders import audit
from stakeholders.models import AuditAction
from stakeholders.registries import knowledge

AUDIT_ACTION = AuditAction.COMMUNITY_PROMOTED


def question_for_promotion(*, organization, question_id):
    """A published question with its accepted answer (404 for another organization's)."""
    return get_object_or_404(
        Question.objects.select_related("space", "accepted_answer", "accepted_answer__author"),
        organization=organization,
        pk=question_id,
        status=PostStatus.PUBLISHED,
    )


def promotion_problem(*, organization, question):
    """Why this question can't become an article (a sentence), or "" when it can."""
    if not knowledge.available:
        return _("No help centre is installed.")
    answer = question.accepted_answer
    if answer is None or answer.status != PostStatus.PUBLISHED:
        return _("Only a question with an accepted answer can go to the help centre.")
    if question.article_id and knowledge.article(
        organization=organization, article_id=question.article_id, published=False
    ):
        return _("This question is already in the help centre.")
    return ""


def question_url(*, organization, question):
    return settings.SITE_URL.rstrip("/") + reverse(
        "community:question", kwargs={"org_slug": organization.slug, "question_id": question.pk}
    )


@transaction.atomic
def promote_question(*, organization, question, user):
    """Make the draft article (once: the question's row is locked, so a double click makes
    one) and remember it on the question. Returns the core's KnowledgeArticle."""
    question = (
        Question.objects.select_for_update(of=("self",))
        .select_related("accepted_answer")
        .get(organization=organization, pk=question.pk)
    )
    problem = promotion_problem(organization=organization, question=question)
    if problem:
        raise ValidationError(problem)
    answer = Answer.objects.get(organization=organization, pk=question.accepted_answer_id)
    article = knowledge.publish(
        organization=organization,
        title=question.title,
        body=answer.body,
        language=question.language,
        source_url=question_url(organization=organization, question=question),
        user=user,
    )
    Question.objects.filter(organization=organization, pk=question.pk).update(article_id=article.id)
    audit.record(
        organization=organization,
        action=AUDIT_ACTION,
        summary=_("Question made into a help-centre article: %(title)s")
        % {"title": question.title[:200]},
        target=question,
        changes={"article_id": article.id},
        actor=user,
    )
    return article
