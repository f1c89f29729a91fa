"""Demo data of the community, for ``seed_demo`` (development only): a lively community in the
organization's language (English, Khmer or Persian) — three spaces, questions of the last weeks
with answers from peers and from staff (some accepted, some with votes), a few unanswered, a
newcomer's post waiting in the moderation queue (it has a phone number in it), ideas with one
being planned, a current notice and an upcoming expert session.

Everything goes through the community's services (holds, counters, reputation, the search
index), then the timestamps are spread over the past six weeks, so the pages look lived-in.
Members have the daily digest on, so seeding sends no email per answer. Deterministic: the
same ``rng`` gives the same community; a second run changes nothing."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db.models import F
from django.utils import timezone

from community.models import (
    Answer,
    CommunitySettings,
    ExpertSession,
    Idea,
    Member,
    MemberStatus,
    Notice,
    NoticePlace,
    Question,
    Space,
    Vote,
)
from community.services import ideas as idea_services
from community.services import notices as notice_services
from community.services import questions as question_services
from community.services import sessions as session_services
from community.services.members import staff_member
from stakeholders.models import Membership, Role

# A thread: (space, asker, title, body, tags, answers, accepted). ``asker`` and each answer's
# author are indexes into "members", or "staff" (an expert); ``accepted`` is the index of the
# accepted answer or None.
CONTENT = {
    "en": {
        "spaces": [
            (
                "getting-help",
                "Getting help",
                "Food parcels, advice, forms: ask how others got through it.",
                "public",
                [],
            ),
            (
                "volunteers",
                "Volunteers",
                "Shifts, roles and training, for everyone who gives their time.",
                "members",
                ["volunteer"],
            ),
            (
                "supporters",
                "Supporters",
                "Giving, fundraising and what your support changes.",
                "public",
                ["donor"],
            ),
        ],
        "members": [
            "Marigold",
            "Bristol dad",
            "Night owl",
            "Allotment Ann",
            "Kwame M",
            "Sunflower",
            "Tea and toast",
            "Rosie R",
            "Quiet reader",
            "Cyclist Jo",
        ],
        "newcomer": "New in town",
        "threads": [
            (
                "getting-help",
                0,
                "Can I collect a food parcel for my neighbour?",
                "My neighbour has a bad hip and can't walk to Mill Lane any more. Can I pick up "
                "her parcel for her, and what do I need to bring?",
                "food parcels, neighbours",
                [
                    (
                        "staff",
                        "Yes. Bring a short note from her with her name and address, and your "
                        "own ID. Tell the volunteer at the desk and we'll keep both parcels "
                        "together. If she needs it every week, ask us about home delivery.",
                    ),
                    (3, "I do this for my mum. They were really kind about it, no fuss at all."),
                ],
                0,
            ),
            (
                "getting-help",
                1,
                "Do I need a referral for a food parcel?",
                "I've never used a food bank before. Someone said you need a voucher. Where do "
                "I get one?",
                "food parcels, referral",
                [
                    (
                        6,
                        "I got mine from the Citizens Advice on the high street. It took ten "
                        "minutes.",
                    ),
                    (
                        "staff",
                        "Any caseworker here, your GP, the council or Citizens Advice can refer "
                        "you. If you're stuck today, come to the advice clinic and we'll sort "
                        "it out on the spot.",
                    ),
                ],
                1,
            ),
            (
                "getting-help",
                2,
                "What's in a parcel? We're vegetarian",
                "Is there a vegetarian option? We don't eat meat or fish.",
                "food parcels, diet",
                [
                    (
                        "staff",
                        "Yes: tell the desk when you arrive (or put it on the referral) and "
                        "we'll swap tinned meat and fish for beans, lentils and extra veg. "
                        "Halal, kosher and allergy needs work the same way.",
                    ),
                ],
                0,
            ),
            (
                "getting-help",
                3,
                "The bailiffs sent a letter. What do I do?",
                "Got a letter saying they'll visit next week about council tax. I'm panicking.",
                "debt, council tax",
                [
                    (
                        4,
                        "Don't ignore it. I did and it got worse. The debt advice people here "
                        "helped me set up a payment plan the council accepted.",
                    ),
                    (
                        "staff",
                        "Bring the letter to the advice clinic (Tuesday 9 to 12, Thursday 5 to "
                        "8) or send us a photo through the request form. Bailiffs must give you "
                        "seven clear days' notice, and a phone call from us often stops a visit.",
                    ),
                ],
                1,
            ),
            (
                "getting-help",
                4,
                "Is there help with gas and electric top-ups?",
                "Our prepayment meter is nearly empty and payday is Friday.",
                "energy, bills",
                [
                    (
                        "staff",
                        "We have a small fuel fund for top-up vouchers: ask a caseworker. Your "
                        "supplier also has to offer emergency credit; call them first.",
                    ),
                    (0, "The emergency credit button on the meter saved us last winter."),
                ],
                0,
            ),
            (
                "getting-help",
                5,
                "Can I bring someone to translate?",
                "My husband's English isn't good. Can a friend come with us to the clinic?",
                "advice clinic, languages",
                [
                    (
                        7,
                        "I brought my sister and nobody minded. They also have interpreters on "
                        "Thursdays.",
                    ),
                ],
                0,
            ),
            (
                "getting-help",
                6,
                "How long do parcels last?",
                "How many days of food is one parcel for a family of four?",
                "food parcels",
                [
                    (
                        "staff",
                        "About three days of meals for your household. If that won't stretch, "
                        "tell us: we can refer you on to the community pantry as well.",
                    ),
                ],
                None,
            ),
            (
                "getting-help",
                8,
                "Baby milk in the parcel?",
                "Do you give formula? My little one is five months old.",
                "baby, food parcels",
                [],
                None,
            ),
            (
                "volunteers",
                1,
                "How do I swap a shift?",
                "I'm down for Saturday but have a family thing. Can I swap with someone?",
                "shifts, rota",
                [
                    (
                        "staff",
                        "Post it here or message Lucía: if someone takes it, she changes the "
                        "rota. Please give us 48 hours if you can.",
                    ),
                    (9, "I can take your Saturday if you take my Wednesday evening?"),
                ],
                0,
            ),
            (
                "volunteers",
                9,
                "What should I wear for the warehouse shift?",
                "First warehouse shift next week. Any tips?",
                "warehouse, first shift",
                [
                    (
                        3,
                        "Closed shoes, layers (it's cold in there) and gloves if you have them. "
                        "Bring a water bottle.",
                    ),
                    (
                        "staff",
                        "All of that, and we give you a hi-vis vest on arrival. The first "
                        "hour is a walk-through with a team leader.",
                    ),
                ],
                0,
            ),
            (
                "volunteers",
                4,
                "Is the food hygiene course worth doing?",
                "I've seen the food hygiene training on the list. Is it needed for the kitchen?",
                "training, kitchen",
                [
                    (
                        "staff",
                        "For the community kitchen, yes: it's required before you cook. It's "
                        "free, online, about three hours, and counts as volunteering time.",
                    ),
                ],
                0,
            ),
            (
                "volunteers",
                6,
                "Driving for deliveries: do I need special insurance?",
                "I'd like to help with home deliveries in my own car.",
                "drivers, insurance",
                [
                    (
                        "staff",
                        "Tell your insurer you're volunteering (most include it at no cost) "
                        "and send us a copy of your licence. We cover the fuel at 45p a mile.",
                    ),
                    (
                        1,
                        "Mine added it the same day on the phone, no extra charge.",
                    ),
                ],
                1,
            ),
            (
                "volunteers",
                7,
                "Can my teenager volunteer with me?",
                "My son is 15 and wants to help at the Saturday sort.",
                "young volunteers",
                [
                    (
                        "staff",
                        "From 14 with a parent or carer on the same shift, yes. He'll need "
                        "the short induction too.",
                    ),
                ],
                None,
            ),
            (
                "volunteers",
                2,
                "Parking near the warehouse?",
                "Is there anywhere to park for the early shift?",
                "warehouse, travel",
                [
                    (5, "The church car park next door is free before 10."),
                    (9, "Bike racks by the side door too."),
                ],
                0,
            ),
            (
                "supporters",
                5,
                "What does £10 a month pay for?",
                "Thinking about a monthly gift. What difference does it make?",
                "monthly giving",
                [
                    (
                        "staff",
                        "£10 a month fills about two parcels for a family. Monthly gifts let us "
                        "plan stock ahead instead of buying at short notice, so they go further.",
                    ),
                    (0, "I give monthly and the updates every few months are lovely."),
                ],
                0,
            ),
            (
                "supporters",
                3,
                "Can I donate fresh veg from my allotment?",
                "I've got far too many courgettes. Do you take fresh produce?",
                "donations, fresh food",
                [
                    (
                        "staff",
                        "Yes please, Tuesday or Friday mornings so it goes out the same week. "
                        "Clean and dry, no need to package it.",
                    ),
                    (
                        8,
                        "The courgettes were gone in an hour last time, people love them.",
                    ),
                ],
                0,
            ),
            (
                "supporters",
                7,
                "Running a half marathon for you: any tips?",
                "Signed up for the Bristol half. How do I set up a fundraising page?",
                "fundraising, events",
                [
                    (
                        "staff",
                        "Thank you! Tom in our team sends a running vest and a page link you "
                        "can share. We shout about every runner on the day.",
                    ),
                ],
                0,
            ),
            (
                "supporters",
                0,
                "Gift Aid on small donations?",
                "Is it worth ticking Gift Aid for a £5 donation?",
                "gift aid",
                [
                    (
                        4,
                        "Yes, it adds 25% at no cost to you if you pay UK tax.",
                    ),
                    (
                        "staff",
                        "Every Gift Aid declaration helps: £5 becomes £6.25 for us. One "
                        "declaration covers all your gifts.",
                    ),
                ],
                1,
            ),
            (
                "supporters",
                6,
                "Does the company match count as my gift?",
                "My employer matches donations. How does that show?",
                "matched giving",
                [
                    (
                        "staff",
                        "We record the match as a soft credit to you, so your thank-you and "
                        "your impact page include it.",
                    ),
                ],
                None,
            ),
            (
                "getting-help",
                9,
                "Help filling in the housing benefit form?",
                "The form is 30 pages long. Does anyone help with it?",
                "housing, forms",
                [
                    (
                        2,
                        "The advice clinic did mine with me in one go. Bring your tenancy "
                        "agreement and bank statements.",
                    ),
                ],
                None,
            ),
        ],
        "pending": (
            "getting-help",
            "Parcel delivery to my flat?",
            "Can someone deliver to me? I'm on crutches. Call me on 0117 496 0123.",
            "delivery",
        ),
        "ideas": [
            (
                "getting-help",
                1,
                "Open on Saturday mornings",
                "Lots of us work weekdays and can't get to Mill Lane before 5. A Saturday "
                "morning slot would help working families.",
                ("planned", "We're recruiting volunteers for a Saturday shift from January."),
            ),
            (
                "getting-help",
                5,
                "Recipe cards in the parcels",
                "Simple recipes for what's in the parcel, in a few languages.",
                None,
            ),
            (
                "volunteers",
                9,
                "A shared lift list for the early shift",
                "So those of us without cars can get to the warehouse for 7.",
                None,
            ),
        ],
        "notice": (
            "The food bank is closed on Friday",
            "Stock-take day. Parcels go out on Thursday from 9 to 6 instead.",
        ),
        "session": (
            "Ask our debt advisers",
            "Dev and the advice team answer your questions about bills, debt and benefits live "
            "in Getting help.",
        ),
    },
    "km": {
        "spaces": [
            (
                "getting-help",
                "ស្វែងរកជំនួយ",
                "កញ្ចប់ស្បៀង ប័ណ្ណសមធម៌ និងសំណួរផ្សេងៗ៖ សួរអ្នកដែលធ្លាប់ឆ្លងកាត់។",
                "public",
                [],
            ),
            (
                "volunteers",
                "អ្នកស្ម័គ្រចិត្ត",
                "វេនការងារ តួនាទី និងវគ្គបណ្តុះបណ្តាល សម្រាប់អ្នកស្ម័គ្រចិត្តទាំងអស់។",
                "members",
                ["volunteer"],
            ),
            (
                "supporters",
                "អ្នកគាំទ្រ",
                "ការបរិច្ចាគ និងលទ្ធផលនៃការគាំទ្ររបស់លោកអ្នក។",
                "public",
                ["donor"],
            ),
        ],
        "members": ["ផ្កាឈូក", "ម្តាយកូនបី", "កសិករតាកែវ", "សិស្សឆ្នាំទី៣", "អ្នកជិះកង់", "ព្រះចន្ទ"],
        "newcomer": "អ្នកថ្មី",
        "threads": [
            (
                "getting-help",
                0,
                "តើខ្ញុំអាចទទួលកញ្ចប់ស្បៀងជំនួសអ្នកជិតខាងបានទេ?",
                "អ្នកជិតខាងខ្ញុំចាស់ហើយ ដើរមិនរួច។ តើខ្ញុំត្រូវយកឯកសារអ្វីខ្លះមកជាមួយ?",
                "កញ្ចប់ស្បៀង, អ្នកជិតខាង",
                [
                    (
                        "staff",
                        "បាទ អាចបាន។ សូមយកលិខិតដែលគាត់ចុះហត្ថលេខា និងអត្តសញ្ញាណប័ណ្ណរបស់លោកអ្នកមកជាមួយ។ "
                        "ប្រសិនបើគាត់ត្រូវការរៀងរាល់សប្តាហ៍ សូមសួរយើងអំពីការដឹកជូនដល់ផ្ទះ។",
                    ),
                    (1, "ខ្ញុំធ្លាប់ទទួលជំនួសម្តាយខ្ញុំ។ បុគ្គលិកជួយយ៉ាងរហ័ស។"),
                ],
                0,
            ),
            (
                "getting-help",
                1,
                "តើស្នើសុំប័ណ្ណសមធម៌នៅឯណា?",
                "ខ្ញុំទើបផ្លាស់មករស់នៅភ្នំពេញ ហើយមិនទាន់មានប័ណ្ណសមធម៌ទេ។",
                "ប័ណ្ណសមធម៌",
                [
                    (2, "ខ្ញុំបានទៅសាលាសង្កាត់ ជាមួយសៀវភៅគ្រួសារ។ ចំណាយពេលមួយព្រឹក។"),
                    (
                        "staff",
                        "សូមទៅសាលាសង្កាត់ដែលលោកអ្នករស់នៅ ដោយយកអត្តសញ្ញាណប័ណ្ណ និងសៀវភៅគ្រួសារទៅជាមួយ។ "
                        "បុគ្គលិកសង្គមកិច្ចរបស់យើងអាចអមដំណើរលោកអ្នកបាន។",
                    ),
                ],
                1,
            ),
            (
                "getting-help",
                2,
                "តើកញ្ចប់ស្បៀងមានអ្វីខ្លះ?",
                "ខ្ញុំចង់ដឹងថាគ្រប់គ្រាន់សម្រាប់គ្រួសារប្រាំនាក់ប៉ុន្មានថ្ងៃ។",
                "កញ្ចប់ស្បៀង",
                [
                    (
                        "staff",
                        "កញ្ចប់នីមួយៗមានអង្ករ ២៥ គីឡូក្រាម ប្រេងឆា ត្រីខ ទឹកត្រី និងអំបិល "
                        "គ្រប់គ្រាន់សម្រាប់រយៈពេលពីរសប្តាហ៍។",
                    ),
                ],
                0,
            ),
            (
                "getting-help",
                3,
                "តើកូនខ្ញុំអាចទទួលសម្ភារៈសិក្សាបានទេ?",
                "ឆ្នាំសិក្សាថ្មីជិតចូលមកដល់ហើយ ខ្ញុំមានកូនបីនាក់។",
                "ការសិក្សា, កុមារ",
                [
                    (0, "កាលពីឆ្នាំមុន កូនខ្ញុំបានទទួលកាបូប សៀវភៅ និងប៊ិច។"),
                ],
                None,
            ),
            (
                "volunteers",
                4,
                "តើខ្ញុំអាចប្តូរវេនការងារបានទេ?",
                "ថ្ងៃសៅរ៍នេះខ្ញុំមានការប្រឡង។ តើមាននរណាអាចប្តូរជាមួយខ្ញុំបានទេ?",
                "វេនការងារ",
                [
                    (
                        "staff",
                        "សូមសរសេរនៅទីនេះ ឬប្រាប់អ្នកសម្របសម្រួល។ សូមប្រាប់យើងមុន ៤៨ ម៉ោង។",
                    ),
                    (3, "ខ្ញុំអាចជួយវេនថ្ងៃសៅរ៍បាន។"),
                ],
                0,
            ),
            (
                "volunteers",
                5,
                "ត្រូវស្លៀកពាក់បែបណាពេលចែកស្បៀង?",
                "នេះជាលើកទីមួយដែលខ្ញុំចូលរួមចែកស្បៀង។",
                "វេនដំបូង",
                [
                    (
                        2,
                        "ពាក់ស្បែកជើងបិទជិត និងមួក ព្រោះថ្ងៃក្តៅខ្លាំង។ យកដបទឹកមកផង។",
                    ),
                    (
                        "staff",
                        "យើងផ្តល់អាវស្ម័គ្រចិត្តនៅពេលមកដល់។ ម៉ោងដំបូងមានការណែនាំពីប្រធានក្រុម។",
                    ),
                ],
                1,
            ),
            (
                "supporters",
                1,
                "ការបរិច្ចាគ ១០ ដុល្លារក្នុងមួយខែ ជួយអ្វីបានខ្លះ?",
                "ខ្ញុំចង់បរិច្ចាគប្រចាំខែ។",
                "ការបរិច្ចាគប្រចាំខែ",
                [
                    (
                        "staff",
                        "១០ ដុល្លារក្នុងមួយខែ អាចទិញអង្ករបានប្រហែល ១២ គីឡូក្រាម សម្រាប់គ្រួសារមួយ។",
                    ),
                ],
                0,
            ),
            (
                "supporters",
                2,
                "តើអាចបរិច្ចាគបន្លែពីចម្ការបានទេ?",
                "ខ្ញុំមានត្រសក់ និងស្ពៃច្រើនពេក។",
                "អំណោយ, បន្លែ",
                [
                    (
                        "staff",
                        "បាទ អរគុណច្រើន! សូមយកមកនៅព្រឹកថ្ងៃពុធ ឬថ្ងៃសៅរ៍ ដើម្បីចែកក្នុងសប្តាហ៍ដដែល។",
                    ),
                    (4, "បន្លែស្រស់ៗត្រូវបានចែកអស់ក្នុងរយៈពេលមួយម៉ោង។"),
                ],
                0,
            ),
            (
                "getting-help",
                4,
                "តើការិយាល័យបើកនៅថ្ងៃអាទិត្យទេ?",
                "ខ្ញុំធ្វើការនៅរោងចក្រពីថ្ងៃចន្ទដល់ថ្ងៃសៅរ៍។",
                "ម៉ោងធ្វើការ",
                [],
                None,
            ),
            (
                "volunteers",
                0,
                "តើមានវគ្គបណ្តុះបណ្តាលអំពីអនាម័យម្ហូបអាហារទេ?",
                "ខ្ញុំចង់ជួយនៅផ្ទះបាយសហគមន៍។",
                "វគ្គបណ្តុះបណ្តាល, ផ្ទះបាយ",
                [
                    (
                        "staff",
                        "មាន។ វគ្គនេះចាំបាច់មុនពេលចម្អិនអាហារ ហើយរាប់បញ្ចូលជាម៉ោងស្ម័គ្រចិត្ត។",
                    ),
                ],
                0,
            ),
        ],
        "pending": (
            "getting-help",
            "សុំដឹកស្បៀងមកផ្ទះ",
            "ខ្ញុំជើងឈឺ ដើរមិនរួច។ សូមទូរស័ព្ទមកលេខ 012 345 678។",
            "ដឹកជូន",
        ),
        "ideas": [
            (
                "getting-help",
                1,
                "បើកចែកស្បៀងនៅល្ងាចថ្ងៃសុក្រ",
                "អ្នកធ្វើការរោងចក្រជាច្រើនមិនអាចមកពេលព្រឹកបានទេ។",
                ("planned", "យើងកំពុងរកអ្នកស្ម័គ្រចិត្តសម្រាប់វេនល្ងាច ចាប់ពីខែមករា។"),
            ),
            (
                "volunteers",
                4,
                "បញ្ជីជិះម៉ូតូរួមគ្នាទៅឃ្លាំង",
                "សម្រាប់អ្នកស្ម័គ្រចិត្តដែលគ្មានម៉ូតូ។",
                None,
            ),
        ],
        "notice": (
            "ការិយាល័យបិទនៅថ្ងៃសុក្រនេះ",
            "ថ្ងៃរាប់ស្តុក។ យើងនឹងចែកស្បៀងនៅថ្ងៃព្រហស្បតិ៍ ពីម៉ោង ៧ ដល់ម៉ោង ៥ ល្ងាចជំនួសវិញ។",
        ),
        "session": (
            "សួរបុគ្គលិកសង្គមកិច្ចរបស់យើង",
            "បុគ្គលិករបស់យើងឆ្លើយសំណួរអំពីប័ណ្ណសមធម៌ និងសុខភាព ផ្ទាល់នៅក្នុងទំព័រស្វែងរកជំនួយ។",
        ),
    },
    "fa": {
        "spaces": [
            (
                "getting-help",
                "دریافت کمک",
                "سبد غذایی، مشاوره و فرم‌ها: از کسانی بپرسید که همین راه را رفته‌اند.",
                "public",
                [],
            ),
            (
                "volunteers",
                "داوطلبان",
                "نوبت‌ها، نقش‌ها و آموزش‌ها، برای همهٔ کسانی که وقتشان را می‌بخشند.",
                "members",
                ["volunteer"],
            ),
            (
                "supporters",
                "حامیان",
                "کمک مالی، جمع‌آوری کمک و اینکه حمایت شما چه تغییری می‌دهد.",
                "public",
                ["donor"],
            ),
        ],
        "members": ["گل مریم", "پدر سه فرزند", "شب‌بیدار", "باغبان محله", "دانشجوی خسته", "نسیم"],
        "newcomer": "تازه‌وارد",
        "threads": [
            (
                "getting-help",
                0,
                "می‌توانم سبد غذایی همسایه‌ام را تحویل بگیرم؟",
                "همسایه‌ام پادرد دارد و نمی‌تواند تا دفتر بیاید. چه مدارکی لازم است؟",
                "سبد غذایی، همسایه",
                [
                    (
                        "staff",
                        "بله. یک یادداشت امضاشده از ایشان با نام و نشانی و کارت ملی خودتان را "
                        "بیاورید. اگر هر هفته لازم دارد، دربارهٔ ارسال به خانه از ما بپرسید.",
                    ),
                    (3, "من برای مادرم همین کار را می‌کنم؛ خیلی راحت و بی‌دردسر بود."),
                ],
                0,
            ),
            (
                "getting-help",
                1,
                "برای سبد غذایی معرفی‌نامه لازم است؟",
                "اولین بار است که می‌خواهم سبد بگیرم. معرفی‌نامه را از کجا بگیرم؟",
                "سبد غذایی، معرفی‌نامه",
                [
                    (2, "من از مرکز بهداشت محله گرفتم؛ ده دقیقه طول کشید."),
                    (
                        "staff",
                        "مددکاران ما، مرکز بهداشت محله یا بهزیستی می‌توانند معرفی‌تان کنند. اگر "
                        "امروز گیر افتاده‌اید، به دفتر مشاوره بیایید تا همان‌جا درستش کنیم.",
                    ),
                ],
                1,
            ),
            (
                "getting-help",
                2,
                "صاحبخانه اخطار تخلیه داده؛ چه کنم؟",
                "گفته تا آخر ماه باید خانه را خالی کنیم. خیلی نگرانم.",
                "مسکن، اجاره",
                [
                    (
                        4,
                        "نادیده‌اش نگیرید. مشاوران حقوقی اینجا برای من درخواست مهلت نوشتند و "
                        "پذیرفته شد.",
                    ),
                    (
                        "staff",
                        "موجر بدون حکم مرجع قضایی نمی‌تواند شما را بیرون کند. اخطاریه و "
                        "اجاره‌نامه را به دفتر مشاوره بیاورید یا عکسش را از فرم درخواست بفرستید.",
                    ),
                ],
                1,
            ),
            (
                "getting-help",
                3,
                "شیرخشک هم در سبد هست؟",
                "نوزادم پنج ماهه است.",
                "نوزاد، سبد غذایی",
                [],
                None,
            ),
            (
                "getting-help",
                5,
                "می‌توانم کسی را برای ترجمه بیاورم؟",
                "همسرم فارسی را خوب صحبت نمی‌کند و به پشتو راحت‌تر است.",
                "مشاوره، زبان",
                [
                    (0, "من خواهرم را آوردم و کسی مخالفتی نکرد. دوشنبه‌ها مترجم پشتو هم هست."),
                ],
                0,
            ),
            (
                "volunteers",
                1,
                "چطور نوبتم را عوض کنم؟",
                "شنبه نوبت دارم ولی مهمان داریم. کسی می‌تواند جابه‌جا کند؟",
                "نوبت‌ها",
                [
                    (
                        "staff",
                        "همین‌جا بنویسید یا به هماهنگ‌کننده پیام بدهید. لطفاً تا ۴۸ ساعت قبل خبر "
                        "بدهید.",
                    ),
                    (4, "من شنبه را می‌گیرم اگر شما چهارشنبه عصر من را بگیرید."),
                ],
                0,
            ),
            (
                "volunteers",
                3,
                "برای نوبت انبار چه بپوشم؟",
                "هفتهٔ بعد اولین نوبتم در انبار است.",
                "انبار، نوبت اول",
                [
                    (2, "کفش بسته و لباس گرم؛ انبار سرد است. بطری آب هم بیاورید."),
                    (
                        "staff",
                        "جلیقهٔ داوطلبی را همان‌جا می‌دهیم و ساعت اول سرپرست گروه همه‌جا را نشانتان "
                        "می‌دهد.",
                    ),
                ],
                1,
            ),
            (
                "supporters",
                4,
                "کمک ماهانهٔ ۵۰۰ هزار تومانی چه کاری می‌کند؟",
                "می‌خواهم کمک ماهانه را شروع کنم.",
                "کمک ماهانه",
                [
                    (
                        "staff",
                        "با این مبلغ تقریباً یک سبد غذایی کامل برای یک خانواده فراهم می‌شود. کمک "
                        "ماهانه به ما اجازه می‌دهد خرید را از قبل برنامه‌ریزی کنیم.",
                    ),
                    (0, "من ماهانه کمک می‌کنم و گزارش‌هایشان واقعاً دلگرم‌کننده است."),
                ],
                0,
            ),
            (
                "supporters",
                3,
                "سبزی باغچه‌ام را قبول می‌کنید؟",
                "امسال سبزی خوردن و گوجه خیلی زیاد داریم.",
                "اهدا، غذای تازه",
                [
                    (
                        "staff",
                        "بله، ممنون! شنبه یا سه‌شنبه صبح بیاورید تا همان هفته توزیع شود.",
                    ),
                ],
                0,
            ),
            (
                "getting-help",
                4,
                "دفتر پنجشنبه‌ها باز است؟",
                "روزهای کاری تا ساعت ۵ سر کارم.",
                "ساعت کاری",
                [
                    (5, "فکر می‌کنم پنجشنبه‌ها بسته است؛ من شنبه صبح رفتم."),
                ],
                None,
            ),
        ],
        "pending": (
            "getting-help",
            "سبد غذایی را به خانه می‌آورید؟",
            "پایم شکسته و نمی‌توانم بیایم. با من تماس بگیرید: 0912 345 6789",
            "ارسال",
        ),
        "ideas": [
            (
                "getting-help",
                1,
                "توزیع سبد در عصر پنجشنبه",
                "بسیاری از ما صبح‌ها سر کاریم و نمی‌توانیم بیاییم.",
                ("planned", "داریم برای نوبت عصر پنجشنبه از دی‌ماه داوطلب جذب می‌کنیم."),
            ),
            (
                "getting-help",
                5,
                "کارت دستور پخت در سبدها",
                "دستور پخت ساده با همان اقلام سبد، به فارسی و پشتو.",
                None,
            ),
        ],
        "notice": (
            "دفتر روز سه‌شنبه تعطیل است",
            "به دلیل انبارگردانی، سبدها روز دوشنبه از ساعت ۹ تا ۱۷ توزیع می‌شوند.",
        ),
        "session": (
            "پرسش و پاسخ با مشاوران حقوقی",
            "مشاوران ما به پرسش‌های شما دربارهٔ اجاره و مسکن به‌صورت زنده در «دریافت کمک» پاسخ "
            "می‌دهند.",
        ),
    },
}

# Staff who answer as experts: the roles that work with the community's people.
EXPERT_ROLES = (Role.ADMIN, Role.CASEWORKER, Role.VOLUNTEER_COORDINATOR, Role.FUNDRAISER)
DAYS = 42  # the community's history: six weeks


def seed(*, organization, contacts, staff, rng):
    if Space.objects.filter(organization=organization).exists():
        return
    words = CONTENT.get(organization.language, CONTENT["en"])
    language = organization.language if organization.language in CONTENT else "en"
    CommunitySettings.objects.update_or_create(
        organization=organization, defaults={"enabled": True}
    )
    experts = _experts(organization)
    if not experts:
        return
    admin = experts[0][1]
    spaces = {}
    for position, (slug, name, description, visibility, audiences) in enumerate(words["spaces"]):
        spaces[slug] = question_services.space_create(
            organization=organization,
            data={
                "name": name,
                "slug": slug,
                "description": description,
                "visibility": visibility,
                "audiences": audiences,
                "position": position,
            },
            actor=admin,
        )
    people = [contact for contact in contacts if contact.email]
    members = _members(organization, people, words["members"], rng)
    now = timezone.now()
    threads = words["threads"]
    for number, thread in enumerate(threads):
        _thread(
            organization,
            thread,
            spaces=spaces,
            members=members,
            experts=[member for member, _user in experts],
            language=language,
            started=now - timedelta(days=DAYS * (len(threads) - number) / (len(threads) + 1)),
            rng=rng,
        )
    newcomer = _newcomer(organization, people, words["newcomer"])
    if newcomer is not None:
        slug, title, body, tags = words["pending"]
        question_services.question_ask(
            organization=organization,
            member=newcomer,
            space=spaces[slug],
            title=title,
            body=body,
            tags=question_services.normalise_tags(tags),
            language=language,
        )
    _ideas(organization, words["ideas"], spaces=spaces, members=members, admin=admin, rng=rng)
    title, body = words["notice"]
    notice_services.notice_save(
        organization=organization,
        notice=Notice(
            title=title,
            body=body,
            severity=Notice.Severity.WARNING,
            places=[NoticePlace.COMMUNITY, NoticePlace.HELP_CENTRE, NoticePlace.REQUEST_FORM],
            starts_at=now - timedelta(hours=20),
            ends_at=now + timedelta(days=4),
        ),
        actor=admin,
    )
    _session(organization, words["session"], space=spaces[words["spaces"][0][0]], experts=experts)


def _experts(organization):
    """(expert member, user) of the staff who answer, the admin first."""
    memberships = Membership.objects.filter(
        organization=organization, role__in=EXPERT_ROLES
    ).select_related("user")
    ordered = sorted(memberships, key=lambda m: (m.role != Role.ADMIN, m.role, m.user_id))
    return [(staff_member(organization=organization, user=m.user), m.user) for m in ordered]


def _members(organization, people, names, rng):
    """Members who joined a while ago, each with a contact (they chose their display name);
    their first posts were approved long since, so they post freely."""
    chosen = rng.sample(people, k=min(len(names), len(people)))
    members = []
    for contact, name in zip(chosen, names, strict=False):
        joined = timezone.now() - timedelta(days=DAYS + rng.randint(5, 200))
        members.append(
            Member.objects.create(
                organization=organization,
                contact=contact,
                email=contact.email,
                display_name=name,
                status=MemberStatus.ACTIVE,
                approved_posts=2,
                digest=True,
                joined_at=joined,
                confirmed_at=joined,
            )
        )
    return members


def _newcomer(organization, people, name):
    """Someone who joined yesterday: their first post waits for a moderator."""
    taken = set(
        Member.objects.filter(organization=organization, contact__isnull=False).values_list(
            "contact_id", flat=True
        )
    )
    contact = next((person for person in people if person.pk not in taken), None)
    if contact is None:
        return None
    joined = timezone.now() - timedelta(days=1)
    return Member.objects.create(
        organization=organization,
        contact=contact,
        email=contact.email,
        display_name=name,
        status=MemberStatus.ACTIVE,
        digest=True,
        joined_at=joined,
        confirmed_at=joined,
    )


def _author(who, members, experts, rng):
    if who == "staff":
        return rng.choice(experts)
    return members[who % len(members)]


def _thread(organization, thread, *, spaces, members, experts, language, started, rng):
    slug, asker, title, body, tags, answers, accepted = thread
    author = members[asker % len(members)]
    question = question_services.question_ask(
        organization=organization,
        member=author,
        space=spaces[slug],
        title=title,
        body=body,
        tags=question_services.normalise_tags(tags),
        language=language,
    )
    posted = []
    for who, text in answers:
        answerer = _author(who, members, experts, rng)
        if answerer.pk == author.pk:
            answerer = members[(members.index(author) + 1) % len(members)]
        posted.append(
            question_services.answer_post(
                organization=organization, member=answerer, question=question, body=text
            )
        )
    if accepted is not None and posted:
        question_services.answer_accept(
            organization=organization, member=author, answer=posted[accepted]
        )
    voters = [m for m in members if m.pk != author.pk]
    for voter in rng.sample(voters, k=rng.randint(0, min(4, len(voters)))):
        question_services.vote_set(organization=organization, member=voter, question=question)
    for answer in posted:
        eligible = [m for m in members if m.pk != answer.author_id]
        for voter in rng.sample(eligible, k=rng.randint(0, min(5, len(eligible)))):
            question_services.vote_set(organization=organization, member=voter, answer=answer)
    _spread(organization, question, posted, started, rng)


def _spread(organization, question, answers, started, rng):
    """Move the thread back in time: asked at ``started``, answered over the hours after."""
    moment = started
    Question.objects.filter(pk=question.pk).update(created_at=moment, last_activity_at=moment)
    first = None
    for answer in answers:
        moment += timedelta(minutes=rng.randint(20, 60 * 18))
        first = first or moment
        Answer.objects.filter(pk=answer.pk).update(created_at=moment)
        Vote.objects.filter(organization=organization, answer=answer).update(
            created_at=moment + timedelta(hours=2)
        )
    Vote.objects.filter(organization=organization, question=question).update(
        created_at=started + timedelta(hours=1)
    )
    Question.objects.filter(pk=question.pk).update(first_answer_at=first, last_activity_at=moment)


def _ideas(organization, ideas, *, spaces, members, admin, rng):
    for slug, author, title, body, decision in ideas:
        member = members[author % len(members)]
        idea = idea_services.idea_propose(
            organization=organization, space=spaces[slug], member=member, title=title, body=body
        )
        for voter in rng.sample(members, k=rng.randint(2, len(members))):
            if voter.pk != member.pk:
                idea_services.idea_vote_toggle(organization=organization, idea=idea, member=voter)
        if decision is not None:
            status, note = decision
            idea_services.idea_set_status(
                organization=organization, idea=idea, status=status, note=note, actor=admin
            )
        Idea.objects.filter(pk=idea.pk).update(
            created_at=F("created_at") - timedelta(days=rng.randint(7, DAYS))
        )


def _session(organization, words, *, space, experts):
    """Next week's expert hour, at 5 pm in the organization's time zone."""
    title, description = words
    host = next((user for _member, user in experts), None)
    zone = ZoneInfo(organization.timezone or "UTC")
    day = timezone.localdate(timezone=zone) + timedelta(days=6)
    starts = datetime.combine(day, time(17, 0), tzinfo=zone)
    if ExpertSession.objects.filter(organization=organization, title=title).exists():
        return
    session_services.session_save(
        organization=organization,
        session=ExpertSession(
            space=space,
            host=host,
            title=title,
            description=description,
            starts_at=starts,
            ends_at=starts + timedelta(hours=1),
        ),
        actor=host,
    )
