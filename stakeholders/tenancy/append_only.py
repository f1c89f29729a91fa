"""Append-only tables, enforced by PostgreSQL: consent decisions, the client access log and the
audit log keep their history even against a bug or a raw SQL statement.

``AppendOnly(table)`` is a migration operation installing triggers that refuse UPDATE, DELETE
and TRUNCATE with a clear error. Three narrow exceptions, each said in the open:
- columns named in ``nullable`` may be set to NULL and nothing else (a foreign key with
  ``on_delete=SET_NULL``: deleting a user account keeps the rows, without the link);
- deleting a whole organization (``organization_delete``, a platform operation) may delete its
  rows: it sets ``steward.deleting_organization`` to that organization's id for its transaction;
- TRUNCATE when ``steward.allow_truncate`` is on, which only the test settings do (the suite
  empties every table between tests that commit).
"""

from django.db import migrations

FUNCTION = """
CREATE OR REPLACE FUNCTION steward_refuse_change() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        IF current_setting('steward.allow_truncate', true) = 'on' THEN
            RETURN NULL;
        END IF;
    ELSIF TG_OP = 'DELETE' THEN
        IF current_setting('steward.deleting_organization', true) = OLD.organization_id::text THEN
            RETURN OLD;
        END IF;
    ELSIF TG_OP = 'UPDATE' AND TG_NARGS > 0 THEN
        IF (to_jsonb(NEW) - TG_ARGV) = (to_jsonb(OLD) - TG_ARGV) AND NOT EXISTS (
            SELECT 1 FROM jsonb_each(to_jsonb(NEW))
            WHERE key = ANY(TG_ARGV) AND value <> 'null'::jsonb
        ) THEN
            RETURN NEW;
        END IF;
    END IF;
    RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""


class AppendOnly(migrations.RunSQL):
    def __init__(self, table, *, nullable=()):
        arguments = ", ".join(f"'{column}'" for column in nullable)
        forwards = f"""
{FUNCTION}
DROP TRIGGER IF EXISTS {table}_append_only ON {table};
DROP TRIGGER IF EXISTS {table}_no_truncate ON {table};
CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table}
    FOR EACH ROW EXECUTE FUNCTION steward_refuse_change({arguments});
CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table}
    FOR EACH STATEMENT EXECUTE FUNCTION steward_refuse_change();
"""
        backwards = f"""
DROP TRIGGER IF EXISTS {table}_append_only ON {table};
DROP TRIGGER IF EXISTS {table}_no_truncate ON {table};
"""
        super().__init__(forwards, backwards)
