import django.contrib.postgres.fields
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("community", "0001_initial")]

    operations = [
        migrations.AlterField(
            model_name="member",
            name="status",
            field=models.CharField(
                choices=[
                    ("pending", "Waiting for email confirmation"),
                    ("active", "Active"),
                    ("blocked", "Blocked"),
                    ("left", "Left the community"),
                ],
                max_length=10,
            ),
        ),
        migrations.AddField(
            model_name="follow",
            name="digest_answer_ids",
            field=django.contrib.postgres.fields.ArrayField(
                base_field=models.BigIntegerField(), blank=True, default=list, size=None
            ),
        ),
    ]
