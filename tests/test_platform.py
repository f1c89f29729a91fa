"""Deployment checks, migrations, health, Celery settings, demo data and the OpenAPI schema."""

import secrets

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django_scopes import scopes_disabled

from config.celery import app as celery_app
from stakeholders.models import Membership, Organization, User
from tests.processes import last_line, manage, python


def test_production_settings_pass_the_deploy_check():
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_SETTINGS_MODULE="config.settings.production",
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS="steward.example.org",
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/postgres",
        REDIS_URL="redis://127.0.0.1:6379/0",
        FIELD_ENCRYPTION_KEYS="lEa7ZQvVjeXVj3ER6l4Vx0wXH9Qm4o5c7n1xZp8YJQk=",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


UNCONFIGURED = ("DJANGO_SETTINGS_MODULE", "SECRET_KEY", "FIELD_ENCRYPTION_KEYS", "DATABASE_URL",
                "DEBUG", "EMBEDDED_POSTGRES")  # fmt: skip


def test_every_entry_point_defaults_to_production_and_refuses_to_start_without_secrets():
    """manage.py, the WSGI app and the Celery app start with the production settings, which have
    no fallback secret: a forgotten variable stops start-up with a message that names it."""
    entry_points = [
        ("manage.py", "check"),
        ("-c", "import config.wsgi"),
        ("-c", "from config.celery import app; app.loader.import_default_modules()"),
    ]
    for args in entry_points:
        done = python(*args, unset=UNCONFIGURED)
        assert done.returncode != 0, args
        assert "SECRET_KEY is not set" in done.stderr, (args, done.stderr[-1500:])
    done = python("manage.py", "check", unset=UNCONFIGURED, SECRET_KEY="x" * 50)
    assert "FIELD_ENCRYPTION_KEYS is not set" in done.stderr
    keys = {"SECRET_KEY": "x" * 50, "FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode()}
    done = python("manage.py", "check", unset=UNCONFIGURED, **keys)
    assert "Set DATABASE_URL" in done.stderr  # no embedded database outside development
    development = {"DJANGO_SETTINGS_MODULE": "config.settings.development"}
    assert python("manage.py", "check", unset=UNCONFIGURED, **development).returncode == 0


def test_production_headers(client, settings):
    """CSP and the referrer policy are sent on every page."""
    response = client.get("/accounts/login/")
    assert "default-src 'self'" in response["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"


def test_migrations_are_complete():
    result = manage(
        "makemigrations", "--check", "--dry-run", DJANGO_SETTINGS_MODULE="config.settings.test"
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.django_db
def test_healthz_reports_database_and_broker(client, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:6379/14"
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "broker": "ok"}

    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"  # nothing listens there
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["broker"].startswith("error")


def test_celery_is_configured_not_to_lose_tasks():
    conf = celery_app.conf
    assert conf.task_serializer == "json" and conf.accept_content == ["json"]
    assert conf.task_acks_late and conf.task_reject_on_worker_lost
    assert conf.task_time_limit and conf.task_soft_time_limit < conf.task_time_limit
    assert conf.broker_transport_options["visibility_timeout"] > conf.task_time_limit
    assert "purge-expired-invitations" in conf.beat_schedule
    celery_app.loader.import_default_modules()  # what a worker does at start: autodiscovery
    assert celery_app.tasks["stakeholders.tasks.purge_expired_invitations"]


@pytest.mark.django_db
def test_seed_demo_is_idempotent_and_refuses_production(settings, capsys, mailbox):
    from donors.models import Gift

    settings.DEBUG = True
    call_command("seed_demo")
    counts = (Organization.objects.count(), User.objects.count(), Membership.objects.count())
    with scopes_disabled():
        gifts = Gift.objects.count()
    call_command("seed_demo")
    assert (
        Organization.objects.count(),
        User.objects.count(),
        Membership.objects.count(),
    ) == counts
    assert counts == (4, 16, 16)  # two English, one Khmer and one Persian organization
    from stakeholders.tenancy.models import organization_scope

    riverside = Organization.objects.get(slug="riverside")
    with organization_scope(riverside):
        from stakeholders.models import Contact, DuplicatePair, Interaction
        from thankyous.models import Acknowledgment

        assert Contact.objects.count() == 31
        assert Interaction.objects.exists() and DuplicatePair.objects.exists()
        assert Gift.objects.filter(organization=riverside).count() > 40  # each app's demo data
        assert Acknowledgment.objects.filter(state="sent").exists()  # older gifts thanked
        assert Acknowledgment.objects.count() < Gift.objects.count()  # this week's still to do
        from clients.models import Article, ServiceRequest

        assert ServiceRequest.objects.count() == 8 and Article.objects.count() == 3
        from volunteers.models import Assignment, HoursEntry, VolunteerProfile

        assert VolunteerProfile.objects.filter(status="applicant").count() == 3
        assert Assignment.objects.exists() and HoursEntry.objects.exists()
    with scopes_disabled():
        assert Gift.objects.count() == gifts  # a second run adds nothing
    assert "admin@riverside.example.org" in capsys.readouterr().out
    assert User.objects.get(email="admin@riverside.example.org").check_password("steward-demo")

    settings.DEBUG = False
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="DEBUG only"):
        call_command("seed_demo")


def test_the_openapi_schema_is_valid_and_warning_free(tmp_path):
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "s.yml"))
    assert "/api/v1/o/{org_slug}/invitations/" in (tmp_path / "s.yml").read_text()


SMOKE = """
from django.test import Client
from django.test.utils import setup_test_environment
from django.urls import URLResolver, get_resolver

from stakeholders.models import User

setup_test_environment()


def routes(patterns, prefix=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from routes(pattern.url_patterns, prefix + str(pattern.pattern))
        else:
            yield prefix + str(pattern.pattern)


staff = Client()
staff.force_login(User.objects.get(email="admin@riverside.example.org"))
visitor = Client()
org = "o/<slug:org_slug>/"
paths = [
    "/" + route.replace(org, "o/riverside/")
    for route in routes(get_resolver().url_patterns)
    if route.startswith(org) and "<" not in route[len(org):]
]
failures = [(path, staff.get(path).status_code, visitor.get(path).status_code) for path in paths]
print(len(paths), [f for f in failures if f[1] >= 500 or f[2] >= 500])
"""
SEARCH = """
from django.test import Client
from django.test.utils import setup_test_environment

from stakeholders.models import User

setup_test_environment()
staff = Client()
staff.force_login(User.objects.get(email="admin@riverside.example.org"))
found = []
for query, name in (("Mendosa", "Mendoza"), ("Priya Patle", "Patel")):
    page = staff.get("/o/riverside/contacts/", {"q": query}).content.decode()
    found.append(name if name in page else "missing " + query)
print(" ".join(found))
"""
SENT = """
from django_scopes import scopes_disabled

from thankyous.models import Acknowledgment

with scopes_disabled():
    print(Acknowledgment.objects.filter(state="sent").count())
"""


def test_make_run_serves_the_full_demo_on_a_fresh_embedded_postgres_without_redis(
    tmp_path, cluster_dir
):
    """`make run` on a fresh machine: no DATABASE_URL, so a new embedded PostgreSQL is created;
    no Redis, so tasks run in-process. Demo data, every page of the demo organization (staff and
    anonymous) without a server error, and the same typo-tolerant search as production."""
    environment = {
        "DJANGO_SETTINGS_MODULE": "config.settings.development",
        "EMBEDDED_POSTGRES_DIR": str(cluster_dir),
        "MEDIA_ROOT": str(tmp_path / "media"),
        "PRIVATE_FILES_ROOT": str(tmp_path / "private"),
        "unset": ("REDIS_URL", "DATABASE_URL"),
    }
    try:
        last_line(manage("migrate", "--noinput", "-v0", **environment))
        last_line(manage("seed_demo", **environment))
        count, failures = last_line(manage("shell", "-c", SMOKE, **environment)).split(" ", 1)
        assert int(count) > 40 and failures == "[]", failures
        assert last_line(manage("shell", "-c", SEARCH, **environment)) == "Mendoza Patel"
        thanked = last_line(manage("shell", "-c", SENT, **environment))
        assert int(thanked) > 10  # the demo's thank-yous went out through the file mail backend
    finally:
        last_line(python("-m", "config.dbserver", "stop", **environment))
