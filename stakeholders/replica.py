"""Reads on a streaming replica: which reads may go there, and when they must not.

With ``DATABASES["replica"]`` configured (REPLICA_DATABASE_URL), the router
(``config.routers.ReplicaRouter``) sends a read to the replica only when all of these hold:

- the code asked for it, in the open: it runs inside ``reads_from_replica()`` (a context manager
  and a decorator, used by reports, search, dashboards, API lists and exports). Nothing else is
  guessed: a read that was not marked goes to the primary;
- nothing has been written in this request (or task) so far: after the first write (a save, an
  update, a delete, ``select_for_update`` — seen as the statement runs on the primary, by
  ``note_writes``), every read of the request goes to the primary, which holds what was just
  written — except the request's own bookkeeping (``BOOKKEEPING``);
- no transaction is open on the primary (a read inside ``atomic()`` belongs with its writes);
- the user (or, without one, the browser) has not written in the last ``REPLICA_STICKY_SECONDS``:
  a request with an unsafe method (POST, PUT, PATCH, DELETE) pins its user to the primary for
  that window — a cache key per user, which also covers API tokens, and a cookie for the browser —
  so a list shown right after a save shows the save, whatever the replica's lag.

And the replica must be fit to serve (``Health``): each process asks it, at most every
``REPLICA_CHECK_SECONDS``, how far behind it is; farther than ``REPLICA_MAX_LAG_SECONDS``, or
not answering (a connection error, there or in any read sent to it), and reads go back to the
primary until the next check says otherwise — the site stays up when the standby is down.

Without a replica everything goes to ``default``, exactly as before. The replica connects as the
application's role with the same engine, so the organization scope (``steward.organization``) is
set on it the same way and row-level security holds there too; it is read-only (a standby is, and
its connection also says ``default_transaction_read_only``).
"""

import contextlib
import contextvars
import logging
import re
import threading
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db import (
    DEFAULT_DB_ALIAS,
    DatabaseError,
    InterfaceError,
    OperationalError,
    connections,
)

logger = logging.getLogger(__name__)

ALIAS = "replica"
STICKY_COOKIE = "steward_primary_until"
SAFE_METHODS = ("GET", "HEAD", "OPTIONS", "TRACE")
# Writes a read request makes for its own records (a token's "last used", the audit of an
# export, a session): no read of the request looks for them, so they leave its reads where they
# were.
BOOKKEEPING = frozenset({"stakeholders_apitoken", "stakeholders_auditevent", "django_session"})
WRITE = re.compile(r'\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)', re.IGNORECASE)


@dataclass
class _State:
    """What the router needs to know about the running request or task."""

    request: object = None
    reads: int = 0  # depth of reads_from_replica()
    wrote: bool = False
    pinned: bool | None = None  # None: not looked up yet
    replica_reads: int = 0  # how many reads the router sent to the replica


_state = contextvars.ContextVar("steward_replica_state", default=None)


def configured():
    """A replica is configured and reads may use it (REPLICA_READS=0 sends them all back to the
    primary and leaves the replica configured: a lagging replica, an incident)."""
    return getattr(settings, "REPLICA_READS", True) and ALIAS in settings.DATABASES


def sticky_seconds():
    return getattr(settings, "REPLICA_STICKY_SECONDS", 5)


# How far behind the standby is: 0 when it has replayed all it received (an idle primary sends
# nothing, so the last replayed commit's age is not lag then), else the age of that commit.
LAG_SQL = """
SELECT CASE WHEN pg_last_wal_receive_lsn() IS NOT DISTINCT FROM pg_last_wal_replay_lsn() THEN 0
ELSE COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()), 0) END
"""


class Health:
    """Whether this process may send reads to the replica: asked of the replica at most every
    ``REPLICA_CHECK_SECONDS``; a read there that can't reach it marks it unfit until the next
    check."""

    def __init__(self):
        self.lock = threading.Lock()
        self.usable, self.next_check = True, 0.0

    def check(self):
        if time.monotonic() < self.next_check:
            return self.usable
        with self.lock:
            if time.monotonic() >= self.next_check:  # one thread asks, the others wait for it
                self.usable = self._measure()
                self.next_check = time.monotonic() + _check_seconds()
        return self.usable

    def failed(self):
        """The replica could not be reached: the primary until the next check."""
        self.usable, self.next_check = False, time.monotonic() + _check_seconds()

    def _measure(self):
        limit = getattr(settings, "REPLICA_MAX_LAG_SECONDS", 30)
        try:
            with connections[ALIAS].cursor() as cursor:
                cursor.execute(LAG_SQL)
                lag = float(cursor.fetchone()[0])
        except DatabaseError:
            connections[ALIAS].close()
            logger.warning("Replica not answering: reads go to the primary until it does.")
            return False
        if lag > limit:
            logger.warning(
                "Replica %.0f s behind (limit %s s): reads go to the primary.", lag, limit
            )
            return False
        return True


def _check_seconds():
    return getattr(settings, "REPLICA_CHECK_SECONDS", 5)


health = Health()


def replica_errors(execute, sql, params, many, context):
    """An execute wrapper of the replica's connection: a read that loses it (or that the
    standby's recovery cancels) marks it unfit, so the next reads go to the primary."""
    try:
        return execute(sql, params, many, context)
    except (OperationalError, InterfaceError):
        health.failed()
        raise


def _current():
    state = _state.get()
    if state is None:
        state = _State()
        _state.set(state)
    return state


class reads_from_replica(contextlib.ContextDecorator):
    """Mark the reads of a block or a view as read-only work the replica may serve. Holds no
    state of its own: one decorated view serves many threads."""

    def __enter__(self):
        state = _current()
        state.reads += 1
        return state

    def __exit__(self, *exc):
        _current().reads -= 1
        return False


def reads_from_replica_until_response():
    """Mark the rest of the request's reads as read-only work (the API's lists and exports,
    from the base viewset); the middleware forgets it with the request. Outside a request with a
    replica, nothing."""
    state = _state.get()
    if state is not None and state.request is not None:
        state.reads += 1


def read_database():
    """The alias a read should use now: ``replica`` when the rules above allow, else None (the
    router then falls back to the instance's database or ``default``)."""
    state = _state.get()
    if state is None or not state.reads or state.wrote or not configured():
        return None
    if connections[DEFAULT_DB_ALIAS].in_atomic_block or not health.check():
        return None
    if state.pinned is None:
        state.pinned = True  # while looking it up (a session or user query): the primary
        state.pinned = _pinned(state.request)
    if state.pinned:
        return None
    state.replica_reads += 1
    return ALIAS


def database_now():
    """The alias for reads made later, after the request's state is gone (a streamed export):
    decided inside the marked block, before the request writes its audit row."""
    return read_database() or DEFAULT_DB_ALIAS


def note_writes(execute, sql, params, many, context):
    """An execute wrapper of the primary's connection: after a statement that writes (INSERT,
    UPDATE, DELETE other than bookkeeping, or SELECT … FOR UPDATE), the rest of the request or
    task reads from the primary. Only looks while a request (or task) could still use the
    replica."""
    state = _state.get()
    if state is not None and not state.wrote:
        text = sql if isinstance(sql, str) else str(sql)
        write = WRITE.match(text)
        if (write and write.group(1) not in BOOKKEEPING) or " FOR UPDATE" in text:
            state.wrote = True
    return execute(sql, params, many, context)


def _pin_key(user_id):
    return f"replica-pin:user:{user_id}"


def _pinned(request):
    """Whether this user (or browser) wrote in the last few seconds. In doubt (the cache is
    down), the primary."""
    if request is None:
        return False
    try:
        if float(request.COOKIES.get(STICKY_COOKIE, "0")) > time.time():
            return True
    except ValueError:
        pass
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return False
    try:
        return bool(cache.get(_pin_key(user.pk)))
    except Exception:  # any cache failure: read from the primary
        return True


def _pin(request, response):
    seconds = sticky_seconds()
    response.set_cookie(
        STICKY_COOKIE,
        f"{time.time() + seconds:.0f}",
        max_age=seconds,
        httponly=True,
        samesite="Lax",
        secure=request.is_secure(),
    )
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        with contextlib.suppress(Exception):  # the cookie still pins a browser
            cache.set(_pin_key(user.pk), 1, timeout=seconds)


class ReplicaMiddleware:
    """Starts each request with a fresh state (nothing written, not pinned); a request with an
    unsafe method reads from the primary throughout and pins its user there for a few seconds.
    Does nothing without a replica."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not configured():
            return self.get_response(request)
        unsafe = request.method not in SAFE_METHODS
        token = _state.set(_State(request=request, wrote=unsafe))
        try:
            response = self.get_response(request)
            if unsafe and response.status_code < 500:
                _pin(request, response)
            return response
        finally:
            _state.reset(token)


@contextlib.contextmanager
def fresh_state():
    """A new state for a unit of work outside a request (a task, a benchmark's run). Without
    one, work outside requests shares its thread's state: after its first write, every read of
    that thread stays on the primary — safe, and what Celery tasks get today."""
    token = _state.set(_State())
    try:
        yield _state.get()
    finally:
        _state.reset(token)
