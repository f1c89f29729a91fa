from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    """Built without locking the contacts table: it can be large when this runs."""

    atomic = False

    dependencies = [
        ("stakeholders", "0028_export_jobs"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="contact",
            index=models.Index(fields=["organization", "-id"], name="contact_newest"),
        ),
    ]
