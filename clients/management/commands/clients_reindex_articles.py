"""Rebuild the help centre's search index, e.g. after the organization's language changed."""

from clients import services
from clients.models import Article
from stakeholders.tenancy.commands import OrganizationCommand


class Command(OrganizationCommand):
    help = "Recompute the full-text search vectors of an organization's articles."

    def handle_organization(self, organization, *args, **options):
        count = 0
        for article in Article.objects.filter(organization=organization):
            services.article_save(
                organization=organization, article=article, actor=article.updated_by
            )
            count += 1
        self.stdout.write(f"{count} articles reindexed")
