"""Create two demo organizations with staff users; running it twice changes nothing."""

import random
import re
from datetime import timedelta

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from stakeholders import services
from stakeholders.models import (
    Channel,
    ComplaintCategory,
    Contact,
    Membership,
    Organization,
    Role,
    User,
)
from stakeholders.registries import demo_data
from stakeholders.services import DEFAULT_COMPLAINT_CATEGORIES
from stakeholders.tenancy.models import organization_scope

DEMO_PASSWORD = "steward-demo"  # noqa: S105 (printed for the demo; DEBUG only)

DEMO_ORGANIZATIONS = [
    {
        "name": "Riverside Food Bank",
        "slug": "riverside",
        "timezone": "Europe/London",
        "currency": "GBP",
        "language": "en",
        "contact_email": "hello@riverside.example.org",
        "country": "GB",
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
        "country": "US",
        "sender_name": "Jordan Ellis, Executive Director",
        "address": "400 Lake Street\nChicago, IL 60601\nUSA",
        "staff": [
            ("admin@hope.example.org", "Jordan Ellis", Role.ADMIN),
            ("fundraiser@hope.example.org", "Sam Rivera", Role.FUNDRAISER),
            ("casework@hope.example.org", "Noor Haddad", Role.CASEWORKER),
        ],
    },
]


DEMO_PEOPLE = [
    ("Fatima", "Adeyemi"),
    ("Björn", "Lindqvist"),
    ("François", "O'Brien"),
    ("Łukasz", "Sharma"),
    ("Zoë", "Dubois"),
    ("Kwame", "Mensah"),
    ("Aisha", "Khan"),
    ("Liam", "Ní Bhriain"),
    ("Mei", "Tanaka"),
    ("Carlos", "Mendoza"),
    ("Priya", "Patel"),
    ("Ewan", "MacLeod"),
    ("Nguyễn", "Thi Lan"),
    ("Sofia", "Rossi"),
    ("Yusuf", "Demir"),
    ("Hannah", "Schmidt"),
    ("Amara", "Nwosu"),
    ("Diego", "Fernández"),
    ("Leila", "Rahimi"),
    ("Oliver", "Jones"),
    ("Sokha", "Chan"),
    ("Aigerim", "Bekova"),
    ("Grace", "Okafor"),
    ("Tomás", "Silva"),
    ("Ingrid", "Berg"),
    ("Samuel", "Cohen"),
    ("Niamh", "Kelly"),
    ("Arjun", "Mehta"),
    ("Chloé", "Martin"),
    ("Mohammed", "Haddad"),
]
DEMO_TAGS = ["newsletter", "major donor", "board", "food parcels", "driver", "youth club"]
DEMO_SUBJECTS = [
    "Asked about volunteering on Saturdays",
    "Thanked them for their gift",
    "Food parcel collected",
    "Called back about the winter appeal",
    "Invited to the open day",
    "Referral from the housing office",
    "Changed their email address",
    "Booked a slot at the advice clinic",
]
DEMO_COMPLAINTS = [
    "Waited an hour at the drop-in",
    "Received two appeal letters in one week",
    "Nobody called back",
]
DEMO_AREAS = {
    "GB": {
        "city": "Bristol",
        "streets": ["Mill Lane", "High Street", "Church Road", "Station Road"],
        "postcodes": ["BS1 4DJ", "BS2 0JA", "BS3 1QR", "BS5 6XX"],
        "mobile": "07400 12%04d",
    },
    "US": {
        "city": "Chicago",
        "streets": ["Lake Street", "Maple Avenue", "Oak Street", "Elm Drive"],
        "postcodes": ["60601", "60605", "60614", "60622"],
        "mobile": "(312) 555-%04d",
    },
}


def _demo_email(first, last, n):
    local = re.sub(r"[^a-z.]", "", services.normalise_text(f"{first}.{last}").replace(" ", ""))
    return f"{local}{n}@example.org"


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
            with organization_scope(organization):
                self._seed_contacts(organization)
                contacts = list(
                    Contact.objects.filter(
                        organization=organization, external_id__regex=r"^DEMO-\d+$"
                    ).order_by("pk")
                )
                staff = [m.user for m in Membership.objects.filter(organization=organization)]
                for name, seed in demo_data:  # each app's own demo data (idempotent)
                    seed(
                        organization=organization,
                        contacts=contacts,
                        staff=staff,
                        rng=random.Random(f"{organization.slug}-{name}"),
                    )
        self._print_credentials()

    def _seed_contacts(self, organization):
        """Realistic people with a few months of history; skipped when already there."""
        if Contact.objects.filter(
            organization=organization, external_id__startswith="DEMO-"
        ).exists():
            return
        rng = random.Random(organization.slug)
        staff = [m.user for m in Membership.objects.filter(organization=organization)]
        if not ComplaintCategory.objects.filter(organization=organization).exists():
            ComplaintCategory.objects.bulk_create(
                ComplaintCategory(organization=organization, name=str(name))
                for name in DEFAULT_COMPLAINT_CATEGORIES
            )
        categories = list(ComplaintCategory.objects.filter(organization=organization))
        area = DEMO_AREAS[organization.country]
        now = timezone.now()
        for n, (first, last) in enumerate(DEMO_PEOPLE):
            contact = services.contact_create(
                organization=organization,
                first_name=first,
                last_name=last,
                email=_demo_email(first, last, n),
                mobile=area["mobile"] % rng.randint(1000, 9999),
                street=f"{rng.randint(1, 200)} {rng.choice(area['streets'])}",
                city=area["city"],
                postal_code=rng.choice(area["postcodes"]),
                country=organization.country,
                external_id=f"DEMO-{n}",
                relationship_manager=rng.choice(staff),
                tags=rng.sample(DEMO_TAGS, k=rng.randint(0, 2)),
            )
            for _i in range(rng.randint(0, 6)):
                complaint = rng.random() < 0.08
                services.interaction_log(
                    organization=organization,
                    contact=contact,
                    staff=rng.choice(staff),
                    channel=rng.choice(Channel.values),
                    direction=rng.choice(["inbound", "outbound"]),
                    subject=rng.choice(DEMO_COMPLAINTS if complaint else DEMO_SUBJECTS),
                    kind="complaint" if complaint else "conversation",
                    complaint_category=rng.choice(categories) if complaint else None,
                    occurred_at=now
                    - timedelta(days=rng.randint(0, 120), minutes=rng.randint(0, 600)),
                    follow_up_on=(now + timedelta(days=rng.randint(-5, 10))).date()
                    if rng.random() < 0.15
                    else None,
                )
            if rng.random() < 0.6:
                services.consent_record(
                    organization=organization,
                    contact=contact,
                    channel="email",
                    purpose=rng.choice(["thank_yous", "donor_updates", "volunteer_news"]),
                    granted=True,
                    source="form",
                    wording="Yes, please keep me updated by email.",
                )
            if rng.random() < 0.3:
                services.feedback_record(
                    organization=organization,
                    contact=contact,
                    measure=rng.choice(["csat", "ces"]),
                    score=rng.randint(3, 5),
                )
        # Someone typed twice: a likely duplicate for the review list.
        services.contact_create(
            organization=organization,
            first_name=DEMO_PEOPLE[0][0],
            last_name=DEMO_PEOPLE[0][1],
            email=_demo_email(*DEMO_PEOPLE[0], 0),
            external_id="DEMO-duplicate",
        )

    def _print_credentials(self):
        self.stdout.write(self.style.SUCCESS("Demo data ready. Sign in at /accounts/login/ with:"))
        for spec in DEMO_ORGANIZATIONS:
            self.stdout.write(f"  {spec['name']} (/o/{spec['slug']}/)")
            for email, _name, role in spec["staff"]:
                self.stdout.write(f"    {email:<36} {Role(role).label}")
        self.stdout.write(f"  Password for every demo user: {DEMO_PASSWORD}")
