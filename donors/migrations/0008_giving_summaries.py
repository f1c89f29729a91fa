"""Giving summaries: one row per donor and year, kept by statement-level triggers on donors_gift.

Every way a gift is written goes through them — the services, an import's bulk_create, a merge's
update(), the benchmarks' COPY — so the rows can't drift from the gifts. A trigger recomputes
every year of each donor a statement touched (a donor has a few gifts a year: an index range of
``gift_donor``), after locking those donors' contact rows so that two transactions giving for
the same donor at once recompute one after the other (READ COMMITTED: the second statement sees
the first's gift). It bumps the organization's giving version once per statement: the key of the
cached report figures. Runs as the caller, so row-level security applies to both tables.
"""

import django.db.models.deletion
from django.db import migrations, models

# The donors' years recomputed from their counted (received) gifts: total, count, first and last
# day, running total, first gift ever, and whether no later year has a gift.
FRESH = """
    fresh AS (
        SELECT g.organization_id, g.contact_id,
               extract(year FROM g.received_on)::int AS year,
               sum(g.amount) AS amount, count(*) AS count,
               min(g.received_on) AS first_on, max(g.received_on) AS last_on
        FROM donors_gift g {source}
        WHERE g.status = 'received' {condition}
        GROUP BY 1, 2, 3
    ),
    ranked AS (
        SELECT f.*,
               sum(f.amount) OVER (PARTITION BY f.organization_id, f.contact_id ORDER BY f.year)
                   AS running_total,
               min(f.first_on) OVER (PARTITION BY f.organization_id, f.contact_id)
                   AS first_ever_on,
               f.year = max(f.year) OVER (PARTITION BY f.organization_id, f.contact_id)
                   AS latest
        FROM fresh f
    )
"""
COLUMNS = (
    "organization_id, contact_id, year, amount, count, first_on, last_on, running_total, "
    "first_ever_on, latest"
)

TOUCHED = "JOIN touched t ON g.organization_id = t.organization_id AND g.contact_id = t.contact_id"

SQL = f"""
CREATE FUNCTION donors_donor_years_refresh(orgs bigint[], contacts bigint[]) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    -- One transaction at a time per donor; the next statement sees what the other committed.
    PERFORM 1 FROM stakeholders_contact WHERE id = ANY(contacts) ORDER BY id FOR NO KEY UPDATE;
    WITH touched AS (
        SELECT DISTINCT t.o AS organization_id, t.c AS contact_id
        FROM unnest(orgs, contacts) AS t(o, c)
    ),
    {FRESH.format(source=TOUCHED, condition="")},
    gone AS (
        DELETE FROM donors_donoryear d USING touched t
        WHERE d.organization_id = t.organization_id AND d.contact_id = t.contact_id
          AND NOT EXISTS (
              SELECT 1 FROM ranked r
              WHERE r.organization_id = d.organization_id AND r.contact_id = d.contact_id
                AND r.year = d.year
          )
    )
    INSERT INTO donors_donoryear ({COLUMNS})
    SELECT {COLUMNS} FROM ranked
    ON CONFLICT (organization_id, contact_id, year) DO UPDATE SET
        amount = EXCLUDED.amount, count = EXCLUDED.count, first_on = EXCLUDED.first_on,
        last_on = EXCLUDED.last_on, running_total = EXCLUDED.running_total,
        first_ever_on = EXCLUDED.first_ever_on, latest = EXCLUDED.latest
    WHERE (donors_donoryear.amount, donors_donoryear.count, donors_donoryear.first_on,
           donors_donoryear.last_on, donors_donoryear.running_total,
           donors_donoryear.first_ever_on, donors_donoryear.latest)
        IS DISTINCT FROM (EXCLUDED.amount, EXCLUDED.count, EXCLUDED.first_on, EXCLUDED.last_on,
                          EXCLUDED.running_total, EXCLUDED.first_ever_on, EXCLUDED.latest);
    INSERT INTO donors_givingversion (organization_id, version)
    SELECT DISTINCT o, 1 FROM unnest(orgs) AS o
    ON CONFLICT (organization_id) DO UPDATE SET version = donors_givingversion.version + 1;
END $$;

CREATE FUNCTION donors_donor_years_rebuild(org bigint) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM donors_donoryear WHERE organization_id = org;
    WITH {FRESH.format(source="", condition="AND g.organization_id = org")}
    INSERT INTO donors_donoryear ({COLUMNS}) SELECT {COLUMNS} FROM ranked;
    INSERT INTO donors_givingversion (organization_id, version) VALUES (org, 1)
    ON CONFLICT (organization_id) DO UPDATE SET version = donors_givingversion.version + 1;
END $$;

CREATE FUNCTION donors_gift_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    orgs bigint[];
    contacts bigint[];
BEGIN
    IF TG_OP = 'INSERT' THEN
        SELECT array_agg(k.organization_id), array_agg(k.contact_id) INTO orgs, contacts
        FROM (SELECT DISTINCT organization_id, contact_id FROM new_gifts
              WHERE status = 'received') k;
    ELSIF TG_OP = 'DELETE' THEN
        SELECT array_agg(k.organization_id), array_agg(k.contact_id) INTO orgs, contacts
        FROM (SELECT DISTINCT organization_id, contact_id FROM old_gifts
              WHERE status = 'received') k;
    ELSE
        -- Only what totals depend on: an erasure's or a thank-you flag's update costs nothing.
        WITH changed AS (
            SELECT o.organization_id AS old_org, o.contact_id AS old_contact,
                   n.organization_id AS new_org, n.contact_id AS new_contact
            FROM old_gifts o JOIN new_gifts n ON n.id = o.id
            WHERE (o.status = 'received' OR n.status = 'received')
              AND (o.status, o.amount, o.received_on, o.contact_id, o.organization_id)
                  IS DISTINCT FROM
                  (n.status, n.amount, n.received_on, n.contact_id, n.organization_id)
        )
        SELECT array_agg(k.organization_id), array_agg(k.contact_id) INTO orgs, contacts
        FROM (SELECT old_org AS organization_id, old_contact AS contact_id FROM changed
              UNION SELECT new_org, new_contact FROM changed) k;
    END IF;
    IF contacts IS NOT NULL THEN
        PERFORM donors_donor_years_refresh(orgs, contacts);
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER donors_gift_inserted AFTER INSERT ON donors_gift
    REFERENCING NEW TABLE AS new_gifts
    FOR EACH STATEMENT EXECUTE FUNCTION donors_gift_changed();
CREATE TRIGGER donors_gift_updated AFTER UPDATE ON donors_gift
    REFERENCING OLD TABLE AS old_gifts NEW TABLE AS new_gifts
    FOR EACH STATEMENT EXECUTE FUNCTION donors_gift_changed();
CREATE TRIGGER donors_gift_deleted AFTER DELETE ON donors_gift
    REFERENCING OLD TABLE AS old_gifts
    FOR EACH STATEMENT EXECUTE FUNCTION donors_gift_changed();

SELECT donors_donor_years_rebuild(id) FROM stakeholders_organization;
"""  # noqa: S608 (built from the constants above)

REVERSE = """
DROP TRIGGER IF EXISTS donors_gift_inserted ON donors_gift;
DROP TRIGGER IF EXISTS donors_gift_updated ON donors_gift;
DROP TRIGGER IF EXISTS donors_gift_deleted ON donors_gift;
DROP FUNCTION IF EXISTS donors_gift_changed();
DROP FUNCTION IF EXISTS donors_donor_years_rebuild(bigint);
DROP FUNCTION IF EXISTS donors_donor_years_refresh(bigint[], bigint[]);
"""


class Migration(migrations.Migration):
    dependencies = [
        ("donors", "0007_plural_names"),
        ("stakeholders", "0026_community_audit_actions"),
    ]

    operations = [
        migrations.CreateModel(
            name="DonorYear",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("year", models.PositiveSmallIntegerField()),
                ("amount", models.DecimalField(decimal_places=2, max_digits=16)),
                ("count", models.PositiveIntegerField()),
                ("first_on", models.DateField()),
                ("last_on", models.DateField()),
                ("running_total", models.DecimalField(decimal_places=2, max_digits=16)),
                ("first_ever_on", models.DateField()),
                ("latest", models.BooleanField()),
                (
                    "contact",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="stakeholders.contact",
                    ),
                ),
                (
                    "organization",
                    models.ForeignKey(
                        editable=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="stakeholders.organization",
                    ),
                ),
            ],
            options={
                "indexes": [
                    models.Index(
                        condition=models.Q(("latest", True)),
                        fields=["organization", "year", "-amount"],
                        name="donor_year_lapsed",
                    ),
                    models.Index(
                        condition=models.Q(("latest", True)),
                        fields=["organization", "-running_total"],
                        name="donor_year_lifetime",
                    ),
                    models.Index(
                        condition=models.Q(("latest", True)),
                        fields=["organization", "first_ever_on"],
                        name="donor_year_newcomers",
                    ),
                    models.Index(
                        fields=["organization", "year", "contact"], name="donor_year_year"
                    ),
                ],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("organization", "contact", "year"), name="uniq_donor_year"
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="GivingVersion",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("version", models.BigIntegerField(default=0)),
                (
                    "organization",
                    models.ForeignKey(
                        db_constraint=False,
                        editable=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="stakeholders.organization",
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(fields=("organization",), name="uniq_giving_version")
                ],
            },
        ),
        migrations.RunSQL(SQL, REVERSE),
    ]
