"""Secrets out of text bound for logs, error mail and error reports (no Django imports: the
settings use it for Sentry).

Signed links carry their token in the path (``/o/x/feedback/<token>/``), password-reset links a
key; query strings can carry anything. ``redact()`` replaces such path segments and every query
value, and ``password=…``-like pairs.
"""

import re

REDACTED = "[redacted]"
# A path segment that is a secret: Django's signed values (payload:signature, with ':'), or a
# long random key mixing cases and digits. Slugs and ids (lower case, short) are left alone.
_SEGMENT = re.compile(r"(?<=/)[A-Za-z0-9_\-:.=]{10,}(?=/|\?|\s|\"|'|$)")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_QUERY = re.compile(r"\?[^\s\"']*=[^\s\"']*")
_SECRET_WORDS = re.compile(
    r"(?i)\b(password|passwd|secret|token|api[_-]?key|authorization|sessionid|csrftoken)"
    r"(\s*[=:]\s*)((?:(?:bearer|token|basic)\s+)?(?:\"[^\"]*\"|'[^']*'|[^\s,;&]+))"
)


def _is_secret(segment):
    """Signed values (with ':'), long keys mixing cases and digits, long hex-like hashes
    (password-reset keys)."""
    if ":" in segment:
        return True
    digits = any(c.isdigit() for c in segment)
    letters = any(c.isalpha() for c in segment)
    mixed_case = any(c.isupper() for c in segment) and any(c.islower() for c in segment)
    return (len(segment) >= 20 and digits and mixed_case) or (
        len(segment) >= 24 and digits and letters
    )


def redact(text):
    """``text`` without signed tokens in paths, query strings, email addresses, or
    ``password=…``-like values."""
    if not text:
        return text
    text = _EMAIL.sub("[email]", text)
    text = _QUERY.sub("?" + REDACTED, text)
    text = _SEGMENT.sub(lambda m: REDACTED if _is_secret(m.group(0)) else m.group(0), text)
    return _SECRET_WORDS.sub(lambda m: m.group(1) + m.group(2) + REDACTED, text)
