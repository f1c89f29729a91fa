"""The Khmer demo organization: a food charity in Phnom Penh whose staff work in Khmer.

Names are written family name first, as Cambodians write them; ``first_name`` holds the given
name, the one people are addressed by ("លោក ចាន់ធា")."""

from stakeholders.models import Role

ORGANIZATIONS = [
    {
        "name": "អង្គការស្បៀងអាហារភ្នំពេញ",
        "slug": "phnompenh",
        "timezone": "Asia/Phnom_Penh",
        "currency": "KHR",
        "language": "km",
        "khmer_digits": True,
        "contact_email": "info@phnompenhfood.example.org",
        "country": "KH",
        "sender_name": "ចាន់ សុភា — នាយិកាប្រតិបត្តិ",
        "address": ("ផ្ទះលេខ ២៤ ផ្លូវ ៣៦០ សង្កាត់បឹងកេងកង ១\nខណ្ឌបឹងកេងកង រាជធានីភ្នំពេញ\nព្រះរាជាណាចក្រកម្ពុជា"),
        "staff_language": "km",
        "staff": [
            ("admin@phnompenhfood.example.org", "ចាន់ សុភា", Role.ADMIN),
            ("fundraiser@phnompenhfood.example.org", "ហេង វិសាល", Role.FUNDRAISER),
            ("volunteers@phnompenhfood.example.org", "គឹម ស្រីនាង", Role.VOLUNTEER_COORDINATOR),
            ("casework@phnompenhfood.example.org", "ស៊ុន ដារ៉ា", Role.CASEWORKER),
        ],
    },
]

HONORIFICS = {"m": "លោក", "f": "លោកស្រី"}
# (family name, given name, their email address's name or "" when they have none, m/f)
_PEOPLE = [
    ("សុខ", "ចាន់ធា", "chantha.sok", "m"),
    ("កែវ", "សុភាព", "sopheap.keo", "f"),
    ("ហេង", "វណ្ណា", "vanna.heng", "m"),
    ("លី", "ស្រីមុំ", "", "f"),
    ("ចាន់", "រតនា", "rattana.chan", "f"),
    ("ម៉ៅ", "ពិសិដ្ឋ", "piseth.mao", "m"),
    ("ឈឹម", "បុប្ផា", "bopha.chhim", "f"),
    ("ពេជ្រ", "វិបុល", "", "m"),
    ("ស៊ីម", "សុវណ្ណារី", "sovannary.sim", "f"),
    ("ទេព", "សំណាង", "samnang.tep", "m"),
    ("ប៉ែន", "ម៉ាលី", "maly.pen", "f"),
    ("យឹម", "សុផល", "", "m"),
    ("សៀង", "ធីតា", "thida.sieng", "f"),
    ("អ៊ុំ", "វាសនា", "veasna.um", "m"),
    ("ញឹម", "នារី", "neary.nhim", "f"),
    ("ខៀវ", "មករា", "", "m"),
    ("ណុប", "ស្រីល័ក្ខ", "sreyleak.nop", "f"),
    ("ឡុង", "សុជាតិ", "socheat.long", "m"),
    ("ព្រំ", "ច័ន្ទមុនី", "chanmony.prum", "f"),
    ("មាស", "រិទ្ធី", "", "m"),
    ("នួន", "គន្ធា", "kunthea.nuon", "f"),
    ("ឯក", "សម្បត្តិ", "sambath.ek", "m"),
    ("ជា", "ស្រីពៅ", "sreypov.chea", "f"),
    ("អ៊ាង", "វិចិត្រ", "", "m"),
    ("ផល", "លីដា", "lida.phal", "f"),
    ("ទូច", "ប៊ុនធឿន", "bunthoeun.touch", "m"),
    ("ស្រេង", "រស្មី", "reaksmey.sreng", "f"),
    ("គឹម", "សុខា", "sokha.kim", "m"),
    ("ស៊ុន", "កញ្ញា", "", "f"),
    ("អ៊ិន", "សុធារ៉ា", "sotheara.in", "f"),
]
# (first name, last name, the name in their email address, salutation)
PEOPLE = [
    (given, family, email, f"ជម្រាបសួរ {HONORIFICS[gender]} {family} {given}")
    for family, given, email, gender in _PEOPLE
]
TAGS = [
    "ព្រឹត្តិបត្រព័ត៌មាន",
    "ម្ចាស់ជំនួយធំ",
    "ក្រុមប្រឹក្សាភិបាល",
    "កញ្ចប់ស្បៀង",
    "អ្នកបើកបរ",
    "ក្លឹបយុវជន",
]
SUBJECTS = [
    "សួរអំពីការងារស្ម័គ្រចិត្តនៅថ្ងៃសៅរ៍",
    "បានថ្លែងអំណរគុណចំពោះអំណោយរបស់គាត់",
    "បានមកទទួលកញ្ចប់ស្បៀង",
    "បានទូរស័ព្ទតបវិញអំពីយុទ្ធនាការរដូវវស្សា",
    "បានអញ្ជើញមកចូលរួមទិវាបើកទ្វារ",
    "ការបញ្ជូនមកពីការិយាល័យសង្គមកិច្ចខណ្ឌ",
    "បានប្ដូរលេខទូរស័ព្ទថ្មី",
    "បានណាត់ពេលពិគ្រោះយោបល់នៅថ្ងៃព្រហស្បតិ៍",
]
COMPLAINTS = [
    "រង់ចាំជាងមួយម៉ោងនៅកន្លែងចែកស្បៀង",
    "ទទួលបានលិខិតសុំការឧបត្ថម្ភពីរដងក្នុងមួយសប្ដាហ៍",
    "គ្មាននរណាទូរស័ព្ទតបវិញ",
]
COMPLAINT_CATEGORIES = [
    "រយៈពេលរង់ចាំ",
    "ឥរិយាបថរបស់បុគ្គលិក",
    "គុណភាពសេវា",
    "ការទំនាក់ទំនង",
    "ការធ្វើដំណើរមកដល់ និងម៉ោងធ្វើការ",
    "ការរៃអង្គាសមូលនិធិ",
    "ទិន្នន័យ និងឯកជនភាព",
]
CONSENT_WORDING = "បាទ/ចាស ខ្ញុំចង់ទទួលព័ត៌មានថ្មីៗតាមអ៊ីមែល។"
AREAS = {
    "KH": {
        "city": "ភ្នំពេញ",
        "streets": [
            "មហាវិថីព្រះនរោត្តម",
            "មហាវិថីម៉ៅសេទុង",
            "ផ្លូវ ២៧១",
            "ផ្លូវកម្ពុជាក្រោម",
            "មហាវិថីសហព័ន្ធរុស្ស៊ី",
        ],
        "street": "ផ្ទះលេខ {number} {street}",
        "digits": str.maketrans("0123456789", "០១២៣៤៥៦៧៨៩"),
        "postcodes": ["120101", "120206", "120408", "121002"],
        "mobile": "012 77%04d",
    },
}

# The experience loop: what people said in surveys, what staff did, the keep-in-touch steps.
EXPERIENCE = {
    "expectations": [
        "ឆ្លើយតបឱ្យបានលឿនជាងនេះ",
        "ព័ត៌មានអំពីអ្វីដែលអំណោយរបស់ខ្ញុំបានធ្វើ",
        "វេនការងារដែលស៊ីនឹងពេលវេលារបស់ខ្ញុំ",
    ],
    "happy": [
        "អរគុណច្រើន ក្រុមការងាររួសរាយរាក់ទាក់ណាស់។",
        "លឿន និងរាក់ទាក់ដូចសព្វដង។",
        "អ្វីៗទាំងអស់ច្បាស់លាស់តាំងពីដំបូង។",
    ],
    "unhappy": "ខ្ញុំរង់ចាំបីសប្តាហ៍ ហើយគ្មាននរណាម្នាក់ប្រាប់ខ្ញុំថាមានរឿងអ្វីកើតឡើងទេ។",
    "put_right": "បានទូរស័ព្ទទៅ សុំទោស ហើយណាត់បុគ្គលិកករណីឱ្យទៅជួបនៅព្រឹកបន្ទាប់។",
    "donor_call": "ទូរស័ព្ទទៅម្ចាស់ជំនួយដែលមិនទាន់ផ្តល់អំណោយលើកទីពីរ",
    "client_check_in": (
        "សុខសប្បាយជាទេ?",
        "ជូនចំពោះ {first_name}\n\nមួយខែហើយចាប់តាំងពីយើងបានជួយអ្នកលើកចុងក្រោយ។ "
        "ឥឡូវនេះអ្វីៗយ៉ាងម៉េចដែរ? ប្រសិនបើអ្នកត្រូវការអ្វី សូមឆ្លើយតបមកអ៊ីមែលនេះ។"
        "\n\n{organization}",
    ),
    "volunteer_miss_you": (
        "យើងនឹកអ្នក",
        "ជូនចំពោះ {first_name}\n\nយូរហើយដែលយើងមិនបានជួបអ្នកនៅវេនការងារ ហើយយើងនឹកអ្នកណាស់។ "
        "មានវេនថ្មីៗបើកហើយ យើងរីករាយនឹងជួបអ្នកម្តងទៀត។\n\n{organization}",
    ),
}
