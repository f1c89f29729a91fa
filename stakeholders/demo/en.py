"""The English demo organizations: a food bank in Bristol and a mentoring charity in Chicago."""

from stakeholders.models import Role

ORGANIZATIONS = [
    {
        "name": "Riverside Food Bank",
        "slug": "riverside",
        "timezone": "Europe/London",
        "currency": "GBP",
        "language": "en",
        "contact_email": "hello@riverside.example.org",
        "country": "GB",
        "sender_name": "Amara Okafor, Director",
        "address": "12 Mill Lane\nBristol BS1 4DJ\nUnited Kingdom",
        "staff": [
            ("admin@riverside.example.org", "Amara Okafor", Role.ADMIN),
            ("fundraiser@riverside.example.org", "Tom Becker", Role.FUNDRAISER),
            ("volunteers@riverside.example.org", "Lucía Fernández", Role.VOLUNTEER_COORDINATOR),
            ("casework@riverside.example.org", "Dev Patel", Role.CASEWORKER),
            ("viewer@riverside.example.org", "Mei Chen", Role.VIEWER),
        ],
    },
    {
        "name": "Hope Youth Mentoring",
        "slug": "hope",
        "timezone": "America/Chicago",
        "currency": "USD",
        "language": "en",
        "contact_email": "team@hope.example.org",
        "country": "US",
        "sender_name": "Jordan Ellis, Executive Director",
        "address": "400 Lake Street\nChicago, IL 60601\nUSA",
        "staff": [
            ("admin@hope.example.org", "Jordan Ellis", Role.ADMIN),
            ("fundraiser@hope.example.org", "Sam Rivera", Role.FUNDRAISER),
            ("casework@hope.example.org", "Noor Haddad", Role.CASEWORKER),
        ],
    },
]

# (first name, last name, the name in their email address or "" to make one, salutation)
PEOPLE = [
    (first, last, "", "")
    for first, last in (
        ("Fatima", "Adeyemi"),
        ("Björn", "Lindqvist"),
        ("François", "O'Brien"),
        ("Łukasz", "Sharma"),
        ("Zoë", "Dubois"),
        ("Kwame", "Mensah"),
        ("Aisha", "Khan"),
        ("Liam", "Ní Bhriain"),
        ("Mei", "Tanaka"),
        ("Carlos", "Mendoza"),
        ("Priya", "Patel"),
        ("Ewan", "MacLeod"),
        ("Nguyễn", "Thi Lan"),
        ("Sofia", "Rossi"),
        ("Yusuf", "Demir"),
        ("Hannah", "Schmidt"),
        ("Amara", "Nwosu"),
        ("Diego", "Fernández"),
        ("Leila", "Rahimi"),
        ("Oliver", "Jones"),
        ("Sokha", "Chan"),
        ("Aigerim", "Bekova"),
        ("Grace", "Okafor"),
        ("Tomás", "Silva"),
        ("Ingrid", "Berg"),
        ("Samuel", "Cohen"),
        ("Niamh", "Kelly"),
        ("Arjun", "Mehta"),
        ("Chloé", "Martin"),
        ("Mohammed", "Haddad"),
    )
]
TAGS = ["newsletter", "major donor", "board", "food parcels", "driver", "youth club"]
SUBJECTS = [
    "Asked about volunteering on Saturdays",
    "Thanked them for their gift",
    "Food parcel collected",
    "Called back about the winter appeal",
    "Invited to the open day",
    "Referral from the housing office",
    "Changed their email address",
    "Booked a slot at the advice clinic",
]
COMPLAINTS = [
    "Waited an hour at the drop-in",
    "Received two appeal letters in one week",
    "Nobody called back",
]
COMPLAINT_CATEGORIES = ()  # the defaults
CONSENT_WORDING = "Yes, please keep me updated by email."
AREAS = {
    "GB": {
        "city": "Bristol",
        "streets": ["Mill Lane", "High Street", "Church Road", "Station Road"],
        "street": "{number} {street}",
        "postcodes": ["BS1 4DJ", "BS2 0JA", "BS3 1QR", "BS5 6XX"],
        "mobile": "07400 12%04d",
    },
    "US": {
        "city": "Chicago",
        "streets": ["Lake Street", "Maple Avenue", "Oak Street", "Elm Drive"],
        "street": "{number} {street}",
        "postcodes": ["60601", "60605", "60614", "60622"],
        "mobile": "(312) 555-%04d",
    },
}

# The experience loop: what people said in surveys, what staff did, the keep-in-touch steps.
EXPERIENCE = {
    "expectations": ["Faster replies", "News of what my gift did", "Shifts that fit my week"],
    "happy": [
        "Thank you, the team was lovely.",
        "Quick and friendly, as always.",
        "Everything was clear from the start.",
    ],
    "unhappy": "I waited three weeks and nobody told me what was happening.",
    "put_right": "Called them, apologised and booked a caseworker visit for the next morning.",
    "donor_call": "Call donors whose second gift hasn't come",
    "client_check_in": (
        "How are things?",
        "Dear {first_name},\n\nIt has been a month since we last helped you. How are things "
        "now? If you need anything, just reply to this email.\n\n{organization}",
    ),
    "volunteer_miss_you": (
        "We miss you",
        "Dear {first_name},\n\nWe haven't seen you at a shift for a while, and we miss you. "
        "New shifts are open, and we would love to see you again.\n\n{organization}",
    ),
}
