"""A fake Twilio on loopback: a real HTTP server (real sockets, a thread per request) that speaks
the part of Twilio's REST API Steward uses, and helpers that fire signed webhooks at Steward.

Use the ``twilio_server`` fixture (registered in tests/conftest.py). It starts a server for the
test, points Steward at it (``MESSAGING_BACKEND="twilio"``, ``TWILIO_API_BASE=<its URL>``) and
yields the ``FakeTwilio``::

    def test_reply_goes_out(twilio_server, client):
        account = MessagingAccountFactory(organization=org)      # accepted as is (AUTH_TOKEN)
        ...
        sent = twilio_server.messages[-1]                         # the form Twilio received
        assert sent["To"] == "+447700900123" and sent["Body"] == "Hello"
        twilio_server.status_callback(sent["sid"], "delivered", client=client)

The API it speaks (paths as Twilio's, under ``server.url``):

- ``POST /2010-04-01/Accounts/<sid>/Messages.json`` — checks basic auth, ``To``, ``From`` or
  ``MessagingServiceSid``, and ``Body``/``ContentSid``/``MediaUrl``; answers 201 with a message
  resource as Twilio does (``sid`` "SM…", ``status`` "queued", ``num_segments`` counted as
  Twilio counts them: GSM-7 160/153, otherwise UCS-2 70/67; ``price`` null).
- ``GET /2010-04-01/Accounts/<sid>.json`` — the account (how a settings page tests credentials).
- A bad SID or token is 401 with Twilio's error 20003. A recipient in ``server.refusals`` gets
  that error (by default ``UNSUBSCRIBED`` → HTTP 400, error 21610 "unsubscribed recipient").

Every request is recorded in ``server.requests`` (``Recorded``); ``server.messages`` are the
forms of the messages it accepted, each with the ``sid`` it gave them.

Webhooks: ``signed_post(url_or_path, params, auth_token=…, client=…)`` signs with
``twilio.request_validator.RequestValidator`` exactly as Twilio does (the public URL: an absolute
``url`` as is, or ``settings.SITE_URL`` + path) and posts form-encoded, either through a Django
test ``client`` or, without one, over HTTP to a live server (set ``settings.SITE_URL`` to
``live_server.url`` then). ``inbound_params`` and ``status_params`` build the forms Twilio sends.
"""

import base64
import json
import secrets
import threading
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests
from django.conf import settings as django_settings
from twilio.request_validator import RequestValidator

# The auth token of tests.factories.MessagingAccountFactory: any "AC…" SID not registered
# otherwise is accepted with it, so a factory-made account works against the fake as is.
AUTH_TOKEN = "0123456789abcdef0123456789abcdef"
# A recipient who texted STOP to the sender: Twilio refuses with 21610 (HTTP 400).
UNSUBSCRIBED = "+15005550004"
# A recipient that is not a mobile number / can't be reached: 21614.
NOT_MOBILE = "+15005550009"

API_VERSION = "2010-04-01"
GSM7 = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    "ÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà^{}\\[~]|€"
)
GSM7_EXTENDED = set("^{}\\[~]|€")


def segments(body):
    """How many SMS segments Twilio bills for ``body`` (GSM-7 or UCS-2, concatenated)."""
    body = body or ""
    if all(char in GSM7 for char in body):
        length = sum(2 if char in GSM7_EXTENDED else 1 for char in body)
        single, multi = 160, 153
    else:
        length = sum(2 if ord(char) > 0xFFFF else 1 for char in body)  # UTF-16 code units
        single, multi = 70, 67
    if length <= single:
        return 1
    return -(-length // multi)


@dataclass
class Recorded:
    """One request the fake received."""

    method: str
    path: str
    account_sid: str  # from basic auth ("" when none)
    auth_token: str
    form: dict  # form fields, one value each (the last when repeated)
    form_lists: dict  # every value of each field (MediaUrl may repeat)
    status: int = 0  # what the fake answered
    response: dict = field(default_factory=dict)


@dataclass
class Refusal:
    status: int
    code: int
    message: str


class FakeTwilio:
    """The fake server. ``start()``/``stop()``; ``url`` is its base (``http://127.0.0.1:<port>``)."""

    def __init__(self):
        self.accounts = {}  # sid -> token, for accounts registered with another token
        self.refusals = {
            UNSUBSCRIBED: Refusal(400, 21610, "Attempt to send to unsubscribed recipient"),
            NOT_MOBILE: Refusal(400, 21614, "'To' number is not a valid mobile number"),
        }
        self.requests = []
        self.messages = []  # accepted message forms (+ "sid", "account_sid")
        self.lock = threading.Lock()
        self.server = None
        self.thread = None

    # --- control -------------------------------------------------------------------------------

    def start(self):
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self

    def stop(self):
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    @property
    def url(self):
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def register(self, account_sid, auth_token=AUTH_TOKEN):
        """Accept ``account_sid`` only with ``auth_token`` (a MessagingAccount works too)."""
        if hasattr(account_sid, "account_sid"):
            account_sid, auth_token = account_sid.account_sid, account_sid.auth_token
        self.accounts[account_sid] = auth_token

    def refuse(self, number, *, code=21610, status=400, message="Refused by the fake Twilio"):
        """Messages to ``number`` (E.164, with or without "whatsapp:") get Twilio error ``code``."""
        self.refusals[number] = Refusal(status, code, message)

    def reset(self):
        with self.lock:
            self.requests.clear()
            self.messages.clear()

    @property
    def last_message(self):
        return self.messages[-1] if self.messages else None

    def sent_to(self, number):
        """Accepted messages to ``number`` ("+44…" or "whatsapp:+44…")."""
        return [m for m in self.messages if m.get("To") == number]

    # --- webhooks toward Steward ---------------------------------------------------------------

    def status_callback(self, sid, status, *, client=None, error_code=None, price=None, **extra):
        """Fire the delivery report Twilio would send for accepted message ``sid`` to the
        ``StatusCallback`` URL Steward gave, signed with the account's token."""
        sent = next(m for m in self.messages if m["sid"] == sid)
        url = sent.get("StatusCallback")
        assert url, "the message was sent without a StatusCallback"
        params = status_params(
            sid=sid,
            status=status,
            to=sent.get("To", ""),
            from_=sent.get("From", ""),
            account_sid=sent["account_sid"],
            error_code=error_code,
            price=price,
            **extra,
        )
        return signed_post(url, params, auth_token=sent["auth_token"], client=client)

    # --- the API -------------------------------------------------------------------------------

    def _token_for(self, sid):
        if sid in self.accounts:
            return self.accounts[sid]
        return AUTH_TOKEN if sid.startswith("AC") else None

    def handle(self, method, path, headers, body):
        """Answer one request: (status, JSON dict)."""
        sid, token = _basic_auth(headers.get("Authorization", ""))
        lists = parse_qs(body.decode("utf-8"), keep_blank_values=True) if body else {}
        form = {key: values[-1] for key, values in lists.items()}
        recorded = Recorded(method, path, sid, token, form, lists)
        status, payload = self._answer(recorded)
        recorded.status, recorded.response = status, payload
        with self.lock:
            self.requests.append(recorded)
        return status, payload

    def _answer(self, recorded):
        parts = urlsplit(recorded.path).path.strip("/").split("/")
        if len(parts) < 3 or parts[0] != API_VERSION or parts[1] != "Accounts":
            return 404, _error(404, 20404, "The requested resource was not found")
        path_sid = parts[2].removesuffix(".json")
        expected = self._token_for(recorded.account_sid)
        if (
            not recorded.account_sid
            or expected is None
            or not secrets.compare_digest(expected, recorded.auth_token)
            or recorded.account_sid != path_sid
        ):
            return 401, _error(401, 20003, "Authenticate")
        if len(parts) == 3 and recorded.method == "GET":
            return 200, _account(path_sid)
        if parts[3:] == ["Messages.json"] and recorded.method == "POST":
            return self._create_message(path_sid, recorded)
        return 404, _error(404, 20404, "The requested resource was not found")

    def _create_message(self, account_sid, recorded):
        form = recorded.form
        to = form.get("To", "")
        if not to:
            return 400, _error(400, 21604, "A 'To' phone number is required.")
        if not (form.get("From") or form.get("MessagingServiceSid")):
            return 400, _error(400, 21603, "A 'From' phone number is required.")
        if not (form.get("Body") or form.get("ContentSid") or form.get("MediaUrl")):
            return 400, _error(400, 21602, "Message body is required.")
        if len(form.get("Body", "")) > 1600:
            return 400, _error(400, 21617, "The concatenated message body exceeds the 1600 limit")
        refusal = self.refusals.get(to.removeprefix("whatsapp:"))
        if refusal is not None:
            return refusal.status, _error(refusal.status, refusal.code, refusal.message)
        sid = "SM" + secrets.token_hex(16)
        now = formatdate(usegmt=True)
        payload = {
            "account_sid": account_sid,
            "api_version": API_VERSION,
            "body": form.get("Body", ""),
            "date_created": now,
            "date_sent": None,
            "date_updated": now,
            "direction": "outbound-api",
            "error_code": None,
            "error_message": None,
            "from": form.get("From") or None,
            "messaging_service_sid": form.get("MessagingServiceSid") or None,
            "num_media": str(len(recorded.form_lists.get("MediaUrl", []))),
            "num_segments": str(segments(form.get("Body", ""))),
            "price": None,
            "price_unit": "USD",
            "sid": sid,
            "status": "queued",
            "subresource_uris": {
                "media": f"/{API_VERSION}/Accounts/{account_sid}/Messages/{sid}/Media.json"
            },
            "to": to,
            "uri": f"/{API_VERSION}/Accounts/{account_sid}/Messages/{sid}.json",
        }
        with self.lock:
            self.messages.append(
                {**form, "sid": sid, "account_sid": account_sid, "auth_token": recorded.auth_token}
            )
        return 201, payload


def _basic_auth(header):
    if not header.startswith("Basic "):
        return "", ""
    try:
        decoded = base64.b64decode(header[6:]).decode("utf-8")
    except ValueError:
        return "", ""
    sid, _sep, token = decoded.partition(":")
    return sid, token


def _error(status, code, message):
    return {
        "code": code,
        "message": message,
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }


def _account(sid):
    return {
        "sid": sid,
        "friendly_name": "Fake account",
        "status": "active",
        "type": "Full",
        "uri": f"/{API_VERSION}/Accounts/{sid}.json",
    }


def _handler_for(fake):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # headers and body go in two writes: no 40 ms stalls

        def _serve(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            status, payload = fake.handle(self.command, self.path, self.headers, body)
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_DELETE = _serve

        def log_message(self, format, *args):  # quiet: nothing of the messages in test output
            pass

    return Handler


# --- webhooks: the forms Twilio posts, signed as Twilio signs them -------------------------------


def inbound_params(
    *,
    from_,
    to,
    body="",
    sid=None,
    account_sid="AC" + "0" * 32,
    channel="sms",
    media=(),
    profile_name="",
):
    """The form of Twilio's incoming-message webhook. ``channel="whatsapp"`` prefixes the
    numbers with "whatsapp:" as Twilio does; ``media`` is a list of (url, content_type)."""
    prefix = "whatsapp:" if channel == "whatsapp" else ""
    params = {
        "ToCountry": "GB",
        "SmsMessageSid": sid or "SM" + secrets.token_hex(16),
        "NumMedia": str(len(media)),
        "From": prefix + from_ if not from_.startswith(prefix) else from_,
        "To": prefix + to if not to.startswith(prefix) else to,
        "Body": body,
        "NumSegments": "1",
        "AccountSid": account_sid,
        "ApiVersion": API_VERSION,
        "SmsStatus": "received",
    }
    params["MessageSid"] = params["SmsSid"] = params["SmsMessageSid"]
    for index, (url, content_type) in enumerate(media):
        params[f"MediaUrl{index}"] = url
        params[f"MediaContentType{index}"] = content_type
    if channel == "whatsapp":
        params["ProfileName"] = profile_name or "WhatsApp user"
        params["WaId"] = from_.removeprefix("whatsapp:").lstrip("+")
    return params


def status_params(
    *,
    sid,
    status,
    to="",
    from_="",
    account_sid="AC" + "0" * 32,
    error_code=None,
    price=None,
    price_unit="USD",
    **extra,
):
    """The form of Twilio's status callback for message ``sid``. Twilio reports prices as
    negative numbers ("-0.00790"); pass ``price`` as Twilio would."""
    params = {
        "MessageSid": sid,
        "SmsSid": sid,
        "MessageStatus": status,
        "SmsStatus": status,
        "To": to,
        "From": from_,
        "AccountSid": account_sid,
        "ApiVersion": API_VERSION,
    }
    if error_code is not None:
        params["ErrorCode"] = str(error_code)
    if price is not None:
        params["Price"], params["PriceUnit"] = str(price), price_unit
    params.update({key: str(value) for key, value in extra.items()})
    return params


def public_url(url_or_path):
    """The URL Twilio signs: absolute as given, or ``settings.SITE_URL`` + path."""
    if url_or_path.startswith(("http://", "https://")):
        return url_or_path
    return django_settings.SITE_URL.rstrip("/") + url_or_path


def sign(url_or_path, params, auth_token=AUTH_TOKEN):
    """The ``X-Twilio-Signature`` Twilio would send (the twilio library's own signing)."""
    return RequestValidator(auth_token).compute_signature(public_url(url_or_path), params)


def signed_post(url_or_path, params, *, auth_token=AUTH_TOKEN, client=None, signature=None):
    """POST a signed Twilio webhook, form-encoded. With ``client`` (a Django test client) the
    path is posted in-process; without, over HTTP to the absolute URL (a live server).
    ``signature`` overrides the computed one ("" sends none): for forgery tests."""
    if signature is None:
        signature = sign(url_or_path, params, auth_token)
    headers = {"X-Twilio-Signature": signature} if signature else {}
    if client is not None:
        path = urlsplit(public_url(url_or_path))
        target = path.path + (f"?{path.query}" if path.query else "")
        return client.post(
            target,
            data=urlencode(params),
            content_type="application/x-www-form-urlencoded",
            headers=headers,
        )
    return requests.post(public_url(url_or_path), data=params, headers=headers, timeout=10)


@pytest.fixture
def twilio_server(settings):
    """A fake Twilio for this test, with Steward pointed at it."""
    fake = FakeTwilio().start()
    settings.MESSAGING_BACKEND = "twilio"
    settings.TWILIO_API_BASE = fake.url
    yield fake
    fake.stop()
