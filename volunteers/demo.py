"""Demo data of the volunteers app, for ``seed_demo`` (development only): skills and causes,
trainings, three opportunities with shifts over the next fortnight, a dozen volunteers who
signed up through the public form's own path, their shifts and some hours already logged — in
the organization's language (English, Khmer or Persian)."""

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

# Opportunities: (title, description, skill or "", start, needs the training, for young people)
CONTENT = {
    "en": {
        "skills": "Cooking\nDriving\nFirst aid\nIT support\nTranslation (Arabic)\n"
        "Translation (Polish)",
        "causes": "Food\nHomelessness\nYoung people",
        "training": "Food hygiene",
        "opportunities": [
            (
                "Community kitchen",
                "Cook and serve hot meals with the kitchen team.",
                "Cooking",
                time(10),
                True,
                False,
            ),
            (
                "Food bank driver",
                "Collect donations from supermarkets in our van.",
                "Driving",
                time(8),
                False,
                False,
            ),
            (
                "Homework club",
                "Help children aged 8–12 with their homework.",
                "",
                time(16),
                False,
                True,
            ),
        ],
        "settings": {},
    },
    "km": {
        "skills": "ធ្វើម្ហូប\nបើកបររថយន្ត\nសង្គ្រោះបឋម\nជំនួយផ្នែកកុំព្យូទ័រ\nបកប្រែភាសាអង់គ្លេស\nបង្រៀនអក្សរខ្មែរ",
        "causes": "ស្បៀងអាហារ\nសុខភាព\nកុមារ និងយុវជន",
        "training": "អនាម័យម្ហូបអាហារ",
        "opportunities": [
            (
                "ផ្ទះបាយសហគមន៍",
                "ចម្អិន និងចែកអាហារក្ដៅជាមួយក្រុមផ្ទះបាយ នៅរៀងរាល់ព្រឹក។",
                "ធ្វើម្ហូប",
                time(7),
                True,
                False,
            ),
            (
                "អ្នកបើកបរដឹកស្បៀង",
                "ដឹកអង្ករ និងបន្លែពីផ្សារដើមគរ មកកាន់ឃ្លាំងស្បៀងរបស់យើង។",
                "បើកបររថយន្ត",
                time(6),
                False,
                False,
            ),
            (
                "ថ្នាក់ជួយកុមាររៀនមេរៀន",
                "ជួយកុមារអាយុពី ៨ ដល់ ១២ ឆ្នាំ ធ្វើលំហាត់ និងហាត់អានសៀវភៅ។",
                "",
                time(15),
                False,
                True,
            ),
        ],
        "settings": {
            "signup_intro": "សូមស្វាគមន៍! សូមបំពេញទម្រង់ខាងក្រោម "
            "ហើយអ្នកសម្របសម្រួលការងារស្ម័គ្រចិត្តរបស់យើងនឹងទាក់ទងទៅលោកអ្នកក្នុងរយៈពេលពីរបីថ្ងៃ។",
            "consent_wording": "ខ្ញុំយល់ព្រមឲ្យអង្គការរក្សាទុកព័ត៌មានរបស់ខ្ញុំ ដើម្បីរៀបចំការងារស្ម័គ្រចិត្ត និងទាក់ទងមកខ្ញុំ។",
        },
    },
    "fa": {
        "skills": "آشپزی\nرانندگی\nکمک‌های اولیه\nپشتیبانی رایانه\nترجمه (انگلیسی)\nترجمه (پشتو)",
        "causes": "غذا\nبی‌خانمانی\nکودکان و نوجوانان",
        "training": "بهداشت مواد غذایی",
        "opportunities": [
            (
                "آشپزخانهٔ محله",
                "همراه گروه آشپزخانه غذای گرم بپزید و میان مهمانان پخش کنید.",
                "آشپزی",
                time(10),
                True,
                False,
            ),
            (
                "رانندهٔ بانک غذا",
                "کمک‌های اهدایی فروشگاه‌ها و نانوایی‌ها را با وانت جمع‌آوری کنید.",
                "رانندگی",
                time(8),
                False,
                False,
            ),
            (
                "کلاس کمک‌درسی",
                "به بچه‌های ۸ تا ۱۲ ساله در انجام تکالیف مدرسه کمک کنید.",
                "",
                time(16),
                False,
                True,
            ),
        ],
        "settings": {
            "signup_intro": "خوش آمدید! فرم زیر را پر کنید؛ هماهنگ‌کنندهٔ داوطلبان ظرف چند روز "
            "با شما تماس می‌گیرد.",
            "consent_wording": "موافقم که خیریه اطلاعات مرا برای هماهنگی کار داوطلبانه نگه دارد "
            "و با من تماس بگیرد.",
        },
    },
}


def seed(*, organization, contacts, staff, rng):
    if VolunteerProfile.objects.filter(organization=organization).exists():
        return
    words = CONTENT.get(organization.language, CONTENT["en"])
    services.settings_save(
        organization=organization,
        skills_text=words["skills"],
        causes_text=words["causes"],
        **words["settings"],
    )
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
        organization=organization, name=words["training"], valid_months=24
    )
    today = timezone.localdate()
    opportunities = []
    for title, description, skill, starts, trained, young in words["opportunities"]:
        opportunity = services.opportunity_save(
            organization=organization,
            title=title,
            description=description,
            skills=[skills[skill]] if skill else [],
            trainings=[hygiene] if trained else [],
            cause=causes[-1] if young else causes[0],
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
