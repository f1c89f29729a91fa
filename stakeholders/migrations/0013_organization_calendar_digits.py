"""How an organization's people read dates and numbers: the Solar Hijri calendar with Persian
digits (on for the organizations that write Persian) and Khmer digits."""

from django.db import migrations, models


def solar_hijri_for_persian_organizations(apps, schema_editor):
    Organization = apps.get_model("stakeholders", "Organization")
    Organization.objects.filter(language="fa").update(solar_hijri=True)


class Migration(migrations.Migration):

    dependencies = [
        ("stakeholders", "0012_consent_surveys_message_not_sent"),
    ]

    operations = [
        migrations.AddField(
            model_name="organization",
            name="solar_hijri",
            field=models.BooleanField(
                default=False,
                help_text="Pages, emails and letters in Persian show dates in the Solar Hijri calendar and numbers in Persian digits. Dates are still stored in the Gregorian calendar.",
                verbose_name="Solar Hijri calendar and Persian digits",
            ),
        ),
        migrations.AddField(
            model_name="organization",
            name="khmer_digits",
            field=models.BooleanField(
                default=False,
                help_text="Pages, emails and letters in Khmer show numbers in Khmer digits.",
                verbose_name="Khmer digits",
            ),
        ),
        migrations.RunPython(solar_hijri_for_persian_organizations, migrations.RunPython.noop),
    ]
