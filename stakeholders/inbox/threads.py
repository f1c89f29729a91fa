"""What a reply answers: every email Steward sends carries a Message-ID only Steward can make
(signed, naming the organization, the kind of thing it was about and its id), and a reply carries
it back in In-Reply-To or References — which someone forging the sender's From header can't do.

Feature apps register the kinds of email they send (``thread_kinds.register``): the area (team)
a reply belongs to, and optionally a handler that takes the reply itself (a client's reply to an
email about their request becomes a message on the request, as before). Everything else lands in
the shared inbox, threaded to the conversation it answers.
"""

import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import parseaddr

from django.conf import settings
from django.core import signing

SALT = "stakeholders.inbox.thread"
CONVERSATION = "inbox.conversation"


@dataclass(frozen=True)
class ThreadKind:
    kind: str
    # The team a reply belongs to: an area's key, or (organization, object_id) -> key or None
    # when it depends on the thing (a client's thank-you is for caseworkers); None: the person's.
    area: str | Callable
    # (organization, object_id, reply) -> bool: True when the handler took the reply (it then
    # doesn't reach the inbox). ``reply`` is an ``InboundMessage``.
    on_reply: Callable | None = None

    def area_for(self, organization, object_id):
        return self.area(organization, object_id) if callable(self.area) else self.area


class ThreadKinds:
    def __init__(self):
        self._kinds: dict[str, ThreadKind] = {}

    def register(self, kind, *, area, on_reply=None):
        self._kinds[kind] = ThreadKind(kind, area, on_reply)

    def get(self, kind):
        return self._kinds.get(kind)


thread_kinds = ThreadKinds()


def message_id(*, organization, kind, object_id):
    """A Message-ID header value naming ``kind`` #``object_id`` of ``organization``."""
    value = signing.Signer(salt=SALT, sep=".").sign(
        f"{organization.pk}.{kind}.{object_id}.{secrets.token_hex(6)}"
    )
    domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rsplit("@", 1)[-1] or "localhost"
    return f"<{value}@{domain}>"


def resolve(*, organization, references):
    """(kind, object_id) that one of our Message-IDs in ``references`` (header values) names,
    newest reference first; None when none is ours or of this organization."""
    signer = signing.Signer(salt=SALT, sep=".")
    found = re.findall(r"<([^<>@\s]+)@[^<>\s]+>", " ".join(value or "" for value in references))
    for candidate in reversed(found):
        try:
            organization_id, rest = signer.unsign(candidate).split(".", 1)
            kind, object_id, _nonce = rest.rsplit(".", 2)
        except (signing.BadSignature, ValueError):
            continue
        if organization_id == str(organization.pk) and object_id.isdigit():
            return kind, int(object_id)
    return None
