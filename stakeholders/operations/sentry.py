"""Error reports to Sentry (or GlitchTip, which speaks the same protocol) when SENTRY_DSN is set.

Steward holds case notes of vulnerable people: an error report carries the stack and the route,
never a person's data. No default PII (no user emails, IP addresses or cookies), no request
bodies, no local variables, and every string that reaches the event is passed through the same
redaction as the logs (signed tokens in URLs, query strings).
"""

import sentry_sdk
from sentry_sdk.integrations.celery import CeleryIntegration
from sentry_sdk.integrations.django import DjangoIntegration
from sentry_sdk.integrations.logging import LoggingIntegration

from stakeholders.operations.redaction import redact

KEPT_HEADERS = {"User-Agent", "X-Request-Id", "X-Request-ID", "Content-Type", "Accept"}


def init(*, dsn, environment, release=None, traces_sample_rate=0.0):
    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        release=release,
        integrations=[DjangoIntegration(), CeleryIntegration(), LoggingIntegration()],
        send_default_pii=False,
        max_request_body_size="never",
        include_local_variables=False,
        traces_sample_rate=traces_sample_rate,
        before_send=scrub_event,
        before_breadcrumb=scrub_breadcrumb,
    )


def scrub_event(event, hint=None):
    """Keep what finds the bug (stack, route, request id, organization slug); drop the rest."""
    request = event.get("request") or {}
    if request:
        event["request"] = {
            "method": request.get("method"),
            "url": redact(request.get("url") or ""),
            "headers": {
                name: value
                for name, value in (request.get("headers") or {}).items()
                if name in KEPT_HEADERS
            },
        }
    user = event.get("user") or {}
    event["user"] = {"id": user["id"]} if user.get("id") else {}
    for value in (event.get("exception") or {}).get("values", []):
        if value.get("value"):
            value["value"] = redact(value["value"])
        for frame in (value.get("stacktrace") or {}).get("frames", []):
            frame.pop("vars", None)
    if event.get("logentry"):
        entry = event["logentry"]
        event["logentry"] = {"message": redact(entry.get("formatted") or entry.get("message"))}
    job = (event.get("contexts") or {}).get("celery-job")
    if job:  # task arguments can be email addresses
        job.pop("args", None)
        job.pop("kwargs", None)
    event.pop("extra", None)
    return event


def scrub_breadcrumb(crumb, hint=None):
    if crumb.get("category") in ("query", "django.db.backends"):
        return None  # SQL with its parameters
    if crumb.get("message"):
        crumb["message"] = redact(crumb["message"])
    crumb.pop("data", None)
    return crumb
