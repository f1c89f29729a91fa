"""Imports become generic: contacts, gifts and what later apps add."""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("stakeholders", "0006_bulk_messages"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RenameModel("ContactImport", "DataImport"),
        migrations.AddField(
            model_name="dataimport",
            name="kind",
            field=models.CharField(default="contacts", max_length=20),
        ),
    ]
