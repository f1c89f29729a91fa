"""The audit log's writes and reads (stakeholders/services.py is split by topic).

``record()`` is called by the services that change who may do what (roles, members, tokens,
settings) or that touch many people at once (exports, imports, merges, erasures), so the HTML
pages, the API and the platform admin all leave the same trace. Who and from where come from the
current request (``stakeholders.operations.context``) unless an ``actor`` is given, as tasks and
commands do.
"""

import ipaddress

from django.conf import settings

from stakeholders.models import AuditAction, AuditEvent
from stakeholders.operations import context


def _client_address(request):
    header = getattr(settings, "RATELIMIT_IP_META_KEY", None)
    raw = (request.META.get(header) if header else None) or request.META.get("REMOTE_ADDR", "")
    try:
        return str(ipaddress.ip_address(raw.split(",")[0].strip()))
    except ValueError:
        return None


def record(*, organization, action, summary, target=None, changes=None, actor=None):
    fields = context.current()
    request = fields.get("request")
    if actor is None and request is not None and context.user_id(request):
        actor = request.user
    return AuditEvent.objects.create(
        organization=organization,
        action=action,
        actor_id=getattr(actor, "pk", None),
        actor_email=getattr(actor, "email", "") or "",
        target_type=target._meta.label_lower if target is not None else "",
        target_id=getattr(target, "pk", None),
        summary=summary[:300],
        changes=changes or {},
        ip_address=_client_address(request) if request is not None else None,
        request_id=fields.get("request_id") or "",
    )


def events(*, organization, action=None, actor_id=None, since=None, until=None):
    """Newest first; page by key on (created_at, id)."""
    rows = AuditEvent.objects.filter(organization=organization)
    if action:
        rows = rows.filter(action=action)
    if actor_id:
        rows = rows.filter(actor_id=actor_id)
    if since:
        rows = rows.filter(created_at__date__gte=since)
    if until:
        rows = rows.filter(created_at__date__lte=until)
    return rows.order_by("-created_at", "-id")


__all__ = ["AuditAction", "events", "record"]
