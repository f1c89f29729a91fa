from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DonorsConfig(AppConfig):
    name = "donors"
    verbose_name = _("Donors")

    def ready(self):
        from donors import contributions, importing
        from stakeholders import importing as stakeholder_importing

        contributions.register()
        stakeholder_importing.register(importing.GiftImporter())
