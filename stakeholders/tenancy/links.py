"""Signed links for public pages (a donor's impact page, a client's status page, a survey, an
unsubscribe link): no password, an optional expiry, and bound to one organization — a valid
link of organization B opens nothing under A's address.

Example::

    token = links.sign(organization=org, salt=STATUS_SALT, r=request.pk)
    data = links.unsign(organization=org, token=token, salt=STATUS_SALT, max_age=timedelta(days=90))
    # {"o": org.pk, "r": 12}, or None when tampered with, expired or another organization's
"""

from urllib.parse import urlencode

from django.conf import settings
from django.core import signing
from django.urls import reverse


def sign(*, organization, salt, **ids):
    # Not compressed: a few ids gain nothing from it, and zlib's quarter megabyte of working
    # memory per call was a sixth of the thank-you batch's own work per letter.
    return signing.dumps({"o": organization.pk, **ids}, salt=salt)


def unsign(*, organization, token, salt, max_age=None):
    try:
        data = signing.loads(token or "", salt=salt, max_age=max_age)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or data.get("o") != organization.pk:
        return None
    return data


def absolute_url(*, organization, url_name, query=None, **kwargs):
    """The full address of one of the organization's pages, for an email."""
    path = reverse(url_name, kwargs={"org_slug": organization.slug, **kwargs})
    return settings.SITE_URL.rstrip("/") + path + (f"?{urlencode(query)}" if query else "")
