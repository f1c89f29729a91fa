"""Create two demo organizations with staff users; running it twice changes nothing."""

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from stakeholders.models import Membership, Organization, Role, User

DEMO_PASSWORD = "steward-demo"  # noqa: S105 (printed for the demo; DEBUG only)

DEMO_ORGANIZATIONS = [
    {
        "name": "Riverside Food Bank",
        "slug": "riverside",
        "timezone": "Europe/London",
        "currency": "GBP",
        "language": "en",
        "contact_email": "hello@riverside.example.org",
        "sender_name": "Amara Okafor, Director",
        "address": "12 Mill Lane\nBristol BS1 4DJ\nUnited Kingdom",
        "staff": [
            ("admin@riverside.example.org", "Amara Okafor", Role.ADMIN),
            ("fundraiser@riverside.example.org", "Tom Becker", Role.FUNDRAISER),
            ("volunteers@riverside.example.org", "Lucía Fernández", Role.VOLUNTEER_COORDINATOR),
            ("casework@riverside.example.org", "Dev Patel", Role.CASEWORKER),
            ("viewer@riverside.example.org", "Mei Chen", Role.VIEWER),
        ],
    },
    {
        "name": "Hope Youth Mentoring",
        "slug": "hope",
        "timezone": "America/Chicago",
        "currency": "USD",
        "language": "en",
        "contact_email": "team@hope.example.org",
        "sender_name": "Jordan Ellis, Executive Director",
        "address": "400 Lake Street\nChicago, IL 60601\nUSA",
        "staff": [
            ("admin@hope.example.org", "Jordan Ellis", Role.ADMIN),
            ("fundraiser@hope.example.org", "Sam Rivera", Role.FUNDRAISER),
            ("casework@hope.example.org", "Noor Haddad", Role.CASEWORKER),
        ],
    },
]


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
        for spec in DEMO_ORGANIZATIONS:
            spec = dict(spec)
            staff = spec.pop("staff")
            organization, _created = Organization.objects.update_or_create(
                slug=spec.pop("slug"), defaults=spec
            )
            for email, name, role in staff:
                user = User.objects.filter(email=email).first()
                if user is None:
                    user = User.objects.create_user(email, DEMO_PASSWORD, name=name)
                EmailAddress.objects.update_or_create(
                    user=user, email=email, defaults={"verified": True, "primary": True}
                )
                Membership.objects.update_or_create(
                    organization=organization, user=user, defaults={"role": role}
                )
        self._print_credentials()

    def _print_credentials(self):
        self.stdout.write(self.style.SUCCESS("Demo data ready. Sign in at /accounts/login/ with:"))
        for spec in DEMO_ORGANIZATIONS:
            self.stdout.write(f"  {spec['name']} (/o/{spec['slug']}/)")
            for email, _name, role in spec["staff"]:
                self.stdout.write(f"    {email:<36} {Role(role).label}")
        self.stdout.write(f"  Password for every demo user: {DEMO_PASSWORD}")
