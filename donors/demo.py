"""Demo data of the donors app, for ``seed_demo`` (development only): funds with impact units, a
winter appeal, two years of giving with loyal, lapsed and brand-new donors, a few stories — and
the recent gifts thanked, as the nightly batch would."""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from donors import services
from donors.models import Campaign, Fund, Gift, ImpactStory, PaymentMethod
from thankyous import services as thankyou_services
from thankyous.models import Acknowledgment

FUNDS = [
    ("Meals", "25", "one week of meals"),
    ("Winter shelter", "40", "a night in a warm bed"),
    ("Where it's needed most", None, ""),
]
AMOUNTS = ["10", "15", "20", "25", "30", "50", "75", "100", "250"]
STORIES = [
    (
        "good_news",
        "The new kitchen is open",
        "Thanks to you, we now cook 400 hot meals a week instead of 150.",
    ),
    (
        "urgent_need",
        "Nights are getting colder",
        "Our shelter is full every night; 20 more beds would keep everyone warm this winter.",
    ),
]


def seed(*, organization, contacts, staff, rng):
    if Gift.objects.filter(organization=organization, reference__startswith="DEMO-").exists():
        return
    today = timezone.localdate()
    funds = [
        Fund.objects.get_or_create(
            organization=organization,
            name=name,
            defaults={
                "impact_unit_amount": Decimal(amount) if amount else None,
                "impact_unit_label": label,
            },
        )[0]
        for name, amount, label in FUNDS
    ]
    campaign, _created = Campaign.objects.get_or_create(
        organization=organization,
        name="Winter appeal",
        defaults={
            "starts_on": today - timedelta(days=45),
            "ends_on": today + timedelta(days=45),
            "goal": Decimal("15000"),
        },
    )
    for days_ago, (kind, title, body) in zip((40, 8), STORIES, strict=True):
        ImpactStory.objects.get_or_create(
            organization=organization,
            title=title,
            defaults={
                "kind": kind,
                "body": body,
                "fund": funds[0] if kind == "good_news" else funds[1],
                "published_on": today - timedelta(days=days_ago),
            },
        )
    number = 0
    for contact in contacts:
        roll = rng.random()
        if roll < 0.3:
            continue  # not (yet) a donor
        if roll < 0.42:
            history = [rng.randint(0, 12)]  # a first gift in the last fortnight: call them
        else:
            history = sorted(rng.sample(range(25, 730), k=rng.randint(1, 7)), reverse=True)
            if rng.random() < 0.45:
                history.append(rng.randint(0, 24))
        for days_ago in history:
            number += 1
            services.gift_record(
                organization=organization,
                contact=contact,
                amount=Decimal("2500" if rng.random() < 0.03 else rng.choice(AMOUNTS)),
                received_on=today - timedelta(days=days_ago),
                fund=rng.choice(funds),
                campaign=campaign if days_ago < 45 and rng.random() < 0.6 else None,
                payment_method=rng.choice([PaymentMethod.CARD, PaymentMethod.CASH]),
                reference=f"DEMO-{number}",
                created_by=rng.choice(staff),
            )
    # The week before last was thanked by the nightly batch; this week's gifts wait in the queue.
    recent = Gift.objects.filter(
        organization=organization, received_on__lt=today - timedelta(days=6)
    ).values_list("pk", flat=True)
    thankyou_services.enqueue(organization=organization, kind="gift", ids=list(recent))
    thankyou_services.ensure_default_templates(organization=organization)
    thankyou_services.process(organization=organization)
    for acknowledgment in Acknowledgment.objects.filter(organization=organization, state="sent"):
        acknowledgment.sent_at = acknowledgment.received_at + timedelta(hours=rng.randint(3, 60))
        acknowledgment.save(update_fields=["sent_at"])  # as if the nightly batch had done it
