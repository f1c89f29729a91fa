"""The first middleware of every request: the health check, the request id, and the ceiling on
a request's size."""

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from stakeholders.operations import context

HEALTH_PATH = "/healthz"


class RequestIdMiddleware:
    """Binds a request id (and the request, for the user id) to the log context and returns the
    id in ``X-Request-ID``, so a person reporting a problem can quote it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.id = context.request_id_from(request.headers.get("X-Request-ID"))
        with context.bind(request_id=request.id, request=request):
            response = self.get_response(request)
        response["X-Request-ID"] = request.id
        return response


class HealthCheckMiddleware:
    """Answers ``GET /healthz`` before the host check and the HTTPS redirect, so a container's
    health check (``curl localhost:8000/healthz``) works with the real ALLOWED_HOSTS and behind
    a TLS proxy. It says only whether the database and the broker answer."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info == HEALTH_PATH and request.method in ("GET", "HEAD"):
            from stakeholders.operations.health import health_response

            return health_response()
        return self.get_response(request)


class RequestBodyLimitMiddleware:
    """Refuses a request whose body is larger than ``REQUEST_BODY_MAX_BYTES`` with 413, before
    anything reads it. Django reads a body only up to its Content-Length (one without is empty
    to it), so the header is the size; ``DATA_UPLOAD_MAX_MEMORY_SIZE`` caps the form fields but
    not the files, which would otherwise be streamed to disk whatever their size."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0  # Django reads nothing of a body whose length it can't read
        if length > settings.REQUEST_BODY_MAX_BYTES:
            return self.too_large(request)
        return self.get_response(request)

    def too_large(self, request):
        limit = settings.REQUEST_BODY_MAX_BYTES // (1024 * 1024)
        message = _("What you sent is too large: at most %(limit)d MB at a time.") % {
            "limit": limit
        }
        if request.path_info.startswith("/api/"):
            return JsonResponse({"detail": message}, status=413)
        return render(request, "413.html", {"message": message}, status=413)
