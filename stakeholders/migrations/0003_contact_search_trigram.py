"""Typo-tolerant contact search: a trigram GIN index on the normalised name."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("stakeholders", "0002_contacts")]

    operations = [
        migrations.RunSQL(
            "CREATE EXTENSION IF NOT EXISTS pg_trgm",
            reverse_sql=migrations.RunSQL.noop,
        ),
        migrations.RunSQL(
            "CREATE INDEX contact_search_trgm ON stakeholders_contact "
            "USING gin (search_name gin_trgm_ops)",
            reverse_sql="DROP INDEX contact_search_trgm",
        ),
    ]
