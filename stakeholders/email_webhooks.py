"""The email providers' tracking webhooks (Anymail's), one set per organization:
``/o/<slug>/webhooks/email/<provider>/tracking/`` (Mailgun, SendGrid, Postmark, Amazon SES and
every other provider Anymail supports), so an event knows which organization's mail it is about.

Anymail checks each request (the shared basic auth in ``ANYMAIL["WEBHOOK_SECRET"]``, and the
provider's own signature where it has one: Mailgun's signing key, Amazon SNS's certificates…)
and answers 400 to a request that fails; its ``tracking`` signal then reaches
``stakeholders.deliverability``. Without a webhook secret configured the webhooks refuse every
request (403): an open webhook would let anyone suppress any address.

The inbound webhooks sit next to them: ``/o/<slug>/webhooks/email/<provider>/inbound/`` (the
same secret rule, the provider's signature checked by Anymail); Anymail's ``inbound`` signal
reaches ``stakeholders.inbox.email_in``, which files the email in the shared inbox. A request
over ``email_in.MAX_REQUEST_BYTES`` is refused (413) before it is read; a message we can't use
(no sender, nothing in it, too big) is a 400/413 and nothing of it is stored.
"""

import logging
from functools import wraps

from anymail import urls as anymail_urls
from django.conf import settings
from django.http import HttpResponse, HttpResponseForbidden
from django.urls import URLPattern, path, re_path
from django.views.decorators.csrf import csrf_exempt

from stakeholders import deliverability
from stakeholders.inbox import email_in
from stakeholders.tenancy.middleware import organization_public

app_name = "email_webhooks"
logger = logging.getLogger(__name__)


def _for_organization(view):
    @wraps(view)
    def webhook(request, *args, **kwargs):  # org_slug, and Mailgun's unnamed "(_mime)?"
        if not getattr(settings, "ANYMAIL", {}).get("WEBHOOK_SECRET"):
            return HttpResponseForbidden()
        token = deliverability.webhook_organization.set(request.organization)
        try:
            return view(request)
        finally:
            deliverability.webhook_organization.reset(token)

    return organization_public(csrf_exempt(webhook))


def _inbound(view):
    """An inbound webhook: the whole email arrives in the request, so it is read here under our
    own limit (not Django's 2.5 MB for form data), and a message we can't use is a 4xx."""

    @wraps(view)
    def inbound(request):
        if int(request.META.get("CONTENT_LENGTH") or 0) > email_in.MAX_REQUEST_BYTES:
            return HttpResponse(status=413)
        request._body = request.read(email_in.MAX_REQUEST_BYTES + 1)
        if len(request._body) > email_in.MAX_REQUEST_BYTES:
            return HttpResponse(status=413)
        try:
            return view(request)
        except email_in.Unusable as error:
            logger.warning("inbound email refused: %s", error)
            return HttpResponse(str(error), status=error.status, content_type="text/plain")
        except (ValueError, KeyError, TypeError) as error:  # a payload the provider never sends
            logger.warning("inbound email: malformed payload (%s)", type(error).__name__)
            return HttpResponse("malformed payload", status=400, content_type="text/plain")

    return inbound


def _route(pattern, view):
    route = path if not str(pattern.pattern).startswith("^") else re_path
    return route(str(pattern.pattern), _for_organization(view), name=pattern.name)


def _anymail(suffix):
    return [
        pattern
        for pattern in anymail_urls.urlpatterns
        if isinstance(pattern, URLPattern)
        and pattern.name.endswith(suffix)
        and not pattern.name.startswith("mandrill")  # one combined webhook: not ours
    ]


urlpatterns = [
    *(_route(pattern, pattern.callback) for pattern in _anymail("_tracking_webhook")),
    *(_route(pattern, _inbound(pattern.callback)) for pattern in _anymail("_inbound_webhook")),
]
