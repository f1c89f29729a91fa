"""The first middleware of every request: the health check, and the request id."""

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
