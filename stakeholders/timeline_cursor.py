"""Timeline page cursors: (occurred_at, kind, key) packed into one URL-safe string."""

import base64
from datetime import datetime


def encode(sort_key):
    occurred_at, kind, key = sort_key
    raw = f"{occurred_at.isoformat()}|{kind}|{key}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode(value):
    """The sort key, or None for a missing or tampered cursor (the first page is shown)."""
    if not value:
        return None
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).decode()
        at, kind, key = raw.split("|")
        return datetime.fromisoformat(at), kind, int(key)
    except (ValueError, UnicodeDecodeError):
        return None
