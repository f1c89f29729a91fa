from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("community", "0005_ideas_notices_sessions")]

    operations = []
