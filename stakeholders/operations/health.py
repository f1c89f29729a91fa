"""Whether this process can serve: the database and the broker answer."""

import redis
from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.utils.cache import add_never_cache_headers


def health_status():
    status = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        status["database"] = "ok"
    except Exception as exc:
        status["database"] = f"error: {exc.__class__.__name__}"
    if settings.CELERY_TASK_ALWAYS_EAGER:
        status["broker"] = "in-process"
    else:
        try:
            redis.Redis.from_url(settings.CELERY_BROKER_URL, socket_timeout=2).ping()
            status["broker"] = "ok"
        except redis.RedisError as exc:
            status["broker"] = f"error: {exc.__class__.__name__}"
    return status


def health_response():
    status = health_status()
    healthy = all(value in ("ok", "in-process") for value in status.values())
    response = JsonResponse(
        {"status": "ok" if healthy else "error", **status}, status=200 if healthy else 503
    )
    add_never_cache_headers(response)
    return response
