"""The email providers' tracking webhooks (Anymail's), one set per organization:
``/o/<slug>/webhooks/email/<provider>/tracking/`` (Mailgun, SendGrid, Postmark, Amazon SES and
every other provider Anymail supports), so an event knows which organization's mail it is about.

Anymail checks each request (the shared basic auth in ``ANYMAIL["WEBHOOK_SECRET"]``, and the
provider's own signature where it has one: Mailgun's signing key, Amazon SNS's certificates…)
and answers 400 to a request that fails; its ``tracking`` signal then reaches
``stakeholders.deliverability``. Without a webhook secret configured the webhooks refuse every
request (403): an open webhook would let anyone suppress any address.
"""

from functools import wraps

from anymail import urls as anymail_urls
from django.conf import settings
from django.http import HttpResponseForbidden
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from stakeholders import deliverability
from stakeholders.tenancy.middleware import organization_public

app_name = "email_webhooks"


def _for_organization(view):
    @wraps(view)
    def webhook(request, org_slug):
        if not getattr(settings, "ANYMAIL", {}).get("WEBHOOK_SECRET"):
            return HttpResponseForbidden()
        token = deliverability.webhook_organization.set(request.organization)
        try:
            return view(request)
        finally:
            deliverability.webhook_organization.reset(token)

    return organization_public(csrf_exempt(webhook))


urlpatterns = [
    path(str(pattern.pattern), _for_organization(pattern.callback), name=pattern.name)
    for pattern in anymail_urls.urlpatterns
    if pattern.name.endswith("_tracking_webhook") and not pattern.name.startswith("mandrill")
]
