"""``migrate`` as the owner of the tables, then row-level security on every tenant table and the
application role's grants (stakeholders/tenancy/rls.py)."""

from django.core.management.commands.migrate import Command as MigrateCommand

from stakeholders.tenancy import rls


class Command(MigrateCommand):
    def handle(self, *args, **options):
        using = options["database"]
        with rls.as_owner(using):
            result = super().handle(*args, **options)
            rls.ensure_application_role(using=using)
            rls.apply_row_level_security(using=using, app_role=rls.application_role())
        return result
