"""``manage.py rotate_encryption_keys``: re-encrypt every encrypted field with the first key of
FIELD_ENCRYPTION_KEYS, so an old key can be retired.

Steps: put the new key first (`FIELD_ENCRYPTION_KEYS=new,old`), restart, run this command, check
its counts, then drop the old key. Each row is rewritten with ``MultiFernet.rotate`` (which reads
with any listed key and writes with the first), in batches, across every organization.
"""

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django_scopes import scopes_disabled

from stakeholders.fields import PREFIX, EncryptedTextField, fernet

BATCH = 500


class Command(BaseCommand):
    help = (
        "Re-encrypt every encrypted field with the newest key (the first of FIELD_ENCRYPTION_KEYS)."
    )

    def handle(self, *args, **options):
        total = 0
        with scopes_disabled():  # a platform chore, openly across organizations
            for model in apps.get_models():
                columns = [
                    field.column
                    for field in model._meta.concrete_fields
                    if isinstance(field, EncryptedTextField)
                ]
                if columns:
                    rotated = self.rotate_table(model._meta.db_table, columns)
                    total += rotated
                    self.stdout.write(f"{model._meta.label}: {rotated} rows re-encrypted")
        self.stdout.write(self.style.SUCCESS(f"Done: {total} rows now use the newest key."))

    def rotate_table(self, table, columns):
        keys, rotated, last_id = fernet(), 0, 0
        quoted = ", ".join(connection.ops.quote_name(column) for column in columns)
        while True:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(
                    f"SELECT id, {quoted} FROM {connection.ops.quote_name(table)} "  # noqa: S608
                    "WHERE id > %s ORDER BY id LIMIT %s FOR UPDATE",
                    [last_id, BATCH],
                )
                rows = cursor.fetchall()
                if not rows:
                    return rotated
                for row_id, *values in rows:
                    new = [
                        PREFIX + keys.rotate(value[len(PREFIX) :].encode()).decode()
                        if value and value.startswith(PREFIX)
                        else value
                        for value in values
                    ]
                    assignments = ", ".join(f"{connection.ops.quote_name(c)} = %s" for c in columns)
                    cursor.execute(
                        f"UPDATE {connection.ops.quote_name(table)} SET {assignments} "  # noqa: S608
                        "WHERE id = %s",
                        [*new, row_id],
                    )
                    rotated += 1
                last_id = rows[-1][0]
