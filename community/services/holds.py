"""Why a post should wait for a moderator before anyone sees it: the member is new (fewer
approved posts than the organization's threshold), or — for new members, who overshare — the
text has a link, a phone number or an email address, or — for anyone — a word from the
organization's list. Returns the reasons (empty: publish at once)."""

import re

import phonenumbers
from django.utils.translation import gettext as _

from community.models import CommunitySettings

LINK = re.compile(r"(https?://|www\.)\S+|\b[a-z0-9-]+\.(com|org|net|io|info|ly|me)\b", re.I)
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")


def community_settings(*, organization):
    row, _created = CommunitySettings.objects.get_or_create(organization=organization)
    return row


def _has_phone(text, region):
    return any(True for _match in phonenumbers.PhoneNumberMatcher(text, region or "US"))


def _held_words(settings_row):
    return [
        word.strip().casefold() for word in settings_row.held_words.splitlines() if word.strip()
    ]


def hold_reasons(*, organization, member, text):
    """The reasons ``text`` by ``member`` waits for moderation; staff (experts) never wait."""
    if member.is_expert:
        return []
    settings_row = community_settings(organization=organization)
    reasons = []
    new_member = member.approved_posts < settings_row.approve_first_posts
    if new_member:
        reasons.append(_("first posts of a new member"))
        if LINK.search(text):
            reasons.append(_("a link"))
        if EMAIL.search(text):
            reasons.append(_("an email address"))
        if _has_phone(text, organization.country):
            reasons.append(_("a phone number"))
    folded = text.casefold()
    words = [word for word in _held_words(settings_row) if word in folded]
    if words:
        reasons.append(_("a word on the organization's list"))
    return reasons
