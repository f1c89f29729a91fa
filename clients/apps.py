"""Service requests, response targets, service records and the help centre."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ClientsConfig(AppConfig):
    name = "clients"
    verbose_name = _("Clients")

    def ready(self):
        from clients import checks, contributions  # noqa: F401 (checks register themselves)

        contributions.register()
