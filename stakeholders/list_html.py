"""The stakeholder list's rows (and its filters' options) written in Python, the rows as
``templates/stakeholders/contacts/_result_row.html`` writes them, byte for byte
(``tests/test_contact_page_html.py`` compares the two), without a template render, a URL
reversal and a phone number parse per row — a page of 25 results took longer to write than to
find (issue 21: the search box in milliseconds).

The template stays the reference: a change to one is a change to the other.
"""

from html import escape

from django.urls import reverse
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe
from django.utils.timezone import template_localtime

from stakeholders import formats
from stakeholders.models import ContactKind, contact_roles_seen_by
from stakeholders.templatetags.steward import phone

# What a row shows, read as values (a contact has 36 columns, and a page of model instances
# took longer to build than to read).
ROW_VALUES = (
    "pk",
    "kind",
    "name",
    "email",
    "phone",
    "mobile",
    "is_donor",
    "is_volunteer",
    "is_client",
    "last_interaction_at",
    "relationship_manager__name",
    "relationship_manager__email",
)
KINDS = dict(ContactKind.choices)


def _row(contact, *, detail, staff_role, seen):
    """One row of ``contact`` (its ``ROW_VALUES``); ``seen`` keeps, for one page, what many
    rows repeat (badges, dates). The database's strings are escaped as Django's ``escape``
    does (it is ``html.escape``), without its lazy-string wrapper: six a row."""
    name = escape(contact["name"])
    kind = contact["kind"]
    badges = (kind, contact["is_donor"], contact["is_volunteer"], contact["is_client"])
    if badges not in seen:
        seen[badges] = (
            f' <span class="badge">{conditional_escape(KINDS.get(kind, kind))}</span>'
            if kind != ContactKind.PERSON
            else "",
            "".join(
                f'<span class="badge badge--role">{conditional_escape(label)}</span> '
                for _code, label in contact_roles_seen_by(contact, staff_role)
            ),
        )
    kind, roles = seen[badges]
    number = escape(phone(contact["mobile"] or contact["phone"]))
    # (the manager as ``User.__str__`` names them)
    manager = escape(
        contact["relationship_manager__name"] or contact["relationship_manager__email"] or ""
    )
    when = contact["last_interaction_at"]
    if when:
        local = template_localtime(when)
        if local.date() not in seen:
            if "locale" not in seen:  # (the reader's ICU locale, built once a page)
                seen["locale"] = formats.icu_locale()
            seen[local.date()] = escape(formats.format_date(when, locale=seen["locale"]))
        # (the template's ``date:'c'`` is the ISO 8601 form)
        when = f'<time datetime="{escape(local.isoformat())}">{seen[local.date()]}</time>'
    else:
        when = "—"
    return (
        "\n      <tr>\n"
        f'        <td><a href="{detail}{contact["pk"]}/"><bdi>{name}</bdi></a>{kind}</td>\n'
        f'        <td><bdi dir="ltr">{escape(contact["email"])}</bdi></td>\n'
        f'        <td><bdi dir="ltr">{number}</bdi></td>\n'
        f"        <td>{roles}</td>\n"
        f"        <td>{manager}</td>\n"
        f"        <td>{when}</td>\n"
        "      </tr>\n    "
    )


def result_rows(contacts, *, organization, staff_role):
    """The ``<tr>`` of each contact (its ``ROW_VALUES``), as ``{% for contact in contacts %}
    {% include "…/_result_row.html" %}{% endfor %}`` writes them (with the loop's line
    breaks)."""
    # The detail URL's prefix once: "/o/<slug>/contacts/" (the id and its slash follow).
    example = reverse(
        "stakeholders:contact_detail", kwargs={"org_slug": organization.slug, "contact_id": 1}
    )
    detail = conditional_escape(example.removesuffix("1/"))
    seen = {}
    return mark_safe(  # noqa: S308 (every value escaped above)
        "".join(
            _row(contact, detail=detail, staff_role=staff_role, seen=seen) for contact in contacts
        )
    )


def options(choices, selected):
    """The filter form's ``<option>`` of each (value, label) — value None: the label is the
    value —, ``selected`` marked: written here rather than by a template loop, which took
    microseconds an option (an organization has dozens of members)."""
    html = []
    for value, label in choices:
        attribute = "" if value is None else f' value="{conditional_escape(value)}"'
        if (label if value is None else str(value)) == selected:
            attribute += " selected"
        html.append(f"<option{attribute}>{conditional_escape(label)}</option>")
    return mark_safe("".join(html))  # noqa: S308 (every value escaped)
