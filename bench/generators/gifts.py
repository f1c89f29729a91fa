"""An organization's donors and their giving history, streamed into PostgreSQL with COPY.

A million contacts, about seven in ten of them donors: most gave once or twice, a quarter gave
three to five times, a few gave for years; about one gift in a hundred was refunded; four first
gifts in five were thanked (an acknowledgment sent a day or two later) and one donor in ten got
a welcome call. One seeded random generator drives everything, so a rebuild gives the same data.
Loaded as the owner of the tables (``bench/generators/copying.py`` fills the columns the lines
leave out from the models' defaults); secondary indexes are dropped and rebuilt around the load.
"""

import random
from datetime import timedelta

from django.db import connection
from django.utils import timezone

from bench.generators.copying import copy, create_indexes, drop_indexes
from donors.selectors import WELCOME_CALL_DONE

FIRST = ["Amelia", "Fatima", "Jürgen", "Zoë", "Sokha", "Aigerim", "Reza", "Łukasz", "Minh", "Inés"]
LAST = ["Smith", "Adeyemi", "Müller", "Nguyễn", "García", "Hosseini", "Sok", "Omarova", "Nowak"]
YEARS = 6
# (share of donors, gifts from, gifts to)
GIVING = [(0.40, 1, 1), (0.20, 2, 2), (0.25, 3, 5), (0.15, 6, 20)]


def _gift_counts(rng, donors):
    for _ in range(donors):
        roll, total = rng.random(), 0.0
        for share, low, high in GIVING:
            total += share
            if roll < total:
                yield rng.randint(low, high)
                break
        else:
            yield 1


def load(organization, *, contacts, donor_share=0.7, seed=18):
    """COPY ``contacts`` contacts and the gifts, thank-yous and welcome calls of the donors among
    them into ``organization``; returns counts and seconds."""
    rng = random.Random(seed)
    org = str(organization.pk)
    today = timezone.localdate()
    first_day = today - timedelta(days=YEARS * 365)
    with connection.cursor() as cursor:
        tables = [
            "stakeholders_contact",
            "donors_gift",
            "thankyous_acknowledgment",
            "stakeholders_interaction",
        ]
        indexes = drop_indexes(cursor, tables)

        def contact_lines():
            for n in range(contacts):
                first, last = rng.choice(FIRST), rng.choice(LAST)
                name = f"{first} {last} {n}"
                yield f"{org}\t{first}\t{last} {n}\t{name}\t{name.lower()}\n"

        copy(
            cursor,
            "stakeholders_contact",
            ["organization_id", "first_name", "last_name", "name", "search_name"],
            contact_lines(),
        )
        cursor.execute(
            "SELECT id FROM stakeholders_contact WHERE organization_id = %s ORDER BY id", [org]
        )
        contact_ids = [row[0] for row in cursor.fetchall()]
        donors = rng.sample(contact_ids, int(len(contact_ids) * donor_share))
        counts = dict(zip(donors, _gift_counts(rng, len(donors)), strict=True))
        span = (today - first_day).days
        gifts = 0

        def gift_lines():
            nonlocal gifts
            for contact_id, count in counts.items():
                start = rng.randrange(span)
                step = max(1, (span - start) // max(count, 1))
                for k in range(count):
                    day = first_day + timedelta(days=min(span, start + k * step + rng.randrange(9)))
                    status = "refunded" if rng.random() < 0.01 else "received"
                    gifts += 1
                    amount = rng.choice(("10", "25", "50", "100"))
                    created = f"{day} 18:00:00+00"  # entered the evening it came
                    yield f"{org}\t{contact_id}\t{amount}.00\t{day}\t{status}\t{created}\n"

        # The donors' years (migration donors 0008) are rebuilt once after the load, not by the
        # trigger over an unindexed table.
        cursor.execute("ALTER TABLE donors_gift DISABLE TRIGGER donors_gift_inserted")
        copy(
            cursor,
            "donors_gift",
            ["organization_id", "contact_id", "amount", "received_on", "status", "created_at"],
            gift_lines(),
        )
        cursor.execute("ALTER TABLE donors_gift ENABLE TRIGGER donors_gift_inserted")
        cursor.execute(
            """
            SELECT DISTINCT ON (contact_id) id, contact_id, received_on FROM donors_gift
            WHERE organization_id = %s AND status = 'received'
            ORDER BY contact_id, received_on, id
            """,
            [org],
        )
        firsts = cursor.fetchall()

        thanked = 0

        def ack_lines():
            nonlocal thanked
            for gift_id, contact_id, day in firsts:
                if rng.random() < 0.8:
                    thanked += 1
                    received = f"{day} 10:00:00+00"
                    sent = f"{day + timedelta(days=rng.randint(1, 3))} 09:00:00+00"
                    yield (
                        f"{org}\tgift\t{gift_id}\t{contact_id}\tsent\t{received}\t{sent}\t"
                        f"{received}\n"
                    )

        copy(
            cursor,
            "thankyous_acknowledgment",
            [
                "organization_id",
                "kind",
                "target_id",
                "contact_id",
                "state",
                "received_at",
                "sent_at",
                "created_at",
            ],
            ack_lines(),
        )
        welcomed = 0

        def call_lines():
            nonlocal welcomed
            for gift_id, contact_id, day in firsts:
                if rng.random() < 0.1:
                    welcomed += 1
                    at = f"{day + timedelta(days=rng.randint(2, 20))} 15:00:00+00"
                    yield (
                        f"{org}\t{contact_id}\tphone\toutbound\tWelcome call\t{at}\t"
                        f"{WELCOME_CALL_DONE}\t{gift_id}\t{at}\n"
                    )

        copy(
            cursor,
            "stakeholders_interaction",
            [
                "organization_id",
                "contact_id",
                "channel",
                "direction",
                "subject",
                "occurred_at",
                "related_kind",
                "related_id",
                "created_at",
            ],
            call_lines(),
        )
        create_indexes(cursor, indexes)
        cursor.execute("SELECT donors_donor_years_rebuild(%s)", [organization.pk])
        tables.append("donors_donoryear")
        for table in tables:
            cursor.execute(f"ANALYZE {table}")
    return {
        "contacts": contacts,
        "donors": len(donors),
        "gifts": gifts,
        "thanked_first_gifts": thanked,
        "welcome_calls": welcomed,
        "first_day": str(first_day),
    }


def new_gifts(organization, contact_ids, *, day=None):
    """One more gift for each of ``contact_ids``, dated today (as the owner, with COPY)."""
    day = day or timezone.localdate()
    with connection.cursor() as cursor:
        copy(
            cursor,
            "donors_gift",
            ["organization_id", "contact_id", "amount", "received_on", "status"],
            (f"{organization.pk}\t{pk}\t20.00\t{day}\treceived\n" for pk in contact_ids),
        )
    return len(contact_ids)
