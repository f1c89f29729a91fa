"""Resolve ``/o/<slug>/`` (and ``/api/v1/o/<slug>/``) to an organization and scope the request."""

import re
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.contrib.auth.views import redirect_to_login
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone

from stakeholders.tenancy.models import organization_scope

ORGANIZATION_PATH = re.compile(r"^/(?P<api>api/v1/)?o/(?P<slug>[-a-zA-Z0-9_]+)/")


def organization_public(view):
    """Mark a view under /o/<slug>/ as public (signup forms, impact pages, the help centre).

    Every other view there is staff-only: the middleware demands a membership before it runs.
    """
    view.organization_public = True
    return view


class OrganizationMiddleware:
    """Sets ``request.organization`` from the URL and runs the rest of the request in its scope.

    The organization never comes from the session. For HTML pages that are not marked
    ``@organization_public`` it also demands a membership (non-members get 404, so an organization's
    staff area does not confirm it exists) and, where the organization requires it, MFA.
    The API checks membership in its base viewset, after DRF has authenticated the token (also
    under an unknown slug, where ``request.organization`` stays None).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from stakeholders.models import Organization

        request.organization = None
        request.membership = None
        match = ORGANIZATION_PATH.match(request.path_info)
        if match is None:
            return self.get_response(request)
        organization = Organization.objects.filter(slug=match["slug"]).first()
        if organization is None:
            if match["api"]:
                # The API answers as for an organization the caller doesn't belong to (401
                # without credentials, 404 with them), so it never tells which slugs exist.
                return self.get_response(request)
            raise Http404
        request.organization = organization
        # Dates and times on the organization's pages are in its own time zone.
        with organization_scope(organization), timezone.override(ZoneInfo(organization.timezone)):
            return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        from stakeholders import selectors

        organization = request.organization
        if organization is None or request.path_info.startswith("/api/"):
            return None
        if getattr(view_func, "organization_public", False):
            return None
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        request.membership = selectors.membership_get(organization=organization, user=request.user)
        if request.membership is None:
            raise Http404
        if organization.require_mfa and not selectors.user_has_mfa(user=request.user):
            query = urlencode({"next": request.get_full_path()})
            return redirect(f"{reverse('mfa_activate_totp')}?{query}")
        return None
