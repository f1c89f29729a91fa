"""What every log line of a request or a task carries: its request id, organization and user.

The request id comes from the request's ``X-Request-ID`` (when a proxy set a sane one) or is made
here; it goes back in the response header and travels in the headers of every task the request
queues, so one id ties a click to the letters and emails it caused. The organization is bound
where the scope is opened (``organization_scope``), so every entry point gets it for free.
"""

import contextvars
import re
import uuid
from contextlib import contextmanager

from django.utils.functional import empty

_context = contextvars.ContextVar("steward_log_context", default={})  # noqa: B039 (never mutated)
REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


def current():
    return _context.get()


@contextmanager
def bind(**fields):
    """Add ``fields`` to the context for the block (nested blocks see the outer fields too)."""
    token = _context.set({**_context.get(), **fields})
    try:
        yield
    finally:
        _context.reset(token)


def set_task(**fields):
    """A worker starting a task: a fresh context (nothing of the previous task); the token
    restores the previous one."""
    return _context.set(dict(fields))


def reset(token):
    _context.reset(token)


def request_id_from(incoming):
    """The caller's id when it looks like one (no spaces, quotes or newlines to forge log lines
    with), else a new one."""
    if incoming and REQUEST_ID.match(incoming):
        return incoming
    return uuid.uuid4().hex


def current_request_id():
    return _context.get().get("request_id")


def user_id(request=None):
    """The signed-in user's id, if authentication has already happened (a log line must never
    trigger a session lookup itself)."""
    request = request if request is not None else _context.get().get("request")
    user = getattr(request, "user", None) if request is not None else None
    if user is None:
        return None
    wrapped = getattr(user, "_wrapped", user)  # SimpleLazyObject: only once it was evaluated
    if wrapped is empty:
        return None
    return getattr(wrapped, "pk", None)
