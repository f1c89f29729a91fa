"""The thankable registry: each app says what it thanks, how to find what is not yet thanked,
and the merge fields of its letter. The batch knows no gift model.

Example (donors)::

    thankables.register(Thankable(kind="gift", label=_("Gifts"), candidates=..., describe=...,
                                  sample=..., rules=(Rule.TRIBUTE, ..., Rule.DEFAULT),
                                  default_template=DefaultTemplate(...)))
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property


@dataclass
class ThankItem:
    """What the batch needs to thank one thing."""

    contact: object
    received_at: datetime
    # () -> merge fields, plain strings only (the sandbox sees nothing else). Made when the letter
    # is written, in the recipient's language; queueing a thing never needs them.
    make_fields: Callable[[], dict]
    rules: set = field(default_factory=set)  # e.g. {"first_gift", "tribute"}
    amount: object = None  # for the "major gift" threshold
    skip_reason: str = ""  # set when this thing must not be thanked (e.g. "do not thank")

    @cached_property
    def fields(self):
        return self.make_fields()


@dataclass(frozen=True)
class DefaultTemplate:
    """The words a new organization starts with (lazy strings: rendered in its language)."""

    name: str
    email_subject: str
    email_body: str
    letter_body: str


@dataclass(frozen=True)
class Thankable:
    kind: str
    label: str
    candidates: Callable  # (organization) -> queryset of ids that should be thanked
    describe: Callable  # (organization, ids) -> {id: ThankItem}
    sample: Callable  # (organization) -> merge fields for previews
    rules: tuple  # template rules for this kind, most specific first; the last: "any …"
    default_template: DefaultTemplate | None = None  # created with the last rule
    # Silence is not consent: thanked only with a "yes" on record for the channel (taking part
    # in a service can be private). Otherwise, as for gifts, only a "no" stops a thank-you.
    needs_a_yes: bool = False
    # Staff roles that may see these thank-yous — the rows, letters, print batches, the
    # timeline and the figures (None: everyone who reads thank-yous). A client's participation
    # thank-you names their programme: it is for caseworkers and admins only.
    roles: tuple | None = None
    # (organization) -> a value that changes whenever ``candidates`` may give other rows (the
    # same day): the "for the next run" count of the kind is then cached under it (with the
    # acknowledgments' own changes) instead of looking every candidate up on each page view.
    version: Callable | None = None


class Thankables:
    def __init__(self):
        self._kinds: dict[str, Thankable] = {}

    def register(self, thankable):
        self._kinds[thankable.kind] = thankable

    def __getitem__(self, kind):
        return self._kinds[kind]

    def __iter__(self):
        return iter(self._kinds.values())

    def hidden_from(self, role):
        """The kinds of thank-you a member with ``role`` may not see (all restricted ones, for no
        role)."""
        return [t.kind for t in self._kinds.values() if t.roles is not None and role not in t.roles]

    def for_rule(self, rule):
        """The thankable whose templates use this rule (a template's sample fields come from it)."""
        for thankable in self._kinds.values():
            if rule in thankable.rules:
                return thankable
        raise LookupError(rule)


thankables = Thankables()
