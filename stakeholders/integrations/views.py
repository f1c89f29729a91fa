"""Staff pages of the webhooks (admins): the endpoints, adding and changing one, its delivery
log with the answers, redelivery, rolling the secret, turning it off and on."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from stakeholders.forms import add_errors
from stakeholders.integrations import selectors, services
from stakeholders.integrations.forms import WebhookEndpointForm
from stakeholders.models import Role
from stakeholders.tenancy.views import staff_view

ADMINS = [Role.ADMIN]


def _endpoint(request, endpoint_id):
    endpoint = selectors.webhook_endpoint_get(
        organization=request.organization, endpoint_id=endpoint_id
    )
    if endpoint is None:
        raise Http404
    return endpoint


@never_cache
@staff_view(roles=ADMINS)
def webhook_list(request, org_slug):
    endpoints = selectors.webhook_endpoints(organization=request.organization)
    return render(request, "integrations/webhook_list.html", {"endpoints": endpoints})


@never_cache
@staff_view(roles=ADMINS)
def webhook_create(request, org_slug):
    form = WebhookEndpointForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            endpoint, secret = services.webhook_endpoint_create(
                organization=request.organization, actor=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            add_errors(form, error)
        else:  # the secret is shown on this answer only, never after a redirect
            return _detail(request, endpoint, new_secret=secret)
    return render(request, "integrations/webhook_form.html", {"form": form, "endpoint": None})


@never_cache
@staff_view(roles=ADMINS)
def webhook_edit(request, org_slug, endpoint_id):
    endpoint = _endpoint(request, endpoint_id)
    initial = {name: getattr(endpoint, name) for name in ("url", "description", "role", "events")}
    form = WebhookEndpointForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.webhook_endpoint_update(
                organization=request.organization,
                endpoint=endpoint,
                actor=request.user,
                **form.cleaned_data,
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("The endpoint was saved."))
            return redirect(
                "integrations:webhook_detail", org_slug=org_slug, endpoint_id=endpoint.pk
            )
    return render(request, "integrations/webhook_form.html", {"form": form, "endpoint": endpoint})


def _detail(request, endpoint, new_secret=None):
    rows = selectors.webhook_deliveries(organization=request.organization, endpoint=endpoint)
    before = request.GET.get("before", "")
    if before.isdigit():
        rows = rows.filter(id__lt=int(before))
    rows = list(rows[: selectors.DELIVERY_PAGE + 1])
    next_before = None
    if len(rows) > selectors.DELIVERY_PAGE:
        rows = rows[: selectors.DELIVERY_PAGE]
        next_before = rows[-1].pk
    return render(
        request,
        "integrations/webhook_detail.html",
        {
            "endpoint": endpoint,
            "deliveries": rows,
            "next_before": next_before,
            "new_secret": new_secret,
        },
    )


@never_cache
@staff_view(roles=ADMINS)
def webhook_detail(request, org_slug, endpoint_id):
    return _detail(request, _endpoint(request, endpoint_id))


@never_cache
@require_POST
@staff_view(roles=ADMINS)
def webhook_roll_secret(request, org_slug, endpoint_id):
    endpoint = _endpoint(request, endpoint_id)
    secret = services.webhook_endpoint_roll_secret(
        organization=request.organization, endpoint=endpoint, actor=request.user
    )
    return _detail(request, endpoint, new_secret=secret)


@require_POST
@staff_view(roles=ADMINS)
def webhook_toggle(request, org_slug, endpoint_id):
    endpoint = _endpoint(request, endpoint_id)
    services.webhook_endpoint_set_active(
        organization=request.organization,
        endpoint=endpoint,
        active=not endpoint.is_active,
        actor=request.user,
    )
    if endpoint.is_active:
        messages.success(request, _("The endpoint is on: new events are sent to it."))
    else:
        messages.success(request, _("The endpoint is off: no events are sent to it."))
    return redirect("integrations:webhook_detail", org_slug=org_slug, endpoint_id=endpoint.pk)


@require_POST
@staff_view(roles=ADMINS)
def webhook_delete(request, org_slug, endpoint_id):
    endpoint = _endpoint(request, endpoint_id)
    services.webhook_endpoint_delete(
        organization=request.organization, endpoint=endpoint, actor=request.user
    )
    messages.success(request, _("The endpoint was removed."))
    return redirect("integrations:webhook_list", org_slug=org_slug)


@require_POST
@staff_view(roles=ADMINS)
def webhook_redeliver(request, org_slug, endpoint_id, delivery_id):
    endpoint = _endpoint(request, endpoint_id)
    delivery = (
        selectors.webhook_deliveries(organization=request.organization, endpoint=endpoint)
        .filter(pk=delivery_id)
        .first()
    )
    if delivery is None:
        raise Http404
    services.webhook_redeliver(organization=request.organization, delivery=delivery)
    messages.success(request, _("The event is being sent again."))
    return redirect("integrations:webhook_detail", org_slug=org_slug, endpoint_id=endpoint.pk)
