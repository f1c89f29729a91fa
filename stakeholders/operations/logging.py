"""Log lines people can use and nobody can misuse: JSON in production (one object a line, with
time, level, logger, request id, organization and user id), readable text in development, and
never a token, a password or a person's words.

Signed links carry their token in the path (``/o/x/feedback/<token>/``) and Django logs paths
("Not Found: …"), so every line is passed through ``redact()``. Records keep only the fields
named here: Django attaches the request object to some records, and its repr holds the URL.
"""

import logging
from datetime import UTC, datetime

from django.core import mail
from django.utils.log import AdminEmailHandler
from django.views.debug import SafeExceptionReporterFilter
from pythonjsonlogger.json import JsonFormatter as BaseJsonFormatter

from stakeholders.operations import context
from stakeholders.operations.redaction import redact


class ContextFilter(logging.Filter):
    """Adds ``request_id``, ``organization`` and ``user_id`` to every record."""

    def filter(self, record):
        fields = context.current()
        # Django logs 4xx/5xx responses after the middleware has left (the request rides along).
        request = getattr(record, "request", None)
        organization = getattr(request, "organization", None)
        record.request_id = fields.get("request_id") or getattr(request, "id", None) or "-"
        record.organization = fields.get("organization") or getattr(organization, "slug", "-")
        record.user_id = context.user_id(request) or "-"
        return True


class TextFormatter(logging.Formatter):
    """Development: one readable line, with the request id and organization when there is one."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault(
            "fmt",
            "%(asctime)s %(levelname)s %(name)s [%(request_id)s %(organization)s] %(message)s",
        )
        super().__init__(*args, **kwargs)

    def format(self, record):
        _with_context(record)
        return redact(super().format(record))


# What a record may carry besides the message (everything else Django or libraries attach, such
# as the request object, stays out).
EXTRA_FIELDS = ("status_code", "task_name", "task_id", "duration_ms", "queue")


class JsonFormatter(BaseJsonFormatter):
    """Production: a JSON object a line, ready for Loki, Elasticsearch or CloudWatch."""

    def add_fields(self, log_data, record, message_dict):
        _with_context(record)
        log_data["time"] = datetime.fromtimestamp(record.created, UTC).isoformat(
            timespec="milliseconds"
        )
        log_data["level"] = record.levelname
        log_data["logger"] = record.name
        log_data["message"] = redact(record.getMessage())
        for name in ("request_id", "organization", "user_id"):
            value = getattr(record, name, "-")
            if value != "-":
                log_data[name] = value
        for name in EXTRA_FIELDS:
            if hasattr(record, name):
                log_data[name] = getattr(record, name)
        if record.exc_info:
            log_data["exception"] = redact(self.formatException(record.exc_info))


def _with_context(record):
    if not hasattr(record, "request_id"):
        ContextFilter().filter(record)


class ErrorMailHandler(AdminEmailHandler):
    """Error mail to ADMINS: the message and the traceback, redacted, with the request id to
    find the rest in the logs; no request dump, no local variables (they can hold case notes)."""

    def emit(self, record):
        _with_context(record)
        subject = redact(f"{record.levelname} [{record.request_id}]: {record.getMessage()}")
        body = redact(TextFormatter().format(record))
        mail.mail_admins(" ".join(subject.split())[:180], body, fail_silently=True)


class NoLocalsExceptionReporterFilter(SafeExceptionReporterFilter):
    """Outside DEBUG, reports of errors never show variables or form fields."""

    def get_traceback_frame_variables(self, request, tb_frame):
        return (
            []
            if self.is_active(request)
            else super().get_traceback_frame_variables(request, tb_frame)
        )

    def get_post_parameters(self, request):
        if self.is_active(request) and request is not None:
            return {name: self.cleansed_substitute for name in request.POST}
        return super().get_post_parameters(request)
