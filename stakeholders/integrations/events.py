"""Events for webhooks: the types apps register, and ``emit()`` they call from their services.

``emit()`` runs inside the service's transaction: the event and one pending delivery per
subscribed endpoint are rows written with the change (a rolled-back change reports nothing), and
the sending is queued once it commits (``transaction.on_commit``). Example (donors' services)::

    events.emit(organization=organization, type="gift.created", data=gift_data(gift),
                contact=gift.contact)

Each type names the staff roles that may receive it (those who may read that kind of row); an
endpoint whose role is not among them is not sent the event. A contact's stakeholder roles in a
payload (``contact_data``) are cut to what the endpoint's role may learn (a client's, say).
"""

import json
from dataclasses import dataclass

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.utils import timezone
from django_scopes import get_scope

from stakeholders.models import CONTACT_ROLES
from stakeholders.registries import restricted_contact_roles


@dataclass(frozen=True)
class EventType:
    name: str
    label: str
    roles: tuple  # staff roles that may receive it; empty: every role


class EventTypes:
    """What endpoints may subscribe to. Feature apps register theirs in ``contributions``."""

    def __init__(self):
        self._types: dict[str, EventType] = {}

    def register(self, name, label, *, roles=()):
        self._types[name] = EventType(name, label, tuple(roles))

    def get(self, name):
        return self._types[name]

    def names(self):
        return sorted(self._types)

    def choices(self):
        return [(name, self._types[name].label) for name in self.names()]

    def visible_to(self, role):
        """Types an endpoint with ``role`` may receive."""
        return [t.name for t in map(self.get, self.names()) if not t.roles or role in t.roles]


event_types = EventTypes()


def contact_data(contact):
    """A person as payloads carry them: who, how to reach them, their stakeholder roles."""
    return {
        "object": "contact",
        "id": contact.pk,
        "kind": contact.kind,
        "name": contact.name,
        "first_name": contact.first_name,
        "last_name": contact.last_name,
        "organization_name": contact.organization_name,
        "email": contact.email,
        "phone": contact.phone,
        "external_id": contact.external_id,
        "roles": [code for code, _label in CONTACT_ROLES if getattr(contact, f"is_{code}", False)],
        "updated_at": contact.updated_at,
    }


def emit(*, organization, type, data, contact=None, roles=None):
    """Record an event of ``type`` about ``data`` (a JSON-able dict with ``object`` and ``id``,
    or a function returning one: called only when an endpoint wants the event) for the
    endpoints subscribed to it; ``roles`` narrows who may receive it (a survey answer about a
    client's request). ``organization`` may be given by id (hot paths that hold no row).
    Returns the event, or None when no endpoint wants it."""
    from stakeholders.integrations import tasks
    from stakeholders.integrations.models import WebhookDelivery, WebhookEndpoint, WebhookEvent

    organization_id = getattr(organization, "pk", organization)
    spec = event_types.get(type)
    allowed = tuple(roles if roles is not None else spec.roles)
    if roles is not None and spec.roles:
        allowed = tuple(role for role in allowed if role in spec.roles)
    endpoints = [
        endpoint_id
        for endpoint_id, role in _subscribed(WebhookEndpoint, organization_id, type)
        if not allowed or role in allowed
    ]
    if not endpoints:
        return None
    if callable(data):
        data = data()
    event = WebhookEvent.objects.create(
        organization_id=organization_id,
        type=type,
        payload=json.loads(json.dumps(data, cls=DjangoJSONEncoder)),
        roles=list(allowed),
        contact_id=getattr(contact, "pk", contact),  # a row or its id
    )
    now = timezone.now()
    deliveries = WebhookDelivery.objects.bulk_create(
        WebhookDelivery(
            organization_id=organization_id, endpoint_id=endpoint, event=event, next_retry_at=now
        )
        for endpoint in endpoints
    )
    ids = [delivery.pk for delivery in deliveries]
    transaction.on_commit(
        lambda: tasks.deliver.delay(organization_id=organization_id, delivery_ids=ids)
    )
    return event


def _subscribed(endpoints, organization_id, type):
    """(id, role) of the organization's active endpoints subscribed to ``type``: what
    ``endpoints.objects.filter(organization_id=…, is_active=True, events__contains=[type])``
    finds (its organization scope included: refused outside one, nothing from another), in
    plain SQL — asked for every event, on hot paths (a thank-you batch asks once a letter),
    where building the query cost more than running it."""
    scope = get_scope()
    if scope.get("_enabled", True):
        if "organization" not in scope:
            endpoints.objects.all()  # raises ScopeError, as the query would
        scoped = scope["organization"]
        if scoped is not None and organization_id not in {
            getattr(o, "pk", o) for o in (scoped if isinstance(scoped, list | tuple) else [scoped])
        }:
            return []
    table = connection.ops.quote_name(endpoints._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id, role FROM {table} WHERE organization_id = %s AND is_active "  # noqa: S608
            "AND events @> %s::varchar(60)[]",
            [organization_id, [type]],
        )
        return cursor.fetchall()


def walled(value, *, role):
    """``value`` with each contact's stakeholder roles cut to what ``role`` may learn."""
    hidden = set(restricted_contact_roles.hidden_from(role))
    if isinstance(value, list):
        return [walled(item, role=role) for item in value]
    if not isinstance(value, dict):
        return value
    result = {name: walled(item, role=role) for name, item in value.items()}
    if value.get("object") == "contact" and isinstance(value.get("roles"), list):
        result["roles"] = [code for code in value["roles"] if code not in hidden]
    return result


def body_for(*, event, endpoint, organization):
    """The JSON body one endpoint receives for ``event`` (bytes), as Stripe shapes events."""
    document = {
        "id": event.key,
        "object": "event",
        "type": event.type,
        "created": int(event.created_at.timestamp()),
        "organization": organization.slug,
        "data": {"object": walled(event.payload, role=endpoint.role)},
    }
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()


# --- The person's events at merge, erasure and export ---------------------------------------------


def erase_events(*, organization, contact):
    """Erasure: each event about the person keeps its type and ids, none of their details."""
    from stakeholders.integrations.models import WebhookEvent

    for event in WebhookEvent.objects.filter(organization=organization, contact_id=contact.pk):
        payload = event.payload if isinstance(event.payload, dict) else {}
        event.payload = {"object": payload.get("object"), "id": payload.get("id"), "erased": True}
        event.save(update_fields=["payload"])


def export_events(*, organization, contact):
    from stakeholders.integrations.models import WebhookEvent

    rows = WebhookEvent.objects.filter(organization=organization, contact_id=contact.pk)
    return {
        "webhook_events": [
            {"id": event.key, "type": event.type, "created_at": event.created_at.isoformat()}
            for event in rows.order_by("created_at", "id")
        ]
    }
