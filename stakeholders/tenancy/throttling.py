"""API rate limits, per token (or signed-in user) and per organization, counted in the cache
(Redis). A module of its own: DRF imports it while loading itself."""

from django.core.cache import caches
from django_redis.cache import RedisCache
from rest_framework.settings import api_settings
from rest_framework.throttling import BaseThrottle, SimpleRateThrottle


def count_hits(keys):
    """Add one to each counter of ``keys`` (``(key, seconds kept)`` pairs) and return the new
    counts. On Redis it is one round trip: INCR and EXPIRE for all of them in one pipeline."""
    backend = caches["default"]
    if not isinstance(backend, RedisCache):  # a development run without Redis
        counts = []
        for key, timeout in keys:
            backend.add(key, 0, timeout)
            counts.append(backend.incr(key))
        return counts
    pipeline = backend.client.get_client(write=True).pipeline(transaction=False)
    for key, timeout in keys:
        name = backend.client.make_key(key)
        pipeline.incr(name)
        pipeline.expire(name, timeout)
    return pipeline.execute()[::2]


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

    def counter(self, request, view):
        """This request's counter — ``(key, seconds kept)`` — or None when the limit is off
        or doesn't apply; notes the time left in the window for ``wait``."""
        if self.rate is None:
            return None
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return None
        now = self.timer()
        window = int(now // self.duration)
        self.seconds_left = (window + 1) * self.duration - now
        return f"{self.key}:{window}", self.duration

    def allow_request(self, request, view):
        counter = self.counter(request, view)
        return counter is None or count_hits([counter])[0] <= self.num_requests

    def wait(self):
        return self.seconds_left


class ApiUserRateThrottle(FixedWindowRateThrottle):
    """Per API token; per user for the staff UI's own calls (session). A token may have a rate
    of its own (``rate_limit_per_minute``); an empty ``api_user`` rate turns both off."""

    scope = "api_user"

    def counter(self, request, view):
        from stakeholders.models import ApiToken

        own = getattr(request.auth, "rate_limit_per_minute", None)
        if self.rate is not None and isinstance(request.auth, ApiToken) and own:
            self.num_requests, self.duration = own, 60
        return super().counter(request, view)

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


class ApiRateThrottle(BaseThrottle):
    """Both limits — per token (or user) and per organization — counted in one Redis round trip
    (a tenth of a small list's time was the two limits' own round trips). Over either: 429 with
    the longer wait."""

    limits = (ApiUserRateThrottle, ApiOrganizationRateThrottle)

    def allow_request(self, request, view):
        throttles = [limit() for limit in self.limits]
        counted = [(t, c) for t in throttles if (c := t.counter(request, view)) is not None]
        counts = count_hits([counter for _throttle, counter in counted]) if counted else []
        self.over = [t for (t, _c), n in zip(counted, counts, strict=True) if n > t.num_requests]
        return not self.over

    def wait(self):
        return max(throttle.wait() for throttle in self.over)
