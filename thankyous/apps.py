from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ThankyousConfig(AppConfig):
    name = "thankyous"
    verbose_name = _("Thank-yous")

    def ready(self):
        from thankyous import contributions

        contributions.register()
