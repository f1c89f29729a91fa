"""Settings for every environment, read from environment variables with development defaults.

Production (`config.settings.production`) and tests (`config.settings.test`) are thin overrides.
One database engine everywhere: DATABASE_URL names a PostgreSQL server; without it, in development
(DEBUG) and tests, Steward starts its own embedded PostgreSQL in var/postgres (config/dbserver.py).
With no REDIS_URL, tasks run in-process.
"""

from email.utils import parseaddr
from pathlib import Path

import environ
from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from config import dbserver

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)
# Fail closed: outside DEBUG there is no fallback secret (development and tests set theirs).
SECRET_KEY = env("SECRET_KEY", default="dev-only-insecure-key-change-me" if DEBUG else "")
if not SECRET_KEY:
    raise ImproperlyConfigured(
        "SECRET_KEY is not set. In production, set it (and FIELD_ENCRYPTION_KEYS) in the "
        "environment or .env; for development use `make run` "
        "(DJANGO_SETTINGS_MODULE=config.settings.development)."
    )
# Fernet keys (comma-separated, newest first) for client free text encrypted at rest.
FIELD_ENCRYPTION_KEYS = env.list("FIELD_ENCRYPTION_KEYS", default=[])
if not FIELD_ENCRYPTION_KEYS and not DEBUG:  # DEBUG alone derives one from SECRET_KEY
    raise ImproperlyConfigured(
        "FIELD_ENCRYPTION_KEYS is not set: client case notes can't be encrypted. Generate one "
        "with `python -c 'from cryptography.fernet import Fernet; "
        "print(Fernet.generate_key().decode())'` and keep a copy apart from your backups."
    )
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000")

INSTALLED_APPS = [
    "stakeholders.admin_site.StewardAdminConfig",  # django.contrib.admin, behind allauth and MFA
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "csp",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "anymail",
    "stakeholders",
    "thankyous",
    "donors",
    "volunteers",
    "clients",
    "community",
]

MIDDLEWARE = [
    "stakeholders.operations.middleware.HealthCheckMiddleware",
    "stakeholders.operations.middleware.RequestIdMiddleware",
    "stakeholders.operations.metrics.MetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "stakeholders.integrations.middleware.ApiGZipMiddleware",  # token-authenticated API only
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "stakeholders.operations.middleware.RequestBodyLimitMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "stakeholders.replica.ReplicaMiddleware",  # does nothing without a replica
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "stakeholders.tenancy.middleware.OrganizationMiddleware",
    "stakeholders.languages.LanguageMiddleware",  # after Locale- and OrganizationMiddleware
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "stakeholders.context_processors.organization",
            ],
        },
    },
]


# --- Database -------------------------------------------------------------------------------
def database_from_environment():
    """DATABASE_URL's server, or the embedded one when EMBEDDED_POSTGRES is on (it is, with DEBUG
    and in the tests); anything else is refused rather than guessed. The engine is PostgreSQL's
    with the organization scope kept in step with row-level security."""
    url = env("DATABASE_URL", default="")
    if url:
        database = env.db_url_config(url)
    elif env.bool("EMBEDDED_POSTGRES", default=DEBUG):
        database = dbserver.ensure_running()
    else:
        raise ImproperlyConfigured(
            "Set DATABASE_URL (postgres://user:password@host:5432/steward); for development use "
            "`make run` (config.settings.development starts an embedded PostgreSQL)."
        )
    if database["ENGINE"] != "django.db.backends.postgresql":
        raise ImproperlyConfigured(
            "Steward runs on PostgreSQL only: DATABASE_URL must be postgres://"
        )
    database["ENGINE"] = "stakeholders.tenancy.postgresql"
    return tune_database(database)


def database_owner_from_environment():
    """Who owns the tables and runs migrations and backups (DATABASE_OWNER_URL, the embedded
    server's owner role), when that is not the application's own role."""
    url = env("DATABASE_OWNER_URL", default="")
    if url:
        owner = env.db_url_config(url)
        return {"USER": owner["USER"], "PASSWORD": owner["PASSWORD"]}
    if not env("DATABASE_URL", default="") and env.bool("EMBEDDED_POSTGRES", default=DEBUG):
        return {"USER": dbserver.OWNER, "PASSWORD": ""}
    return None


def tune_database(database):
    """Connection settings: reuse connections; trigram thresholds for the search (a name with two
    typos scores ~0.5; pg_trgm's defaults, 0.6 and 0.3, miss it or match so many that ranking
    them is slow)."""
    database["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    database["CONN_HEALTH_CHECKS"] = True
    database.setdefault("OPTIONS", {})["options"] = (
        "-c pg_trgm.word_similarity_threshold=0.45 -c pg_trgm.similarity_threshold=0.45"
    )
    return database


DATABASES = {"default": database_from_environment()}
# Row-level security holds when the application connects as a role that owns no table: then
# migrations (and backups) run as the owner named here (stakeholders/tenancy/rls.py).
DATABASE_OWNER = database_owner_from_environment()
DATABASE_APP_USER = DATABASES["default"]["USER"]
DATABASE_APP_PASSWORD = DATABASES["default"]["PASSWORD"]
# Reads on a streaming replica (stakeholders/replica.py): marked read-only work goes there, the
# rest, and every read right after a write, to the primary. Without the URL, all on "default".
REPLICA_DATABASE_URL = env("REPLICA_DATABASE_URL", default="")
if REPLICA_DATABASE_URL:
    DATABASES["replica"] = tune_database(env.db_url_config(REPLICA_DATABASE_URL))
    DATABASES["replica"]["ENGINE"] = DATABASES["default"]["ENGINE"]  # the scope, as on "default"
    DATABASES["replica"]["OPTIONS"]["options"] += " -c default_transaction_read_only=on"
    # A standby that doesn't answer is given up on quickly: reads then go to the primary.
    DATABASES["replica"]["OPTIONS"]["connect_timeout"] = env.int("REPLICA_CONNECT_TIMEOUT", 2)
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["config.routers.ReplicaRouter"]
REPLICA_STICKY_SECONDS = env.int("REPLICA_STICKY_SECONDS", default=5)
REPLICA_READS = env.bool("REPLICA_READS", default=True)  # 0: every read on the primary again
# Each process asks the replica how far behind it is at most this often; farther than the limit,
# or not answering, and reads go to the primary until it catches up.
REPLICA_CHECK_SECONDS = env.int("REPLICA_CHECK_SECONDS", default=5)
REPLICA_MAX_LAG_SECONDS = env.int("REPLICA_MAX_LAG_SECONDS", default=30)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache and Celery -----------------------------------------------------------------------
REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": env("CACHE_URL", default=REDIS_URL),
            "KEY_PREFIX": env("CACHE_KEY_PREFIX", default="steward"),
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Each process keeps what every page draws alike — the staff header under a key of all it shows,
# the shortcuts dialog, the language switcher's options (base.html): a few microseconds to read
# here, where a round trip to Redis costs more than drawing them.
FRAGMENT_CACHE = {
    "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
    "LOCATION": "fragments",
    "OPTIONS": {"MAX_ENTRIES": 2000},
}
CACHES["fragments"] = FRAGMENT_CACHE

CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TASK_TIME_LIMIT = 15 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 14 * 60
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A task unacknowledged after this long is redelivered: keep it above the hard time limit.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 60 * 60}
CELERY_TIMEZONE = "UTC"
# Queues by kind of work, so a night of letters never delays a password-reset-fast email and an
# import never holds up either: production runs a worker per queue (docker-compose.yml).
CELERY_TASK_QUEUE_NAMES = ("default", "letters", "mail", "imports", "inbox")
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_ROUTES = {
    # PDF letters and the emails that carry them: CPU-heavy, run by the batch
    "thankyous.tasks.run_thankyou_batch": {"queue": "letters"},
    "thankyous.tasks.thank_due": {"queue": "letters"},
    "thankyous.tasks.retry_thankyous": {"queue": "letters"},
    # Emails people wait for or that go out on a schedule
    "volunteers.tasks.send_signup_confirmations": {"queue": "mail"},
    "volunteers.tasks.send_portal_link": {"queue": "mail"},
    "volunteers.tasks.signup_confirmed_notify": {"queue": "mail"},
    "volunteers.tasks.send_reminders_for": {"queue": "mail"},
    "donors.tasks.send_due_update": {"queue": "mail"},
    "donors.tasks.send_welcome_call_list": {"queue": "mail"},
    "thankyous.tasks.alert_organization": {"queue": "mail"},
    "clients.tasks.escalate": {"queue": "mail"},
    # Texts Twilio delivered, filed into the inbox (a burst must not wait behind other work)
    "stakeholders.inbox.tasks.file_received_texts": {"queue": "inbox"},
    # Long reads of uploaded files and whole-organization scans
    "stakeholders.tasks.check_import": {"queue": "imports"},
    "stakeholders.tasks.run_import": {"queue": "imports"},
    "stakeholders.tasks.scan_duplicates": {"queue": "imports"},
    "stakeholders.tasks.check_new_contacts_for_duplicates": {"queue": "imports"},
    "stakeholders.integrations.tasks.run_export": {"queue": "imports"},
    # Everything else (beat's fan-outs, nightly jobs, reindexing) goes to "default".
}
CELERY_BEAT_SCHEDULE = {
    "community-session-reminders": {
        "task": "community.tasks.send_session_reminders",
        "schedule": 5 * 60,
    },
    "purge-expired-invitations": {
        "task": "stakeholders.tasks.purge_expired_invitations",
        "schedule": 60 * 60,
    },
    "thank-you-batches": {
        "task": "thankyous.tasks.run_thankyou_batches",
        "schedule": crontab(minute=5),
    },
    "thank-you-retries": {
        "task": "thankyous.tasks.retry_refused_thankyous",
        "schedule": 5 * 60,
    },
    "thank-you-alerts": {
        "task": "thankyous.tasks.alert_overdue_thankyous",
        "schedule": crontab(minute=35),
    },
    "send-donor-updates": {
        "task": "donors.tasks.send_donor_updates",
        "schedule": 15 * 60,
    },
    "welcome-call-lists": {
        "task": "donors.tasks.send_welcome_call_lists",
        "schedule": crontab(minute=10),
    },
    "escalate-service-requests": {
        "task": "clients.tasks.escalate_all",
        "schedule": 5 * 60,
    },
    "volunteer-signup-confirmations": {
        "task": "volunteers.tasks.sweep_signup_confirmations",
        "schedule": 60,
    },
    "volunteer-shift-reminders": {
        "task": "volunteers.tasks.send_shift_reminders",
        "schedule": crontab(minute=20),
    },
    "experience-surveys": {
        "task": "stakeholders.experience.tasks.send_due_surveys",
        "schedule": 10 * 60,
    },
    "experience-recovery-escalation": {
        "task": "stakeholders.experience.tasks.escalate_recovery_cases",
        "schedule": 5 * 60,
    },
    "experience-journeys": {
        "task": "stakeholders.experience.tasks.refresh_journeys",
        "schedule": 15 * 60,
    },
    "experience-keep-in-touch": {
        "task": "stakeholders.experience.tasks.run_keep_in_touch",
        "schedule": crontab(minute=50),
    },
    "inbox-escalation": {
        "task": "stakeholders.inbox.tasks.escalate_all",
        "schedule": 5 * 60,
    },
    "inbox-file-received-texts": {
        "task": "stakeholders.inbox.tasks.file_received_texts_all",
        "schedule": 60,
    },
    "inbox-wake-snoozed": {
        "task": "stakeholders.inbox.tasks.wake_snoozed_all",
        "schedule": 2 * 60,
    },
    "webhook-deliveries": {
        "task": "stakeholders.integrations.tasks.deliver_due",
        "schedule": 60,
    },
    "integrations-purge": {
        "task": "stakeholders.integrations.tasks.purge_integrations",
        "schedule": crontab(minute=25),
    },
    "volunteer-nightly": {
        "task": "volunteers.tasks.volunteer_nightly",
        "schedule": crontab(hour=3, minute=40),
    },
    "community-trend-reports": {  # hourly: each organization's run at its own early morning
        "task": "community.tasks.trend_reports",
        "schedule": crontab(minute=45),
    },
    "community-digests": {  # hourly: each organization's digest goes at its own morning
        "task": "community.tasks.send_digests",
        "schedule": crontab(minute=15),
    },
}

# --- Accounts -------------------------------------------------------------------------------
AUTH_USER_MODEL = "stakeholders.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "organization_picker"
ACCOUNT_LOGOUT_REDIRECT_URL = "account_login"
ACCOUNT_ADAPTER = "stakeholders.adapters.AccountAdapter"
ACCOUNT_ALLOW_SIGNUP = env.bool("ACCOUNT_ALLOW_SIGNUP", default=True)
ACCOUNT_SIGNUP_FORM_CLASS = "stakeholders.forms.SignupDetailsForm"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Steward] "
ACCOUNT_RATE_LIMITS = {
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/m/ip",
    "reset_password": "20/m/ip,5/m/key",
    "confirm_email": "1/3m/key",
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Steward"
SESSION_COOKIE_AGE = 60 * 60 * 12
# Sessions are read from the shared cache and written through to the database: a query less on
# every staff page. Only with Redis: a cache of each process's own would keep a session that was
# ended (logout) alive in the other processes.
SESSION_ENGINE = "django.contrib.sessions.backends." + ("cached_db" if REDIS_URL else "db")
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True

# The public volunteer signup form: rate limits (django-ratelimit rates) and the least time a
# person takes to fill it in (faster is a bot). Load tests raise the per-IP rate.
VOLUNTEER_SIGNUP_IP_RATE = env("VOLUNTEER_SIGNUP_IP_RATE", default="20/h")
VOLUNTEER_SIGNUP_EMAIL_RATE = env("VOLUNTEER_SIGNUP_EMAIL_RATE", default="3/h")
VOLUNTEER_SIGNUP_MIN_SECONDS = env.int("VOLUNTEER_SIGNUP_MIN_SECONDS", default=3)
# The community's join and sign-in forms (per IP address, per email address).
COMMUNITY_JOIN_IP_RATE = env("COMMUNITY_JOIN_IP_RATE", default="20/h")
COMMUNITY_JOIN_EMAIL_RATE = env("COMMUNITY_JOIN_EMAIL_RATE", default="5/h")
COMMUNITY_FORM_MIN_SECONDS = env.int("COMMUNITY_FORM_MIN_SECONDS", default=3)
# "Remind me" clicks on the community's expert hours, per IP address.
COMMUNITY_REMIND_IP_RATE = env("COMMUNITY_REMIND_IP_RATE", default="30/h")
# Questions, answers, comments and ideas per IP address (per member: the organization's setting).
COMMUNITY_POSTS_IP_RATE = env("COMMUNITY_POSTS_IP_RATE", default="30/h")
# Reports of posts, per IP address and per member.
COMMUNITY_REPORT_IP_RATE = env("COMMUNITY_REPORT_IP_RATE", default="20/h")
COMMUNITY_REPORT_MEMBER_RATE = env("COMMUNITY_REPORT_MEMBER_RATE", default="10/h")
# A volunteer's calendar feed: reads per feed address and per IP address (calendar services such
# as Google's read many people's feeds from a few addresses, so that budget is larger).
VOLUNTEER_CALENDAR_FEED_RATE = env("VOLUNTEER_CALENDAR_FEED_RATE", default="60/h")
VOLUNTEER_CALENDAR_IP_RATE = env("VOLUNTEER_CALENDAR_IP_RATE", default="1000/h")
# New service requests from the public (request form and email together) per organization: past
# it the form answers 429 and the mail server is told to try again later.
CLIENTS_PUBLIC_REQUESTS_RATE = env("CLIENTS_PUBLIC_REQUESTS_RATE", default="100/h")

# The platform admin: at ADMIN_URL (a less guessable path cuts noise), or off altogether.
ADMIN_ENABLED = env.bool("ADMIN_ENABLED", default=True)
ADMIN_URL = env("ADMIN_URL", default="admin/").strip("/") + "/"

INVITATION_MAX_AGE_DAYS = env.int("INVITATION_MAX_AGE_DAYS", default=7)
LOGO_MAX_BYTES = 2 * 1024 * 1024

# --- Email ----------------------------------------------------------------------------------
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="filemail://")
if EMAIL_CONFIG["EMAIL_BACKEND"].endswith("filebased.EmailBackend"):
    # django-environ reads filemail:///abs/path as a relative path: name the folder here.
    EMAIL_CONFIG["EMAIL_FILE_PATH"] = env.path("EMAIL_FILE_PATH", default=VAR_DIR / "mail")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Steward <noreply@steward.localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)  # a hung SMTP server must not hang a worker
# Anymail's tracking webhooks (bounces, complaints, unsubscribes: ``stakeholders.email_webhooks``).
# WEBHOOK_SECRET: the "user:password" pairs the providers send as basic auth (several while
# rotating); without one the webhooks refuse every request. The providers' signing keys are
# checked too where the provider signs its webhooks.
ANYMAIL = {
    "WEBHOOK_SECRET": env.list("ANYMAIL_WEBHOOK_SECRET", default=[]),
    **{
        name: env(f"ANYMAIL_{name}")
        for name in (
            "MAILGUN_WEBHOOK_SIGNING_KEY",
            "POSTAL_WEBHOOK_KEY",
            "RESEND_SIGNING_SECRET",
            "MAILERSEND_SIGNING_SECRET",
        )
        if env(f"ANYMAIL_{name}", default="")
    },
}

# --- SMS and WhatsApp (stakeholders.inbox.twilio) -------------------------------------------
# "twilio" sends with each organization's Twilio account; "file" writes each outgoing message as
# a JSON file into MESSAGING_FILE_PATH (development: nothing leaves the machine).
MESSAGING_BACKEND = env("MESSAGING_BACKEND", default="file" if DEBUG else "twilio")
MESSAGING_FILE_PATH = env.path("MESSAGING_FILE_PATH", default=VAR_DIR / "messages")
# Empty: Twilio's real API. Tests point it at their fake Twilio (tests/twilio_server.py).
TWILIO_API_BASE = env("TWILIO_API_BASE", default="")
TWILIO_TIMEOUT = env.int("TWILIO_TIMEOUT", default=15)  # seconds; a hung API must not hang a worker

# The domain of the organizations' inbound addresses (<slug>-<key>@INBOUND_EMAIL_DOMAIN; its MX
# points at the email provider's inbound routing or at a local mail server piping to
# ``manage.py inbound_email``). Empty: no inbound address; replies go to the contact email.
INBOUND_EMAIL_DOMAIN = env("INBOUND_EMAIL_DOMAIN", default="")

# Behind a reverse proxy every visitor arrives from the proxy's address: name the request header
# the proxy sets to the client's address alone (e.g. HTTP_X_REAL_IP) so rate limits count people.
RATELIMIT_IP_META_KEY = env("RATELIMIT_IP_META_KEY", default=None)

# --- API ------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "stakeholders.tenancy.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # JSON only: a form-encoded body can't carry nested lists (a gift's soft credits,
    # allocations), which a form parser would drop without a word; anything else is a 415.
    "DEFAULT_PARSER_CLASSES": ["stakeholders.tenancy.parsers.JSONObjectParser"],
    # Per API token (or signed-in user) and per organization, in the cache (Redis); an empty
    # value turns a limit off. Over the limit: 429 with Retry-After.
    "DEFAULT_THROTTLE_CLASSES": ["stakeholders.tenancy.throttling.ApiRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "api_user": env("API_RATE_LIMIT_USER", default="600/min"),
        "api_organization": env("API_RATE_LIMIT_ORGANIZATION", default="3000/min"),
    },
    "DEFAULT_PAGINATION_CLASS": "stakeholders.tenancy.pagination.KeysetPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "stakeholders.tenancy.schema.StewardAutoSchema",
    "DEFAULT_RENDERER_CLASSES": ["stakeholders.tenancy.renderers.FastJSONRenderer"],
    "EXCEPTION_HANDLER": "stakeholders.tenancy.api.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
# --- Webhooks out (stakeholders.integrations) ---------------------------------------------------
# Never to a private, loopback, link-local or reserved address (no SSRF), checked at save and at
# each send; only tests turn this on, for their loopback receivers.
WEBHOOKS_ALLOW_PRIVATE = env.bool("WEBHOOKS_ALLOW_PRIVATE", default=False)
WEBHOOKS_REQUIRE_HTTPS = env.bool("WEBHOOKS_REQUIRE_HTTPS", default=not DEBUG)
WEBHOOKS_TIMEOUT = env.int("WEBHOOKS_TIMEOUT", default=10)  # seconds per delivery
WEBHOOKS_MAX_ATTEMPTS = env.int("WEBHOOKS_MAX_ATTEMPTS", default=12)  # about 2½ days of retries
# An endpoint is turned off (and its admins emailed) after this many failures in a row, or
# when it has failed for this many days without a success.
WEBHOOKS_DISABLE_AFTER_FAILURES = env.int("WEBHOOKS_DISABLE_AFTER_FAILURES", default=20)
WEBHOOKS_DISABLE_AFTER_DAYS = env.int("WEBHOOKS_DISABLE_AFTER_DAYS", default=3)
WEBHOOKS_KEEP_DAYS = env.int("WEBHOOKS_KEEP_DAYS", default=30)  # events and their delivery log
# Background exports (``POST …/exports/``): their files are deleted this long after they were asked
# for.
EXPORTS_KEEP_DAYS = env.int("EXPORTS_KEEP_DAYS", default=7)

SPECTACULAR_SETTINGS = {
    "TITLE": "Steward API",
    "DESCRIPTION": "The API the Steward staff UI and integrations share. Every route lives under "
    "/api/v1/o/{org_slug}/ and sees only that organization's data.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "DEFAULT_GENERATOR_CLASS": "stakeholders.tenancy.api.UnscopedSchemaGenerator",
    # group operations by resource (the segment after the organization), not all under "v1"
    "SCHEMA_PATH_PREFIX": r"/api/v1/o/\{org_slug\}",
    # the providers' webhooks into the shared inbox (Twilio, email) are documented as paths too
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "stakeholders.inbox.api.webhook_docs.document_webhooks",
    ],
    "ENUM_NAME_OVERRIDES": {
        "RequestChannelEnum": "clients.models.RequestChannel",
        "RequestKindEnum": "clients.models.RequestKind",
        "LanguageEnum": "config.settings.base.LANGUAGES",
        "InteractionChannelEnum": "stakeholders.models.Channel",
        "RecoveryCaseStatusEnum": "stakeholders.experience.models.RecoveryCase.Status",
        "SurveyInvitationStatusEnum": "stakeholders.experience.models.SurveyInvitation.Status",
        "KeepInTouchRunStatusEnum": "stakeholders.experience.models.KeepInTouchRun.Status",
        "MessageChannelEnum": "stakeholders.inbox.models.MessageChannel",
        "ConversationStatusEnum": "stakeholders.inbox.models.ConversationStatus",
        "MessageStatusEnum": "stakeholders.inbox.models.MessageStatus",
        "CommunityPostStatusEnum": "community.models.PostStatus",
        "IdeaStatusEnum": "community.models.IdeaStatus",
        "PledgeStatusEnum": "donors.models.Pledge.Status",
        "RecurringGiftStatusEnum": "donors.models.RecurringGift.Status",
    },
}

# --- Languages ------------------------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", _("English")),
    ("es", _("Spanish")),
    ("fr", _("French")),
    ("fa", _("Persian")),
    ("km", _("Khmer")),
    ("kk", _("Kazakh")),
]
LOCALE_PATHS = [env.path("LOCALE_DIR", default=BASE_DIR / "locale")]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "UTC"

# --- Static and uploaded files --------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=VAR_DIR / "media")
MEDIA_URL = "/media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
FILE_UPLOAD_PERMISSIONS = 0o640
# Request sizes, refused before they are read: the whole body (413; three 10 MB attachments fit),
# form fields without the files, files kept in memory before they go to disk, fields and files.
REQUEST_BODY_MAX_BYTES = env.int("REQUEST_BODY_MAX_BYTES", default=32 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = 2560 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2560 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 1000  # a 100-row gift batch posts ~800
DATA_UPLOAD_MAX_NUMBER_FILES = 10
# Client attachments: outside MEDIA_ROOT, never served by URL (a staff view streams them).
PRIVATE_FILES_ROOT = env.path("PRIVATE_FILES_ROOT", default=VAR_DIR / "private")

# --- Security headers (production tightens the rest) ----------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [SELF],
        "object-src": [NONE],
    },
}

# --- Logs, errors, metrics ---------------------------------------------------------------------
# JSON lines in production (LOG_FORMAT=json, its default there), readable lines in development;
# each with the request id, organization and user; tokens and query strings redacted.
LOG_FORMAT = env("LOG_FORMAT", default="text")
LOG_LEVEL = env("LOG_LEVEL", default="INFO")


def logging_config(fmt, level):
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {
            "context": {"()": "stakeholders.operations.logging.ContextFilter"},
            "require_debug_false": {"()": "django.utils.log.RequireDebugFalse"},
        },
        "formatters": {
            "json": {"()": "stakeholders.operations.logging.JsonFormatter"},
            "text": {"()": "stakeholders.operations.logging.TextFormatter"},
        },
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "formatter": "json" if fmt == "json" else "text",
                "filters": ["context"],
            },
            "mail_admins": {  # ADMINS get errors by email: redacted, no variables
                "class": "stakeholders.operations.logging.ErrorMailHandler",
                "level": "ERROR",
                "filters": ["require_debug_false"],
            },
        },
        "root": {"handlers": ["console", "mail_admins"], "level": level},
        "loggers": {
            "django": {"handlers": ["console", "mail_admins"], "level": level, "propagate": False},
            "django.db.backends": {"level": "WARNING"},
            "weasyprint": {"level": "WARNING"},
            "fontTools": {"level": "WARNING"},
            "embedded_postgres": {"level": "WARNING"},
        },
    }


LOGGING = logging_config(LOG_FORMAT, LOG_LEVEL)
DEFAULT_EXCEPTION_REPORTER_FILTER = (
    "stakeholders.operations.logging.NoLocalsExceptionReporterFilter"
)
# "Name <address>" pairs, comma-separated: they get server errors by email.
ADMINS = [parseaddr(admin) for admin in env.list("ADMINS", default=[])]

# Sentry (or GlitchTip) when SENTRY_DSN is set; events carry no personal data.
SENTRY_DSN = env("SENTRY_DSN", default="")
if SENTRY_DSN:
    from stakeholders.operations import sentry

    sentry.init(
        dsn=SENTRY_DSN,
        environment=env("SENTRY_ENVIRONMENT", default="production"),
        release=env("SENTRY_RELEASE", default=None),
        traces_sample_rate=env.float("SENTRY_TRACES_SAMPLE_RATE", default=0.0),
    )

# /metrics for Prometheus: off unless a bearer token or the scraper's networks are set.
METRICS_TOKEN = env("METRICS_TOKEN", default="")
METRICS_ALLOWED_NETWORKS = env.list("METRICS_ALLOWED_NETWORKS", default=[])
