"""Template context for every page: the current organization and the staff navigation."""

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

# Each feature app's landing page; a section appears in the navigation once its app has one.
NAVIGATION = [
    ("stakeholders:dashboard", _("Dashboard")),
    ("stakeholders:index", _("Stakeholders")),
    ("donors:index", _("Donors")),
    ("volunteers:index", _("Volunteers")),
    ("clients:index", _("Clients")),
    ("thankyous:index", _("Thank-yous")),
    ("stakeholders:settings_members", _("Settings")),
]


def _navigation(request, organization):
    items = []
    for url_name, label in NAVIGATION:
        try:
            url = reverse(url_name, kwargs={"org_slug": organization.slug})
        except NoReverseMatch:
            continue
        items.append({"url": url, "label": label, "current": request.path == url})
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
