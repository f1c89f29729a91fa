from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StakeholdersConfig(AppConfig):
    name = "stakeholders"
    verbose_name = _("Stakeholders")

    def ready(self):
        from stakeholders import contributions, pdf

        contributions.register()
        _connect_organization_cache()
        pdf.install()  # PDFs whose Khmer text wraps and reads back as written


def _connect_organization_cache():
    """Every process (web, worker, command) forgets a cached organization it saves or deletes
    (stakeholders.tenancy.middleware.organization_by_slug)."""
    from django.db.models.signals import post_delete, post_save, pre_save

    from stakeholders.models import Organization
    from stakeholders.tenancy import middleware

    pre_save.connect(middleware.organization_saving, sender=Organization)
    post_save.connect(middleware.organization_changed, sender=Organization)
    post_delete.connect(middleware.organization_changed, sender=Organization)
