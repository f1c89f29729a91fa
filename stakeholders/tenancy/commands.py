"""The base management command for work inside one organization."""

from django.core.management.base import BaseCommand, CommandError

from stakeholders.tenancy.models import organization_scope


class OrganizationCommand(BaseCommand):
    """Adds a required ``--org <slug>`` and calls ``handle_organization`` inside its scope.

    Example::

        class Command(OrganizationCommand):
            def handle_organization(self, organization, **options):
                self.stdout.write(str(Invitation.objects.count()))
    """

    def create_parser(self, prog_name, subcommand, **kwargs):
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        parser.add_argument("--org", required=True, help="The organization's slug.")
        return parser

    def handle(self, *args, **options):
        from stakeholders.models import Organization

        organization = Organization.objects.filter(slug=options["org"]).first()
        if organization is None:
            raise CommandError(f"No organization with slug {options['org']!r}.")
        with organization_scope(organization):
            return self.handle_organization(organization, *args, **options)

    def handle_organization(self, organization, *args, **options):
        raise NotImplementedError("OrganizationCommand subclasses implement handle_organization()")
