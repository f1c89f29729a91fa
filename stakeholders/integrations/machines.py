"""What the base API viewset does for machines (issue 22, points 5 and 6), once for every route:

- **Idempotent writes**: a ``POST`` with an ``Idempotency-Key`` header runs once per token (or
  signed-in user) and key for 24 hours. The first response is stored; a retry with the same
  request gets it back (same status and body, ``Idempotent-Replayed: true``) and creates nothing;
  the same key with another request is refused (422). The key's row is inserted and locked in
  the transaction that runs the request, so a second request with the key waits for the first
  to finish and then replays its answer: two retries at once make one gift, not two.
  A server error (5xx) rolls everything back, the key included: a retry runs again.
- **Conditional GET** on detail routes: an ``ETag`` from the representation the caller gets;
  ``If-None-Match`` with it → 304 and no body.
"""

import hashlib
import json
from datetime import timedelta

from django.db import transaction
from django.http.request import RawPostDataException
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.utils.encoders import JSONEncoder

IDEMPOTENCY_HEADER = "HTTP_IDEMPOTENCY_KEY"
KEY_MAX_LENGTH = 255
KEEP = timedelta(hours=24)


class IdempotencyKeyReused(exceptions.APIException):
    status_code = 422
    default_code = "idempotency_key_reused"
    default_detail = _(
        "This Idempotency-Key was already used with a different request in the last 24 hours. "
        "Use a new key for a new request."
    )


class _Replay(Exception):  # control flow, not an error
    def __init__(self, record):
        self.record = record


def request_hash(request):
    """Method, path and body (JSON compared by value, not by spacing or key order)."""
    try:
        body = request._request.body
    except RawPostDataException:  # read already: the parsed data stand for it
        body = json.dumps(request.data, cls=JSONEncoder, sort_keys=True).encode()
    try:
        body = json.dumps(json.loads(body or b"null"), sort_keys=True, separators=(",", ":"))
        body = body.encode()
    except ValueError:
        pass
    digest = hashlib.sha256()
    for part in (request.method.encode(), request.get_full_path().encode(), body):
        digest.update(part + b"\0")
    return digest.hexdigest()


def _owner(request):
    from stakeholders.models import ApiToken

    token = request.auth if isinstance(request.auth, ApiToken) else None
    return (f"token:{token.pk}" if token else f"user:{request.user.pk}"), token


class MachineFriendlyMixin:
    """Mixed into ``OrganizationViewSet``: idempotent POSTs and ETags on details."""

    _idempotency = None

    def dispatch(self, request, *args, **kwargs):
        if request.method != "POST" or IDEMPOTENCY_HEADER not in request.META:
            return super().dispatch(request, *args, **kwargs)
        with transaction.atomic():  # the key's row stays locked until the request is done
            response = super().dispatch(request, *args, **kwargs)
            if response.status_code >= 500:
                transaction.set_rollback(True)
        return response

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)  # authenticated, allowed, not throttled
        if request.method == "POST" and IDEMPOTENCY_HEADER in request.META:
            self._idempotency = self._claim_key(request)

    def _claim_key(self, request):
        from stakeholders.integrations.models import IdempotencyRecord

        key = request.META[IDEMPOTENCY_HEADER].strip()
        if not key or len(key) > KEY_MAX_LENGTH or not key.isprintable():
            message = _("Give a key of 1 to %(max)s printable characters, e.g. a UUID.")
            raise exceptions.ValidationError(
                {"Idempotency-Key": [message % {"max": KEY_MAX_LENGTH}]}
            )
        owner, token = _owner(request)
        digest, now = request_hash(request), timezone.now()
        IdempotencyRecord.objects.bulk_create(
            [
                IdempotencyRecord(
                    organization=request.organization,
                    owner=owner,
                    token=token,
                    key=key,
                    request_hash=digest,
                    created_at=now,
                )
            ],
            ignore_conflicts=True,  # another request has it: wait below for it to finish
        )
        record = IdempotencyRecord.objects.select_for_update().get(
            organization=request.organization, owner=owner, key=key
        )
        if record.status_code is None:  # ours, just inserted
            return record
        if record.created_at < now - KEEP:  # an expired key starts afresh
            record.request_hash, record.status_code, record.response_body = digest, None, ""
            record.created_at = now
            record.save(
                update_fields=["request_hash", "status_code", "response_body", "created_at"]
            )
            return record
        if record.request_hash != digest:
            raise IdempotencyKeyReused()
        raise _Replay(record)

    def handle_exception(self, exc):
        if isinstance(exc, _Replay):
            record = exc.record
            data = json.loads(record.response_body) if record.response_body else None
            response = Response(data, status=record.status_code)
            response["Idempotent-Replayed"] = "true"
            return response
        return super().handle_exception(exc)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        record, self._idempotency = self._idempotency, None
        if record is not None and response.status_code < 500:
            record.status_code = response.status_code
            data = getattr(response, "data", None)
            record.response_body = "" if data is None else json.dumps(data, cls=JSONEncoder)
            record.save(update_fields=["status_code", "response_body"])
        if (
            request.method in ("GET", "HEAD")
            and getattr(self, "action", None) == "retrieve"
            and response.status_code == 200
            and getattr(response, "data", None) is not None
        ):
            self._conditional(request, response)
        return response

    def _conditional(self, request, response):
        etag = f'"{hashlib.sha256(JSONRenderer().render(response.data)).hexdigest()[:32]}"'
        response["ETag"] = etag
        wanted = request.META.get("HTTP_IF_NONE_MATCH", "")
        tags = {tag.strip().removeprefix("W/") for tag in wanted.split(",")}
        if etag in tags or "*" in tags:
            response.status_code = 304
            response.data = None
