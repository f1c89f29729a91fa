"""Shared fixtures: real PostgreSQL, Redis and SMTP; two organizations to keep apart."""

import re
import socket
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller
from django.core.cache import cache

from stakeholders.models import Role
from stakeholders.tenancy.models import organization_scope
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory


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
