"""Resolve ``/o/<slug>/`` (and ``/api/v1/o/<slug>/``) to an organization and scope the request."""

import re
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.contrib.auth.views import redirect_to_login
from django.core.cache import cache
from django.db import connection, transaction
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone

from stakeholders.tenancy.models import organization_scope

ORGANIZATION_PATH = re.compile(r"^/(?P<api>api/v1/)?o/(?P<slug>[-a-zA-Z0-9_]+)/")
# Each request reads its organization from a cache (Redis, shared by every process) rather than
# with one query: machine traffic — the providers' webhooks (hundreds a second) and the API —
# and staff pages alike (the search box asks for results as one types). That query and the two
# switches of the database scope around it were ~1 ms of a ~7 ms webhook. Saving or deleting an
# organization forgets it at once (and again after commit, so a request reading the old row
# meanwhile can't put it back); the TTL bounds what a write that bypasses the signals (a
# queryset update) leaves stale.
ORGANIZATION_CACHE_SECONDS = 60


def _organization_key(slug):
    # The database's name too: test runs and benchmarks may share a Redis but not a database.
    return f"tenancy:organization:{connection.settings_dict['NAME']}:{slug}"


def organization_by_slug(slug):
    """The organization whose URL slug is ``slug`` (exact), or None; cached."""
    from stakeholders.models import Organization

    key = _organization_key(slug)
    organization = cache.get(key)
    if organization is None:
        organization = Organization.objects.filter(slug=slug).first()
        if organization is not None:  # unknown slugs are not cached: nothing to flood
            cache.set(key, organization, ORGANIZATION_CACHE_SECONDS)
    return organization


def _forget(slugs):
    keys = [_organization_key(slug) for slug in slugs if slug]
    cache.delete_many(keys)
    transaction.on_commit(lambda: cache.delete_many(keys))


def organization_saving(sender, instance, update_fields=None, **kwargs):
    """pre_save: forget the slug it had (a renamed organization's old URL must stop working)."""
    if instance.pk is None or (update_fields is not None and "slug" not in update_fields):
        return
    old = sender.objects.filter(pk=instance.pk).values_list("slug", flat=True).first()
    _forget([old])


def organization_changed(sender, instance, **kwargs):
    """post_save / post_delete: forget the organization under its slug."""
    _forget([instance.slug])


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

        request.organization = None
        request.membership = None
        match = ORGANIZATION_PATH.match(request.path_info)
        if match is None:
            return self.get_response(request)
        organization = organization_by_slug(match["slug"])
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
