"""Canned replies: saved answers staff insert into a reply, one version per language, with merge
fields rendered by the same sandbox as thank-you templates (``stakeholders.sandbox``).

A reply is checked when it is saved (a syntax error or an unknown field is an error next to the
text, never a blank in a message that went out), and rendered for one conversation when staff
insert it: the version in the person's language, else the organization's, else any.
"""

from functools import lru_cache

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from jinja2 import TemplateError

from stakeholders import sandbox
from stakeholders.inbox.models import CannedReply
from stakeholders.languages import language_for

TEXT = sandbox.LetterEnvironment(autoescape=False)

# The merge fields a canned reply may use, documented on the settings page.
MERGE_FIELDS = [
    ("first_name", gettext_lazy("The person's first name (or the name they gave)")),
    ("last_name", gettext_lazy("The person's last name")),
    ("name", gettext_lazy("The person's full name")),
    ("organization_name", gettext_lazy("Your organization's name")),
    ("staff_name", gettext_lazy("Your name (the staff member sending the reply)")),
]
SAMPLE_FIELDS = {
    "first_name": "Ada",
    "last_name": "Lovelace",
    "name": "Ada Lovelace",
    "organization_name": "Riverside",
    "staff_name": "Sam",
}


@lru_cache(maxsize=256)
def _compiled(source):
    return TEXT.compile_checked(source)


def render_text(source, fields):
    """Render staff's text with the merge fields only, within the sandbox's limits (else a
    ``TemplateError``)."""
    return sandbox.render(_compiled(source), fields)


def check_body(body):
    """Render with sample fields: mistakes show when the reply is saved."""
    try:
        render_text(body, SAMPLE_FIELDS)
    except sandbox.LimitExceeded as error:
        raise ValidationError({"body": [error.message]}) from error
    except TemplateError as error:
        raise ValidationError(
            {"body": [_("This does not work: %(error)s") % {"error": error.message or error}]}
        ) from error


def fields_for(*, organization, conversation, staff):
    """The merge fields for one conversation: an unknown sender is named by what they gave."""
    contact = conversation.contact
    if contact is not None:
        first, last, name = contact.first_name, contact.last_name, contact.name
    else:
        name = conversation.display_name
        first, _sep, last = name.partition(" ")
    return {
        "first_name": first or "",
        "last_name": last or "",
        "name": name or "",
        "organization_name": organization.name,
        "staff_name": (getattr(staff, "name", "") or "") if staff else "",
    }


def titles(*, organization):
    """One row per title (any language's version stands for it), for the reply box's picker."""
    seen = {}
    for reply in CannedReply.objects.filter(organization=organization).order_by("title", "pk"):
        seen.setdefault(reply.title, reply)
    return list(seen.values())


def version_for(*, organization, reply, contact):
    """The version of ``reply``'s title in the person's language, else the organization's,
    else any."""
    versions = {
        version.language: version
        for version in CannedReply.objects.filter(organization=organization, title=reply.title)
    }
    for language in (language_for(contact, organization), organization.language):
        if language in versions:
            return versions[language]
    return versions.get(reply.language) or next(iter(versions.values()), reply)


def render_for(*, organization, reply, conversation, staff):
    """The text to insert: the right language's version, rendered for this conversation.
    A template that stopped working (a field renamed since) is a ValidationError, not a crash."""
    version = version_for(organization=organization, reply=reply, contact=conversation.contact)
    try:
        return render_text(
            version.body,
            fields_for(organization=organization, conversation=conversation, staff=staff),
        )
    except TemplateError as error:
        raise ValidationError(
            {"body": [_("This canned reply does not work: %(error)s") % {"error": error}]}
        ) from error


def _save(organization, reply):
    check_body(reply.body)
    try:
        with transaction.atomic():
            reply.save()
    except IntegrityError as error:
        raise ValidationError(
            {"language": [_("This reply already has a version in this language.")]}
        ) from error
    return reply


def reply_create(*, organization, actor, title, language, body):
    reply = CannedReply(
        organization=organization, title=title, language=language, body=body, created_by=actor
    )
    return _save(organization, reply)


def reply_update(*, organization, reply, title, language, body):
    reply.title, reply.language, reply.body = title, language, body
    return _save(organization, reply)


def reply_delete(*, organization, reply):
    CannedReply.objects.filter(organization=organization, pk=reply.pk).delete()


def reply_get(*, organization, reply_id):
    return CannedReply.objects.filter(organization=organization, pk=reply_id).first()
