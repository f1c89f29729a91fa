"""Production: the base settings, hardened. SECRET_KEY, ALLOWED_HOSTS and DATABASE_URL are
required; logs are JSON lines unless LOG_FORMAT says otherwise."""

from .base import *  # noqa: F403
from .base import LOG_LEVEL, env, logging_config

DEBUG = False
SECRET_KEY = env("SECRET_KEY")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")

SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = 60 * 60 * 24 * 365
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SESSION_COOKIE_NAME = "__Host-sessionid"
CSRF_COOKIE_NAME = "__Host-csrftoken"
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https"
# Webhooks go out over https to public addresses only, whatever the environment says.
WEBHOOKS_ALLOW_PRIVATE = False
WEBHOOKS_REQUIRE_HTTPS = True

LOGGING = logging_config(env("LOG_FORMAT", default="json"), LOG_LEVEL)
