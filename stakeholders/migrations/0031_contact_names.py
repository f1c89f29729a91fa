"""The search's dictionary of names (issue 21, point 2; stakeholders/search/models.py): each
distinct name of an organization's active contacts with how many bear it, and each word of those
names by its first letters. The contacts lose the search columns that moved there (their rows
were ~470 bytes, 214 of them one-edit variants that only the typo search reads).

Kept by statement-level triggers, as the thank-you counts are (thankyous 0013): on contacts, one
upsert per statement of the names it added or took away (a name enters when its first active
contact does and leaves with its last: merged, erased or deleted), in a fixed order, so two
transactions lock the same names in the same order; on names, their words written or removed.
Runs as the caller, so row-level security applies to every table. The existing contacts are
counted in, after the triggers are in place, in the same transaction.
"""

import django.contrib.postgres.indexes
import django.contrib.postgres.search
import django.db.models.deletion
from django.db import migrations, models

import stakeholders.search

SQL = """
CREATE FUNCTION stakeholders_contact_names_kept() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO stakeholders_contactname AS n (organization_id, search_name, contacts)
        SELECT organization_id, search_name, count(*) FROM new_rows WHERE merged_into_id IS NULL AND erased_at IS NULL
        GROUP BY 1, 2 ORDER BY 1, 2
        ON CONFLICT (organization_id, search_name)
        DO UPDATE SET contacts = n.contacts + EXCLUDED.contacts;
        RETURN NULL;
    END IF;
    IF TG_OP = 'DELETE' THEN
        INSERT INTO stakeholders_contactname AS n (organization_id, search_name, contacts)
        SELECT organization_id, search_name, -count(*) FROM old_rows WHERE merged_into_id IS NULL AND erased_at IS NULL
        GROUP BY 1, 2 ORDER BY 1, 2
        ON CONFLICT (organization_id, search_name)
        DO UPDATE SET contacts = n.contacts + EXCLUDED.contacts;
    ELSE
        -- Only rows whose name or activity changed move (most updates change neither).
        WITH moved AS (
            SELECT o.organization_id AS old_org, o.search_name AS old_name,
                   (o.merged_into_id IS NULL AND o.erased_at IS NULL)::int AS was_active,
                   n.organization_id AS new_org, n.search_name AS new_name,
                   (n.merged_into_id IS NULL AND n.erased_at IS NULL)::int AS now_active
            FROM old_rows o JOIN new_rows n ON n.id = o.id
            WHERE (o.organization_id, o.search_name, o.merged_into_id IS NULL, o.erased_at IS NULL)
                  IS DISTINCT FROM
                  (n.organization_id, n.search_name, n.merged_into_id IS NULL, n.erased_at IS NULL)
        ),
        deltas AS (
            SELECT old_org AS organization_id, old_name AS search_name, -was_active AS change
            FROM moved
            UNION ALL
            SELECT new_org, new_name, now_active FROM moved
        )
        INSERT INTO stakeholders_contactname AS n (organization_id, search_name, contacts)
        SELECT organization_id, search_name, sum(change) FROM deltas
        GROUP BY 1, 2 HAVING sum(change) <> 0 ORDER BY 1, 2
        ON CONFLICT (organization_id, search_name)
        DO UPDATE SET contacts = n.contacts + EXCLUDED.contacts;
    END IF;
    -- A name nobody active bears any more leaves the dictionary (with its words).
    DELETE FROM stakeholders_contactname n USING (SELECT DISTINCT organization_id, search_name
                                                  FROM old_rows) o
    WHERE n.organization_id = o.organization_id AND n.search_name = o.search_name
      AND n.contacts <= 0;
    RETURN NULL;
END $$;

CREATE TRIGGER stakeholders_contact_names_inserted AFTER INSERT ON stakeholders_contact
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION stakeholders_contact_names_kept();
CREATE TRIGGER stakeholders_contact_names_updated AFTER UPDATE ON stakeholders_contact
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION stakeholders_contact_names_kept();
CREATE TRIGGER stakeholders_contact_names_deleted AFTER DELETE ON stakeholders_contact
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION stakeholders_contact_names_kept();

-- A name's words, each with the words before it (a space before each): of two words of one name
-- starting alike, the search lists the name by the first only.
CREATE FUNCTION stakeholders_contact_name_words_kept() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO stakeholders_contactnameword
            (organization_id, search_name, head, word, earlier)
        SELECT n.organization_id, n.search_name, left(w.word, 3), w.word,
               CASE WHEN w.i = 1 THEN ''
                    ELSE ' ' || array_to_string(n.words[1:w.i - 1], ' ') END
        FROM (SELECT organization_id, search_name,
                     regexp_split_to_array(btrim(search_name), ' +') AS words
              FROM new_rows) n,
             unnest(n.words) WITH ORDINALITY AS w(word, i)
        WHERE w.word <> '';
    ELSE
        DELETE FROM stakeholders_contactnameword w USING old_rows o
        WHERE w.organization_id = o.organization_id AND w.search_name = o.search_name;
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER stakeholders_contact_name_words_inserted AFTER INSERT ON stakeholders_contactname
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION stakeholders_contact_name_words_kept();
CREATE TRIGGER stakeholders_contact_name_words_deleted AFTER DELETE ON stakeholders_contactname
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION stakeholders_contact_name_words_kept();

INSERT INTO stakeholders_contactname (organization_id, search_name, contacts)
SELECT organization_id, search_name, count(*) FROM stakeholders_contact WHERE merged_into_id IS NULL AND erased_at IS NULL
GROUP BY 1, 2;
"""

REVERSE = """
DROP TRIGGER IF EXISTS stakeholders_contact_names_inserted ON stakeholders_contact;
DROP TRIGGER IF EXISTS stakeholders_contact_names_updated ON stakeholders_contact;
DROP TRIGGER IF EXISTS stakeholders_contact_names_deleted ON stakeholders_contact;
DROP FUNCTION IF EXISTS stakeholders_contact_names_kept();
DROP FUNCTION IF EXISTS stakeholders_contact_name_words_kept();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("stakeholders", "0030_json_time"),
    ]

    operations = [
        migrations.RunSQL(
            "DROP INDEX IF EXISTS contact_search_key_latin, contact_search_key_other, "
            "contact_search_variants, contact_search_key_variants_latin, "
            "contact_search_key_variants_other",
            reverse_sql=migrations.RunSQL.noop,
        ),
        migrations.RemoveField(
            model_name="contact",
            name="search_key",
        ),
        migrations.RemoveField(
            model_name="contact",
            name="search_key_variants",
        ),
        migrations.RemoveField(
            model_name="contact",
            name="search_latin",
        ),
        migrations.RemoveField(
            model_name="contact",
            name="search_variants",
        ),
        migrations.CreateModel(
            name="ContactName",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("search_name", models.CharField(max_length=300)),
                ("contacts", models.IntegerField()),
                (
                    "search_key",
                    models.GeneratedField(
                        db_persist=True,
                        expression=stakeholders.search.NameKey("search_name"),
                        output_field=models.CharField(max_length=300),
                    ),
                ),
                (
                    "search_latin",
                    models.GeneratedField(
                        db_persist=True,
                        expression=stakeholders.search.IsLatin("search_name"),
                        output_field=models.BooleanField(),
                    ),
                ),
                (
                    "search_variants",
                    models.GeneratedField(
                        db_persist=True,
                        expression=stakeholders.search.WordVariants("search_name"),
                        output_field=django.contrib.postgres.search.SearchVectorField(),
                    ),
                ),
                (
                    "search_key_variants",
                    models.GeneratedField(
                        db_persist=True,
                        expression=stakeholders.search.WordVariants(
                            stakeholders.search.NameKey("search_name")
                        ),
                        output_field=django.contrib.postgres.search.SearchVectorField(),
                    ),
                ),
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
        ),
        migrations.AddField(
            model_name="contact",
            name="name_entry",
            field=models.ForeignObject(
                from_fields=["organization", "search_name"],
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="stakeholders.contactname",
                to_fields=["organization", "search_name"],
            ),
        ),
        migrations.CreateModel(
            name="ContactNameWord",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("search_name", models.CharField(max_length=300)),
                ("head", models.CharField(max_length=3)),
                ("word", models.CharField(max_length=300)),
                ("earlier", models.CharField(max_length=300)),
                (
                    "entry",
                    models.ForeignObject(
                        from_fields=["organization", "search_name"],
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="words",
                        to="stakeholders.contactname",
                        to_fields=["organization", "search_name"],
                    ),
                ),
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
        ),
        migrations.AddIndex(
            model_name="contactname",
            index=django.contrib.postgres.indexes.GinIndex(
                fields=["search_name"], name="contact_name_trgm", opclasses=["gin_trgm_ops"]
            ),
        ),
        migrations.AddIndex(
            model_name="contactname",
            index=django.contrib.postgres.indexes.GinIndex(
                condition=models.Q(("search_latin", True)),
                fields=["search_key"],
                name="contact_name_key_latin",
                opclasses=["gin_trgm_ops"],
            ),
        ),
        migrations.AddIndex(
            model_name="contactname",
            index=django.contrib.postgres.indexes.GinIndex(
                condition=models.Q(("search_latin", False)),
                fields=["search_key"],
                name="contact_name_key_other",
                opclasses=["gin_trgm_ops"],
            ),
        ),
        migrations.AddIndex(
            model_name="contactname",
            index=django.contrib.postgres.indexes.GinIndex(
                fields=["search_variants"], name="contact_name_variants"
            ),
        ),
        migrations.AddIndex(
            model_name="contactname",
            index=django.contrib.postgres.indexes.GinIndex(
                condition=models.Q(("search_latin", True)),
                fields=["search_key_variants"],
                name="contact_name_keyvars_latin",
            ),
        ),
        migrations.AddIndex(
            model_name="contactname",
            index=django.contrib.postgres.indexes.GinIndex(
                condition=models.Q(("search_latin", False)),
                fields=["search_key_variants"],
                name="contact_name_keyvars_other",
            ),
        ),
        migrations.AddConstraint(
            model_name="contactname",
            constraint=models.UniqueConstraint(
                fields=("organization", "search_name"),
                include=("contacts",),
                name="uniq_contact_name",
            ),
        ),
        migrations.AddIndex(
            model_name="contactnameword",
            index=models.Index(
                fields=["organization", "head", "search_name"],
                include=("word", "earlier"),
                name="contact_name_word_head",
            ),
        ),
        migrations.AddIndex(
            model_name="contactnameword",
            index=models.Index(
                fields=["organization", "search_name"],
                include=("word",),
                name="contact_name_word_name",
            ),
        ),
        migrations.RunSQL(SQL, REVERSE),
    ]
