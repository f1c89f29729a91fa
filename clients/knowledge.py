"""The help centre as the core's ``knowledge`` provider (``stakeholders.registries``): how the
community finds help-centre articles while someone types a question, counts a question not
asked because an article answered it, and turns an accepted answer into an article — without
importing the clients app."""

from django.db import transaction
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from clients import selectors, services
from clients.models import Article, ArticleCategory
from stakeholders.registries import KnowledgeArticle


def _shown(organization, article):
    return KnowledgeArticle(
        id=article.pk,
        title=article.title,
        summary=article.summary,
        url=reverse(
            "clients:help_article",
            kwargs={"org_slug": organization.slug, "article_id": article.pk},
        ),
    )


def community_category(*, organization):
    """The "From the community" category, named in the organization's language (made once)."""
    with translation.override(organization.language):
        name = _("From the community")
        description = _("Answers that first helped someone in our community.")
    category, _created = ArticleCategory.objects.get_or_create(
        organization=organization,
        name=name,
        defaults={"description": description, "position": 100},
    )
    return category


class HelpCentreKnowledge:
    def search(self, *, organization, text, language, limit=5):
        """Published articles for what someone is typing: the help centre's own full-text
        search in the way the request form's suggestions use it (word beginnings, any word)."""
        found = selectors.article_search(
            organization=organization, query=text, limit=limit, prefix=True, language=language
        )
        return [_shown(organization, article) for article in found]

    @transaction.atomic
    def publish(self, *, organization, title, body, language, source_url, user):
        """A draft article in "From the community", in the question's language, for staff to
        check (an answer written for one person may need a word changed) and publish."""
        article = Article(
            organization=organization,
            category=community_category(organization=organization),
            title=title[:200],
            body=body,
            language=language or organization.language,
            is_published=False,
            community_url=source_url[:500],
        )
        services.article_save(organization=organization, article=article, actor=user)
        return _shown(organization, article)

    def deflected(self, *, organization, article_id):
        """Someone found their answer in the article instead of asking (as the request form's
        "this answered my question")."""
        article = selectors.published_versions(organization=organization).filter(pk=article_id)
        article = article.select_related("original").first()
        if article is not None:
            services.article_vote(
                organization=organization, article=article, helpful=True, deflected=True
            )

    def article(self, *, organization, article_id, published=True):
        articles = (
            selectors.published_versions(organization=organization)
            if published
            else Article.objects.filter(organization=organization)
        )
        article = articles.filter(pk=article_id).first()
        return _shown(organization, article) if article is not None else None


def register():
    from stakeholders.registries import knowledge

    knowledge.register(HelpCentreKnowledge())
