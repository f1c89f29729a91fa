"""The providers' webhooks into the inbox, in the API docs (a drf-spectacular postprocessing
hook, ``SPECTACULAR_SETTINGS``)."""

# --- The providers' webhooks into the inbox, in the API docs -------------------------------------
#
# They are not API routes (no token: the provider's signature is the key) but integrators set
# them up in Twilio's console and their email provider's, so the docs describe them as the paths
# they are, under the "webhooks" tag. Only routes that exist are documented (read from the URL
# map when the schema is made). A postprocessing hook: ``SPECTACULAR_SETTINGS``.

TWILIO_SIGNATURE = {
    "name": "X-Twilio-Signature",
    "in": "header",
    "required": True,
    "schema": {"type": "string"},
    "description": "Base64 HMAC-SHA1 of the public URL (SITE_URL + path) and the sorted form "
    "fields, keyed with the organization's Twilio auth token "
    "(twilio.request_validator.RequestValidator). Behind a proxy, SITE_URL must be the URL "
    "Twilio calls.",
}
ORG_SLUG = {
    "name": "org_slug",
    "in": "path",
    "required": True,
    "schema": {"type": "string"},
    "description": "The organization's web address.",
}
TWIML = {
    "description": "Stored (or stored already: Twilio's retries with the same MessageSid store "
    "one message). An empty TwiML answer: Twilio sends nothing back.",
    "content": {
        "text/xml": {
            "schema": {"type": "string"},
            "example": '<?xml version="1.0" encoding="UTF-8"?><Response />',
        }
    },
}
REFUSED = {
    "400": {
        "description": "Malformed, nothing stored: bigger than 64 KB, MessageSid/From/To (or "
        "MessageStatus) missing, From not a phone number, Body longer than the channel allows "
        "(SMS 1,600 characters), or an empty message."
    },
    "403": {
        "description": "The organization has no Twilio account, or X-Twilio-Signature is missing "
        "or wrong. Nothing stored."
    },
    "404": {
        "description": "No such organization, or To is not one of its numbers on this channel. "
        "Nothing stored."
    },
}


def _twilio_inbound(channel, label):
    prefix = "whatsapp:" if channel == "whatsapp" else ""
    return {
        "post": {
            "operationId": f"webhooks_twilio_{channel}_inbound",
            "summary": f"Twilio: an inbound {label} (Twilio calls this)",
            "description": f'Set it as the number\'s "A message comes in" webhook (HTTP POST) in '
            f"Twilio's console. The message joins the sender's conversation on {label} (matched "
            "to a contact by phone number, E.164), lands on their timeline and starts the reply "
            "clock. STOP/START/HELP keywords change SMS consent at once.",
            "tags": ["webhooks"],
            "security": [],
            "parameters": [ORG_SLUG, TWILIO_SIGNATURE],
            "requestBody": {
                "required": True,
                "content": {
                    "application/x-www-form-urlencoded": {
                        "schema": {
                            "type": "object",
                            "required": ["MessageSid", "AccountSid", "From", "To"],
                            "properties": {
                                "MessageSid": {"type": "string", "example": "SM" + "0" * 32},
                                "AccountSid": {"type": "string", "example": "AC" + "0" * 32},
                                "From": {"type": "string", "example": f"{prefix}+447700900123"},
                                "To": {"type": "string", "example": f"{prefix}+447700900001"},
                                "Body": {"type": "string", "maxLength": 1600},
                                "NumMedia": {"type": "string", "example": "0"},
                                "MediaUrl0": {"type": "string", "format": "uri"},
                                "MediaContentType0": {"type": "string"},
                                **(
                                    {"ProfileName": {"type": "string"}, "WaId": {"type": "string"}}
                                    if channel == "whatsapp"
                                    else {}
                                ),
                            },
                        }
                    }
                },
            },
            "responses": {"200": TWIML, **REFUSED},
        }
    }


def _twilio_status():
    return {
        "post": {
            "operationId": "webhooks_twilio_status",
            "summary": "Twilio: a delivery report of a message we sent (Twilio calls this)",
            "description": "Steward gives this URL as each message's StatusCallback: no setup. "
            "The message's status follows (a late report never moves it back: delivered stays "
            "delivered); undelivered/failed keep the ErrorCode; Price is recorded as its cost.",
            "tags": ["webhooks"],
            "security": [],
            "parameters": [ORG_SLUG, TWILIO_SIGNATURE],
            "requestBody": {
                "required": True,
                "content": {
                    "application/x-www-form-urlencoded": {
                        "schema": {
                            "type": "object",
                            "required": ["MessageSid", "MessageStatus"],
                            "properties": {
                                "MessageSid": {"type": "string"},
                                "AccountSid": {"type": "string"},
                                "MessageStatus": {
                                    "type": "string",
                                    "enum": [
                                        "accepted",
                                        "queued",
                                        "sending",
                                        "sent",
                                        "delivered",
                                        "read",
                                        "undelivered",
                                        "failed",
                                    ],
                                },
                                "ErrorCode": {"type": "string", "example": "30003"},
                                "Price": {"type": "string", "example": "-0.00790"},
                                "PriceUnit": {"type": "string", "example": "USD"},
                            },
                        }
                    }
                },
            },
            "responses": {
                "204": {
                    "description": "Recorded, or nothing to record (an interim status, or a "
                    "message Steward doesn't know)."
                },
                "400": REFUSED["400"],
                "403": REFUSED["403"],
                "404": {"description": "No such organization."},
            },
        }
    }


def _email(kind, providers):
    inbound = kind == "inbound"
    return {
        "post": {
            "operationId": f"webhooks_email_{kind}",
            "summary": (
                "Email: an inbound message (the email provider calls this)"
                if inbound
                else "Email: delivery events — bounces, complaints, unsubscribes (the provider "
                "calls this)"
            ),
            "description": (
                "The organization's inbound email, as the provider parses it (django-anymail): "
                "a message from a known contact lands on their timeline; a reply to one of our "
                "emails threads to what it answers (signed Message-ID); an unknown sender "
                "starts a new conversation."
                if inbound
                else "Bounces, complaints and unsubscribes (django-anymail): a hard bounce "
                "marks the address invalid, a complaint stops bulk email to it."
            )
            + " Set the URL in the provider's console with the shared basic-auth credentials "
            "(ANYMAIL WEBHOOK_SECRET) in it, https://user:password@host/o/<slug>/webhooks/"
            f"email/<provider>/{kind}/, and the provider's own signing key where it has one "
            "(Mailgun, Postmark, SendGrid, Amazon SNS…). The payload is the provider's own.",
            "tags": ["webhooks"],
            "security": [{"webhookBasicAuth": []}],
            "parameters": [
                ORG_SLUG,
                {
                    "name": "provider",
                    "in": "path",
                    "required": True,
                    "schema": {"type": "string", "enum": sorted(providers)},
                },
            ],
            "requestBody": {
                "required": True,
                "description": "The provider's payload (JSON, a form, or raw MIME).",
                "content": {
                    "application/json": {"schema": {"type": "object"}},
                    "application/x-www-form-urlencoded": {"schema": {"type": "object"}},
                    "multipart/form-data": {"schema": {"type": "object"}},
                },
            },
            "responses": {
                "200": {"description": "Received (a repeat of one already stored is ignored)."},
                "400": {
                    "description": "Basic auth or the provider's signature is wrong, or the "
                    "payload is malformed. Nothing stored."
                },
                "403": {"description": "No webhook secret is configured: every call is refused."},
                "404": {"description": "No such organization."},
            },
        }
    }


def _resolves(path):
    from django.urls import Resolver404, resolve

    try:
        resolve(path)
    except Resolver404:
        return False
    return True


def document_webhooks(result, generator, request, public):
    """Add the inbox's inbound webhooks (Twilio's, the email providers') to the schema."""
    from stakeholders import email_webhooks

    paths = result.setdefault("paths", {})
    twilio = {
        "sms": lambda: _twilio_inbound("sms", "SMS"),
        "whatsapp": lambda: _twilio_inbound("whatsapp", "WhatsApp message"),
        "status": _twilio_status,
    }
    for name, build in twilio.items():
        if _resolves(f"/o/org/webhooks/twilio/{name}/"):
            paths[f"/o/{{org_slug}}/webhooks/twilio/{name}/"] = build()
    providers = {}
    for pattern in email_webhooks.urlpatterns:
        parts = str(pattern.pattern).strip("^$/").split("/")
        if len(parts) == 2 and parts[1].startswith(("inbound", "tracking")):
            kind = "inbound" if parts[1].startswith("inbound") else "tracking"
            providers.setdefault(kind, set()).add(parts[0])
    for kind, names in sorted(providers.items()):
        paths[f"/o/{{org_slug}}/webhooks/email/{{provider}}/{kind}/"] = _email(kind, names)
    schemes = result.setdefault("components", {}).setdefault("securitySchemes", {})
    schemes["webhookBasicAuth"] = {
        "type": "http",
        "scheme": "basic",
        "description": "The shared webhook secret (ANYMAIL WEBHOOK_SECRET, user:password).",
    }
    return result
