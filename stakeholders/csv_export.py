"""CSV export of contacts, safe to open in a spreadsheet."""

import csv

from django.utils.translation import gettext as _

from stakeholders.tenancy.models import organization_scope

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

COLUMNS = [
    ("id", "pk"),
    ("kind", "kind"),
    ("first_name", "first_name"),
    ("last_name", "last_name"),
    ("organization_name", "organization_name"),
    ("email", "email"),
    ("phone", "phone"),
    ("mobile", "mobile"),
    ("street", "street"),
    ("city", "city"),
    ("postal_code", "postal_code"),
    ("country", "country"),
    ("external_id", "external_id"),
    ("preferred_language", "preferred_language"),
    ("do_not_contact", "do_not_contact"),
    ("deceased", "deceased"),
    ("last_interaction_at", "last_interaction_at"),
]


def defuse(value):
    """A cell a spreadsheet would run as a formula (=, +, -, @…) is prefixed with a quote."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


class _Echo:
    def write(self, value):
        return value


def rows_in_scope(contacts, *, organization):
    """``rows()`` for a streamed response: it is read after the view has returned and left its
    organization's scope, so the reading happens inside the scope again (row-level security
    shows nothing outside one)."""
    with organization_scope(organization):
        yield from rows(contacts)


def rows(contacts):
    """Stream the header and one line per contact, reading the database in chunks."""
    writer = csv.writer(_Echo())
    yield "\ufeff"  # a byte-order mark, so spreadsheet programs read UTF-8 names correctly
    yield writer.writerow([name for name, _field in COLUMNS] + [_("manager")])
    for contact in contacts.iterator(chunk_size=2000):
        manager = contact.relationship_manager
        yield writer.writerow(
            [defuse(getattr(contact, field)) for _name, field in COLUMNS]
            + [defuse(manager.email if manager else "")]
        )
