"""The Persian demo organization: a charity in Tehran that reads the Solar Hijri calendar.

Its people have Persian names and, as most do, Latin email addresses and phone numbers."""

from stakeholders.models import Role

ORGANIZATIONS = [
    {
        "name": "خیریهٔ نان و مهر",
        "slug": "nan-o-mehr",
        "timezone": "Asia/Tehran",
        "currency": "IRR",
        "language": "fa",
        "solar_hijri": True,
        "contact_email": "info@nanomehr.example.org",
        "country": "IR",
        "sender_name": "مریم رضایی، مدیرعامل",
        "address": "خیابان کریم‌خان زند، خیابان ایرانشهر، پلاک ۴۵\nتهران ۱۵۸۱۷۴۳۶۱۱\nایران",
        "staff_language": "fa",
        "staff": [
            ("admin@nanomehr.example.org", "مریم رضایی", Role.ADMIN),
            ("fundraiser@nanomehr.example.org", "علیرضا کریمی", Role.FUNDRAISER),
            ("volunteers@nanomehr.example.org", "نرگس موسوی", Role.VOLUNTEER_COORDINATOR),
            ("casework@nanomehr.example.org", "حسین احمدی", Role.CASEWORKER),
        ],
    },
]

HONORIFICS = {"m": "آقای", "f": "خانم"}
# (first name, last name, their email address's name, m/f)
_PEOPLE = [
    ("زهرا", "حسینی", "zahra.hosseini", "f"),
    ("محمد", "جعفری", "m.jafari", "m"),
    ("فاطمه", "محمدی", "fatemeh.mohammadi", "f"),
    ("امیر", "قاسمی", "amir.ghasemi", "m"),
    ("سارا", "کاظمی", "sara.kazemi", "f"),
    ("مهدی", "صادقی", "mahdi.sadeghi", "m"),
    ("نگار", "طاهری", "negar.taheri", "f"),
    ("رضا", "حیدری", "reza.heydari", "m"),
    ("لیلا", "نوری", "leila.nouri", "f"),
    ("حمید", "اکبری", "hamid.akbari", "m"),
    ("پریسا", "رحیمی", "parisa.rahimi", "f"),
    ("سعید", "مرادی", "saeed.moradi", "m"),
    ("شیرین", "فرهادی", "shirin.farhadi", "f"),
    ("بهزاد", "شریفی", "behzad.sharifi", "m"),
    ("مینا", "عباسی", "mina.abbasi", "f"),
    ("کامران", "یزدانی", "kamran.yazdani", "m"),
    ("الهام", "نجفی", "elham.najafi", "f"),
    ("جواد", "ملکی", "javad.maleki", "m"),
    ("نازنین", "سلطانی", "nazanin.soltani", "f"),
    ("مصطفی", "بهرامی", "mostafa.bahrami", "m"),
    ("آزاده", "توکلی", "azadeh.tavakoli", "f"),
    ("داریوش", "پورمحمدی", "dariush.pourmohammadi", "m"),
    ("ستاره", "زمانی", "setareh.zamani", "f"),
    ("حسن", "میرزایی", "hasan.mirzaei", "m"),
    ("فرشته", "عسگری", "fereshteh.asgari", "f"),
    ("بابک", "خسروی", "babak.khosravi", "m"),
    ("یاسمن", "قربانی", "yasaman.ghorbani", "f"),
    ("علی‌اکبر", "اصفهانی", "aliakbar.esfahani", "m"),
    ("سمیرا", "حسین‌زاده", "samira.hosseinzadeh", "f"),
    ("کیوان", "رستمی", "keyvan.rostami", "m"),
]
# (first name, last name, the name in their email address, salutation)
PEOPLE = [
    (first, last, email, f"{HONORIFICS[gender]} {first} {last} گرامی")
    for first, last, email, gender in _PEOPLE
]
TAGS = ["خبرنامه", "حامی ویژه", "هیئت‌مدیره", "سبد غذایی", "راننده", "باشگاه نوجوانان"]
SUBJECTS = [
    "دربارهٔ کار داوطلبانه در روزهای جمعه پرسید",
    "از کمک ایشان تشکر کردیم",
    "سبد غذایی را تحویل گرفت",
    "دربارهٔ پویش زمستانه با ایشان تماس گرفتیم",
    "به روز درهای باز دعوت شد",
    "از طرف بهزیستی منطقه معرفی شد",
    "نشانی ایمیل خود را تغییر داد",
    "برای مشاورهٔ حقوقی نوبت گرفت",
]
COMPLAINTS = [
    "یک ساعت در صف توزیع منتظر ماند",
    "در یک هفته دو نامهٔ درخواست کمک برایش فرستاده شد",
    "کسی با ایشان تماس نگرفت",
]
COMPLAINT_CATEGORIES = [
    "زمان انتظار",
    "رفتار کارکنان",
    "کیفیت خدمات",
    "ارتباط و اطلاع‌رسانی",
    "دسترسی و ساعت کاری",
    "شیوهٔ جمع‌آوری کمک",
    "داده‌ها و حریم خصوصی",
]
CONSENT_WORDING = "بله، لطفاً اخبار را از طریق ایمیل برایم بفرستید."
AREAS = {
    "IR": {
        "city": "تهران",
        "streets": ["خیابان ولیعصر", "خیابان شریعتی", "خیابان آزادی", "خیابان پیروزی"],
        "street": "{street}، پلاک {number}",
        "digits": str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"),
        "postcodes": ["1416753955", "1593836511", "1136845711", "1718843345"],
        "mobile": "0912 345 %04d",
    },
}

# The experience loop: what people said in surveys, what staff did, the keep-in-touch steps.
EXPERIENCE = {
    "expectations": ["پاسخ سریع‌تر", "خبر از اثر کمک من", "نوبت‌هایی که با برنامه‌ام جور باشد"],
    "happy": [
        "ممنون، همکارانتان خیلی مهربان بودند.",
        "مثل همیشه سریع و صمیمی.",
        "همه چیز از همان اول روشن بود.",
    ],
    "unhappy": "سه هفته منتظر ماندم و هیچ‌کس به من نگفت چه خبر است.",
    "put_right": "با ایشان تماس گرفتیم، عذرخواهی کردیم و برای صبح فردا دیدار با مددکار گذاشتیم.",
    "donor_call": "تماس با اهداکنندگانی که هنوز کمک دومشان نرسیده است",
    "client_check_in": (
        "حالتان چطور است؟",
        "{first_name} عزیز،\n\nیک ماه از آخرین باری که به شما کمک کردیم می‌گذرد. حالا اوضاع "
        "چطور است؟ اگر به چیزی نیاز دارید، کافی است به همین ایمیل پاسخ دهید.\n\n{organization}",
    ),
    "volunteer_miss_you": (
        "دلمان برایتان تنگ شده",
        "{first_name} عزیز،\n\nمدتی است شما را در نوبت‌های داوطلبی ندیده‌ایم و دلمان برایتان "
        "تنگ شده است. نوبت‌های تازه باز شده؛ خوشحال می‌شویم دوباره ببینیمتان.\n\n{organization}",
    ),
}
