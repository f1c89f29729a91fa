"""Webhook pages, under /o/<slug>/settings/webhooks/."""

from django.urls import path

from stakeholders.integrations import views

app_name = "integrations"

urlpatterns = [
    path("", views.webhook_list, name="webhook_list"),
    path("new/", views.webhook_create, name="webhook_create"),
    path("<int:endpoint_id>/", views.webhook_detail, name="webhook_detail"),
    path("<int:endpoint_id>/edit/", views.webhook_edit, name="webhook_edit"),
    path("<int:endpoint_id>/roll-secret/", views.webhook_roll_secret, name="webhook_roll_secret"),
    path("<int:endpoint_id>/toggle/", views.webhook_toggle, name="webhook_toggle"),
    path("<int:endpoint_id>/delete/", views.webhook_delete, name="webhook_delete"),
    path(
        "<int:endpoint_id>/deliveries/<int:delivery_id>/redeliver/",
        views.webhook_redeliver,
        name="webhook_redeliver",
    ),
]
