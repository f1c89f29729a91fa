"""Signed links for public pages (a donor's impact page, a client's status page, a survey, an
unsubscribe link): no password, an optional expiry, and bound to one organization — a valid
link of organization B opens nothing under A's address.

Example::

    token = links.sign(organization=org, salt=STATUS_SALT, r=request.pk)
    data = links.unsign(organization=org, token=token, salt=STATUS_SALT, max_age=timedelta(days=90))
    # {"o": org.pk, "r": 12}, or None when tampered with, expired or another organization's

A link that opens a session (a magic link) is single-use: sign it with ``single_use=True`` and
spend it with ``use()`` when it is acted on (a POST: mail scanners open links with GET)::

    token = links.sign(organization=org, salt=PORTAL_SALT, single_use=True, p=profile.pk)
    data = links.unsign(organization=org, token=token, salt=PORTAL_SALT, max_age=PORTAL_AGE)
    links.use(organization=org, data=data, max_age=PORTAL_AGE)  # True once, then False
"""

import secrets
from urllib.parse import urlencode

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils import timezone

from stakeholders.models import UsedLink


def sign(*, organization, salt, single_use=False, **ids):
    # Not compressed: a few ids gain nothing from it, and zlib's quarter megabyte of working
    # memory per call was a sixth of the thank-you batch's own work per letter.
    if single_use:
        ids["n"] = secrets.token_urlsafe(12)  # the nonce ``use()`` records
    return signing.dumps({"o": organization.pk, **ids}, salt=salt)


def unsign(*, organization, token, salt, max_age=None):
    try:
        data = signing.loads(token or "", salt=salt, max_age=max_age)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or data.get("o") != organization.pk:
        return None
    return data


def is_used(*, organization, data):
    """Whether a single-use link (its unsigned ``data``) was used already; a link signed
    without a nonce counts as used."""
    nonce = data.get("n")
    return not nonce or UsedLink.objects.filter(organization=organization, nonce=nonce).exists()


def use(*, organization, data, max_age):
    """Spend a single-use link: True the first time, False ever after — also when two uses
    race (the unique nonce decides). Rows of links that have expired anyway are dropped."""
    nonce = data.get("n")
    if not nonce:
        return False
    now = timezone.now()
    UsedLink.objects.filter(organization=organization, expires_at__lt=now).delete()
    _row, first = UsedLink.objects.get_or_create(
        organization=organization, nonce=str(nonce)[:32], defaults={"expires_at": now + max_age}
    )
    return first


def absolute_url(*, organization, url_name, query=None, **kwargs):
    """The full address of one of the organization's pages, for an email."""
    path = reverse(url_name, kwargs={"org_slug": organization.slug, **kwargs})
    return settings.SITE_URL.rstrip("/") + path + (f"?{urlencode(query)}" if query else "")
