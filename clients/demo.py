"""Demo data of the clients app, for ``seed_demo`` (development only): request categories, a
month of service requests in every state (some breaching their targets), a small help centre
and a course with its participants — in the organization's language (English, Khmer or
Persian; the Khmer articles give the word-breaking search long runs of unspaced text)."""

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

# Requests: (kind, subject, description); articles: (category, title, summary, body, is_faq)
CONTENT = {
    "en": {
        "categories": ["Housing", "Benefits", "Food parcels", "Debt advice"],
        "requests": [
            (
                "request",
                "Help with a housing benefit form",
                "The council sent a form I don't understand.",
            ),
            (
                "request",
                "Food parcel for a family of four",
                "We have had no income since the 3rd.",
            ),
            ("question", "When is the advice clinic open?", "I work until 5 on weekdays."),
            ("request", "Letter from the bailiffs", "They say they will come on Monday."),
            ("complaint", "Nobody called me back", "I was promised a call last Tuesday."),
            (
                "failure",
                "Parcel was missing the baby milk",
                "The list said formula was included.",
            ),
            ("question", "Can I bring a friend to translate?", "My English is not so good."),
            ("request", "Help to apply for a grant for a cooker", "Ours broke in September."),
        ],
        "reply": "Thank you for getting in touch. We are looking into it and will call you.",
        "resolved": (
            "Sorted together on the phone.",
            "We apologised and delivered the missing items the same day.",
        ),
        "articles": [
            (
                "Food parcels",
                "How to get a food parcel",
                "Referrals, what is in a parcel and where to collect it.",
                "Ask any caseworker, your GP or the council for a referral. Parcels hold three "
                "days of food for your household; tell us about allergies, babies and halal or "
                "kosher needs.",
                True,
            ),
            (
                "Money",
                "What to do when a bailiff letter arrives",
                "Don't panic, don't ignore it: call us the same day.",
                "Bailiffs must give you seven clear days' notice. Bring the letter to the advice "
                "clinic or send us a photo; we can often stop a visit with one phone call.",
                True,
            ),
            (
                "Money",
                "Opening hours of the advice clinic",
                "Tuesdays 9–12 and Thursdays 17–20, no appointment needed.",
                "Come to 12 Mill Lane. On Thursday evenings an interpreter for Arabic and Polish "
                "is there; for other languages, ask us when you book.",
                False,
            ),
        ],
        "programme": ("Money skills course", "sessions"),
    },
    "km": {
        "categories": ["កញ្ចប់ស្បៀង", "ប័ណ្ណសមធម៌", "សុខភាព", "ការសិក្សារបស់កុមារ"],
        "requests": [
            (
                "request",
                "សុំកញ្ចប់ស្បៀងសម្រាប់គ្រួសារ ៥ នាក់",
                "ប្ដីខ្ញុំឈឺ មិនអាចធ្វើការបានតាំងពីដើមខែមកម្ល៉េះ។",
            ),
            (
                "request",
                "សុំជំនួយក្នុងការស្នើសុំប័ណ្ណសមធម៌",
                "ខ្ញុំមិនដឹងថាត្រូវទៅស្នើសុំនៅឯណា ហើយត្រូវការឯកសារអ្វីខ្លះទេ។",
            ),
            (
                "question",
                "តើការិយាល័យបើកដល់ម៉ោងប៉ុន្មាននៅថ្ងៃសៅរ៍?",
                "ខ្ញុំធ្វើការនៅរោងចក្ររហូតដល់ម៉ោង ៥ ល្ងាច។",
            ),
            (
                "request",
                "កូនត្រូវការសម្ភារៈសិក្សាសម្រាប់ឆ្នាំសិក្សាថ្មី",
                "ខ្ញុំមានកូនបីនាក់ កំពុងរៀននៅសាលាបឋមសិក្សា។",
            ),
            (
                "complaint",
                "គ្មាននរណាទូរស័ព្ទមកខ្ញុំវិញទេ",
                "គេសន្យាថានឹងទូរស័ព្ទមកខ្ញុំកាលពីថ្ងៃអង្គារមុន។",
            ),
            (
                "failure",
                "កញ្ចប់ស្បៀងខ្វះទឹកដោះគោសម្រាប់ទារក",
                "បញ្ជីសរសេរថាមានទឹកដោះគោម្សៅ ប៉ុន្តែខ្ញុំមិនបានទទួលទេ។",
            ),
            (
                "question",
                "តើខ្ញុំអាចនាំសាច់ញាតិមកជាមួយបានទេ?",
                "ម្ដាយខ្ញុំចាស់ហើយ មិនអាចធ្វើដំណើរម្នាក់ឯងបានទេ។",
            ),
            (
                "request",
                "សុំជំនួយថ្លៃវះកាត់ភ្នែកឡើងបាយឲ្យយាយ",
                "យាយខ្ញុំមើលមិនសូវឃើញ ហើយគ្រូពេទ្យថាត្រូវវះកាត់ឆាប់ៗ។",
            ),
        ],
        "reply": "សូមអរគុណដែលបានទាក់ទងមកយើងខ្ញុំ។ យើងកំពុងពិនិត្យមើលករណីរបស់លោកអ្នក ហើយនឹងទូរស័ព្ទទៅវិញឆាប់ៗនេះ។",
        "resolved": (
            "បានដោះស្រាយរួចរាល់ជាមួយគ្នាតាមទូរស័ព្ទ។",
            "យើងបានសុំទោស ហើយបានយករបស់ដែលខ្វះទៅជូនដល់ផ្ទះនៅថ្ងៃដដែល។",
        ),
        "articles": [
            (
                "កញ្ចប់ស្បៀង",
                "របៀបទទួលបានកញ្ចប់ស្បៀងអាហារ",
                "លិខិតបញ្ជូន អ្វីដែលមាននៅក្នុងកញ្ចប់ និងកន្លែងមកទទួល។",
                "លោកអ្នកអាចសុំលិខិតបញ្ជូនពីមេភូមិ ចៅសង្កាត់ ឬបុគ្គលិកសង្គមកិច្ចរបស់យើង។ "
                "កញ្ចប់ស្បៀងនីមួយៗមានអង្ករ ២៥ គីឡូក្រាម ប្រេងឆា ត្រីខ ទឹកត្រី និងអំបិល "
                "ដែលគ្រប់គ្រាន់សម្រាប់គ្រួសារមួយរយៈពេលពីរសប្ដាហ៍។ "
                "សូមប្រាប់យើងប្រសិនបើក្នុងគ្រួសារមានទារក ស្ត្រីមានផ្ទៃពោះ ឬអ្នកជំងឺទឹកនោមផ្អែម "
                "ដើម្បីឲ្យយើងរៀបចំអាហារឲ្យបានសមស្រប។ "
                "យើងចែកស្បៀងរៀងរាល់ថ្ងៃពុធ និងថ្ងៃសៅរ៍ ចាប់ពីម៉ោង ៧ ដល់ម៉ោង ១១ ព្រឹក "
                "នៅទីស្នាក់ការរបស់យើង។",
                True,
            ),
            (
                "សុខភាព",
                "របៀបស្នើសុំប័ណ្ណសមធម៌",
                "ប័ណ្ណនេះជួយឲ្យគ្រួសាររបស់លោកអ្នកទទួលការព្យាបាលដោយឥតគិតថ្លៃ។",
                "ប័ណ្ណសមធម៌ (ពីមុនហៅថាប័ណ្ណក្រីក្រ) "
                "ផ្ដល់សិទ្ធិឲ្យគ្រួសារដែលមានចំណូលទាបទទួលការព្យាបាលដោយឥតគិតថ្លៃនៅមណ្ឌលសុខភាព "
                "និងមន្ទីរពេទ្យរដ្ឋ។ សូមទៅស្នើសុំនៅសាលាសង្កាត់ដែលលោកអ្នករស់នៅ "
                "ដោយយកអត្តសញ្ញាណប័ណ្ណ និងសៀវភៅគ្រួសារទៅជាមួយ។ "
                "ប្រសិនបើលោកអ្នកមិនទាន់មានឯកសារទាំងនេះទេ "
                "បុគ្គលិកសង្គមកិច្ចរបស់យើងអាចជួយរៀបចំ និងអមដំណើរលោកអ្នកទៅសាលាសង្កាត់។",
                True,
            ),
            (
                "ព័ត៌មានទូទៅ",
                "ម៉ោងធ្វើការ និងទីតាំងការិយាល័យ",
                "ពីថ្ងៃចន្ទ ដល់ថ្ងៃសៅរ៍ ម៉ោង ៧:៣០ ព្រឹក ដល់ម៉ោង ៥ ល្ងាច។",
                "ការិយាល័យរបស់យើងស្ថិតនៅផ្ទះលេខ ២៤ ផ្លូវ ៣៦០ សង្កាត់បឹងកេងកង ១ "
                "ជិតផ្សារបឹងកេងកង។ យើងឈប់សម្រាកនៅថ្ងៃអាទិត្យ និងថ្ងៃបុណ្យជាតិ។ "
                "លោកអ្នកអាចមកដោយផ្ទាល់ដោយមិនចាំបាច់ណាត់ជាមុន "
                "ប៉ុន្តែពេលព្រឹកមានមនុស្សច្រើន ដូច្នេះសូមមកនៅពេលរសៀលប្រសិនបើអាចធ្វើបាន។ "
                "ប្រសិនបើលោកអ្នកពិបាកធ្វើដំណើរ សូមទូរស័ព្ទមកយើង "
                "ហើយបុគ្គលិករបស់យើងនឹងទៅជួបលោកអ្នកដល់ផ្ទះ។",
                False,
            ),
        ],
        "programme": ("វគ្គបណ្ដុះបណ្ដាលគ្រប់គ្រងថវិកាគ្រួសារ", "វគ្គ"),
    },
    "fa": {
        "categories": ["سبد غذایی", "مسکن و اجاره", "مشاورهٔ حقوقی", "درمان و دارو"],
        "requests": [
            (
                "request",
                "درخواست سبد غذایی برای خانوادهٔ چهارنفره",
                "همسرم از اول ماه بیکار شده و هیچ درآمدی نداریم.",
            ),
            (
                "request",
                "کمک برای پرداخت اجارهٔ عقب‌افتاده",
                "صاحبخانه گفته اگر تا آخر ماه اجاره را ندهیم باید خانه را تخلیه کنیم.",
            ),
            (
                "question",
                "دفتر مشاوره چه ساعتی باز است؟",
                "من روزهای کاری تا ساعت ۵ سر کار هستم.",
            ),
            (
                "request",
                "کمک‌هزینهٔ داروی پدرم",
                "پدرم دیابت دارد و بیمه همهٔ هزینهٔ انسولین را نمی‌پردازد.",
            ),
            (
                "complaint",
                "کسی با من تماس نگرفت",
                "قرار بود سه‌شنبهٔ گذشته با من تماس بگیرند.",
            ),
            (
                "failure",
                "شیرخشک در سبد غذایی نبود",
                "در فهرست نوشته بود شیرخشک نوزاد هم در سبد هست.",
            ),
            (
                "question",
                "می‌توانم یکی از آشنایان را برای ترجمه بیاورم؟",
                "فارسی‌ام خیلی خوب نیست و به پشتو راحت‌تر صحبت می‌کنم.",
            ),
            (
                "request",
                "درخواست کمک برای خرید بخاری",
                "بخاری خانه‌مان از پاییز خراب شده است.",
            ),
        ],
        "reply": "از اینکه با ما تماس گرفتید سپاسگزاریم. موضوع را بررسی می‌کنیم و به‌زودی با "
        "شما تماس می‌گیریم.",
        "resolved": (
            "در تماس تلفنی با هم حل شد.",
            "عذرخواهی کردیم و اقلام جاافتاده را همان روز به دستشان رساندیم.",
        ),
        "articles": [
            (
                "سبد غذایی",
                "چگونه سبد غذایی دریافت کنیم",
                "معرفی‌نامه، اقلام سبد و محل تحویل.",
                "برای دریافت سبد غذایی به معرفی‌نامه‌ای از مددکاران ما، مرکز بهداشت محله یا "
                "بهزیستی نیاز دارید. هر سبد برای یک خانواده به مدت یک هفته کافی است و شامل "
                "برنج، روغن، حبوبات، ماکارونی، چای و قند است. اگر در خانواده نوزاد، بیمار "
                "دیابتی یا فردی با حساسیت غذایی دارید، هنگام ثبت‌نام به ما بگویید. سبدها "
                "شنبه‌ها و سه‌شنبه‌ها از ساعت ۹ تا ۱۳ در دفتر خیریه تحویل داده می‌شوند.",
                True,
            ),
            (
                "مسکن و اجاره",
                "وقتی اخطار تخلیه دریافت کردید چه کنید",
                "نگران نشوید و آن را نادیده نگیرید؛ همان روز با ما تماس بگیرید.",
                "موجر نمی‌تواند خودش و بدون دستور مرجع قضایی شما را از خانه بیرون کند. "
                "اخطاریه را همراه اجاره‌نامه به دفتر مشاوره بیاورید یا عکس آن را برای ما "
                "بفرستید. مشاوران حقوقی داوطلب ما در نوشتن درخواست مهلت به شورای حل اختلاف "
                "کمکتان می‌کنند.",
                True,
            ),
            (
                "ساعت کاری و نشانی",
                "ساعت کاری دفتر مشاوره",
                "شنبه تا چهارشنبه، ۹ صبح تا ۴ بعدازظهر، بدون نوبت قبلی.",
                "دفتر ما در خیابان کریم‌خان زند، خیابان ایرانشهر، پلاک ۴۵ است و پنجشنبه‌ها، "
                "جمعه‌ها و روزهای تعطیل رسمی بسته است. دوشنبه‌ها مترجم پشتو و دری در دفتر "
                "حضور دارد؛ برای زبان‌های دیگر هنگام گرفتن نوبت به ما خبر دهید.",
                False,
            ),
        ],
        "programme": ("دورهٔ آموزش مدیریت هزینه‌های خانواده", "جلسه"),
    },
}


def seed(*, organization, contacts, staff, rng):
    if ServiceRequest.objects.filter(organization=organization).exists():
        return
    caseworkers = [
        m.user
        for m in Membership.objects.filter(
            organization=organization, role__in=services.CLIENT_ROLES
        ).select_related("user")
    ]
    words = CONTENT.get(organization.language, CONTENT["en"])
    categories = [
        RequestCategory.objects.get_or_create(organization=organization, name=name)[0]
        for name in words["categories"]
    ]
    now = timezone.now()
    for contact, (kind, subject, description) in zip(
        rng.sample(contacts, k=len(words["requests"])), words["requests"], strict=True
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
        if roll < 0.6 and contact.email:  # no address: the caseworker calls instead
            services.request_reply(
                organization=organization,
                request=request,
                author=rng.choice(caseworkers),
                body=words["reply"],
                then=Status.WAITING if roll < 0.3 else Status.OPEN,
            )
        if roll < 0.25:
            services.request_resolve(
                organization=organization,
                request=request,
                actor=rng.choice(caseworkers),
                summary=words["resolved"][0],
                resolution_action=words["resolved"][1],
                satisfaction_restored=True,
            )
    for number, (category, title, summary, body, is_faq) in enumerate(words["articles"]):
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
    name, unit = words["programme"]
    course = Programme.objects.get_or_create(
        organization=organization,
        name=name,
        defaults={"unit": unit, "sessions_to_complete": 6},
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
