"""A large organization's contacts and their history, streamed into PostgreSQL with COPY.

``bulk_create`` needs hours for ten million rows; COPY of generated text takes minutes (as the
owner of the tables: ``bench/generators/copying.py``, which also fills every column the lines
leave out from the model's defaults). The rows
hold what the services would have written (display and search names, lower-case emails, E.164
phones, ``last_interaction_at``), and interactions are spread the way real ones are: most people
have a handful, a few hundred have dozens, a few partners have thousands. Interaction ids follow
``occurred_at`` across all organizations, as they would in a table filled over the years. One
seeded random generator drives everything, so a rebuild gives the same data.
"""

import functools
import itertools
import math
import random
from datetime import UTC, date, timedelta

from django.db import connection
from django.utils import timezone
from django_scopes import scopes_disabled

from bench.generators.copying import (
    add_foreign_keys,
    copy,
    create_indexes,
    drop_foreign_keys,
    drop_indexes,
)
from bench.generators.organizations import organization_with_members
from stakeholders.models import (
    Channel,
    ComplaintCategory,
    ConsentChannel,
    ConsentPurpose,
    ConsentSource,
    Membership,
    Tag,
)
from stakeholders.services import normalise_text

# --- Names, places and words ---------------------------------------------------------------------

# (first names, last names, home country, preferred language or "", mobile prefix and digits,
#  cities)
CULTURES = [
    (
        "Oliver, Amelia, George, Isla, Harry, Olivia, Jack, Emily, Charlotte, Thomas, Zoë, "
        "Chloë, Rhys, Megan",
        "Smith, Jones, Williams, Taylor, Davies, Evans, Wright, Walker, Hughes, Edwards, "
        "McAllister, Thompson",
        "GB",
        "en",
        ("+4477", 8),
        ["London", "Manchester", "Leeds", "Bristol", "Cardiff", "Glasgow", "Sheffield"],
    ),
    (
        "Siobhán, Aoife, Niamh, Seán, Ciarán, Pádraig, Róisín, Eoin, Clodagh, Donnchadh",
        "O'Brien, O'Connor, Ó Súilleabháin, Mac Giolla Phádraig, Ní Bhriain, Kavanagh, "
        "Ó Ceallaigh, Fitzgerald",
        "IE",
        "en",
        ("+35387", 7),
        ["Dublin", "Cork", "Galway", "Limerick"],
    ),
    (
        "Fatima, Chinedu, Ngozi, Oluwaseun, Adebayo, Chiamaka, Emeka, Folake, Tunde, Yetunde, "
        "Ifeoma",
        "Adeyemi, Okafor, Balogun, Eze, Okonkwo, Adebayo, Nwosu, Ogunleye, Afolabi, Obi",
        "NG",
        "en",
        ("+23480", 8),
        ["Lagos", "Ibadan", "Abuja", "Enugu"],
    ),
    (
        "Fatma, Mehmet, Ayşe, Emre, Zeynep, Çağla, Oğuz, Elif, Burak, Gülşen, İsmail",
        "Yılmaz, Kaya, Demir, Şahin, Çelik, Öztürk, Aydın, Arslan, Doğan, Kılıç",
        "TR",
        "",
        ("+905", 9),
        ["İstanbul", "Ankara", "İzmir", "Bursa"],
    ),
    (
        "Jürgen, Günther, Lena, Lukas, Anna, Jörg, Sophie, Matthias, Käthe, Maximilian, Ute",
        "Müller, Schröder, Weiß, Groß, Schmidt, Fischer, Becker, Hoffmann, Köhler, Schäfer, Wagner",
        "DE",
        "",
        ("+4915", 9),
        ["Berlin", "Hamburg", "München", "Köln", "Düsseldorf", "Leipzig"],
    ),
    (
        "François, Zoé, Hélène, Léa, Amélie, Noël, Jérôme, Céline, Benoît, Mathéo, Maëlle",
        "Lefèvre, Dubois, Bénard, Moreau, Girard, Lemaître, Fournier, Rousseau, Mercier, Faure",
        "FR",
        "fr",
        ("+336", 8),
        ["Paris", "Lyon", "Marseille", "Toulouse", "Nantes", "Lille"],
    ),
    (
        "Łukasz, Małgorzata, Wojciech, Zofia, Krzysztof, Agnieszka, Paweł, Joanna, Michał, Bożena",
        "Wiśniewski, Kowalczyk, Wójcik, Dąbrowski, Zieliński, Lewandowski, Kamiński, "
        "Szymańska, Woźniak, Nowak",
        "PL",
        "",
        ("+485", 8),
        ["Warszawa", "Kraków", "Gdańsk", "Wrocław", "Łódź"],
    ),
    (
        "Minh, Thảo, Anh, Đức, Phương, Huyền, Quang, Lan, Tuấn, Ngọc",
        "Nguyễn, Trần, Lê, Phạm, Hoàng, Vũ, Đặng, Bùi, Đỗ, Huỳnh",
        "VN",
        "",
        ("+849", 8),
        ["Hà Nội", "Hồ Chí Minh", "Đà Nẵng", "Huế"],
    ),
    (
        "José, María, Nuria, Íñigo, Begoña, Álvaro, Lucía, Martín, Pilar, Andrés, Inés",
        "García, Núñez, Martínez, Pérez, Ibáñez, Rodríguez, Fernández, López, Sánchez, Muñoz",
        "ES",
        "es",
        ("+346", 8),
        ["Madrid", "Sevilla", "Málaga", "Barcelona", "Valencia", "Bilbao"],
    ),
    (
        "Björn, Åsa, Søren, Ingrid, Sigríður, Henrik, Astrid, Magnus, Märta, Øystein",
        "Andersson, Jørgensen, Sæther, Lindqvist, Håkansson, Johansson, Nilsen, Bergström, "
        "Løvås, Karlsson",
        "SE",
        "",
        ("+467", 8),
        ["Stockholm", "Göteborg", "Malmö", "Uppsala"],
    ),
    (
        "Fatemeh, Reza, Maryam, Ali, Zahra, Omid, Parisa, Dariush, Shirin, Kaveh",
        "Hosseini, Rahimi, Karimi, Mohammadi, Ahmadi, Jafari, Moradi, Rezaei, Sadeghi, Tehrani",
        "IR",
        "fa",
        ("+989", 9),
        ["Tehran", "Isfahan", "Shiraz", "Tabriz"],
    ),
    (
        "Omar, Layla, Youssef, Amira, Karim, Nour, Samir, Yasmin, Tariq, Hana",
        "Haddad, Al-Masri, El Amrani, Khalil, Nasser, Saleh, Bakr, Mansour, Farouk, Aziz",
        "GB",
        "",
        ("+4479", 8),
        ["Birmingham", "Bradford", "Leicester", "London"],
    ),
    (
        "Sokha, Dara, Chantrea, Sophea, Vannak, Sreymom, Rithy, Bopha",
        "Sok, Chea, Meas, Heng, Kim, Chhim, Sorn, Prak",
        "KH",
        "km",
        ("+85512", 6),
        ["Phnom Penh", "Siem Reap", "Battambang"],
    ),
    (
        "Aigerim, Nurlan, Dana, Askar, Aruzhan, Yerlan, Saule, Daulet",
        "Nurmagambetov, Abenova, Zhaksybekov, Seitkali, Omarova, Bekov, Tulegenova, Iskakov",
        "KZ",
        "kk",
        ("+7701", 7),
        ["Almaty", "Astana", "Shymkent"],
    ),
]
CULTURES = [(first.split(", "), last.split(", "), *rest) for first, last, *rest in CULTURES]
CULTURE_WEIGHTS = list(itertools.accumulate([30, 6, 8, 6, 7, 7, 7, 5, 6, 4, 4, 5, 2, 3]))
STREETS = {
    "GB": ["High Street", "Station Road", "Church Lane", "Victoria Road", "Mill Lane", "Park Road"],
    "IE": ["Main Street", "Bóthar na Trá", "O'Connell Street", "Sráid an Mhuilinn"],
    "NG": ["Awolowo Road", "Adeola Odeku Street", "Broad Street", "Herbert Macaulay Way"],
    "TR": ["Atatürk Caddesi", "İstiklal Caddesi", "Gül Sokak", "Çiçek Sokak"],
    "DE": ["Hauptstraße", "Schillerstraße", "Gartenweg", "Bahnhofstraße", "Lindenallee"],
    "FR": ["rue de la Paix", "avenue Jean-Jaurès", "rue Émile-Zola", "boulevard Voltaire"],
    "PL": ["ul. Długa", "ul. Piękna", "ul. Świętokrzyska", "al. Jerozolimskie"],
    "VN": ["Đường Lê Lợi", "Phố Huế", "Đường Trần Hưng Đạo", "Phố Hàng Bạc"],
    "ES": ["Calle Mayor", "Avenida de la Constitución", "Calle Alcalá", "Plaza de España"],
    "SE": ["Storgatan", "Drottninggatan", "Kungsgatan", "Skolvägen"],
    "IR": ["Enghelab Street", "Valiasr Street", "Azadi Avenue", "Ferdowsi Street"],
    "KH": ["Norodom Boulevard", "Monivong Boulevard", "Street 240", "Sihanouk Boulevard"],
    "KZ": ["Abay Avenue", "Dostyk Avenue", "Tole Bi Street", "Zheltoksan Street"],
}
REGIONS = {
    "GB": ["England", "Scotland", "Wales"],
    "DE": ["Berlin", "Bayern", "NRW"],
    "ES": ["Andalucía"],
}
GB_AREAS = [
    "SW",
    "SE",
    "N",
    "NW",
    "E",
    "EC",
    "W",
    "WC",
    "B",
    "M",
    "LS",
    "BS",
    "CF",
    "G",
    "EH",
    "L",
    "NE",
    "OX",
    "CB",
    "BN",
]
POSTCODE_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"
ORGANIZATION_WORDS = (
    ["Riverside", "Northfield", "Grünes Herz", "Lumière", "Esperanza", "Hope", "Harbour", "Oak"],
    ["Community", "Housing", "Youth", "Refugee", "Food", "Arts", "Health", "Family"],
    ["Trust", "Association", "Stiftung", "Fondation", "Fundación", "Council", "Partnership", "CIC"],
)
TITLES = ["Dr", "Ms", "Mr", "Mx", "Mrs", "Prof."]
PRONOUNS = ["she/her", "he/him", "they/them"]
CONTACT_NOTES = [
    "Prefers phone calls in the morning.",
    "Met at the spring gala; interested in legacy giving.",
    "Needs large-print letters.",
    "Speaks little English — a relative usually calls on her behalf.",
    "Ne pas appeler le dimanche.",
    "Bitte nur per E-Mail kontaktieren.",
]
SUBJECTS = [
    "Thank-you call",
    "Question about Gift Aid",
    "Rückfrage zur Spendenquittung",
    "Demande de rendez-vous",
    "Volunteer shift swap",
    "Cita para asesoría",
    "Newsletter reply",
    "Food bank referral",
    "Housing advice follow-up",
    "Donation receipt",
    "Event RSVP",
    "Change of address",
    "Benefits check",
    "Befriending visit",
    "Legacy enquiry",
    "Zoë's school uniform grant",
    "Appointment reminder",
    "Welcome pack sent",
    "Prośba o kontakt",
    "Hỏi về lớp học tiếng Anh",
    "Direct debit set-up",
    "Volunteer induction",
    "Winter appeal letter",
    "Energy bill support",
]
NOTES = [
    "Left a voicemail; will try again on Thursday.",
    "Talked through the options; she will think about it.",
    "Sent the form by email as requested.",
    "Wants to volunteer on weekends only.",
    "Asked for the receipt to be re-sent to the new address.",
    "Very grateful for the help last winter.",
    "Rappel prévu la semaine prochaine.",
    "Hat sich für die Unterstützung bedankt.",
]
OUTCOMES = ["Resolved", "Referred on", "Waiting for a reply", "Booked", "No answer"]
COMPLAINT_SUBJECTS = [
    "Waited two weeks for a call back",
    "Letter sent to old address",
    "Unhappy with the volunteer's manner",
    "Wheelchair access at the hub",
    "Wrong name on the receipt",
    "Reclamación por el trato recibido",
]
RESOLUTIONS = [
    "Apologised and called back the same day.",
    "Address corrected; letter re-sent.",
    "Spoke with the team lead; apology sent.",
    "Ramp booked for the next visit.",
]
COMPLAINT_CATEGORIES = [
    "Waiting times",
    "Staff or volunteer conduct",
    "Data protection",
    "Accessibility",
    "Communication",
    "Receipts and payments",
]
TAGS = [
    "Gift Aid",
    "Major donor",
    "Newsletter",
    "Trustee",
    "Corporate partner",
    "Food bank volunteer",
    "Legacy pledger",
    "Gala 2024",
    "Bénévole",
    "Spender",
    "Housing advice",
    "Refugee support",
]
CHANNEL_WEIGHTS = {
    Channel.EMAIL: 30,
    Channel.PHONE: 20,
    Channel.IN_PERSON: 10,
    Channel.LETTER: 5,
    Channel.SMS: 10,
    Channel.WHATSAPP: 8,
    Channel.FACEBOOK: 3,
    Channel.INSTAGRAM: 2,
    Channel.LIVE_CHAT: 5,
    Channel.VIDEO_CALL: 3,
    Channel.EVENT: 3,
    Channel.OTHER: 1,
}
# Share of all interactions (the rest are plain conversations).
COMPLAINT_SHARE = 0.03
FOLLOW_UP_SHARE = 0.005
# Interactions per ordinary contact: 0–20, fewer more likely.
ORDINARY_WEIGHTS = [21 - k for k in range(21)]
ORDINARY_MEAN = sum(k * w for k, w in enumerate(ORDINARY_WEIGHTS)) / sum(ORDINARY_WEIGHTS)
REGULAR_RANGE = (50, 300)
HEAVY_COUNTS = [25_000, 15_000, 10_000, 8_000, 7_000, 6_000, 5_500, 5_000, 5_000, 5_000]

YEARS_OF_HISTORY = 3
YEARS_OF_CONTACTS = 6
SHIFT = 21  # contact index bits in an interaction sort key (up to 2,097,151 contacts)
MASK = (1 << SHIFT) - 1
TRANSLIT = str.maketrans({"ł": "l", "ø": "o", "æ": "ae", "đ": "d", "ı": "i", "ð": "d", "þ": "th"})


@functools.cache
def _search_name(name):
    return normalise_text(name)


@functools.cache
def _ascii(text):
    return "".join(
        c for c in normalise_text(text).translate(TRANSLIT) if c.isascii() and c.isalnum()
    )


def _digits(n, width, salt):
    """``width`` digits, a different number for each n (multiplying by an odd number coprime to 10
    permutes the residues)."""
    return f"{(n * 2654435761 + salt) % 10**width:0{width}d}"


class Clock:
    """Timestamps as PostgreSQL text, fast: a day table and a time-of-day table."""

    def __init__(self, now):
        self.now = int(now.timestamp())
        self.first_day = (self.now - (YEARS_OF_CONTACTS + 1) * 366 * 86400) // 86400
        days = range(self.first_day, self.now // 86400 + 60)
        epoch = date(1970, 1, 1)
        self.dates = [(epoch + timedelta(days=d)).isoformat() for d in days]
        self.days = [f"{d} " for d in self.dates]
        self.times = [f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}+00" for s in range(86400)]

    def stamp(self, t):
        day, second = divmod(t, 86400)
        return self.days[day - self.first_day] + self.times[second]

    def date(self, t):
        return self.dates[t // 86400 - self.first_day]


# --- The data set ------------------------------------------------------------------------------


def interaction_counts(rng, contacts, total, heavy=HEAVY_COUNTS):
    """Interactions per contact, summing to ``total``: the heavy ones first, then "regulars"
    (50–300) and ordinary contacts (0–20) shuffled together."""
    heavy = list(heavy)[:contacts]
    rest = contacts - len(heavy)
    regular_mean = sum(REGULAR_RANGE) / 2
    regulars = round((total - sum(heavy) - ORDINARY_MEAN * rest) / (regular_mean - ORDINARY_MEAN))
    regulars = min(rest, max(0, regulars))
    counts = [rng.randint(*REGULAR_RANGE) for _ in range(regulars)]
    ordinary_start = len(counts)
    counts += rng.choices(range(21), ORDINARY_WEIGHTS, k=rest - regulars)
    missing = total - sum(heavy) - sum(counts)
    while missing and rest > regulars:  # nudge ordinary contacts until the total is exact
        j = rng.randrange(ordinary_start, len(counts))
        step = 1 if missing > 0 else -1
        if 0 <= counts[j] + step <= 20:
            counts[j] += step
            missing -= step
    order = list(range(len(counts)))
    rng.shuffle(order)
    return heavy + [counts[j] for j in order]


class Tenant:
    """One organization being generated: its ids and the rows' ready-made pieces."""

    def __init__(self, organization, staff_ids, categories, tags, rng):
        self.organization = organization
        self.id = organization.pk
        self.staff = staff_ids
        self.categories = categories
        self.tags = tags
        # Plain conversations come from a pool of ready tails: most of a row's text, cheaply.
        channels, weights = zip(*CHANNEL_WEIGHTS.items(), strict=True)
        self.pool = []
        for _ in range(4096):
            inbound = rng.random() < 0.4
            self.pool.append(
                "\t".join(
                    [
                        "conversation",
                        rng.choices(channels, weights)[0],
                        "inbound" if inbound else "outbound",
                        "t" if inbound and rng.random() < 0.9 else "f",
                        self.staff_or_null(rng),
                        rng.choice(SUBJECTS),
                        rng.choice(NOTES) if rng.random() < 0.4 else "",
                        rng.choice(OUTCOMES) if rng.random() < 0.3 else "",
                        "\\N\t\\N\t\\N\t\\N",  # follow-up on, owner, done at; category
                        "",  # resolution
                        "\\N",  # resolved_at
                        "",  # related_kind
                        "\\N",  # related_id
                    ]
                )
            )
        self.channels = channels
        self.channel_weights = weights

    def staff_or_null(self, rng):
        return str(rng.choice(self.staff)) if rng.random() < 0.9 else "\\N"


CONTACT_COLUMNS = [
    "id",
    "organization_id",
    "kind",
    "title",
    "first_name",
    "last_name",
    "organization_name",
    "name",
    "search_name",
    "salutation",
    "pronouns",
    "preferred_language",
    "email",
    "email_alt",
    "phone",
    "mobile",
    "street",
    "city",
    "region",
    "postal_code",
    "country",
    "notes",
    "external_id",
    "is_donor",
    "is_volunteer",
    "is_client",
    "do_not_contact",
    "deceased",
    "deceased_on",
    "last_interaction_at",
    "erased_at",
    "created_at",
    "updated_at",
    "merged_into_id",
    "relationship_manager_id",
]
INTERACTION_COLUMNS = [
    "id",
    "organization_id",
    "contact_id",
    "occurred_at",
    "created_at",
    "kind",
    "channel",
    "direction",
    "initiated_by_contact",
    "staff_id",
    "subject",
    "notes",
    "outcome",
    "follow_up_on",
    "follow_up_owner_id",
    "follow_up_done_at",
    "complaint_category_id",
    "resolution",
    "resolved_at",
    "related_kind",
    "related_id",
]


def _postcode(rng, country):
    if country == "GB":
        return (
            f"{rng.choice(GB_AREAS)}{rng.randint(1, 20)} {rng.randint(0, 9)}"
            f"{rng.choice(POSTCODE_LETTERS)}{rng.choice(POSTCODE_LETTERS)}"
        )
    if country == "PL":
        return f"{rng.randint(0, 99):02d}-{rng.randint(0, 999):03d}"
    if country == "SE":
        return f"{rng.randint(100, 999)} {rng.randint(0, 99):02d}"
    if country == "IE":
        return f"D{rng.randint(1, 24):02d} {rng.choice(POSTCODE_LETTERS)}{rng.randint(100, 999)}"
    if country in ("NG", "VN", "KZ"):
        return f"{rng.randint(100000, 999999)}"
    return f"{rng.randint(1000, 99999):05d}"


def contact_line(rng, clock, tenant, contact_id, n, created, last_seen):
    """One contact as a COPY text line; ``n`` is unique across the data set (emails, phones)."""
    first_names, last_names, home, language, (prefix, width), cities = rng.choices(
        CULTURES, cum_weights=CULTURE_WEIGHTS
    )[0]
    first = rng.choice(first_names)
    last = rng.choice(last_names if rng.random() < 0.85 else rng.choice(CULTURES)[1])
    roll = rng.random()
    kind, title, salutation, pronouns, organization_name = "person", "", "", "", ""
    if roll < 0.04:
        kind, first, last = "organization", "", ""
        words = [rng.choice(w) for w in ORGANIZATION_WORDS]
        organization_name = " ".join(words)
        name = organization_name
        email = f"info.{_ascii(words[0])}{n}@example.org"
    elif roll < 0.05:
        kind, organization_name = "household", f"The {last} household"
        first, name = "", organization_name
        email = f"{_ascii(last)}.family{n}@example.org"
    else:
        name = f"{first} {last}"
        email = f"{_ascii(first)}.{_ascii(last)}{n}@example.org"
        if rng.random() < 0.15:
            title = rng.choice(TITLES)
        if rng.random() < 0.5:
            salutation = f"Dear {first}"
        if rng.random() < 0.1:
            pronouns = rng.choice(PRONOUNS)
    country = "GB" if rng.random() < 0.8 else home
    if country == "GB":
        phone = f"+44207{(n * 7919) % 10**7:07d}" if rng.random() < 0.7 else ""
        mobile = f"+447{rng.choice('4789')}{_digits(n, 8, 17)}" if rng.random() < 0.5 else ""
        city = rng.choice(CULTURES[0][5] if home != "GB" else cities)
    else:
        phone = ""
        mobile = f"{prefix}{_digits(n, width, 29)}" if rng.random() < 0.6 else ""
        city = rng.choice(cities)
    has_address = rng.random() < 0.85
    deceased = rng.random() < 0.005
    updated = created + int(rng.random() * max(1, clock.now - created))
    return "\t".join(
        [
            str(contact_id),
            str(tenant.id),
            kind,
            title,
            first,
            last,
            organization_name,
            name,
            _search_name(name),
            salutation,
            pronouns,
            language if rng.random() < 0.7 else "",
            email,
            f"{_ascii(first or last)}{n}@mail.example.net" if rng.random() < 0.03 else "",
            phone,
            mobile,
            f"{rng.randint(1, 240)} {rng.choice(STREETS[country])}" if has_address else "",
            city if has_address else "",
            rng.choice(REGIONS[country]) if has_address and country in REGIONS else "",
            _postcode(rng, country) if has_address else "",
            country,
            rng.choice(CONTACT_NOTES) if rng.random() < 0.05 else "",
            f"EXT-{n}" if rng.random() < 0.6 else "",
            "t" if rng.random() < 0.35 else "f",
            "t" if rng.random() < 0.10 else "f",
            "t" if rng.random() < 0.20 else "f",
            "t" if rng.random() < 0.02 else "f",
            "t" if deceased else "f",
            clock.date(updated) if deceased else "\\N",
            clock.stamp(last_seen) if last_seen else "\\N",
            "\\N",
            clock.stamp(created),
            clock.stamp(updated),
            "\\N",
            str(rng.choice(tenant.staff)) if rng.random() < 0.1 else "\\N",
        ]
    )


def interaction_lines(rng, clock, keys, start, first_id, heads, tenant_of, tenants):
    """The interactions in time order: ``keys`` are ``(seconds since start << SHIFT) | contact``."""
    stamp, rand, bits = clock.stamp, rng.random, rng.getrandbits
    complaint, follow_up = COMPLAINT_SHARE, COMPLAINT_SHARE + FOLLOW_UP_SHARE
    week, now = 7 * 86400, clock.now
    for i, key in enumerate(keys, start=first_id):
        c = key & MASK
        t = (key >> SHIFT) + start
        at = stamp(t)
        roll = rand()
        tenant = tenants[tenant_of[c]]
        if roll >= follow_up:
            yield f"{i}\t{heads[c]}{at}\t{at}\t{tenant.pool[bits(12)]}\n"
            continue
        staff = rng.choice(tenant.staff)
        if roll < complaint:
            resolved = t + int(rand() * 3 * week)
            tail = "\t".join(
                [
                    "complaint",
                    rng.choices(tenant.channels, tenant.channel_weights)[0],
                    "inbound",
                    "t",
                    str(staff),
                    rng.choice(COMPLAINT_SUBJECTS),
                    rng.choice(NOTES) if rand() < 0.5 else "",
                    "",
                    "\\N\t\\N\t\\N",
                    str(rng.choice(tenant.categories)),
                    rng.choice(RESOLUTIONS) if resolved < now else "",
                    stamp(resolved) if resolved < now else "\\N",
                    "",
                    "\\N",
                ]
            )
        else:
            due = t + week
            done = due - 2 * 86400 if due < now - 2 * week else None
            tail = "\t".join(
                [
                    "conversation",
                    rng.choices(tenant.channels, tenant.channel_weights)[0],
                    "outbound",
                    "f",
                    str(staff),
                    rng.choice(SUBJECTS),
                    rng.choice(NOTES),
                    "Waiting for a reply",
                    clock.date(due),
                    str(staff),
                    stamp(done) if done else "\\N",
                    "\\N",
                    "",
                    "\\N",
                    "",
                    "\\N",
                ]
            )
        yield f"{i}\t{heads[c]}{at}\t{at}\t{tail}\n"


def contact_event_lines(rng, clock, tenants, tenant_of, first_contact_id, created):
    for c, at in enumerate(created):
        tenant = tenants[tenant_of[c]]
        imported = rng.random() < 0.7
        yield (
            f"{tenant.id}\t{first_contact_id + c}\t{'imported' if imported else 'created'}\t"
            f"{'Imported' if imported else 'Record created'}\t"
            f"{tenant.staff_or_null(rng)}\t{clock.stamp(at)}\n"
        )


def consent_lines(rng, clock, tenants, tenant_of, first_contact_id, created):
    channels, purposes, sources = (
        ConsentChannel.values,
        ConsentPurpose.values,
        [ConsentSource.STAFF, ConsentSource.FORM, ConsentSource.IMPORT],
    )
    for c, at in enumerate(created):
        if rng.random() >= 0.3:
            continue
        tenant = tenants[tenant_of[c]]
        for _ in range(rng.randint(1, 3)):
            recorded = at + int(rng.random() * max(1, clock.now - at))
            granted = rng.random() < 0.85
            yield (
                f"{tenant.id}\t{first_contact_id + c}\t{rng.choice(channels)}\t"
                f"{rng.choice(purposes)}\t{'t' if granted else 'f'}\t{rng.choice(sources)}\t"
                f"{'Yes, keep me posted.' if granted else ''}\t{tenant.staff_or_null(rng)}\t"
                f"{clock.stamp(recorded)}\n"
            )


def contact_tag_lines(rng, tenants, tenant_of, first_contact_id, contacts):
    for c in range(contacts):
        if rng.random() >= 0.25:
            continue
        tenant = tenants[tenant_of[c]]
        for tag in rng.sample(tenant.tags, rng.randint(1, 3)):
            yield f"{tenant.id}\t{first_contact_id + c}\t{tag}\n"


def _tenant(slug, members, rng, *, country="GB"):
    organization, admin = organization_with_members(slug, members)
    organization.country = country
    organization.save(update_fields=["country"])
    with scopes_disabled():
        staff = list(
            Membership.objects.filter(organization=organization).values_list("user_id", flat=True)
        )
        categories = ComplaintCategory.objects.bulk_create(
            ComplaintCategory(organization=organization, name=name) for name in COMPLAINT_CATEGORIES
        )
        tags = Tag.objects.bulk_create(Tag(organization=organization, name=name) for name in TAGS)
    tenant = Tenant(organization, staff, [c.pk for c in categories], [t.pk for t in tags], rng)
    return tenant, admin


TABLES = [
    "stakeholders_contact",
    "stakeholders_interaction",
    "stakeholders_contactevent",
    "stakeholders_consent",
    "stakeholders_contacttag",
]


def populate(
    *,
    slug,
    contacts,
    interactions,
    members=25,
    others=20,
    other_contacts=1000,
    heavy=HEAVY_COUNTS,
    seed=20240601,
    log=print,
):
    """Build it all in one transaction (a crash leaves nothing half-loaded): ``slug`` with
    ``contacts`` and ``interactions`` (the first contacts with ``heavy`` interactions each), and
    ``others`` small organizations beside it. Runs as the owner of the tables
    (``bench.roles.loading``). Returns the big organization and its admin."""
    rng = random.Random(seed)
    clock = Clock(timezone.now().astimezone(UTC))
    log(f"organizations and staff ({others + 1})")
    tenant, admin = _tenant(slug, members, rng)
    tenants = [tenant] + [_tenant(f"other-{n}", 5, rng)[0] for n in range(others)]
    sizes = [contacts] + [other_contacts] * others
    tenant_of = bytearray()
    for slot, size in enumerate(sizes):
        tenant_of.extend([slot] * size)
    total_contacts = len(tenant_of)
    if total_contacts > MASK:
        raise ValueError("too many contacts for the interaction sort key")

    log("interaction counts and times")
    counts = interaction_counts(rng, contacts, interactions, heavy=heavy)
    for size in sizes[1:]:
        counts += interaction_counts(rng, size, round(size * ORDINARY_MEAN), heavy=[])
    start = clock.now - YEARS_OF_HISTORY * 365 * 86400
    span = clock.now - start
    rand, sqrt = rng.random, math.sqrt
    keys = []
    for c, k in enumerate(counts):
        # sqrt: a growing organization, more interactions lately than three years ago
        keys.extend([(int(span * sqrt(rand())) << SHIFT) | c for _ in range(k)])
    keys.sort()
    last_seen = [0] * total_contacts
    for key in keys:
        last_seen[key & MASK] = (key >> SHIFT) + start

    contact_span = YEARS_OF_CONTACTS * 365 * 86400
    contact_start = clock.now - contact_span
    created = []
    for size in sizes:
        created += [contact_start + int(contact_span * (j + rand()) / size) for j in range(size)]

    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL maintenance_work_mem = '1GB'")
        cursor.execute("SET LOCAL work_mem = '256MB'")  # the foreign keys' one-pass checks
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # check the staff and tags made above
        foreign_keys = drop_foreign_keys(cursor, TABLES)  # no trigger per row
        definitions = drop_indexes(cursor, TABLES)
        cursor.execute("SELECT COALESCE(max(id), 0) + 1 FROM stakeholders_contact")
        (first_contact_id,) = cursor.fetchone()
        cursor.execute("SELECT COALESCE(max(id), 0) + 1 FROM stakeholders_interaction")
        (first_interaction_id,) = cursor.fetchone()

        log(f"COPY {total_contacts:,} contacts")
        copy(
            cursor,
            "stakeholders_contact",
            CONTACT_COLUMNS,
            (
                contact_line(
                    rng,
                    clock,
                    tenants[tenant_of[c]],
                    first_contact_id + c,
                    c,
                    created[c],
                    last_seen[c],
                )
                + "\n"
                for c in range(total_contacts)
            ),
        )
        log(f"COPY {len(keys):,} interactions")
        heads = [
            f"{tenants[tenant_of[c]].id}\t{first_contact_id + c}\t" for c in range(total_contacts)
        ]
        copy(
            cursor,
            "stakeholders_interaction",
            INTERACTION_COLUMNS,
            interaction_lines(
                rng, clock, keys, start, first_interaction_id, heads, tenant_of, tenants
            ),
        )
        del keys, heads
        log("COPY contact events, consents, tags")
        copy(
            cursor,
            "stakeholders_contactevent",
            ["organization_id", "contact_id", "kind", "summary", "actor_id", "occurred_at"],
            contact_event_lines(rng, clock, tenants, tenant_of, first_contact_id, created),
        )
        copy(
            cursor,
            "stakeholders_consent",
            [
                "organization_id",
                "contact_id",
                "channel",
                "purpose",
                "granted",
                "source",
                "wording",
                "recorded_by_id",
                "recorded_at",
            ],
            consent_lines(rng, clock, tenants, tenant_of, first_contact_id, created),
        )
        copy(
            cursor,
            "stakeholders_contacttag",
            ["organization_id", "contact_id", "tag_id"],
            contact_tag_lines(rng, tenants, tenant_of, first_contact_id, total_contacts),
        )
        for table in ("stakeholders_contact", "stakeholders_interaction"):
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), max(id)) FROM {table}"  # noqa: S608
            )
        log(f"CREATE {len(definitions)} indexes")
        create_indexes(cursor, definitions)
        log(f"ADD {len(foreign_keys)} foreign keys (each checked in one pass)")
        add_foreign_keys(cursor, foreign_keys)
    return tenant.organization, admin


def vacuum_analyze(log=print):
    """Visibility map and statistics, as autovacuum would have left them on a live database."""
    with connection.cursor() as cursor:
        # and the search's dictionary of names, which the contacts' triggers filled
        for table in [*TABLES, "stakeholders_contactname", "stakeholders_contactnameword"]:
            log(f"VACUUM ANALYZE {table}")
            cursor.execute(f"VACUUM (ANALYZE) {table}")
