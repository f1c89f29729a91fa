"""Rebuild the help centre's search index (it also happens by itself when the organization's
language changes)."""

from clients import services
from stakeholders.tenancy.commands import OrganizationCommand


class Command(OrganizationCommand):
    help = "Recompute the full-text search vectors of an organization's articles."

    def handle_organization(self, organization, *args, **options):
        count = services.articles_reindex(organization=organization)
        self.stdout.write(f"{count} articles reindexed")
