"""Demo data of the donors app, for ``seed_demo`` (development only): funds with impact units, an
appeal, two years of giving with loyal, lapsed and brand-new donors, a few stories — and the
recent gifts thanked, as the nightly batch would. In the organization's language and currency
(English, Khmer in riel, Persian in rial); a Khmer or Persian organization thanks with a
template its staff wrote themselves."""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from donors import services
from donors.models import Campaign, Fund, Gift, ImpactStory, PaymentMethod
from thankyous import services as thankyou_services
from thankyous.models import Acknowledgment, Rule, ThankYouTemplate

CONTENT = {
    "en": {
        "funds": [
            ("Meals", "25", "one week of meals"),
            ("Winter shelter", "40", "a night in a warm bed"),
            ("Where it's needed most", None, ""),
        ],
        "amounts": ["10", "15", "20", "25", "30", "50", "75", "100", "250"],
        "major": "2500",
        "campaign": ("Winter appeal", "15000"),
        "stories": [
            (
                "good_news",
                "The new kitchen is open",
                "Thanks to you, we now cook 400 hot meals a week instead of 150.",
            ),
            (
                "urgent_need",
                "Nights are getting colder",
                "Our shelter is full every night; 20 more beds would keep everyone warm this "
                "winter.",
            ),
        ],
        "thank_you": None,  # the default template, in the organization's language
    },
    "km": {  # riel: about 4,000 to the US dollar
        "funds": [
            ("អាហារគ្រួសារ", "100000", "អាហារមួយសប្ដាហ៍សម្រាប់គ្រួសារមួយ"),
            ("អង្ករសម្រាប់សហគមន៍", "75000", "អង្ករមួយបាវ ២៥ គីឡូក្រាម"),
            ("កន្លែងដែលត្រូវការបំផុត", None, ""),
        ],
        "amounts": ["20000", "40000", "50000", "80000", "100000", "200000", "400000"],
        "major": "4000000",
        "campaign": ("យុទ្ធនាការចែកអង្ករដល់គ្រួសារក្រីក្រ", "60000000"),
        "stories": [
            (
                "good_news",
                "ផ្ទះបាយសហគមន៍ថ្មីបានបើកដំណើរការហើយ",
                "ដោយសារការគាំទ្ររបស់លោកអ្នក ឥឡូវនេះយើងចម្អិនអាហារក្ដៅបាន ៤០០ ពេលក្នុងមួយសប្ដាហ៍ "
                "ជំនួសឲ្យត្រឹមតែ ១៥០ ពេលកាលពីមុន។",
            ),
            (
                "urgent_need",
                "គ្រួសារជាច្រើនកំពុងខ្វះស្បៀង",
                "ចំនួនគ្រួសារដែលមកសុំជំនួយពីយើងបានកើនឡើងទ្វេដងក្នុងខែនេះ។ អង្ករ ២០០ បាវទៀត "
                "នឹងអាចជួយពួកគេបានពេញមួយខែ។",
            ),
        ],
        "thank_you": {
            "name": "លិខិតអរគុណសម្រាប់អំណោយ",
            "email_subject": "សូមអរគុណ {{ first_name }} ចំពោះអំណោយរបស់លោកអ្នក",
            "email_body": (
                "{{ salutation }}\n\n"
                "{{ organization_name }} សូមថ្លែងអំណរគុណយ៉ាងជ្រាលជ្រៅចំពោះអំណោយចំនួន "
                "{{ amount }} ដែលលោកអ្នកបានផ្ដល់ជូននៅថ្ងៃទី {{ date }} សម្រាប់ {{ fund }}។ "
                "{{ impact_sentence }}\n\n"
                "លោកអ្នកអាចមើលឃើញនូវអ្វីដែលការគាំទ្ររបស់លោកអ្នកបានផ្លាស់ប្ដូរ តាមរយៈតំណនេះ៖ "
                "{{ impact_page_link }}\n\n"
                "ដោយក្ដីគោរព និងដឹងគុណ\n{{ signature }}"
            ),
            "letter_body": (
                "<p>{{ salutation }}</p>\n"
                "<p>{{ organization_name }} បានទទួលអំណោយដ៏សប្បុរសរបស់លោកអ្នកចំនួន "
                "<strong>{{ amount }}</strong> ({{ amount_in_words }}) នៅថ្ងៃទី {{ date }} "
                "សម្រាប់ {{ fund }}។</p>\n"
                "<p>{{ impact_sentence }}</p>\n"
                "<p>សូមអរគុណដែលបានរួមចំណែកឲ្យគ្រួសារនានានៅរាជធានីភ្នំពេញ "
                "មានអាហារគ្រប់គ្រាន់ជារៀងរាល់ថ្ងៃ។</p>"
            ),
        },
    },
    "fa": {  # rial, as receipts in Iran state it (ten rials to the toman)
        "funds": [
            ("آشپزخانهٔ محله", "5000000", "یک هفته ناهار گرم برای یک نفر"),
            ("سبد غذایی خانواده", "30000000", "یک سبد غذایی ماهانه برای یک خانواده"),
            ("هر جا که نیاز بیشتر است", None, ""),
        ],
        "amounts": ["2000000", "5000000", "10000000", "20000000", "30000000", "50000000"],
        "major": "1000000000",
        "campaign": ("پویش زمستانه", "5000000000"),
        "stories": [
            (
                "good_news",
                "آشپزخانهٔ تازهٔ محله افتتاح شد",
                "به لطف همراهی شما، اکنون هر هفته ۴۰۰ وعده غذای گرم می‌پزیم؛ پیش از این فقط "
                "۱۵۰ وعده بود.",
            ),
            (
                "urgent_need",
                "شب‌ها سردتر می‌شود",
                "گرمخانهٔ ما هر شب پر است؛ با ۲۰ تخت دیگر همه می‌توانند این زمستان را در جای "
                "گرم بگذرانند.",
            ),
        ],
        "thank_you": {
            "name": "سپاس از کمک شما",
            "email_subject": "{{ first_name }} عزیز، از همراهی‌تان سپاسگزاریم",
            "email_body": (
                "{{ salutation }}،\n\n"
                "از کمک {{ amount }} شما در تاریخ {{ date }} برای {{ fund }} صمیمانه "
                "سپاسگزاریم. {{ impact_sentence }}\n\n"
                "ببینید همراهی شما چه تغییری ایجاد کرده است: {{ impact_page_link }}\n\n"
                "با سپاس و احترام،\n{{ signature }}"
            ),
            "letter_body": (
                "<p>{{ salutation }}،</p>\n"
                "<p>کمک سخاوتمندانهٔ شما به مبلغ <strong>{{ amount }}</strong> "
                "({{ amount_in_words }}) در تاریخ {{ date }} برای {{ fund }} به دست ما "
                "رسید.</p>\n"
                "<p>{{ impact_sentence }}</p>\n"
                "<p>با کمک شما، خانواده‌های بیشتری در تهران این ماه سفرهٔ گرم‌تری خواهند "
                "داشت.</p>"
            ),
        },
    },
}


def seed(*, organization, contacts, staff, rng):
    if Gift.objects.filter(organization=organization, reference__startswith="DEMO-").exists():
        return
    words = CONTENT.get(organization.language, CONTENT["en"])
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
        for name, amount, label in words["funds"]
    ]
    campaign_name, goal = words["campaign"]
    campaign, _created = Campaign.objects.get_or_create(
        organization=organization,
        name=campaign_name,
        defaults={
            "starts_on": today - timedelta(days=45),
            "ends_on": today + timedelta(days=45),
            "goal": Decimal(goal),
        },
    )
    for days_ago, (kind, title, body) in zip((40, 8), words["stories"], strict=True):
        ImpactStory.objects.get_or_create(
            organization=organization,
            original=None,
            title=title,
            defaults={
                "kind": kind,
                "body": body,
                "fund": funds[0] if kind == "good_news" else funds[1],
                "published_on": today - timedelta(days=days_ago),
            },
        )
    if words["thank_you"]:  # before the defaults: a gift rule with a template keeps its own
        template = dict(words["thank_you"])
        ThankYouTemplate.objects.get_or_create(
            organization=organization,
            name=template.pop("name"),
            defaults={"rule": Rule.DEFAULT, **template},
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
                amount=Decimal(
                    words["major"] if rng.random() < 0.03 else rng.choice(words["amounts"])
                ),
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
