from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StakeholdersConfig(AppConfig):
    name = "stakeholders"
    verbose_name = _("Stakeholders")

    def ready(self):
        from stakeholders import contributions, pdf

        contributions.register()
        pdf.install()  # PDFs whose Khmer text wraps and reads back as written
