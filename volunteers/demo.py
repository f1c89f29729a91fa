"""Demo data of the volunteers app, for ``seed_demo`` (development only): skills and causes,
trainings, three opportunities with shifts over the next fortnight, a dozen volunteers who
signed up through the public form's own path, their shifts and some hours already logged."""

from datetime import time, timedelta

from django.utils import timezone

from stakeholders.models import Membership, Role
from volunteers import services
from volunteers.models import (
    ALL_AVAILABILITY,
    Cause,
    PendingSignup,
    Shift,
    Skill,
    VolunteerProfile,
)

SKILLS = "Cooking\nDriving\nFirst aid\nIT support\nTranslation (Arabic)\nTranslation (Polish)"
CAUSES = "Food\nHomelessness\nYoung people"
OPPORTUNITIES = [
    ("Community kitchen", "Cook and serve hot meals with the kitchen team.", "Cooking", time(10)),
    ("Food bank driver", "Collect donations from supermarkets in our van.", "Driving", time(8)),
    ("Homework club", "Help children aged 8–12 with their homework.", "", time(16)),
]


def seed(*, organization, contacts, staff, rng):
    if VolunteerProfile.objects.filter(organization=organization).exists():
        return
    services.settings_save(organization=organization, skills_text=SKILLS, causes_text=CAUSES)
    skills = {skill.name: skill for skill in Skill.objects.filter(organization=organization)}
    causes = list(Cause.objects.filter(organization=organization))
    coordinator = next(
        (
            m.user
            for m in Membership.objects.filter(
                organization=organization, role__in=[Role.VOLUNTEER_COORDINATOR, Role.ADMIN]
            ).order_by("role")
        ),
        staff[0],
    )
    hygiene = services.training_save(
        organization=organization, name="Food hygiene", valid_months=24
    )
    today = timezone.localdate()
    opportunities = []
    for title, description, skill, starts in OPPORTUNITIES:
        opportunity = services.opportunity_save(
            organization=organization,
            title=title,
            description=description,
            skills=[skills[skill]] if skill else [],
            trainings=[hygiene] if title == "Community kitchen" else [],
            cause=causes[0] if title != "Homework club" else causes[-1],
        )
        services.shift_create(
            organization=organization,
            opportunity=opportunity,
            date=today + timedelta(days=rng.randint(1, 4)),
            starts=starts,
            ends=time(starts.hour + 3),
            capacity=rng.choice([2, 3, 4]),
            repeat_weeks=1,
            until=today + timedelta(days=15),
        )
        opportunities.append(opportunity)
    people = [c for c in contacts if c.email]
    for number, contact in enumerate(rng.sample(people, k=min(12, len(people)))):
        pending_id = services.signup_submit(
            organization=organization,
            data={
                "email": contact.email,
                "first_name": contact.first_name,
                "last_name": contact.last_name,
                "skills": [s.pk for s in rng.sample(list(skills.values()), k=rng.randint(1, 3))],
                "causes": [rng.choice(causes).pk],
                "availability": rng.randint(1, ALL_AVAILABILITY),
                "heard_from": "friend",
                "consent": True,
            },
        )
        profile = services.signup_confirm(
            organization=organization, pending=PendingSignup.objects.get(pk=pending_id)
        )
        if number < 3:
            continue  # new applicants, waiting for a coordinator
        services.profile_set_status(
            organization=organization, profile=profile, status=VolunteerProfile.Status.ACTIVE
        )
        services.training_record(
            organization=organization,
            profile=profile,
            training=hygiene,
            completed_on=today - timedelta(days=rng.randint(10, 300)),
            actor=coordinator,
        )
        for weeks_ago in range(rng.randint(1, 8)):
            services.hours_log(
                organization=organization,
                profile=profile,
                worked_on=today - timedelta(days=7 * weeks_ago + rng.randint(1, 6)),
                hours=rng.choice(["2", "3", "3.5", "4"]),
                opportunity=rng.choice(opportunities),
                actor=coordinator,
            )
        opportunity = rng.choice(opportunities)
        shifts = Shift.objects.filter(organization=organization, opportunity=opportunity)
        for shift in shifts.order_by("starts_at")[:2]:
            services.shift_signup(organization=organization, shift=shift, profile=profile)
