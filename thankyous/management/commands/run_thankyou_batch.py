"""Run the thank-you batch now, for one organization or all (operators; same guarantees)."""

from django.core.management.base import BaseCommand, CommandError

from stakeholders.models import Organization
from stakeholders.tenancy.models import organization_scope
from thankyous import services
from thankyous.models import Acknowledgment


class Command(BaseCommand):
    help = "Thank everything not yet thanked (or, with --dry-run, say what would be)."

    def add_arguments(self, parser):
        parser.add_argument("--org", help="Only this organization (slug).")
        parser.add_argument("--dry-run", action="store_true", help="Count, send nothing.")

    def handle(self, *args, org=None, dry_run=False, **options):
        organizations = Organization.objects.all()
        if org:
            organizations = organizations.filter(slug=org)
            if not organizations.exists():
                raise CommandError(f"No organization with slug {org!r}.")
        for organization in organizations:
            with organization_scope(organization):
                if dry_run:
                    self.stdout.write(
                        f"{organization.slug}: {self._would_thank(organization)} to thank"
                    )
                else:
                    counts = services.run_batch(organization=organization)
                    self.stdout.write(f"{organization.slug}: {counts}")

    def _would_thank(self, organization):
        from thankyous.registry import thankables

        total = 0
        for thankable in thankables:
            done = Acknowledgment.objects.filter(organization=organization, kind=thankable.kind)
            total += (
                thankable.candidates(organization).exclude(pk__in=done.values("target_id")).count()
            )
        pending = Acknowledgment.objects.filter(organization=organization, state="pending")
        return total + pending.count()
