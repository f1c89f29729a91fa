"""No SSRF: a webhook goes only to a public address.

The host is resolved and every address it resolves to must be public (not private, loopback,
link-local, multicast, reserved or unspecified) — at save, and again at each send, where the
connection then goes to the address checked, not to a second lookup (DNS rebinding).
``settings.WEBHOOKS_ALLOW_PRIVATE`` lifts the check (tests' loopback receivers); production
also requires https (``settings.WEBHOOKS_REQUIRE_HTTPS``).
"""

import ipaddress
import socket
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


def _is_public(address):
    ip = ipaddress.ip_address(address)
    if ip.version == 6 and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return ip.is_global and not (ip.is_multicast or ip.is_reserved or ip.is_unspecified)


def check_url(url):
    """The URL's scheme, host and port, or a ValidationError saying why it is refused."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValidationError({"url": _("Enter an http or https address.")})
    if settings.WEBHOOKS_REQUIRE_HTTPS and parts.scheme != "https":
        raise ValidationError({"url": _("The address must start with https://.")})
    if parts.username or parts.password:
        raise ValidationError({"url": _("Leave the user name and password out of the address.")})
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as error:
        raise ValidationError({"url": _("The port of this address is not valid.")}) from error
    return parts.scheme, parts.hostname, port


def resolve(host, port):
    """The addresses ``host`` resolves to, all checked public (unless private ones are allowed)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise ValidationError({"url": _("This host name can't be found.")}) from error
    addresses = list(dict.fromkeys(info[4][0] for info in infos))
    if not settings.WEBHOOKS_ALLOW_PRIVATE and not all(_is_public(a) for a in addresses):
        raise ValidationError(
            {"url": _("This address is on a private network. Webhooks go to public addresses.")}
        )
    return addresses


def check_endpoint_url(url):
    """At save: the URL is well formed and its host resolves to public addresses only."""
    _scheme, host, port = check_url(url)
    resolve(host, port)
