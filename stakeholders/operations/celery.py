"""Celery's side of operations, connected in ``config/celery.py``: the request id travels in the
headers of every task a request queues and comes back into the worker's log context; each task
is counted and timed for ``/metrics``; the worker logs through Django's LOGGING."""

import logging.config
import time

from django.conf import settings

from stakeholders.operations import context, metrics

_started = {}  # task id -> (monotonic start, context token); one task at a time per process


def add_request_id(headers=None, **kwargs):
    """before_task_publish: the queuing request's id (or the queuing task's) goes along."""
    request_id = context.current_request_id()
    if headers is not None and request_id and "request_id" not in headers:
        headers["request_id"] = request_id


def task_started(task_id=None, task=None, **kwargs):
    """task_prerun: bind the request id and the task to the log context, start the clock."""
    request_id = (
        getattr(task.request, "request_id", None)  # from the headers of a queued task
        or context.current_request_id()  # a task run in-process, inside its request
        or context.request_id_from(None)  # beat's own tasks
    )
    token = context.set_task(request_id=request_id, task=task.name)
    _started[task_id] = (time.monotonic(), token)


def task_finished(task_id=None, task=None, state=None, **kwargs):
    """task_postrun: count and time the run, and clear the context."""
    started, token = _started.pop(task_id, (None, None))
    seconds = time.monotonic() - started if started is not None else None
    metrics.record_task(name=task.name, state=(state or "UNKNOWN").lower(), seconds=seconds)
    if token is not None:
        context.reset(token)


def configure_logging(**kwargs):
    """setup_logging: the worker and beat log like the web processes (JSON in production)."""
    logging.config.dictConfig(settings.LOGGING)
