"""Template context for every page: the current organization and the staff navigation."""

from functools import cache

from django.core.signals import setting_changed
from django.urls import NoReverseMatch, resolve, reverse
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext_lazy as _

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


def _forget_roles(*, setting, **kwargs):
    if setting == "ROOT_URLCONF":
        _allowed_roles.cache_clear()


setting_changed.connect(_forget_roles)


def _navigation(request, organization):
    home = reverse("stakeholders:dashboard", kwargs={"org_slug": organization.slug})
    role = request.membership.role
    items = []
    for url_name, label, section in NAVIGATION:
        try:
            url = reverse(url_name, kwargs={"org_slug": organization.slug})
        except NoReverseMatch:
            continue
        roles = _allowed_roles(url_name)
        if roles and role not in roles:
            continue  # a section the member's role can't open is not offered
        current = request.path == url or bool(section and request.path.startswith(home + section))
        items.append({"url": url, "label": label, "current": current})
    return items


def organization(request):
    organization = getattr(request, "organization", None)
    membership = getattr(request, "membership", None)
    if organization is None or membership is None:
        return {"organization": organization, "membership": None, "navigation": []}
    return {
        "organization": organization,
        "membership": membership,
        # Built when a page shows it (not for the fragments htmx swaps in).
        "navigation": SimpleLazyObject(lambda: _navigation(request, organization)),
    }
