"""Acknowledgments counted by kind and state, kept by statement-level triggers (as donors 0008
keeps the donor years): the thank-you page's queue figures read a few rows instead of counting
every sent thank-you. One upsert per statement, of the (kind, state) pairs it changed, in a
fixed order (two transactions lock the same counters in the same order: no deadlock); an update
that changes no state (the batch's "sending" details, a PDF, a print batch) writes nothing. Runs
as the caller, so row-level security applies to both tables. The triggers are created before
the existing rows are counted, in the same transaction: their lock holds writers off until the
counts are in. Also the index time to thank reads alone (sent rows by date).
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

SQL = """
CREATE FUNCTION thankyous_acknowledgment_counted() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO thankyous_acknowledgmentcount (organization_id, kind, state, count, changes)
        SELECT organization_id, kind, state, count(*), count(*) FROM new_rows
        GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
        ON CONFLICT (organization_id, kind, state) DO UPDATE SET
            count = thankyous_acknowledgmentcount.count + EXCLUDED.count,
            changes = thankyous_acknowledgmentcount.changes + EXCLUDED.changes;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO thankyous_acknowledgmentcount (organization_id, kind, state, count, changes)
        SELECT organization_id, kind, state, -count(*), count(*) FROM old_rows
        GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
        ON CONFLICT (organization_id, kind, state) DO UPDATE SET
            count = thankyous_acknowledgmentcount.count + EXCLUDED.count,
            changes = thankyous_acknowledgmentcount.changes + EXCLUDED.changes;
    ELSE
        -- A row that changes state moves between counters; one that changes what it thanks
        -- (never done, but exact all the same) also leaves its kind and joins another.
        WITH moved AS (
            SELECT o.organization_id AS old_org, o.kind AS old_kind, o.state AS old_state,
                   n.organization_id AS new_org, n.kind AS new_kind, n.state AS new_state,
                   ((o.organization_id, o.kind, o.target_id)
                    IS DISTINCT FROM (n.organization_id, n.kind, n.target_id))::int AS changed
            FROM old_rows o JOIN new_rows n ON n.id = o.id
            WHERE (o.organization_id, o.kind, o.target_id, o.state)
                  IS DISTINCT FROM (n.organization_id, n.kind, n.target_id, n.state)
        ),
        deltas AS (
            SELECT old_org AS organization_id, old_kind AS kind, old_state AS state,
                   -1 AS count, changed FROM moved
            UNION ALL
            SELECT new_org, new_kind, new_state, 1, changed FROM moved
        )
        INSERT INTO thankyous_acknowledgmentcount (organization_id, kind, state, count, changes)
        SELECT organization_id, kind, state, sum(count), sum(changed) FROM deltas
        GROUP BY 1, 2, 3 HAVING sum(count) <> 0 OR sum(changed) <> 0 ORDER BY 1, 2, 3
        ON CONFLICT (organization_id, kind, state) DO UPDATE SET
            count = thankyous_acknowledgmentcount.count + EXCLUDED.count,
            changes = thankyous_acknowledgmentcount.changes + EXCLUDED.changes;
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER thankyous_acknowledgment_inserted AFTER INSERT ON thankyous_acknowledgment
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION thankyous_acknowledgment_counted();
CREATE TRIGGER thankyous_acknowledgment_updated AFTER UPDATE ON thankyous_acknowledgment
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION thankyous_acknowledgment_counted();
CREATE TRIGGER thankyous_acknowledgment_deleted AFTER DELETE ON thankyous_acknowledgment
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION thankyous_acknowledgment_counted();

INSERT INTO thankyous_acknowledgmentcount (organization_id, kind, state, count, changes)
SELECT organization_id, kind, state, count(*), count(*) FROM thankyous_acknowledgment
GROUP BY 1, 2, 3;
"""

REVERSE = """
DROP TRIGGER IF EXISTS thankyous_acknowledgment_inserted ON thankyous_acknowledgment;
DROP TRIGGER IF EXISTS thankyous_acknowledgment_updated ON thankyous_acknowledgment;
DROP TRIGGER IF EXISTS thankyous_acknowledgment_deleted ON thankyous_acknowledgment;
DROP FUNCTION IF EXISTS thankyous_acknowledgment_counted();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("stakeholders", "0030_json_time"),
        ("thankyous", "0012_plural_names"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="AcknowledgmentCount",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("kind", models.CharField(max_length=40)),
                ("state", models.CharField(max_length=8)),
                ("count", models.BigIntegerField(default=0)),
                ("changes", models.BigIntegerField(default=0)),
            ],
        ),
        migrations.AddIndex(
            model_name="acknowledgment",
            index=models.Index(
                condition=models.Q(("sent_at__isnull", False)),
                fields=["organization", "sent_at"],
                include=("received_at", "kind"),
                name="acknowledgment_sent",
            ),
        ),
        migrations.AddField(
            model_name="acknowledgmentcount",
            name="organization",
            field=models.ForeignKey(
                db_constraint=False,
                editable=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="stakeholders.organization",
            ),
        ),
        migrations.AddConstraint(
            model_name="acknowledgmentcount",
            constraint=models.UniqueConstraint(
                fields=("organization", "kind", "state"), name="uniq_acknowledgment_count"
            ),
        ),
        migrations.RunSQL(SQL, REVERSE),
    ]
