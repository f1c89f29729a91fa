"""gzip for the API, where it is safe.

BREACH reads a secret out of compressed responses that also reflect text an attacker chose, by
making the victim's browser fetch many of them. Session pages carry CSRF tokens and the browser
sends their cookies for any site, so they stay uncompressed; a response to a request with an API
token can only be fetched by someone holding the token, so it may be compressed.
"""

from django.middleware.gzip import GZipMiddleware


class ApiGZipMiddleware(GZipMiddleware):
    def process_response(self, request, response):
        from stakeholders.models import ApiToken

        if not request.path_info.startswith("/api/"):
            return response
        if not isinstance(getattr(request, "auth", None), ApiToken):
            return response
        return super().process_response(request, response)
