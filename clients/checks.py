"""Deploy check: client free text can't be stored without encryption keys."""

from cryptography.fernet import Fernet
from django.conf import settings
from django.core.checks import Error, register


@register(deploy=True)
def encryption_keys(app_configs, **kwargs):
    keys = getattr(settings, "FIELD_ENCRYPTION_KEYS", None) or []
    if not keys:
        return [
            Error(
                "FIELD_ENCRYPTION_KEYS is not set: client case notes can't be encrypted.",
                hint='Generate one with python -c "from cryptography.fernet import Fernet; '
                'print(Fernet.generate_key().decode())" and keep it safe (losing it loses the '
                "notes).",
                id="clients.E001",
            )
        ]
    errors = []
    for key in keys:
        try:
            Fernet(key)
        except (ValueError, TypeError):
            errors.append(
                Error("A FIELD_ENCRYPTION_KEYS entry is not a Fernet key.", id="clients.E002")
            )
    return errors
