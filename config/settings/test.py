"""Tests: real PostgreSQL (the embedded server, or DATABASE_URL's) and Redis, fast password
hashing, own cache."""

import os

# What the tests need, said here rather than found by accident: the embedded server, a secret
# key and an encryption key that exist nowhere else.
os.environ.setdefault("EMBEDDED_POSTGRES", "1")
os.environ.setdefault("SECRET_KEY", "tests-only-secret-key-7d1f0c2b9a6e4358")
os.environ.setdefault("FIELD_ENCRYPTION_KEYS", "lEa7ZQvVjeXVj3ER6l4Vx0wXH9Qm4o5c7n1xZp8YJQk=")

from .base import *  # noqa: F403
from .base import env

# Two test runs side by side on one server: give each its own test database and Redis databases
# (TEST_DATABASE_NAME, TEST_CACHE_URL, TEST_BROKER_URL).
DATABASES["default"]["TEST"] = {"NAME": env("TEST_DATABASE_NAME", default=None)}  # noqa: F405
# Between tests that commit, the suite empties every table: append-only tables allow TRUNCATE
# only with this setting, which nothing but the tests sets (stakeholders/tenancy/append_only.py).
DATABASES["default"]["OPTIONS"]["options"] += " -c steward.allow_truncate=on"  # noqa: F405
REDIS_URL = env("REDIS_URL", default="redis://127.0.0.1:6379/0")
CACHES = {
    "default": {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": env("TEST_CACHE_URL", default="redis://127.0.0.1:6379/13"),
        "KEY_PREFIX": "steward-test",
    },
    "fragments": FRAGMENT_CACHE,  # noqa: F405
}
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"  # as production's, with Redis
CELERY_BROKER_URL = env("TEST_BROKER_URL", default="redis://127.0.0.1:6379/14")
# In-process unless a test starts a real worker (which reads CELERY_EAGER=0 from its environment).
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_EAGER", default=True)
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MEDIA_ROOT = VAR_DIR / "test-media"  # noqa: F405
EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
EMAIL_HOST = "127.0.0.1"
EMAIL_PORT = env.int("TEST_SMTP_PORT", default=8025)
STATIC_ROOT = None  # static files come from the app folders (finders); nothing is collected
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
PRIVATE_FILES_ROOT = env.path("TEST_PRIVATE_FILES_ROOT", default=VAR_DIR / "test-private")  # noqa: F405
# Texts never reach Twilio from a test: a file each, unless the test starts the fake Twilio
# server (tests/twilio_server.py's ``twilio_server`` fixture points the real backend at it).
MESSAGING_BACKEND = "file"
MESSAGING_FILE_PATH = VAR_DIR / "test-messages"  # noqa: F405
