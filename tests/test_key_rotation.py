"""Rotating the field-encryption key: every encrypted value is rewritten with the new key, so
the old key can be retired."""

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.db import connection
from django_scopes import scopes_disabled

from clients.models import ServiceRequest
from stakeholders.fields import PREFIX
from stakeholders.tenancy.models import organization_scope
from tests.factories import ServiceRequestFactory

pytestmark = pytest.mark.django_db


def stored(request_id):
    with scopes_disabled(), connection.cursor() as cursor:
        cursor.execute("SELECT subject FROM clients_servicerequest WHERE id = %s", [request_id])
        return cursor.fetchone()[0]


def test_rotation_rewrites_every_value_with_the_newest_key(settings, org_a, org_b, capsys):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [old]
    with organization_scope(org_a):
        first = ServiceRequestFactory(contact__organization=org_a, subject="Eviction notice")
    with organization_scope(org_b):
        second = ServiceRequestFactory(contact__organization=org_b, subject="Rent arrears")
    assert Fernet(old).decrypt(stored(first.pk)[len(PREFIX) :]) == b"Eviction notice"

    settings.FIELD_ENCRYPTION_KEYS = [new, old]
    call_command("rotate_encryption_keys")
    assert "clients.ServiceRequest: 2 rows re-encrypted" in capsys.readouterr().out

    settings.FIELD_ENCRYPTION_KEYS = [new]  # the old key is retired
    for request, subject in ((first, "Eviction notice"), (second, "Rent arrears")):
        assert Fernet(new).decrypt(stored(request.pk)[len(PREFIX) :]).decode() == subject
        with organization_scope(request.organization):
            assert ServiceRequest.objects.get(pk=request.pk).subject == subject
