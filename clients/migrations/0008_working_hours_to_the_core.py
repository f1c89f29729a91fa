"""Working hours and holidays now belong to the core (stakeholders 0018 renamed the tables)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("clients", "0007_plural_names"),
        ("stakeholders", "0018_working_hours_from_clients"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="Holiday"),
                migrations.DeleteModel(name="WorkingHours"),
            ]
        )
    ]
