"""Create the demo organizations with staff users; running it twice changes nothing."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from stakeholders import demo
from stakeholders.models import Role


class Command(BaseCommand):
    help = "Create demo organizations and staff users (development only; idempotent)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--force", action="store_true", help="Run even when DEBUG is off (never in production)."
        )

    @transaction.atomic
    def handle(self, *args, **options):
        if not settings.DEBUG and not options["force"]:
            raise CommandError("seed_demo creates accounts with a known password: DEBUG only.")
        demo.seed()
        self._print_credentials()

    def _print_credentials(self):
        self.stdout.write(self.style.SUCCESS("Demo data ready. Sign in at /accounts/login/ with:"))
        for spec in demo.ORGANIZATIONS:
            language = f" — {spec['staff_language']}" if spec.get("staff_language") else ""
            self.stdout.write(f"  {spec['name']} (/o/{spec['slug']}/){language}")
            for email, _name, role in spec["staff"]:
                self.stdout.write(f"    {email:<40} {Role(role).label}")
        self.stdout.write(f"  Password for every demo user: {demo.PASSWORD}")
