"""Django's PostgreSQL backend with the database as the second lock.

Every tenant table has a row-level security policy (``stakeholders.tenancy.rls``) that shows a
row only when its ``organization_id`` equals the session's ``steward.organization`` setting, or
when that setting is ``*`` (code that crosses organizations on purpose, inside
``scopes_disabled()``). This backend keeps the setting equal to the django-scopes scope of the
code running the query: before a statement, if the connection's setting differs from the current
scope, one ``set_config`` is sent first. So the same entry points that open a scope (the
middleware, the API base viewset, the Celery base task, the base command) set it, with no query
when nothing changed; outside any scope it is empty and tenant tables show nothing.

The setting is session-level because Django runs in autocommit (a ``SET LOCAL`` would end with
each statement). A rollback restores the value the transaction started with, so after one the
backend forgets what it sent and sends it again before the next statement.
"""

from django.db import DEFAULT_DB_ALIAS, DatabaseError
from django.db.backends.postgresql import base
from django_scopes.state import get_scope

from stakeholders import replica

SETTING = "steward.organization"
TRANSACTION_CONTROL = ("ROLLBACK", "SAVEPOINT", "RELEASE")


def current_database_scope():
    """'<id>' inside an organization's scope, '*' where scopes are disabled, '' elsewhere."""
    scope = get_scope()
    if not scope:
        return ""
    if not scope.get("_enabled", True):
        return "*"
    organization = scope.get("organization")
    return str(organization) if organization else ""


class DatabaseWrapper(base.DatabaseWrapper):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.applied_scope = None
        self.execute_wrappers.append(self._with_scope)
        if self.alias == DEFAULT_DB_ALIAS:  # a write sends the request's next reads here
            self.execute_wrappers.append(replica.note_writes)
        elif self.alias == replica.ALIAS:  # a replica that stops answering is left alone
            self.execute_wrappers.append(replica.replica_errors)

    def connect(self):
        try:
            super().connect()
        except DatabaseError:
            if self.alias == replica.ALIAS:  # the standby is down: its reads go to the primary
                replica.health.failed()
            raise

    def init_connection_state(self):
        super().init_connection_state()
        self.applied_scope = None

    def _rollback(self):
        super()._rollback()
        self.applied_scope = None

    def _savepoint_rollback(self, sid):
        super()._savepoint_rollback(sid)
        self.applied_scope = None

    def _with_scope(self, execute, sql, params, many, context):
        wanted = current_database_scope()
        if wanted != self.applied_scope and not str(sql).lstrip().upper().startswith(
            TRANSACTION_CONTROL
        ):
            with self.connection.cursor() as cursor:  # the driver's cursor: not a counted query
                cursor.execute("SELECT set_config(%s, %s, false)", [SETTING, wanted])
            self.applied_scope = wanted
        return execute(sql, params, many, context)
