"""Webhook signatures, verifiable the way Stripe's are.

Each delivery carries ``Steward-Signature: t=<unix time>,v1=<hex>`` where the hex is
HMAC-SHA256 of ``f"{t}.{body}"`` keyed with the endpoint's secret (``whsec_…``). While a rolled
secret's grace period lasts there is one ``v1=`` per secret. A receiver checks that one of them
matches and that ``t`` is recent (replays of an old delivery fail)::

    import hashlib, hmac, time

    def verify(secret, body: bytes, header: str, tolerance=300):
        parts = [item.split("=", 1) for item in header.split(",")]
        t = next(v for k, v in parts if k == "t")
        expected = hmac.new(secret.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
        ok = any(k == "v1" and hmac.compare_digest(v, expected) for k, v in parts)
        return ok and abs(time.time() - int(t)) <= tolerance
"""

import hashlib
import hmac
import secrets
import time

HEADER = "Steward-Signature"
TOLERANCE_SECONDS = 300


def new_secret():
    return "whsec_" + secrets.token_urlsafe(32)


def signature(secret, timestamp, body):
    message = f"{timestamp}.".encode() + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def sign(*, secrets_, body, timestamp=None):
    """The header value for ``body`` (bytes) signed with each of ``secrets_``."""
    timestamp = int(time.time()) if timestamp is None else int(timestamp)
    parts = [f"t={timestamp}"] + [f"v1={signature(s, timestamp, body)}" for s in secrets_ if s]
    return ",".join(parts)


def verify(*, secret, body, header, tolerance=TOLERANCE_SECONDS, now=None):
    """Whether ``header`` signs ``body`` with ``secret`` within ``tolerance`` seconds."""
    try:
        parts = [item.split("=", 1) for item in header.split(",")]
        timestamp = int(next(value for name, value in parts if name == "t"))
    except (StopIteration, ValueError):
        return False
    expected = signature(secret, timestamp, body)
    matches = any(name == "v1" and hmac.compare_digest(value, expected) for name, value in parts)
    now = time.time() if now is None else now
    return matches and abs(now - timestamp) <= tolerance
