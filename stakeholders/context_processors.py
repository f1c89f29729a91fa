"""Template context for every page: the current organization and the staff navigation."""

import hashlib
from functools import cache, lru_cache

from django.core.signals import setting_changed
from django.urls import NoReverseMatch, resolve, reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from stakeholders.timeline_sql import organization_key

# (landing page, label, the path below /o/<slug>/ that the section owns). A feature app's section
# appears in the navigation once the app has a landing page named "<app>:index" (the community's
# staff side starts at its moderation queue: its public pages are for members).
NAVIGATION = [
    ("stakeholders:dashboard", _("Dashboard"), None),
    ("inbox:index", _("Inbox"), "inbox/"),
    ("stakeholders:index", _("Stakeholders"), "contacts/"),
    ("donors:index", _("Donors"), "donors/"),
    ("volunteers:index", _("Volunteers"), "volunteers/"),
    ("clients:index", _("Clients"), "clients/"),
    ("experience:index", _("Experience"), "experience/"),
    ("community:manage", _("Community"), "community/manage/"),
    ("thankyous:index", _("Thank-yous"), "thank-yous/"),
    ("stakeholders:settings_members", _("Settings"), "settings/"),
]


@cache
def _allowed_roles(url_name):
    """The roles that may open a section's landing page (``staff_view(roles=…)``), None for
    every role; the same for every organization, so resolved once, not on each page."""
    view = resolve(reverse(url_name, kwargs={"org_slug": "any"})).func
    return getattr(view, "allowed_roles", None)


@lru_cache(maxsize=1024)
def _landing_pages(slug):
    """(url, label, the path a section owns, its allowed roles) of each section an organization's
    URLs have, its URLs reversed once per organization rather than on every page."""
    home = reverse("stakeholders:dashboard", kwargs={"org_slug": slug})
    pages = []
    for url_name, label, section in NAVIGATION:
        try:
            url = reverse(url_name, kwargs={"org_slug": slug})
        except NoReverseMatch:
            continue
        pages.append((url, label, home + section if section else None, _allowed_roles(url_name)))
    return tuple(pages)


def _forget_urls(*, setting, **kwargs):
    if setting == "ROOT_URLCONF":
        _allowed_roles.cache_clear()
        _landing_pages.cache_clear()


setting_changed.connect(_forget_urls)


def _navigation(request, organization):
    role = request.membership.role
    return [
        {
            "url": url,
            "label": label,
            "current": request.path == url or bool(section and request.path.startswith(section)),
        }
        for url, label, section, roles in _landing_pages(organization.slug)
        # a section the member's role can't open is not offered
        if not roles or role in roles
    ]


def _header_key(request, organization, navigation):
    """What a staff page's header shows (``base.html`` keeps its HTML under this key): the
    organization (each of its fields), the member's role, email and language, and which
    section is current. Any change to one is another key."""
    return hashlib.blake2b(
        repr(
            (
                organization_key(organization),
                request.membership.role,
                request.user.pk,
                request.user.email,
                translation.get_language(),
                [item["current"] for item in navigation],
            )
        ).encode(),
        digest_size=16,
    ).hexdigest()


def organization(request):
    organization = getattr(request, "organization", None)
    membership = getattr(request, "membership", None)
    if organization is None or membership is None:
        return {"organization": organization, "membership": None, "navigation": []}
    navigation = _navigation(request, organization)
    return {
        "organization": organization,
        "membership": membership,
        "navigation": navigation,
        "header_key": _header_key(request, organization, navigation),
    }
