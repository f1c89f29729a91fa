"""The demo that ``manage.py seed_demo`` builds (development only): organizations in English,
Khmer and Persian, each with its staff, people with a few months of history, and each app's own
demo data (``stakeholders.registries.demo_data``) in the organization's language.

Each language's words live in a module of their own (``en``, ``km``, ``fa``): names, addresses
and what staff write, as people there would write them. Running it twice changes nothing."""

import random
import re
from datetime import timedelta

from allauth.account.models import EmailAddress
from django.utils import timezone, translation

from stakeholders import services
from stakeholders.demo import en, fa, km
from stakeholders.experience import demo as experience_demo
from stakeholders.models import (
    Channel,
    ComplaintCategory,
    Contact,
    Membership,
    Organization,
    User,
)
from stakeholders.registries import demo_data
from stakeholders.services import DEFAULT_COMPLAINT_CATEGORIES
from stakeholders.tenancy.models import organization_scope

PASSWORD = "steward-demo"  # noqa: S105 (printed for the demo; DEBUG only)
CONTENT = {"en": en, "km": km, "fa": fa}  # an organization's language → its demo's words
ORGANIZATIONS = [*en.ORGANIZATIONS, *km.ORGANIZATIONS, *fa.ORGANIZATIONS]


def seed():
    """Every demo organization with its staff and data; what is there already is left be."""
    for spec in ORGANIZATIONS:
        spec = dict(spec)
        staff, language = spec.pop("staff"), spec.pop("staff_language", "")
        organization, _created = Organization.objects.update_or_create(
            slug=spec.pop("slug"), defaults=spec
        )
        for email, name, role in staff:
            user = User.objects.filter(email=email).first()
            if user is None:
                user = User.objects.create_user(email, PASSWORD, name=name, language=language)
            EmailAddress.objects.update_or_create(
                user=user, email=email, defaults={"verified": True, "primary": True}
            )
            Membership.objects.update_or_create(
                organization=organization, user=user, defaults={"role": role}
            )
        with organization_scope(organization):
            _seed_contacts(organization, CONTENT[organization.language])
            contacts = list(
                Contact.objects.filter(
                    organization=organization, external_id__regex=r"^DEMO-\d+$"
                ).order_by("pk")
            )
            members = [m.user for m in Membership.objects.filter(organization=organization)]
            for name, seed_app in demo_data:  # each app's own demo data (idempotent)
                seed_app(
                    organization=organization,
                    contacts=contacts,
                    staff=members,
                    rng=random.Random(f"{organization.slug}-{name}"),
                )
            # The experience loop reads what every app seeded: it comes last.
            experience_demo.seed(
                organization=organization,
                words=CONTENT[organization.language],
                rng=random.Random(f"{organization.slug}-experience"),
            )


def _email(first, last, n):
    local = re.sub(r"[^a-z.]", "", services.normalise_text(f"{first}.{last}").replace(" ", ""))
    return f"{local}{n}@example.org"


def _seed_contacts(organization, words):
    """People with a few months of history; skipped when they are there already."""
    if Contact.objects.filter(organization=organization, external_id__startswith="DEMO-").exists():
        return
    rng = random.Random(organization.slug)
    staff = [m.user for m in Membership.objects.filter(organization=organization)]
    if not ComplaintCategory.objects.filter(organization=organization).exists():
        with translation.override(organization.language):  # named in the staff's language
            ComplaintCategory.objects.bulk_create(
                ComplaintCategory(organization=organization, name=str(name))
                for name in words.COMPLAINT_CATEGORIES or DEFAULT_COMPLAINT_CATEGORIES
            )
    categories = list(ComplaintCategory.objects.filter(organization=organization))
    area = words.AREAS[organization.country]
    now = timezone.now()
    for n, (first, last, email_name, salutation) in enumerate(words.PEOPLE):
        if email_name:
            email = f"{email_name}@example.org"
        else:
            email = "" if organization.language != "en" else _email(first, last, n)
        number = str(rng.randint(1, 200)).translate(area.get("digits", {}))
        contact = services.contact_create(
            organization=organization,
            first_name=first,
            last_name=last,
            salutation=salutation,
            email=email,
            mobile=area["mobile"] % rng.randint(1000, 9999),
            street=area["street"].format(number=number, street=rng.choice(area["streets"])),
            city=area["city"],
            postal_code=rng.choice(area["postcodes"]),
            country=organization.country,
            external_id=f"DEMO-{n}",
            relationship_manager=rng.choice(staff),
            tags=rng.sample(words.TAGS, k=rng.randint(0, 2)),
        )
        for _i in range(rng.randint(0, 6)):
            complaint = rng.random() < 0.08
            services.interaction_log(
                organization=organization,
                contact=contact,
                staff=rng.choice(staff),
                channel=rng.choice(Channel.values),
                direction=rng.choice(["inbound", "outbound"]),
                subject=rng.choice(words.COMPLAINTS if complaint else words.SUBJECTS),
                kind="complaint" if complaint else "conversation",
                complaint_category=rng.choice(categories) if complaint else None,
                occurred_at=now - timedelta(days=rng.randint(0, 120), minutes=rng.randint(0, 600)),
                follow_up_on=(now + timedelta(days=rng.randint(-5, 10))).date()
                if rng.random() < 0.15
                else None,
            )
        if rng.random() < 0.6 and email:
            services.consent_record(
                organization=organization,
                contact=contact,
                channel="email",
                purpose=rng.choice(["thank_yous", "donor_updates", "volunteer_news"]),
                granted=True,
                source="form",
                wording=words.CONSENT_WORDING,
            )
        if rng.random() < 0.3:
            services.feedback_record(
                organization=organization,
                contact=contact,
                measure=rng.choice(["csat", "ces"]),
                score=rng.randint(3, 5),
            )
    # Someone typed twice: a likely duplicate for the review list.
    first, last, email_name, _salutation = words.PEOPLE[0]
    services.contact_create(
        organization=organization,
        first_name=first,
        last_name=last,
        email=f"{email_name}@example.org" if email_name else _email(first, last, 0),
        external_id="DEMO-duplicate",
    )
