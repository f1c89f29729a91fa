"""The access log refuses UPDATE in the database itself (rows can only be added)."""

from django.db import migrations

SQL = """
CREATE OR REPLACE FUNCTION clients_accesslog_refuse_update() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'clients_accesslog is append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER clients_accesslog_no_update BEFORE UPDATE ON clients_accesslog
    FOR EACH ROW EXECUTE FUNCTION clients_accesslog_refuse_update();
"""
REVERSE = """
DROP TRIGGER IF EXISTS clients_accesslog_no_update ON clients_accesslog;
DROP FUNCTION IF EXISTS clients_accesslog_refuse_update();
"""


class Migration(migrations.Migration):
    dependencies = [("clients", "0001_initial")]
    operations = [migrations.RunSQL(SQL, REVERSE)]
