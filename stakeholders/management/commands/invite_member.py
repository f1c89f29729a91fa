"""Invite a staff member from the command line (e.g. the first admin of a new organization)."""

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError

from stakeholders import services
from stakeholders.models import Role
from stakeholders.tenancy.commands import OrganizationCommand


class Command(OrganizationCommand):
    help = "Email an invitation to join the organization with a role."

    def add_arguments(self, parser):
        parser.add_argument("email")
        parser.add_argument("--role", choices=Role.values, default=Role.VIEWER)

    def handle_organization(self, organization, *args, **options):
        try:
            invitation = services.invitation_create(
                organization=organization,
                email=options["email"],
                role=options["role"],
                invited_by=None,
            )
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        self.stdout.write(
            f"Invited {invitation.email} to {organization.name} "
            f"as {invitation.get_role_display()}; "
            f"the link expires {invitation.expires_at:%Y-%m-%d %H:%M} UTC."
        )
