"""Demo data of the clients app, for ``seed_demo`` (development only): request categories, a
month of service requests in every state (some breaching their targets), a small help centre
and a course with its participants."""

from datetime import timedelta

from django.utils import timezone

from clients import services
from clients.models import (
    Article,
    ArticleCategory,
    Programme,
    RequestCategory,
    ServiceRequest,
    Status,
)
from stakeholders.models import Membership

CATEGORIES = ["Housing", "Benefits", "Food parcels", "Debt advice"]
REQUESTS = [
    ("request", "Help with a housing benefit form", "The council sent a form I don't understand."),
    ("request", "Food parcel for a family of four", "We have had no income since the 3rd."),
    ("question", "When is the advice clinic open?", "I work until 5 on weekdays."),
    ("request", "Letter from the bailiffs", "They say they will come on Monday."),
    ("complaint", "Nobody called me back", "I was promised a call last Tuesday."),
    ("failure", "Parcel was missing the baby milk", "The list said formula was included."),
    ("question", "Can I bring a friend to translate?", "My English is not so good."),
    ("request", "Help to apply for a grant for a cooker", "Ours broke in September."),
]
ARTICLES = [
    (
        "Food parcels",
        "How to get a food parcel",
        "Referrals, what is in a parcel and where to collect it.",
        "Ask any caseworker, your GP or the council for a referral. Parcels hold three days of "
        "food for your household; tell us about allergies, babies and halal or kosher needs.",
        True,
    ),
    (
        "Money",
        "What to do when a bailiff letter arrives",
        "Don't panic, don't ignore it: call us the same day.",
        "Bailiffs must give you seven clear days' notice. Bring the letter to the advice clinic "
        "or send us a photo; we can often stop a visit with one phone call.",
        True,
    ),
    (
        "Money",
        "Opening hours of the advice clinic",
        "Tuesdays 9–12 and Thursdays 17–20, no appointment needed.",
        "Come to 12 Mill Lane. On Thursday evenings an interpreter for Arabic and Polish is "
        "there; for other languages, ask us when you book.",
        False,
    ),
]


def seed(*, organization, contacts, staff, rng):
    if ServiceRequest.objects.filter(organization=organization).exists():
        return
    caseworkers = [
        m.user
        for m in Membership.objects.filter(
            organization=organization, role__in=services.CLIENT_ROLES
        ).select_related("user")
    ]
    categories = [
        RequestCategory.objects.get_or_create(organization=organization, name=name)[0]
        for name in CATEGORIES
    ]
    now = timezone.now()
    for contact, (kind, subject, description) in zip(
        rng.sample(contacts, k=len(REQUESTS)), REQUESTS, strict=True
    ):
        request = services.request_create(
            organization=organization,
            contact=contact,
            subject=subject,
            description=description,
            channel=rng.choice(["web_form", "phone", "email", "in_person"]),
            category=rng.choice(categories),
            kind=kind,
            priority=rng.choice(["normal", "normal", "high", "urgent", "low"]),
            assignee=rng.choice(caseworkers) if rng.random() < 0.7 else None,
            actor=rng.choice(caseworkers),
            created_at=now - timedelta(hours=rng.randint(2, 24 * 20)),
        )
        roll = rng.random()
        if roll < 0.6:
            services.request_reply(
                organization=organization,
                request=request,
                author=rng.choice(caseworkers),
                body="Thank you for getting in touch. We are looking into it and will call you.",
                then=Status.WAITING if roll < 0.3 else Status.OPEN,
            )
        if roll < 0.25:
            services.request_resolve(
                organization=organization,
                request=request,
                actor=rng.choice(caseworkers),
                summary="Sorted together on the phone.",
                resolution_action="We apologised and delivered the missing items the same day.",
                satisfaction_restored=True,
            )
    for number, (category, title, summary, body, is_faq) in enumerate(ARTICLES):
        section = ArticleCategory.objects.get_or_create(
            organization=organization, name=category, defaults={"position": number}
        )[0]
        services.article_save(
            organization=organization,
            article=Article(
                category=section,
                title=title,
                summary=summary,
                body=body,
                is_faq=is_faq,
                is_published=True,
            ),
            actor=rng.choice(caseworkers),
        )
    course = Programme.objects.get_or_create(
        organization=organization,
        name="Money skills course",
        defaults={"unit": "sessions", "sessions_to_complete": 6},
    )[0]
    for contact in rng.sample(contacts, k=5):
        for week in range(rng.randint(1, 6)):
            services.service_record_add(
                organization=organization,
                contact=contact,
                programme=course,
                delivered_on=timezone.localdate() - timedelta(days=7 * (6 - week)),
                quantity=1,
                staff=rng.choice(caseworkers),
            )
