from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("community", "0004_moderation")]

    operations = [
        migrations.AddField(
            model_name="idea",
            name="notified_status",
            field=models.CharField(blank=True, max_length=10),
        ),
    ]
