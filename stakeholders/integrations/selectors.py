"""Reads of the integrations."""

from stakeholders.integrations.models import WebhookDelivery, WebhookEndpoint

DELIVERY_PAGE = 50


def webhook_endpoints(*, organization):
    return WebhookEndpoint.objects.filter(organization=organization).order_by("-created_at", "-id")


def webhook_endpoint_get(*, organization, endpoint_id):
    return WebhookEndpoint.objects.filter(organization=organization, pk=endpoint_id).first()


def webhook_deliveries(*, organization, endpoint=None):
    """Newest first, with their event (one query for a page)."""
    rows = WebhookDelivery.objects.filter(organization=organization).select_related("event")
    if endpoint is not None:
        rows = rows.filter(endpoint=endpoint)
    return rows.order_by("-created_at", "-id")
