"""Encrypted text at rest: client case notes, request descriptions and messages, conversation
messages, messaging credentials.

Uses ``cryptography``'s MultiFernet (AES-128-CBC + HMAC-SHA256). Keys come from the
``FIELD_ENCRYPTION_KEYS`` environment variable (comma-separated, newest first), so a key can be
rotated: new rows are written with the first key, old rows still read with the others.
"""

import base64
import hashlib
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models

PREFIX = "fernet:"


@lru_cache(maxsize=4)
def _fernet(keys):
    return MultiFernet([Fernet(key.encode() if isinstance(key, str) else key) for key in keys])


def fernet():
    keys = tuple(getattr(settings, "FIELD_ENCRYPTION_KEYS", ()) or ())
    if not keys:
        if not settings.DEBUG:
            raise ImproperlyConfigured("Set FIELD_ENCRYPTION_KEYS (Fernet keys, comma-separated).")
        # Development only: a key derived from the (development) secret key.
        digest = hashlib.sha256(f"fields:{settings.SECRET_KEY}".encode()).digest()
        keys = (base64.urlsafe_b64encode(digest).decode(),)
    return _fernet(keys)


def encrypt(value):
    if value in (None, ""):
        return value
    return PREFIX + fernet().encrypt(str(value).encode()).decode()


def decrypt(value):
    if not value or not value.startswith(PREFIX):
        return value
    try:
        return fernet().decrypt(value[len(PREFIX) :].encode()).decode()
    except InvalidToken as error:
        raise ImproperlyConfigured(
            "An encrypted field can't be read with the configured keys."
        ) from error


class EncryptedTextField(models.TextField):
    """A TextField stored encrypted. It can't be searched or sorted in SQL — by design."""

    def from_db_value(self, value, expression, connection):
        return decrypt(value)

    def to_python(self, value):
        return decrypt(value) if isinstance(value, str) else value

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        return encrypt(value)

    def get_lookup(self, lookup_name):
        if lookup_name not in ("isnull", "exact"):
            return None  # contains/icontains over ciphertext would silently match nothing
        return super().get_lookup(lookup_name)
