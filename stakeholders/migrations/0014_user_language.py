"""A staff user's interface language; empty follows the browser."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("stakeholders", "0013_organization_calendar_digits"),
    ]

    operations = [
        migrations.AddField(
            model_name="user",
            name="language",
            field=models.CharField(
                blank=True,
                choices=[
                    ("en", "English"),
                    ("es", "Spanish"),
                    ("fr", "French"),
                    ("fa", "Persian"),
                    ("km", "Khmer"),
                    ("kk", "Kazakh"),
                ],
                help_text="Leave empty to follow your browser's language.",
                max_length=10,
                verbose_name="interface language",
            ),
        ),
    ]
