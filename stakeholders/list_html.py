"""The stakeholder list's rows written in Python: the HTML of
``templates/stakeholders/contacts/_result_row.html``, byte for byte
(``tests/test_contact_page_html.py`` compares the two), without a template render, a URL
reversal and a phone number parse per row — a page of 25 results took longer to write than to
find (issue 21: the search box in milliseconds).

The template stays the reference: a change to one is a change to the other.
"""

from django.template.defaultfilters import date as date_filter
from django.urls import reverse
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe
from django.utils.timezone import template_localtime

from stakeholders import formats
from stakeholders.templatetags.steward import phone


def _row(contact, *, detail, staff_role, dates):
    name = conditional_escape(contact.name)
    kind = (
        f' <span class="badge">{conditional_escape(contact.get_kind_display())}</span>'
        if contact.kind != "person"
        else ""
    )
    number = conditional_escape(phone(contact.mobile or contact.phone))
    roles = "".join(
        f'<span class="badge badge--role">{conditional_escape(label)}</span> '
        for _code, label in contact.roles_seen_by(staff_role)
    )
    manager = contact.relationship_manager
    manager = conditional_escape(str(manager)) if manager else ""
    seen = contact.last_interaction_at
    if seen:
        if seen not in dates:
            iso = conditional_escape(date_filter(template_localtime(seen), "c"))
            shown = conditional_escape(formats.format_date(seen))
            dates[seen] = f'<time datetime="{iso}">{shown}</time>'
        seen = dates[seen]
    else:
        seen = "—"
    return (
        "\n      <tr>\n"
        f'        <td><a href="{detail}{contact.pk}/"><bdi>{name}</bdi></a>{kind}</td>\n'
        f'        <td><bdi dir="ltr">{conditional_escape(contact.email)}</bdi></td>\n'
        f'        <td><bdi dir="ltr">{number}</bdi></td>\n'
        f"        <td>{roles}</td>\n"
        f"        <td>{manager}</td>\n"
        f"        <td>{seen}</td>\n"
        "      </tr>\n    "
    )


def result_rows(contacts, *, organization, staff_role):
    """The ``<tr>`` of each contact, as ``{% for contact in contacts %}{% include
    "…/_result_row.html" %}{% endfor %}`` writes them (with the loop's line breaks)."""
    # The detail URL's prefix once: "/o/<slug>/contacts/" (the id and its slash follow).
    example = reverse(
        "stakeholders:contact_detail", kwargs={"org_slug": organization.slug, "contact_id": 1}
    )
    detail = conditional_escape(example.removesuffix("1/"))
    dates = {}
    return mark_safe(  # noqa: S308 (every value escaped above)
        "".join(
            _row(contact, detail=detail, staff_role=staff_role, dates=dates) for contact in contacts
        )
    )
