"""API rate limits, per token (or signed-in user) and per organization, counted in the cache
(Redis). A module of its own: DRF imports it while loading itself."""

from django.core.cache import caches
from django_redis.cache import RedisCache
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle


def count_hit(key, timeout):
    """Add one to the counter ``key`` (kept ``timeout`` seconds) and return the new count.

    On Redis it is one round trip: INCR and EXPIRE in one pipeline.
    """
    backend = caches["default"]
    if not isinstance(backend, RedisCache):  # a development run without Redis
        backend.add(key, 0, timeout)
        return backend.incr(key)
    name = backend.client.make_key(key)
    pipeline = backend.client.get_client(write=True).pipeline(transaction=False)
    pipeline.incr(name)
    pipeline.expire(name, timeout)
    return pipeline.execute()[0]


class FixedWindowRateThrottle(SimpleRateThrottle):
    """DRF's rate throttle with a fixed-window counter.

    DRF's own keeps a list of timestamps per client: a read and a write of the whole list on
    every request. A counter per window costs one cache round trip; a client may send up to
    twice the rate across the edge of two windows, which is fine for a limit against abuse.
    ``Retry-After`` is the time left in the window.
    """

    def get_rate(self):
        # Read on each request rather than once at import, so a changed setting applies.
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope) or None

    def allow_request(self, request, view):
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        now = self.timer()
        window = int(now // self.duration)
        self.seconds_left = (window + 1) * self.duration - now
        return count_hit(f"{self.key}:{window}", self.duration) <= self.num_requests

    def wait(self):
        return self.seconds_left


class ApiUserRateThrottle(FixedWindowRateThrottle):
    """Per API token; per user for the staff UI's own calls (session). A token may have a rate
    of its own (``rate_limit_per_minute``); an empty ``api_user`` rate turns both off."""

    scope = "api_user"

    def allow_request(self, request, view):
        from stakeholders.models import ApiToken

        own = getattr(request.auth, "rate_limit_per_minute", None)
        if self.rate is not None and isinstance(request.auth, ApiToken) and own:
            self.num_requests, self.duration = own, 60
        return super().allow_request(request, view)

    def get_cache_key(self, request, view):
        if not request.user or not request.user.is_authenticated:
            return None
        ident = f"token{request.auth.pk}" if request.auth is not None else f"user{request.user.pk}"
        return self.cache_format % {"scope": self.scope, "ident": ident}


def default_per_minute():
    """The ``api_user`` rate in requests per minute (None when off), for the tokens page."""
    throttle = ApiUserRateThrottle()
    if throttle.rate is None:
        return None
    return round(throttle.num_requests * 60 / throttle.duration)


class ApiOrganizationRateThrottle(FixedWindowRateThrottle):
    """Per organization: all its tokens and staff together."""

    scope = "api_organization"

    def get_cache_key(self, request, view):
        organization = getattr(request, "organization", None)
        if organization is None or not request.user or not request.user.is_authenticated:
            return None
        return self.cache_format % {"scope": self.scope, "ident": organization.pk}
