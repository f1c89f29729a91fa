"""Template context for every page: the current organization and the staff navigation."""

from django.urls import NoReverseMatch, resolve, reverse
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


def _navigation(request, organization):
    home = reverse("stakeholders:dashboard", kwargs={"org_slug": organization.slug})
    role = request.membership.role
    items = []
    for url_name, label, section in NAVIGATION:
        try:
            url = reverse(url_name, kwargs={"org_slug": organization.slug})
        except NoReverseMatch:
            continue
        roles = getattr(resolve(url).func, "allowed_roles", None)  # set by staff_view(roles=…)
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
        "navigation": _navigation(request, organization),
    }
