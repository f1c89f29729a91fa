"""The access log refused only UPDATE in the database: it now refuses DELETE and TRUNCATE too,
with the same triggers as consent and the audit log (only deleting a whole organization may
remove its rows)."""

from django.db import migrations

from stakeholders.tenancy.append_only import AppendOnly

OLD = """
DROP TRIGGER IF EXISTS clients_accesslog_no_update ON clients_accesslog;
DROP FUNCTION IF EXISTS clients_accesslog_refuse_update();
"""


class Migration(migrations.Migration):
    dependencies = [("clients", "0005_request_number")]

    operations = [migrations.RunSQL(OLD, migrations.RunSQL.noop), AppendOnly("clients_accesslog")]
