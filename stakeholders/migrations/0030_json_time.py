from django.db import migrations

# A timestamptz as the API writes it in JSON (DRF's ISO 8601 in the organization's time zone:
# microseconds only when there are some, "Z" for UTC), for lines PostgreSQL writes itself
# (stakeholders/tenancy/sql_lines.py). A single expression, so the planner inlines it.
CREATE = """
CREATE FUNCTION steward_json_time(value timestamptz, zone text) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE AS $$
SELECT CASE WHEN value IS NULL THEN 'null' ELSE
    '"' || to_char(value AT TIME ZONE zone, 'YYYY-MM-DD"T"HH24:MI:SS')
    || CASE WHEN date_trunc('second', value) = value THEN ''
       ELSE to_char(value AT TIME ZONE zone, '.US') END
    || CASE WHEN value AT TIME ZONE zone = value AT TIME ZONE 'UTC' THEN 'Z'
       ELSE CASE WHEN value AT TIME ZONE zone < value AT TIME ZONE 'UTC' THEN '-' ELSE '+' END
           || to_char(make_interval(secs => abs(extract(epoch FROM
               (value AT TIME ZONE zone) - (value AT TIME ZONE 'UTC')))), 'HH24:MI') END
    || '"' END
$$;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("stakeholders", "0029_contact_newest"),
    ]

    operations = [
        migrations.RunSQL(CREATE, "DROP FUNCTION steward_json_time(timestamptz, text);"),
    ]
