"""The database router: marked read-only work to the replica, everything else to the primary.

The rules live in ``stakeholders.replica`` (what is marked, what a write changes, the few seconds
of stickiness); without ``DATABASES["replica"]`` every answer here is the primary's.
"""

from django.db import DEFAULT_DB_ALIAS

from stakeholders import replica


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        return replica.read_database()

    def db_for_write(self, model, **hints):
        # Not a sign of a write: Django also asks when a related object is assigned to an unsaved
        # instance. Writes are seen where they run (``replica.note_writes``).
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the same rows on both servers

    def allow_migrate(self, db, app_label, **hints):
        return False if db == replica.ALIAS else None  # a standby follows the primary's schema
