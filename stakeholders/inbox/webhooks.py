"""The messaging providers' webhooks for the shared inbox, under /o/<slug>/webhooks/: Twilio's
SMS and WhatsApp (inbound messages and delivery reports, each request checked with Twilio's
signature). Email's inbound webhooks are with the tracking ones (``stakeholders.email_webhooks``).

Twilio signs the URL it called: we check the signature against ``settings.SITE_URL`` + the path
(and query), so behind a proxy SITE_URL must be the public https address Twilio uses, whatever
host and scheme the proxy passes on. In order, a request is refused with: 400 when it is too
big, 403 when the organization has no Twilio account or the signature is missing or wrong,
400 when a field Twilio always sends is missing or the sender's number is not a number, 404
when "To" is not one of the organization's numbers on that channel. Nothing is stored then.
A retried message (same MessageSid) is stored once. An inbound text is answered as soon as it
is stored; a worker files it into its conversation (``stakeholders.inbox.received``).
"""

import logging

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpResponse, HttpResponseBadRequest, HttpResponseForbidden
from django.urls import path
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from twilio.request_validator import (
    SIGNATURE_HEADER,
    SIGNATURE_SETTINGS_HEADER,
    RequestValidator,
    get_signature_algorithm,
)
from twilio.twiml.messaging_response import MessagingResponse

from stakeholders.inbox import received, services, twilio
from stakeholders.inbox.models import MessageChannel
from stakeholders.tenancy.middleware import organization_public

app_name = "inbox_webhooks"
logger = logging.getLogger(__name__)

# Twilio's largest form (a 1,600-character SMS or a 4,096-character WhatsApp message, ten
# media URLs) is a few KB: anything much bigger is not Twilio's.
MAX_REQUEST_BYTES = 64 * 1024
ERROR_PREFIX = "Twilio error"


def _too_big(request):
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return True
    return length > MAX_REQUEST_BYTES or len(request.body) > MAX_REQUEST_BYTES


def _signed(request, account):
    signature = request.headers.get(SIGNATURE_HEADER, "")
    if not signature or account is None:
        return False
    url = settings.SITE_URL.rstrip("/") + request.get_full_path()
    algorithm = get_signature_algorithm(request.headers.get(SIGNATURE_SETTINGS_HEADER, ""))
    return RequestValidator(account.auth_token).validate(
        url, request.POST, signature, algorithm=algorithm
    )


def twilio_webhook(view):
    """Public, CSRF-exempt, POST only; size and signature checked before the view runs."""

    @require_POST
    def webhook(request, org_slug):
        organization = request.organization
        if _too_big(request):
            return HttpResponseBadRequest("Too big.")
        routing = twilio.webhook_routing(organization)
        signed = _signed(request, routing.account)
        if not signed and routing.cached:
            # The cached account may be older than a token just changed: ask the database.
            routing = twilio.webhook_routing(organization, fresh=True)
            signed = _signed(request, routing.account)
        if not signed:
            logger.warning("twilio webhook refused: bad signature", extra={"kind": view.__name__})
            return HttpResponseForbidden("Bad signature.")
        request.twilio_routing = routing
        return view(request, organization)

    webhook.__name__ = view.__name__
    webhook.__doc__ = view.__doc__
    return organization_public(csrf_exempt(webhook))


# An empty TwiML answer ("nothing to send back"), built once rather than per message.
EMPTY_TWIML = str(MessagingResponse())


def _empty_twiml():
    return HttpResponse(EMPTY_TWIML, content_type="text/xml")


def _inbound(request, organization, channel):
    form = request.POST
    sid, sender, to = form.get("MessageSid", ""), form.get("From", ""), form.get("To", "")
    if not (sid and sender and to) or len(sid) > 64:
        return HttpResponseBadRequest("MessageSid, From and To are required.")
    body = form.get("Body", "")
    if len(body) > twilio.MAX_LENGTH[channel]:
        return HttpResponseBadRequest("Body too long.")
    try:
        address = twilio.normalise_from(sender, organization)
    except ValidationError:
        return HttpResponseBadRequest("From is not a phone number.")
    our_number = to.removeprefix(twilio.WHATSAPP_PREFIX).strip()
    if not twilio.webhook_number_known(organization, request.twilio_routing, channel, our_number):
        return HttpResponse("Unknown number.", status=404)
    links = twilio.media_links(form)
    text = "\n".join([body.strip(), *links]).strip()
    if not text:
        return HttpResponseBadRequest("Empty message.")
    received.keep(
        organization=organization,
        inbound=services.InboundMessage(
            channel=channel,
            address=address,
            body=text,
            display_name=form.get("ProfileName", "")[:200],
            our_address=our_number,
            provider_message_id=sid,
        ),
    )
    return _empty_twiml()


@twilio_webhook
def twilio_sms(request, organization):
    """An SMS to one of the organization's numbers."""
    return _inbound(request, organization, MessageChannel.SMS)


@twilio_webhook
def twilio_whatsapp(request, organization):
    """A WhatsApp message to one of the organization's WhatsApp numbers."""
    return _inbound(request, organization, MessageChannel.WHATSAPP)


STATUSES = {
    "sent": "sent",
    "delivered": "delivered",
    "read": "read",
    "failed": "failed",
    "undelivered": "failed",
    "canceled": "not_sent",
}


@twilio_webhook
def twilio_status(request, organization):
    """A delivery report for one of our messages (unknown SIDs are ignored: 200, nothing)."""
    form = request.POST
    sid = form.get("MessageSid", "")
    reported = form.get("MessageStatus") or form.get("SmsStatus") or ""
    if not sid or not reported:
        return HttpResponseBadRequest("MessageSid and MessageStatus are required.")
    status = STATUSES.get(reported)
    if status is None:  # queued, accepted, sending…: nothing we don't know already
        return HttpResponse(status=204)
    channel = (
        MessageChannel.WHATSAPP
        if form.get("To", "").startswith(twilio.WHATSAPP_PREFIX)
        else MessageChannel.SMS
    )
    error = ""
    if status == "failed" and form.get("ErrorCode"):
        error = f"{ERROR_PREFIX} {form.get('ErrorCode')[:10]}"
    with transaction.atomic():
        services.message_status_update(
            organization=organization,
            channel=channel,
            provider_message_id=sid,
            status=status,
            error=error,
            cost=twilio.price_of(form.get("Price")),
            currency=form.get("PriceUnit", ""),
        )
    return HttpResponse(status=204)


urlpatterns = [
    path("twilio/sms/", twilio_sms, name="twilio_sms"),
    path("twilio/whatsapp/", twilio_whatsapp, name="twilio_whatsapp"),
    path("twilio/status/", twilio_status, name="twilio_status"),
]
