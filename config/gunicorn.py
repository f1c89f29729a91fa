"""gunicorn settings (`gunicorn config.wsgi -c config/gunicorn.py`), overridable by the usual
GUNICORN_CMD_ARGS or the environment variables below.

- Timeouts: a request that takes longer than GUNICORN_TIMEOUT (30 s) is killed and logged; long
  work belongs in Celery. `max_requests` recycles a worker now and then (with jitter, so not all
  at once), which bounds any slow leak.
- The access log names the path only (%(U)s), never the query string, and goes through the
  same redaction and format as the application's logs (JSON in production), with the request id.
- Behind the TLS proxy, FORWARDED_ALLOW_IPS names the proxy, so X-Forwarded-Proto is believed
  from it alone.
- Prometheus: with PROMETHEUS_MULTIPROC_DIR set, each worker writes its metrics there and a dead
  worker's files are marked (stakeholders/operations/metrics.py reads them all).
"""

import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "3"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "30"))
keepalive = 5
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "2000"))
max_requests_jitter = int(os.environ.get("GUNICORN_MAX_REQUESTS_JITTER", "200"))
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
limit_request_line = 8190
limit_request_fields = 100

accesslog = "-"
access_log_format = '%(h)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(M)sms request_id=%({x-request-id}o)s'
_production = os.environ.get("DJANGO_SETTINGS_MODULE", "").endswith("production")
_formatter = os.environ.get("LOG_FORMAT", "json" if _production else "text")
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {"()": "stakeholders.operations.logging.JsonFormatter"},
        "text": {"()": "stakeholders.operations.logging.TextFormatter"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": _formatter},
    },
    "loggers": {
        "gunicorn.error": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "gunicorn.access": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}


def child_exit(server, worker):
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
