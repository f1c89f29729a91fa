"""The charity's own face: its colour on public pages, emails and letters, and the one place a
stakeholder email is built, so every message comes from the organization, not from Steward.

Colours are checked against WCAG 2.1: the text laid on the brand colour is whichever of white and
near-black reads better, and that choice always reaches 4.5:1 (AA for body text), so an
organization can pick any colour without making its pages unreadable.
"""

import re
from email.utils import formataddr, parseaddr

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

HEX_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")
LIGHT_TEXT = "#ffffff"
DARK_TEXT = "#000000"  # pure black: with white, one of the two always reaches 4.5:1
DEFAULT_COLOR = "#1d4ed8"  # Steward's own blue, for an organization that chose none
AA = 4.5


def validate_brand_color(value):
    if value and not HEX_COLOR.match(value):
        raise ValidationError(
            _("Write the colour as # and six hexadecimal digits, for example #1d4ed8."),
            code="invalid",
        )


def _luminance(color):
    """WCAG relative luminance of "#rrggbb"."""
    channels = [int(color[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast_ratio(one, other):
    lighter, darker = sorted((_luminance(one), _luminance(other)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def text_color_on(background):
    """The text colour that reads best on ``background``: white or near-black (≥ 4.5:1 always)."""
    if contrast_ratio(background, LIGHT_TEXT) >= contrast_ratio(background, DARK_TEXT):
        return LIGHT_TEXT
    return DARK_TEXT


def readable_on_white(color):
    """``color`` darkened just enough to read as text or a border on white (≥ 4.5:1): a light
    brand colour still gives links and outlined buttons that can be read."""
    red, green, blue = (int(color[i : i + 2], 16) for i in (1, 3, 5))
    for step in range(21):
        keep = 1 - step / 20
        shade = "#{:02x}{:02x}{:02x}".format(*(round(c * keep) for c in (red, green, blue)))
        if contrast_ratio(shade, LIGHT_TEXT) >= AA:
            return shade
    return DARK_TEXT


def brand(organization):
    """The organization's colours and public contact details, for pages, emails and letters."""
    color = (organization.brand_color or DEFAULT_COLOR).lower()
    logo_url = ""
    if organization.logo:
        logo_url = settings.SITE_URL.rstrip("/") + reverse(
            "stakeholders:organization_logo", kwargs={"org_slug": organization.slug}
        )
    return {
        "name": organization.name,
        "color": color,
        "text_color": text_color_on(color),
        "accent": readable_on_white(color),  # links and outlines on white
        "logo_url": logo_url,  # absolute: emails are read far from the site
        "address": organization.address,
        "phone": organization.phone,
        "email": organization.contact_email,
    }


def from_email(organization):
    """The organization's name on the platform's address: "Riverside Food Bank
    <noreply@…>". The platform address keeps SPF/DKIM aligned (we can't send as the charity's
    own domain); Django encodes a non-Latin name (RFC 2047) when the message is built."""
    address = parseaddr(settings.DEFAULT_FROM_EMAIL)[1]
    return formataddr((organization.sender_name or organization.name, address), charset="utf-8")


def reply_to(organization):
    """Replies go to the organization's own inbox, when it has one."""
    return [organization.contact_email] if organization.contact_email else None


def signature(organization):
    """The organization's contact details under a plain-text email ("-- " marks a signature,
    which mail clients show quietly)."""
    lines = [organization.name, *organization.address.splitlines()]
    lines.append(" · ".join(filter(None, [organization.phone, organization.contact_email])))
    return "\n".join(["-- ", *(line.strip() for line in lines if line.strip())])


def email_message(*, organization, subject, body, to, html=None, headers=None, thread=None):
    """A stakeholder email from ``organization``: its name as the sender, its inbox for replies,
    its contact details under the text.

    Every app builds the emails it sends to donors, volunteers and clients here, so the sender
    is decided once. ``thread=(kind, object_id)`` names what the email is about: its Message-ID
    is then signed (``stakeholders.inbox.threads``; a caller's own Message-ID header is kept, a
    retry resends the same one) and replies go to the organization's inbound address, when it
    has one, so an answer lands in the shared inbox threaded to what it answers."""
    answer_to = reply_to(organization)
    if thread is not None:
        from stakeholders.inbox import email_in, threads

        kind, object_id = thread
        headers = dict(headers or {})
        if not headers.get("Message-ID"):
            headers["Message-ID"] = threads.message_id(
                organization=organization, kind=kind, object_id=object_id
            )
        address = email_in.inbound_address(organization)
        answer_to = [address] if address else answer_to
    message = EmailMultiAlternatives(
        subject=subject,
        body=f"{body.rstrip()}\n\n{signature(organization)}\n",
        from_email=from_email(organization),
        to=to,
        reply_to=answer_to,
        headers=headers,
    )
    if html is not None:
        message.attach_alternative(html, "text/html")
    return message
